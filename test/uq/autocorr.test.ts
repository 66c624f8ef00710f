import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/random.ts';
import { effectiveSampleSize, integratedTime } from '../../src/uq/autocorr.ts';

/** AR(1) x_t = φ x_{t−1} + ε_t started in its stationary distribution. */
function ar1(phi: number, n: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const x = new Float64Array(n);
  x[0] = rng.normal() / Math.sqrt(1 - phi * phi);
  for (let t = 1; t < n; t++) x[t] = phi * x[t - 1] + rng.normal();
  return x;
}

test('τ_int of AR(1) series matches the analytic (1+φ)/(1−φ) within 10%', () => {
  // relative sampling error of τ̂ ≈ √(2(2M+1)/n) with M ≈ 5τ: for φ = 0.9 (τ = 19), n = 2e5 gives ≈ 3%
  for (const [phi, seed] of [[0, 1], [0.5, 2], [0.8, 3], [0.9, 4]] as const) {
    const exact = (1 + phi) / (1 - phi);
    const r = integratedTime(ar1(phi, 200000, seed));
    const rel = Math.abs(r.tau - exact) / exact;
    assert.ok(rel < 0.1, `φ=${phi}: τ̂ ${r.tau.toFixed(3)} vs ${exact.toFixed(3)} (rel ${rel.toFixed(3)})`);
    assert.ok(r.reliable);
    assert.ok(r.window >= 5 * r.tau && r.window < 5 * r.tau + 2, `window ${r.window} vs 5τ ${5 * r.tau}`);
    assert.ok(Math.abs(r.ess - 200000 / r.tau) < 1e-6);
  }
});

test('several walkers average their autocorrelation; ESS counts every sample', () => {
  const phi = 0.8, exact = 9;
  const walkers = Array.from({ length: 20 }, (_, k) => ar1(phi, 10000, 100 + k));
  const r = integratedTime(walkers);
  assert.ok(Math.abs(r.tau - exact) / exact < 0.1, `τ̂ ${r.tau}`);
  assert.ok(Math.abs(effectiveSampleSize(walkers) - 200000 / r.tau) < 1e-6);
});

test('the variance of the mean of AR(1) blocks agrees with τ (independent oracle: batch means)', () => {
  const phi = 0.7, n = 400000;
  const x = ar1(phi, n, 9);
  const r = integratedTime(x);
  // batch means with batches ≫ τ: Var(batch mean)·b / Var(x) → τ
  const b = 2000, nb = n / b;
  let m = 0, v = 0;
  for (const xi of x) (m += xi, v += xi * xi);
  m /= n;
  v = v / n - m * m;
  let vb = 0;
  for (let k = 0; k < nb; k++) {
    let s = 0;
    for (let t = k * b; t < (k + 1) * b; t++) s += x[t];
    vb += (s / b - m) ** 2;
  }
  vb /= nb - 1;
  const tauBatch = (vb * b) / v;
  assert.ok(Math.abs(r.tau - tauBatch) / tauBatch < 0.15, `τ̂ ${r.tau} vs batch means ${tauBatch}`);
});

test('short series are flagged unreliable; constant series count each sample once', () => {
  const r = integratedTime(ar1(0.95, 500, 5));
  assert.equal(r.reliable, false);
  const c = integratedTime(new Float64Array(10).fill(3));
  assert.equal(c.tau, 1);
  assert.equal(c.reliable, false);
  assert.throws(() => integratedTime([1]), /at least 2/);
});
