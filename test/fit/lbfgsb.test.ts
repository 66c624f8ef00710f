import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lbfgsb } from '../../src/fit/lbfgsb.ts';
import { levenbergMarquardt } from '../../src/fit/lm.ts';
import { cholesky, choleskySolve } from '../../src/linalg/cholesky.ts';
import { createRng } from '../../src/core/random.ts';
import type { LeastSquaresProblem } from '../../src/fit/problem.ts';

function problemOf(
  n: number, m: number, f: (t: Float64Array) => Float64Array, jac: (t: Float64Array) => Float64Array,
  lower: Float64Array = new Float64Array(n).fill(-Infinity), upper: Float64Array = new Float64Array(n).fill(Infinity),
): LeastSquaresProblem {
  return {
    nParams: n, nResiduals: m, paramNames: Array.from({ length: n }, (_, i) => `p${i}`), lower, upper,
    residuals: f,
    residualsAndJacobian: (t) => ({ r: f(t), J: jac(t) }),
  };
}

/** Chained Rosenbrock as least squares: r_{2i} = 10(x_{i+1} − x_i²), r_{2i+1} = 1 − x_i; minimum 0 at x = 1. */
function rosenbrock(n: number, lower?: Float64Array, upper?: Float64Array): LeastSquaresProblem {
  const m = 2 * (n - 1);
  return problemOf(n, m,
    (x) => {
      const r = new Float64Array(m);
      for (let i = 0; i + 1 < n; i++) {
        r[2 * i] = 10 * (x[i + 1] - x[i] * x[i]);
        r[2 * i + 1] = 1 - x[i];
      }
      return r;
    },
    (x) => {
      const J = new Float64Array(m * n);
      for (let i = 0; i + 1 < n; i++) {
        J[2 * i * n + i] = -20 * x[i];
        J[2 * i * n + i + 1] = 10;
        J[(2 * i + 1) * n + i] = -1;
      }
      return J;
    }, lower, upper);
}

test('L-BFGS-B minimises Rosenbrock (n = 2) from the standard start, loss never increasing', () => {
  const res = lbfgsb(rosenbrock(2), [-1.2, 1]);
  assert.equal(res.status, 'converged', res.message);
  for (const v of res.params) assert.ok(Math.abs(v - 1) < 1e-6, `${[...res.params]}`);
  for (let k = 1; k < res.history.length; k++) assert.ok(res.history[k].loss <= res.history[k - 1].loss);
  assert.equal(res.history[0].iteration, 0);
});

test('L-BFGS-B minimises chained Rosenbrock (n = 20)', () => {
  const x0 = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
  const res = lbfgsb(rosenbrock(20), x0, { maxIterations: 2000 });
  assert.equal(res.status, 'converged', res.message);
  const err = Math.max(...[...res.params].map((v) => Math.abs(v - 1)));
  assert.ok(err < 1e-6, `max |x − 1| = ${err}`);
  assert.ok(res.loss < 1e-12, `${res.loss}`);
});

test('L-BFGS-B with a bound: Rosenbrock constrained to x ≤ 0.5 ends at the KKT point (0.5, 0.25)', () => {
  const res = lbfgsb(rosenbrock(2, Float64Array.of(-Infinity, -Infinity), Float64Array.of(0.5, Infinity)), [-1.2, 1]);
  assert.equal(res.status, 'converged', res.message);
  assert.ok(Math.abs(res.params[0] - 0.5) < 1e-12, `${res.params[0]}`);
  assert.ok(Math.abs(res.params[1] - 0.25) < 1e-7, `${res.params[1]}`);
});

test('L-BFGS-B on a bounded quadratic reaches the analytic KKT point with active bounds', () => {
  // r(θ) = Aθ − b with b built so that θ* (three parameters on bounds) satisfies KKT with chosen multipliers:
  // ∇J(θ*) = 2Aᵀ(Aθ* − b) = λ, λ_p > 0 at lower bounds, < 0 at upper bounds, 0 on free parameters.
  const n = 6, m = 15;
  const rng = createRng(11);
  const A = Float64Array.from({ length: m * n }, () => rng.normal());
  const lower = Float64Array.of(-1, -1, 0, -2, -Infinity, -1);
  const upper = Float64Array.of(1, 1, 3, 2, Infinity, 0.5);
  const star = Float64Array.of(-1, 0.3, 3, -0.4, 1.7, 0.5); // p0 at lower, p2 and p5 at upper
  const lambda = Float64Array.of(2.0, 0, -1.5, 0, 0, -0.7);
  const AtA = new Float64Array(n * n);
  for (let k = 0; k < m; k++) for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) AtA[p * n + q] += A[k * n + p] * A[k * n + q];
  const ch = cholesky({ rows: n, cols: n, data: AtA });
  assert.ok(ch.ok);
  // v = −A (AᵀA)⁻¹ λ/2 satisfies Aᵀv = −λ/2; b = Aθ* + v
  const w = choleskySolve(ch, lambda.map((l) => l / 2));
  const b = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    let s = 0, t = 0;
    for (let p = 0; p < n; p++) {
      s += A[k * n + p] * star[p];
      t += A[k * n + p] * w[p];
    }
    b[k] = s - t;
  }
  const prob = problemOf(n, m,
    (th) => {
      const r = new Float64Array(m);
      for (let k = 0; k < m; k++) {
        let s = -b[k];
        for (let p = 0; p < n; p++) s += A[k * n + p] * th[p];
        r[k] = s;
      }
      return r;
    },
    () => A, lower, upper);
  const res = lbfgsb(prob, [0, 0, 0, 0, 0, 0]);
  assert.equal(res.status, 'converged', res.message);
  const err = Math.max(...[...res.params].map((v, p) => Math.abs(v - star[p])));
  assert.ok(err < 1e-7, `max |θ − θ*| = ${err}`);
  // active parameters sit exactly on their bounds
  assert.equal(res.params[0], -1);
  assert.equal(res.params[2], 3);
  assert.equal(res.params[5], 0.5);
});

