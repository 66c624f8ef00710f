/**
 * Fisher analysis (issue acceptance): forces-only data with a fitted global offset → exactly one null direction,
 * carried by the offset and explained; energies remove it. Parameters that touch no datum are named. Laplace
 * standard errors of a 2-parameter Morse fit match the scatter of estimates over repeated noisy synthetic sets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePair, type MorseSpec } from '../../src/potentials/pair.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import type { CompiledModel } from '../../src/potentials/types.ts';
import { bulk, rattle, randomStrain, supercell } from '../../src/structure/builders.ts';
import { createRng, type Rng } from '../../src/core/random.ts';
import { DEFAULT_OBJECTIVE, makeFitProblem, type ObjectiveSettings } from '../../src/fit/objective.ts';
import { levenbergMarquardt } from '../../src/fit/lm.ts';
import { restrictParameters } from '../../src/fit/problem.ts';
import { fisherAnalysis } from '../../src/analysis/fisher.ts';
import type { Configuration, Structure } from '../../src/structure/types.ts';

const MORSE: MorseSpec = { kind: 'morse', elements: ['Cu'], cutoff: 5.5, cutoff_function: { kind: 'smoothstep', inner: 4.5 }, pairs: { 'Cu-Cu': { D0: 0.34, alpha: 1.36, r0: 2.87 } } };

function cells(n: number, seed: number): Structure[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    let s = bulk('fcc', ['Cu'], 3.615 * (0.96 + 0.08 * rng.float()));
    if (i % 2) s = supercell(s, [2, 1, 1]);
    return rattle(randomStrain(s, 0.03, rng), 0.1, rng);
  });
}

function label(model: CompiledModel, structures: Structure[], rng?: Rng, sE = 0, sF = 0): Configuration[] {
  return structures.map((s, i) => {
    const r = evaluateStructure(model, s, { forces: true });
    const n = s.species.length;
    return {
      structure: s,
      labels: {
        energy: r.energy + (rng ? rng.normal(0, sE * Math.sqrt(n)) : 0),
        forces: rng ? r.forces!.map((f) => f + rng.normal(0, sF)) : r.forces,
      },
      group: 'g', weight: 1, source: { file: 'synthetic', frame: i }, info: {},
    };
  });
}

const settings = (over: Partial<ObjectiveSettings>): ObjectiveSettings => ({ ...DEFAULT_OBJECTIVE, balance: 'none', ...over });

test('forces only with a global offset: exactly one null direction, carried by E0 and explained; energies remove it', () => {
  const model = compilePair(MORSE);
  const configs = label(model, cells(6, 1));
  const forcesOnly = configs.map((c) => ({ ...c, labels: { forces: c.labels.forces } }));
  const prob = makeFitProblem(model, { configs: forcesOnly }, settings({ energyOffset: 'global' }));
  const theta = Float64Array.from([...model.parameters, -3.5]);
  const res = fisherAnalysis(prob, theta);
  const nulls = res.directions.filter((d) => d.kind === 'null');
  assert.equal(nulls.length, 1, JSON.stringify(res.eigenvalues));
  assert.equal(Object.keys(nulls[0].components)[0], 'E0');
  assert.ok(Math.abs(nulls[0].components.E0 - 1) < 1e-12);
  assert.match(nulls[0].explanation ?? '', /energy offset unconstrained: no absolute energies in the data/);
  assert.equal(res.std_errors.E0, null);
  for (const n of ['D0:Cu-Cu', 'alpha:Cu-Cu', 'r0:Cu-Cu']) assert.ok(Number.isFinite(res.std_errors[n]!), n);
  assert.equal(res.condition_number, Infinity);
  assert.ok(res.notes.some((t) => /E0/.test(t)));

  const withE = makeFitProblem(model, { configs }, settings({ energyOffset: 'global' }));
  const res2 = fisherAnalysis(withE, theta);
  assert.equal(res2.directions.filter((d) => d.kind === 'null').length, 0, JSON.stringify(res2.eigenvalues));
  assert.ok(Number.isFinite(res2.std_errors.E0!) && res2.std_errors.E0! > 0);
  assert.ok(Number.isFinite(res2.condition_number));
  // descending spectrum, sloppiness = 1/condition
  for (let k = 1; k < res2.eigenvalues.length; k++) assert.ok(res2.eigenvalues[k] <= res2.eigenvalues[k - 1]);
  assert.ok(Math.abs(res2.sloppiness * res2.condition_number - 1) < 1e-12);
});

test('parameters of a pair absent from the data do not affect any datum and are named', () => {
  const spec: MorseSpec = { ...MORSE, elements: ['Cu', 'Ni'], pairs: { 'Cu-Cu': MORSE.pairs['Cu-Cu'], 'Cu-Ni': { D0: 0.4, alpha: 1.4, r0: 2.7 }, 'Ni-Ni': { D0: 0.45, alpha: 1.4, r0: 2.6 } } };
  const model = compilePair(spec);
  const configs = label(model, cells(4, 2));
  const prob = makeFitProblem(model, { configs }, settings({ energyOffset: 'none' }));
  const res = fisherAnalysis(prob, model.parameters);
  const nulls = res.directions.filter((d) => d.kind === 'null');
  const absent = model.paramNames.filter((n) => !n.endsWith(':Cu-Cu'));
  assert.equal(nulls.length, absent.length);
  for (const d of nulls) assert.match(d.explanation ?? '', /does not affect any datum/);
  const named = new Set(nulls.map((d) => Object.keys(d.components)[0]));
  assert.deepEqual([...named].sort(), [...absent].sort());
  for (const n of absent) assert.equal(res.std_errors[n], null);
  for (const n of model.paramNames.filter((n) => n.endsWith(':Cu-Cu'))) assert.ok(Number.isFinite(res.std_errors[n]!));
});

test('scaled coordinates: the spectrum does not depend on the parameters\' units (typical sizes scale with them)', () => {
  const model = compilePair(MORSE);
  const prob = makeFitProblem(model, { configs: label(model, cells(4, 3)) }, settings({ energyOffset: 'none' }));
  const a = fisherAnalysis(prob, model.parameters);
  // the same problem with θ_0 measured in a unit 1000× smaller: θ'_0 = 1000 θ_0
  const k = 1000;
  const scaled = {
    ...prob,
    rows: prob.rows,
    residuals: (t: Float64Array) => prob.residuals(Float64Array.from(t, (v, p) => (p === 0 ? v / k : v))),
    residualsAndJacobian(t: Float64Array) {
      const { r, J } = prob.residualsAndJacobian(Float64Array.from(t, (v, p) => (p === 0 ? v / k : v)));
      const P = prob.nParams;
      for (let i = 0; i < r.length; i++) J[i * P] /= k;
      return { r, J };
    },
  };
  const th = Float64Array.from(model.parameters, (v, p) => (p === 0 ? v * k : v));
  const b = fisherAnalysis(scaled, th, { typicalSize: { [model.paramNames[0]]: k } });
  a.eigenvalues.forEach((l, i) => assert.ok(Math.abs(b.eigenvalues[i] / l - 1) < 1e-10, `${l} vs ${b.eigenvalues[i]}`));
  const p0 = model.paramNames[0];
  assert.ok(Math.abs(b.std_errors[p0]! / (k * a.std_errors[p0]!) - 1) < 1e-10);
});

test('Morse (D0, alpha) with Gaussian noise: Laplace standard errors match the scatter over 40 noisy sets within 20%', () => {
  const truth = compilePair(MORSE);
  const sE = 0.004, sF = 0.04;
  const structures = cells(6, 4);
  const free = truth.paramNames.map((n) => !n.startsWith('r0:'));
  const est: number[][] = [[], []];
  let se: (number | null)[] = [];
  const R = 40;
  const rng = createRng(5);
  for (let rep = 0; rep < R; rep++) {
    const configs = label(truth, structures, rng, sE, sF);
    const prob = makeFitProblem(truth, { configs }, settings({ energyOffset: 'none', sigma: { energy: sE, force: sF, stress: 1 } }));
    const red = restrictParameters(prob, free, truth.parameters);
    const fit = levenbergMarquardt(red, red.reduce(truth.parameters), { maxIterations: 100 });
    assert.equal(fit.status, 'converged', fit.message);
    est[0].push(fit.params[0]);
    est[1].push(fit.params[1]);
    if (rep === 0) {
      const fa = fisherAnalysis(red, red.reduce(truth.parameters));
      se = red.paramNames.map((n) => fa.std_errors[n]);
      assert.equal(fa.directions.filter((d) => d.kind === 'null').length, 0);
    }
  }
  est.forEach((xs, k) => {
    const m = xs.reduce((s, x) => s + x, 0) / R;
    const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (R - 1));
    const ratio = sd / se[k]!;
    assert.ok(Math.abs(ratio - 1) < 0.2, `param ${k}: scatter ${sd.toExponential(3)} vs Laplace ${se[k]!.toExponential(3)} (ratio ${ratio.toFixed(3)})`);
    console.log(`# Morse param ${k}: scatter ${sd.toExponential(3)}, Laplace ${se[k]!.toExponential(3)}, ratio ${ratio.toFixed(3)}`);
  });
});
