import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readLammpsPotential } from '../../src/io/lammps-potential.ts';
import { compileModel } from '../../src/potentials/registry.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { bulk, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';
import { orientedCell, stackingFault, surfaceEnergy, vacancyFormation } from '../../src/properties/defects.ts';
import { equilibriumLattice } from '../../src/properties/lattice.ts';
import { hasLammps, LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';
import { runLammps } from '../helpers/lammps.ts';
import { lammpsRelaxed } from './lammps-oracle.ts';

const CU = join(LAMMPS_POTENTIALS, 'Cu_mishin1.eam.alloy');
const ready = existsSync(CU);
const cuModel = () => compileModel(readLammpsPotential([CU], 'eam/alloy', ['Cu']));

test('oriented cells are bulk cells: same energy per atom, plane normal along z, one atom per layer', () => {
  const lj = compileModel({ kind: 'lj', elements: ['Ar'], cutoff: 8.5, cutoff_function: 'shifted-force', pairs: { 'Ar-Ar': { epsilon: 0.0104, sigma: 3.4 } } });
  for (const kind of ['fcc', 'bcc'] as const) {
    const ref = evaluateStructure(lj, bulk(kind, ['Ar'], 5.3), {}).energy / (kind === 'fcc' ? 4 : 2);
    for (const plane of ['100', '110', '111'] as const) {
      const c = orientedCell(kind, 'Ar', 5.3, plane);
      assert.equal(c.species.length, 1, `${kind} ${plane}`);
      assert.equal(c.cell[2], 0);
      assert.equal(c.cell[5], 0);
      assert.ok(Math.abs(c.cell[1]) < 1e-12);
      const e = evaluateStructure(lj, supercell(c, [1, 1, 6]), {}).energy / 6;
      assert.ok(Math.abs(e - ref) < 1e-10, `${kind} ${plane}: ${e} vs ${ref}`);
    }
  }
});

test('Cu_mishin1 relaxed vacancy formation energy (4x4x4) is 1.27 ± 0.03 eV and matches LAMMPS minimize', { skip: skipUnless(ready && hasLammps(), 'lmp and Cu_mishin1') }, () => {
  const m = cuModel();
  const L = equilibriumLattice(m, 'fcc', 'Cu');
  const v = vacancyFormation(m, L.structure, [4, 4, 4]);
  assert.equal(v.status, 'converged');
  assert.equal(v.nAtoms, 256);
  assert.deepEqual(v.supercell, [4, 4, 4]);
  assert.ok(Math.abs(v.formationEnergy - 1.27) < 0.03, `Evac ${v.formationEnergy}`);
  assert.ok(v.unrelaxedFormationEnergy > v.formationEnergy);
  // LAMMPS: perfect supercell run 0, vacancy cell minimized (cg, ftol 1e-10)
  const pot = { pairStyle: 'eam/alloy', pairCoeff: `* * ${CU} Cu`, element: 'Cu', mass: 63.546 };
  const perfect = supercell(L.structure, [4, 4, 4]);
  const eN = runLammps({ structure: perfect, elements: ['Cu'], pairStyle: pot.pairStyle, pairCoeff: [pot.pairCoeff] }).energy;
  const defect: Structure = { ...perfect, species: perfect.species.slice(1), positions: perfect.positions.slice(3) };
  const eV = lammpsRelaxed(pot, defect).energy;
  const ref = eV - (255 / 256) * eN;
  console.log(`# Evac pesfit ${v.formationEnergy} LAMMPS ${ref}`);
  assert.ok(Math.abs(v.formationEnergy - ref) < 1e-4, `${v.formationEnergy} vs ${ref}`);
});

test('Cu_mishin1 surface and stacking-fault energies match Mishin et al. 2001', { skip: skipUnless(ready, 'Cu_mishin1') }, () => {
  // Mishin, Mehl, Papaconstantopoulos, Voter, Kress, PRB 63, 224106 (2001), Table III (mJ/m²):
  // γ(100) 1345, γ(110) 1475, γ(111) 1239, γ_SF 44.4, γ_us 158.
  const m = cuModel();
  const a = equilibriumLattice(m, 'fcc', 'Cu').a;
  const published = { '100': 1.345, '110': 1.475, '111': 1.239 } as const;
  for (const plane of ['100', '110', '111'] as const) {
    const s = surfaceEnergy(m, 'fcc', 'Cu', a, plane);
    assert.equal(s.status, 'converged');
    assert.ok(Math.abs(s.energyJm2 - published[plane]) / published[plane] < 0.005, `(${plane}) ${s.energyJm2}`);
    assert.ok(s.unrelaxedEnergyJm2 >= s.energyJm2);
  }
  const g = stackingFault(m, 'fcc', 'Cu', a, { points: 12 });
  assert.equal(g.status, 'converged');
  console.log(`# ISF ${g.isfJm2} USF ${g.usfJm2} J/m²`);
  assert.ok(Math.abs(g.isfJm2! - 0.0444) < 0.002, `ISF ${g.isfJm2}`);
  // the published γ_us relaxes all directions; ours relaxes only perpendicular to the fault (a little higher)
  assert.ok(g.usfJm2 > 0.158 && g.usfJm2 < 0.158 * 1.05, `USF ${g.usfJm2}`);
  // ISF at a partial Burgers vector a/√6, and the curve returns to zero after one period
  assert.ok(Math.abs(Math.min(g.isfShift!, g.period - g.isfShift!) - a / Math.sqrt(6)) < 1e-9);
  assert.ok(Math.abs(g.energies[g.energies.length - 1]) < 1e-8);
});

test('bcc (110)[1-11] GSF is symmetric about half the Burgers vector', () => {
  const lj = compileModel({ kind: 'lj', elements: ['Ar'], cutoff: 7.0, cutoff_function: 'shifted-force', pairs: { 'Ar-Ar': { epsilon: 0.0104, sigma: 3.4 } } });
  const a = 4.3; // a (metastable) bcc lattice; the check is geometric
  const g = stackingFault(lj, 'bcc', 'Ar', a, { points: 8 });
  assert.ok(Math.abs(g.period - (a * Math.sqrt(3)) / 2) < 1e-12);
  for (let k = 1; k < 8; k++) assert.ok(Math.abs(g.energies[k] - g.energies[8 - k]) < 1e-7, `${k}`);
  assert.ok(Math.abs(g.usfShift - g.period / 2) < 1e-3 * g.period);
  assert.equal(g.isf, undefined);
});
