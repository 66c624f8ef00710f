/**
 * Cholesky factorisation A = L Lᵀ of a symmetric positive-definite n x n matrix (row-major), and solves with it.
 * Returns an explicit status instead of throwing when A is not positive definite.
 */
import type { Matrix } from './dense.ts';

export type CholeskyResult = { ok: true; L: Float64Array; n: number } | { ok: false; pivot: number };

export function cholesky(a: Matrix): CholeskyResult {
  const n = a.rows;
  if (a.cols !== n) throw new Error('cholesky: matrix is not square');
  const L = new Float64Array(n * n);
  const A = a.data;
  for (let j = 0; j < n; j++) {
    let s = A[j * n + j];
    const Lj = j * n;
    for (let k = 0; k < j; k++) s -= L[Lj + k] * L[Lj + k];
    if (!(s > 0)) return { ok: false, pivot: j };
    const d = Math.sqrt(s);
    L[Lj + j] = d;
    for (let i = j + 1; i < n; i++) {
      const Li = i * n;
      let t = A[Li + j];
      for (let k = 0; k < j; k++) t -= L[Li + k] * L[Lj + k];
      L[Li + j] = t / d;
    }
  }
  return { ok: true, L, n };
}

/** Solves L Lᵀ x = b. */
export function choleskySolve(f: { L: Float64Array; n: number }, b: ArrayLike<number>): Float64Array {
  const { L, n } = f;
  const y = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = y[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * y[k];
    y[i] = s / L[i * n + i];
  }
  return y;
}

/** Inverse of an SPD matrix from its Cholesky factor. */
export function choleskyInverse(f: { L: Float64Array; n: number }): Float64Array {
  const n = f.n;
  const inv = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const col = choleskySolve(f, e);
    for (let i = 0; i < n; i++) inv[i * n + j] = col[i];
  }
  return inv;
}
