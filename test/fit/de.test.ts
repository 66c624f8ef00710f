import { test } from 'node:test';
import assert from 'node:assert/strict';
import { differentialEvolution, latinHypercube, multiStartLm } from '../../src/fit/de.ts';
import { levenbergMarquardt } from '../../src/fit/lm.ts';
import { createRng } from '../../src/core/random.ts';
import { UserError } from '../../src/core/errors.ts';
import type { LeastSquaresProblem } from '../../src/fit/problem.ts';

/**
 * Fitting y = a sin(ω t) to noise-free data from a = 1.5, ω = 2.7 on t ∈ [0, 10]: the loss as a function of ω has
 * many local minima (one per alias of the frequency), so LM from ω = 0.8 stops in a wrong one. The global minimum
 * (loss 0) is known exactly.
 */
const TRUE = [1.5, 2.7];
const ts = Array.from({ length: 60 }, (_, i) => (10 * i) / 59);
const ys = ts.map((t) => TRUE[0] * Math.sin(TRUE[1] * t));
function sineProblem(lower = Float64Array.of(0.1, 0.2), upper = Float64Array.of(4, 5)): LeastSquaresProblem {
  const f = (th: Float64Array) => Float64Array.from(ts, (t, i) => th[0] * Math.sin(th[1] * t) - ys[i]);
  return {
    nParams: 2, nResiduals: ts.length, paramNames: ['a', 'omega'], lower, upper,
    residuals: f,
    residualsAndJacobian: (th) => {
      const J = new Float64Array(ts.length * 2);
      ts.forEach((t, i) => {
        J[2 * i] = Math.sin(th[1] * t);
        J[2 * i + 1] = th[0] * t * Math.cos(th[1] * t);
      });
      return { r: f(th), J };
    },
  };
}

const POOR_START = [1, 0.8];

test('LM alone from a poor start lands in a local minimum of the sine fit', () => {
  const lm = levenbergMarquardt(sineProblem(), POOR_START);
  assert.ok(lm.loss > 1, `LM loss ${lm.loss}`);
  assert.ok(Math.abs(lm.params[1] - TRUE[1]) > 0.3, `LM ω ${lm.params[1]}`);
});

test('differential evolution finds the global minimum of the sine fit, then LM polishes it', () => {
  for (const strategy of ['rand1bin', 'currentToBest1bin'] as const) {
    const res = differentialEvolution(sineProblem(), { seed: 3, strategy }, POOR_START);
    assert.equal(res.status, 'converged', res.message);
    assert.ok(res.polished);
    assert.ok(res.globalLoss < 1, `${strategy}: population stage ended at loss ${res.globalLoss}`);
    assert.ok(Math.abs(res.params[0] - TRUE[0]) < 1e-8 && Math.abs(res.params[1] - TRUE[1]) < 1e-8, `${strategy}: ${[...res.params]}`);
    assert.ok(res.loss < 1e-16, `${res.loss}`);
    // one history: generations then polish iterations, numbered consecutively, best loss never increasing
    for (let k = 1; k < res.history.length; k++) {
      assert.equal(res.history[k].iteration, res.history[k - 1].iteration + 1);
      assert.ok(res.history[k].loss <= res.history[k - 1].loss);
    }
  }
});

test('differential evolution is reproducible with a seed, and other seeds also find the global minimum', () => {
  const a = differentialEvolution(sineProblem(), { seed: 42, polish: false });
  const b = differentialEvolution(sineProblem(), { seed: 42, polish: false });
  assert.deepEqual([...a.params], [...b.params]);
  assert.deepEqual(a.history.map((h) => h.loss), b.history.map((h) => h.loss));
  assert.equal(a.evaluations, b.evaluations);
  for (const seed of [1, 2, 7]) {
    const r = differentialEvolution(sineProblem(), { seed });
    assert.ok(Math.abs(r.params[1] - TRUE[1]) < 1e-8, `seed ${seed}: ω = ${r.params[1]}`);
  }
});

test('differential evolution refuses infinite bounds with a message asking for bounds', () => {
  const p = sineProblem(Float64Array.of(0.1, -Infinity), Float64Array.of(4, 5));
  assert.throws(() => differentialEvolution(p), (e: unknown) => e instanceof UserError && /omega/.test(e.message) && /bounds/.test(e.message));
  assert.throws(() => multiStartLm(p, undefined), UserError);
});

test('differential evolution ignores NaN regions and stops on request', () => {
  // residuals NaN for ω < 1: such trials are never selected
  const base = sineProblem();
  const p: LeastSquaresProblem = {
    ...base,
    residuals: (th) => (th[1] < 1 ? new Float64Array(ts.length).fill(NaN) : base.residuals(th)),
  };
  const res = differentialEvolution(p, { seed: 5 });
  assert.ok(Math.abs(res.params[1] - TRUE[1]) < 1e-8, `${[...res.params]}`);
  let calls = 0;
  const s = differentialEvolution(sineProblem(), { seed: 5, shouldStop: () => ++calls > 50 });
  assert.equal(s.status, 'interrupted');
  assert.equal(s.polished, false);
});

