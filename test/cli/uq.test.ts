import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerUqCommand, runUq } from '../../src/cli/uq.ts';
import { fitDirectory } from '../uq/fit-fixture.ts';
import { runCommand } from './cli-local.ts';

function csv(path: string): string[][] {
  return readFileSync(path, 'utf8').trim().split('\n').map((l) => l.split(','));
}

test('pesfit uq --method laplace|mcmc|bootstrap: files, shapes, and spreads that agree with Laplace', async () => {
  const { out } = fitDirectory({ seed: 10, nTrain: 4 });
  const lap = runUq(out, { method: 'laplace', samples: 800, steps: 0, seed: 2, temperature: 1 });
  const names = Object.keys(lap.std);
  assert.deepEqual(names, ['D0:Cu-Cu', 'alpha:Cu-Cu', 'r0:Cu-Cu', 'E0:Cu']);
  // 800 Gaussian draws: sample std within ≈ 4·2.5% of the exact Laplace std
  for (const n of names) assert.ok(Math.abs(lap.std[n] / lap.laplace_std[n] - 1) < 0.1, `laplace ${n}`);

  const r = await runCommand(registerUqCommand, ['uq', out, '--method', 'mcmc', '--walkers', '16', '--steps', '1000', '--burn', '200', '--samples', '300', '--seed', '3', '--json']);
  assert.equal(r.error, undefined, String(r.error));
  const s = JSON.parse(r.out);
  assert.equal(s.method, 'mcmc');
  assert.equal(s.n_samples, 300);
  assert.ok(s.acceptance > 0.2 && s.acceptance < 0.9, `acceptance ${s.acceptance}`);
  for (const n of names) {
    assert.ok(s.tau[n] > 1 && s.tau[n] < 100, `τ ${n} ${s.tau[n]}`);
    // 800 post-burn steps × 16 walkers / τ (≈ 30) ≈ 400 effective samples: std error ≈ √(1/(2·400)) = 3.5%; 20% allows
    // for that and for the residual shrinkage of a short chain started in a narrow ball
    assert.ok(Math.abs(s.std[n] / s.laplace_std[n] - 1) < 0.2, `mcmc std ${n}: ${s.std[n]} vs ${s.laplace_std[n]}`);
  }
  const uqDir = join(out, 'uq');
  assert.deepEqual(readdirSync(uqDir).sort(), ['ensemble.csv', 'predictions.csv', 'summary.json']);
  const ens = csv(join(uqDir, 'ensemble.csv'));
  assert.deepEqual(ens[0], names);
  assert.equal(ens.length, 301);
  const pred = csv(join(uqDir, 'predictions.csv'));
  assert.deepEqual(pred[0], ['set', 'file', 'frame', 'group', 'n_atoms', 'energy_per_atom_mean', 'energy_per_atom_std', 'force_std_rms']);
  assert.equal(pred.length, 5);
  for (const row of pred.slice(1)) {
    assert.ok(Number(row[6]) > 0 && Number(row[6]) < 0.01, `energy std ${row[6]}`);
    assert.ok(Number(row[7]) > 0 && Number(row[7]) < 0.02, `force std ${row[7]}`);
  }
  const summary = JSON.parse(readFileSync(join(uqDir, 'summary.json'), 'utf8'));
  assert.equal(summary.method, 'mcmc');
  assert.equal(summary.trajectory_correlation[0].group, 'bulk');

  // bootstrap over 4 configurations: a coarse check only (few configurations: the spread itself is uncertain)
  const b = runUq(out, { method: 'bootstrap', samples: 40, steps: 0, seed: 4, temperature: 1 });
  assert.equal(b.n_samples, 40);
  for (const n of names) assert.ok(b.std[n] > 0.3 * b.laplace_std[n] && b.std[n] < 3 * b.laplace_std[n], `bootstrap ${n}`);
});

test('pesfit uq --temperature T0 widens by √(T0); bad options are user errors', async () => {
  const { out } = fitDirectory({ seed: 11, nTrain: 4 });
  const one = runUq(out, { method: 'laplace', samples: 50, steps: 0, seed: 1, temperature: 1 });
  const t0 = runUq(out, { method: 'laplace', samples: 50, steps: 0, seed: 1, temperature: 'T0' });
  const n = 'D0:Cu-Cu';
  assert.ok(Math.abs(t0.laplace_std[n] / one.laplace_std[n] - Math.sqrt(t0.temperature)) < 1e-9);
  assert.ok(t0.temperature > 10, `T0 = J/P with ~390 rows and 4 parameters is ≈ 100, got ${t0.temperature}`);
  const r = await runCommand(registerUqCommand, ['uq', out, '--method', 'nuts']);
  assert.match(String(r.error), /--method must be one of/);
  const r2 = await runCommand(registerUqCommand, ['uq', out, '--samples', '0']);
  assert.match(String(r2.error), /positive integer/);
});
