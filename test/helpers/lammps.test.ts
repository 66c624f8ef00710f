import { test } from 'node:test';
import { createRng } from '../../src/core/random.ts';
import assert from 'node:assert/strict';
import { mul3, transpose3, det3 } from '../../src/core/mat3.ts';
import { VOIGT_PAIRS, voigtToFull, fullToVoigt } from '../../src/core/voigt.ts';
import { deform } from '../../src/structure/cell.ts';
import { readExtxyz } from '../../src/io/extxyz.ts';
import type { Structure } from '../../src/structure/types.ts';
import { LAMMPS_POTENTIALS, hasLammps, hasShared, sharedPath, skipUnless } from './external.ts';
import { runLammps, runLammpsScript, type LammpsResult } from './lammps.ts';

const skipLmp = skipUnless(hasLammps(), 'LAMMPS');
const REF = ['reference', 'lammps', 'lammps_cu_eam.extxyz'];
const skipRef = skipLmp || skipUnless(hasShared(...REF), '../shared reference data');

const U3 = { pairStyle: 'eam', pairCoeff: [`* * ${LAMMPS_POTENTIALS}/Cu_u3.eam`] };
const MISHIN = { pairStyle: 'eam/alloy', pairCoeff: [`* * ${LAMMPS_POTENTIALS}/Cu_mishin1.eam.alloy Cu`] };

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Deterministic uniform numbers on [0, 1), so failures reproduce. */
function rng(seed: number): () => number {
  const r = createRng(seed);
  return () => r.float();
}

/** A uniformly random rotation (row-major, det +1) from a random unit quaternion. */
function randomRotation(rand: () => number): Float64Array {
  const u1 = rand(), u2 = rand(), u3 = rand();
  const a = Math.sqrt(1 - u1) * Math.sin(2 * Math.PI * u2), b = Math.sqrt(1 - u1) * Math.cos(2 * Math.PI * u2);
  const c = Math.sqrt(u1) * Math.sin(2 * Math.PI * u3), w = Math.sqrt(u1) * Math.cos(2 * Math.PI * u3);
  return Float64Array.of(
    1 - 2 * (b * b + c * c), 2 * (a * b - c * w), 2 * (a * c + b * w),
    2 * (a * b + c * w), 1 - 2 * (a * a + c * c), 2 * (b * c - a * w),
    2 * (a * c - b * w), 2 * (b * c + a * w), 1 - 2 * (a * a + b * b),
  );
}

/** Rows times Q: every position and cell vector rotated, x → x·Q. */
function rotateRows(v: ArrayLike<number>, q: ArrayLike<number>): Float64Array {
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i += 3)
    for (let k = 0; k < 3; k++) out[i + k] = v[i] * q[k] + v[i + 1] * q[3 + k] + v[i + 2] * q[6 + k];
  return out;
}

test('runner reproduces the shared LAMMPS reference (Cu eam, eam/alloy, triclinic eam/alloy)', { skip: skipRef }, () => {
  const frames = readExtxyz(sharedPath(...REF));
  assert.equal(frames.length, 3);
  for (const c of frames) {
    const pot = c.info.potential === 'Cu_u3.eam' ? U3 : MISHIN;
    const r = runLammps({ structure: c.structure, elements: ['Cu'], ...pot });
    const eErr = Math.abs(r.energy - c.labels.energy!);
    const fErr = maxAbsDiff(r.forces, c.labels.forces!);
    const sErr = maxAbsDiff(r.stress, c.labels.stress!);
    const aErr = maxAbsDiff(r.atomEnergies, c.labels.atomEnergies!);
    console.log(`# ${c.group} ${c.info.potential}: |dE| ${eErr.toExponential(2)} eV, max|dF| ${fErr.toExponential(2)} eV/Å, max|dσ| ${sErr.toExponential(2)} eV/Å³, max|dE_i| ${aErr.toExponential(2)} eV`);
    // The reference prints positions and forces with 15 significant digits, hence not 1e-14.
    assert.ok(eErr < 1e-9, `energy differs by ${eErr}`);
    assert.ok(fErr < 1e-10, `forces differ by ${fErr}`);
    assert.ok(sErr < 1e-10, `stress differs by ${sErr}`);
    assert.ok(aErr < 1e-10, `per-atom energies differ by ${aErr}`);
    assert.ok(Math.abs(r.volume - Math.abs(det3(c.structure.cell))) < 1e-9 * r.volume);
  }
});

