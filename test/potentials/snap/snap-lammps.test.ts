/**
 * SNAP against LAMMPS (ML-SNAP, 29 Sep 2021): per-atom bispectrum components of compute sna/atom, and energies,
 * forces and stresses of the published Zuo et al. 2020 Si (linear, quadratic) and Mo (linear) potentials on the
 * mlearn test structures (../shared/reference/lammps, see its README).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExtxyz } from '../../../src/io/extxyz.ts';
import { readSnapFiles } from '../../../src/io/lammps-snap.ts';
import { buildNeighborList } from '../../../src/neighbors/index.ts';
import { evaluateStructure } from '../../../src/potentials/evaluate.ts';
import { snapDescriptors } from '../../../src/potentials/snap/engine.ts';
import { compileSnap } from '../../../src/potentials/snap/snap.ts';
import type { SnapSpec } from '../../../src/potentials/snap/spec.ts';
import { LAMMPS_POTENTIALS, hasShared, sharedPath, skipUnless } from '../../helpers/external.ts';

const REF = ['reference', 'lammps'];

test('per-atom B_i equal LAMMPS compute sna/atom (Ta, 2J=6) to 1e-10', {
  skip: skipUnless(hasShared(...REF, 'lammps_ta_snap_2x2x2_bispectrum.dump'), '../shared reference data'),
}, () => {
  const frame = readExtxyz(sharedPath(...REF, 'lammps_ta_snap.extxyz')).find((c) => c.structure.species.length === 16);
  assert.ok(frame);
  // compute b all sna/atom 4.67637 0.99363 6 0.5 1 rmin0 0.0 bzeroflag 0 quadraticflag 0 (in.ta_snap_sna)
  const spec: SnapSpec = {
    kind: 'snap', elements: ['Ta'], cutoff: 4.67637, twojmax: 6, rcutfac: 4.67637, rfac0: 0.99363, rmin0: 0,
    radelem: [0.5], wj: [1], switchflag: true, bzeroflag: false, quadratic: false, wselfallflag: false,
    chemflag: false, bnormflag: false, coefficients: [new Array(31).fill(0)],
  };
  const s = frame.structure;
  const B = snapDescriptors(spec, s, buildNeighborList(s, spec.cutoff, { half: false }));
  const lines = readFileSync(sharedPath(...REF, 'lammps_ta_snap_2x2x2_bispectrum.dump'), 'utf8').trim().split('\n');
  const header = lines.findIndex((l) => l.startsWith('ITEM: ATOMS'));
  const rows = lines.slice(header + 1);
  assert.equal(rows.length, 16);
  let maxErr = 0;
  for (const row of rows) {
    const w = row.trim().split(/\s+/).map(Number);
    assert.equal(w.length, 32);
    const i = w[0]! - 1; // dump sorted by id; ids follow the frame's atom order
    for (let k = 0; k < 30; k++) maxErr = Math.max(maxErr, Math.abs(B[30 * i + k]! - w[2 + k]!));
  }
  assert.ok(maxErr <= 1e-10, `max |ΔB| = ${maxErr}`);
});

const ZUO: [string, string, string][] = [
  ['Si_test_zuo_snap.extxyz', 'Si_Zuo_JPCA2020.snapcoeff', 'Si_Zuo_JPCA2020.snapparam'],
  ['Si_test_zuo_qsnap.extxyz', 'Si_Zuo_JPCA2020.quadratic.snapcoeff', 'Si_Zuo_JPCA2020.quadratic.snapparam'],
  ['Mo_test_zuo_snap.extxyz', 'Mo_Zuo_JPCA2020.snapcoeff', 'Mo_Zuo_JPCA2020.snapparam'],
];

for (const [ref, coeff, param] of ZUO) {
  const coeffPath = join(LAMMPS_POTENTIALS, coeff);
  test(`${coeff} on ${ref} equals LAMMPS (energy 1e-8 eV/atom, forces 1e-7 eV/Å, stress)`, {
    skip: skipUnless(hasShared(...REF, ref), '../shared reference data') || skipUnless(existsSync(coeffPath), coeffPath),
  }, () => {
    const model = compileSnap(readSnapFiles(coeffPath, join(LAMMPS_POTENTIALS, param)));
    const frames = readExtxyz(sharedPath(...REF, ref));
    assert.ok(frames.length >= 20);
    let dE = 0, dF = 0, dS = 0, dAe = 0;
    for (const f of frames) {
      const s = f.structure;
      const n = s.species.length;
      const r = evaluateStructure(model, s, { forces: true, virial: true, atomEnergies: true });
      dE = Math.max(dE, Math.abs(r.energy - f.labels.energy!) / n);
      for (let a = 0; a < 3 * n; a++) dF = Math.max(dF, Math.abs(r.forces![a]! - f.labels.forces![a]!));
      for (let v = 0; v < 6; v++) dS = Math.max(dS, Math.abs(r.stress![v]! - f.labels.stress![v]!));
      const ref = f.labels.atomEnergies;
      if (ref) for (let i = 0; i < n; i++) dAe = Math.max(dAe, Math.abs(r.atomEnergies![i]! - ref[i]!));
    }
    assert.ok(dE <= 1e-8, `max |ΔE|/atom = ${dE}`);
    assert.ok(dF <= 1e-7, `max |ΔF| = ${dF}`);
    // stress is pressure in bar printed by LAMMPS and divided by nktv2p: 1e-9 eV/Å³ ≈ 1.6e-3 bar
    assert.ok(dS <= 1e-9, `max |Δσ| = ${dS}`);
    assert.ok(dAe <= 1e-8, `max |ΔE_i| = ${dAe}`);
  });
}
