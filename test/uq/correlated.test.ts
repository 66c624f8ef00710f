import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../src/core/random.ts';
import type { Configuration } from '../../src/structure/types.ts';
import { downWeights, groupCorrelations, trajectoryOrder } from '../../src/uq/correlated.ts';

function cfg(group: string, frame: number, file = 'md.xyz'): Configuration {
  return {
    structure: { species: Int32Array.of(29), positions: new Float64Array(3), cell: new Float64Array(9), pbc: [false, false, false] },
    labels: {}, group, weight: 1, source: { file, frame }, info: {},
  } as Configuration;
}

test('τ of an AR(1) residual series along a shuffled trajectory group, ESS, the 1/τ down-weighting rule', () => {
  const rng = createRng(3);
  const phi = 0.6, n = 20000, exact = (1 + phi) / (1 - phi);
  const series = new Float64Array(n);
  series[0] = rng.normal() / Math.sqrt(1 - phi * phi);
  for (let t = 1; t < n; t++) series[t] = phi * series[t - 1] + rng.normal();
  // configurations stored out of order, plus an independent group
  const perm = rng.permutation(n);
  const configs: Configuration[] = [], resid: number[] = [];
  for (const t of perm) (configs.push(cfg('md', t)), resid.push(series[t]));
  for (let t = 0; t < 500; t++) (configs.push(cfg('bulk', t, 'bulk.xyz')), resid.push(rng.normal()));
  const corr = groupCorrelations(configs, resid);
  const md = corr.find((g) => g.group === 'md')!;
  assert.ok(Math.abs(md.tau - exact) / exact < 0.1, `τ ${md.tau} vs ${exact}`);
  assert.ok(Math.abs(md.ess - n / md.tau) < 1e-6);
  assert.deepEqual(md.members.slice(0, 3).map((i) => configs[i].source.frame), [0, 1, 2]);
  const bulk = corr.find((g) => g.group === 'bulk')!;
  assert.ok(bulk.tau < 1.3, `independent group τ ${bulk.tau}`);
  const w = downWeights(configs, corr);
  let sum = 0;
  configs.forEach((c, i) => c.group === 'md' && (sum += w[i]));
  assert.ok(Math.abs(sum - md.ess) < 1e-6 * md.ess, 'summed weight of the group = ESS');
});

test('trajectory order sorts by file then frame; short groups keep weight 1', () => {
  const configs = [cfg('a', 2, 'y'), cfg('a', 1, 'y'), cfg('a', 5, 'x')];
  assert.deepEqual(trajectoryOrder(configs).get('a'), [2, 1, 0]);
  const corr = groupCorrelations(configs, [0.1, NaN, 0.3]);
  assert.equal(corr[0].weight, 1);
  assert.equal(corr[0].n, 2);
  assert.throws(() => groupCorrelations(configs, [1]), /3 configurations/);
});
