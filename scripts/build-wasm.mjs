#!/usr/bin/env node
// Builds the optional SNAP WebAssembly kernels native/build/snap_kernels.wasm from native/wasm/snap_kernels.c with
// clang's wasm32 target and SIMD128 (Debian: `apt-get install clang lld`), freestanding (no libc, no wasi), memory
// imported from JavaScript. Without clang, or when the build fails, it says so and exits 0: SNAP then runs its
// pure-TypeScript kernels, so `npm ci` and the tests never break on a machine without clang. `--strict` makes a
// failure exit 1. CLANG overrides the compiler.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'wasm', 'snap_kernels.c');
const outDir = join(root, 'native', 'build');
const target = join(outDir, 'snap_kernels.wasm');
const strict = process.argv.includes('--strict');

function fail(message) {
  console.error(`build:wasm: ${message}`);
  console.error('build:wasm: SNAP will use its pure-TypeScript kernels instead');
  process.exit(strict ? 1 : 0);
}

const clang = process.env.CLANG || 'clang';
if (spawnSync(clang, ['--version'], { encoding: 'utf8' }).status !== 0)
  fail(`'${clang}' not found (Debian: apt-get install clang lld)`);

mkdirSync(outDir, { recursive: true });
// Build to a temporary name and rename, so a failed build never leaves a half-written module behind.
const tmp = `${target}.tmp-${process.pid}`;
const args = [
  '--target=wasm32', '-O3', '-msimd128', '-mbulk-memory', '-std=c11', '-Wall', '-Wextra',
  '-nostdlib', '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--export=__heap_base',
  source, '-o', tmp,
];
const r = spawnSync(clang, args, { encoding: 'utf8' });
if (r.stdout) process.stdout.write(r.stdout);
if (r.stderr) process.stderr.write(r.stderr);
if (r.status !== 0) {
  rmSync(tmp, { force: true });
  fail(`compilation failed (${clang} ${args.join(' ')}); wasm-ld comes with Debian's lld`);
}

// Compile it once here: a module this Node cannot run (e.g. no SIMD) shows up now rather than at first use.
try {
  new WebAssembly.Module(readFileSync(tmp));
} catch (e) {
  rmSync(tmp, { force: true });
  fail(`built module does not compile in this Node: ${e instanceof Error ? e.message : String(e)}`);
}
renameSync(tmp, target);
console.log(`build:wasm: built ${target}`);
