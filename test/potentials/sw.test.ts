import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDerivatives, formatDerivativeReports } from '../../src/analysis/check-derivatives.ts';
import { UserError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/random.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { compileSw, type SwEntry, type SwSpec } from '../../src/potentials/sw.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';

// Published Stillinger–Weber Si (Phys. Rev. B 31, 5262 (1985)), as in LAMMPS's Si.sw
const SI: SwEntry = {
  elements: ['Si', 'Si', 'Si'], epsilon: 2.1683, sigma: 2.0951, a: 1.8, lambda: 21.0, gamma: 1.2,
  costheta0: -0.333333333333, A: 7.049556277, B: 0.6022245584, p: 4.0, q: 0.0, tol: 0.0,
};
const siSpec = (e: Partial<SwEntry> = {}): SwSpec => ({ kind: 'sw', elements: ['Si'], cutoff: 0, entries: [{ ...SI, ...e }] });

/**
 * A two-element model in the shape of LAMMPS's GaN.sw, with every parameter made distinct and nonzero (q, γ,
 * cosθ0 per entry) so that each derivative is exercised; (i,j,k) and (i,k,j) agree, as LAMMPS needs.
 */
function gaNSpec(asymmetric = false): SwSpec {
  const E = (els: string, v: number[]): SwEntry => {
    const [epsilon, sigma, a, lambda, gamma, costheta0, A, B, p, q] = v;
    return { elements: els.split(' ') as [string, string, string], epsilon, sigma, a, lambda, gamma, costheta0, A, B, p, q, tol: 0 };
  };
  const mixed = (lam: number, cos: number): number[] => [1.6136914, 0, 0, lam, 0, cos, 0, 0, 0, 0];
  return {
    kind: 'sw', elements: ['Ga', 'N'], cutoff: 0,
    entries: [
      E('Ga Ga Ga', [1.2, 2.1, 1.6, 32.5, 1.2, -0.3333, 7.917, 0.72, 4.0, 0.3]),
      E('N N N', [1.2, 1.3, 1.8, 30.5, 1.1, -0.32, 7.5, 0.70, 4.2, 0.0]),
      E('Ga N N', [2.17, 1.695, 1.8, 31.0, 1.25, -0.34, 7.917, 0.72, 4.0, 0.5]),
      E('N Ga Ga', [2.17, 1.695, 1.8, 33.0, 1.15, -0.35, 7.917, 0.72, 4.0, 0.5]),
      E('Ga Ga N', mixed(32.0, -0.31)),
      E('Ga N Ga', asymmetric ? mixed(29.0, -0.36) : mixed(32.0, -0.31)),
      E('N Ga N', mixed(30.0, -0.33)),
      E('N N Ga', mixed(30.0, -0.33)),
    ],
  };
}

function assertDerivatives(spec: SwSpec, s: Structure, what: string): void {
  const reports = checkDerivatives(compileSw(spec), s);
  const text = formatDerivativeReports(reports);
  assert.equal(reports.length, 5, text);
  for (const r of reports) assert.ok(r.maxRelError < 1e-6, `${what}: ${r.quantity}\n${text}`);
}

/** Random occupation of a structure's sites by `zs`. */
function occupy(s: Structure, zs: number[], rng: Rng): Structure {
  return { ...s, species: Int32Array.from(s.species, () => zs[rng.int(zs.length)]) };
}

test('Si: forces, stress and every parameter derivative match finite differences (8-atom, 2-atom, 1-atom cells)', () => {
  const rng = new Rng(11);
  const cubic = randomStrain(rattle(bulk('diamond', ['Si'], 5.431), 0.12, rng), 0.04, rng);
  assertDerivatives(siSpec(), cubic, 'cubic 8-atom');
  // the 2-atom primitive cell is narrower (3.14 Å) than the cutoff (3.77 Å): several images of each atom interact
  const prim = randomStrain(rattle(bulk('diamond', ['Si'], 5.431, { cubic: false }), 0.1, rng), 0.05, rng);
  assertDerivatives(siSpec(), prim, 'primitive 2-atom');
  // one atom in a sheared simple-cubic cell of 2.4 Å: every neighbour is an image of the atom itself
  const one = randomStrain(bulk('sc', ['Si'], 2.4), 0.06, rng);
  assertDerivatives(siSpec(), one, 'one-atom');
  // real exponents p, q and a non-tetrahedral angle, so that every parameter has a nontrivial derivative
  assertDerivatives(siSpec({ p: 4.3, q: 0.7, costheta0: -0.3 }), prim, 'p, q real');
});

test('two elements: derivatives exact on random occupations, also for asymmetric (i,j,k) ≠ (i,k,j) entries', () => {
  const rng = new Rng(12);
  const zb = supercell(bulk('zincblende', ['Ga', 'N'], 4.5, { cubic: false }), [2, 1, 1]);
  const s = occupy(randomStrain(rattle(zb, 0.1, rng), 0.04, rng), [31, 7], rng);
  assertDerivatives(gaNSpec(), s, 'GaN-like');
  assertDerivatives(gaNSpec(true), s, 'asymmetric');
});

/**
 * Oracle: the energy written straight from the formula in the module contract, over all ordered pairs and
 * ordered angles of all periodic images found by brute force (no neighbor list, no shared code).
 */
function oracleEnergy(spec: SwSpec, s: Structure): number {
  const n = s.species.length;
  const sym = (z: number): string => (z === 14 ? 'Si' : z === 31 ? 'Ga' : 'N');
  const entry = (a: string, b: string, c: string): SwEntry => spec.entries.find((e) => e.elements.join() === [a, b, c].join())!;
  const R = 2;
  let E = 0;
  for (let i = 0; i < n; i++) {
    const nb: { d: number[]; r: number; el: string }[] = [];
    const ei = sym(s.species[i]);
    for (let j = 0; j < n; j++)
      for (let a = -R; a <= R; a++)
        for (let b = -R; b <= R; b++)
          for (let c = -R; c <= R; c++) {
            if (i === j && a === 0 && b === 0 && c === 0) continue;
            const d = [0, 1, 2].map((k) => s.positions[3 * j + k] + a * s.cell[k] + b * s.cell[3 + k] + c * s.cell[6 + k] - s.positions[3 * i + k]);
            const r = Math.hypot(d[0], d[1], d[2]);
            const ej = sym(s.species[j]);
            const p = entry(ei, ej, ej);
            if (r < p.a * p.sigma) nb.push({ d, r, el: ej });
          }
    for (const x of nb) {
      const p = entry(ei, x.el, x.el);
      const sr = p.sigma / x.r;
      E += 0.5 * p.A * p.epsilon * (p.B * sr ** p.p - sr ** p.q) * Math.exp(p.sigma / (x.r - p.a * p.sigma));
    }
    for (const x of nb)
      for (const y of nb) {
        if (x === y) continue;
        const pj = entry(ei, x.el, x.el), pk = entry(ei, y.el, y.el), pjk = entry(ei, x.el, y.el);
        const cos = (x.d[0] * y.d[0] + x.d[1] * y.d[1] + x.d[2] * y.d[2]) / (x.r * y.r);
        E += 0.5 * pjk.lambda * pjk.epsilon * (cos - pjk.costheta0) ** 2
          * Math.exp((pj.gamma * pj.sigma) / (x.r - pj.a * pj.sigma)) * Math.exp((pk.gamma * pk.sigma) / (y.r - pk.a * pk.sigma));
      }
  }
  return E;
}

test('energy equals the formula evaluated by brute force, and per-atom energies sum to it', () => {
  const rng = new Rng(13);
  const si = randomStrain(rattle(bulk('diamond', ['Si'], 5.431, { cubic: false }), 0.1, rng), 0.03, rng);
  const gan = occupy(rattle(supercell(bulk('zincblende', ['Ga', 'N'], 4.5, { cubic: false }), [1, 2, 1]), 0.1, rng), [31, 7], rng);
  for (const [spec, s] of [[siSpec({ q: 0.4 }), si], [gaNSpec(true), gan]] as const) {
    const r = evaluateStructure(compileSw(spec), s, { atomEnergies: true });
    const ref = oracleEnergy(spec, s);
    assert.ok(Math.abs(r.energy - ref) < 1e-12 * Math.abs(ref), `${r.energy} vs ${ref}`);
    const sum = r.atomEnergies!.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - r.energy) < 1e-12 * Math.abs(ref));
  }
});

