import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bruteForceNeighborList } from '../../src/neighbors/brute.ts';
import type { Structure } from '../../src/structure/types.ts';

function sc(a: number): Structure {
  return { species: Int32Array.of(29), positions: Float64Array.of(0, 0, 0), cell: Float64Array.of(a, 0, 0, 0, a, 0, 0, 0, a), pbc: [true, true, true] };
}

test('one-atom simple cubic cell smaller than the cutoff sees its own images', () => {
  const s = sc(2.0);
  // shells: 6 at 2.0, 12 at 2.83, 8 at 3.46 → cutoff 3.0 gives 18 images in a full list, 9 in a half list
  const full = bruteForceNeighborList(s, 3.0, { half: false });
  const half = bruteForceNeighborList(s, 3.0, { half: true });
  assert.equal(full.j.length, 18);
  assert.equal(half.j.length, 9);
});

test('brute force finds pairs of atoms stored many cells apart (unwrapped positions)', () => {
  const s: Structure = { species: Int32Array.of(29, 29), positions: Float64Array.of(0, 0, 0, 31, 0, 0), cell: Float64Array.of(10, 0, 0, 0, 10, 0, 0, 0, 10), pbc: [true, true, true] };
  // x = 31 is the image of x = 1: one pair at 1 Å within a 2 Å cutoff
  const half = bruteForceNeighborList(s, 2.0, { half: true });
  assert.equal(half.j.length, 1);
  const d = s.positions[3] + half.shift[0] - s.positions[0];
  assert.ok(Math.abs(Math.abs(d) - 1) < 1e-12);
});
