import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createRng } from '../../src/core/random.ts';
import { loadConfig, loadData } from '../../src/config/load.ts';
import { runFit } from '../../src/fit/run.ts';
import { writeOutputs, METRICS_KEYS } from '../../src/fit/outputs.ts';
import { readModelJson } from '../../src/io/model-json.ts';
import { writeExtxyz } from '../../src/io/extxyz.ts';
import { compilePair, type PairSpec } from '../../src/potentials/pair.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { bulk, rattle, randomStrain, supercell } from '../../src/structure/builders.ts';
import type { Configuration } from '../../src/structure/types.ts';

/** Oracle: a known Morse model with per-species offsets labels rattled, strained fcc Cu cells. */
const TRUTH: PairSpec = { kind: 'morse', elements: ['Cu'], cutoff: 5.0, cutoff_function: 'shift', pairs: { 'Cu-Cu': { D0: 0.34, alpha: 1.36, r0: 2.87 } } };
const E0_CU = -3.7;

/** The same truth as a pair spline on the knots the spline test fits (exactly representable there). */
const SPLINE_KNOTS = Array.from({ length: 13 }, (_, k) => 2.0 + 0.25 * k);
const TRUTH_SPLINE: PairSpec = {
  kind: 'pair-spline', elements: ['Cu'], cutoff: 5.0, cutoff_function: 'shifted-force',
  pairs: { 'Cu-Cu': { knots: SPLINE_KNOTS, phi: SPLINE_KNOTS.map((r) => 0.34 * (Math.exp(-2 * 1.36 * (r - 2.87)) - 2 * Math.exp(-1.36 * (r - 2.87)))) } },
};

function labelled(n: number, seed: number, noise = { energy: 0, force: 0, stress: 0 }, truth = TRUTH): Configuration[] {
  const rng = createRng(seed);
  const model = compilePair(truth);
  const base = supercell(bulk('fcc', ['Cu'], 3.61), [2, 2, 2]);
  return Array.from({ length: n }, (_, i) => {
    const s = rattle(randomStrain(base, 0.03, rng), 0.08, rng);
    const r = evaluateStructure(model, s, { forces: true, virial: true });
    const nat = s.species.length;
    return {
      structure: s,
      labels: {
        energy: r.energy + nat * E0_CU + noise.energy * Math.sqrt(nat) * rng.normal(),
        forces: r.forces!.map((f) => f + noise.force * rng.normal()),
        stress: r.stress!.map((v) => v + noise.stress * rng.normal()),
      },
      group: i % 3 === 0 ? 'strained' : 'rattled',
      weight: 1,
      source: { file: 'synthetic', frame: i },
      info: {},
    };
  });
}

function setup(model: unknown, extra: Record<string, unknown> = {}, noise?: { energy: number; force: number; stress: number }, truth = TRUTH): string {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-run-'));
  writeExtxyz(join(dir, 'train.xyz'), labelled(12, 1, noise, truth));
  writeExtxyz(join(dir, 'test.xyz'), labelled(4, 2, noise, truth));
  const cfg = { data: { train: ['train.xyz'], test: ['test.xyz'] }, model, output: { dir: 'out' }, ...extra };
  writeFileSync(join(dir, 'fit.yaml'), stringify(cfg));
  return join(dir, 'fit.yaml');
}

test('LM recovers the Morse parameters and the per-species offset that labelled the data', () => {
  const path = setup(
    { kind: 'morse', elements: ['Cu'], cutoff: 5.0, cutoff_function: 'shift', params: { D0: 0.25, alpha: 1.6, r0: 2.7 } },
    { objective: { sigma: { energy: 0.001, force: 0.01, stress: 0.001 } }, validation: { cv: { folds: 3 } } },
  );
  const cfg = loadConfig(path);
  const run = runFit(cfg, loadData(cfg));
  assert.equal(run.method, 'lm');
  assert.equal(run.status, 'converged', run.message);
  const p = run.model.parameters;
  assert.ok(Math.abs(p[0] - 0.34) < 1e-7 && Math.abs(p[1] - 1.36) < 1e-7 && Math.abs(p[2] - 2.87) < 1e-7, `params ${[...p]}`);
  assert.ok(Math.abs(run.offsets['E0:Cu'] - E0_CU) < 1e-7, `offset ${run.offsets['E0:Cu']}`);
  for (const m of [run.metrics.train, run.metrics.test!, run.metrics.cv!]) {
    assert.ok(m.force_rmse! < 1e-6 && m.energy_rmse_per_atom! < 1e-6 && m.stress_rmse! < 1e-7, JSON.stringify(m));
  }
  assert.equal(run.metrics.cv!.n_configs, 12);
  assert.deepEqual(Object.keys(run.metrics.by_group.train), ['rattled', 'strained']);
});

