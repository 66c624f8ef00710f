import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/random.ts';
import { compileEamSpline, type EamSplineSpec } from '../../src/potentials/eam-spline.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { compilePair } from '../../src/potentials/pair.ts';
import { compileModel, MODEL_KIND_NAMES, validateSpec, type ModelSpec } from '../../src/potentials/registry.ts';
import { compileSw, type SwSpec } from '../../src/potentials/sw.ts';
import type { CompiledModel } from '../../src/potentials/types.ts';
import { bulk, rattle, supercell } from '../../src/structure/builders.ts';
import { buckSpec, ljSpec, morseSpec, splineSpec } from './pair-fixtures.ts';

const RK = [2.0, 2.6, 3.2, 3.8, 4.4, 5.0];
const eamSpline: EamSplineSpec = {
  kind: 'eam-spline', elements: ['Cu'], cutoff: 5.0,
  F: [{ knots: [0, 0.5, 1, 1.5, 2.5], values: [0, -1.2, -2.0, -2.4, -2.5] }],
  rho: [{ knots: RK, values: [0.6, 0.35, 0.18, 0.07, 0.02] }],
  phi: [{ knots: RK, values: [1.5, 0.2, -0.1, -0.05, -0.01] }],
};
const swEntry = { epsilon: 2.1683, sigma: 2.0951, a: 1.8, lambda: 21, gamma: 1.2, costheta0: -1 / 3, A: 7.049556277, B: 0.6022245584, p: 4, q: 0, tol: 0 };
const swSpec: SwSpec = { kind: 'sw', elements: ['Si'], cutoff: 3.77118, entries: [{ elements: ['Si', 'Si', 'Si'], ...swEntry }] };

const cu = rattle(supercell(bulk('fcc', ['Cu'], 3.6), [2, 2, 2]), 0.05, createRng(3));
const cuni = { ...cu, species: Int32Array.from(cu.species, (_, i) => (i % 3 === 0 ? 28 : 29)) };
const si = rattle(supercell(bulk('diamond', ['Si'], 5.43), [1, 1, 1]), 0.05, createRng(4));

function sameResults(a: CompiledModel, b: CompiledModel, s: typeof cu): void {
  const ra = evaluateStructure(a, s, { forces: true, virial: true });
  const rb = evaluateStructure(b, s, { forces: true, virial: true });
  assert.equal(ra.energy, rb.energy);
  assert.deepEqual(ra.forces, rb.forces);
  assert.deepEqual(ra.virial, rb.virial);
}

test('compileModel dispatches each kind to its family compiler (identical results)', () => {
  sameResults(compileModel(eamSpline), compileEamSpline(eamSpline), cu);
  sameResults(compileModel(swSpec), compileSw(swSpec), si);
  for (const spec of [ljSpec('none'), morseSpec('shift'), buckSpec({ kind: 'cosine', inner: 4.6 }), splineSpec('none')]) {
    sameResults(compileModel(spec as ModelSpec), compilePair(spec), cuni);
  }
  // a JSON round trip of the spec (what model.json does) compiles to the same model
  sameResults(compileModel(JSON.parse(JSON.stringify(swSpec)) as ModelSpec), compileSw(swSpec), si);
});

test('the registry lists every kind of the ModelSpec union', () => {
  assert.deepEqual([...MODEL_KIND_NAMES].sort(), ['buckingham', 'eam-analytic', 'eam-spline', 'eam-table', 'lj', 'morse', 'overlay', 'pair-spline', 'snap', 'sw', 'table', 'tersoff', 'zbl']);
});

function keyPathOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e.keyPath;
  }
  assert.fail('expected an error');
}

test('invalid specs are ConfigErrors naming the key', () => {
  const clone = <T>(x: T): Record<string, unknown> => JSON.parse(JSON.stringify(x)) as Record<string, unknown>;
  assert.equal(keyPathOf(() => validateSpec(42)), 'spec');
  assert.equal(keyPathOf(() => validateSpec({ ...clone(swSpec), kind: 'gap' })), 'spec.kind');
  assert.equal(keyPathOf(() => validateSpec({ ...clone(swSpec), elements: ['Si', 'Qq'] })), 'spec.elements[1]');
  assert.equal(keyPathOf(() => validateSpec({ ...clone(swSpec), elements: ['Si', 'Si'] })), 'spec.elements[1]');
  assert.equal(keyPathOf(() => validateSpec({ ...clone(swSpec), cutoff: -1 })), 'spec.cutoff');
  assert.equal(keyPathOf(() => validateSpec({ ...clone(swSpec), entires: [] })), 'spec.entires');
  const sw = clone(swSpec);
  delete (sw.entries as Record<string, unknown>[])[0].lambda;
  assert.equal(keyPathOf(() => validateSpec(sw)), 'spec.entries[0].lambda');
  const lj = clone(ljSpec('none'));
  (lj.pairs as Record<string, Record<string, unknown>>)['Ni-Cu'].sigma = 'x';
  assert.equal(keyPathOf(() => validateSpec(lj)), 'spec.pairs.Ni-Cu.sigma');
  assert.equal(keyPathOf(() => validateSpec({ ...clone(ljSpec('none')), cutoff_function: 'smooth' })), 'spec.cutoff_function');
  const eam = clone(eamSpline);
  (eam.phi as unknown[]).push({ knots: RK, values: [] });
  assert.equal(keyPathOf(() => validateSpec(eam)), 'spec.phi');
  // a missing element pair is caught by the family compiler, still as a ConfigError with the key
  const lj2 = clone(ljSpec('none'));
  delete (lj2.pairs as Record<string, unknown>)['Ni-Ni'];
  assert.match(keyPathOf(() => compileModel(lj2 as unknown as ModelSpec)), /pairs\.Ni-Ni/);
});
