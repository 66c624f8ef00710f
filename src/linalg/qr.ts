/**
 * Householder QR of an m x n matrix (m ≥ n) and the least-squares solve min ‖A x − b‖₂ through it: more accurate
 * than the normal equations (error ∝ κ(A), not κ(A)²). Pure TypeScript, O(m n²).
 */
import type { Matrix } from './dense.ts';

export interface QRLeastSquares {
  x: Float64Array;
  /** Residual norm ‖A x − b‖. */
  residualNorm: number;
  /** |R_kk|, whose ratio max/min estimates the condition number. */
  rDiagonal: Float64Array;
}

export function qrLeastSquares(a: Matrix, b: ArrayLike<number>): QRLeastSquares {
  const m = a.rows, n = a.cols;
  if (m < n) throw new Error(`qrLeastSquares: ${m} rows < ${n} columns (underdetermined)`);
  // work column-major for contiguous Householder updates
  const R = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) R[j * m + i] = a.data[i * n + j];
  const y = Float64Array.from(b);
  const diag = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const ck = k * m;
    let nrm = 0;
    for (let i = k; i < m; i++) nrm = Math.hypot(nrm, R[ck + i]);
    if (nrm !== 0) {
      if (R[ck + k] < 0) nrm = -nrm;
      for (let i = k; i < m; i++) R[ck + i] /= nrm;
      R[ck + k] += 1;
      for (let j = k + 1; j < n; j++) {
        const cj = j * m;
        let s = 0;
        for (let i = k; i < m; i++) s += R[ck + i] * R[cj + i];
        s = -s / R[ck + k];
        for (let i = k; i < m; i++) R[cj + i] += s * R[ck + i];
      }
      let s = 0;
      for (let i = k; i < m; i++) s += R[ck + i] * y[i];
      s = -s / R[ck + k];
      for (let i = k; i < m; i++) y[i] += s * R[ck + i];
    }
    diag[k] = -nrm;
  }
  const x = new Float64Array(n);
  for (let k = n - 1; k >= 0; k--) {
    let s = y[k];
    for (let j = k + 1; j < n; j++) s -= R[j * m + k] * x[j];
    x[k] = s / diag[k];
  }
  let res = 0;
  for (let i = n; i < m; i++) res += y[i] * y[i];
  return { x, residualNorm: Math.sqrt(res), rDiagonal: diag.map(Math.abs) };
}
