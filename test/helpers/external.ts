/**
 * Test helpers for external programs (LAMMPS, ASE) and the shared reference data. When one is missing a test is
 * skipped with a printed notice on a developer machine, but fails when PESFIT_REQUIRE_EXTERNAL=1 (set in CI).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = join(ROOT, '..', 'shared');
export const REQUIRE_EXTERNAL = process.env.PESFIT_REQUIRE_EXTERNAL === '1';

const cache = new Map<string, boolean>();

function probe(name: string, cmd: string, args: string[]): boolean {
  if (!cache.has(name)) {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 30000 });
    cache.set(name, r.status === 0);
  }
  return cache.get(name)!;
}

export const PYTHON = '/usr/bin/python3';
export const LMP = 'lmp';
export const LAMMPS_POTENTIALS = '/usr/share/lammps/potentials';

export function hasLammps(): boolean {
  return probe('lmp', LMP, ['-h']);
}

export function hasAse(): boolean {
  return probe('ase', PYTHON, ['-c', 'import ase.io']);
}

/**
 * Returns a skip reason (for node:test's `skip` option) when `available` is false and skipping is allowed;
 * throws when the external is required (CI). Returns false when available.
 */
export function skipUnless(available: boolean, what: string): string | false {
  if (available) return false;
  if (REQUIRE_EXTERNAL) throw new Error(`${what} is required (PESFIT_REQUIRE_EXTERNAL=1) but not available`);
  const msg = `${what} not available: test skipped`;
  console.log(`# NOTICE: ${msg}`);
  return msg;
}

export function sharedPath(...parts: string[]): string {
  return join(SHARED, ...parts);
}

export function hasShared(...parts: string[]): boolean {
  return existsSync(sharedPath(...parts));
}
