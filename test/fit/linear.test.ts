import { test } from 'node:test';
import assert from 'node:assert/strict';
import { solveLinear } from '../../src/fit/linear.ts';
import { qrLeastSquares } from '../../src/linalg/qr.ts';
import type { LeastSquaresProblem } from '../../src/fit/problem.ts';

function gauss(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => ((s = (1664525 * s + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Linear problem r = Jθ − y with knot-valued "hat function" interpolation of a smooth curve on many knots. */
function hatProblem(nKnots: number, xs: number[], y: number[]): LeastSquaresProblem {
  const P = nKnots, N = xs.length;
  const J = new Float64Array(N * P);
  xs.forEach((x, i) => {
    const t = x * (P - 1);
    const k = Math.min(P - 2, Math.floor(t));
    const f = t - k;
    J[i * P + k] = 1 - f;
    J[i * P + k + 1] = f;
  });
  const res = (th: Float64Array) => {
    const r = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let s = -y[i];
      for (let p = 0; p < P; p++) s += J[i * P + p] * th[p];
      r[i] = s;
    }
    return r;
  };
  return {
    nParams: P, nResiduals: N, paramNames: Array.from({ length: P }, (_, k) => `g[${k}]`),
    lower: new Float64Array(P).fill(-Infinity), upper: new Float64Array(P).fill(Infinity),
    residuals: res, residualsAndJacobian: (th) => ({ r: res(th), J }),
  };
}

test('unregularised linear solve equals QR least squares', () => {
  const rnd = gauss(5);
  const xs = Array.from({ length: 80 }, (_, i) => i / 79);
  const y = xs.map((x) => Math.sin(6 * x) + 0.1 * rnd());
  const p = hatProblem(10, xs, y);
  const r = solveLinear(p, { nModelParams: 10, ridge: 0, smoothness: 0 });
  const q = qrLeastSquares({ rows: 80, cols: 10, data: p.residualsAndJacobian(new Float64Array(10)).J }, y);
  for (let k = 0; k < 10; k++) assert.ok(Math.abs(r.params[k] - q.x[k]) < 1e-10);
  assert.equal(r.status, 'converged');
  assert.ok(Math.abs(r.effectiveParams - 10) < 1e-8);
});

test('smoothness chosen by GCV and by 5-fold CV beats the unregularised fit against the truth', () => {
  const rnd = gauss(11);
  const xs = Array.from({ length: 120 }, (_, i) => (i + 0.5) / 120);
  const truth = (x: number) => Math.sin(5 * x) + 0.5 * x;
  const y = xs.map((x) => truth(x) + 0.3 * rnd());
  const P = 60; // more knots than the noisy data can pin down: oscillates without regularisation
  const p = hatProblem(P, xs, y);
  const err = (th: Float64Array) => {
    let s = 0;
    for (let k = 0; k < P; k++) s += (th[k] - truth(k / (P - 1))) ** 2;
    return Math.sqrt(s / P);
  };
  const rough = (th: Float64Array) => {
    let s = 0;
    for (let k = 1; k + 1 < P; k++) s += (th[k - 1] - 2 * th[k] + th[k + 1]) ** 2;
    return s;
  };
  const plain = solveLinear(p, { nModelParams: P, ridge: 1e-10, smoothness: 0 });
  const gcv = solveLinear(p, { nModelParams: P, ridge: 0, smoothness: 'auto' });
  const folds = Int32Array.from(xs, (_, i) => i % 5);
  const cv = solveLinear(p, { nModelParams: P, ridge: 0, smoothness: 'auto', folds });
  assert.ok(gcv.smoothness > 0 && cv.smoothness > 0);
  assert.ok(err(gcv.params) < 0.5 * err(plain.params), `gcv ${err(gcv.params)} vs plain ${err(plain.params)}`);
  assert.ok(err(cv.params) < 0.5 * err(plain.params), `cv ${err(cv.params)} vs plain ${err(plain.params)}`);
  assert.ok(rough(gcv.params) < 0.01 * rough(plain.params));
  // the chosen strength is an interior minimum of the selection curve, not a grid end
  const scores = gcv.selection!.map((s) => s.score);
  const kBest = scores.indexOf(Math.min(...scores));
  assert.ok(kBest > 0 && kBest < scores.length - 1, `best at grid index ${kBest}`);
});
