/**
 * Tersoff kernel: forces, stress and every parameter derivative against finite differences (checkDerivatives),
 * on structures chosen to reach each branch of LAMMPS's bond order b(βζ) and the cutoff transition zone, for
 * Si.tersoff (one element, m = 3) and SiC.tersoff (two elements, random occupations), without and with LAMMPS's
 * `shift` keyword; plus invariances, the dimer identity of the shift and the unknown-element error. LAMMPS parity lives in tersoff-lammps.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDerivatives, formatDerivativeReports } from '../../src/analysis/check-derivatives.ts';
import { UserError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/random.ts';
import { readTersoffFile } from '../../src/io/lammps-tersoff.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { compileTersoff, type TersoffSpec } from '../../src/potentials/tersoff.ts';
import type { CompiledModel, EvalRequest, EvalResult } from '../../src/potentials/types.ts';
import { bulk, rattle, randomStrain, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';
import { bruteForceNeighborList } from '../../src/neighbors/brute.ts';
import { LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';

const SI_FILE = join(LAMMPS_POTENTIALS, 'Si.tersoff');
const SIC_FILE = join(LAMMPS_POTENTIALS, 'SiC.tersoff');
const skipFiles = skipUnless(existsSync(SI_FILE) && existsSync(SIC_FILE), 'LAMMPS potential files (lammps-data)');

function load(path: string, elements: string[]): TersoffSpec {
  return readTersoffFile(readFileSync(path, 'utf8'), path, elements);
}

const TOL = 1e-6;

/**
 * f_c is only C¹ at r = R ± D, so a finite difference whose steps carry a distance across one of those points
 * is not accurate: require every pair to be at least `CLEARANCE` (Å) away from every triplet's R ± D (position
 * steps move distances by up to 1e-3 Å; parameter and strain steps by a few 1e-4 Å).
 */
const CLEARANCE = 2e-3;

function assertClearOfCutoffKinks(model: CompiledModel, s: Structure, what: string): void {
  const spec = model.spec as TersoffSpec;
  const kinks = spec.triplets.flatMap((t) => [t.R - t.D, t.R + t.D]);
  const shift = spec.shift ?? 0;
  const nl = bruteForceNeighborList(s, model.cutoff + 0.01, { half: true });
  const x = s.positions;
  for (let i = 0; i < s.species.length; i++)
    for (let b = nl.start[i]; b < nl.start[i + 1]; b++) {
      const j = nl.j[b];
      const r = Math.hypot(
        x[3 * j] + nl.shift[3 * b] - x[3 * i], x[3 * j + 1] + nl.shift[3 * b + 1] - x[3 * i + 1],
        x[3 * j + 2] + nl.shift[3 * b + 2] - x[3 * i + 2]) + shift; // the radial functions read |r| + shift
      for (const k of kinks) assert.ok(Math.abs(r - k) > CLEARANCE, `${what}: pair ${i}-${j} at ${r} Å is within ${CLEARANCE} Å of R ± D = ${k}: pick another seed`);
    }
}

function assertDerivatives(model: CompiledModel, s: Structure, what: string): void {
  assertClearOfCutoffKinks(model, s, what);
  const reports = checkDerivatives(model, s);
  const text = formatDerivativeReports(reports);
  assert.equal(reports.length, 5, text);
  for (const r of reports) assert.ok(r.maxRelError < TOL, `${what}: ${r.quantity} relative error ${r.maxRelError}\n${text}`);
}

/**
 * The same model with parameters θ'_p = θ_p / scale_p, so that the checker's parameter step (relative to
 * max(|θ'|, 1)) is relative to |θ_p| for parameters far below 1 (SiC's β ~ 1e-6). Derivatives: ∂/∂θ' = scale·∂/∂θ.
 */
function rescaled(model: CompiledModel, scale: Float64Array): CompiledModel {
  const nP = scale.length;
  const parameters = model.parameters.map((v, p) => v / scale[p]);
  return {
    spec: model.spec,
    cutoff: model.cutoff,
    neighborList: model.neighborList,
    paramNames: model.paramNames,
    parameters,
    evaluate(s, nl, req: EvalRequest): EvalResult {
      const r = model.evaluate(s, nl, req);
      if (r.dEnergy && r.dForces && r.dVirial) {
        const rowF = r.dForces.length / nP;
        for (let p = 0; p < nP; p++) {
          r.dEnergy[p] *= scale[p];
          for (let k = 0; k < rowF; k++) r.dForces[p * rowF + k] *= scale[p];
          for (let v = 0; v < 6; v++) r.dVirial[p * 6 + v] *= scale[p];
        }
      }
      return r;
    },
    withParameters(theta) {
      return rescaled(model.withParameters(Float64Array.from(theta, (v, p) => v * scale[p])), scale);
    },
  };
}

