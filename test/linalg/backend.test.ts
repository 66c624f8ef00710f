import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmul, transpose, zeros, type Matrix } from '../../src/linalg/dense.ts';
import { getBackend, getNativeBackend, nativeBackendError, tsBackend, type LinalgBackend } from '../../src/linalg/backend.ts';
import { ConfigError } from '../../src/core/errors.ts';
import { skipUnless } from '../helpers/external.ts';

// Native and TypeScript back ends are independent implementations (LAPACK's algorithms vs Householder/QL/Jacobi
// written here): each is the other's oracle. Both are also checked against exact constructions.

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (1664525 * s + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

function random(r: number, c: number, rnd: () => number): Matrix {
  const m = zeros(r, c);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rnd();
  return m;
}

/** rows x cols matrix of rank `rank` (product of two random factors). */
function lowRank(rows: number, cols: number, rank: number, rnd: () => number): Matrix {
  return matmul(random(rows, rank, rnd), random(rank, cols, rnd));
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** max |a − b| / max |b|. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d / Math.max(maxAbs(b), 1e-300);
}

const worst: Record<string, number> = {};
function record(what: string, err: number, tol: number): void {
  worst[what] = Math.max(worst[what] ?? 0, err);
  assert.ok(err < tol, `${what}: relative difference ${err} ≥ ${tol}`);
}

/** Column c of a rows x k row-major array. */
function column(a: Float64Array, rows: number, k: number, c: number): Float64Array {
  return Float64Array.from({ length: rows }, (_, i) => a[i * k + c]);
}

/** Vectors equal up to sign (for eigen/singular vectors of simple eigen/singular values). */
function signedDiff(x: Float64Array, y: Float64Array): number {
  let dot = 0;
  for (let i = 0; i < x.length; i++) dot += x[i] * y[i];
  const s = dot < 0 ? -1 : 1;
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - s * y[i]));
  return d;
}

const native = getNativeBackend();
const skipNative = { skip: skipUnless(native !== null, `native linear algebra addon (${nativeBackendError() ?? ''})`) };
const nat = (): LinalgBackend => native as LinalgBackend;
const TOL = 1e-10;

test('getBackend follows PESFIT_LINALG', () => {
  const saved = process.env.PESFIT_LINALG;
  try {
    process.env.PESFIT_LINALG = 'ts';
    assert.equal(getBackend().name, 'ts');
    process.env.PESFIT_LINALG = 'fast';
    assert.throws(() => getBackend(), ConfigError);
    delete process.env.PESFIT_LINALG;
    assert.equal(getBackend().name, native ? 'native' : 'ts');
    process.env.PESFIT_LINALG = 'native';
    if (native) assert.equal(getBackend().name, 'native');
    else assert.throws(() => getBackend(), ConfigError);
  } finally {
    if (saved === undefined) delete process.env.PESFIT_LINALG;
    else process.env.PESFIT_LINALG = saved;
  }
});

test('TS back end: least squares rejects an exactly rank-deficient QR, min-norm SVD solve handles it', () => {
  const a = zeros(4, 2);
  for (let i = 0; i < 4; i++) a.data[i * 2] = i + 1; // second column all zero
  const b = [1, 2, 3, 4.5];
  assert.throws(() => tsBackend.leastSquares(a, b), /rank deficient/);
  const r = tsBackend.leastSquaresSvd(a, b);
  assert.equal(r.rank, 1);
  assert.equal(r.x[1], 0);
  // 1-D least squares by hand: x = (a·b)/(a·a)
  assert.ok(Math.abs(r.x[0] - (1 + 4 + 9 + 18) / 30) < 1e-15);
});

test('native vs TS: gram AᵀA and Aᵀb', skipNative, () => {
  const rnd = lcg(1);
  for (const [rows, cols] of [[1, 1], [50, 7], [300, 41], [129, 128], [10, 30]]) {
    const a = random(rows, cols, rnd);
    const b = Float64Array.from({ length: rows }, rnd);
    record('gram', relDiff(nat().gram(a.data, rows, cols), tsBackend.gram(a.data, rows, cols)), 1e-13);
    record('transposeTimes', relDiff(nat().transposeTimes(a.data, rows, cols, b), tsBackend.transposeTimes(a.data, rows, cols, b)), 1e-13);
  }
  const a = lowRank(80, 20, 5, rnd);
  record('gram', relDiff(nat().gram(a.data, 80, 20), tsBackend.gram(a.data, 80, 20)), 1e-13);
  assert.throws(() => nat().gram(new Float64Array(5), 2, 3), /data length/);
});

