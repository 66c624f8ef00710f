import { test } from 'node:test';
import { createRng } from '../../src/core/random.ts';
import assert from 'node:assert/strict';
import { det3, inv3, mul3, transpose3 } from '../../src/core/mat3.ts';
import { voigtToFull } from '../../src/core/voigt.ts';
import {
  boxMatrix, toLammpsFrame, vectorsFromLammps, vectorsToLammps, voigtFromLammps, voigtToLammps,
} from '../../src/io/lammps-frame.ts';
import type { Structure } from '../../src/structure/types.ts';

/** Deterministic uniform numbers on [0, 1), so failures reproduce. */
function rng(seed: number): () => number {
  const r = createRng(seed);
  return () => r.float();
}

function randomStructure(rand: () => number, n: number, pbc: [boolean, boolean, boolean]): Structure {
  const cell = Float64Array.from({ length: 9 }, (_, k) => (k % 4 === 0 ? 4 + 3 * rand() : 6 * (rand() - 0.5)));
  const positions = Float64Array.from({ length: 3 * n }, () => 20 * (rand() - 0.5));
  return { species: new Int32Array(n).fill(29), positions, cell, pbc };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function isInteger(x: number, tol = 1e-9): boolean {
  return Math.abs(x - Math.round(x)) < tol;
}

test('the LAMMPS box spans the same lattice, rotated; positions differ by lattice vectors only', () => {
  const rand = rng(7);
  for (let trial = 0; trial < 200; trial++) {
    const s = randomStructure(rand, 5, [true, true, true]);
    if (Math.abs(det3(s.cell)) < 5) continue;
    const f = toLammpsFrame(s);
    const R = f.rotation;
    // R is a proper rotation.
    const rrt = mul3(R, transpose3(R));
    assert.ok(maxAbs(rrt.map((x, k) => x - (k % 4 === 0 ? 1 : 0))) < 1e-14);
    assert.ok(Math.abs(det3(R) - 1) < 1e-14);
    // Box vectors rotated back, in fractional coordinates of the original cell: a unimodular integer matrix.
    const H = boxMatrix(f.box);
    const M = mul3(mul3(H, transpose3(R)), inv3(s.cell));
    for (const x of M) assert.ok(isInteger(x), `basis change not integer: ${[...M]}`);
    assert.ok(Math.abs(Math.abs(det3(M)) - 1) < 1e-9);
    // Tilt limits of read_data.
    const lx = f.box.xhi - f.box.xlo, ly = f.box.yhi - f.box.ylo;
    assert.ok(Math.abs(f.box.xy) <= lx / 2 + 1e-12 && Math.abs(f.box.xz) <= lx / 2 + 1e-12 && Math.abs(f.box.yz) <= ly / 2 + 1e-12);
    assert.ok(lx > 0 && ly > 0 && f.box.zhi - f.box.zlo > 0);
    // Each atom, rotated back, is its original position plus a lattice vector, and lies inside the box.
    const back = vectorsFromLammps(f.positions, R);
    const invH = inv3(H);
    for (let i = 0; i < 5; i++) {
      const d = [0, 1, 2].map((k) => back[3 * i + k] - s.positions[3 * i + k]);
      const inv = inv3(s.cell);
      for (let k = 0; k < 3; k++) assert.ok(isInteger(d[0] * inv[k] + d[1] * inv[3 + k] + d[2] * inv[6 + k]));
      const rel = [f.positions[3 * i] - f.box.xlo, f.positions[3 * i + 1] - f.box.ylo, f.positions[3 * i + 2] - f.box.zlo];
      for (let k = 0; k < 3; k++) {
        const fk = rel[0] * invH[k] + rel[1] * invH[3 + k] + rel[2] * invH[6 + k];
        assert.ok(fk >= -1e-12 && fk < 1 + 1e-12, `fractional ${fk} outside the box`);
      }
    }
    assert.deepEqual(f.boundary, [true, true, true]);
  }
});

test('an already lower-triangular cell is kept as is (R = I, same box)', () => {
  const s: Structure = {
    species: Int32Array.of(29, 29),
    positions: Float64Array.of(0.5, 0.5, 0.5, 3, 4, 5),
    cell: Float64Array.of(11.0619, 0, 0, 1.2, 10.845, 0, -0.7, 0.5, 10.845),
    pbc: [true, true, true],
  };
  const f = toLammpsFrame(s);
  assert.deepEqual([...f.rotation], [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.deepEqual(f.box, { xlo: 0, xhi: 11.0619, ylo: 0, yhi: 10.845, zlo: 0, zhi: 10.845, xy: 1.2, xz: -0.7, yz: 0.5 });
  assert.ok(maxAbs(f.positions.map((x, k) => x - s.positions[k])) < 1e-15);
});

test('a left-handed cell is handled: the box is right-handed and spans the same lattice', () => {
  const s: Structure = {
    species: Int32Array.of(14),
    positions: Float64Array.of(1, 2, 3),
    cell: Float64Array.of(5, 0, 0, 0, 0, 6, 0, 7, 0),
    pbc: [true, true, true],
  };
  assert.ok(det3(s.cell) < 0);
  const f = toLammpsFrame(s);
  assert.ok(Math.abs(det3(f.rotation) - 1) < 1e-15);
  const vol = (f.box.xhi - f.box.xlo) * (f.box.yhi - f.box.ylo) * (f.box.zhi - f.box.zlo);
  assert.ok(Math.abs(vol - 210) < 1e-12);
});

test('forces and stresses rotate consistently: round trips, and invariants (F·v, v·σ·v, trace) are unchanged', () => {
  const rand = rng(11);
  const s = randomStructure(rand, 4, [true, true, true]);
  const R = toLammpsFrame(s).rotation;
  const F = Float64Array.from({ length: 12 }, () => rand() - 0.5);
  const v = Float64Array.from({ length: 12 }, () => rand() - 0.5);
  const Fl = vectorsToLammps(F, R), vl = vectorsToLammps(v, R);
  assert.ok(maxAbs(vectorsFromLammps(Fl, R).map((x, k) => x - F[k])) < 1e-15);
  let dotOrig = 0, dotLmp = 0;
  for (let k = 0; k < 12; k++) {
    dotOrig += F[k] * v[k];
    dotLmp += Fl[k] * vl[k];
  }
  assert.ok(Math.abs(dotOrig - dotLmp) < 1e-14);
  const sigma = Float64Array.from({ length: 6 }, () => rand() - 0.5);
  const sl = voigtToLammps(sigma, R);
  assert.ok(maxAbs(voigtFromLammps(sl, R).map((x, k) => x - sigma[k])) < 1e-15);
  const quad = (t: Float64Array, x: ArrayLike<number>): number => {
    const m = voigtToFull(t);
    let q = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) q += x[a] * m[3 * a + b] * x[b];
    return q;
  };
  assert.ok(Math.abs(quad(sigma, v) - quad(sl, vl)) < 1e-14);
  assert.ok(Math.abs(sigma[0] + sigma[1] + sigma[2] - (sl[0] + sl[1] + sl[2])) < 1e-15);
  // The first LAMMPS axis is along the first cell vector: a·R = (|a|, 0, 0).
  const a = vectorsToLammps(s.cell.subarray(0, 3), R);
  assert.ok(Math.abs(a[1]) < 1e-14 && Math.abs(a[2]) < 1e-14 && a[0] > 0);
});

test('non-periodic directions: zero tilt, atoms enclosed with the margin, periodic vectors first', () => {
  const rand = rng(3);
  for (const pbc of [[false, false, false], [true, true, false], [false, true, true], [true, false, false], [false, true, false]] as [boolean, boolean, boolean][]) {
    const s = randomStructure(rand, 6, pbc);
    const f = toLammpsFrame(s, { margin: 1.5 });
    const np = pbc.filter(Boolean).length;
    assert.deepEqual(f.boundary, [0, 1, 2].map((k) => k < np));
    assert.ok(Math.abs(det3(f.rotation) - 1) < 1e-14);
    if (np < 3) assert.deepEqual([f.box.xz, f.box.yz], [0, 0]);
    if (np < 2) assert.equal(f.box.xy, 0);
    const lo = [f.box.xlo, f.box.ylo, f.box.zlo], hi = [f.box.xhi, f.box.yhi, f.box.zhi];
    for (let k = np; k < 3; k++) {
      let mn = Infinity, mx = -Infinity;
      for (let i = 0; i < 6; i++) {
        mn = Math.min(mn, f.positions[3 * i + k]);
        mx = Math.max(mx, f.positions[3 * i + k]);
      }
      assert.ok(Math.abs(mn - lo[k] - 1.5) < 1e-12 && Math.abs(hi[k] - mx - 1.5) < 1e-12);
    }
    // Interatomic distances are preserved (a rotation, and no wrapping along non-periodic directions).
    if (np === 0) {
      assert.ok(maxAbs(f.positions.map((x, k) => x - s.positions[k])) === 0);
    }
    // The first periodic vector lies along x.
    if (np > 0) {
      const k0 = pbc.indexOf(true);
      const a = vectorsToLammps(s.cell.subarray(3 * k0, 3 * k0 + 3), f.rotation);
      assert.ok(Math.abs(a[1]) < 1e-13 && Math.abs(a[2]) < 1e-13);
      assert.ok(Math.abs(a[0] - (f.box.xhi - f.box.xlo)) < 1e-12);
    }
  }
});

test('degenerate periodic cells are user errors', () => {
  const s: Structure = {
    species: Int32Array.of(29),
    positions: new Float64Array(3),
    cell: Float64Array.of(1, 0, 0, 2, 0, 0, 0, 0, 1),
    pbc: [true, true, true],
  };
  assert.throws(() => toLammpsFrame(s), /singular/);
  assert.throws(() => toLammpsFrame({ ...s, pbc: [true, true, false] }), /parallel/);
  assert.throws(() => toLammpsFrame({ ...s, cell: new Float64Array(9), pbc: [false, false, true] }), /zero length/);
});
