/**
 * One interface over two dense linear-algebra back ends: 'native' (OpenBLAS + LAPACKE through the optional addon,
 * see native.ts) and 'ts' (the pure-TypeScript kernels of this folder). Both take and return row-major Float64Array
 * data (dense.ts layout) and agree to ~1e-10 relative on well-conditioned input; factors that are unique only up to
 * sign (eigenvectors, singular vectors) may differ in sign.
 *
 * Selection (`getBackend`): PESFIT_LINALG=ts forces TypeScript; =native requires the addon (error if it is not
 * built); unset, empty or 'auto' takes native when the addon loads, else TypeScript.
 *
 * Contracts shared by both back ends:
 * - gram(a, rows, cols): G = AᵀA, cols x cols, both triangles. transposeTimes(a, rows, cols, b): Aᵀb.
 * - syrkAccumulate(g, a, rows, cols): IN PLACE, the upper triangle (j ≥ i) of g += AᵀA, the strict lower triangle
 *   untouched (streamed normal equations: one block of rows per call, gram.ts mirrorUpper once at the end).
 * - choleskyInverse(f): (L Lᵀ)⁻¹, both triangles, from either back end's factor.
 * - symEigen(A): eigen.ts SymEigen (values ascending, column k of `vectors` is eigenvector k); A symmetric.
 * - cholesky(A) / choleskySolve(f, b): cholesky.ts CholeskyResult (L lower, row-major; `pivot` 0-based on failure);
 *   a factor from either back end can be solved by either.
 * - leastSquares(A, b): qr.ts QRLeastSquares, QR of a full-column-rank A with rows ≥ cols; throws when R has an
 *   exact zero on its diagonal. For rank-deficient problems use leastSquaresSvd.
 * - svd(A): svd.ts Svd (thin, s descending). leastSquaresSvd(A, b, rcond): the minimum-norm solution, singular
 *   values below rcond·s_max treated as zero (default rcond = eps·max(rows, cols), numpy's lstsq choice).
 */
import { ConfigError } from '../core/errors.ts';
import type { Matrix } from './dense.ts';
import { matTvec } from './dense.ts';
import { cholesky as tsCholesky, choleskyInverse as tsCholeskyInverse, choleskySolve as tsCholeskySolve, type CholeskyResult } from './cholesky.ts';
import { symEigen as tsSymEigen, type SymEigen } from './eigen.ts';
import { qrLeastSquares, type QRLeastSquares } from './qr.ts';
import { svdJacobi, type Svd } from './svd.ts';
import { gramAccumulateUpper, gramBlocked } from './gram.ts';
import { loadNativeLinalg, nativeLinalgError, type NativeLinalg } from './native.ts';

export type { Svd } from './svd.ts';

export interface MinNormLeastSquares {
  x: Float64Array;
  /** Number of singular values kept (> rcond · s_max). */
  rank: number;
  singularValues: Float64Array;
  /** ‖A x − b‖. */
  residualNorm: number;
}

export type BackendName = 'native' | 'ts';

export interface LinalgBackend {
  readonly name: BackendName;
  gram(a: Float64Array, rows: number, cols: number): Float64Array;
  syrkAccumulate(g: Float64Array, a: Float64Array, rows: number, cols: number): void;
  choleskyInverse(f: { L: Float64Array; n: number }): Float64Array;
  transposeTimes(a: Float64Array, rows: number, cols: number, b: ArrayLike<number>): Float64Array;
  symEigen(a: Matrix): SymEigen;
  cholesky(a: Matrix): CholeskyResult;
  choleskySolve(f: { L: Float64Array; n: number }, b: ArrayLike<number>): Float64Array;
  leastSquares(a: Matrix, b: ArrayLike<number>): QRLeastSquares;
  svd(a: Matrix): Svd;
  leastSquaresSvd(a: Matrix, b: ArrayLike<number>, rcond?: number): MinNormLeastSquares;
}

function checkShape(what: string, data: Float64Array, rows: number, cols: number): void {
  if (data.length !== rows * cols) throw new Error(`${what}: data length ${data.length} != ${rows} x ${cols}`);
}

function checkLength(what: string, b: ArrayLike<number>, n: number): void {
  if (b.length !== n) throw new Error(`${what}: right-hand side has ${b.length} entries, expected ${n}`);
}

function asF64(b: ArrayLike<number>): Float64Array {
  return b instanceof Float64Array ? b : Float64Array.from(b);
}

function requireFullRank(r: QRLeastSquares): QRLeastSquares {
  const k = r.rDiagonal.findIndex((d) => !(d > 0));
  if (k >= 0) throw new Error(`leastSquares: R[${k}][${k}] = 0, the matrix is rank deficient (use leastSquaresSvd)`);
  return r;
}

/** Minimum-norm least squares from any back end's SVD: x = V diag(1/s_i, s_i > rcond·s_max) Uᵀ b. */
function minNormFromSvd(svd: (a: Matrix) => Svd, a: Matrix, b: ArrayLike<number>, rcond?: number): MinNormLeastSquares {
  checkLength('leastSquaresSvd', b, a.rows);
  const f = svd(a);
  const { k, u, s, vt } = f;
  const m = a.rows, n = a.cols;
  const cut = (rcond ?? 2 ** -52 * Math.max(m, n)) * (k ? s[0] : 0);
  const x = new Float64Array(n);
  let rank = 0;
  for (let c = 0; c < k; c++) {
    if (!(s[c] > cut)) break;
    rank++;
    let proj = 0;
    for (let i = 0; i < m; i++) proj += u[i * k + c] * b[i];
    const coef = proj / s[c];
    for (let j = 0; j < n; j++) x[j] += coef * vt[c * n + j];
  }
  let res = 0;
  for (let i = 0; i < m; i++) {
    let r = -b[i];
    for (let j = 0; j < n; j++) r += a.data[i * n + j] * x[j];
    res += r * r;
  }
  return { x, rank, singularValues: s, residualNorm: Math.sqrt(res) };
}

