import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../../src/core/random.ts';
import { readLammpsPotential } from '../../src/io/lammps-potential.ts';
import { compileModel } from '../../src/potentials/registry.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { bulk, rattle, supercell, strain } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';
import { relaxCell, relaxPositions } from '../../src/properties/relax.ts';
import { LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';

// Morse copper-like model (Girifalco–Weizer parameters), analytic and file-free.
const morse = compileModel({
  kind: 'morse', elements: ['Cu'], cutoff: 6.0, cutoff_function: 'shifted-force',
  pairs: { 'Cu-Cu': { D0: 0.3429, alpha: 1.3588, r0: 2.866 } },
});
const CU = join(LAMMPS_POTENTIALS, 'Cu_mishin1.eam.alloy');

function rattled(): Structure {
  return rattle(supercell(bulk('fcc', ['Cu'], 3.62), [2, 2, 2]), 0.08, createRng(7));
}

test('FIRE and L-BFGS reach fmax < 1e-6 eV/Å on a rattled Morse cell and agree on the energy', () => {
  const s = rattled();
  const a = relaxPositions(morse, s, { method: 'lbfgs', fmax: 1e-6 });
  const b = relaxPositions(morse, s, { method: 'fire', fmax: 1e-6 });
  assert.equal(a.status, 'converged', a.message);
  assert.equal(b.status, 'converged', b.message);
  assert.ok(a.fmax < 1e-6 && b.fmax < 1e-6);
  // the reported forces are the model's forces at the returned structure
  const check = evaluateStructure(morse, a.structure, { forces: true });
  assert.equal(check.energy, a.energy);
  // two minimisers, one minimum: energies agree to the force tolerance squared over the curvature
  assert.ok(Math.abs(a.energy - b.energy) < 1e-9, `${a.energy} vs ${b.energy}`);
  assert.ok(a.energy < evaluateStructure(morse, s, {}).energy);
  console.log(`# lbfgs ${a.iterations} it, fire ${b.iterations} it, ΔE = ${Math.abs(a.energy - b.energy)}`);
});

test('L-BFGS and FIRE relax a rattled Cu EAM cell to the same energy', { skip: skipUnless(existsSync(CU), CU) }, () => {
  const m = compileModel(readLammpsPotential([CU], 'eam/alloy', ['Cu']));
  const s = rattled();
  const a = relaxPositions(m, s, { method: 'lbfgs', fmax: 1e-6 });
  const b = relaxPositions(m, s, { method: 'fire', fmax: 1e-6 });
  assert.equal(a.status, 'converged', a.message);
  assert.equal(b.status, 'converged', b.message);
  assert.ok(Math.abs(a.energy - b.energy) < 1e-9, `${a.energy} vs ${b.energy}`);
});

test('a mask of fixed components keeps them in place', () => {
  const s = rattled();
  const fixed = new Uint8Array(s.positions.length);
  for (let i = 0; i < fixed.length; i += 3) fixed[i] = fixed[i + 1] = 1; // relax z only
  const r = relaxPositions(morse, s, { fixed, fmax: 1e-7 });
  assert.equal(r.status, 'converged');
  for (let k = 0; k < fixed.length; k++) if (fixed[k]) assert.equal(r.structure.positions[k], s.positions[k]);
  let fz = 0, fxy = 0;
  for (let i = 0; i < fixed.length; i += 3) {
    fz = Math.max(fz, Math.abs(r.forces[i + 2]));
    fxy = Math.max(fxy, Math.abs(r.forces[i]), Math.abs(r.forces[i + 1]));
  }
  assert.ok(fz < 1e-7);
  assert.ok(fxy > 1e-3, 'the in-plane forces are still there: they were not relaxed');
});

test('bad inputs give a status, not an exception', () => {
  const s = rattled();
  const nanPos = s.positions.slice();
  nanPos[4] = NaN;
  for (const method of ['lbfgs', 'fire'] as const) {
    const r = relaxPositions(morse, { ...s, positions: nanPos }, { method });
    assert.equal(r.status, 'nonFinite');
  }
  const r2 = relaxPositions(morse, s, { maxIterations: 2, fmax: 1e-12 });
  assert.equal(r2.status, 'maxIterations');
  // two atoms on top of each other: the Morse energy is finite but the LJ energy is not
  const lj = compileModel({ kind: 'lj', elements: ['Ar'], cutoff: 8, cutoff_function: 'none', pairs: { 'Ar-Ar': { epsilon: 0.0104, sigma: 3.4 } } });
  const overlap: Structure = {
    species: Int32Array.of(18, 18), positions: Float64Array.of(0, 0, 0, 0, 0, 0), cell: Float64Array.of(10, 0, 0, 0, 10, 0, 0, 0, 10), pbc: [true, true, true],
  };
  const r3 = relaxPositions(lj, overlap);
  assert.equal(r3.status, 'nonFinite', r3.message);
  const r4 = relaxCell(lj, overlap);
  assert.equal(r4.status, 'nonFinite', r4.message);
});

test('cell relaxation of a strained fcc cell returns the equilibrium lattice constant', () => {
  // Oracle: zero pressure of the Morse fcc crystal found independently by bisection on the mean stress.
  const sigma = (a: number) => {
    const st = evaluateStructure(morse, bulk('fcc', ['Cu'], a), { virial: true }).stress!;
    return (st[0] + st[1] + st[2]) / 3;
  };
  let lo = 3.3, hi = 3.9;
  for (let k = 0; k < 60; k++) {
    const mid = 0.5 * (lo + hi);
    if (sigma(mid) < 0) lo = mid;
    else hi = mid;
  }
  const a0 = 0.5 * (lo + hi);
  const s = strain(bulk('fcc', ['Cu'], 3.6), [0.02, 0.004, -0.003, 0.004, -0.015, 0.006, -0.003, 0.006, 0.01]);
  const r = relaxCell(morse, s, { stressTol: 1e-9, fmax: 1e-8 });
  assert.equal(r.status, 'converged', r.message);
  // the relaxed cell is a rotated cube of side a0: its metric tensor is a0² I
  const c = r.structure.cell;
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      const g = c[3 * i] * c[3 * j] + c[3 * i + 1] * c[3 * j + 1] + c[3 * i + 2] * c[3 * j + 2];
      assert.ok(Math.abs(g - (i === j ? a0 * a0 : 0)) < 1e-6, `metric ${i}${j}: ${g} vs ${i === j ? a0 * a0 : 0}`);
    }
  console.log(`# a0 = ${a0}, relaxed |a1| = ${Math.hypot(c[0], c[1], c[2])}, ${r.iterations} FIRE steps`);

  // hydrostatic mode keeps the shape and reaches a target pressure
  const target = -0.01; // eV/Å³, compressive
  const h = relaxCell(morse, bulk('fcc', ['Cu'], 3.6), { mode: 'hydrostatic', targetStress: [target, target, target, 0, 0, 0], stressTol: 1e-9 });
  assert.equal(h.status, 'converged', h.message);
  const side = h.structure.cell[0];
  assert.ok(Math.abs(h.structure.cell[4] - side) < 1e-12 && Math.abs(h.structure.cell[1]) < 1e-12);
  assert.ok(Math.abs(sigma(side) - target) < 1e-8);
});
