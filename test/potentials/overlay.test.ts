import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkDerivatives } from '../../src/analysis/check-derivatives.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/random.ts';
import { readExtxyz } from '../../src/io/extxyz.ts';
import { loadSwFile } from '../../src/io/lammps-sw.ts';
import { readSnapInclude } from '../../src/io/lammps-snap.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import type { OverlaySpec } from '../../src/potentials/overlay.ts';
import { compileModel, MODEL_KINDS, type ModelSpec } from '../../src/potentials/registry.ts';
import type { ZblSpec } from '../../src/potentials/zbl.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';
import { hasShared, LAMMPS_POTENTIALS, sharedPath, skipUnless } from '../helpers/external.ts';
import { morseSpec, splineSpec } from './pair-fixtures.ts';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const zblCuNi: ZblSpec = { kind: 'zbl', elements: ['Cu', 'Ni'], cutoff: 3.0, inner: 1.5, outer: 3.0 };
const overlay = (components: ModelSpec[], cutoff: number): OverlaySpec => ({ kind: 'overlay', elements: ['Cu', 'Ni'], cutoff, components });

function cuNi(seed: number, reps: number): Structure {
  const rng = createRng(seed);
  return rattle(randomStrain(supercell(bulk('bcc', ['Cu', 'Ni'], 2.8), [reps, reps, reps]), 0.04, rng), 0.2, rng);
}

/** The sum of separate evaluations (each component with its own neighbor list) is the oracle. */
function assertIsSum(spec: OverlaySpec, s: Structure, tol: number): void {
  const all = { forces: true, virial: true, atomEnergies: true } as const;
  const r = evaluateStructure(compileModel(spec), s, all);
  const parts = spec.components.map((c) => evaluateStructure(compileModel(c), s, all));
  const sum = (key: 'forces' | 'virial' | 'atomEnergies') => {
    const out = new Float64Array(parts[0][key]!.length);
    for (const p of parts) p[key]!.forEach((v, k) => (out[k] += v));
    return out;
  };
  const e = parts.reduce((a, p) => a + p.energy, 0);
  assert.ok(Math.abs(r.energy - e) <= tol * Math.max(1, Math.abs(e)), `energy ${r.energy} vs ${e}`);
  for (const key of ['forces', 'virial', 'atomEnergies'] as const) assert.ok(maxAbsDiff(r[key]!, sum(key)) < tol, `${key}: ${maxAbsDiff(r[key]!, sum(key))}`);
}

test('overlay of zbl + morse (both half lists, different cutoffs) is the sum of its parts', () => {
  assertIsSum(overlay([zblCuNi, morseSpec('shift')], 5.5), cuNi(1, 2), 1e-11);
});

test('overlay of a full-list (sw) and a half-list (zbl) component: the halved list gives the sum, also with self images', { skip: skipUnless(existsSync(join(LAMMPS_POTENTIALS, 'Si.sw')), 'Si.sw') }, () => {
  const sw = loadSwFile(join(LAMMPS_POTENTIALS, 'Si.sw'), ['Si']);
  const zbl: ZblSpec = { kind: 'zbl', elements: ['Si'], cutoff: 2.6, inner: 1.8, outer: 2.6 };
  const spec: OverlaySpec = { kind: 'overlay', elements: ['Si'], cutoff: sw.cutoff, components: [sw as ModelSpec, zbl] };
  assert.equal(compileModel(spec).neighborList, 'full');
  const rng = createRng(3);
  assertIsSum(spec, rattle(supercell(bulk('diamond', ['Si'], 5.0), [1, 1, 2]), 0.25, rng), 1e-10);
  // a one-atom cell far smaller than the cutoffs: every neighbor is a periodic image of the atom itself
  const tiny: Structure = { species: Int32Array.of(14), positions: Float64Array.of(0.1, 0.2, 0.3), cell: Float64Array.of(2.2, 0, 0, 0.4, 2.1, 0, 0.3, -0.2, 2.3), pbc: [true, true, true] };
  assertIsSum(spec, tiny, 1e-10);
});

