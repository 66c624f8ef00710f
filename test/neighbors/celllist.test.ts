import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, type Rng } from '../../src/core/random.ts';
import { inv3 } from '../../src/core/mat3.ts';
import { bruteForceNeighborList } from '../../src/neighbors/brute.ts';
import { cellListNeighborList, workingCell } from '../../src/neighbors/celllist.ts';
import { buildNeighborList } from '../../src/neighbors/index.ts';
import type { NeighborList } from '../../src/neighbors/types.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';

type Pbc = [boolean, boolean, boolean];

/** Entries of a list as a sorted multiset of "i j sx sy sz" with shifts rounded to 1e-6 Å. */
function entries(nl: NeighborList): string[] {
  const out: string[] = [];
  for (let i = 0; i < nl.nAtoms; i++)
    for (let k = nl.start[i]; k < nl.start[i + 1]; k++) {
      const s = [0, 1, 2].map((c) => Math.round(nl.shift[3 * k + c] * 1e6) + 0);
      out.push(`${i} ${nl.j[k]} ${s.join(' ')}`);
    }
  return out.sort();
}

function assertSameList(got: NeighborList, want: NeighborList, what: string): void {
  assert.equal(got.nAtoms, want.nAtoms, what);
  assert.equal(got.half, want.half, what);
  assert.equal(got.start.length, want.nAtoms + 1, what);
  for (let i = 0; i < got.nAtoms; i++) {
    assert.equal(got.start[i + 1] - got.start[i], want.start[i + 1] - want.start[i], `${what}: count of atom ${i}`);
  }
  assert.deepEqual(entries(got), entries(want), what);
}

/** Every listed separation is below the cutoff; half lists respect the ownership rule. */
function checkInvariants(s: Structure, nl: NeighborList, what: string): void {
  const x = s.positions;
  const inv = inv3(workingCell(s.cell, s.pbc));
  for (let i = 0; i < nl.nAtoms; i++)
    for (let k = nl.start[i]; k < nl.start[i + 1]; k++) {
      const j = nl.j[k];
      const r = Math.hypot(
        x[3 * j] + nl.shift[3 * k] - x[3 * i],
        x[3 * j + 1] + nl.shift[3 * k + 1] - x[3 * i + 1],
        x[3 * j + 2] + nl.shift[3 * k + 2] - x[3 * i + 2],
      );
      assert.ok(r < nl.cutoff, `${what}: pair ${i}-${j} at ${r} ≥ cutoff ${nl.cutoff}`);
      const sx = nl.shift[3 * k], sy = nl.shift[3 * k + 1], sz = nl.shift[3 * k + 2];
      const img = [0, 1, 2].map((c) => Math.round(sx * inv[c] + sy * inv[3 + c] + sz * inv[6 + c]));
      assert.ok(!(j === i && img.every((v) => v === 0)), `${what}: atom ${i} lists itself with zero shift`);
      if (nl.half) {
        assert.ok(j >= i, `${what}: half list has ${j} under ${i}`);
        if (j === i) assert.ok(img[0] > 0 || (img[0] === 0 && (img[1] > 0 || (img[1] === 0 && img[2] > 0))));
      }
    }
}

/** The full list equals the half list plus every half entry mirrored. */
function checkFullIsHalfDoubled(full: NeighborList, half: NeighborList, what: string): void {
  const mirrored: string[] = [];
  for (let i = 0; i < half.nAtoms; i++)
    for (let k = half.start[i]; k < half.start[i + 1]; k++) {
      const s = [0, 1, 2].map((c) => Math.round(half.shift[3 * k + c] * 1e6));
      mirrored.push(`${i} ${half.j[k]} ${s.map((v) => v + 0).join(' ')}`);
      mirrored.push(`${half.j[k]} ${i} ${s.map((v) => -v + 0).join(' ')}`);
    }
  assert.equal(full.j.length, 2 * half.j.length, what);
  assert.deepEqual(entries(full), mirrored.sort(), what);
}

/** A random cell: rows of random lengths with random skew, in a random orientation. */
function randomCell(rng: Rng, lmin: number, lmax: number): Float64Array {
  for (;;) {
    const c = new Float64Array(9);
    for (let r = 0; r < 3; r++) {
      const l = rng.uniform(lmin, lmax);
      for (let k = 0; k < 3; k++) c[3 * r + k] = (r === k ? l : rng.uniform(-0.6, 0.6) * l);
    }
    // widths at least 30% of the longest row keep the brute-force image range affordable
    const inv = inv3(c);
    const widths = [0, 1, 2].map((k) => 1 / Math.hypot(inv[k], inv[3 + k], inv[6 + k]));
    const longest = Math.max(...[0, 1, 2].map((r) => Math.hypot(c[3 * r], c[3 * r + 1], c[3 * r + 2])));
    if (Math.min(...widths) > 0.3 * longest) return c;
  }
}

