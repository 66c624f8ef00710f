// objective.balance: cv (fit/cv-balance.ts): out-of-fold errors from the cached quadratic forms equal brute-force
// refits; the choice is invariant to the starting σ; per-group factors follow the groups' noise; σ folded from the
// choice reproduces the fit as a plain fixed-σ fit; config errors name the key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ConfigError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/random.ts';
import { loadConfig, loadData, resolveConfig } from '../../src/config/load.ts';
import { selectBalanceByCv } from '../../src/fit/cv-balance.ts';
import { assignFolds } from '../../src/fit/folds.ts';
import { solveLinear } from '../../src/fit/linear.ts';
import { accumulateNormalCache, classScales } from '../../src/fit/normal-equations.ts';
import { buildNeighborLists, buildRows, makeFitProblem, offsetDesign, ROW_ENERGY, ROW_FORCE, type ObjectiveSettings } from '../../src/fit/objective.ts';
import { runFit } from '../../src/fit/run.ts';
import { writeExtxyz } from '../../src/io/extxyz.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { compilePair, type PairSpec } from '../../src/potentials/pair.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';
import type { Configuration, Dataset } from '../../src/structure/types.ts';

const KNOTS = Array.from({ length: 9 }, (_, k) => 2.2 + (k * (4.6 - 2.2)) / 8);
const spline = (phi: (r: number) => number): PairSpec => ({
  kind: 'pair-spline', elements: ['Cu'], cutoff: 4.6, cutoff_function: 'none',
  pairs: { 'Cu-Cu': { knots: KNOTS, phi: KNOTS.map(phi) } },
} as PairSpec);
// the truth is a Morse φ plus a wiggle between the knots, so the spline model has a real model error
const morse = (r: number) => 0.34 * (Math.exp(-2 * 1.36 * (r - 2.87)) - 2 * Math.exp(-1.36 * (r - 2.87)));
const TRUTH = spline((r) => morse(r) + 0.01 * Math.sin(9 * r));
const NOISE: Record<string, { energy: number; force: number }> = { calm: { energy: 0.001, force: 0.01 }, hot: { energy: 0.004, force: 0.08 } };

function labelled(n: number, seed: number): Configuration[] {
  const rng = createRng(seed);
  const model = compilePair(TRUTH);
  const base = supercell(bulk('fcc', ['Cu'], 3.62), [2, 2, 2]);
  return Array.from({ length: n }, (_, i) => {
    const group = i % 2 ? 'hot' : 'calm';
    const s = rattle(randomStrain(base, 0.04, rng), group === 'hot' ? 0.15 : 0.05, rng);
    const r = evaluateStructure(model, s, { forces: true });
    const nz = NOISE[group];
    return {
      structure: s,
      labels: { energy: r.energy - 3.5 * s.species.length + nz.energy * s.species.length * rng.normal(), forces: r.forces!.map((f) => f + nz.force * rng.normal()) },
      group, weight: 1, source: { file: 'synthetic', frame: i }, info: {},
    };
  });
}

const SETTINGS: ObjectiveSettings = {
  sigma: { energy: 0.005, force: 0.1, stress: 0.005 }, groups: {}, termWeights: { energy: 1, force: 1, stress: 0 },
  balance: 'none', energyOffset: 'per-species', energyNormalization: 'atoms',
};

function cacheOf(ds: Dataset, settings: ObjectiveSettings, perGroup = false) {
  const model = compilePair(spline(() => 0));
  const lists = buildNeighborLists(ds, model.cutoff, model.neighborList === 'half');
  const folds = assignFolds(ds, { folds: 4 });
  const rows = buildRows(ds, settings);
  const cache = accumulateNormalCache(model, ds, lists, rows, offsetDesign(ds, settings.energyOffset), { configFolds: folds, perGroup });
  return { model, lists, folds, cache, scales: classScales(cache, rows.weight)! };
}

