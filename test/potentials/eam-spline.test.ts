// Spline EAM: exact derivatives (forces, stress, knot-value derivatives) by finite differences on rattled, sheared,
// two-element cells (eam/alloy and eam/fs semantics, one-atom cell smaller than the cutoff), and the export to a
// LAMMPS setfl / eam/fs table that `lmp` evaluates like pesfit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDerivatives } from '../../src/analysis/check-derivatives.ts';
import { createRng } from '../../src/core/random.ts';
import { specToSetfl, writeSetfl } from '../../src/io/lammps-eam.ts';
import { tabulateEam } from '../../src/potentials/eam.ts';
import { compileEamSpline, eamSplineFunctions, type EamSplineSpec } from '../../src/potentials/eam-spline.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';
import { hasLammps, skipUnless } from '../helpers/external.ts';
import { runLammps } from '../helpers/lammps.ts';

const RC = 5.0;
const RK = [2.0, 2.6, 3.2, 3.8, 4.4, RC];

function spec(fs: boolean): EamSplineSpec {
  return {
    kind: 'eam-spline', elements: ['Cu', 'Ni'], cutoff: RC, fs, masses: [63.546, 58.6934],
    F: [
      { knots: [0, 0.5, 1, 1.5, 2.5], values: [0, -1.2, -2.0, -2.4, -2.5] },
      { knots: [0, 0.6, 1.2, 2, 3], values: [0, -1.5, -2.3, -2.6, -2.4] },
    ],
    rho: Array.from({ length: fs ? 4 : 2 }, (_, q) => ({ knots: RK, values: [0.6 + 0.05 * q, 0.35, 0.18, 0.07, 0.02] })),
    phi: Array.from({ length: 3 }, (_, q) => ({ knots: RK, values: [1.5 + 0.1 * q, 0.2, -0.1, -0.05, -0.01] })),
  };
}

function cells(seed: number): Structure[] {
  const rng = createRng(seed);
  const mix = (s: Structure): Structure => ({ ...s, species: Int32Array.from(s.species, () => (rng.int(2) === 0 ? 29 : 28)) });
  return [
    randomStrain(bulk('fcc', ['Cu'], 3.6, { cubic: false }), 0.04, rng),
    randomStrain(rattle(mix(supercell(bulk('fcc', ['Cu'], 3.6), [1, 1, 2])), 0.1, rng), 0.04, rng),
    randomStrain(rattle(mix(supercell(bulk('fcc', ['Cu'], 3.6), [2, 2, 2])), 0.12, rng), 0.03, rng),
  ];
}

for (const fs of [false, true]) {
  test(`spline EAM (${fs ? 'eam/fs' : 'eam/alloy'}): forces, stress and knot derivatives equal finite differences`, () => {
    const model = compileEamSpline(spec(fs));
    const [one, small] = cells(fs ? 2 : 1);
    for (const s of [one, small]) {
      for (const rep of checkDerivatives(model, s)) {
        assert.ok(rep.maxRelError < 1e-6, `${s.species.length} atoms: ${rep.quantity} ${rep.maxRelError} at ${rep.worst}`);
      }
    }
  });
}

test('spline EAM: translation and permutation invariance', () => {
  const model = compileEamSpline(spec(false));
  const s = cells(4)[1];
  const r0 = evaluateStructure(model, s, { forces: true });
  const shifted = { ...s, positions: s.positions.map((x, k) => x + [0.3, -1.1, 2.2][k % 3]) };
  const r1 = evaluateStructure(model, shifted, { forces: true });
  assert.ok(Math.abs(r0.energy - r1.energy) < 1e-10);
  const n = s.species.length, perm = createRng(5).permutation(n);
  const pos = new Float64Array(3 * n), sp = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    sp[i] = s.species[perm[i]];
    for (let a = 0; a < 3; a++) pos[3 * i + a] = s.positions[3 * perm[i] + a];
  }
  const r2 = evaluateStructure(model, { ...s, species: sp, positions: pos }, { forces: true });
  assert.ok(Math.abs(r0.energy - r2.energy) < 1e-10);
  for (let i = 0; i < n; i++) for (let a = 0; a < 3; a++) assert.ok(Math.abs(r2.forces![3 * i + a] - r0.forces![3 * perm[i] + a]) < 1e-10);
});

test('spline EAM exported to setfl / eam/fs: lmp reproduces pesfit', { skip: skipUnless(hasLammps(), 'LAMMPS (lmp)') }, () => {
  for (const fs of [false, true]) {
    const sp = spec(fs);
    const model = compileEamSpline(sp);
    const table = tabulateEam(eamSplineFunctions(sp), sp.elements, sp.cutoff, {
      style: fs ? 'eam/fs' : 'eam/alloy', masses: sp.masses!, nrho: 20000, rhomax: 6, nr: 20000,
    });
    const text = writeSetfl(specToSetfl(table));
    for (const s of cells(8)) {
      const n = s.species.length;
      const ours = evaluateStructure(model, s, { forces: true, virial: true });
      const l = runLammps({
        structure: s, elements: sp.elements, pairStyle: fs ? 'eam/fs' : 'eam/alloy',
        pairCoeff: [`* * pesfit.eam ${sp.elements.join(' ')}`], files: { 'pesfit.eam': text },
      });
      let df = 0, ds = 0;
      for (let k = 0; k < 3 * n; k++) df = Math.max(df, Math.abs(ours.forces![k] - l.forces[k]));
      for (let k = 0; k < 6; k++) ds = Math.max(ds, Math.abs(ours.stress![k] - l.stress[k]));
      const de = Math.abs(ours.energy - l.energy) / n;
      console.log(`# spline export ${fs ? 'eam/fs' : 'eam/alloy'} ${n} atoms: dE/atom ${de.toExponential(2)} dF ${df.toExponential(2)} dS ${ds.toExponential(2)}`);
      assert.ok(de < 1e-9, `energy differs by ${de} eV/atom`);
      assert.ok(df < 1e-8, `forces differ by ${df} eV/Å`);
      assert.ok(ds < 1e-8, `stress differs by ${ds} eV/Å³`);
    }
  }
});
