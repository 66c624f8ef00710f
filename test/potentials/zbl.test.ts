import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDerivatives } from '../../src/analysis/check-derivatives.ts';
import { createRng } from '../../src/core/random.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { compileZbl, type ZblSpec } from '../../src/potentials/zbl.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';
import { hasLammps, skipUnless } from '../helpers/external.ts';
import { runLammps } from '../helpers/lammps.ts';

// LAMMPS parity targets of the issue
const TOL_E_PER_ATOM = 1e-9, TOL_F = 1e-8, TOL_S = 1e-8;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const ta: ZblSpec = { kind: 'zbl', elements: ['Ta'], cutoff: 4.8, inner: 4, outer: 4.8 };
// W-Be as in WBe_Wood_PRB2019.snap, with a non-default charge to show z is honoured
const wbe: ZblSpec = { kind: 'zbl', elements: ['W', 'Be'], cutoff: 3.2, inner: 2.0, outer: 3.2, z: [74, 3.5] };

function dimer(r: number, a: number, b: number): Structure {
  return { species: Int32Array.of(a, b), positions: Float64Array.of(0, 0, 0, r * 0.6, r * 0.8, 0), cell: new Float64Array(9), pbc: [false, false, false] };
}

test('zbl: pair energy is zero at the outer cutoff with zero slope, and continuous at the inner distance', () => {
  const m = compileZbl(ta);
  const e = (r: number) => evaluateStructure(m, dimer(r, 73, 73), {}).energy;
  assert.ok(Math.abs(e(4.8 - 1e-9)) < 1e-12, `E(outer⁻) = ${e(4.8 - 1e-9)}`);
  assert.equal(e(4.8 + 1e-9), 0);
  const slope = (e(4.8 - 1e-5) - e(4.8 - 2e-5)) / 1e-5;
  assert.ok(Math.abs(slope) < 1e-9, `slope at outer ${slope}`);
  assert.ok(Math.abs(e(4 + 1e-10) - e(4 - 1e-10)) < 1e-9);
  // far inside, the screened Coulomb term dominates and is strongly repulsive
  assert.ok(e(0.5) > 100);
});

test('zbl: forces and stress agree with finite differences of the energy', () => {
  const rng = createRng(7);
  const s = rattle(randomStrain(supercell(bulk('bcc', ['W', 'Be'], 2.6), [2, 2, 2]), 0.03, rng), 0.15, rng);
  for (const r of checkDerivatives(compileZbl(wbe), s, { params: false })) assert.ok(r.maxRelError < 1e-7, `${r.quantity}: ${JSON.stringify(r)}`);
});

test('zbl matches LAMMPS pair_style zbl on rattled crystals with short distances', { skip: skipUnless(hasLammps(), 'LAMMPS') }, () => {
  const rng = createRng(2024);
  const cases: [ZblSpec, Structure, string[]][] = [
    // rattled 2x2x2 bcc Ta with large displacements: pairs below inner, between inner and outer, beyond outer
    [ta, rattle(supercell(bulk('bcc', ['Ta'], 3.316), [2, 2, 2]), 0.35, rng), ['1 1 73 73']],
    // compressed two-element cell, triclinic strain: short W-Be and Be-Be distances
    [wbe, rattle(randomStrain(supercell(bulk('bcc', ['W', 'Be'], 2.4), [2, 2, 2]), 0.05, rng), 0.3, rng), ['1 1 74 74', '1 2 74 3.5', '2 2 3.5 3.5']],
  ];
  for (const [spec, s, pairCoeff] of cases) {
    const ref = runLammps({ structure: s, elements: spec.elements, pairStyle: `zbl ${spec.inner} ${spec.outer}`, pairCoeff });
    const r = evaluateStructure(compileZbl(spec), s, { forces: true, virial: true, atomEnergies: true });
    const n = s.species.length;
    const d = {
      e: Math.abs(r.energy - ref.energy) / n,
      f: maxAbsDiff(r.forces!, ref.forces),
      s: maxAbsDiff(r.stress!, ref.stress),
      ea: maxAbsDiff(r.atomEnergies!, ref.atomEnergies),
    };
    assert.ok(d.e < TOL_E_PER_ATOM && d.f < TOL_F && d.s < TOL_S && d.ea < TOL_E_PER_ATOM, `${spec.elements.join('')}: ${JSON.stringify(d)} (E=${r.energy})`);
    console.log(`# zbl ${spec.elements.join('')} vs lmp: ${JSON.stringify(d)}`);
  }
});
