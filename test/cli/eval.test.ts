import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { readExtxyz } from '../../src/io/extxyz.ts';
import { hasShared, LAMMPS_POTENTIALS, ROOT, sharedPath, skipUnless } from '../helpers/external.ts';

const SW = join(LAMMPS_POTENTIALS, 'Si.sw');
const REF = ['reference', 'lammps', 'lammps_si_tersoff_sw.extxyz'];
const CU_REF = ['reference', 'lammps', 'lammps_cu_eam.extxyz'];
const ready = existsSync(SW) && hasShared(...REF) && hasShared(...CU_REF);

/** Runs the CLI in-process, capturing what it prints. */
const run = runCli;

/** The SW frame of the reference file (LAMMPS `pair_style sw` with Si.sw), written alone to `dir`. */
function swFrame(dir: string): string {
  const frames = readFileSync(sharedPath(...REF), 'utf8').split(/(?=^64\n)/m);
  const sw = frames.find((f) => f.includes('potential=Si.sw'));
  assert.ok(sw, 'the reference file has an Si.sw frame');
  const path = join(dir, 'si_sw.extxyz');
  writeFileSync(path, sw);
  return path;
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

test('pesfit eval with Si.sw reproduces the LAMMPS SW frame and writes predictions beside REF_ labels', { skip: skipUnless(ready, 'Si.sw and ../shared reference') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-eval-'));
  try {
    const data = swFrame(dir);
    const out = join(dir, 'pred.extxyz');
    const r = await run(['eval', '--potential', SW, '--data', data, '--out', out]);
    assert.equal(r.code, 0, r.err);
    // the metrics table: the "all" row's MAE columns are all tiny (printed as e.g. 8.882e-16)
    const all = r.out.split('\n').find((l) => l.startsWith('all'));
    assert.ok(all, r.out);
    const cols = all.trim().split(/\s+/);
    assert.deepEqual(cols.slice(1, 3), ['1', '64']);
    for (const v of cols.slice(3)) assert.ok(Number(v) < 1e-12, `metric ${v} in\n${r.out}`);

    const input = readExtxyz(data)[0];
    const back = readExtxyz(out)[0]; // REF_* keys first: the reference labels
    assert.ok(Object.is(back.labels.energy, input.labels.energy));
    assert.deepEqual(back.labels.forces, input.labels.forces);
    assert.deepEqual(back.labels.atomEnergies, input.labels.atomEnergies);
    assert.ok(maxDiff(back.labels.stress!, input.labels.stress!) < 1e-18);
    assert.equal(back.group, input.group);
    const pred = readExtxyz(out, { energyKey: 'energy', forcesKey: 'forces', stressKey: 'stress', atomEnergiesKey: 'energies' })[0];
    const L = input.labels;
    assert.ok(Math.abs(pred.labels.energy! - L.energy!) < 1e-10);
    assert.ok(maxDiff(pred.labels.forces!, L.forces!) < 1e-12);
    assert.ok(maxDiff(pred.labels.atomEnergies!, L.atomEnergies!) < 1e-12);
    // LAMMPS's nktv2p differs from ASE's by 7e-8 relative; the stresses here are ~1e-2 eV/Å³
    assert.ok(maxDiff(pred.labels.stress!, L.stress!) < 1e-12);
    assert.equal(pred.info.pesfit_potential, SW);

    const j = await run(['eval', '--potential', SW, '--data', data, '--out', out, '--json']);
    const parsed = JSON.parse(j.out) as { metrics: { force_mae: number }; groups: Record<string, unknown> };
    assert.ok(parsed.metrics.force_mae < 1e-12);
    assert.deepEqual(Object.keys(parsed.groups), ['si_diamond_2x2x2_rattled']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pesfit eval: clear errors with exit code 1', { skip: skipUnless(ready, 'Si.sw and ../shared reference') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-eval-'));
  try {
    const data = swFrame(dir), out = join(dir, 'o.extxyz');
    const cases: [string[], RegExp][] = [
      [['--potential', join(dir, 'missing.sw'), '--data', data], /missing\.sw: no such file/],
      [['--potential', SW, '--data', join(dir, 'nope.extxyz')], /nope\.extxyz: no such file/],
      [['--potential', SW, '--style', 'meam', '--data', data], /unknown pair style 'meam'/],
      [['--potential', SW, '--style', 'tersoff', '--data', data], /is that the file's style/],
      [['--potential', SW, '--data', sharedPath(...CU_REF)], /element Cu is not in the potential/],
      [['--potential', SW, '--elements', 'C', '--data', data], /element C is not in the potential/],
      [['--potential', join(dir, 'pot.xyz'), '--data', data], /no such file|cannot tell the pair style/],
    ];
    for (const [args, re] of cases) {
      const r = await run(['eval', ...args, '--out', out]);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.err}`);
      assert.match(r.err, re);
    }
    assert.equal(existsSync(out), false, 'no output is written on error');
    const help = await run(['eval', '--help']);
    assert.equal(help.code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bin/pesfit.mjs exits 0 on success and 1 on a user error', { skip: skipUnless(ready, 'Si.sw and ../shared reference') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-eval-'));
  try {
    const data = swFrame(dir);
    const bin = join(ROOT, 'bin', 'pesfit.mjs');
    const ok = spawnSync(process.execPath, [bin, 'eval', '--potential', SW, '--data', data, '--out', join(dir, 'o.extxyz')], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /evaluated 1 configurations \(64 atoms\)/);
    const bad = spawnSync(process.execPath, [bin, 'eval', '--potential', SW, '--style', 'eam/fs', '--data', data, '--out', join(dir, 'o.extxyz')], { encoding: 'utf8' });
    assert.equal(bad.status, 1, bad.stderr);
    assert.match(bad.stderr, /^pesfit: error: /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
