import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/random.ts';
import { det3 } from '../../src/core/mat3.ts';
import { bruteForceNeighborList } from '../../src/neighbors/brute.ts';
import { bulk, randomStrain, randomStrainTensor, rattle, strain, supercell, type LatticeKind } from '../../src/structure/builders.ts';
import { fractional, volume } from '../../src/structure/cell.ts';
import type { Structure } from '../../src/structure/types.ts';

/** Distances from atom i to all neighbors within rmax, grouped into shells (tolerance 1e-6 Å): [distance, count][]. */
function shells(s: Structure, i: number, rmax: number, filter?: (j: number) => boolean): [number, number][] {
  const nl = bruteForceNeighborList(s, rmax, { half: false });
  const d: number[] = [];
  const x = s.positions;
  for (let k = nl.start[i]; k < nl.start[i + 1]; k++) {
    const j = nl.j[k];
    if (filter && !filter(j)) continue;
    d.push(Math.hypot(x[3 * j] + nl.shift[3 * k] - x[3 * i], x[3 * j + 1] + nl.shift[3 * k + 1] - x[3 * i + 1], x[3 * j + 2] + nl.shift[3 * k + 2] - x[3 * i + 2]));
  }
  d.sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const r of d) {
    const last = out[out.length - 1];
    if (last && Math.abs(r - last[0]) < 1e-6) last[1]++;
    else out.push([r, 1]);
  }
  return out;
}

function assertShells(got: [number, number][], want: [number, number][], what: string): void {
  assert.equal(got.length >= want.length, true, `${what}: ${JSON.stringify(got)}`);
  for (let k = 0; k < want.length; k++) {
    assert.ok(Math.abs(got[k][0] - want[k][0]) < 1e-9, `${what} shell ${k}: distance ${got[k][0]} vs ${want[k][0]}`);
    assert.equal(got[k][1], want[k][1], `${what} shell ${k}: count`);
  }
}

test('lattice shells: fcc, bcc, sc, diamond, hcp, rocksalt, zincblende (conventional and primitive cells)', () => {
  const a = 4.0;
  for (const cubic of [true, false]) {
    const tag = cubic ? 'cubic' : 'primitive';
    // every atom of every cell sees the same shells
    const fcc = bulk('fcc', ['Cu'], a, { cubic });
    for (let i = 0; i < fcc.species.length; i++)
      assertShells(shells(fcc, i, 1.3 * a), [[a / Math.SQRT2, 12], [a, 6], [a * Math.sqrt(1.5), 24]], `fcc ${tag}`);
    const bcc = bulk('bcc', ['Fe'], a, { cubic });
    for (let i = 0; i < bcc.species.length; i++)
      assertShells(shells(bcc, i, 1.5 * a), [[(a * Math.sqrt(3)) / 2, 8], [a, 6], [a * Math.SQRT2, 12]], `bcc ${tag}`);
    const dia = bulk('diamond', ['Si'], a, { cubic });
    for (let i = 0; i < dia.species.length; i++)
      assertShells(shells(dia, i, 1.1 * a), [[(a * Math.sqrt(3)) / 4, 4], [a / Math.SQRT2, 12], [a * Math.sqrt(11 / 16), 12]], `diamond ${tag}`);
    const nacl = bulk('rocksalt', ['Na', 'Cl'], a, { cubic });
    for (let i = 0; i < nacl.species.length; i++) {
      const other = (j: number) => nacl.species[j] !== nacl.species[i];
      assertShells(shells(nacl, i, 0.9 * a, other), [[a / 2, 6], [(a * Math.sqrt(3)) / 2, 8]], `rocksalt ${tag} unlike`);
      assertShells(shells(nacl, i, 0.9 * a), [[a / 2, 6], [a / Math.SQRT2, 12]], `rocksalt ${tag}`);
    }
    const zns = bulk('zincblende', ['Zn', 'S'], a, { cubic });
    for (let i = 0; i < zns.species.length; i++) {
      const other = (j: number) => zns.species[j] !== zns.species[i];
      assertShells(shells(zns, i, 0.5 * a, other), [[(a * Math.sqrt(3)) / 4, 4]], `zincblende ${tag}`);
    }
  }
  const sc = bulk('sc', ['Po'], a);
  assertShells(shells(sc, 0, 1.8 * a), [[a, 6], [a * Math.SQRT2, 12], [a * Math.sqrt(3), 8]], 'sc');
  // ideal hcp: 12 nearest neighbors at a (6 in-plane, 3 + 3 out of plane), then 6 at a√2
  const hcp = bulk('hcp', ['Mg'], a);
  for (let i = 0; i < 2; i++) assertShells(shells(hcp, i, 1.5 * a), [[a, 12], [a * Math.SQRT2, 6]], 'hcp');
  // non-ideal c/a > √(8/3) splits the 12 into 6 in-plane at a and 6 at sqrt(a²/3 + c²/4)
  const c = 1.8 * a;
  const hcp2 = bulk('hcp', ['Zn'], a, { c });
  assertShells(shells(hcp2, 0, 1.2 * a), [[a, 6], [Math.sqrt((a * a) / 3 + (c * c) / 4), 6]], 'hcp c/a=1.8');
});