test('invariance: translation and atom permutation; plain energy request gives the same energy', () => {
  const rng = new Rng(14);
  const s = occupy(rattle(supercell(bulk('zincblende', ['Ga', 'N'], 4.5), [1, 1, 1]), 0.1, rng), [31, 7], rng);
  const m = compileSw(gaNSpec());
  const r0 = evaluateStructure(m, s, { forces: true, virial: true });
  const shifted = { ...s, positions: s.positions.map((v, k) => v + [0.3, -1.7, 2.2][k % 3]) };
  const r1 = evaluateStructure(m, shifted, { forces: true, virial: true });
  assert.ok(Math.abs(r1.energy - r0.energy) < 1e-11);
  for (let k = 0; k < r0.forces!.length; k++) assert.ok(Math.abs(r1.forces![k] - r0.forces![k]) < 1e-11);
  const perm = rng.permutation(s.species.length);
  const ps: Structure = {
    ...s,
    species: Int32Array.from(perm, (p) => s.species[p]),
    positions: Float64Array.from({ length: 3 * perm.length }, (_, k) => s.positions[3 * perm[Math.floor(k / 3)] + (k % 3)]),
  };
  const r2 = evaluateStructure(m, ps, { forces: true, virial: true });
  assert.ok(Math.abs(r2.energy - r0.energy) < 1e-11);
  for (let i = 0; i < perm.length; i++)
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(r2.forces![3 * i + a] - r0.forces![3 * perm[i] + a]) < 1e-11);
  for (let v = 0; v < 6; v++) assert.ok(Math.abs(r2.virial![v] - r0.virial![v]) < 1e-10);
  assert.equal(evaluateStructure(m, s, {}).energy, r0.energy);
});

