import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/random.ts';
import { bayesianLinearRegression, blrCommittee, logEvidence } from '../../src/uq/blr.ts';
import { ensembleMoments } from '../../src/uq/propagate.ts';

/** Polynomial-feature design on x ∈ [−1, 1] with injected Gaussian noise per group. */
function dataset(N: number, P: number, sigmas: number[], seed: number) {
  const rng = createRng(seed);
  const w = Float64Array.from({ length: P }, () => rng.normal());
  const Phi = new Float64Array(N * P), y = new Float64Array(N), groups = new Int32Array(N);
  for (let k = 0; k < N; k++) {
    const x = rng.uniform(-1, 1);
    groups[k] = k % sigmas.length;
    let f = 0;
    for (let p = 0; p < P; p++) (Phi[k * P + p] = x ** p, f += x ** p * w[p]);
    y[k] = f + rng.normal(0, sigmas[groups[k]]);
  }
  return { Phi, y, groups, w };
}

test('evidence maximisation recovers the injected noise level within 10%', () => {
  for (const [sigma, seed] of [[0.05, 1], [0.3, 2], [2.0, 3]] as const) {
    const { Phi, y } = dataset(1000, 6, [sigma], seed);
    const r = bayesianLinearRegression(Phi, y);
    assert.ok(r.converged);
    const rel = Math.abs(r.sigma[0] - sigma) / sigma;
    console.log(`# BLR σ: injected ${sigma}, recovered ${r.sigma[0].toPrecision(4)} (rel ${rel.toFixed(4)}), γ ${r.gamma.toFixed(2)}`);
    assert.ok(rel < 0.1, `σ ${r.sigma[0]} vs ${sigma}`);
    assert.ok(r.gamma > 0 && r.gamma <= 6);
  }
});

test('one noise precision per row group: two data types with different noise, relative row weights', () => {
  const { Phi, y, groups } = dataset(2000, 5, [0.01, 0.5], 4);
  // rows of group 0 carry weight h = 4: a row's noise sd is σ_g/√h, so the injected 0.01 means σ_0 = 0.02
  // (as an energy row of a 4-atom configuration has sd √4·σ_E with h = 1/4 and σ_E in eV/atom)
  const h = Float64Array.from(groups, (g) => (g === 0 ? 4 : 1));
  const r = bayesianLinearRegression(Phi, y, { groups, rowWeights: h });
  assert.ok(Math.abs(r.sigma[0] / 0.02 - 1) < 0.1, `σ_0 ${r.sigma[0]}`);
  assert.ok(Math.abs(r.sigma[1] / 0.5 - 1) < 0.1, `σ_1 ${r.sigma[1]}`);
  assert.ok(Math.abs(r.gammaPerGroup[0] + r.gammaPerGroup[1] - r.gamma) < 1e-9);
});

test('the fixed point is a stationary point of the log evidence (finite differences in ln α, ln β)', () => {
  const { Phi, y, groups } = dataset(300, 4, [0.1, 0.4], 5);
  const h = new Float64Array(300).fill(1);
  const r = bayesianLinearRegression(Phi, y, { groups, tol: 1e-12, maxIterations: 5000 });
  const f = (a: number, b0: number, b1: number) => logEvidence(Phi, y, groups, h, a, [b0, b1]);
  const e = 1e-4;
  const dA = (f(r.alpha * Math.exp(e), r.beta[0], r.beta[1]) - f(r.alpha * Math.exp(-e), r.beta[0], r.beta[1])) / (2 * e);
  const dB0 = (f(r.alpha, r.beta[0] * Math.exp(e), r.beta[1]) - f(r.alpha, r.beta[0] * Math.exp(-e), r.beta[1])) / (2 * e);
  const dB1 = (f(r.alpha, r.beta[0], r.beta[1] * Math.exp(e)) - f(r.alpha, r.beta[0], r.beta[1] * Math.exp(-e))) / (2 * e);
  for (const d of [dA, dB0, dB1]) assert.ok(Math.abs(d) < 1e-5, `d lnZ / d ln(hyper) = ${d}`);
  assert.ok(Math.abs(r.logEvidence - f(r.alpha, r.beta[0], r.beta[1])) < 1e-9);
  // and it is a maximum: moving away lowers the evidence
  assert.ok(f(r.alpha * 3, r.beta[0], r.beta[1]) < r.logEvidence);
  assert.ok(f(r.alpha, r.beta[0] / 3, r.beta[1]) < r.logEvidence);
});

test('posterior mean is the ridge solution at λ = α/β; committee samples have the posterior covariance', () => {
  const { Phi, y } = dataset(500, 3, [0.2], 6);
  const r = bayesianLinearRegression(Phi, y);
  // oracle: solve (ΦᵀΦ + (α/β) I) w = Φᵀy by Cramer's rule (3 × 3)
  const P = 3, lam = r.alpha / r.beta[0];
  const A = Array.from({ length: 9 }, () => 0), b = [0, 0, 0];
  for (let k = 0; k < 500; k++) for (let p = 0; p < P; p++) {
    b[p] += Phi[k * P + p] * y[k];
    for (let q = 0; q < P; q++) A[p * P + q] += Phi[k * P + p] * Phi[k * P + q];
  }
  for (let p = 0; p < P; p++) A[p * 4] += lam;
  const det = (M: number[]) => M[0] * (M[4] * M[8] - M[5] * M[7]) - M[1] * (M[3] * M[8] - M[5] * M[6]) + M[2] * (M[3] * M[7] - M[4] * M[6]);
  const D = det(A);
  for (let p = 0; p < P; p++) {
    const Ap = A.slice();
    for (let q = 0; q < P; q++) Ap[q * P + p] = b[q];
    assert.ok(Math.abs(det(Ap) / D - r.mean[p]) < 1e-9 * (1 + Math.abs(r.mean[p])));
  }
  const c = blrCommittee(r, ['w0', 'w1', 'w2'], 20000, 3);
  const m = ensembleMoments(c);
  for (let p = 0; p < P; p++) {
    assert.ok(Math.abs(m.cov[p * 4] / r.cov[p * 4] - 1) < 0.05, `committee variance ${m.cov[p * 4]} vs ${r.cov[p * 4]}`);
    assert.ok(Math.abs(m.mean[p] - r.mean[p]) < 0.05 * Math.sqrt(r.cov[p * 4]));
  }
  const rC = m.cov[1] / (m.std[0] * m.std[1]), rS = r.cov[1] / Math.sqrt(r.cov[0] * r.cov[4]);
  assert.ok(Math.abs(rC - rS) < 0.02);
});
