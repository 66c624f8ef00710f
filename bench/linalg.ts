/**
 * Dense linear-algebra benchmark: the native (OpenBLAS/LAPACKE addon) and pure-TypeScript back ends of
 * src/linalg/backend.ts side by side with numpy (/usr/bin/python3, same LAPACK family on Debian) on
 *   gram      G = AᵀA of a 20000 x 1000 matrix (dsyrk; numpy A.T @ A)
 *   eigen     symmetric eigen-decomposition, n = 1000, values and vectors (dsyevd; numpy eigh)
 *   svd       thin SVD, n = 800, values and vectors (dgesdd; numpy svd(full_matrices=False))
 *   cholesky  factor + solve of an SPD system, n = 2000 (dpotrf/dpotrs; scipy cho_factor/cho_solve)
 * Each kernel warms up (V8 tiers up late, docs/toolchain.md: the TS kernels run a smaller problem for ≥ 1 s, the
 * others run once at full size), then the median of repeated runs is reported with the ratios to native. The
 * results of the two back ends are compared as a sanity check (max relative difference).
 *
 * Usage: npm run bench:linalg [-- --runs 5 --ts-runs 3 --quick --no-ts --no-numpy --no-snap --no-snap-ts]
 * The SNAP section (last) streams a 40000 x 1596 normal-equation accumulation and solve: see its comment.
 * (--quick divides every dimension by 4; the TS SVD of 800 alone takes ~20 s per run on this machine kind.)
 */
import { spawnSync } from 'node:child_process';
import { createRng } from '../src/core/random.ts';
import type { Matrix } from '../src/linalg/dense.ts';
import { getNativeBackend, nativeBackendError, tsBackend, type LinalgBackend } from '../src/linalg/backend.ts';

const argv = process.argv.slice(2);
function arg(name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}
const RUNS = Number(arg('runs') ?? 5);
const TS_RUNS = Number(arg('ts-runs') ?? 3);
const QUICK = argv.includes('--quick');
const WITH_TS = !argv.includes('--no-ts');
const WITH_NUMPY = !argv.includes('--no-numpy');
const PYTHON = '/usr/bin/python3';
const WARMUP_MS = 1000;

const scale = (n: number): number => (QUICK ? Math.round(n / 4) : n);
const SIZES = { gramRows: scale(20000), gramCols: scale(1000), eigen: scale(1000), svd: scale(800), cholesky: scale(2000) };

const rng = createRng(20240611);
function randomMatrix(rows: number, cols: number): Matrix {
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
  return { rows, cols, data };
}
function randomSymmetric(n: number, offScale: number, diag: number): Matrix {
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    data[i * n + i] = diag + rng.uniform(-1, 1) * offScale;
    for (let j = 0; j < i; j++) data[i * n + j] = data[j * n + i] = rng.uniform(-1, 1) * offScale;
  }
  return { rows: n, cols: n, data };
}

type Kernel = 'gram' | 'eigen' | 'svd' | 'cholesky';
const KERNELS: Kernel[] = ['gram', 'eigen', 'svd', 'cholesky'];