/** Orthogonal rows of random lengths, optionally rotated by a random rotation (Rodrigues formula). */
function orthogonalCell(rng: Rng, lmin: number, lmax: number, rotate: boolean): Float64Array {
  const l = [0, 1, 2].map(() => rng.uniform(lmin, lmax));
  const c = Float64Array.of(l[0], 0, 0, 0, l[1], 0, 0, 0, l[2]);
  if (!rotate) return c;
  const ax = [rng.normal(), rng.normal(), rng.normal()];
  const na = Math.hypot(...ax);
  const [ux, uy, uz] = ax.map((v) => v / na);
  const th = rng.uniform(0, Math.PI), co = Math.cos(th), si = Math.sin(th), t1 = 1 - co;
  const R = [co + ux * ux * t1, ux * uy * t1 - uz * si, ux * uz * t1 + uy * si, uy * ux * t1 + uz * si, co + uy * uy * t1, uy * uz * t1 - ux * si, uz * ux * t1 - uy * si, uz * uy * t1 + ux * si, co + uz * uz * t1];
  const out = new Float64Array(9);
  for (let r = 0; r < 3; r++) for (let k = 0; k < 3; k++) out[3 * r + k] = c[3 * r] * R[k] + c[3 * r + 1] * R[3 + k] + c[3 * r + 2] * R[6 + k];
  return out;
}

/** Atoms at random fractional positions f + offset (offset shifts the whole set: unwrapped but within one cell). */
function randomStructure(rng: Rng, cell: Float64Array, n: number, pbc: Pbc, offset = [0, 0, 0]): Structure {
  const pos = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const f = [0, 1, 2].map((k) => rng.float() + offset[k]);
    for (let k = 0; k < 3; k++) pos[3 * i + k] = f[0] * cell[k] + f[1] * cell[3 + k] + f[2] * cell[6 + k];
  }
  return { species: new Int32Array(n).fill(29), positions: pos, cell, pbc };
}

function compareWithBrute(s: Structure, cutoff: number, what: string): void {
  for (const half of [false, true]) {
    const got = cellListNeighborList(s, cutoff, { half });
    const want = bruteForceNeighborList(s, cutoff, { half });
    assertSameList(got, want, `${what} half=${half}`);
    checkInvariants(s, got, `${what} half=${half}`);
  }
  checkFullIsHalfDoubled(cellListNeighborList(s, cutoff, { half: false }), cellListNeighborList(s, cutoff, { half: true }), what);
}

test('equals brute force on 80 random periodic triclinic cells, including cells much smaller than the cutoff', () => {
  const rng = createRng(20240601);
  let pairs = 0;
  for (let t = 0; t < 80; t++) {
    const small = t % 4 === 0;
    // every fifth cell is orthogonal (axis-aligned or rotated), the case where the builder prunes more tightly
    const cell = t % 5 === 1 ? orthogonalCell(rng, small ? 0.8 : 2, small ? 2.5 : 9, t % 10 === 1) : randomCell(rng, small ? 0.8 : 2, small ? 2.5 : 9);
    const n = t % 10 === 0 ? 1 : 1 + rng.int(small ? 4 : 24);
    // half the structures are shifted by a whole number of cells plus a fraction: unwrapped positions
    const offset = t % 2 === 0 ? [0, 0, 0] : [0, 1, 2].map(() => rng.uniform(-4, 4));
    const s = randomStructure(rng, cell, n, [true, true, true], offset);
    const cutoff = small ? rng.uniform(2, 5) : rng.uniform(1, 7);
    compareWithBrute(s, cutoff, `periodic case ${t} (n=${n}, cutoff=${cutoff.toFixed(3)})`);
    pairs += cellListNeighborList(s, cutoff, { half: true }).j.length;
  }
  assert.ok(pairs > 10000, `only ${pairs} pairs tested`);
});

test('equals brute force with mixed boundaries (slabs and wires) on 30 random cells', () => {
  const rng = createRng(7);
  const patterns: Pbc[] = [
    [true, true, false], [true, false, true], [false, true, true], [true, false, false], [false, true, false], [false, false, true],
  ];
  for (let t = 0; t < 30; t++) {
    const pbc = patterns[t % patterns.length];
    const cell = randomCell(rng, t % 3 === 0 ? 1 : 2.5, 8);
    const offset = [0, 1, 2].map((k) => (pbc[k] ? rng.uniform(-3, 3) : rng.uniform(-2, 2)));
    const s = randomStructure(rng, cell, 1 + rng.int(20), pbc, offset);
    compareWithBrute(s, rng.uniform(1.5, 6), `mixed case ${t} pbc=${pbc}`);
  }
});

