// The reusable neighbor builder (celllist.ts createNeighborBuilder): a reused builder returns exactly what a fresh
// build returns (same start, j and shift arrays, bit for bit) across structures of growing and shrinking size, half
// and full lists, small triclinic cells and unwrapped atoms; lists equal the brute-force oracle whatever the atom
// order (the bin axis order follows the atoms' index order); oversized image ranges are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/random.ts';
import { bruteForceNeighborList } from '../../src/neighbors/brute.ts';
import { cellListNeighborList, createNeighborBuilder } from '../../src/neighbors/celllist.ts';
import type { NeighborList } from '../../src/neighbors/types.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';

function assertIdentical(got: NeighborList, want: NeighborList, what: string): void {
  assert.equal(got.nAtoms, want.nAtoms, what);
  assert.equal(got.half, want.half, what);
  assert.equal(got.cutoff, want.cutoff, what);
  assert.deepEqual(Array.from(got.start), Array.from(want.start), `${what}: start`);
  assert.deepEqual(Array.from(got.j), Array.from(want.j), `${what}: j`);
  assert.deepEqual(Array.from(got.shift), Array.from(want.shift), `${what}: shift`);
}

/** Entries as a sorted multiset "i j sx sy sz" (shifts to 1e-6 Å), for comparisons with the oracle. */
function entries(nl: NeighborList): string[] {
  const out: string[] = [];
  for (let i = 0; i < nl.nAtoms; i++)
    for (let k = nl.start[i]; k < nl.start[i + 1]; k++) {
      const s = [0, 1, 2].map((c) => Math.round(nl.shift[3 * k + c] * 1e6) + 0);
      out.push(`${i} ${nl.j[k]} ${s.join(' ')}`);
    }
  return out.sort();
}

function permuted(s: Structure, perm: number[]): Structure {
  return {
    ...s,
    species: Int32Array.from(perm, (o) => s.species[o]),
    positions: Float64Array.from({ length: 3 * perm.length }, (_, q) => s.positions[3 * perm[Math.floor(q / 3)] + (q % 3)]),
  };
}

test('a reused builder returns exactly the fresh list, across sizes, cutoffs, cells and list kinds', () => {
  const rng = createRng(5);
  const builder = createNeighborBuilder();
  const cases: [Structure, number][] = [];
  const fcc = supercell(bulk('fcc', ['Cu'], 3.615), [6, 6, 6]);
  cases.push([rattle(fcc, 0.1, rng), 5.95]);
  cases.push([rattle(fcc, 0.1, rng), 4.95]);
  // a smaller structure after a larger one (buffers larger than needed), then larger again
  cases.push([randomStrain(rattle(supercell(bulk('hcp', ['Ti'], 2.95), [2, 2, 2]), 0.1, rng), 0.1, rng), 6.5]);
  cases.push([rattle(supercell(bulk('diamond', ['Si'], 5.431), [5, 5, 5]), 0.1, rng), 4.2]);
  // one atom in a skewed cell far smaller than the cutoff (self images only)
  cases.push([{ species: Int32Array.of(29), positions: Float64Array.of(0.3, -0.2, 0.1), cell: Float64Array.of(2.1, 0, 0, 0.7, 1.9, 0, -0.4, 0.5, 2.3), pbc: [true, true, true] }, 5]);
  // unwrapped atoms (moved by whole cells) and a slab
  const moved = rattle(supercell(bulk('fcc', ['Cu'], 3.615), [3, 3, 3]), 0.1, rng);
  const pos = moved.positions.slice();
  for (let k = 0; k < pos.length; k++) pos[k] += (rng.int(5) - 2) * 3 * 3.615;
  cases.push([{ ...moved, positions: pos }, 5.5]);
  cases.push([{ ...moved, pbc: [true, false, true] }, 5.5]);
  let checked = 0;
  for (const [s, cutoff] of cases) {
    for (const half of [true, false]) {
      const fresh = cellListNeighborList(s, cutoff, { half });
      const reused = builder.build(s, cutoff, { half });
      assertIdentical(reused, fresh, `${s.species.length} atoms, cutoff ${cutoff}, half=${half}`);
      checked += fresh.j.length;
    }
  }
  // the brute-force oracle on the small and unwrapped cases (fresh lists are checked against it in celllist.test.ts)
  for (const k of [2, 4, 5, 6]) {
    const [s, cutoff] = cases[k];
    assert.deepEqual(entries(builder.build(s, cutoff, { half: true })), entries(bruteForceNeighborList(s, cutoff, { half: true })), `case ${k}`);
  }
  assert.ok(checked > 100000, `only ${checked} entries compared`);
});

test('lists equal brute force whatever the atom order (x-fastest, c-fastest, shuffled)', () => {
  const rng = createRng(12);
  const base = randomStrain(rattle(supercell(bulk('fcc', ['Cu'], 3.615), [4, 3, 5]), 0.12, rng), 0.05, rng);
  const n = base.species.length;
  // supercell order is c-fastest; sort by (c, b, a) cell coordinates for x-fastest; and a random shuffle
  const ids = Array.from({ length: n }, (_, i) => i);
  const key = (i: number): number[] => [2, 1, 0].map((k) => Math.floor(base.positions[3 * i + k] / 1.8));
  const xFastest = [...ids].sort((p, q) => {
    const a = key(p), b = key(q);
    return a[0] - b[0] || a[1] - b[1] || a[2] - b[2] || p - q;
  });
  const shuffled = rng.shuffle([...ids]);
  for (const [name, perm] of [['supercell', ids], ['x-fastest', xFastest], ['shuffled', shuffled]] as const) {
    const s = permuted(base, [...perm]);
    for (const half of [true, false]) {
      assert.deepEqual(entries(cellListNeighborList(s, 5.95, { half })), entries(bruteForceNeighborList(s, 5.95, { half })), `${name} half=${half}`);
    }
  }
});

test('a cutoff spanning more than 511 images of a tiny cell is refused', () => {
  const s: Structure = { species: Int32Array.of(1), positions: new Float64Array(3), cell: Float64Array.of(0.01, 0, 0, 0, 5, 0, 0, 0, 5), pbc: [true, true, true] };
  assert.throws(() => cellListNeighborList(s, 6, { half: true }), /images/);
});
