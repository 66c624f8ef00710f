// Regularisation operators (fit/regularization.ts): the standardised ridge makes a linear fit invariant to the scale
// of each column (the plain ridge is not: the same check fails for it), its metric ignores σ, and a zero column
// keeps a unit penalty.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/random.ts';
import { normalEquations, solveNormal } from '../../src/fit/linear.ts';
import { regularizationOperator, standardizedRidgeWeights, type TypeColumns } from '../../src/fit/regularization.ts';

const N = 60, P = 6;
/** Two data types (rows 0..29 and 30..59) with columns of very different scales, and an offset-like last column. */
function design(seed: number) {
  const rng = createRng(seed);
  const scale = [1, 30, 0.02, 5, 400, 1];
  const J = new Float64Array(N * P), y = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    for (let p = 0; p < P; p++) J[k * P + p] = scale[p] * (rng.normal() + (p === P - 1 ? 3 : 0));
    y[k] = rng.normal();
  }
  return { J, y };
}

/** Per type: the column sums of squares, the row count and a spread of reference values (fixed per type). */
function typeColumns(J: Float64Array, nModel: number, variance = [0.3, 2]): TypeColumns[] {
  return [0, 1].map((t) => {
    const d = new Float64Array(nModel);
    for (let k = t * (N / 2); k < (t + 1) * (N / 2); k++) for (let p = 0; p < nModel; p++) d[p] += J[k * P + p] ** 2;
    return { diag: d, rows: N / 2, variance: variance[t] };
  });
}

/** Predictions J θ of the fit with ridge λ; standardised or plain. */
function fitPredict(J: Float64Array, y: Float64Array, lambda: number, standardized: boolean): { theta: Float64Array; pred: Float64Array } {
  const nModel = P - 1;
  const ne = normalEquations(J, y.map((v) => -v), P);
  const names = Array.from({ length: P }, (_, p) => `c${p}`);
  const ridgeWeights = standardized ? standardizedRidgeWeights(typeColumns(J, nModel), nModel) : undefined;
  const sol = solveNormal(ne, names, { nModelParams: nModel, ridge: lambda, smoothness: 0, ridgeWeights });
  const pred = new Float64Array(N);
  for (let k = 0; k < N; k++) for (let p = 0; p < P; p++) pred[k] += J[k * P + p] * sol.params[p];
  return { theta: sol.params, pred };
}

test('standardised ridge: rescaling a column rescales its coefficient and leaves the predictions unchanged', () => {
  const { J, y } = design(7);
  const lambda = 50; // strong enough that the penalty matters
  const a = fitPredict(J, y, lambda, true);
  const J2 = J.slice();
  const c = 1000;
  for (let k = 0; k < N; k++) J2[k * P + 2] *= c;
  const b = fitPredict(J2, y, lambda, true);
  const dPred = Math.max(...a.pred.map((v, k) => Math.abs(v - b.pred[k])));
  assert.ok(dPred < 1e-9, `standardised: predictions moved by ${dPred}`);
  assert.ok(Math.abs(b.theta[2] * c - a.theta[2]) <= 1e-9 * Math.abs(a.theta[2]), `θ_2 ${a.theta[2]} vs ${b.theta[2]} × ${c}`);
  // the plain ridge is not invariant: the same check fails for it
  const pa = fitPredict(J, y, lambda, false), pb = fitPredict(J2, y, lambda, false);
  const dPlain = Math.max(...pa.pred.map((v, k) => Math.abs(v - pb.pred[k])));
  assert.ok(dPlain > 1e-4, `plain ridge: predictions moved by only ${dPlain}`);
});

test('standardised ridge metric: per-type units cancel, unit-free in σ, a column no row uses gets the mean penalty', () => {
  const { J } = design(3);
  const nModel = P - 1;
  for (let k = 0; k < N; k++) J[k * P + 1] = 0;
  const cols = typeColumns(J, nModel);
  const d = standardizedRidgeWeights(cols, nModel);
  const others = [0, 2, 3, 4].map((p) => d[p]);
  assert.ok(Math.abs(d[1] - others.reduce((a, b) => a + b, 0) / 4) <= 1e-12 * d[1], `zero column: ${d[1]}`);
  // d_p = Σ_t mean square of column p over type t's rows / v_t
  for (const p of [0, 2, 3, 4]) {
    const expect = cols.reduce((s, t) => s + t.diag[p] / (t.rows * t.variance), 0);
    assert.ok(Math.abs(d[p] - expect) <= 1e-12 * expect);
  }
  // a type measured in other units (rows and reference values both × 10) gives the same metric
  const scaled = cols.map((t, i) => (i === 0 ? { diag: Array.from(t.diag, (v) => 100 * v), rows: t.rows, variance: 100 * t.variance } : t));
  const w = standardizedRidgeWeights(scaled, nModel);
  d.forEach((v, p) => assert.ok(Math.abs(v - w[p]) <= 1e-12 * v, `d_${p} ${v} vs ${w[p]}`));
  // the operator's rows are √(λ d_p) on the model parameters, none on the offset
  const op = regularizationOperator(P, nModel, Array.from({ length: P }, (_, p) => `c${p}`), { ridge: 4, smoothness: 0, ridgeWeights: d });
  assert.equal(op.rows, nModel);
  for (let r = 0; r < nModel; r++) {
    assert.ok(Math.abs(op.R[r * P + r] - Math.sqrt(4 * d[r])) <= 1e-15 * Math.sqrt(4 * d[r]));
    assert.equal(op.R[r * P + P - 1], 0);
  }
  assert.throws(() => regularizationOperator(P, nModel, [], { ridge: 1, smoothness: 0, ridgeWeights: [1, 2] }), /ridge weights/);
});