test('balance cv: out-of-fold RMSE per type from the cached quadratic forms equals brute-force refits', () => {
  const ds = { configs: labelled(24, 3) };
  const { model, lists, folds, cache, scales } = cacheOf(ds, SETTINGS);
  const res = selectBalanceByCv(cache, scales, { ridge: 'auto', smoothness: 0 });
  const b = res.best;
  assert.ok(res.tried.length >= 3, `searched ${res.tried.length} candidates`);
  // brute force: materialised fits of each fold's training set with the chosen multipliers and ridge
  const settings: ObjectiveSettings = { ...SETTINGS, termWeights: { energy: b.multipliers.energy, force: b.multipliers.force, stress: 0 } };
  const S = [0, 0], n = [0, 0];
  for (let f = 0; f < 4; f++) {
    const idx = ds.configs.map((_, i) => i).filter((i) => folds[i] !== f);
    const held = ds.configs.map((_, i) => i).filter((i) => folds[i] === f);
    const prob = makeFitProblem(model, { configs: idx.map((i) => ds.configs[i]) }, settings, idx.map((i) => lists[i]));
    const th = solveLinear(prob, { nModelParams: prob.nModelParams, ridge: b.ridge, smoothness: 0 }).params;
    const m = model.withParameters(th.subarray(0, prob.nModelParams));
    const e0 = th[prob.nModelParams];
    for (const i of held) {
      const c = ds.configs[i], N = c.structure.species.length;
      const r = m.evaluate(c.structure, lists[i], { forces: true });
      S[0] += ((r.energy + N * e0 - c.labels.energy!) / N) ** 2;
      n[0]++;
      r.forces!.forEach((v, k) => { S[1] += (v - c.labels.forces![k]) ** 2; n[1]++; });
    }
  }
  const rmseE = Math.sqrt(S[0] / n[0]), rmseF = Math.sqrt(S[1] / n[1]);
  assert.ok(Math.abs(rmseE - b.cvRmse.energy) <= 1e-6 * rmseE, `energy ${rmseE} vs ${b.cvRmse.energy}`);
  assert.ok(Math.abs(rmseF - b.cvRmse.force) <= 1e-6 * rmseF, `force ${rmseF} vs ${b.cvRmse.force}`);
  // the chosen candidate is the best of those tried
  for (const c of res.tried) assert.ok(c.score >= b.score - 1e-12);
});

test('balance cv: the choice does not depend on the starting σ (a 10x larger σ_E gives a 100x larger multiplier)', () => {
  const ds = { configs: labelled(20, 5) };
  const a = cacheOf(ds, SETTINGS);
  const ra = selectBalanceByCv(a.cache, a.scales, { ridge: 'auto', smoothness: 0 });
  const b = cacheOf(ds, { ...SETTINGS, sigma: { ...SETTINGS.sigma, energy: 0.05 } });
  const rb = selectBalanceByCv(b.cache, b.scales, { ridge: 'auto', smoothness: 0, multipliers: Array.from({ length: 15 }, (_, k) => 10 ** (-1 + k / 2)) });
  assert.ok(Math.abs(rb.best.multipliers.energy / ra.best.multipliers.energy - 100) < 1e-9, `${ra.best.multipliers.energy} vs ${rb.best.multipliers.energy}`);
  assert.ok(Math.abs(rb.best.cvRmse.energy - ra.best.cvRmse.energy) <= 1e-7 * ra.best.cvRmse.energy);
  assert.ok(Math.abs(rb.best.cvRmse.force - ra.best.cvRmse.force) <= 1e-7 * ra.best.cvRmse.force);
});

test('balance cv per group: the noisier group gets the smaller weight factor, near the ratio of its noise', () => {
  const ds = { configs: labelled(32, 11) };
  const { cache, scales } = cacheOf(ds, SETTINGS, true);
  const res = selectBalanceByCv(cache, scales, { ridge: 'auto', smoothness: 0, perGroup: true });
  const g = res.groupFactors!;
  const ratioF = g.calm.force / g.hot.force; // expected about (0.08 / 0.01)² = 64, model error aside
  assert.ok(ratioF > 10 && ratioF < 100, `force factor ratio calm/hot ${ratioF}`);
  assert.ok(g.calm.energy > g.hot.energy, `energy factors ${g.calm.energy} ${g.hot.energy}`);
  const total = cache.classes.reduce((s, c) => s + (c.kind === ROW_FORCE ? c.ne.n : 0), 0);
  assert.ok(total > 0 && cache.classes.some((c) => c.kind === ROW_ENERGY));
});

