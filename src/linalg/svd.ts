/**
 * Thin singular value decomposition A = U diag(s) Vᵀ in pure TypeScript (the fallback of the native dgesdd).
 *
 * Method: Householder QR with column pivoting first, A P = Q R, so that the sweeps run on the small cols x cols
 * Rᵀ; then one-sided (Hestenes) Jacobi: plane rotations applied to the columns of Rᵀ until every pair is
 * orthogonal to working precision, accumulating the rotations. The column norms are the singular values (details
 * at svdTall). One-sided Jacobi is accurate to working precision relative to ‖A‖ and handles rank deficiency:
 * exactly zero singular values get right vectors completed to an orthonormal set. A wide A (rows < cols) is
 * decomposed through Aᵀ.
 *
 * Layouts (row-major, as dense.ts): A rows x cols; U rows x k; s length k, descending; Vᵀ k x cols; k = min(rows, cols).
 * O(rows cols² + sweeps · cols³).
 */
import type { Matrix } from './dense.ts';

export interface Svd {
  rows: number;
  cols: number;
  k: number;
  /** rows x k row-major, orthonormal columns. */
  u: Float64Array;
  /** k singular values, descending, ≥ 0. */
  s: Float64Array;
  /** k x cols row-major, orthonormal rows. */
  vt: Float64Array;
}

const EPS = 2 ** -52;
const MAX_SWEEPS = 80;

export function svdJacobi(a: Matrix): Svd {
  const m = a.rows, n = a.cols;
  if (a.data.length !== m * n) throw new Error(`svd: data length ${a.data.length} != ${m} x ${n}`);
  if (m >= n) return svdTall(a.data, m, n);
  // A = (Aᵀ)ᵀ = (U' S V'ᵀ)ᵀ = V' S U'ᵀ: the factors of Aᵀ swap roles.
  const t = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) t[j * m + i] = a.data[i * n + j];
  const r = svdTall(t, n, m);
  const k = m;
  const u = new Float64Array(m * k); // V' is m x k: V'[i][c] = r.vt[c][i]
  for (let c = 0; c < k; c++) for (let i = 0; i < m; i++) u[i * k + c] = r.vt[c * m + i];
  const vt = new Float64Array(k * n); // U'ᵀ: vt[c][j] = r.u[j][c]
  for (let j = 0; j < n; j++) for (let c = 0; c < k; c++) vt[c * n + j] = r.u[j * k + c];
  return { rows: m, cols: n, k, u, s: r.s, vt };
}

/**
 * SVD of a row-major m x n array with m ≥ n. With A P = Q R (pivoted QR), the Jacobi sweeps run on X = Rᵀ:
 * Rᵀ V = W Σ with W the normalised columns, so R = V Σ Wᵀ and A = (Q V) Σ (P W)ᵀ. Sweeping Rᵀ of a pivoted QR
 * instead of A converges in a few sweeps (the preconditioning of Drmač and Veselić's one-sided Jacobi, LAPACK
 * dgejsv), and the left vectors Q V are orthonormal even for zero singular values.
 */
function svdTall(data: Float64Array, m: number, n: number): Svd {
  const k = n;
  if (n === 0) return { rows: m, cols: n, k, u: new Float64Array(0), s: new Float64Array(0), vt: new Float64Array(0) };
  const qr = householderQR(data, m, n);
  // X holds Rᵀ by columns (column i of Rᵀ = row i of R, contiguous), so rotations touch contiguous memory.
  const X = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) X[i * n + j] = qr.R[j * n + i];
  // Y holds V by columns: Y[j * n + i] = V[i][j].
  const Y = new Float64Array(n * n);
  for (let j = 0; j < n; j++) Y[j * n + j] = 1;
  jacobiSweeps(X, Y, n, n);

  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += X[j * n + i] * X[j * n + i];
    norms[j] = Math.sqrt(s);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const s = Float64Array.from(order, (j) => norms[j]);
  // Right vectors W by columns (in R's pivoted column order), completed where the singular value is zero.
  const Wc = new Float64Array(k * n);
  const zero: number[] = [];
  for (let c = 0; c < k; c++) {
    if (!(s[c] > 0)) {
      zero.push(c);
      continue;
    }
    const o = order[c] * n, inv = 1 / s[c];
    for (let i = 0; i < n; i++) Wc[c * n + i] = X[o + i] * inv;
  }
  for (const c of zero) completeColumn(Wc, c, k, n);
  const vt = new Float64Array(k * n);
  for (let c = 0; c < k; c++) for (let i = 0; i < n; i++) vt[c * n + qr.perm[i]] = Wc[c * n + i];
  // Left vectors Q V, column by column (length m), then row-major.
  const u = new Float64Array(m * k);
  const col = new Float64Array(m);
  for (let c = 0; c < k; c++) {
    col.fill(0);
    col.set(Y.subarray(order[c] * n, order[c] * n + n));
    applyQ(qr, col);
    for (let i = 0; i < m; i++) u[i * k + c] = col[i];
  }
  return { rows: m, cols: n, k, u, s, vt };
}

/**
 * Cyclic one-sided Jacobi on the n columns (length p) of X, rotations accumulated into the columns of Y (length n).
 * A pair (i, j) is rotated when |x_i·x_j| > tol ‖x_i‖‖x_j‖; the rotation angle zeroes x_i·x_j (Hestenes' formula
 * with the small root t of t² + 2ζt − 1 = 0). Squared norms are updated in closed form (α − tγ, β + tγ) and
 * recomputed each sweep to stop rounding drift.
 */