function smallParameterScale(model: CompiledModel): Float64Array {
  return model.parameters.map((v) => (v !== 0 && Math.abs(v) < 1 ? Math.abs(v) : 1));
}

function withSpecies(s: Structure, species: Int32Array): Structure {
  return { ...s, species };
}

test('Si.tersoff: derivatives on rattled, sheared diamond (8 atoms, general b branch)', { skip: skipFiles }, () => {
  const model = compileTersoff(load(SI_FILE, ['Si']));
  assert.equal(model.paramNames.length, 13);
  const rng = new Rng(11);
  const s = randomStrain(rattle(bulk('diamond', ['Si'], 5.431), 0.08, rng), 0.03, rng);
  assertDerivatives(model, s, 'Si diamond 8');
});

test('Si.tersoff: one-atom fcc and bcc cells smaller than the cutoff (large-βζ branches)', { skip: skipFiles }, () => {
  const model = compileTersoff(load(SI_FILE, ['Si']));
  const rng = new Rng(12);
  // fcc: ζ ≈ 15 puts βζ above c1 (pure t^{-1/2}); bcc: βζ between c2 and c1 (first correction term)
  const fcc = randomStrain(bulk('fcc', ['Si'], 3.7, { cubic: false }), 0.04, rng);
  assertDerivatives(model, fcc, 'Si fcc 1 atom');
  const bcc = randomStrain(bulk('bcc', ['Si'], 3.05, { cubic: false }), 0.04, rng);
  assertDerivatives(model, bcc, 'Si bcc 1 atom');
});

test('Si.tersoff: rattled 2-atom primitive cell with bonds in the cutoff zone', { skip: skipFiles }, () => {
  const model = compileTersoff(load(SI_FILE, ['Si']));
  const rng = new Rng(13);
  // a = 4.4: nearest neighbors at 1.9 Å, second neighbors (3.11 Å) inside R ± D = 3.0 ± 0.2
  const s = randomStrain(rattle(bulk('diamond', ['Si'], 4.4, { cubic: false }), 0.05, rng), 0.03, rng);
  assertDerivatives(model, s, 'Si diamond 2 atoms');
});

test('Si.tersoff: small clusters reach the small-βζ branches (b = 1 and 1 − t^n/2n)', { skip: skipFiles }, () => {
  const model = compileTersoff(load(SI_FILE, ['Si']));
  const free: readonly [boolean, boolean, boolean] = [false, false, false];
  const zero = new Float64Array(9);
  // trimer with one bond in the cutoff zone: ζ of the short bonds is small (fc ≪ 1) → βζ < c4 or < c3
  const trimer: Structure = {
    species: Int32Array.of(14, 14, 14),
    positions: Float64Array.of(0, 0, 0, 2.3, 0.1, -0.05, -0.4, 3.12, 0.2),
    cell: zero,
    pbc: free,
  };
  assertDerivatives(model, trimer, 'Si trimer');
  const bent: Structure = {
    species: Int32Array.of(14, 14, 14, 14),
    positions: Float64Array.of(0, 0, 0, 2.35, 0, 0.1, -1.0, 2.1, 0.3, 2.9, 2.0, 0.5),
    cell: zero,
    pbc: free,
  };
  assertDerivatives(model, bent, 'Si 4-atom cluster');
});

test('SiC.tersoff: derivatives on random Si/C occupations (all 76 parameters, β ~ 1e-6 rescaled)', { skip: skipFiles }, () => {
  const model = compileTersoff(load(SIC_FILE, ['Si', 'C']));
  assert.equal(model.paramNames.length, 4 * 13 + 4 * 7 - 4); // R D lambda1 A shared by Si-C-C and C-Si-Si
  const scaled = rescaled(model, smallParameterScale(model));
  const rng = new Rng(24);
  const base = randomStrain(rattle(bulk('diamond', ['Si'], 4.7), 0.08, rng), 0.03, rng);
  const species = Int32Array.from(base.species, () => (rng.float() < 0.5 ? 6 : 14));
  assertDerivatives(scaled, withSpecies(base, species), 'SiC 8 atoms');
  // two-atom Si–C primitive cell smaller than the cutoff
  const zb = rattle(randomStrain(bulk('zincblende', ['Si', 'C'], 4.36, { cubic: false }), 0.03, rng), 0.05, rng);
  assertDerivatives(scaled, zb, 'SiC 2 atoms');
});

