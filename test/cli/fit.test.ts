import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createRng } from '../../src/core/random.ts';
import { writeExtxyz } from '../../src/io/extxyz.ts';
import { compilePair, type PairSpec } from '../../src/potentials/pair.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { bulk, rattle, randomStrain, supercell } from '../../src/structure/builders.ts';
import { ROOT } from '../helpers/external.ts';

const BIN = join(ROOT, 'bin', 'pesfit.mjs');
const TRUTH: PairSpec = { kind: 'morse', elements: ['Cu'], cutoff: 5.0, cutoff_function: 'shift', pairs: { 'Cu-Cu': { D0: 0.34, alpha: 1.36, r0: 2.87 } } };

/** A directory with Morse-labelled fcc Cu data (train.xyz, test.xyz) and fit.yaml built from `cfg`. */
function project(cfg: Record<string, unknown>, nTrain = 8): string {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-cli-'));
  const rng = createRng(7);
  const model = compilePair(TRUTH);
  const base = supercell(bulk('fcc', ['Cu'], 3.61), [2, 2, 2]);
  const make = (n: number) => Array.from({ length: n }, (_, i) => {
    const s = rattle(randomStrain(base, 0.03, rng), 0.08, rng);
    const r = evaluateStructure(model, s, { forces: true, virial: true });
    return { structure: s, labels: { energy: r.energy - 3.7 * 32, forces: r.forces!, stress: r.stress! }, group: 'bulk', weight: 1, source: { file: 'synthetic', frame: i }, info: {} };
  });
  writeExtxyz(join(dir, 'train.xyz'), make(nTrain));
  writeExtxyz(join(dir, 'test.xyz'), make(3));
  writeFileSync(join(dir, 'fit.yaml'), stringify({ data: { train: ['train.xyz'], test: ['test.xyz'] }, output: { dir: 'out' }, ...cfg }));
  return dir;
}

const MORSE = { kind: 'morse', elements: ['Cu'], cutoff: 5.0, cutoff_function: 'shift', params: { D0: 0.3, alpha: 1.45, r0: 2.8 } };
const FIXED_SIGMA = { sigma: { energy: 0.001, force: 0.01, stress: 0.001 } };

function pesfit(args: string[], cwd: string) {
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60000 });
}

function noTempFiles(dir: string): void {
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('.') || f.endsWith('.tmp')), []);
}

test('pesfit fit: exit 0, the output files, a table by set and group, the solver status', () => {
  const dir = project({ model: MORSE, objective: FIXED_SIGMA, validation: { cv: { folds: 2 } } });
  const r = pesfit(['fit', 'fit.yaml'], dir);
  assert.equal(r.status, 0, r.stderr);
  const out = join(dir, 'out');
  assert.deepEqual(readdirSync(out).sort(), ['config.json', 'fit-log.json', 'lammps.in', 'metrics.json', 'model.json', 'report.html', 'residuals.csv']);
  noTempFiles(out);
  assert.match(r.stdout, /^train\s+8\s/m);
  assert.match(r.stdout, /^test\s+3\s/m);
  assert.match(r.stdout, /^cv\s+8\s/m);
  assert.match(r.stdout, /solver lm: converged/);
  assert.match(readFileSync(join(out, 'lammps.in'), 'utf8'), /^pair_style morse 5\n/m);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  assert.ok(metrics.test.force_rmse < 1e-6, `test force rmse ${metrics.test.force_rmse}`);
  const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  assert.ok(Math.abs(model.parameters['D0:Cu-Cu'] - 0.34) < 1e-7);
});

test('pesfit fit: a config error exits 1 naming the key path and the file, writing nothing', () => {
  const dir = project({ model: MORSE, objective: { sigmaa: 'auto' } });
  const r = pesfit(['fit', 'fit.yaml'], dir);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /fit\.yaml: objective\.sigmaa: unknown key/);
  assert.equal(existsSync(join(dir, 'out')), false);
  const bad = project({ model: { ...MORSE, elements: ['Ni'] } });
  const r2 = pesfit(['fit', 'fit.yaml'], bad);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, /model\.elements: .*contains Cu/);
  assert.equal(existsSync(join(bad, 'out')), false);
});

test('pesfit fit: Ctrl-C stops the solver, writes the best parameters so far, exits 1; --resume continues', async () => {
  // L-BFGS on 48 configurations runs for many seconds, so the interrupt lands mid-fit
  const dir = project({ model: { ...MORSE, params: { D0: 0.28, alpha: 1.5, r0: 2.78 } }, objective: FIXED_SIGMA, solver: { method: 'lbfgs', max_iterations: 100000 } }, 48);
  const child = spawn(process.execPath, [BIN, 'fit', 'fit.yaml'], { cwd: dir });
  let stderr = '';
  const exit = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  child.stderr.on('data', (b: Buffer) => {
    const before = stderr;
    stderr += b.toString();
    // the worker announces the fit once the data are loaded; interrupt a moment later
    if (!before.includes('pesfit: fitting') && stderr.includes('pesfit: fitting')) setTimeout(() => child.kill('SIGINT'), 700);
  });
  const code = await exit;
  assert.equal(code, 1, stderr);
  assert.match(stderr, /interrupted: the best parameters so far are in/);
  const out = join(dir, 'out');
  noTempFiles(out);
  const model = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  assert.equal(model.provenance.status, 'interrupted');
  const log = JSON.parse(readFileSync(join(out, 'fit-log.json'), 'utf8'));
  assert.equal(log.solver.status, 'interrupted');
  const losses: number[] = log.loss_history.map((h: { loss: number }) => h.loss);
  assert.equal(losses.at(-1), Math.min(...losses));
  // resume with LM from the written parameters
  writeFileSync(join(dir, 'fit.yaml'), readFileSync(join(dir, 'fit.yaml'), 'utf8').replace(/method: lbfgs/, 'method: lm').replace(/max_iterations: 100000/, 'max_iterations: 200'));
  const r = pesfit(['fit', 'fit.yaml', '--resume', 'out', '--out', 'out2'], dir);
  assert.equal(r.status, 0, r.stderr);
  const resumed = JSON.parse(readFileSync(join(dir, 'out2', 'model.json'), 'utf8'));
  assert.ok(Math.abs(resumed.parameters['D0:Cu-Cu'] - 0.34) < 1e-7);
});
