import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromRows, matmul, matvec, transpose, zeros, type Matrix } from '../../src/linalg/dense.ts';
import { cholesky, choleskySolve, choleskyInverse } from '../../src/linalg/cholesky.ts';
import { symEigen } from '../../src/linalg/eigen.ts';
import { qrLeastSquares } from '../../src/linalg/qr.ts';

// small deterministic generator local to this test (independent of the library's RNG)
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (1664525 * s + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

function randomMatrix(r: number, c: number, rnd: () => number): Matrix {
  const m = zeros(r, c);
  for (let i = 0; i < m.data.length; i++) m.data[i] = rnd();
  return m;
}

function spd(n: number, rnd: () => number): Matrix {
  const a = randomMatrix(n + 3, n, rnd);
  const g = matmul(transpose(a), a);
  for (let i = 0; i < n; i++) g.data[i * n + i] += 0.1;
  return g;
}

test('Cholesky solves SPD systems and reports non-positive-definite input', () => {
  const rnd = lcg(1);
  for (const n of [1, 2, 5, 30]) {
    const A = spd(n, rnd);
    const x = Float64Array.from({ length: n }, rnd);
    const b = matvec(A, x);
    const f = cholesky(A);
    assert.ok(f.ok);
    const y = choleskySolve(f, b);
    for (let i = 0; i < n; i++) assert.ok(Math.abs(y[i] - x[i]) < 1e-9, `n=${n}`);
    const inv = choleskyInverse(f);
    const prod = matmul(A, { rows: n, cols: n, data: inv });
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(prod.data[i * n + j] - (i === j ? 1 : 0)) < 1e-9);
  }
  const bad = cholesky(fromRows([[1, 2], [2, 1]]));
  assert.equal(bad.ok, false);
});

test('symmetric eigen: A V = V Λ, Vᵀ V = I, ascending; known spectrum', () => {
  const rnd = lcg(2);
  for (const n of [1, 2, 3, 10, 60]) {
    const A = randomMatrix(n, n, rnd);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) A.data[i * n + j] = A.data[j * n + i];
    const { values, vectors } = symEigen(A);
    const V: Matrix = { rows: n, cols: n, data: vectors };
    const AV = matmul(A, V);
    for (let i = 0; i < n; i++)
      for (let k = 0; k < n; k++) assert.ok(Math.abs(AV.data[i * n + k] - vectors[i * n + k] * values[k]) < 1e-10, `n=${n}`);
    const VtV = matmul(transpose(V), V);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) assert.ok(Math.abs(VtV.data[i * n + j] - (i === j ? 1 : 0)) < 1e-12);
    for (let k = 1; k < n; k++) assert.ok(values[k] >= values[k - 1]);
  }
  // 1D Laplacian: λ_k = 2 - 2 cos(kπ/(n+1))
  const n = 20;
  const L = zeros(n, n);
  for (let i = 0; i < n; i++) {
    L.data[i * n + i] = 2;
    if (i > 0) L.data[i * n + i - 1] = L.data[(i - 1) * n + i] = -1;
  }
  const { values } = symEigen(L);
  for (let k = 1; k <= n; k++) assert.ok(Math.abs(values[k - 1] - (2 - 2 * Math.cos((k * Math.PI) / (n + 1)))) < 1e-13);
  // exactly degenerate and zero eigenvalues
  const z = symEigen(fromRows([[1, 1, 0], [1, 1, 0], [0, 0, 0]]));
  assert.ok(Math.abs(z.values[0]) < 1e-15 && Math.abs(z.values[1]) < 1e-15 && Math.abs(z.values[2] - 2) < 1e-14);
});

test('QR least squares matches the exact solution of a consistent system and the normal equations otherwise', () => {
  const rnd = lcg(3);
  const A = randomMatrix(50, 7, rnd);
  const x = Float64Array.from({ length: 7 }, rnd);
  const b = matvec(A, x);
  const r = qrLeastSquares(A, b);
  for (let i = 0; i < 7; i++) assert.ok(Math.abs(r.x[i] - x[i]) < 1e-12);
  assert.ok(r.residualNorm < 1e-12);
  const noisy = b.map((v) => v + 0.1 * rnd());
  const q = qrLeastSquares(A, noisy);
  // optimality: Aᵀ (A x − b) = 0
  const res = matvec(A, q.x).map((v, i) => v - noisy[i]);
  const grad = matvec(transpose(A), res);
  for (const gk of grad) assert.ok(Math.abs(gk) < 1e-12);
  const rn = Math.hypot(...res);
  assert.ok(Math.abs(rn - q.residualNorm) < 1e-12);
});
