import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/random.ts';
import { levenbergMarquardt } from '../../src/fit/lm.ts';
import { sumSquares } from '../../src/fit/problem.ts';
import { ensembleSampler, flatSamples, logPosterior, naturalTemperature } from '../../src/uq/mcmc.ts';
import { laplaceCovariance } from '../../src/uq/laplace.ts';
import { ensembleMoments, ensembleQuantile } from '../../src/uq/propagate.ts';
import { morseProblem, synthetic, TRUE_THETA } from './morse-fixture.ts';

function fitted(seed: number) {
  const problem = morseProblem(synthetic(createRng(seed)));
  const fit = levenbergMarquardt(problem, TRUE_THETA);
  assert.equal(fit.status, 'converged');
  return { problem, theta: fit.params };
}

function asEnsemble(res: ReturnType<typeof ensembleSampler>) {
  const s = flatSamples(res);
  return { names: ['D0', 'alpha'], n: s.n, P: 2, data: s.data };
}

test('MCMC posterior covariance of a two-parameter Morse matches the Laplace covariance within 10%', () => {
  const { problem, theta } = fitted(11);
  const lap = laplaceCovariance(problem, theta);
  const res = ensembleSampler(logPosterior(problem), theta, lap.std, { walkers: 32, steps: 3000, burn: 500, seed: 3 });
  assert.equal(res.status, 'converged', res.message);
  assert.ok(res.acceptance > 0.4 && res.acceptance < 0.9, `acceptance ${res.acceptance}`);
  const m = ensembleMoments(asEnsemble(res));
  // sampling error of a variance from ESS ≈ 80000/τ ≈ 3000 effective samples: ≈ √(2/ESS) ≈ 2.6%
  for (let p = 0; p < 2; p++) {
    const rel = Math.abs(m.cov[p * 3] - lap.cov[p * 3]) / lap.cov[p * 3];
    assert.ok(rel < 0.1, `variance of ${problem.paramNames[p]}: MCMC ${m.cov[p * 3]} vs Laplace ${lap.cov[p * 3]} (rel ${rel})`);
    assert.ok(Math.abs(m.mean[p] - theta[p]) < 0.1 * lap.std[p], `posterior mean ${m.mean[p]} vs optimum ${theta[p]}`);
  }
  const rM = m.cov[1] / (m.std[0] * m.std[1]), rL = lap.cov[1] / (lap.std[0] * lap.std[1]);
  assert.ok(Math.abs(rM - rL) < 0.05, `correlation MCMC ${rM} vs Laplace ${rL}`);
  let fro = 0, ref = 0;
  for (let k = 0; k < 4; k++) (fro += (m.cov[k] - lap.cov[k]) ** 2, ref += lap.cov[k] ** 2);
  assert.ok(Math.sqrt(fro / ref) < 0.1, `relative Frobenius difference ${Math.sqrt(fro / ref)}`);
});

test('temperature scales the posterior covariance by T; T0 = J(θ̂)/N_params', () => {
  const { problem, theta } = fitted(12);
  const T0 = naturalTemperature(problem, theta);
  assert.ok(Math.abs(T0 - sumSquares(problem.residuals(theta)) / 2) < 1e-12);
  const lap = laplaceCovariance(problem, theta, { temperature: 4 });
  const res = ensembleSampler(logPosterior(problem, { temperature: 4 }), theta, lap.std, { walkers: 32, steps: 2000, burn: 400, seed: 5 });
  const m = ensembleMoments(asEnsemble(res));
  for (let p = 0; p < 2; p++) assert.ok(Math.abs(m.std[p] / lap.std[p] - 1) < 0.07, `std ratio ${m.std[p] / lap.std[p]}`);
});

test('a Gaussian prior adds its precision to the Fisher information', () => {
  const { problem, theta } = fitted(13);
  const lap = laplaceCovariance(problem, theta);
  const sd = 0.5 * lap.std[0];
  // oracle: C = (F + diag(1/sd², 0))⁻¹ with F = C_Laplace⁻¹ (prior centred at θ̂ so the mode stays put)
  const det = lap.cov[0] * lap.cov[3] - lap.cov[1] * lap.cov[2];
  const F = [lap.cov[3] / det, -lap.cov[1] / det, -lap.cov[2] / det, lap.cov[0] / det];
  F[0] += 1 / sd ** 2;
  const d2 = F[0] * F[3] - F[1] * F[2];
  const expected = [F[3] / d2, F[0] / d2];
  const res = ensembleSampler(logPosterior(problem, { priors: { D0: { kind: 'normal', mean: theta[0], sd } } }), theta, lap.std, { walkers: 32, steps: 2000, burn: 400, seed: 6 });
  const m = ensembleMoments(asEnsemble(res));
  assert.ok(Math.abs(m.cov[0] / expected[0] - 1) < 0.1, `var D0 ${m.cov[0]} vs ${expected[0]}`);
  assert.ok(Math.abs(m.cov[3] / expected[1] - 1) < 0.1, `var alpha ${m.cov[3]} vs ${expected[1]}`);
});

