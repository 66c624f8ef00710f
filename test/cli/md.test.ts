import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { UserError } from '../../src/core/errors.ts';
import { registerMdCommand } from '../../src/cli/md.ts';
import { registerPhononsCommand } from '../../src/cli/phonons.ts';
import { readExtxyz } from '../../src/io/extxyz.ts';
import { LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';

const CU = join(LAMMPS_POTENTIALS, 'Cu_u3.eam');
const skip = skipUnless(existsSync(CU), 'Cu_u3.eam');

/** The two commands on their own program (the lead wires them into main.ts), with main's exit-code mapping. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const program = new Command('pesfit').exitOverride();
  registerMdCommand(program);
  registerPhononsCommand(program);
  for (const c of program.commands) c.exitOverride();
  const out: string[] = [], err: string[] = [];
  const log = console.log, error = console.error;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) code = e.exitCode === 0 ? 0 : 1;
    else if (e instanceof UserError) {
      err.push(e.message);
      code = 1;
    } else throw e;
  } finally {
    console.log = log;
    console.error = error;
  }
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('pesfit md: NVE summary JSON, trajectory frames with velocities, g(r)', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-md-'));
  try {
    const traj = join(dir, 't.extxyz'), rdf = join(dir, 'g.csv');
    const r = await run(['md', '--potential', CU, '--structure', 'fcc', '--a', '3.615', '--repeat', '3', '--temperature', '300', '--steps', '100',
      '--dt', '2', '--traj', traj, '--every', '25', '--rdf', rdf, '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.atoms, 108);
    assert.ok(Math.abs(j.drift_meV_per_atom_per_ps) < 0.05 && j.max_deviation_meV_per_atom < 0.5, r.out);
    const frames = readExtxyz(traj);
    assert.equal(frames.length, 5);
    assert.equal(frames[4].info.step, 100);
    assert.equal(frames[4].info.time, 200);
    const g = readFileSync(rdf, 'utf8').trim().split('\n');
    assert.equal(g.length, 201);
    const last = g[g.length - 1].split(',').map(Number);
    // 6 Å includes the 5 first fcc shells: 12 + 6 + 24 + 12 + 24 = 78 neighbours
    assert.ok(Math.abs(last[2] - 78) < 1, g[g.length - 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pesfit md: thermostats and text output; bad arguments are user errors', { skip }, async () => {
  const r = await run(['md', '--potential', CU, '--structure', 'fcc', '--a', '3.615', '--repeat', '2', '--temperature', '500', '--steps', '50',
    '--dt', '2', '--ensemble', 'nvt-langevin']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /energy drift \(conserved quantity\)/);
  assert.match(r.err, /steps\/s/);
  const bad = await run(['md', '--potential', CU, '--structure', 'fcc', '--a', '3.615', '--temperature', '300', '--ensemble', 'npt']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /--ensemble/);
  const badDt = await run(['md', '--potential', CU, '--structure', 'fcc', '--a', '3.615', '--temperature', '300', '--dt', '-1']);
  assert.equal(badDt.code, 1);
});

test('pesfit phonons: special points, path and DOS as JSON', { skip }, async () => {
  const r = await run(['phonons', '--potential', CU, '--structure', 'fcc', '--a', '3.615', '--supercell', '3', '--path', '--points', '4', '--dos', '--mesh', '4', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  for (const f of j.special_points_THz.G) assert.ok(Math.abs(f) < 1e-3);
  // X is not commensurate with a 3x3x3 primitive supercell (it needs an even n): interpolated, near the exact 7.62 THz
  assert.ok(Math.abs(j.special_points_THz.X[2] - 7.62) < 0.3, JSON.stringify(j.special_points_THz.X));
  assert.equal(j.path.frequencies_THz.length, 5 * 4 + 1);
  assert.equal(j.dos.states_per_THz.length, 500);
  const t = await run(['phonons', '--potential', CU, '--structure', 'fcc', '--a', '3.615', '--supercell', '2']);
  assert.equal(t.code, 0, t.err);
  assert.match(t.out, /^X\s/m);
  const bad = await run(['phonons', '--potential', CU, '--structure', 'hcp', '--a', '3']);
  assert.equal(bad.code, 1);
});