test('native vs TS: symmetric eigen (full rank and rank deficient)', skipNative, () => {
  const rnd = lcg(2);
  for (const n of [1, 2, 10, 60]) {
    const r = random(n, n, rnd);
    const a = zeros(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a.data[i * n + j] = r.data[i * n + j] + r.data[j * n + i];
    const e1 = nat().symEigen(a), e2 = tsBackend.symEigen(a);
    record('eigen values', relDiff(e1.values, e2.values), TOL);
    // random spectra are simple: eigenvectors agree up to sign
    for (let c = 0; c < n; c++) record('eigen vectors', signedDiff(column(e1.vectors, n, n, c), column(e2.vectors, n, n, c)), 1e-8);
  }
  // AᵀA of rank 4 in 12 dimensions: eight (near-)zero eigenvalues, a degenerate null space; compare the spectrum
  // and the projector onto the top-4 eigenspace, which is unique.
  const g = (() => { const l = lowRank(30, 12, 4, rnd); return matmul(transpose(l), l); })();
  const e1 = nat().symEigen(g), e2 = tsBackend.symEigen(g);
  record('eigen values (rank deficient)', relDiff(e1.values, e2.values), TOL);
  const proj = (v: Float64Array): Float64Array => {
    const p = new Float64Array(144);
    for (let c = 8; c < 12; c++) for (let i = 0; i < 12; i++) for (let j = 0; j < 12; j++) p[i * 12 + j] += v[i * 12 + c] * v[j * 12 + c];
    return p;
  };
  record('eigen projector (rank deficient)', relDiff(proj(e1.vectors), proj(e2.vectors)), 1e-9);
});

test('native vs TS: Cholesky factor, solve, cross-solve, non-positive-definite pivot', skipNative, () => {
  const rnd = lcg(3);
  for (const n of [1, 3, 17, 100]) {
    const r = random(n + 5, n, rnd);
    const a = matmul(transpose(r), r);
    const f1 = nat().cholesky(a), f2 = tsBackend.cholesky(a);
    assert.ok(f1.ok && f2.ok);
    record('cholesky L', relDiff(f1.L, f2.L), TOL);
    const b = Float64Array.from({ length: n }, rnd);
    const x2 = tsBackend.choleskySolve(f2, b);
    record('cholesky solve', relDiff(nat().choleskySolve(f1, b), x2), 1e-9);
    record('cholesky cross-solve', relDiff(nat().choleskySolve(f2, b), x2), 1e-9);
    record('cholesky cross-solve', relDiff(tsBackend.choleskySolve(f1, b), x2), 1e-9);
  }
  // indefinite: diag(4, 1, −1, 2) coupled weakly — the third leading minor fails
  const a = zeros(4, 4);
  [4, 1, -1, 2].forEach((d, i) => (a.data[i * 5] = d));
  a.data[1] = a.data[4] = 0.1;
  const f1 = nat().cholesky(a), f2 = tsBackend.cholesky(a);
  assert.deepEqual(f1, { ok: false, pivot: 2 });
  assert.deepEqual(f2, { ok: false, pivot: 2 });
  // rank-deficient PSD: both stop (pivot index may differ by rounding, both must fail)
  const l = lowRank(6, 10, 3, rnd);
  const psd = matmul(transpose(l), l);
  assert.equal(nat().cholesky(psd).ok, false);
  assert.equal(tsBackend.cholesky(psd).ok, false);
});

test('native vs TS: QR least squares (x, residual norm, |diag R|) and exact rank deficiency', skipNative, () => {
  const rnd = lcg(4);
  for (const [m, n] of [[1, 1], [10, 3], [200, 30], [40, 40]]) {
    const a = random(m, n, rnd);
    const b = Float64Array.from({ length: m }, rnd);
    const r1 = nat().leastSquares(a, b), r2 = tsBackend.leastSquares(a, b);
    record('leastSquares x', relDiff(r1.x, r2.x), 1e-9);
    record('leastSquares residual', Math.abs(r1.residualNorm - r2.residualNorm) / Math.max(maxAbs(b), 1e-300), TOL);
    record('leastSquares |diag R|', relDiff(r1.rDiagonal, r2.rDiagonal), TOL);
  }
  const a = random(6, 3, rnd);
  for (let i = 0; i < 6; i++) a.data[i * 3 + 1] = 0;
  assert.throws(() => nat().leastSquares(a, new Float64Array(6)), /rank deficient/);
  assert.throws(() => tsBackend.leastSquares(a, new Float64Array(6)), /rank deficient/);
});

test('native vs TS: SVD (tall, square, wide) and min-norm least squares on rank-deficient matrices', skipNative, () => {
  const rnd = lcg(5);
  for (const [m, n] of [[1, 1], [30, 8], [25, 25], [6, 20], [120, 60]]) {
    const a = random(m, n, rnd);
    const s1 = nat().svd(a), s2 = tsBackend.svd(a);
    assert.equal(s1.k, s2.k);
    record('svd s', relDiff(s1.s, s2.s), TOL);
    for (let c = 0; c < s1.k; c++) {
      record('svd u', signedDiff(column(s1.u, m, s1.k, c), column(s2.u, m, s2.k, c)), 1e-8);
      record('svd v', signedDiff(s1.vt.subarray(c * n, c * n + n), s2.vt.subarray(c * n, c * n + n)), 1e-8);
    }
    const b = Float64Array.from({ length: m }, rnd);
    const x1 = nat().leastSquaresSvd(a, b), x2 = tsBackend.leastSquaresSvd(a, b);
    assert.equal(x1.rank, x2.rank);
    record('min-norm x', relDiff(x1.x, x2.x), 1e-9);
  }
  for (const [m, n, rank] of [[40, 12, 5], [12, 40, 5], [30, 30, 29], [50, 20, 1]]) {
    const a = lowRank(m, n, rank, rnd);
    const s1 = nat().svd(a), s2 = tsBackend.svd(a);
    // the zero singular values come out at rounding level (~1e-16 s_max) in both: compare relative to s_max
    record('svd s (rank deficient)', relDiff(s1.s, s2.s), TOL);
    const b = Float64Array.from({ length: m }, rnd);
    const x1 = nat().leastSquaresSvd(a, b), x2 = tsBackend.leastSquaresSvd(a, b);
    assert.equal(x1.rank, rank);
    assert.equal(x2.rank, rank);
    record('min-norm x (rank deficient)', relDiff(x1.x, x2.x), 1e-9);
    record('min-norm residual (rank deficient)', Math.abs(x1.residualNorm - x2.residualNorm) / maxAbs(b), TOL);
  }
});

test('report worst native-vs-TS differences', skipNative, () => {
  for (const [k, v] of Object.entries(worst)) console.log(`# ${k}: ${v.toExponential(2)}`);
});

test('syrkAccumulate (blocks of rows into one upper triangle) and choleskyInverse agree between back ends and with the definitions', skipNative, () => {
  const nb = native!;
  const rows = 300, cols = 37;
  const a = Float64Array.from({ length: rows * cols }, (_, i) => Math.sin(0.37 * i) + 0.1 * Math.cos(1.3 * i * i));
  const full = tsBackend.gram(a, rows, cols);
  for (const be of [tsBackend, nb]) {
    const G = new Float64Array(cols * cols).fill(7); // the strict lower triangle must stay untouched
    for (let r0 = 0; r0 < rows; r0 += 64) {
      const nb = Math.min(64, rows - r0);
      be.syrkAccumulate(G, a.subarray(r0 * cols, (r0 + nb) * cols), nb, cols);
    }
    let err = 0;
    for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) {
      if (j >= i) err = Math.max(err, Math.abs(G[i * cols + j] - 7 - full[i * cols + j]) / (1 + Math.abs(full[i * cols + j])));
      else assert.equal(G[i * cols + j], 7);
    }
    assert.ok(err < 1e-12, `${be.name} syrk ${err}`);
    const M = full.map((v, i) => (i % (cols + 1) === 0 ? v + 1 : v));
    const f = be.cholesky({ rows: cols, cols, data: M });
    assert.ok(f.ok);
    const inv = be.choleskyInverse(f as { L: Float64Array; n: number });
    let e2 = 0; // ‖M M⁻¹ − I‖_max
    for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let k = 0; k < cols; k++) s += M[i * cols + k] * inv[k * cols + j];
      e2 = Math.max(e2, Math.abs(s - (i === j ? 1 : 0)));
    }
    assert.ok(e2 < 1e-10, `${be.name} inverse ${e2}`);
  }
});