interface Problem {
  run(b: LinalgBackend): ArrayLike<number>;
}
// Diagonal 1 with off-diagonal entries in (−1/n, 1/n): strictly diagonally dominant, hence SPD (Gershgorin).
function makeProblem(kernel: Kernel, shrink: number): Problem {
  const d = (n: number): number => Math.max(4, Math.round(n / shrink));
  switch (kernel) {
    case 'gram': {
      const a = randomMatrix(d(SIZES.gramRows), d(SIZES.gramCols));
      return { run: (b) => b.gram(a.data, a.rows, a.cols) };
    }
    case 'eigen': {
      const a = randomSymmetric(d(SIZES.eigen), 1, 0);
      return { run: (b) => b.symEigen(a).values };
    }
    case 'svd': {
      const a = randomMatrix(d(SIZES.svd), d(SIZES.svd));
      return { run: (b) => b.svd(a).s };
    }
    case 'cholesky': {
      const n = d(SIZES.cholesky);
      const a = randomSymmetric(n, 1 / n, 1);
      const rhs = Float64Array.from({ length: n }, () => rng.uniform(-1, 1));
      return {
        run: (b) => {
          const f = b.cholesky(a);
          if (!f.ok) throw new Error('bench: cholesky matrix is not positive definite');
          return b.choleskySolve(f, rhs);
        },
      };
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

function timeBackend(b: LinalgBackend, kernel: Kernel, runs: number): { seconds: number; result: ArrayLike<number> } {
  if (b.name === 'ts') {
    const small = makeProblem(kernel, 4);
    const t0 = performance.now();
    while (performance.now() - t0 < WARMUP_MS) small.run(b);
  }
  const p = makeProblem(kernel, 1);
  let result = p.run(b);
  if (b.name !== 'ts') result = p.run(b); // the TS warm-up above ran a smaller problem; native warms up at full size
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    result = p.run(b);
    times.push((performance.now() - t) / 1000);
  }
  return { seconds: median(times), result };
}

const NUMPY_SCRIPT = `
import json, sys, time
import numpy as np
sz = json.loads(sys.argv[1]); runs = int(sys.argv[2])
rng = np.random.default_rng(1)
def spd(n):
    a = rng.uniform(-1, 1, (n, n)) / n
    a = (a + a.T) / 2
    a[np.diag_indices(n)] = 1
    return a
try:
    from scipy.linalg import cho_factor, cho_solve
    def chol(a, b): return cho_solve(cho_factor(a, lower=True), b)
    chol_name = 'scipy cho_factor/cho_solve'
except ImportError:
    def chol(a, b):
        l = np.linalg.cholesky(a)
        return np.linalg.solve(l.T, np.linalg.solve(l, b))
    chol_name = 'numpy cholesky + 2 general solves'
g = rng.uniform(-1, 1, (sz['gramRows'], sz['gramCols']))
s = rng.uniform(-1, 1, (sz['eigen'], sz['eigen'])); s = s + s.T
v = rng.uniform(-1, 1, (sz['svd'], sz['svd']))
c = spd(sz['cholesky']); rhs = rng.uniform(-1, 1, sz['cholesky'])
ops = {
    'gram': lambda: g.T @ g,
    'eigen': lambda: np.linalg.eigh(s),
    'svd': lambda: np.linalg.svd(v, full_matrices=False),
    'cholesky': lambda: chol(c, rhs),
}
out = {'numpy': np.__version__, 'cholesky_via': chol_name}
for k, f in ops.items():
    f()
    ts = []
    for _ in range(runs):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    out[k] = float(np.median(ts))
print(json.dumps(out))
`;

function timeNumpy(): Record<string, number | string> | string {
  const r = spawnSync(PYTHON, ['-c', NUMPY_SCRIPT, JSON.stringify(SIZES), String(RUNS)], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return `numpy run failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`;
  return JSON.parse(r.stdout) as Record<string, number | string>;
}

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / (m || 1);
}

const native = getNativeBackend();
if (!native) console.log(`native back end unavailable: ${nativeBackendError()}`);
console.log(`sizes: gram ${SIZES.gramRows}x${SIZES.gramCols}, eigen ${SIZES.eigen}, svd ${SIZES.svd}, cholesky ${SIZES.cholesky}; median of ${RUNS} runs (TS: ${TS_RUNS})`);
console.log(`OPENBLAS_NUM_THREADS=${process.env.OPENBLAS_NUM_THREADS ?? '(unset: all cores)'}`);
const numpy = WITH_NUMPY ? timeNumpy() : 'skipped';
if (typeof numpy === 'string') console.log(`numpy: ${numpy}`);
else console.log(`numpy ${numpy.numpy}; cholesky via ${numpy.cholesky_via}`);

const fmt = (s: number | undefined): string => (s === undefined ? '-' : s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);
const ratio = (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? '-' : `${(a / b).toFixed(2)}x`);
const rows: string[][] = [['kernel', 'native', 'ts', 'numpy', 'ts/native', 'numpy/native', 'ts vs native (rel. diff)']];
for (const k of KERNELS) {
  const n = native ? timeBackend(native, k, RUNS) : undefined;
  const t = WITH_TS ? timeBackend(tsBackend, k, TS_RUNS) : undefined;
  const py = typeof numpy === 'string' ? undefined : (numpy[k] as number);
  // same seed order is not guaranteed between the two runs, so the check recomputes both on one fresh problem
  let diff = '-';
  if (n && t) {
    const p = makeProblem(k, QUICK ? 1 : 4);
    diff = relDiff(p.run(tsBackend), p.run(native as LinalgBackend)).toExponential(1);
  }
  rows.push([k, fmt(n?.seconds), fmt(t?.seconds), fmt(py), ratio(t?.seconds, n?.seconds), ratio(py, n?.seconds), diff]);
  console.log(`  ${k} done`);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
for (const r of rows) console.log(r.map((x, c) => x.padEnd(widths[c])).join('  '));

// SNAP-sized streamed normal equations (qSNAP 2J=8 on mlearn Si: ~40,000 rows x 1,596 columns): rows are generated
// one block of 1024 at a time and folded into the upper triangle of A (syrkAccumulate), as fit/normal-equations.ts
// does, then A + λI is factored and solved once and tr((A + λI)⁻¹A) is formed (one GCV grid point: dpotrf + dpotri).
// The full Jacobian (0.5 GB) never exists; the accumulator is P² doubles (20 MB). Memory is the RSS growth.
const SNAP = { rows: scale(40000), cols: scale(1596), block: 1024 };
function snapStream(b: LinalgBackend): { accumulate: number; solve: number; traceHat: number; rssMB: number; x: Float64Array } {
  const { rows, cols, block } = SNAP;
  const rss0 = process.memoryUsage().rss;
  const blk = new Float64Array(block * cols);
  const A = new Float64Array(cols * cols), g = new Float64Array(cols);
  const local = createRng(99);
  let t = performance.now();
  for (let r0 = 0; r0 < rows; r0 += block) {
    const nb = Math.min(block, rows - r0);
    for (let i = 0; i < nb * cols; i++) blk[i] = local.uniform(-1, 1);
    for (let i = 0; i < nb; i++) {
      const y = local.uniform(-1, 1);
      for (let p = 0; p < cols; p++) g[p] += blk[i * cols + p] * y;
    }
    b.syrkAccumulate(A, nb === block ? blk : blk.subarray(0, nb * cols), nb, cols);
  }
  for (let i = 0; i < cols; i++) for (let j = i + 1; j < cols; j++) A[j * cols + i] = A[i * cols + j];
  const accumulate = (performance.now() - t) / 1000;
  for (let p = 0; p < cols; p++) A[p * cols + p] += 1e-3 * rows;
  t = performance.now();
  const f = b.cholesky({ rows: cols, cols, data: A });
  if (!f.ok) throw new Error('bench: SNAP normal matrix not positive definite');
  const x = b.choleskySolve(f, g);
  const solve = (performance.now() - t) / 1000;
  t = performance.now();
  const inv = b.choleskyInverse(f);
  let tr = 0;
  for (let i = 0; i < cols * cols; i++) tr += inv[i] * A[i];
  const traceHat = (performance.now() - t) / 1000 + (tr > 0 ? 0 : NaN);
  return { accumulate, solve, traceHat, rssMB: (process.memoryUsage().rss - rss0) / 2 ** 20, x };
}

const SNAP_NUMPY = `
import json, sys, time, resource
import numpy as np
from scipy.linalg import cho_factor, cho_solve
rows, cols, block = (int(v) for v in sys.argv[1:4])
rng = np.random.default_rng(99)
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
A = np.zeros((cols, cols)); g = np.zeros(cols)
for r0 in range(0, rows, block):
    nb = min(block, rows - r0)
    B = rng.uniform(-1, 1, (nb, cols)); y = rng.uniform(-1, 1, nb)
    A += B.T @ B; g += B.T @ y
acc = time.perf_counter() - t
A[np.diag_indices(cols)] += 1e-3 * rows
t = time.perf_counter(); f = cho_factor(A, lower=True); x = cho_solve(f, g); sol = time.perf_counter() - t
t = time.perf_counter(); inv = cho_solve(f, np.eye(cols)); tr = float((inv * A).sum()); th = time.perf_counter() - t
print(json.dumps({'accumulate': acc, 'solve': sol, 'traceHat': th, 'rssMB': (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0) / 1024}))
`;

if (!argv.includes('--no-snap')) {
  console.log(`\nSNAP-sized streamed normal equations: ${SNAP.rows} x ${SNAP.cols} in blocks of ${SNAP.block} rows, then Cholesky solve and one tr H (single runs)`);
  const out: string[][] = [['back end', 'accumulate', 'solve', 'tr H', 'RSS growth', 'accumulate / native']];
  const nat = native ? snapStream(native) : undefined;
  const push = (name: string, r: { accumulate: number; solve: number; traceHat: number; rssMB: number } | undefined) =>
    r && out.push([name, fmt(r.accumulate), fmt(r.solve), fmt(r.traceHat), `${r.rssMB.toFixed(0)} MB`, ratio(r.accumulate, nat?.accumulate)]);
  push('pesfit native', nat);
  if (WITH_TS && !argv.includes('--no-snap-ts')) push('pesfit ts', snapStream(tsBackend));
  if (WITH_NUMPY) {
    const r = spawnSync(PYTHON, ['-c', SNAP_NUMPY, String(SNAP.rows), String(SNAP.cols), String(SNAP.block)], { encoding: 'utf8', timeout: 600_000 });
    if (r.status === 0) push('numpy', JSON.parse(r.stdout));
    else console.log(`numpy SNAP run failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  }
  const w = out[0].map((_, c) => Math.max(...out.map((r) => r[c].length)));
  for (const r of out) console.log(r.map((x, c) => x.padEnd(w[c])).join('  '));
}
