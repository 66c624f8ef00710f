import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matmul, transpose, zeros, type Matrix } from '../../src/linalg/dense.ts';
import { symEigen } from '../../src/linalg/eigen.ts';
import { svdJacobi, type Svd } from '../../src/linalg/svd.ts';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (1664525 * s + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** Random orthogonal n x n matrix as a product of n Householder reflections (independent of the SVD code). */
function orthogonal(n: number, rnd: () => number): Matrix {
  let q = zeros(n, n);
  for (let i = 0; i < n; i++) q.data[i * n + i] = 1;
  for (let r = 0; r < n; r++) {
    const v = Float64Array.from({ length: n }, rnd);
    const vv = v.reduce((s, x) => s + x * x, 0);
    const h = zeros(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h.data[i * n + j] = (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv;
    q = matmul(q, h);
  }
  return q;
}

/** A = Q1[:, :k] diag(s) Q2[:, :k]ᵀ with known singular values s (k = s.length ≤ min(m, n)). */
function withSingularValues(m: number, n: number, s: number[], rnd: () => number): Matrix {
  const q1 = orthogonal(m, rnd), q2 = orthogonal(n, rnd);
  const a = zeros(m, n);
  for (let c = 0; c < s.length; c++)
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) a.data[i * n + j] += q1.data[i * m + c] * s[c] * q2.data[j * n + c];
  return a;
}

function checkFactorization(a: Matrix, f: Svd, tol: number): number {
  const { rows: m, cols: n, k, u, s, vt } = f;
  assert.equal(k, Math.min(m, n));
  const scale = Math.max(s[0] ?? 0, 1e-300);
  let worst = 0;
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let x = 0;
      for (let c = 0; c < k; c++) x += u[i * k + c] * s[c] * vt[c * n + j];
      worst = Math.max(worst, Math.abs(x - a.data[i * n + j]) / scale);
    }
  for (let c = 0; c < k; c++)
    for (let d = c; d < k; d++) {
      let uu = 0, vv = 0;
      for (let i = 0; i < m; i++) uu += u[i * k + c] * u[i * k + d];
      for (let j = 0; j < n; j++) vv += vt[c * n + j] * vt[d * n + j];
      worst = Math.max(worst, Math.abs(uu - (c === d ? 1 : 0)), Math.abs(vv - (c === d ? 1 : 0)));
    }
  for (let c = 1; c < k; c++) assert.ok(s[c] <= s[c - 1] && s[c] >= 0, 'singular values descending and non-negative');
  assert.ok(worst < tol, `reconstruction/orthonormality error ${worst}`);
  return worst;
}

test('Jacobi SVD recovers constructed singular values (tall, square, wide, rank deficient)', () => {
  const rnd = lcg(7);
  const cases: [number, number, number[]][] = [
    [12, 5, [9, 4, 2.5, 1, 0.01]],
    [7, 7, [3, 2, 1, 0.5, 0.25, 0.125, 1e-6]],
    [4, 9, [5, 3, 2, 1]],
    [15, 6, [4, 2, 1]], // rank 3 of 6
    [6, 6, [1, 1, 1, 0.5]], // repeated singular values, rank 4
  ];
  for (const [m, n, sv] of cases) {
    const a = withSingularValues(m, n, sv, rnd);
    const f = svdJacobi(a);
    checkFactorization(a, f, 1e-13);
    const expected = [...sv, ...new Array(Math.min(m, n) - sv.length).fill(0)];
    for (let c = 0; c < f.k; c++) assert.ok(Math.abs(f.s[c] - expected[c]) < 1e-13 * sv[0], `${m}x${n} s[${c}] = ${f.s[c]}, expected ${expected[c]}`);
  }
});

test('Jacobi SVD: s² equals the eigenvalues of AᵀA (tridiagonal QL oracle) on random matrices', () => {
  const rnd = lcg(11);
  for (const [m, n] of [[40, 17], [17, 17], [30, 3]]) {
    const a = zeros(m, n);
    for (let i = 0; i < a.data.length; i++) a.data[i] = rnd();
    const f = svdJacobi(a);
    checkFactorization(a, f, 1e-13);
    const ev = symEigen(matmul(transpose(a), a)).values; // ascending
    for (let c = 0; c < n; c++) assert.ok(Math.abs(f.s[c] ** 2 - ev[n - 1 - c]) < 1e-12 * ev[n - 1], `s[${c}]`);
  }
});

test('Jacobi SVD of zero columns and the zero matrix completes U to an orthonormal set', () => {
  const a = zeros(5, 3);
  a.data[0 * 3 + 1] = 2; // only column 1 is nonzero
  const f = svdJacobi(a);
  checkFactorization(a, f, 1e-15);
  assert.deepEqual(Array.from(f.s), [2, 0, 0]);
  const z = svdJacobi(zeros(3, 4));
  checkFactorization(zeros(3, 4), z, 1e-15);
  assert.deepEqual(Array.from(z.s), [0, 0, 0]);
  assert.equal(svdJacobi(zeros(4, 0)).k, 0);
});