test('bounds are a flat prior: no sample leaves them; unknown prior names are refused', () => {
  const { problem, theta } = fitted(14);
  const lap = laplaceCovariance(problem, theta);
  const cut = theta[1] + 0.2 * lap.std[1];
  const bounded = { ...problem, upper: Float64Array.of(10, cut) };
  const res = ensembleSampler(logPosterior(bounded), Float64Array.of(theta[0], theta[1] - lap.std[1]), lap.std, { walkers: 16, steps: 800, seed: 7 });
  const s = flatSamples(res);
  for (let i = 0; i < s.n; i++) assert.ok(s.data[i * 2 + 1] <= cut);
  assert.throws(() => logPosterior(problem, { priors: { r0: { kind: 'normal', mean: 1, sd: 1 } } }), /not a parameter/);
});

test('progress is reported, shouldStop interrupts, a start without finite log p is nonFinite; runs are seeded', () => {
  const { problem, theta } = fitted(15);
  const lap = laplaceCovariance(problem, theta);
  let calls = 0, steps = 0;
  const res = ensembleSampler(logPosterior(problem), theta, lap.std, {
    walkers: 8, steps: 1000, seed: 1, onProgress: () => void calls++, shouldStop: () => ++steps > 120,
  });
  assert.equal(res.status, 'interrupted');
  assert.equal(res.steps, 120);
  assert.equal(calls, 2);
  const again = ensembleSampler(logPosterior(problem), theta, lap.std, { walkers: 8, steps: 120, seed: 1 });
  assert.deepEqual(Array.from(again.chain), Array.from(res.chain));
  const bad = ensembleSampler(() => -Infinity, theta, lap.std, { steps: 10 });
  assert.equal(bad.status, 'nonFinite');
  assert.throws(() => ensembleSampler(logPosterior(problem), theta, lap.std, { walkers: 2, steps: 10 }), /2·P/);
});

test('coverage: nominal 68% intervals cover the truth 60–76% of the time over repeated synthetic sets', () => {
  // Laplace intervals θ̂ ± std over 400 sets: binomial sd √(0.683·0.317/400) = 2.3%, so 60–76% is a ±3.4 sd window.
  const nSets = 400;
  const hit = [0, 0];
  const rng = createRng(2024);
  for (let s = 0; s < nSets; s++) {
    const problem = morseProblem(synthetic(rng));
    const fit = levenbergMarquardt(problem, TRUE_THETA);
    const lap = laplaceCovariance(problem, fit.params);
    for (let p = 0; p < 2; p++) if (Math.abs(fit.params[p] - TRUE_THETA[p]) <= lap.std[p]) hit[p]++;
  }
  for (let p = 0; p < 2; p++) {
    const c = hit[p] / nSets;
    assert.ok(c >= 0.6 && c <= 0.76, `Laplace coverage of parameter ${p}: ${c}`);
  }
  // MCMC 16–84% percentile intervals over 60 sets: binomial sd 6.0%, window ±3 sd = 50–86%
  const mSets = 60;
  const mhit = [0, 0];
  for (let s = 0; s < mSets; s++) {
    const problem = morseProblem(synthetic(rng));
    const fit = levenbergMarquardt(problem, TRUE_THETA);
    const lap = laplaceCovariance(problem, fit.params);
    const res = ensembleSampler(logPosterior(problem), fit.params, lap.std, { walkers: 16, steps: 600, burn: 150, seed: 100 + s });
    const e = asEnsemble(res);
    for (let p = 0; p < 2; p++) if (ensembleQuantile(e, p, 0.1587) <= TRUE_THETA[p] && TRUE_THETA[p] <= ensembleQuantile(e, p, 0.8413)) mhit[p]++;
  }
  for (let p = 0; p < 2; p++) {
    const c = mhit[p] / mSets;
    assert.ok(c >= 0.5 && c <= 0.86, `MCMC coverage of parameter ${p}: ${c}`);
  }
  console.log(`# coverage: Laplace ${hit.map((h) => h / nSets).join(', ')} (400 sets); MCMC ${mhit.map((h) => h / mSets).join(', ')} (60 sets)`);
});
