import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadFitDir } from '../../src/uq/fit-dir.ts';
import { laplaceCovariance } from '../../src/uq/laplace.ts';
import { fitDirectory } from './fit-fixture.ts';

test('a fit output directory reads back: config.json, fitted θ, σ, the calibrated objective at its optimum', () => {
  const { out, summary } = fitDirectory();
  assert.equal(summary.status, 'converged');
  const cj = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.equal(cj.format, 'pesfit-config');
  assert.ok(cj.config.data.train[0].path.startsWith('/'), 'absolute data path');
  const fd = loadFitDir(out);
  assert.deepEqual(fd.problem.paramNames, ['D0:Cu-Cu', 'alpha:Cu-Cu', 'r0:Cu-Cu', 'E0:Cu']);
  assert.equal(fd.train.length, 8);
  assert.deepEqual(fd.sigma, { energy: 0.002, force: 0.02, stress: 0.001 });
  const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  assert.equal(fd.theta[0], model.parameters['D0:Cu-Cu']);
  assert.equal(fd.theta[3], model.energy_offsets['E0:Cu']);
  // the fit used balance 'none' at the same σ, so θ̂ is a stationary point of the rebuilt objective: Jᵀr ≈ 0
  const { r, J } = fd.problem.residualsAndJacobian(fd.theta);
  const lap = laplaceCovariance(fd.problem, fd.theta);
  for (let p = 0; p < 4; p++) {
    let g = 0;
    for (let k = 0; k < r.length; k++) g += J[k * 4 + p] * r[k];
    // gradient in units of the parameter's std error: a step of g·std moves J by ≪ 1
    assert.ok(Math.abs(g * lap.std[p]) < 1e-3, `gradient ${p}: ${g}`);
  }
  // calibrated: J(θ̂)/(N − P) ≈ 1 at the injected σ (N = 8·(1 + 96) rows; sd of the ratio ≈ √(2/N) = 5%)
  const ratio = r.reduce((a, x) => a + x * x, 0) / (r.length - 4);
  assert.ok(Math.abs(ratio - 1) < 0.2, `J/(N−P) = ${ratio}`);
  const f = fd.fisher();
  assert.ok(f.directions.every((d) => d.kind !== 'null'));
  for (let p = 0; p < 4; p++) assert.ok(Math.abs(f.std_errors[fd.problem.paramNames[p]]! / lap.std[p] - 1) < 1e-6);
});

test('a random validation split is recovered from residuals.csv; a directory without config.json asks for a refit', () => {
  const { out } = fitDirectory({ nTrain: 10, extra: { validation: { split: 0.3, seed: 5 } } });
  const fd = loadFitDir(out);
  assert.equal(fd.train.length, 7);
  assert.equal(fd.test.length, 3);
  const csv = readFileSync(join(out, 'residuals.csv'), 'utf8').trim().split('\n').slice(1);
  const trainFrames = csv.filter((l) => l.startsWith('train,')).map((l) => Number(l.split(',')[2])).sort((a, b) => a - b);
  assert.deepEqual(fd.train.map((c) => c.source.frame).sort((a, b) => a - b), trainFrames);
  rmSync(join(out, 'config.json'));
  assert.throws(() => loadFitDir(out), /no config\.json.*refit/);
  assert.ok(!existsSync(join(out, 'config.json')));
});
