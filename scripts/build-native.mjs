#!/usr/bin/env node
// Builds the optional OpenBLAS/LAPACKE addon native/build/pesfit_linalg.node with a plain C compiler against the
// Node-API header that ships with Node (no node-gyp, no downloads). Needs a C compiler and Debian's
// libopenblas-dev + liblapacke-dev. A failed build is reported and exits 0: the pure-TypeScript back end remains,
// so `npm ci` and the tests never break on a machine without the libraries. `--strict` makes a failure exit 1.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { homedir } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'pesfit_linalg.c');
const outDir = join(root, 'native', 'build');
const target = join(outDir, 'pesfit_linalg.node');
const strict = process.argv.includes('--strict');

function fail(message) {
  console.error(`build:native: ${message}`);
  console.error('build:native: the pure-TypeScript linear algebra back end will be used instead');
  process.exit(strict ? 1 : 0);
}

// node_api.h: next to the running node (official tarballs, nvm), Debian's nodejs package, or node-gyp's cache.
const version = process.versions.node;
const headerDirs = [
  resolve(dirname(process.execPath), '..', 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
  join(homedir(), '.cache', 'node-gyp', version, 'include', 'node'),
];
const include = headerDirs.find((d) => existsSync(join(d, 'node_api.h')));
if (!include) fail(`node_api.h not found (looked in ${headerDirs.join(', ')})`);

const cc = process.env.CC || 'cc';
if (spawnSync(cc, ['--version'], { encoding: 'utf8' }).status !== 0) fail(`C compiler '${cc}' not found`);

mkdirSync(outDir, { recursive: true });
// Build to a temporary name and rename, so a failed build never leaves a half-written addon behind.
const tmp = `${target}.tmp-${process.pid}`;
const args = [
  '-O2', '-shared', '-fPIC', '-std=c11', '-Wall', '-Wextra',
  '-DNODE_GYP_MODULE_NAME=pesfit_linalg',
  `-I${include}`,
  source, '-o', tmp,
  '-llapacke', '-lopenblas', '-lm',
];
const r = spawnSync(cc, args, { encoding: 'utf8' });
if (r.stdout) process.stdout.write(r.stdout);
if (r.stderr) process.stderr.write(r.stderr);
if (r.status !== 0) {
  rmSync(tmp, { force: true });
  fail(`compilation failed (${cc} ${args.join(' ')}); install libopenblas-dev and liblapacke-dev`);
}
renameSync(tmp, target);

// Load it once in a child process: a missing shared library shows up here rather than at first use.
const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(target)})`], { encoding: 'utf8' });
if (probe.status !== 0) {
  rmSync(target, { force: true });
  fail(`built addon does not load: ${probe.stderr.trim()}`);
}
console.log(`build:native: built ${target}`);
