import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { readMlearn } from '../../src/io/mlearn.ts';
import { V } from '../../src/core/voigt.ts';
import { hasAse, hasShared, PYTHON, sharedPath, skipUnless } from '../helpers/external.ts';

const run = runCli;

const SI_TEST = ['data', 'mlearn', 'Si', 'test.json'];

test('data convert mlearn Si test.json → extxyz: ASE reads the same energies, forces and diagonal stresses', { skip: skipUnless(hasShared(...SI_TEST) && hasAse(), 'ASE and ../shared/data/mlearn') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-convert-'));
  try {
    const out = join(dir, 'si.extxyz');
    const r = await run(['data', 'convert', sharedPath(...SI_TEST), out]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wrote 25 configurations \(1525 atoms\)/);
    const script = [
      'import ase.io, json, sys',
      'frames = ase.io.read(sys.argv[1], ":")',
      'print(json.dumps([{"e": a.get_potential_energy(), "f": a.get_forces().tolist(), "s": a.get_stress(voigt=False).tolist()} for a in frames]))',
    ].join('\n');
    const py = spawnSync(PYTHON, ['-c', script, out], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(py.status, 0, py.stderr);
    const ase = JSON.parse(py.stdout) as { e: number; f: number[][]; s: number[][] }[];
    const ref = readMlearn(sharedPath(...SI_TEST));
    assert.equal(ase.length, ref.length);
    ref.forEach((c, i) => {
      assert.equal(ase[i].e, c.labels.energy);
      ase[i].f.forEach((row, a) => row.forEach((v, k) => assert.equal(v, c.labels.forces![3 * a + k])));
      // diagonal stress (the trusted part), ASE sign, eV/Å³
      assert.equal(ase[i].s[0][0], c.labels.stress![V.xx]);
      assert.equal(ase[i].s[1][1], c.labels.stress![V.yy]);
      assert.equal(ase[i].s[2][2], c.labels.stress![V.zz]);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data check and convert: bad input exits 1 with the file named, and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-data-'));
  try {
    const bad = join(dir, 'bad.extxyz');
    writeFileSync(bad, '2\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3\nSi 0 0 0\n');
    const c = await run(['data', 'check', bad]);
    assert.equal(c.code, 1);
    assert.match(c.err, /bad\.extxyz/);
    const v = await run(['data', 'convert', bad, join(dir, 'out.extxyz')]);
    assert.equal(v.code, 1);
    assert.deepEqual(readdirSync(dir), ['bad.extxyz']);
    const u = await run(['data', 'convert', bad, join(dir, 'out.unknown')]);
    assert.equal(u.code, 1);
    assert.match(u.err, /--to/);
    const missing = await run(['data', 'check', join(dir, 'nope.xyz')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /nope\.xyz: no such file/);
    assert.equal(existsSync(join(dir, 'out.extxyz')), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('data check --help exits 0', async () => {
  const r = await run(['data', 'check', '--help']);
  assert.equal(r.code, 0);
});