test('L-BFGS-B backs out of regions where residuals are NaN, and reports a non-finite start', () => {
  // r = (√θ0 − 0.1, θ1 − 2): NaN for θ0 < 0; optimum θ0 = 0.01 lies close to the NaN region, so full quasi-Newton
  // steps overshoot into it
  const prob = problemOf(2, 2,
    (t) => Float64Array.of(Math.sqrt(t[0]) - 0.1, t[1] - 2),
    (t) => Float64Array.of(0.5 / Math.sqrt(t[0]), 0, 0, 1));
  let sawNaN = false;
  const watched: LeastSquaresProblem = {
    ...prob,
    residuals: (t) => {
      const r = prob.residuals(t);
      if (r.some(Number.isNaN)) sawNaN = true;
      return r;
    },
  };
  const res = lbfgsb(watched, [4, 0]);
  assert.equal(res.status, 'converged', res.message);
  assert.ok(sawNaN, 'the test should exercise a NaN trial');
  assert.ok(Math.abs(res.params[0] - 0.01) < 1e-8 && Math.abs(res.params[1] - 2) < 1e-8, `${[...res.params]}`);
  const bad = lbfgsb(prob, [-1, 0]);
  assert.equal(bad.status, 'nonFinite');
  assert.equal(bad.iterations, 0);
});

test('L-BFGS-B agrees with Levenberg–Marquardt on a noisy nonlinear fit', () => {
  // y = a exp(−k t) + c + noise: a non-zero-residual problem with a unique minimum
  const rng = createRng(5);
  const ts = Array.from({ length: 40 }, (_, i) => i * 0.2);
  const y = ts.map((t) => 2.5 * Math.exp(-1.3 * t) + 0.4 + 0.02 * rng.normal());
  const prob = problemOf(3, ts.length,
    (th) => Float64Array.from(ts, (t, i) => th[0] * Math.exp(-th[1] * t) + th[2] - y[i]),
    (th) => {
      const J = new Float64Array(ts.length * 3);
      ts.forEach((t, i) => {
        const e = Math.exp(-th[1] * t);
        J[3 * i] = e;
        J[3 * i + 1] = -th[0] * t * e;
        J[3 * i + 2] = 1;
      });
      return J;
    });
  const lm = levenbergMarquardt(prob, [1, 0.5, 0]);
  const lb = lbfgsb(prob, [1, 0.5, 0]);
  assert.equal(lm.status, 'converged', lm.message);
  assert.equal(lb.status, 'converged', lb.message);
  const err = Math.max(...[...lb.params].map((v, p) => Math.abs(v - lm.params[p])));
  assert.ok(err < 1e-6, `max parameter difference ${err}`);
  assert.ok(Math.abs(lb.loss - lm.loss) <= 1e-10 * lm.loss, `${lb.loss} vs ${lm.loss}`);
});

test('L-BFGS-B reports maxIterations, interruption, progress and loss terms', () => {
  const base = rosenbrock(2);
  const prob: LeastSquaresProblem = { ...base, lossTerms: (r) => ({ a: r[0] * r[0], b: r[1] * r[1] }) };
  const seen: number[] = [];
  const res = lbfgsb(prob, [-1.2, 1], { maxIterations: 3, onIteration: (rec) => seen.push(rec.iteration) });
  assert.equal(res.status, 'maxIterations');
  assert.deepEqual(seen, [0, 1, 2, 3]);
  const h = res.history[res.history.length - 1];
  assert.ok(Math.abs(h.terms.a + h.terms.b - h.loss) <= 1e-12 * Math.max(1, h.loss));
  let calls = 0;
  const s = lbfgsb(prob, [-1.2, 1], { shouldStop: () => ++calls > 4 });
  assert.equal(s.status, 'interrupted');
  assert.equal(s.iterations, 4);
});