function jacobiSweeps(X: Float64Array, Y: Float64Array, p: number, n: number): void {
  const tol = EPS * Math.sqrt(p) * 4;
  const sq = new Float64Array(n);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      const o = j * p;
      for (let r = 0; r < p; r++) s += X[o + r] * X[o + r];
      sq[j] = s;
    }
    let rotated = false;
    for (let i = 0; i < n - 1; i++) {
      const oi = i * p, vi = i * n;
      for (let j = i + 1; j < n; j++) {
        const alpha = sq[i], beta = sq[j];
        if (alpha === 0 || beta === 0) continue;
        const oj = j * p;
        let gamma = 0;
        for (let r = 0; r < p; r++) gamma += X[oi + r] * X[oj + r];
        if (Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        for (let r = 0; r < p; r++) {
          const xi = X[oi + r], xj = X[oj + r];
          X[oi + r] = c * xi - sn * xj;
          X[oj + r] = sn * xi + c * xj;
        }
        const vj = j * n;
        for (let r = 0; r < n; r++) {
          const yi = Y[vi + r], yj = Y[vj + r];
          Y[vi + r] = c * yi - sn * yj;
          Y[vj + r] = sn * yi + c * yj;
        }
        sq[i] = alpha - t * gamma;
        sq[j] = beta + t * gamma;
      }
    }
    if (!rotated) return;
  }
  throw new Error(`svd: one-sided Jacobi did not converge in ${MAX_SWEEPS} sweeps`);
}

/**
 * Householder QR with column pivoting, A P = Q R, of a row-major m x n array (m ≥ n). At each step the remaining
 * column of largest norm is moved forward (norms recomputed exactly: O(m n²) like the factorisation itself), which
 * orders R's diagonal by decreasing magnitude. Returns the reflectors W (column-major m x n, reflector k in column k
 * from row k, H_k = I − w wᵀ / w_k), R by columns (R[j * n + i] = R_ij, zero below the diagonal) and perm
 * (column j of A P is column perm[j] of A).
 */
function householderQR(data: Float64Array, m: number, n: number): { W: Float64Array; R: Float64Array; perm: Int32Array; m: number; n: number } {
  const W = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) W[j * m + i] = data[i * n + j];
  const R = new Float64Array(n * n);
  const perm = Int32Array.from({ length: n }, (_, j) => j);
  for (let k = 0; k < n; k++) {
    let best = k, bestNorm = -1;
    for (let j = k; j < n; j++) {
      let s = 0;
      for (let i = k; i < m; i++) s += W[j * m + i] * W[j * m + i];
      if (s > bestNorm) {
        bestNorm = s;
        best = j;
      }
    }
    if (best !== k) {
      const tmp = W.slice(k * m, k * m + m);
      W.copyWithin(k * m, best * m, best * m + m);
      W.set(tmp, best * m);
      for (let i = 0; i < k; i++) {
        const t = R[k * n + i];
        R[k * n + i] = R[best * n + i];
        R[best * n + i] = t;
      }
      const p = perm[k];
      perm[k] = perm[best];
      perm[best] = p;
    }
    const ck = k * m;
    let nrm = 0;
    for (let i = k; i < m; i++) nrm = Math.hypot(nrm, W[ck + i]);
    if (nrm !== 0) {
      if (W[ck + k] < 0) nrm = -nrm;
      for (let i = k; i < m; i++) W[ck + i] /= nrm;
      W[ck + k] += 1;
      for (let j = k + 1; j < n; j++) {
        const cj = j * m;
        let s = 0;
        for (let i = k; i < m; i++) s += W[ck + i] * W[cj + i];
        s = -s / W[ck + k];
        for (let i = k; i < m; i++) W[cj + i] += s * W[ck + i];
      }
    }
    R[k * n + k] = -nrm;
    for (let j = k + 1; j < n; j++) R[j * n + k] = W[j * m + k];
  }
  return { W, R, perm, m, n };
}

/** y ← Q y = H_0 H_1 … H_{n−1} y (y of length m). Reflectors with w_k = 0 (zero column) are the identity. */
function applyQ(f: { W: Float64Array; m: number; n: number }, y: Float64Array): void {
  const { W, m, n } = f;
  for (let k = n - 1; k >= 0; k--) {
    const ck = k * m;
    if (W[ck + k] === 0) continue;
    let s = 0;
    for (let i = k; i < m; i++) s += W[ck + i] * y[i];
    s = -s / W[ck + k];
    for (let i = k; i < m; i++) y[i] += s * W[ck + i];
  }
}

/**
 * Fills column c of a by-columns basis (k columns of length m) with a unit vector orthogonal to the other k − 1
 * columns (zero ones are still zero and ignored): the first canonical basis vector that keeps ≥ 1/2 of its norm after two
 * rounds of Gram–Schmidt (one round can lose orthogonality to rounding).
 */
function completeColumn(Uc: Float64Array, c: number, k: number, m: number): void {
  const col = Uc.subarray(c * m, c * m + m);
  for (let e = 0; e < m; e++) {
    col.fill(0);
    col[e] = 1;
    for (let round = 0; round < 2; round++) {
      for (let o = 0; o < k; o++) {
        if (o === c) continue;
        const other = Uc.subarray(o * m, o * m + m);
        let d = 0;
        for (let i = 0; i < m; i++) d += other[i] * col[i];
        if (d !== 0) for (let i = 0; i < m; i++) col[i] -= d * other[i];
      }
    }
    let nrm = 0;
    for (let i = 0; i < m; i++) nrm += col[i] * col[i];
    nrm = Math.sqrt(nrm);
    if (nrm > 0.5) {
      for (let i = 0; i < m; i++) col[i] /= nrm;
      return;
    }
  }
  throw new Error('svd: could not complete an orthonormal basis');
}
