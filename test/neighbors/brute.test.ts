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