test('atom counts and volumes per atom', () => {
  const a = 3.5;
  const cases: [LatticeKind, string[], number, number][] = [
    ['sc', ['Cu'], 1, a ** 3],
    ['bcc', ['Fe'], 2, a ** 3 / 2],
    ['bcc', ['Cs', 'Cl'], 2, a ** 3 / 2],
    ['fcc', ['Cu'], 4, a ** 3 / 4],
    ['diamond', ['Si'], 8, a ** 3 / 8],
    ['rocksalt', ['Na', 'Cl'], 8, a ** 3 / 8],
    ['zincblende', ['Ga', 'As'], 8, a ** 3 / 8],
  ];
  for (const [kind, el, n, vpa] of cases) {
    const s = bulk(kind, el, a);
    assert.equal(s.species.length, n, kind);
    assert.ok(Math.abs(volume(s) / n - vpa) < 1e-9, `${kind} volume per atom`);
    if (!(kind === 'bcc' && el.length === 2)) {
      const p = bulk(kind, el, a, { cubic: false });
      assert.ok(Math.abs(volume(p) / p.species.length - vpa) < 1e-9, `${kind} primitive volume per atom`);
    }
  }
  const hcp = bulk('hcp', ['Ti'], a);
  assert.equal(hcp.species.length, 2);
  // ideal hcp has the fcc packing: a³/√2 per atom
  assert.ok(Math.abs(volume(hcp) / 2 - a ** 3 / Math.SQRT2) < 1e-9);
  const nacl = bulk('rocksalt', ['Na', 'Cl'], a);
  assert.deepEqual([...nacl.species], [11, 11, 11, 11, 17, 17, 17, 17]);
  assert.throws(() => bulk('fcc', ['Xx'], a), /unknown element/);
  assert.throws(() => bulk('rocksalt', ['Na'], a), /expected 2/);
  assert.throws(() => bulk('hcp', ['Mg'], a, { cubic: true }), /no cubic/);
  assert.throws(() => bulk('fcc', ['Cu'], -1), /lattice constant/);
});