test('sigma auto on a linear pair-spline fit recovers the injected noise levels', () => {
  const noise = { energy: 0.002, force: 0.02, stress: 0.001 };
  const path = setup(
    { kind: 'pair-spline', elements: ['Cu'], cutoff: 5.0, params: { knots: { start: 2.0, count: 13 } } },
    { objective: { sigma: 'auto' }, regularization: { smoothness: 'auto' } },
    noise,
    TRUTH_SPLINE,
  );
  const cfg = loadConfig(path);
  const run = runFit(cfg, loadData(cfg));
  assert.equal(run.method, 'linear');
  assert.equal(run.status, 'converged');
  assert.ok(run.sigma.selfConsistent, `rounds ${run.sigma.rounds.length}`);
  // 12 configs x 32 atoms x 3 = 1152 force rows: the estimate is within a few % of the truth
  assert.ok(Math.abs(run.sigma.value.force / noise.force - 1) < 0.08, `force sigma ${run.sigma.value.force}`);
  // stress: 72 rows; energy: 12 rows, so the estimates are rougher
  assert.ok(Math.abs(run.sigma.value.stress / noise.stress - 1) < 0.35, `stress sigma ${run.sigma.value.stress}`);
  assert.ok(run.sigma.value.energy > 0.2 * noise.energy && run.sigma.value.energy < 3 * noise.energy, `energy sigma ${run.sigma.value.energy}`);
  assert.ok(run.metrics.test!.force_rmse! < 1.5 * noise.force, `test force rmse ${run.metrics.test!.force_rmse}`);
});

test('outputs: files exist, metrics.json has exactly the documented keys, model.json reproduces the predictions', () => {
  const path = setup(
    { kind: 'morse', elements: ['Cu'], cutoff: 5.0, cutoff_function: 'shift', params: { D0: 0.3, alpha: 1.4, r0: 2.8 } },
    { objective: { sigma: { energy: 0.001, force: 0.01, stress: 0.001 } } },
  );
  const cfg = loadConfig(path);
  const run = runFit(cfg, loadData(cfg));
  writeOutputs(cfg.output.dir, run);
  const files = readdirSync(cfg.output.dir).sort();
  assert.deepEqual(files, ['fit-log.json', 'metrics.json', 'model.json', 'residuals.csv']);
  const metrics = JSON.parse(readFileSync(join(cfg.output.dir, 'metrics.json'), 'utf8'));
  assert.deepEqual(Object.keys(metrics), [...METRICS_KEYS]);
  const M = ['n_configs', 'n_atoms', 'energy_mae_per_atom', 'energy_rmse_per_atom', 'force_mae', 'force_rmse', 'stress_mae', 'stress_rmse'];
  for (const m of [metrics.train, metrics.test, metrics.by_group.train.rattled, metrics.by_group.test.strained]) assert.deepEqual(Object.keys(m), M);
  assert.equal(metrics.cv, null);
  assert.deepEqual(Object.keys(metrics.by_group), ['train', 'test']);
  const csv = readFileSync(join(cfg.output.dir, 'residuals.csv'), 'utf8').trim().split('\n');
  assert.equal(csv.length, 1 + 12 + 4);
  const back = readModelJson(join(cfg.output.dir, 'model.json'));
  assert.deepEqual([...back.model.parameters], [...run.model.parameters]);
  assert.deepEqual(back.energyOffsets, run.offsets);
});

test('an interrupted run returns status interrupted with the best parameters so far', () => {
  const path = setup(
    { kind: 'morse', elements: ['Cu'], cutoff: 5.0, cutoff_function: 'shift', params: { D0: 0.28, alpha: 1.5, r0: 2.78 } },
    { objective: { sigma: { energy: 0.001, force: 0.01, stress: 0.001 } } },
  );
  const cfg = loadConfig(path);
  let iterations = 0;
  const run = runFit(cfg, loadData(cfg), { onIteration: () => iterations++, shouldStop: () => iterations > 3 });
  assert.equal(run.status, 'interrupted');
  const losses = run.history.map((h) => h.loss);
  assert.equal(losses.length, 4);
  assert.equal(losses[3], Math.min(...losses));
  // the returned parameters are those of the last (best) accepted iterate, not a rejected trial
  assert.ok(Math.abs(run.params[0] - 0.34) > 1e-6, 'stopped before convergence');
  const again = runFit(cfg, loadData(cfg), { start: Object.fromEntries(run.paramNames.map((n, p) => [n, run.params[p]])) });
  assert.equal(again.status, 'converged', `${again.message} ${[...again.params]} ${again.history.slice(-3).map((h) => h.loss)}`);
  assert.ok(Math.abs(again.model.parameters[0] - 0.34) < 1e-7, 'resumed run converges to the truth');
});