test('overlay parameters: prefixed names, concatenated derivatives (finite differences), withParameters, linearity', () => {
  const spec = overlay([zblCuNi, morseSpec('shift')], 5.5);
  const m = compileModel(spec);
  const morse = compileModel(morseSpec('shift'));
  assert.deepEqual(m.paramNames, morse.paramNames.map((n) => `c1:${n}`));
  assert.deepEqual([...m.parameters], [...morse.parameters]);
  assert.equal(m.linearInParameters, false);
  for (const r of checkDerivatives(m, cuNi(5, 1))) assert.ok(r.maxRelError < 1e-6, `${r.quantity}: ${JSON.stringify(r)}`);
  const theta = Float64Array.from(m.parameters, (v, k) => v * (1 + 0.01 * (k + 1)));
  const m2 = m.withParameters(theta);
  assert.deepEqual([...m2.parameters], [...theta]);
  const s = cuNi(6, 2);
  const want = evaluateStructure(compileModel(zblCuNi), s, {}).energy + evaluateStructure(morse.withParameters(theta), s, {}).energy;
  assert.ok(Math.abs(evaluateStructure(m2, s, {}).energy - want) < 1e-10);
  assert.deepEqual([...compileModel(spec).parameters], [...morse.parameters], 'the original is unchanged');
  // zbl (no parameters) + a linear pair spline is linear (affine) in the parameters
  assert.equal(compileModel(overlay([zblCuNi, splineSpec('none')], 5.5)).linearInParameters, true);
});

test('overlay specs are validated with key paths', () => {
  const bad = (v: unknown, re: RegExp) => assert.throws(() => compileModel(v as ModelSpec), (e: unknown) => e instanceof ConfigError && re.test(e.message));
  bad(overlay([zblCuNi, morseSpec('shift')], 5.0), /spec\.cutoff.*below component 1's cutoff 5\.5/);
  bad(overlay([{ ...zblCuNi, elements: ['Cu'] }], 5.5), /spec\.components\[0\]\.elements/);
  bad(overlay([{ ...zblCuNi, inner: -1 }], 5.5), /spec\.components\[0\]\.inner/);
  bad(overlay([], 5.5), /at least one component/);
  bad({ ...zblCuNi, cutoff: 4 }, /spec\.cutoff.*outer/);
  assert.ok('zbl' in MODEL_KINDS && 'overlay' in MODEL_KINDS);
});

const TA_REF = ['reference', 'lammps', 'lammps_ta_snap.extxyz'];
const haveTa = existsSync(join(LAMMPS_POTENTIALS, 'Ta06A.snap')) && hasShared(...TA_REF);

test('Ta06A.snap (hybrid/overlay zbl + snap) reproduces the LAMMPS reference frames', { skip: skipUnless(haveTa, 'Ta06A.snap and ../shared reference') }, () => {
  if (!('snap' in MODEL_KINDS)) assert.fail("model kind 'snap' is not registered yet");
  const spec = readSnapInclude(join(LAMMPS_POTENTIALS, 'Ta06A.snap'));
  const model = compileModel(spec);
  for (const c of readExtxyz(sharedPath(...TA_REF))) {
    const r = evaluateStructure(model, c.structure, { forces: true, virial: true, atomEnergies: true });
    const n = c.structure.species.length;
    const d = {
      e: Math.abs(r.energy - c.labels.energy!) / n,
      f: maxAbsDiff(r.forces!, c.labels.forces!),
      s: maxAbsDiff(r.stress!, c.labels.stress!),
    };
    console.log(`# Ta06A ${n} atoms vs LAMMPS: ${JSON.stringify(d)}`);
    assert.ok(d.e < 1e-8 && d.f < 1e-7 && d.s < 1e-8, JSON.stringify(d));
  }
});