test('supercell: diagonal repeats tile exactly; a general matrix keeps the crystal', () => {
  const cu = bulk('fcc', ['Cu'], 3.615);
  const big = supercell(cu, [2, 3, 4]);
  assert.equal(big.species.length, 4 * 24);
  assert.ok(Math.abs(volume(big) - 24 * volume(cu)) < 1e-9);
  // image-major order: the first 4 atoms are the original cell
  assert.deepEqual([...big.positions.subarray(0, 12)], [...cu.positions]);
  for (let i = 0; i < big.species.length; i++) assertShells(shells(big, i, 4), [[3.615 / Math.SQRT2, 12], [3.615, 6]], 'fcc 2x3x4');
  // primitive fcc → conventional cube through P = [[-1,1,1],[1,-1,1],[1,1,-1]] (det 4)
  const prim = bulk('fcc', ['Cu'], 3.615, { cubic: false });
  const P = [-1, 1, 1, 1, -1, 1, 1, 1, -1];
  const cube = supercell(prim, P);
  assert.equal(cube.species.length, 4);
  assert.ok(Math.abs(volume(cube) - 3.615 ** 3) < 1e-9);
  for (let k = 0; k < 9; k++) assert.ok(Math.abs(cube.cell[k] - (k % 4 === 0 ? 3.615 : 0)) < 1e-12);
  for (let i = 0; i < 4; i++) assertShells(shells(cube, i, 4), [[3.615 / Math.SQRT2, 12], [3.615, 6]], 'fcc via matrix');
  // a sheared matrix with negative determinant
  const sheared = supercell(bulk('diamond', ['Si'], 5.431), [1, 1, 0, 0, 1, 0, 0, 0, -2]);
  assert.equal(sheared.species.length, 16);
  assert.ok(Math.abs(det3(sheared.cell)) > 0);
  for (let i = 0; i < 16; i++) assertShells(shells(sheared, i, 2.5), [[(5.431 * Math.sqrt(3)) / 4, 4]], 'diamond sheared supercell');
  assert.throws(() => supercell(cu, [1, 0, 0, 0, 1, 0, 0, 0, 0]), /singular/);
});

test('rattle: reproducible, zero-mean displacements with the documented spread', () => {
  const s = supercell(bulk('fcc', ['Cu'], 3.615), [6, 6, 6]);
  const r1 = rattle(s, 0.1, createRng(1));
  const r2 = rattle(s, 0.1, createRng(1));
  assert.deepEqual([...r1.positions], [...r2.positions]);
  assert.equal(s.positions[0], 0, 'input not mutated');
  const stats = (t: Structure) => {
    let m = 0, v = 0, mx = 0;
    for (let k = 0; k < t.positions.length; k++) {
      const d = t.positions[k] - s.positions[k];
      m += d;
      v += d * d;
      mx = Math.max(mx, Math.abs(d));
    }
    const n = t.positions.length;
    return { mean: m / n, sd: Math.sqrt(v / n), max: mx };
  };
  const gn = stats(r1);
  const n = s.positions.length;
  assert.ok(Math.abs(gn.mean) < 5 * 0.1 / Math.sqrt(n));
  assert.ok(Math.abs(gn.sd - 0.1) < 0.1 * 5 * Math.sqrt(1 / (2 * n)), `normal sd ${gn.sd}`);
  const u = stats(rattle(s, 0.1, createRng(2), 'uniform'));
  assert.ok(u.max <= 0.1);
  // uniform on [-A, A): sd = A/√3
  assert.ok(Math.abs(u.sd - 0.1 / Math.sqrt(3)) < 0.004, `uniform sd ${u.sd}`);
});

test('strain and randomStrain scale the volume by det(I + ε) and keep fractional coordinates', () => {
  const s = bulk('diamond', ['Si'], 5.431);
  const eps = [0.01, 0.002, -0.003, 0.002, -0.02, 0.004, -0.003, 0.004, 0.015];
  const t = strain(s, eps);
  const F = [1 + eps[0], eps[1], eps[2], eps[3], 1 + eps[4], eps[5], eps[6], eps[7], 1 + eps[8]];
  assert.ok(Math.abs(volume(t) / volume(s) - det3(F)) < 1e-12);
  const f0 = fractional(s), f1 = fractional(t);
  for (let k = 0; k < f0.length; k++) assert.ok(Math.abs(f0[k] - f1[k]) < 1e-12);
  const rng = createRng(8);
  const e = randomStrainTensor(0.05, rng);
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) {
    assert.equal(e[3 * a + b], e[3 * b + a]);
    assert.ok(Math.abs(e[3 * a + b]) <= 0.05);
  }
  const r = randomStrain(s, 0.05, createRng(9));
  const r2 = randomStrain(s, 0.05, createRng(9));
  assert.deepEqual([...r.cell], [...r2.cell]);
  // nearest-neighbor count is unchanged by a small strain
  assert.equal(shells(r, 0, 2.7).reduce((acc, [, c]) => acc + c, 0), 4);
});