test('a rotated, re-based, left-handed and permuted copy gives the same energy and rotated forces and stress', { skip: skipRef }, () => {
  const tri = readExtxyz(sharedPath(...REF))[2].structure;
  const n = tri.species.length;
  const rand = rng(20240611);
  const q = randomRotation(rand);
  assert.ok(Math.abs(det3(q) - 1) < 1e-14);
  // Same lattice, other basis: b + 2a and c − b (large tilts), then swap b and c (left-handed).
  const c0 = tri.cell;
  const a = [c0[0], c0[1], c0[2]], b = [c0[3] + 2 * c0[0], c0[4] + 2 * c0[1], c0[5] + 2 * c0[2]];
  const c = [c0[6] - c0[3], c0[7] - c0[4], c0[8] - c0[5]];
  const rebased = Float64Array.of(...a, ...c, ...b);
  assert.ok(det3(rebased) < 0);
  // Permute atoms and shift some by lattice vectors.
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  const pos = new Float64Array(3 * n);
  perm.forEach((src, dst) => {
    const m = Math.floor(rand() * 3) - 1;
    for (let k = 0; k < 3; k++) pos[3 * dst + k] = tri.positions[3 * src + k] + m * c0[3 + k];
  });
  const moved: Structure = {
    species: Int32Array.from(perm, (i) => tri.species[i]),
    positions: rotateRows(pos, q),
    cell: rotateRows(rebased, q),
    pbc: [true, true, true],
  };
  const r0 = runLammps({ structure: tri, elements: ['Cu'], ...MISHIN });
  const r1 = runLammps({ structure: moved, elements: ['Cu'], ...MISHIN });
  // Expected in the moved frame: F' = F·Q (permuted), σ' = Qᵀ σ Q.
  const fExp = new Float64Array(3 * n);
  perm.forEach((src, dst) => fExp.set(r0.forces.subarray(3 * src, 3 * src + 3), 3 * dst));
  const fRot = rotateRows(fExp, q);
  const sExp = fullToVoigt(mul3(mul3(transpose3(q), voigtToFull(r0.stress)), q));
  const eAtomsExp = Float64Array.from(perm, (i) => r0.atomEnergies[i]);
  const dE = Math.abs(r1.energy - r0.energy), dF = maxAbsDiff(r1.forces, fRot), dS = maxAbsDiff(r1.stress, sExp);
  console.log(`# rotated copy: |dE| ${dE.toExponential(2)} eV, max|dF| ${dF.toExponential(2)}, max|dσ| ${dS.toExponential(2)}`);
  assert.ok(dE < 1e-9, `energy differs by ${dE}`);
  assert.ok(dF < 1e-9, `forces differ by ${dF}`);
  assert.ok(dS < 1e-9, `stress differs by ${dS}`);
  assert.ok(maxAbsDiff(r1.atomEnergies, eAtomsExp) < 1e-9);
  // The check has teeth: the stress has sizeable off-diagonal components, forces are O(0.1-1) eV/Å.
  assert.ok(maxAbs(r0.stress) > 1e-2 && maxAbs(r0.forces) > 0.1);
});

/** A one-atom fcc primitive cell (edge a/√2 ≈ 2.57 Å) under a base strain so that every stress component is nonzero. */
function oneAtomCell(a: number): Structure {
  const h = a / 2;
  const base = Float64Array.of(1.01, 0.006, -0.008, 0.006, 0.995, 0.01, -0.008, 0.01, 1.002);
  return {
    species: Int32Array.of(29),
    positions: Float64Array.of(0.3, -0.2, 0.1),
    cell: mul3(Float64Array.of(0, h, h, h, 0, h, h, h, 0), base),
    pbc: [true, true, true],
  };
}

