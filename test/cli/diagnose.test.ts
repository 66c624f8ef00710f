import { test } from 'node:test';
import assert from 'node:assert/strict';
import { registerDiagnoseCommand } from '../../src/cli/diagnose.ts';
import { loadFitDir } from '../../src/uq/fit-dir.ts';
import { laplaceCovariance } from '../../src/uq/laplace.ts';
import { fitDirectory } from '../uq/fit-fixture.ts';
import { runCommand } from './cli-local.ts';

test('pesfit diagnose --json: the documented shape; std errors equal the Laplace standard errors', async () => {
  const { out } = fitDirectory({ seed: 8 });
  const r = await runCommand(registerDiagnoseCommand, ['diagnose', out, '--json']);
  assert.equal(r.error, undefined, String(r.error));
  const j = JSON.parse(r.out);
  for (const k of ['eigenvalues', 'condition_number', 'sloppiness', 'directions', 'std_errors', 'correlations']) assert.ok(k in j, k);
  assert.equal(j.eigenvalues.length, 4);
  for (let k = 1; k < 4; k++) assert.ok(j.eigenvalues[k] <= j.eigenvalues[k - 1]);
  assert.ok(Math.abs(j.condition_number - j.eigenvalues[0] / j.eigenvalues[3]) < 1e-9 * j.condition_number);
  for (const d of j.directions) {
    assert.ok(['null', 'sloppy', 'stiff'].includes(d.kind));
    const w = Object.values(d.components) as number[];
    assert.ok(w.length >= 1 && w.every((x) => Math.abs(x) <= 1 + 1e-12));
  }
  const fd = loadFitDir(out);
  const lap = laplaceCovariance(fd.problem, fd.theta);
  fd.problem.paramNames.forEach((n, p) => assert.ok(Math.abs(j.std_errors[n] / lap.std[p] - 1) < 1e-6, n));
  for (const c of j.correlations) assert.ok(Math.abs(c.r) > 0.9);
});

test('pesfit diagnose: text table of the spectrum, std errors, strong correlations; errors for a non-fit directory', async () => {
  const { out, dir } = fitDirectory({ seed: 9 });
  const r = await runCommand(registerDiagnoseCommand, ['diagnose', out]);
  assert.equal(r.error, undefined, String(r.error));
  assert.match(r.out, /condition number/);
  assert.match(r.out, /^#\s+eigenvalue\s+kind\s+direction/m);
  assert.match(r.out, /^1\s+\S+\s+stiff\s+/m);
  assert.match(r.out, /^D0:Cu-Cu\s+\S+\s+\S+/m);
  const bad = await runCommand(registerDiagnoseCommand, ['diagnose', dir]);
  assert.match(String(bad.error), /no config\.json/);
});
