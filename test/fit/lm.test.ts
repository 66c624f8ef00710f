import { test } from 'node:test';
import assert from 'node:assert/strict';
import { levenbergMarquardt } from '../../src/fit/lm.ts';
import type { LeastSquaresProblem } from '../../src/fit/problem.ts';

function problemOf(
  n: number, m: number, f: (t: Float64Array) => Float64Array, jac: (t: Float64Array) => Float64Array,
  lower = new Float64Array(n).fill(-Infinity), upper = new Float64Array(n).fill(Infinity),
): LeastSquaresProblem {
  return {
    nParams: n, nResiduals: m, paramNames: Array.from({ length: n }, (_, i) => `p${i}`), lower, upper,
    residuals: f,
    residualsAndJacobian: (t) => ({ r: f(t), J: jac(t) }),
  };
}

const rosenbrock = problemOf(2, 2,
  (t) => Float64Array.of(10 * (t[1] - t[0] * t[0]), 1 - t[0]),
  (t) => Float64Array.of(-20 * t[0], 10, -1, 0));

test('LM solves Rosenbrock from the standard start', () => {
  const r = levenbergMarquardt(rosenbrock, [-1.2, 1]);
  assert.equal(r.status, 'converged', r.message);
  assert.ok(Math.abs(r.params[0] - 1) < 1e-8 && Math.abs(r.params[1] - 1) < 1e-8);
  // loss history decreases monotonically
  for (let k = 1; k < r.history.length; k++) assert.ok(r.history[k].loss <= r.history[k - 1].loss);
});

test('LM respects bounds: optimum on the bound, gradient pointing out', () => {
  const lower = Float64Array.of(-Infinity, -Infinity), upper = Float64Array.of(0.5, Infinity);
  const p = problemOf(2, 2, rosenbrock.residuals, (t) => rosenbrock.residualsAndJacobian(t).J, lower, upper);
  const r = levenbergMarquardt(p, [-1.2, 1]);
  assert.equal(r.status, 'converged', r.message);
  // constrained optimum: x = 0.5, y = x² = 0.25
  assert.ok(Math.abs(r.params[0] - 0.5) < 1e-9, `${r.params[0]}`);
  assert.ok(Math.abs(r.params[1] - 0.25) < 1e-8, `${r.params[1]}`);
});

test('LM fits an exponential decay exactly (synthetic data, no noise)', () => {
  const ts = Array.from({ length: 20 }, (_, i) => i * 0.25);
  const truth = [2.5, 1.3];
  const y = ts.map((t) => truth[0] * Math.exp(-truth[1] * t));
  const p = problemOf(2, ts.length,
    (th) => Float64Array.from(ts, (t, i) => th[0] * Math.exp(-th[1] * t) - y[i]),
    (th) => {
      const J = new Float64Array(ts.length * 2);
      ts.forEach((t, i) => {
        J[2 * i] = Math.exp(-th[1] * t);
        J[2 * i + 1] = -th[0] * t * Math.exp(-th[1] * t);
      });
      return J;
    });
  const r = levenbergMarquardt(p, [1, 0.1]);
  assert.equal(r.status, 'converged');
  assert.ok(Math.abs(r.params[0] - truth[0]) < 1e-9 && Math.abs(r.params[1] - truth[1]) < 1e-9);
});

test('LM reports non-finite residuals instead of iterating on NaN', () => {
  const p = problemOf(1, 1, (t) => Float64Array.of(Math.log(t[0])), (t) => Float64Array.of(1 / t[0]));
  const r = levenbergMarquardt(p, [-1]);
  assert.equal(r.status, 'nonFinite');
});

test('LM reports maxIterations and can be interrupted', () => {
  const r = levenbergMarquardt(rosenbrock, [-1.2, 1], { maxIterations: 2 });
  assert.equal(r.status, 'maxIterations');
  let calls = 0;
  const s = levenbergMarquardt(rosenbrock, [-1.2, 1], { shouldStop: () => ++calls > 3 });
  assert.equal(s.status, 'interrupted');
});