test('a one-atom cell much smaller than the cutoff works (cohesive energy, zero force, stress = dE/dε / V)', { skip: skipLmp }, () => {
  const s = oneAtomCell(3.615);
  const run = (x: Structure): LammpsResult => runLammps({ structure: x, elements: ['Cu'], ...U3 });
  const r = run(s);
  // Cu_u3's cohesive energy at its lattice constant 3.615 Å is -3.54 eV (the funcfl header); strained, it is higher.
  assert.ok(r.energy > -3.54 && r.energy < -3.5, `energy ${r.energy}`);
  assert.ok(maxAbs(r.forces) < 1e-12);
  assert.ok(Math.abs(r.volume - Math.abs(det3(s.cell))) < 1e-12);
  // Independent check of the stress in a tiny cell: σ_ab = (1/V) ∂E/∂ε_ab by central differences of the energy
  // under x → x·(I + ε) applied on top of the strained cell (symmetric ε, so a shear moves ε_ab and ε_ba).
  const V = r.volume, d = 1e-5;
  let worst = 0;
  VOIGT_PAIRS.forEach(([i, j], k) => {
    const eps = (sign: number): Float64Array => {
      const e = new Float64Array(9);
      e[3 * i + j] = sign * d;
      e[3 * j + i] = sign * d;
      return e;
    };
    const scale = i === j ? 1 : 2;
    const fd = (run(deform(s, eps(1))).energy - run(deform(s, eps(-1))).energy) / (2 * d) / V / scale;
    worst = Math.max(worst, Math.abs(fd - r.stress[k]));
  });
  console.log(`# one-atom cell: E ${r.energy} eV, σ ${[...r.stress].map((x) => x.toExponential(3)).join(' ')}, max|σ - FD| ${worst.toExponential(2)} eV/Å³`);
  assert.ok(maxAbs(r.stress) > 1e-3);
  assert.ok(worst < 1e-8, `stress vs finite differences ${worst}`);
});

test('runLammpsScript returns the log and reports LAMMPS errors', { skip: skipLmp }, () => {
  const log = runLammpsScript('print "hello"\n', {});
  assert.match(log, /hello/);
  assert.throws(() => runLammpsScript('units metal\nbogus_command 1\n'), /lmp failed.*ERROR/);
  // Files are written beside the script.
  const log2 = runLammpsScript('include extra.in\n', { 'extra.in': 'print "from-file"\n' });
  assert.match(log2, /from-file/);
});

test('non-periodic directions (slab, wire-like F T T, cluster) match periodic copies with a wide vacuum', { skip: skipLmp }, () => {
  // Rattled, rotated 2x2x2 conventional fcc Cu (32 atoms).
  const rand = rng(99);
  const q = randomRotation(rand);
  const a0 = 3.615;
  const basis = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
  const pos: number[] = [];
  for (let i = 0; i < 2; i++)
    for (let j = 0; j < 2; j++)
      for (let k = 0; k < 2; k++)
        for (const b of basis) pos.push(...[i + b[0], j + b[1], k + b[2]].map((x) => a0 * x + 0.2 * (rand() - 0.5)));
  const cell = rotateRows(Float64Array.of(2 * a0, 0, 0, 0, 2 * a0, 0, 0, 0, 2 * a0), q);
  const positions = rotateRows(Float64Array.from(pos), q);
  const species = new Int32Array(32).fill(29);
  for (const pbc of [[true, true, false], [false, true, true], [false, false, false]] as [boolean, boolean, boolean][]) {
    const open: Structure = { species, positions, cell, pbc };
    // Periodic copy: every non-periodic cell vector made 6 times longer (a vacuum of ~36 Å > cutoff + skin).
    const wide = cell.slice();
    for (let k = 0; k < 3; k++) if (!pbc[k]) for (let c = 0; c < 3; c++) wide[3 * k + c] *= 6;
    const periodic: Structure = { species, positions, cell: wide, pbc: [true, true, true] };
    const r0 = runLammps({ structure: open, elements: ['Cu'], ...U3 });
    const r1 = runLammps({ structure: periodic, elements: ['Cu'], ...U3 });
    const dE = Math.abs(r0.energy - r1.energy), dF = maxAbsDiff(r0.forces, r1.forces);
    console.log(`# pbc ${pbc.map((p) => (p ? 'T' : 'F')).join('')}: |dE| ${dE.toExponential(2)} eV, max|dF| ${dF.toExponential(2)} eV/Å`);
    assert.ok(dE < 1e-9, `energy differs by ${dE}`);
    assert.ok(dF < 1e-9, `forces differ by ${dF}`);
    assert.ok(maxAbsDiff(r0.atomEnergies, r1.atomEnergies) < 1e-9);
    // Surfaces exist, so the forces are not tiny: the comparison has teeth.
    assert.ok(maxAbs(r0.forces) > 0.1);
  }
});
