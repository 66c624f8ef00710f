/**
 * The fitter's parallel hook (design-stream.ts): the synchronous worker stream returns, in input order, the same
 * evaluation with design rows as model.evaluate on the calling thread (checked to 1e-12 relative; it is expected to
 * be bit for bit), with a window smaller than the data so results are produced and consumed in several rounds; it
 * declines non-SNAP models, one thread and small data; a structure that fails is named in the error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../src/core/random.ts';
import { buildNeighborList } from '../../../src/neighbors/index.ts';
import { snapDesignStream, DESIGN_REQUEST } from '../../../src/potentials/snap/design-stream.ts';
import { compileSnap } from '../../../src/potentials/snap/snap.ts';
import { snapColumnCount, type SnapSpec } from '../../../src/potentials/snap/spec.ts';
import type { CompiledModel } from '../../../src/potentials/types.ts';
import { bulk, rattle, supercell } from '../../../src/structure/builders.ts';
import type { Structure } from '../../../src/structure/types.ts';

function spec(): SnapSpec {
  const s: SnapSpec = {
    kind: 'snap', elements: ['Mo', 'Nb'], cutoff: 0, twojmax: 4, rcutfac: 4.1, rfac0: 0.99363, rmin0: 0,
    radelem: [0.5, 0.42], wj: [1, 0.73], switchflag: true, bzeroflag: true, quadratic: true, wselfallflag: false,
    chemflag: false, bnormflag: false, coefficients: [],
  };
  const rng = createRng(3);
  s.coefficients = s.elements.map(() => Array.from({ length: snapColumnCount(s) }, () => rng.normal() * 0.01));
  return s;
}

function structures(count: number): Structure[] {
  const rng = createRng(22);
  const out: Structure[] = [];
  for (let k = 0; k < count; k++) {
    const base = k % 3 === 0 ? bulk('bcc', ['Mo', 'Nb'], 3.2) : k % 3 === 1 ? bulk('bcc', ['Nb'], 3.3) : bulk('fcc', ['Mo'], 4.0);
    out.push(rattle(supercell(base, [1 + (k % 2), 1, 2]), 0.1, rng));
  }
  return out;
}

function maxRelDiff(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let d = 0;
  for (let k = 0; k < a.length; k++) d = Math.max(d, Math.abs(a[k]! - b[k]!));
  return scale > 0 ? d / scale : d;
}

test('the design stream equals serial model.evaluate with paramGradient, in order, over several windows', () => {
  const model = compileSnap(spec());
  const list = structures(11);
  const lists = list.map((s) => buildNeighborList(s, model.cutoff, { half: false }));
  const stream = snapDesignStream(model, list, lists, { threads: 2, window: 3, minAtoms: 0 });
  assert.ok(stream);
  let worst = 0;
  try {
    for (let k = 0; k < list.length; k++) {
      assert.equal(stream.remaining, list.length - k);
      const got = stream.next();
      const want = model.evaluate(list[k]!, lists[k]!, DESIGN_REQUEST);
      assert.ok(Math.abs(got.energy - want.energy) <= 1e-12 * Math.abs(want.energy), `energy ${k}`);
      for (const key of ['forces', 'virial', 'dEnergy', 'dForces', 'dVirial'] as const) {
        const d = maxRelDiff(got[key]!, want[key]!);
        worst = Math.max(worst, d);
        assert.ok(d <= 1e-12, `structure ${k} ${key}: relative difference ${d}`);
      }
      assert.ok(want.dForces!.some((v) => v !== 0));
    }
    assert.throws(() => stream.next(), /past its last structure/);
  } finally {
    stream.close();
  }
  assert.equal(worst, 0, 'same code on the same list: expected bit-for-bit equality');
});

test('snapDesignStream declines what it should not parallelise and names a failing structure', () => {
  const model = compileSnap(spec());
  const list = structures(4);
  const lists = list.map((s) => buildNeighborList(s, model.cutoff, { half: false }));
  assert.equal(snapDesignStream(model, list, lists, { threads: 1, minAtoms: 0 }), undefined);
  assert.equal(snapDesignStream(model, list, lists, { threads: 2 }), undefined, 'below minAtoms');
  const notSnap = { ...model, spec: { ...model.spec, kind: 'lj' } } as CompiledModel;
  assert.equal(snapDesignStream(notSnap, list, lists, { threads: 2, minAtoms: 0 }), undefined);
  assert.throws(() => snapDesignStream(model, list, lists, { threads: 0, minAtoms: 0 }), /threads must be a positive integer/);

  list[2] = { ...list[2]!, species: list[2]!.species.map(() => 29) };
  const stream = snapDesignStream(model, list, lists, { threads: 2, minAtoms: 0 })!;
  try {
    stream.next();
    stream.next();
    assert.throws(() => stream.next(), /structure 2: .*Cu/);
  } finally {
    stream.close();
  }
});