test('bonds at the cutoff aσ: energy, forces and every derivative go to zero smoothly, never NaN', () => {
  const cut = SI.a * SI.sigma;
  // a non-periodic trimer: one ordinary bond and one bond at cut − δ, for δ from 0.05 Å down to one ulp
  for (const delta of [0.05, 0.02, 1e-3, 1e-8, cut * 2 ** -52]) {
    const r2 = cut - delta;
    const s: Structure = {
      species: Int32Array.of(14, 14, 14),
      positions: Float64Array.of(0, 0, 0, 2.35, 0, 0, r2 * Math.cos(1.9), r2 * Math.sin(1.9), 0.1),
      cell: new Float64Array(9), pbc: [false, false, false],
    };
    const m = compileSw(siSpec({ q: 0.5 }));
    const r = evaluateStructure(m, s, { forces: true, virial: true, atomEnergies: true, paramGradient: true });
    for (const arr of [r.forces!, r.virial!, r.dEnergy!, r.dForces!, r.dVirial!])
      for (const v of arr) assert.ok(Number.isFinite(v), `non-finite at δ = ${delta}`);
    // finite differences only where the step stays on one side of the cutoff
    if (delta >= 0.02) assertDerivatives(siSpec({ q: 0.5 }), s, `δ = ${delta}`);
  }
});

test('near the cutoff, where every term is tiny, derivatives are still exact relative to their own size', () => {
  // both bonds of the trimer at aσ − δ and j–k out of range: every term is O(exp(−γσ/δ)) and nothing larger
  // hides the error. The functions vary on the scale δ²/σ, hence the small steps.
  const cut = SI.a * SI.sigma;
  for (const delta of [0.1, 0.05]) {
    const r = cut - delta;
    const s: Structure = {
      species: Int32Array.of(14, 14, 14),
      positions: Float64Array.of(0.01, -0.02, 0, r, 0, 0, r * Math.cos(1.75), r * Math.sin(1.75), 0.02),
      cell: new Float64Array(9), pbc: [false, false, false],
    };
    const m = compileSw(siSpec({ q: 0.5, costheta0: -0.2 }));
    const e = evaluateStructure(m, s, {}).energy;
    assert.ok(e !== 0 && Math.abs(e) < 1e-5, `energy ${e}`);
    const reports = checkDerivatives(m, s, { h: 1e-5, hParam: 1e-6, hStrain: 1e-6 });
    for (const rep of reports) assert.ok(rep.maxRelError < 1e-6, `δ = ${delta}\n${formatDerivativeReports(reports)}`);
  }
});

test('an atom of an element the model lacks is a UserError naming it', () => {
  const s = bulk('zincblende', ['Ga', 'As'], 5.65, { cubic: false });
  assert.throws(() => evaluateStructure(compileSw(gaNSpec()), s, {}), (e: unknown) => e instanceof UserError && /As/.test(e.message));
});

test('spec validation: missing and duplicate entries are UserErrors; withParameters round-trips', () => {
  const g = gaNSpec();
  assert.throws(() => compileSw({ ...g, entries: g.entries.slice(1) }), (e: unknown) => e instanceof UserError && /missing entry Ga-Ga-Ga/.test(e.message));
  assert.throws(() => compileSw({ ...g, entries: [...g.entries, g.entries[0]] }), /duplicate entry Ga-Ga-Ga/);
  const m = compileSw(g);
  // 4 pair entries × 10 fields + 4 mixed entries × (ε, λ, cosθ0)
  assert.equal(m.paramNames.length, 52);
  assert.ok(m.paramNames.includes('costheta0:Ga-N-Ga') && !m.paramNames.includes('sigma:Ga-N-Ga'));
  assert.equal(m.cutoff, Math.max(2.1 * 1.6, 1.3 * 1.8, 1.695 * 1.8));
  const theta = m.parameters.slice();
  const m2 = m.withParameters(theta);
  assert.deepEqual([...m2.parameters], [...theta]);
  theta[m.paramNames.indexOf('sigma:Ga-Ga-Ga')] = 2.5;
  const m3 = m.withParameters(theta);
  assert.equal(m3.cutoff, 2.5 * 1.6);
  assert.equal(m.spec.entries[0].sigma, 2.1, 'original unchanged');
});
