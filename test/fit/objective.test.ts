import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSw, type SwEntry, type SwSpec } from '../../src/potentials/sw.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { bulk, rattle, randomStrain, supercell } from '../../src/structure/builders.ts';
import { createRng, type Rng } from '../../src/core/random.ts';
import { DEFAULT_OBJECTIVE, makeFitProblem, type ObjectiveSettings } from '../../src/fit/objective.ts';
import { levenbergMarquardt } from '../../src/fit/lm.ts';
import { restrictParameters } from '../../src/fit/problem.ts';
import { estimateNoise } from '../../src/fit/noise.ts';
import type { Configuration } from '../../src/structure/types.ts';
import type { CompiledModel } from '../../src/potentials/types.ts';

// Si.sw parameters (Stillinger & Weber 1985, as in LAMMPS's Si.sw); "Ge" gets a scaled epsilon so species differ
const SI = { epsilon: 2.1683, sigma: 2.0951, a: 1.8, lambda: 21.0, gamma: 1.2, costheta0: -1 / 3, A: 7.049556277, B: 0.6022245584, p: 4, q: 0, tol: 0 };
function swSpec(): SwSpec {
  const els = ['Si', 'Ge'];
  const entries: SwEntry[] = [];
  for (const i of els) for (const j of els) for (const k of els) {
    const ge = [i, j, k].filter((e) => e === 'Ge').length;
    entries.push({ elements: [i, j, k], ...SI, epsilon: SI.epsilon * (1 - 0.1 * ge), sigma: SI.sigma * (1 + 0.02 * ge) });
  }
  return { kind: 'sw', elements: els, cutoff: 0, entries } as SwSpec;
}

function randomConfigs(model: CompiledModel, n: number, rng: Rng, label: (c: Configuration, i: number) => void): Configuration[] {
  const out: Configuration[] = [];
  for (let i = 0; i < n; i++) {
    let s = bulk('diamond', ['Si'], 5.43);
    if (i % 3 === 0) s = supercell(s, [1, 1, 2]);
    s = rattle(randomStrain(s, 0.03, rng), 0.08, rng);
    const species = s.species.map(() => (rng.float() < 0.3 ? 32 : 14));
    const st = { ...s, species };
    const r = evaluateStructure(model, st, { forces: true, virial: true });
    const c: Configuration = { structure: st, labels: { energy: r.energy, forces: r.forces, stress: r.stress }, group: i % 2 ? 'a' : 'b', weight: 1, source: { file: 'synthetic', frame: i }, info: {} };
    label(c, i);
    out.push(c);
  }
  return out;
}

const settings = (over: Partial<ObjectiveSettings>): ObjectiveSettings => ({ ...DEFAULT_OBJECTIVE, ...over });

test('per-species reference energies are recovered exactly on a two-species set', () => {
  const model = compileSw(swSpec());
  const E0 = { Si: -3.1, Ge: -2.7 };
  const configs = randomConfigs(model, 12, createRng(1), (c) => {
    for (const z of c.structure.species) (c.labels as { energy: number }).energy += z === 14 ? E0.Si : E0.Ge;
  });
  const prob = makeFitProblem(model, { configs }, settings({ energyOffset: 'per-species' }));
  assert.deepEqual(prob.paramNames.slice(-2), ['E0:Si', 'E0:Ge']);
  const full = new Float64Array(prob.nParams);
  full.set(model.parameters);
  const free = prob.paramNames.map((n) => n.startsWith('E0'));
  const red = restrictParameters(prob, free, full);
  const r = levenbergMarquardt(red, [0, 0]);
  assert.equal(r.status, 'converged');
  assert.ok(Math.abs(r.params[0] - E0.Si) < 1e-9 && Math.abs(r.params[1] - E0.Ge) < 1e-9, `${r.params}`);
  assert.ok(r.loss < 1e-16);
});

test('the closed-form global offset equals the atom-weighted mean per-atom residual', () => {
  const model = compileSw(swSpec());
  const rng = createRng(2);
  const configs = randomConfigs(model, 15, rng, (c) => {
    (c.labels as { energy: number }).energy += -4.2 * c.structure.species.length + rng.normal(0, 0.05);
  });
  const prob = makeFitProblem(model, { configs }, settings({ energyOffset: 'global', termWeights: { energy: 1, force: 0, stress: 0 } }));
  const full = new Float64Array(prob.nParams);
  full.set(model.parameters);
  const red = restrictParameters(prob, prob.paramNames.map((n) => n === 'E0'), full);
  const r = levenbergMarquardt(red, [0]);
  let num = 0, den = 0;
  for (const c of configs) {
    num += c.labels.energy! - evaluateStructure(model, c.structure, {}).energy;
    den += c.structure.species.length;
  }
  assert.ok(Math.abs(r.params[0] - num / den) < 1e-10, `${r.params[0]} vs ${num / den}`);
});

test('noise estimation recovers injected σ_E and σ_F within 10% (fit of epsilon, sigma and offsets)', () => {
  const truth = compileSw(swSpec());
  const rng = createRng(3);
  const sE = 0.01, sF = 0.05; // eV/atom, eV/Å
  const configs = randomConfigs(truth, 240, rng, (c) => {
    const n = c.structure.species.length;
    (c.labels as { energy: number }).energy += -4 * n + rng.normal(0, sE * Math.sqrt(n));
    c.labels.forces = c.labels.forces!.map((f) => f + rng.normal(0, sF));
    delete c.labels.stress;
  });
  // start from perturbed epsilon/sigma of the Si-Si-Si entry; everything else fixed
  const names = truth.paramNames;
  const start = truth.parameters.slice();
  const ie = names.indexOf('epsilon:Si-Si-Si'), is = names.indexOf('sigma:Si-Si-Si');
  assert.ok(ie >= 0 && is >= 0, names.join(','));
  start[ie] *= 1.05;
  start[is] *= 0.98;
  let sigma = { energy: 0.1, force: 0.5, stress: 0.01 };
  let theta: Float64Array | undefined;
  let est = { energy: NaN, force: NaN };
  for (let round = 0; round < 20; round++) {
    const prob = makeFitProblem(truth.withParameters(start), { configs }, settings({ sigma, energyOffset: 'global', balance: 'none' }));
    const full = theta ?? (() => { const t = new Float64Array(prob.nParams); t.set(start); return t; })();
    const free = prob.paramNames.map((n, p) => p === ie || p === is || n === 'E0');
    const red = restrictParameters(prob, free, full);
    const r = levenbergMarquardt(red, red.reduce(full));
    assert.equal(r.status, 'converged', r.message);
    theta = red.expand(r.params);
    const { J } = red.residualsAndJacobian(r.params);
    const nAtoms = Int32Array.from(configs, (c) => c.structure.species.length);
    const ne = estimateNoise(prob.rows, prob.predict(theta), nAtoms, J, red.nParams);
    const change = Math.max(Math.abs(ne.sigma.energy / sigma.energy - 1), Math.abs(ne.sigma.force / sigma.force - 1));
    sigma = { ...sigma, energy: ne.sigma.energy, force: ne.sigma.force };
    est = { energy: ne.sigma.energy, force: ne.sigma.force };
    if (change < 1e-3) break;
  }
  assert.ok(Math.abs(est.energy / sE - 1) < 0.1, `σ_E ${est.energy} vs ${sE}`);
  assert.ok(Math.abs(est.force / sF - 1) < 0.1, `σ_F ${est.force} vs ${sF}`);
  assert.ok(Math.abs(theta![ie] / truth.parameters[ie] - 1) < 0.01);
});