test('invariances: translation, rotation, permutation, periodic image choice', { skip: skipFiles }, () => {
  const model = compileTersoff(load(SIC_FILE, ['Si', 'C']));
  const rng = new Rng(15);
  const base = rattle(bulk('diamond', ['Si'], 4.6), 0.1, rng);
  const s = withSpecies(base, Int32Array.from(base.species, () => (rng.float() < 0.5 ? 6 : 14)));
  const req = { forces: true, virial: true, atomEnergies: true };
  const r0 = evaluateStructure(model, s, req);
  const n = s.species.length;
  // translate, and move atom 3 by a lattice vector
  const moved = s.positions.map((v, k) => v + [0.3, -1.1, 2.2][k % 3]);
  for (let c = 0; c < 3; c++) moved[9 + c] += s.cell[3 + c] - s.cell[6 + c];
  const r1 = evaluateStructure(model, { ...s, positions: moved }, req);
  assert.ok(Math.abs(r1.energy - r0.energy) < 1e-10 * n);
  for (let k = 0; k < 3 * n; k++) assert.ok(Math.abs(r1.forces![k] - r0.forces![k]) < 1e-10);
  for (let a = 0; a < n; a++) assert.ok(Math.abs(r1.atomEnergies![a] - r0.atomEnergies![a]) < 1e-10);
  // rotation about z by 0.7 rad: energy invariant, forces rotate
  const c = Math.cos(0.7), sn = Math.sin(0.7);
  const rot = (v: Float64Array): Float64Array => {
    const o = new Float64Array(v.length);
    for (let i = 0; i < v.length / 3; i++) {
      o[3 * i] = c * v[3 * i] - sn * v[3 * i + 1];
      o[3 * i + 1] = sn * v[3 * i] + c * v[3 * i + 1];
      o[3 * i + 2] = v[3 * i + 2];
    }
    return o;
  };
  const r2 = evaluateStructure(model, { ...s, positions: rot(s.positions), cell: rot(s.cell) }, req);
  assert.ok(Math.abs(r2.energy - r0.energy) < 1e-10 * n);
  const fr = rot(r0.forces!);
  for (let k = 0; k < 3 * n; k++) assert.ok(Math.abs(r2.forces![k] - fr[k]) < 1e-9);
  // permutation (reverse order)
  const perm = Array.from({ length: n }, (_, i) => n - 1 - i);
  const pp = new Float64Array(3 * n);
  perm.forEach((src, dst) => pp.set(s.positions.subarray(3 * src, 3 * src + 3), 3 * dst));
  const r3 = evaluateStructure(model, { ...s, positions: pp, species: Int32Array.from(perm, (k) => s.species[k]) }, req);
  assert.ok(Math.abs(r3.energy - r0.energy) < 1e-10 * n);
  perm.forEach((src, dst) => {
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(r3.forces![3 * dst + a] - r0.forces![3 * src + a]) < 1e-10);
  });
  // per-atom energies sum to the energy; a 2x1x1 supercell doubles energy and virial
  assert.ok(Math.abs(r0.atomEnergies!.reduce((x, y) => x + y, 0) - r0.energy) < 1e-10 * n);
  const r4 = evaluateStructure(model, supercell(s, [2, 1, 1]), req);
  assert.ok(Math.abs(r4.energy - 2 * r0.energy) < 1e-9 * n);
  for (let v = 0; v < 6; v++) assert.ok(Math.abs(r4.virial![v] - 2 * r0.virial![v]) < 1e-8);
});

test('energy-only requests agree with full requests; withParameters round-trips', { skip: skipFiles }, () => {
  const model = compileTersoff(load(SIC_FILE, ['Si', 'C']));
  const rng = new Rng(16);
  const s = rattle(bulk('zincblende', ['Si', 'C'], 4.36), 0.1, rng);
  const e0 = evaluateStructure(model, s, {}).energy;
  const full = evaluateStructure(model, s, { forces: true, virial: true, paramGradient: true });
  assert.equal(full.energy, e0);
  const same = model.withParameters(model.parameters);
  assert.equal(evaluateStructure(same, s, {}).energy, e0);
  assert.deepEqual(same.paramNames, model.paramNames);
  assert.ok(model.paramNames.includes('lambda1:Si-C-C') && model.paramNames.includes('gamma:Si-C-Si'));
  assert.ok(!model.paramNames.includes('A:Si-C-Si'), 'two-body entries of j ≠ k triplets are not parameters');
  assert.ok(!model.paramNames.some((p) => p.startsWith('m:')), 'm is an integer switch, not a parameter');
  // raising R of Si-Si-Si raises the model cutoff
  const theta = model.parameters.slice();
  const iR = model.paramNames.indexOf('R:Si-Si-Si');
  theta[iR] += 0.5;
  const bigger = model.withParameters(theta);
  assert.equal(bigger.cutoff, 2.85 + 0.5 + 0.15);
  assert.equal(bigger.spec.cutoff, bigger.cutoff);
});