test('Latin hypercube puts exactly one point in every stratum of every dimension', () => {
  const lower = Float64Array.of(-1, 0, 10), upper = Float64Array.of(1, 5, 11);
  const n = 17;
  const pts = latinHypercube(n, lower, upper, createRng(9));
  for (let p = 0; p < 3; p++) {
    const strata = pts.map((x) => Math.floor(((x[p] - lower[p]) / (upper[p] - lower[p])) * n)).sort((a, b) => a - b);
    assert.deepEqual(strata, Array.from({ length: n }, (_, i) => i));
  }
});

test('multi-start LM from Latin-hypercube points finds the global minimum; reproducible with a seed', () => {
  const res = multiStartLm(sineProblem(), POOR_START, { starts: 12, seed: 4 });
  assert.equal(res.status, 'converged', res.message);
  assert.equal(res.runs.length, 13);
  assert.ok(res.runs[0].loss > 1, 'the given start alone is a local minimum');
  assert.ok(Math.abs(res.params[0] - TRUE[0]) < 1e-8 && Math.abs(res.params[1] - TRUE[1]) < 1e-8, `${[...res.params]}`);
  assert.equal(res.loss, Math.min(...res.runs.map((r) => r.loss)));
  const again = multiStartLm(sineProblem(), POOR_START, { starts: 12, seed: 4 });
  assert.deepEqual([...again.params], [...res.params]);
  assert.deepEqual(again.runs.map((r) => [...r.start]), res.runs.map((r) => [...r.start]));
});

test('differential evolution eliminates unbounded linear parameters (an offset) per candidate', () => {
  // y = a sin(ω t) + c with c = −3.2 unbounded: DE searches (a, ω) and solves for c
  const c0 = -3.2;
  const yc = ys.map((y) => y + c0);
  const f = (th: Float64Array) => Float64Array.from(ts, (t, i) => th[0] * Math.sin(th[1] * t) + th[2] - yc[i]);
  const p: LeastSquaresProblem = {
    nParams: 3, nResiduals: ts.length, paramNames: ['a', 'omega', 'c'],
    lower: Float64Array.of(0.1, 0.2, -Infinity), upper: Float64Array.of(4, 5, Infinity),
    residuals: f,
    residualsAndJacobian: (th) => {
      const J = new Float64Array(ts.length * 3);
      ts.forEach((t, i) => {
        J[3 * i] = Math.sin(th[1] * t);
        J[3 * i + 1] = th[0] * t * Math.cos(th[1] * t);
        J[3 * i + 2] = 1;
      });
      return { r: f(th), J };
    },
  };
  assert.throws(() => differentialEvolution(p, { seed: 1 }), (e: unknown) => e instanceof UserError && /\bc \[/.test(e.message));
  const res = differentialEvolution(p, { seed: 1, linearParams: [2], polish: false });
  // without polishing, the population's best already carries the least-squares offset for its (a, ω)
  const r = f(res.params);
  let mean = 0;
  for (const v of r) mean += v / r.length;
  assert.ok(Math.abs(mean) < 1e-12, `mean residual at the profiled offset ${mean}`);
  const polished = differentialEvolution(p, { seed: 1, linearParams: [2] }, [1, 0.8, 0]);
  const err = Math.max(Math.abs(polished.params[0] - TRUE[0]), Math.abs(polished.params[1] - TRUE[1]), Math.abs(polished.params[2] - c0));
  assert.ok(err < 1e-8, `${[...polished.params]}`);
  assert.throws(() => differentialEvolution(p, { linearParams: [0, 1, 2] }), UserError);
});

test('multi-start LM takes unbounded linear parameters from θ0 and fits them', () => {
  const base = sineProblem();
  const f = (th: Float64Array) => base.residuals(th).map((v) => v + th[2] - 0.7);
  const p: LeastSquaresProblem = {
    nParams: 3, nResiduals: ts.length, paramNames: ['a', 'omega', 'c'],
    lower: Float64Array.of(0.1, 0.2, -Infinity), upper: Float64Array.of(4, 5, Infinity),
    residuals: f,
    residualsAndJacobian: (th) => {
      const J2 = base.residualsAndJacobian(th).J;
      const J = new Float64Array(ts.length * 3);
      for (let i = 0; i < ts.length; i++) {
        J[3 * i] = J2[2 * i];
        J[3 * i + 1] = J2[2 * i + 1];
        J[3 * i + 2] = 1;
      }
      return { r: f(th), J };
    },
  };
  assert.throws(() => multiStartLm(p, [1, 0.8, 5]), UserError);
  const res = multiStartLm(p, [1, 0.8, 5], { starts: 30, seed: 4, linearParams: [2] });
  for (const run of res.runs) assert.equal(run.start[2], 5);
  assert.ok(Math.abs(res.params[1] - TRUE[1]) < 1e-8 && Math.abs(res.params[2] - 0.7) < 1e-8, `${[...res.params]}`);
});