test('slabs and wires with a zero cell vector along the free directions', () => {
  const rng = createRng(11);
  for (let t = 0; t < 6; t++) {
    const wire = t % 2 === 1;
    const pbc: Pbc = wire ? [false, false, true] : [true, true, false];
    const c = randomCell(rng, 2, 5);
    // zero the free rows: the input a slab/wire reader may produce
    for (let r = 0; r < 3; r++) if (!pbc[r]) c.fill(0, 3 * r, 3 * r + 3);
    const n = 12;
    const pos = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      const f = [rng.float(), rng.float(), rng.float()];
      for (let k = 0; k < 3; k++) {
        pos[3 * i + k] = f[0] * c[k] + f[1] * c[3 + k] + f[2] * c[6 + k] + rng.uniform(-3, 3) * (pbc[k] ? 0 : 1);
      }
    }
    const s: Structure = { species: new Int32Array(n).fill(14), positions: pos, cell: c, pbc };
    // the oracle needs a nonsingular cell; its free rows never enter a shift, so any completion gives the same list
    const sFilled: Structure = { ...s, cell: workingCell(c, pbc) };
    for (const half of [false, true]) {
      const cutoff = rng.uniform(2, 5);
      const got = cellListNeighborList(s, cutoff, { half });
      assertSameList(got, bruteForceNeighborList(sFilled, cutoff, { half }), `zero-free-row case ${t}`);
      checkInvariants(s, got, `zero-free-row case ${t}`);
    }
  }
});

test('non-periodic clusters with zero, arbitrary or no cell match brute force', () => {
  const rng = createRng(3);
  for (let t = 0; t < 12; t++) {
    const n = t === 0 ? 1 : 2 + rng.int(250);
    const pos = new Float64Array(3 * n);
    const size = rng.uniform(1, 15);
    for (let k = 0; k < 3 * n; k++) pos[k] = rng.uniform(-size, size) + 100;
    const cell = t % 2 === 0 ? new Float64Array(9) : randomCell(rng, 1, 3);
    const s: Structure = { species: new Int32Array(n).fill(6), positions: pos, cell, pbc: [false, false, false] };
    compareWithBrute(s, rng.uniform(1, 8), `cluster ${t}`);
  }
  // a sparse cluster in a huge box keeps the bin count bounded
  const far: Structure = {
    species: Int32Array.of(1, 1, 1),
    positions: Float64Array.of(0, 0, 0, 1e4, 1e4, 0, 1e4, 1e4, 0.5),
    cell: new Float64Array(9),
    pbc: [false, false, false],
  };
  assert.equal(cellListNeighborList(far, 1, { half: true }).j.length, 1);
  // all atoms on one point: every pair at distance 0 is a neighbor
  const stacked: Structure = { species: Int32Array.of(1, 1, 1), positions: new Float64Array(9), cell: new Float64Array(9), pbc: [false, false, false] };
  assert.equal(cellListNeighborList(stacked, 1, { half: false }).j.length, 6);
});

test('atoms far outside the cell: the list equals the wrapped list with shifts moved by the wrap offsets', () => {
  const rng = createRng(99);
  for (let t = 0; t < 10; t++) {
    const cell = randomCell(rng, t % 2 ? 1 : 3, 7);
    const n = 1 + rng.int(15);
    const wrapped = randomStructure(rng, cell, n, [true, true, true]);
    const offs = Array.from({ length: 3 * n }, () => rng.int(41) - 20);
    const pos = wrapped.positions.slice();
    for (let i = 0; i < n; i++)
      for (let k = 0; k < 3; k++)
        pos[3 * i + k] += offs[3 * i] * cell[k] + offs[3 * i + 1] * cell[3 + k] + offs[3 * i + 2] * cell[6 + k];
    const unwrapped: Structure = { ...wrapped, positions: pos };
    const cutoff = rng.uniform(2, 6);
    const ref = cellListNeighborList(wrapped, cutoff, { half: false });
    // x'_j + s' − x'_i = x_j + s − x_i with x' = x + o·cell  ⇒  s' = s + (o_i − o_j)·cell
    const expected: string[] = [];
    for (let i = 0; i < n; i++)
      for (let k = ref.start[i]; k < ref.start[i + 1]; k++) {
        const j = ref.j[k];
        const d = [0, 1, 2].map((c) => offs[3 * i + c] - offs[3 * j + c]);
        const s = [0, 1, 2].map((c) => Math.round((ref.shift[3 * k + c] + d[0] * cell[c] + d[1] * cell[3 + c] + d[2] * cell[6 + c]) * 1e6) + 0);
        expected.push(`${i} ${j} ${s.join(' ')}`);
      }
    const got = cellListNeighborList(unwrapped, cutoff, { half: false });
    assert.deepEqual(entries(got), expected.sort(), `unwrapped case ${t}`);
    checkInvariants(unwrapped, got, `unwrapped case ${t}`);
    checkFullIsHalfDoubled(got, cellListNeighborList(unwrapped, cutoff, { half: true }), `unwrapped case ${t}`);
  }
});