test('an element outside the model is a UserError naming it', { skip: skipFiles }, () => {
  const model = compileTersoff(load(SI_FILE, ['Si']));
  const s = withSpecies(bulk('diamond', ['Si'], 5.431), Int32Array.of(14, 14, 14, 6, 14, 14, 14, 14));
  assert.throws(() => evaluateStructure(model, s, {}), (e: unknown) => e instanceof UserError && /element C\b/.test(e.message));
});

test('specs LAMMPS would read ambiguously or refuse are UserErrors', { skip: skipFiles }, () => {
  const spec = load(SIC_FILE, ['Si', 'C']);
  const asym = { ...spec, triplets: spec.triplets.map((t) => (t.elements.join('') === 'CSiSi' ? { ...t, A: t.A + 1 } : t)) };
  assert.throws(() => compileTersoff(asym), (e: unknown) => e instanceof UserError && /A differs between Si C C .* and C Si Si/.test(e.message));
  const missing = { ...spec, triplets: spec.triplets.slice(1) };
  assert.throws(() => compileTersoff(missing), (e: unknown) => e instanceof UserError && /missing triplet Si Si Si/.test(e.message));
  const badM = { ...spec, triplets: spec.triplets.map((t) => ({ ...t, m: 2 })) };
  assert.throws(() => compileTersoff(badM), (e: unknown) => e instanceof UserError && /m = 2, expected 1 or 3/.test(e.message));
});

test('shift: derivatives with shift +0.05 (Si) and −0.05 (SiC) on rattled cells incl. a cutoff-zone primitive cell', { skip: skipFiles }, () => {
  const rng = new Rng(31);
  const si = compileTersoff({ ...load(SI_FILE, ['Si']), shift: 0.05 });
  assert.equal(si.cutoff, 3.2 - 0.05);
  assertDerivatives(si, randomStrain(rattle(bulk('diamond', ['Si'], 5.431), 0.08, rng), 0.03, rng), 'Si diamond 8, shift 0.05');
  // a = 4.3: second neighbors (3.04 Å) + 0.05 fall inside R ± D = 3.0 ± 0.2
  assertDerivatives(si, randomStrain(rattle(bulk('diamond', ['Si'], 4.3, { cubic: false }), 0.05, rng), 0.03, rng), 'Si diamond 2, shift 0.05');
  const sicModel = compileTersoff({ ...load(SIC_FILE, ['Si', 'C']), shift: -0.05 });
  const sic = rescaled(sicModel, smallParameterScale(sicModel));
  const base = randomStrain(rattle(bulk('diamond', ['Si'], 4.7), 0.08, rng), 0.03, rng);
  assertDerivatives(sic, withSpecies(base, Int32Array.from(base.species, () => (rng.float() < 0.5 ? 6 : 14))), 'SiC 8 atoms, shift -0.05');
  assertDerivatives(sic, randomStrain(bulk('fcc', ['C'], 3.0, { cubic: false }), 0.04, rng), 'C fcc 1 atom, shift -0.05');
});

test('shift: a dimer with shift δ at distance r is the unshifted dimer at r + δ (no three-body term)', { skip: skipFiles }, () => {
  const spec = load(SIC_FILE, ['Si', 'C']);
  const free: readonly [boolean, boolean, boolean] = [false, false, false];
  const dimer = (r: number): Structure => ({
    species: Int32Array.of(14, 6), positions: Float64Array.of(0.1, 0.2, 0.3, 0.1 + r * 0.6, 0.2 + r * 0.8, 0.3),
    cell: new Float64Array(9), pbc: free,
  });
  for (const delta of [0.05, -0.05, 0.3]) {
    const shifted = compileTersoff({ ...spec, shift: delta });
    const plain = compileTersoff(spec);
    // Si–C has R ± D = 2.36 ± 0.15: r + δ below, inside and (2.3 + 0.3) beyond the cutoff zone
    for (const r of [1.7, 1.95, 2.3]) {
      const a = evaluateStructure(shifted, dimer(r), { forces: true });
      const b = evaluateStructure(plain, dimer(r + delta), { forces: true });
      assert.equal(a.energy === 0, r + delta > 2.51, `δ ${delta} r ${r}: energy ${a.energy}`);
      assert.ok(Math.abs(a.energy - b.energy) < 1e-12, `δ ${delta} r ${r}: ${a.energy} vs ${b.energy}`);
      for (let k = 0; k < 6; k++) assert.ok(Math.abs(a.forces![k] - b.forces![k]) < 1e-12);
    }
  }
  // beyond the shifted cutoff: nothing
  const none = evaluateStructure(compileTersoff({ ...spec, shift: 0.2 }), dimer(2.36 + 0.15 - 0.2 + 1e-6), {});
  assert.equal(none.energy, 0);
  assert.throws(() => compileTersoff({ ...spec, shift: 5 }), (e: unknown) => e instanceof UserError && /shift 5/.test(e.message));
});
