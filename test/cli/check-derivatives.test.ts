import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.ts';
import { writeModelJson } from '../../src/io/model-json.ts';
import { compileModel, type ModelSpec } from '../../src/potentials/registry.ts';
import { LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';
import { ljSpec } from '../potentials/pair-fixtures.ts';

const SW = join(LAMMPS_POTENTIALS, 'Si.sw');
const EAM = join(LAMMPS_POTENTIALS, 'Cu_u3.eam');

const run = runCli;

interface JsonReport {
  pass: boolean;
  atoms: number;
  reports: { quantity: string; maxRelError: number }[];
}

test('Si.sw and Cu_u3.eam pass the derivative check (forces and stress vs finite differences)',
  { skip: skipUnless(existsSync(SW) && existsSync(EAM), 'LAMMPS potentials') }, async () => {
    const sw = await run(['check-derivatives', '--potential', SW, '--structure', 'diamond', '--a', '5.431', '--repeat', '1', '--json']);
    assert.equal(sw.code, 0, sw.err + sw.out);
    const rs = JSON.parse(sw.out) as JsonReport;
    assert.equal(rs.atoms, 8);
    assert.deepEqual(rs.reports.map((r) => r.quantity), ['forces', 'stress']);
    for (const r of rs.reports) assert.ok(r.maxRelError < 1e-6, `${r.quantity} ${r.maxRelError}`);

    const eam = await run(['check-derivatives', '--potential', EAM, '--structure', 'fcc', '--a', '3.615', '--repeat', '2', '--rattle', '0.05']);
    assert.equal(eam.code, 0, eam.err + eam.out);
    assert.match(eam.out, /forces .* PASS/);
    assert.match(eam.out, /stress .* PASS/);
    assert.match(eam.out, /^PASS$/m);
  });

test('parameter derivatives of a model.json, and FAIL exits 1', { skip: skipUnless(existsSync(SW), 'LAMMPS potentials') }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-cd-'));
  try {
    const path = join(dir, 'lj.json');
    writeModelJson(path, compileModel(ljSpec('shifted-force') as ModelSpec));
    const r = await run(['check-derivatives', '--potential', path, '--structure', 'fcc', '--a', '3.6', '--elements', 'Cu', '--params', '--json']);
    assert.equal(r.code, 0, r.err + r.out);
    const rep = JSON.parse(r.out) as JsonReport;
    assert.deepEqual(rep.reports.map((x) => x.quantity), ['forces', 'stress', 'dEnergy', 'dForces', 'dVirial']);
    for (const x of rep.reports) assert.ok(x.maxRelError < 1e-6, `${x.quantity} ${x.maxRelError}`);

    // an impossible tolerance must fail with exit code 1 and name the quantities
    const f = await run(['check-derivatives', '--potential', SW, '--structure', 'diamond', '--a', '5.431', '--repeat', '1', '--tol', '1e-300']);
    assert.equal(f.code, 1);
    assert.match(f.out, /FAIL/);
    assert.match(f.err, /derivative check failed .*forces/);

    const bad: [string[], RegExp][] = [
      [['--potential', SW], /give a structure/],
      [['--potential', SW, '--structure', 'fcc'], /--a/],
      [['--potential', SW, '--structure', 'quasicrystal', '--a', '3'], /--structure: expected one of/],
      [['--potential', SW, '--structure', 'fcc', '--a', '3.6', '--elements', 'Cu'], /element Cu is not in the potential/],
      [['--potential', path, '--style', 'sw', '--structure', 'fcc', '--a', '3.6'], /--style applies to LAMMPS files/],
    ];
    for (const [args, re] of bad) {
      const e = await run(['check-derivatives', ...args]);
      assert.equal(e.code, 1, args.join(' '));
      assert.match(e.err, re);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
