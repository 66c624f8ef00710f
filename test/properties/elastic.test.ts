import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { GPA_PER_EV_A3 } from '../../src/core/units.ts';
import { VOIGT_PAIRS } from '../../src/core/voigt.ts';
import { readLammpsPotential } from '../../src/io/lammps-potential.ts';
import { compileModel } from '../../src/potentials/registry.ts';
import { bulk } from '../../src/structure/builders.ts';
import { deform } from '../../src/structure/cell.ts';
import { bulkModulusVoigt, cauchyReport, cubicConstants, elasticConstants } from '../../src/properties/elastic.ts';
import { equilibriumLattice } from '../../src/properties/lattice.ts';
import { hasLammps, LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';
import { lammpsLattice, lammpsRelaxed } from './lammps-oracle.ts';

const CU = join(LAMMPS_POTENTIALS, 'Cu_mishin1.eam.alloy');
const CU3 = join(LAMMPS_POTENTIALS, 'Cu_u3.eam');
const SI = join(LAMMPS_POTENTIALS, 'Si.sw');
const files = existsSync(CU) && existsSync(CU3) && existsSync(SI);
const rel = (x: number, y: number) => Math.abs(x - y) / Math.abs(y);

function cubicAt(file: string, style: string, kind: 'fcc' | 'diamond', el: string) {
  const m = compileModel(readLammpsPotential([file], style, [el]));
  const L = equilibriumLattice(m, kind, el);
  const t = performance.now();
  const E = elasticConstants(m, bulk(kind, [el], L.a));
  return { m, L, E, ms: performance.now() - t, cub: cubicConstants(E.cGPa) };
}

test('Cu_mishin1, Cu_u3 and Si.sw relaxed-ion elastic constants match the reference values', { skip: skipUnless(files, 'LAMMPS potential files') }, () => {
  // reference/README.md, "Facts measured alongside" (LAMMPS, central stress differences)
  const cu = cubicAt(CU, 'eam/alloy', 'fcc', 'Cu');
  assert.equal(cu.E.status, 'converged');
  assert.ok(rel(cu.cub.c11, 169.88) < 5e-4 && rel(cu.cub.c12, 122.58) < 5e-4 && rel(cu.cub.c44, 76.21) < 5e-4, JSON.stringify(cu.cub));
  // issue acceptance: ±0.5% of the published Mishin values
  assert.ok(rel(cu.cub.c11, 169.9) < 0.005 && rel(cu.cub.c12, 122.6) < 0.005 && rel(cu.cub.c44, 76.2) < 0.005);
  assert.ok(cu.ms < 1000, `Cu elastic constants took ${cu.ms} ms`);
  const u3 = cubicAt(CU3, 'eam', 'fcc', 'Cu');
  assert.ok(rel(u3.cub.c11, 167.26) < 5e-4 && rel(u3.cub.c12, 124.15) < 5e-4 && rel(u3.cub.c44, 76.45) < 5e-4, JSON.stringify(u3.cub));
  const si = cubicAt(SI, 'sw', 'diamond', 'Si');
  assert.equal(si.E.status, 'converged');
  assert.ok(rel(si.cub.c11, 151.42) < 0.01 && rel(si.cub.c12, 76.42) < 0.01 && rel(si.cub.c44, 56.45) < 0.01, JSON.stringify(si.cub));
  assert.ok(rel(bulkModulusVoigt(si.E.cGPa), 101.42) < 0.01);
  // relaxed ions matter for diamond: the clamped-ion C44 is much larger
  const clamped = cubicConstants(elasticConstants(si.m, bulk('diamond', ['Si'], si.L.a), { relaxIons: false }).cGPa);
  assert.ok(clamped.c44 > si.cub.c44 + 20, `clamped C44 ${clamped.c44}`);
  // the 6x6 has cubic symmetry: zero entries are zero and equivalent entries agree
  for (const r of [cu, u3, si]) {
    assert.ok(r.cub.spread < 1e-6 && r.E.asymmetryGPa < 1e-6);
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) if ((i < 3) !== (j < 3) || (i >= 3 && i !== j)) assert.ok(Math.abs(r.E.cGPa[6 * i + j]) < 1e-6);
  }
  console.log(`# Cu_mishin1 ${JSON.stringify(cu.cub)} in ${cu.ms.toFixed(0)} ms; Si.sw ${JSON.stringify(si.cub)}`);
});

