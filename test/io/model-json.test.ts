import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ParseError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/random.ts';
import { loadSwFile } from '../../src/io/lammps-sw.ts';
import { formatModelJson, parseModelJson, readModelJson, writeModelJson } from '../../src/io/model-json.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { compileModel, type ModelSpec } from '../../src/potentials/registry.ts';
import type { CompiledModel } from '../../src/potentials/types.ts';
import { bulk, rattle, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';
import { LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';
import { ljSpec, splineSpec } from '../potentials/pair-fixtures.ts';

const SW = join(LAMMPS_POTENTIALS, 'Si.sw');

function bitEqual(a: CompiledModel, b: CompiledModel, s: Structure): void {
  const req = { forces: true, virial: true, atomEnergies: true };
  const ra = evaluateStructure(a, s, req), rb = evaluateStructure(b, s, req);
  assert.ok(Object.is(ra.energy, rb.energy), `energy ${ra.energy} vs ${rb.energy}`);
  assert.deepEqual(rb.forces, ra.forces);
  assert.deepEqual(rb.virial, ra.virial);
  assert.deepEqual(rb.atomEnergies, ra.atomEnergies);
}

/** Perturbs every parameter by an irrational-looking factor so the values need all 17 digits. */
function perturbed(m: CompiledModel<ModelSpec>): CompiledModel<ModelSpec> {
  return m.withParameters(Float64Array.from(m.parameters, (v, p) => v * (1 + Math.SQRT2 * 1e-3 * Math.sin(p + 1))));
}

const cuni = (() => {
  const s = rattle(supercell(bulk('fcc', ['Cu'], 3.6), [2, 2, 2]), 0.05, createRng(7));
  return { ...s, species: Int32Array.from(s.species, (_, i) => (i % 3 === 0 ? 28 : 29)) };
})();

test('model.json round trip reproduces pair models bit for bit (parameters, offsets, provenance)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-model-'));
  try {
    for (const spec of [ljSpec('none'), splineSpec({ kind: 'cosine', inner: 4.6 })]) {
      const model = perturbed(compileModel(spec as ModelSpec));
      const path = join(dir, 'model.json');
      const offsets = { E0: -0.1234567890123, 'E0:Ni': 1 / 3 };
      writeModelJson(path, model, { energyOffsets: offsets, provenance: { by: 'test', n: 1 } });
      const back = readModelJson(path);
      assert.deepEqual(back.model.paramNames, model.paramNames);
      assert.deepEqual(back.model.parameters, model.parameters);
      assert.deepEqual(back.energyOffsets, offsets);
      assert.deepEqual(back.provenance, { by: 'test', n: 1 });
      bitEqual(model, back.model, cuni);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('model.json round trip of Si.sw with fitted parameters is bit for bit', { skip: skipUnless(existsSync(SW), SW) }, () => {
  const model = perturbed(compileModel(loadSwFile(SW)));
  const si = rattle(supercell(bulk('diamond', ['Si'], 5.43), [1, 1, 1]), 0.08, createRng(2));
  bitEqual(model, parseModelJson(formatModelJson(model), 'model.json').model, si);
});

function errorOf(text: string): Error {
  try {
    parseModelJson(text, 'm.json');
  } catch (e) {
    return e as Error;
  }
  assert.fail('expected an error');
}

test('model.json errors name the file and key (or line for bad JSON)', () => {
  const good = JSON.parse(formatModelJson(compileModel(ljSpec('none') as ModelSpec))) as Record<string, unknown>;
  const variant = (f: (d: Record<string, unknown>) => void): string => {
    const d = structuredClone(good);
    f(d);
    return JSON.stringify(d, null, 1);
  };
  const bad = errorOf('{\n "format": "pesfit-model",\n "version": 1,\n}');
  assert.ok(bad instanceof ParseError && bad.location.line === 4, bad.message);
  const cases: [string, string][] = [
    [variant((d) => (d.format = 'other')), 'format'],
    [variant((d) => (d.version = 2)), 'version'],
    [variant((d) => (d.extra = 1)), 'extra'],
    [variant((d) => ((d.spec as Record<string, unknown>).kind = 'nope')), 'spec.kind'],
    [variant((d) => delete (d.parameters as Record<string, unknown>)['sigma:Cu-Ni']), 'parameters'],
    [variant((d) => ((d.parameters as Record<string, unknown>)['sigma:Cu-Zn'] = 1)), 'parameters.sigma:Cu-Zn'],
    [variant((d) => ((d.parameters as Record<string, unknown>)['epsilon:Cu-Cu'] = 'big')), 'parameters.epsilon:Cu-Cu'],
    [variant((d) => (d.energy_offsets = { E1: 0 })), 'energy_offsets.E1'],
  ];
  for (const [text, key] of cases) {
    const e = errorOf(text);
    assert.ok(e instanceof ConfigError, `${key}: ${String(e)}`);
    assert.equal(e.keyPath, key, e.message);
    assert.equal(e.file, 'm.json');
  }
  assert.match(errorOf(variant((d) => delete (d.parameters as Record<string, unknown>)['sigma:Cu-Ni'])).message, /sigma:Cu-Ni/);
});

test('the file parameters win over the numbers inside the spec', () => {
  const d = JSON.parse(formatModelJson(compileModel(ljSpec('none') as ModelSpec))) as { parameters: Record<string, number> };
  d.parameters['epsilon:Cu-Cu'] = 0.5;
  const m = parseModelJson(JSON.stringify(d), 'm.json').model;
  assert.equal(m.parameters[m.paramNames.indexOf('epsilon:Cu-Cu')], 0.5);
  assert.equal((m.spec as { pairs: Record<string, { epsilon: number }> }).pairs['Cu-Cu'].epsilon, 0.5);
});