function writeSetup(extra: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-cvbal-'));
  writeExtxyz(join(dir, 'train.xyz'), labelled(24, 9));
  const model = { kind: 'pair-spline', elements: ['Cu'], cutoff: 4.6, cutoff_function: 'none', params: { knots: KNOTS } };
  writeFileSync(join(dir, 'fit.yaml'), stringify({ data: { train: ['train.xyz'] }, model, output: { dir: 'out' }, ...extra }));
  return join(dir, 'fit.yaml');
}

for (const standardize of [false, true]) test(`balance cv in runFit (standardize ${standardize}): σ folded from the choice reproduces the fit as a plain fixed-σ fit`, () => {
  const obj = { sigma: 'auto', balance: 'cv', energy_normalization: 'atoms', sigma_per_group: true, weights: { stress: 0 } };
  const path = writeSetup({ objective: obj, regularization: { ridge: 'auto', standardize }, validation: { cv: { folds: 4 } } });
  const cfg = loadConfig(path);
  const run = runFit(cfg, loadData(cfg));
  assert.ok(run.balanceCv && run.balanceCv.candidates > 3);
  assert.equal(run.status, 'converged');
  assert.equal(run.regularization.standardized, standardize);
  // the same weights as fixed σ per group, and the reported ridge: the same parameters
  const groups = Object.fromEntries(Object.entries(run.sigma.groups!).map(([g, s]) => [g, { sigma: { energy: s.energy, force: s.force } }]));
  const fixed = writeSetup({
    objective: { sigma: run.sigma.value, balance: 'none', energy_normalization: 'atoms', groups, weights: { stress: 0 } },
    regularization: { ridge: run.regularization.ridge, standardize: run.regularization.standardized },
  });
  const cfg2 = loadConfig(fixed);
  const run2 = runFit(cfg2, loadData(cfg2));
  let d = 0, m = 0;
  run.params.forEach((v, p) => { d = Math.max(d, Math.abs(v - run2.params[p])); m = Math.max(m, Math.abs(v)); });
  assert.ok(d <= 1e-8 * m, `parameters differ by ${d} (max |θ| ${m})`);
});

test('balance cv with standardize auto: the ridge metric with the better cv score is chosen, and reported', () => {
  const ds = { configs: labelled(24, 13) };
  const { cache, scales } = cacheOf(ds, SETTINGS);
  // a metric that penalises the knots very unevenly competes with the plain ridge
  const uneven = Float64Array.from({ length: cache.nModelParams }, (_, p) => 10 ** (p % 3));
  const res = selectBalanceByCv(cache, scales, { ridge: 'auto', smoothness: 0, ridgeWeightChoices: [undefined, uneven] });
  assert.equal(res.metricScores!.length, 2);
  const [plain, std] = res.metricScores!;
  assert.ok(Math.abs(res.best.score - Math.min(plain, std)) <= 1e-12 * Math.abs(res.best.score) + 1e-15);
  assert.equal(res.ridgeWeights, plain <= std ? undefined : uneven);
  // the same as a single search with the winning metric
  const single = selectBalanceByCv(cache, scales, { ridge: 'auto', smoothness: 0, ridgeWeights: res.ridgeWeights });
  assert.equal(single.best.score, res.best.score);
  assert.equal(single.best.ridge, res.best.ridge);
});

test('regularization.standardize true needs the linear solver (ConfigError names the key)', () => {
  const path = writeSetup({ regularization: { ridge: 1e-6, standardize: true }, solver: { method: 'lm', max_iterations: 3 } });
  const cfg = loadConfig(path);
  assert.throws(() => runFit(cfg, loadData(cfg)), (e: unknown) => e instanceof ConfigError && /regularization\.standardize/.test(e.message));
});

test('balance cv: config errors name objective.balance', () => {
  assert.throws(() => resolveConfig({ data: { train: ['x.xyz'] }, model: { kind: 'lj', elements: ['Ar'], params: {} }, objective: { balance: 'cv' } }, 'fit.yaml'),
    (e: unknown) => e instanceof ConfigError && /objective\.balance/.test(e.message) && /validation\.cv/.test(e.message));
  const path = writeSetup({ objective: { balance: 'cv' }, solver: { method: 'lm' }, validation: { cv: { folds: 3 } } });
  const cfg = loadConfig(path);
  assert.throws(() => runFit(cfg, loadData(cfg)), (e: unknown) => e instanceof ConfigError && /objective\.balance/.test(e.message));
});
