/**
 * Worker-thread SNAP design rows: the batch over several structures (different sizes, two elements, more structures
 * than threads) equals the serial per-structure result bit for bit, and user errors name the failing structure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../../src/core/random.ts';
import { SnapEngine, snapCutoff } from '../../../src/potentials/snap/engine.ts';
import { designRowsBatch, snapDesignRowsOf } from '../../../src/potentials/snap/parallel.ts';
import { snapColumnCount, type SnapSpec } from '../../../src/potentials/snap/spec.ts';
import { bulk, rattle, supercell } from '../../../src/structure/builders.ts';
import type { Structure } from '../../../src/structure/types.ts';

function spec(): SnapSpec {
  const s: SnapSpec = {
    kind: 'snap', elements: ['Mo', 'Nb'], cutoff: 0, twojmax: 4, rcutfac: 4.1, rfac0: 0.99363, rmin0: 0,
    radelem: [0.5, 0.42], wj: [1, 0.73], switchflag: true, bzeroflag: true, quadratic: true, wselfallflag: false,
    chemflag: false, bnormflag: false, coefficients: [],
  };
  s.coefficients = s.elements.map(() => new Array<number>(snapColumnCount(s)).fill(0.1));
  return s;
}

function structures(): Structure[] {
  const rng = createRng(21);
  return [
    rattle(supercell(bulk('bcc', ['Mo', 'Nb'], 3.2), [2, 2, 2]), 0.1, rng),
    rattle(bulk('bcc', ['Mo'], 3.15), 0.05, rng),
    rattle(supercell(bulk('bcc', ['Nb', 'Nb'], 3.3), [2, 1, 1]), 0.1, rng),
    rattle(supercell(bulk('bcc', ['Mo', 'Nb'], 3.2), [1, 2, 2]), 0.15, rng),
    rattle(supercell(bulk('fcc', ['Mo'], 4.0), [1, 1, 2]), 0.1, rng),
  ];
}

test('threaded designRowsBatch equals the serial design rows exactly', async () => {
  const sp = spec();
  const list = structures();
  const engine = new SnapEngine({ ...sp, cutoff: snapCutoff(sp) });
  const serial = list.map((s) => snapDesignRowsOf(engine, s));
  const threaded = await designRowsBatch(sp, list, { threads: 2 });
  const single = await designRowsBatch(sp, list, { threads: 1 });
  assert.equal(threaded.length, list.length);
  for (let k = 0; k < list.length; k++) {
    for (const key of ['energy', 'forces', 'virial', 'descriptors'] as const) {
      assert.deepEqual(threaded[k]![key], serial[k]![key], `structure ${k} ${key} (threads 2)`);
      assert.deepEqual(single[k]![key], serial[k]![key], `structure ${k} ${key} (threads 1)`);
    }
    assert.ok(serial[k]!.forces.some((v) => v !== 0));
  }
});

test('designRowsBatch reports the structure that fails and rejects bad thread counts', async () => {
  const list = structures();
  list[3] = { ...list[3]!, species: list[3]!.species.map(() => 29) };
  await assert.rejects(designRowsBatch(spec(), list, { threads: 2 }), /structure 3: .*Cu/);
  await assert.rejects(designRowsBatch(spec(), list, { threads: 0 }), /threads must be a positive integer/);
});
