import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/random.ts';
import { levenbergMarquardt } from '../../src/fit/lm.ts';
import { sumSquares } from '../../src/fit/problem.ts';
import { bootstrap, resampleCounts, weightedProblem } from '../../src/uq/bootstrap.ts';
import { laplaceCovariance } from '../../src/uq/laplace.ts';
import { ensembleMoments } from '../../src/uq/propagate.ts';
import { grid, GRID, morseProblem, SIGMA, synthetic, TRUE_THETA } from './morse-fixture.ts';

test('bootstrap covariance of the two-parameter Morse matches Laplace within 20%', () => {
  // The bootstrap estimates the sandwich covariance from the empirical residuals, so it is compared with the Laplace
  // covariance at the noise level those residuals show, σ̂² = σ² J(θ̂)/(N − P). A design whose repulsive wall holds
  // a few dominant high-leverage points makes the sandwich itself noisy (±50% on the 60-point grid from 2.4 Å):
  // 400 points from 2.75 Å keep leverage spread out. 400 replicates: sampling error of a variance ≈ √(2/400) = 7%.
  const G = grid(400, 2.75);
  const problem = morseProblem(synthetic(createRng(21), SIGMA, G), SIGMA, G);
  const fit = levenbergMarquardt(problem, TRUE_THETA);
  const lap = laplaceCovariance(problem, fit.params, { temperature: sumSquares(problem.residuals(fit.params)) / (G.length - 2) });
  const res = bootstrap(problem, fit.params, Int32Array.from(G, (_, i) => i), G.length, { replicates: 400, seed: 4 });
  assert.equal(res.failed, 0);
  assert.equal(res.ensemble.n, 400);
  const m = ensembleMoments(res.ensemble);
  for (let p = 0; p < 2; p++) {
    const rel = Math.abs(m.cov[p * 3] - lap.cov[p * 3]) / lap.cov[p * 3];
    console.log(`# bootstrap/Laplace variance ratio of ${problem.paramNames[p]}: ${(m.cov[p * 3] / lap.cov[p * 3]).toFixed(3)}`);
    assert.ok(rel < 0.2, `variance ${p}: bootstrap ${m.cov[p * 3]} vs Laplace ${lap.cov[p * 3]} (rel ${rel.toFixed(3)})`);
  }
  const rB = m.cov[1] / (m.std[0] * m.std[1]), rL = lap.cov[1] / (lap.std[0] * lap.std[1]);
  assert.ok(Math.abs(rB - rL) < 0.1, `correlation ${rB} vs ${rL}`);
});

test('multiplicity weighting equals the loss of the explicitly resampled data', () => {
  const y = synthetic(createRng(22));
  const problem = morseProblem(y);
  const rng = createRng(5);
  const counts = resampleCounts(rng, GRID.length);
  assert.equal(counts.reduce((a, b) => a + b, 0), GRID.length);
  const theta = Float64Array.of(0.48, 1.43);
  const w = sumSquares(weightedProblem(problem, Int32Array.from(GRID, (_, i) => i), counts).residuals(theta));
  let explicit = 0;
  const r = problem.residuals(theta);
  counts.forEach((c, i) => {
    for (let k = 0; k < c; k++) explicit += r[i] ** 2;
  });
  assert.ok(Math.abs(w - explicit) < 1e-9 * explicit);
});

test('block resampling draws contiguous blocks within a group and keeps every group size', () => {
  const rng = createRng(6);
  const members = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  for (let rep = 0; rep < 50; rep++) {
    const c = resampleCounts(rng, 15, [{ members, blockLength: 4 }]);
    assert.equal(members.reduce((a, m) => a + c[m], 0), 10);
    assert.equal([0, 1, 2, 13, 14].reduce((a, m) => a + c[m], 0), 5);
    // a block of 4 starting at s covers s..s+3: the drawn members form runs of length ≥ min(4, remainder)
    const drawn = members.map((m) => c[m] > 0);
    let run = 0, runs: number[] = [];
    for (const d of drawn) if (d) run++; else if (run) (runs.push(run), run = 0);
    if (run) runs.push(run);
    assert.ok(runs.filter((x) => x < 2).length <= 1, `runs ${runs}`);
  }
  assert.throws(() => resampleCounts(rng, 5, [{ members: [1, 2], blockLength: 1 }, { members: [2, 3], blockLength: 1 }]), /two block groups/);
});

test('bootstrap is seeded and can be stopped', () => {
  const problem = morseProblem(synthetic(createRng(23)));
  const fit = levenbergMarquardt(problem, TRUE_THETA);
  const rc = Int32Array.from(GRID, (_, i) => i);
  const a = bootstrap(problem, fit.params, rc, GRID.length, { replicates: 5, seed: 9 });
  const b = bootstrap(problem, fit.params, rc, GRID.length, { replicates: 5, seed: 9 });
  assert.deepEqual(Array.from(a.ensemble.data), Array.from(b.ensemble.data));
  let n = 0;
  const c = bootstrap(problem, fit.params, rc, GRID.length, { replicates: 50, seed: 9, shouldStop: () => ++n > 3 });
  assert.equal(c.interrupted, true);
  assert.equal(c.ensemble.n, 3);
});
