import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { funcflToSpec, readFuncfl } from '../../src/io/lammps-eam.ts';
import { compileEamTable } from '../../src/potentials/eam.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import type { CompiledModel } from '../../src/potentials/types.ts';
import { bulk, supercell } from '../../src/structure/builders.ts';
import { ACCEL_A_FS2_PER_EV_A_AMU, THZ_PER_INV_FS } from '../../src/md/md-units.ts';
import { forceConstants, type ForceConstants } from '../../src/phonons/force-constants.ts';
import { frequencies } from '../../src/phonons/dynamical.ts';
import { bandPath, specialPoint } from '../../src/phonons/paths.ts';
import { phononDos } from '../../src/phonons/dos.ts';
import { LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';

const CU_U3 = join(LAMMPS_POTENTIALS, 'Cu_u3.eam');
const A = 3.615;
const skip = skipUnless(existsSync(CU_U3), 'Cu_u3.eam');

let cache: { model: CompiledModel; fc: ForceConstants; mass: number } | undefined;
function setup(): { model: CompiledModel; fc: ForceConstants; mass: number } {
  if (!cache) {
    const spec = funcflToSpec([readFuncfl(CU_U3)]);
    const model = compileEamTable(spec);
    const fc = forceConstants(model, bulk('fcc', ['Cu'], A, { cubic: false }), [4, 4, 4]);
    cache = { model, fc, mass: spec.masses[0] };
  }
  return cache;
}

/**
 * Frozen phonon at X = (2π/a)(1,0,0): atoms at x ≡ 0 or a/2 move by ±u along ê (sign cos q·x). The pattern is a
 * normal mode, so ω² = E''(u) / (N m) with E'' from central differences of the ENERGY (no forces, no force constants).
 */
function frozenPhononX(model: CompiledModel, mass: number, axis: number): number {
  const s = supercell(bulk('fcc', ['Cu'], A), [2, 2, 2]);
  const n = s.species.length;
  const u = 2e-3;
  const energy = (amp: number): number => {
    const p = s.positions.slice();
    for (let i = 0; i < n; i++) {
      const sign = Math.cos((2 * Math.PI * s.positions[3 * i]) / A) > 0 ? 1 : -1;
      p[3 * i + axis] += sign * amp;
    }
    return evaluateStructure(model, { ...s, positions: p }, {}).energy;
  };
  const e2 = (energy(u) + energy(-u) - 2 * energy(0)) / (u * u);
  return (Math.sqrt((e2 / (n * mass)) * ACCEL_A_FS2_PER_EV_A_AMU) * THZ_PER_INV_FS) / (2 * Math.PI);
}

test('acoustic sum rule and vanishing acoustic frequencies at Γ', { skip }, () => {
  const { fc } = setup();
  console.log(`raw sum-rule residual max |Σ_J Φ(iα,Jβ)| = ${fc.sumRuleError.toExponential(2)} eV/Å²`);
  assert.ok(fc.sumRuleError < 1e-8);
  const raw = forceConstants(setup().model, fc.primitive, [4, 4, 4], { enforceSumRule: false });
  const fG = frequencies(raw, [0, 0, 0]);
  console.log(`Γ frequencies without the correction: ${Array.from(fG, (x) => x.toExponential(1)).join(' ')} THz`);
  for (const f of fG) assert.ok(Math.abs(f) < 1e-3, `Γ frequency ${f}`);
  for (const f of frequencies(fc, [0, 0, 0])) assert.ok(Math.abs(f) < 1e-3);
});

test('Cu_u3 at X: force-constant frequencies equal an energy-only frozen phonon, and are near experiment', { skip }, () => {
  const { model, fc, mass } = setup();
  const f = frequencies(fc, [(2 * Math.PI) / A, 0, 0]);
  const fL = frozenPhononX(model, mass, 0), fT = frozenPhononX(model, mass, 1);
  console.log(`X: dynamical matrix T ${f[0].toFixed(5)} ${f[1].toFixed(5)} L ${f[2].toFixed(5)} THz; frozen phonon T ${fT.toFixed(5)} L ${fL.toFixed(5)} THz (rel. diff ${(Math.abs(f[0] - fT) / fT).toExponential(1)}, ${(Math.abs(f[2] - fL) / fL).toExponential(1)})`);
  assert.ok(Math.abs(f[0] - f[1]) < 1e-6, 'T is doubly degenerate');
  assert.ok(Math.abs(f[0] - fT) / fT < 1e-4, `T ${f[0]} vs ${fT}`);
  assert.ok(Math.abs(f[2] - fL) / fL < 1e-4, `L ${f[2]} vs ${fL}`);
  // Experiment (neutron scattering, Svensson, Brockhouse & Rowe 1967, 80 K; Nicklow et al. 1967): X_L ≈ 7.25 THz,
  // X_T ≈ 5.1 THz. The EAM is fitted to elastic constants, not phonons: agreement within 10% is what we assert.
  assert.ok(Math.abs(f[2] - 7.25) / 7.25 < 0.1, `L ${f[2]}`);
  assert.ok(Math.abs(f[0] - 5.1) / 5.1 < 0.1, `T ${f[0]}`);
  // the cubic symmetry: X along y and z give the same frequencies
  const fy = frequencies(fc, specialPoint('fcc', 'X', A));
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(fy[k] - f[k]) < 1e-6);
});

test('band path Γ-X-W-K-Γ-L: no imaginary modes, zero at the inner Γ', { skip }, () => {
  const { fc } = setup();
  const p = bandPath('fcc', A, 10);
  assert.deepEqual(p.labels.map((l) => l.label), ['G', 'X', 'W', 'K', 'G', 'L']);
  assert.equal(p.q.length / 3, 51);
  for (let k = 0; k < p.q.length / 3; k++) {
    const f = frequencies(fc, p.q.subarray(3 * k, 3 * k + 3));
    assert.ok(f[0] > -1e-3, `stable at point ${k}: ${f[0]}`);
  }
  const gi = p.labels[4].index;
  for (const f of frequencies(fc, p.q.subarray(3 * gi, 3 * gi + 3))) assert.ok(Math.abs(f) < 1e-3);
});

test('DOS integrates to 3N per primitive cell', { skip }, () => {
  const { fc } = setup();
  const d = phononDos(fc, { mesh: [8, 8, 8], sigma: 0.15, points: 400 });
  let integral = 0;
  for (let k = 1; k < d.f.length; k++) integral += 0.5 * (d.g[k] + d.g[k - 1]) * (d.f[k] - d.f[k - 1]);
  console.log(`∫g = ${integral.toFixed(6)} (3N = 3); max frequency ${Math.max(...d.modes).toFixed(3)} THz`);
  assert.ok(Math.abs(integral - 3) < 1e-4);
});