export const tsBackend: LinalgBackend = {
  name: 'ts',
  gram: (a, rows, cols) => gramBlocked(a, rows, cols),
  syrkAccumulate: (g, a, rows, cols) => gramAccumulateUpper(g, a, rows, cols),
  choleskyInverse: (f) => tsCholeskyInverse(f),
  transposeTimes(a, rows, cols, b) {
    checkShape('transposeTimes', a, rows, cols);
    checkLength('transposeTimes', b, rows);
    return matTvec({ rows, cols, data: a }, b);
  },
  symEigen: (a) => tsSymEigen(a),
  cholesky: (a) => tsCholesky(a),
  choleskySolve(f, b) {
    checkLength('choleskySolve', b, f.n);
    return tsCholeskySolve(f, b);
  },
  leastSquares(a, b) {
    checkLength('leastSquares', b, a.rows);
    return requireFullRank(qrLeastSquares(a, b));
  },
  svd: (a) => svdJacobi(a),
  leastSquaresSvd: (a, b, rcond) => minNormFromSvd(svdJacobi, a, b, rcond),
};

function makeNativeBackend(addon: NativeLinalg): LinalgBackend {
  const svd = (a: Matrix): Svd => {
    checkShape('svd', a.data, a.rows, a.cols);
    const r = addon.gesdd(a.data, a.rows, a.cols);
    if (r.info !== 0) throw new Error(`svd: dgesdd did not converge (info ${r.info})`);
    return { rows: a.rows, cols: a.cols, k: Math.min(a.rows, a.cols), u: r.u, s: r.s, vt: r.vt };
  };
  return {
    name: 'native',
    gram(a, rows, cols) {
      checkShape('gram', a, rows, cols);
      return addon.gram(a, rows, cols);
    },
    syrkAccumulate(g, a, rows, cols) {
      checkShape('syrkAccumulate', a, rows, cols);
      checkShape('syrkAccumulate accumulator', g, cols, cols);
      addon.syrkAcc(g, a, rows, cols);
    },
    choleskyInverse(f) {
      checkShape('choleskyInverse', f.L, f.n, f.n);
      const r = addon.potri(f.L, f.n);
      // a valid Cholesky factor has a positive diagonal, so dpotri can only fail on a corrupted one
      if (r.info !== 0) throw new Error(`choleskyInverse: dpotri failed (info ${r.info}): the factor is singular`);
      return r.inv;
    },
    transposeTimes(a, rows, cols, b) {
      checkShape('transposeTimes', a, rows, cols);
      checkLength('transposeTimes', b, rows);
      return addon.atb(a, rows, cols, asF64(b));
    },
    symEigen(a) {
      if (a.cols !== a.rows) throw new Error('symEigen: matrix is not square');
      checkShape('symEigen', a.data, a.rows, a.cols);
      const r = addon.syevd(a.data, a.rows);
      if (r.info !== 0) throw new Error(`symEigen: dsyevd did not converge (info ${r.info})`);
      return { values: r.values, vectors: r.vectors, n: a.rows };
    },
    cholesky(a) {
      if (a.cols !== a.rows) throw new Error('cholesky: matrix is not square');
      checkShape('cholesky', a.data, a.rows, a.cols);
      const r = addon.potrf(a.data, a.rows);
      // dpotrf's info is the 1-based order of the first leading minor that is not positive definite.
      return r.info === 0 ? { ok: true, L: r.l, n: a.rows } : { ok: false, pivot: r.info - 1 };
    },
    choleskySolve(f, b) {
      checkLength('choleskySolve', b, f.n);
      return addon.potrs(f.L, f.n, asF64(b));
    },
    leastSquares(a, b) {
      checkShape('leastSquares', a.data, a.rows, a.cols);
      checkLength('leastSquares', b, a.rows);
      if (a.rows < a.cols) throw new Error(`leastSquares: ${a.rows} rows < ${a.cols} columns (underdetermined)`);
      const r = addon.gels(a.data, a.rows, a.cols, asF64(b));
      // dgels reports info > 0 exactly when a diagonal entry of R is zero.
      return requireFullRank({ x: r.x, residualNorm: r.residualNorm, rDiagonal: r.rDiagonal });
    },
    svd,
    leastSquaresSvd: (a, b, rcond) => minNormFromSvd(svd, a, b, rcond),
  };
}

let nativeBackend: LinalgBackend | null | undefined;

/** The native back end, or null when the addon is not built or does not load (see nativeBackendError). */
export function getNativeBackend(): LinalgBackend | null {
  if (nativeBackend === undefined) {
    const addon = loadNativeLinalg();
    nativeBackend = addon ? makeNativeBackend(addon) : null;
  }
  return nativeBackend;
}

/** Why the native back end is unavailable, if it is. */
export function nativeBackendError(): string | undefined {
  getNativeBackend();
  return nativeLinalgError();
}

/** The back end selected by PESFIT_LINALG (see the file header). */
export function getBackend(): LinalgBackend {
  const want = process.env.PESFIT_LINALG ?? '';
  if (want === 'ts') return tsBackend;
  if (want !== '' && want !== 'auto' && want !== 'native') {
    throw new ConfigError('PESFIT_LINALG', `expected 'ts', 'native' or 'auto', got '${want}'`);
  }
  const native = getNativeBackend();
  if (native) return native;
  if (want === 'native') throw new ConfigError('PESFIT_LINALG', `native back end requested but unavailable: ${nativeBackendError()}`);
  return tsBackend;
}