test('rattled, randomly strained crystals of a few hundred atoms match brute force', () => {
  const rng = createRng(31);
  const crystals: [Structure, number][] = [
    [supercell(bulk('fcc', ['Cu'], 3.615), [5, 5, 5]), 5.95],
    [supercell(bulk('diamond', ['Si'], 5.431, { cubic: false }), [4, 3, 5]), 4.2],
    [supercell(bulk('hcp', ['Ti'], 2.95), [4, 4, 3]), 6.5],
  ];
  for (const [crystal, cutoff] of crystals) {
    const s = randomStrain(rattle(crystal, 0.15, rng), 0.08, rng);
    compareWithBrute(s, cutoff, `rattled ${s.species.length}-atom crystal`);
  }
});

test('perfect fcc: neighbor counts follow the shells 12, 6, 24, 12, 24', () => {
  const a = 3.615;
  const cell = Float64Array.of(4 * a, 0, 0, 0, 4 * a, 0, 0, 0, 4 * a);
  const basis = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
  const pos: number[] = [];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) for (let k = 0; k < 4; k++) for (const b of basis) pos.push((i + b[0]) * a, (j + b[1]) * a, (k + b[2]) * a);
  const s: Structure = { species: new Int32Array(256).fill(29), positions: Float64Array.from(pos), cell, pbc: [true, true, true] };
  const shells = [Math.SQRT1_2, 1, Math.sqrt(1.5), Math.SQRT2, Math.sqrt(2.5)].map((f) => f * a);
  const counts = [12, 6, 24, 12, 24];
  let cumulative = 0;
  for (let k = 0; k < shells.length; k++) {
    cumulative += counts[k];
    const cutoff = k + 1 < shells.length ? 0.5 * (shells[k] + shells[k + 1]) : shells[k] + 0.1;
    const full = buildNeighborList(s, cutoff, { half: false });
    for (let i = 0; i < 256; i++) assert.equal(full.start[i + 1] - full.start[i], cumulative, `shell ${k + 1}, atom ${i}`);
    assert.equal(buildNeighborList(s, cutoff, { half: true }).j.length, 128 * cumulative);
  }
  // and in the 4-atom conventional cell, far smaller than the cutoff: the same counts from self images
  const small: Structure = { species: new Int32Array(4).fill(29), positions: Float64Array.from(basis.flat().map((v) => v * a)), cell: Float64Array.of(a, 0, 0, 0, a, 0, 0, 0, a), pbc: [true, true, true] };
  const full = buildNeighborList(small, 0.5 * (shells[3] + shells[4]), { half: false });
  for (let i = 0; i < 4; i++) assert.equal(full.start[i + 1] - full.start[i], 54);
});

test('edge cases: empty structure, zero cutoff, invalid cells', () => {
  const empty: Structure = { species: new Int32Array(0), positions: new Float64Array(0), cell: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), pbc: [true, true, true] };
  const nl = cellListNeighborList(empty, 3, { half: true });
  assert.equal(nl.start.length, 1);
  assert.equal(nl.j.length, 0);
  const one: Structure = { species: Int32Array.of(1), positions: new Float64Array(3), cell: Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1), pbc: [true, true, true] };
  assert.equal(cellListNeighborList(one, 0, { half: false }).j.length, 0);
  assert.throws(() => cellListNeighborList(one, -1, { half: false }), /cutoff/);
  assert.throws(() => cellListNeighborList({ ...one, cell: new Float64Array(9) }, 2, { half: false }), /nonzero/);
  assert.throws(() => cellListNeighborList({ ...one, cell: Float64Array.of(1, 0, 0, 2, 0, 0, 0, 0, 1) }, 2, { half: false }), /singular/);
});
