import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { UserError } from '../../src/core/errors.ts';
import { writeModelJson } from '../../src/io/model-json.ts';
import { compileModel } from '../../src/potentials/registry.ts';
import { registerPropertiesCommand } from '../../src/cli/properties.ts';
import { LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';

const CU = join(LAMMPS_POTENTIALS, 'Cu_mishin1.eam.alloy');
const SI = join(LAMMPS_POTENTIALS, 'Si.sw');

/** Runs `properties` through a commander program holding only this command; returns what it printed. */
async function run(args: string[]): Promise<string> {
  const program = new Command('pesfit').exitOverride();
  registerPropertiesCommand(program);
  const out: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  try {
    await program.parseAsync(['properties', ...args], { from: 'user' });
  } finally {
    console.log = log;
  }
  return out.join('\n');
}

test('pesfit properties --json on Cu_mishin1 gives the acceptance numbers', { skip: skipUnless(existsSync(CU), CU) }, async () => {
  const p = JSON.parse(await run(['--potential', CU, '--elements', 'Cu', '--structure', 'fcc', '--json']));
  const rel = (x: number, y: number) => Math.abs(x - y) / y;
  assert.ok(rel(p.a0, 3.6149) < 0.005 && Math.abs(p.a0 - 3.614925) < 5e-6);
  assert.ok(rel(p.ecoh, 3.54) < 0.005 && p.ecoh > 0);
  assert.ok(rel(p.c11, 169.9) < 0.005 && rel(p.c12, 122.6) < 0.005 && rel(p.c44, 76.2) < 0.005);
  assert.ok(Math.abs(p.bulk_modulus - (p.c11 + 2 * p.c12) / 3) < 1e-9);
  assert.ok(Math.abs(p.evac - 1.27) < 0.03);
  assert.deepEqual(p.vacancy.supercell, [4, 4, 4]);
  assert.equal(p.cauchy.holds, false);
  assert.equal(p.elastic_constants.gpa.length, 6);
  assert.ok(rel(p.eos.b0, p.bulk_modulus) < 0.02);
});

test('pesfit properties prints a table with units for Si.sw; --no-vacancy skips the vacancy', { skip: skipUnless(existsSync(SI), SI) }, async () => {
  const text = await run(['--potential', SI, '--structure', 'diamond', '--no-vacancy']);
  assert.match(text, /a0\s+5\.43\d+\s+Å/);
  assert.match(text, /C11\s+151\.4\d*\s+GPa/);
  assert.match(text, /C44\s+56\.4\d*\s+GPa/);
  assert.match(text, /Cauchy relation violated/);
  assert.doesNotMatch(text, /vacancy/);
});

test('pesfit properties on a model.json pair potential reports that the Cauchy relation holds; bad input is a UserError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-props-'));
  try {
    const path = join(dir, 'model.json');
    writeModelJson(path, compileModel({ kind: 'lj', elements: ['Ar'], cutoff: 8.5, cutoff_function: 'shifted-force', pairs: { 'Ar-Ar': { epsilon: 0.0104, sigma: 3.4 } } }));
    const p = JSON.parse(await run(['--potential', path, '--structure', 'fcc', '--vacancy-size', '3', '--surfaces', '--gsf', '--json']));
    assert.equal(p.cauchy.holds, true);
    assert.ok(p.cauchy.relative < 1e-6);
    assert.deepEqual(p.vacancy.supercell, [3, 3, 3]);
    for (const plane of ['100', '110', '111']) assert.ok(p.surfaces[plane].gamma > 0);
    // LJ barely prefers fcc over hcp: a tiny intrinsic fault energy (here slightly negative), a clear barrier
    assert.ok(p.gsf.usf > 10 * Math.abs(p.gsf.isf));
    await assert.rejects(run(['--potential', path, '--structure', 'bct']), UserError);
    await assert.rejects(run(['--potential', path, '--structure', 'fcc', '--a0', '-1']), UserError);
    await assert.rejects(run(['--potential', path, '--structure', 'fcc', '--vacancy-size', '2x2']), UserError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