test('Cauchy relation: pair potentials give C12 = C44, the Cu EAM does not and the report says which', { skip: skipUnless(files, 'LAMMPS potential files') }, () => {
  const models = [
    compileModel({ kind: 'lj', elements: ['Ar'], cutoff: 8.5, cutoff_function: 'shifted-force', pairs: { 'Ar-Ar': { epsilon: 0.0104, sigma: 3.4 } } }),
    compileModel({ kind: 'morse', elements: ['Ar'], cutoff: 7.0, cutoff_function: 'shift', pairs: { 'Ar-Ar': { D0: 0.3429, alpha: 1.3588, r0: 2.866 } } }),
  ];
  for (const m of models) {
    const L = equilibriumLattice(m, 'fcc', 'Ar');
    const E = elasticConstants(m, L.structure);
    const c = cauchyReport(E.cGPa, E.asymmetryGPa);
    console.log(`# ${m.spec.kind}: C12 − C44 = ${c.c12MinusC44} GPa, relative ${c.relative}`);
    assert.ok(c.relative < 1e-6, `${m.spec.kind}: ${c.message}`);
    assert.ok(c.holds);
    assert.match(c.message, /holds/);
  }
  const cu = cubicAt(CU, 'eam/alloy', 'fcc', 'Cu');
  const c = cauchyReport(cu.E.cGPa, cu.E.asymmetryGPa);
  assert.equal(c.holds, false);
  assert.ok(Math.abs(c.c12MinusC44 - (122.58 - 76.21)) < 0.1);
  assert.match(c.message, /violated/);
});

test('elastic constants agree with LAMMPS ± strain runs with minimized ions', { skip: skipUnless(files && hasLammps(), 'lmp and potential files') }, () => {
  // Oracle: LAMMPS's own a0 (box/relax), LAMMPS stresses after `minimize` at each strained box.
  const cases = [
    { file: CU, style: 'eam/alloy', kind: 'fcc' as const, el: 'Cu', mass: 63.546, guess: 3.6, tol: 0.005 },
    { file: SI, style: 'sw', kind: 'diamond' as const, el: 'Si', mass: 28.0855, guess: 5.43, tol: 0.01 },
  ];
  for (const c of cases) {
    const pot = { pairStyle: c.style, pairCoeff: `* * ${c.file} ${c.el}`, element: c.el, mass: c.mass };
    const a = lammpsLattice(pot, c.kind, c.guess).a;
    const s = bulk(c.kind, [c.el], a);
    const d = 1e-4;
    // Cubic symmetry: the xx column gives C11 and C12, the yz column C44 (4 LAMMPS runs instead of 12).
    const C = new Float64Array(36);
    for (const j of [0, 3]) {
      const st = [1, -1].map((sign) => {
        const eps = new Float64Array(9);
        const [p, q] = VOIGT_PAIRS[j];
        eps[3 * p + q] = eps[3 * q + p] = p === q ? sign * d : (sign * d) / 2;
        return lammpsRelaxed(pot, deform(s, eps)).stress;
      });
      for (let i = 0; i < 6; i++) C[6 * i + j] = ((st[0][i] - st[1][i]) / (2 * d)) * GPA_PER_EV_A3;
    }
    const ref = { c11: C[0], c12: (C[6] + C[12]) / 2, c44: C[21] };
    const ours = cubicAt(c.file, c.style, c.kind, c.el).cub;
    console.log(`# ${c.el}: LAMMPS ${JSON.stringify(ref)} pesfit ${JSON.stringify(ours)}`);
    for (const k of ['c11', 'c12', 'c44'] as const) assert.ok(rel(ours[k], ref[k]) < c.tol, `${c.el} ${k}: ${ours[k]} vs ${ref[k]}`);
  }
});
