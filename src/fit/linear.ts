/**
 * Linear least squares for models whose residuals are affine in θ (tabulated pair splines, SNAP, energy offsets):
 * r(θ) = J θ + r₀. Minimises ‖J θ + r₀‖² + θᵀ(λ_r Ω_r + λ_s Ω_s)θ through the normal equations
 * (A + λΩ) θ = −Jᵀ r₀, A = JᵀJ, solved by Cholesky (streamed: only A and Jᵀr₀ are kept per fold).
 *
 * A regularisation strength may be 'auto': chosen on a logarithmic grid, relative to mean diag(A), by
 *   - generalised cross-validation GCV(λ) = N ‖r(λ)‖² / (N − tr H(λ))², tr H = tr((A + λΩ)⁻¹ A), or
 *   - K-fold / leave-group-out cross-validation when each row's fold is given: per-fold normal equations A_f, g_f
 *     are accumulated once; the fit without fold f uses A − A_f, and its held-out loss is evaluated exactly from
 *     the fold's rows. A configuration's rows always share one fold.
 *
 * Dense work goes through linalg/backend.ts (native OpenBLAS/LAPACKE when built): A is accumulated by rank-k updates
 * (dsyrk) over blocks of rows, never from more than one block at a time (so normal-equations.ts can feed it a row
 * stream), and solves use dpotrf/dpotrs. GCV's tr H per grid point is one Cholesky plus one inverse (dpotri), then
 * an O(P²) elementwise product; measured at P = 1596 on this machine kind in bench/linalg.ts (the eigen-basis
 * alternative needs a positive-definite Ω, which the ridge (offsets unpenalised) and smoothness operators are not).
 */
import { getBackend, type LinalgBackend } from '../linalg/backend.ts';
import { regularizationOperator, ridgeMetricMean, type RegularizationSettings } from './regularization.ts';
import type { LeastSquaresProblem, SolverResult, SolverStatus } from './problem.ts';
import { sumSquares } from './problem.ts';

export type Strength = number | 'auto';

export interface LinearOptions {
  nModelParams: number;
  ridge: Strength;
  smoothness: Strength;
  /** Fold index of each residual row (same length as the problem's residuals); CV instead of GCV for 'auto'. */
  folds?: Int32Array;
  /** Grid of relative strengths for 'auto' (multiplied by mean diag(A)). */
  grid?: number[];
  /** Standardised ridge: the per-model-parameter metric d_p (regularization.ts); plain ridge when omitted. */
  ridgeWeights?: ArrayLike<number>;
}

export interface LinearResult extends SolverResult {
  ridge: number;
  smoothness: number;
  /** The selection score (GCV or CV loss) per tried (ridge, smoothness), when any strength was 'auto'. */
  selection?: { ridge: number; smoothness: number; score: number }[];
  /** tr H: the effective number of parameters at the chosen strengths. */
  effectiveParams: number;
}

/** Relative strengths 1e-12 … 1e8: smoothness penalties act on smooth modes with eigenvalues ∝ (k/P)⁴, so their useful
 * range reaches far above the ridge range. */
export const DEFAULT_GRID = Array.from({ length: 21 }, (_, k) => 10 ** (-12 + k));

/** Normal equations of r(θ) = Jθ + r₀: A = JᵀJ (P x P, both triangles), g = −Jᵀr₀, c = r₀ᵀr₀, n rows. */
export interface NormalEquations {
  A: Float64Array;
  g: Float64Array;
  c: number;
  n: number;
}

/** Rows per Gram call when a materialised Jacobian is reduced (bounds the copy of a fold's rows). */
const BLOCK_ROWS = 1024;

/** Normal equations of the rows of J (rows x P) selected by `mask` (all rows when omitted), in blocks of rows. */
export function normalEquations(J: Float64Array, r0: Float64Array, P: number, mask?: (k: number) => boolean, backend: LinalgBackend = getBackend()): NormalEquations {
  const A = new Float64Array(P * P), g = new Float64Array(P);
  const buf = new Float64Array(BLOCK_ROWS * P);
  let c = 0, n = 0, nb = 0;
  const flush = () => {
    if (nb) backend.syrkAccumulate(A, nb === BLOCK_ROWS ? buf : buf.subarray(0, nb * P), nb, P);
    nb = 0;
  };
  for (let k = 0; k < r0.length; k++) {
    if (mask && !mask(k)) continue;
    n++;
    const rk = r0[k];
    c += rk * rk;
    const row = J.subarray(k * P, (k + 1) * P);
    for (let p = 0; p < P; p++) g[p] -= row[p] * rk;
    buf.set(row, nb * P);
    if (++nb === BLOCK_ROWS) flush();
  }
  flush();
  mirror(A, P);
  return { A, g, c, n };
}

function mirror(A: Float64Array, P: number): void {
  for (let p = 0; p < P; p++) for (let q = p + 1; q < P; q++) A[q * P + p] = A[p * P + q];
}

/** RᵀR of a regularisation operator (rows x P). */
export function operatorGram(R: Float64Array, rows: number, P: number): Float64Array {
  const O = new Float64Array(P * P);
  for (let i = 0; i < rows; i++)
    for (let p = 0; p < P; p++) {
      const a = R[i * P + p];
      if (a === 0) continue;
      for (let q = 0; q < P; q++) O[p * P + q] += a * R[i * P + q];
    }
  return O;
}

function factor(ne: NormalEquations, Or: Float64Array, Os: Float64Array, lr: number, ls: number, P: number, be: LinalgBackend) {
  const M = new Float64Array(P * P);
  for (let i = 0; i < P * P; i++) M[i] = ne.A[i] + lr * Or[i] + ls * Os[i];
  // a tiny relative jitter keeps exactly singular systems (unconstrained directions) solvable; reported via status
  let ch = be.cholesky({ rows: P, cols: P, data: M });
  if (!ch.ok) {
    let d = 0;
    for (let p = 0; p < P; p++) d = Math.max(d, M[p * P + p]);
    for (let p = 0; p < P; p++) M[p * P + p] += 1e-13 * (d || 1);
    ch = be.cholesky({ rows: P, cols: P, data: M });
  }
  return ch.ok ? ch : undefined;
}

/** θ = (A + λ_r Ω_r + λ_s Ω_s)⁻¹ g (with the jitter of `factor` when singular), or undefined. */
export function solveWith(ne: NormalEquations, Or: Float64Array, Os: Float64Array, lr: number, ls: number, P: number, be: LinalgBackend): Float64Array | undefined {
  const ch = factor(ne, Or, Os, lr, ls, P, be);
  return ch ? be.choleskySolve(ch, ne.g) : undefined;
}

/** ‖Jθ + r₀‖² = θᵀAθ − 2θᵀg + c (clamped at 0 against rounding). */
export function normalRss(ne: NormalEquations, theta: ArrayLike<number>): number {
  const P = theta.length;
  let q = 0, l = 0;
  for (let p = 0; p < P; p++) {
    let s = 0;
    const o = p * P;
    for (let t = 0; t < P; t++) s += ne.A[o + t] * theta[t];
    q += theta[p] * s;
    l += theta[p] * ne.g[p];
  }
  return Math.max(0, q - 2 * l + ne.c);
}

/** tr((A + λΩ)⁻¹ A) = Σ_ij [(A + λΩ)⁻¹]_ij A_ij: one factorisation and one inverse (dpotri) per call. */
function traceHat(ne: NormalEquations, Or: Float64Array, Os: Float64Array, lr: number, ls: number, P: number, be: LinalgBackend): number {
  const M = new Float64Array(P * P);
  for (let i = 0; i < P * P; i++) M[i] = ne.A[i] + lr * Or[i] + ls * Os[i];
  const ch = be.cholesky({ rows: P, cols: P, data: M });
  if (!ch.ok) return P;
  const inv = be.choleskyInverse(ch);
  let t = 0;
  for (let i = 0; i < P * P; i++) t += inv[i] * ne.A[i];
  return t;
}

function subtract(a: NormalEquations, b: NormalEquations): NormalEquations {
  return { A: a.A.map((v, i) => v - b.A[i]), g: a.g.map((v, i) => v - b.g[i]), c: a.c - b.c, n: a.n - b.n };
}

export interface NormalSolution {
  params: Float64Array;
  status: SolverStatus;
  message: string;
  ridge: number;
  smoothness: number;
  selection?: { ridge: number; smoothness: number; score: number }[];
  effectiveParams: number;
}

/**
 * The solver on normal equations (the materialised solveLinear and the streamed fits both end here).
 * @param foldNormals per-fold normal equations (their sum is `ne`), for CV selection of 'auto' strengths
 */
export function solveNormal(
  ne: NormalEquations, paramNames: readonly string[], opts: Omit<LinearOptions, 'folds'>, foldNormals?: NormalEquations[],
  backend: LinalgBackend = getBackend(),
): NormalSolution {
  const P = paramNames.length;
  const ridgeOp = regularizationOperator(P, opts.nModelParams, paramNames, { ridge: 1, smoothness: 0, ridgeWeights: opts.ridgeWeights });
  const smoothOp = regularizationOperator(P, opts.nModelParams, paramNames, { ridge: 0, smoothness: 1 });
  const Or = operatorGram(ridgeOp.R, ridgeOp.rows, P), Os = operatorGram(smoothOp.R, smoothOp.rows, P);
  let meanDiag = 0;
  for (let p = 0; p < P; p++) meanDiag += ne.A[p * P + p] / P;
  const grid = (opts.grid ?? DEFAULT_GRID).map((s) => s * (meanDiag || 1));
  const metricMean = ridgeMetricMean(opts.ridgeWeights, opts.nModelParams);
  const ridges = opts.ridge === 'auto' ? grid.map((s) => s / metricMean) : [opts.ridge];
  const smooths = opts.smoothness === 'auto' ? grid : [opts.smoothness];
  const auto = opts.ridge === 'auto' || opts.smoothness === 'auto';
  const N = ne.n;

  let best = { ridge: ridges[0], smoothness: smooths[0], score: Infinity };
  const selection: { ridge: number; smoothness: number; score: number }[] = [];
  if (auto) {
    const train = foldNormals?.map((fe) => subtract(ne, fe));
    for (const lr of ridges) {
      for (const ls of smooths) {
        let score: number;
        if (foldNormals && train) {
          score = 0;
          foldNormals.forEach((fe, f) => {
            const th = solveWith(train[f], Or, Os, lr, ls, P, backend);
            score += th ? normalRss(fe, th) : Infinity;
          });
        } else {
          const th = solveWith(ne, Or, Os, lr, ls, P, backend);
          const tr = traceHat(ne, Or, Os, lr, ls, P, backend);
          score = th && N > tr ? (N * normalRss(ne, th)) / (N - tr) ** 2 : Infinity;
        }
        selection.push({ ridge: lr, smoothness: ls, score });
        if (score < best.score) best = { ridge: lr, smoothness: ls, score };
      }
    }
  }
  const theta = solveWith(ne, Or, Os, best.ridge, best.smoothness, P, backend);
  const common = { ridge: best.ridge, smoothness: best.smoothness, selection: auto ? selection : undefined };
  if (!theta) return { ...common, params: new Float64Array(P), status: 'nonFinite', message: 'normal equations are singular even with jitter', effectiveParams: NaN };
  return {
    ...common,
    params: theta,
    status: theta.every(Number.isFinite) ? 'converged' : 'nonFinite',
    message: auto ? `strengths chosen by ${foldNormals ? 'cross-validation' : 'GCV'}` : 'solved normal equations',
    effectiveParams: traceHat(ne, Or, Os, best.ridge, best.smoothness, P, backend),
  };
}

export function solveLinear(problem: LeastSquaresProblem, opts: LinearOptions): LinearResult {
  const P = problem.nParams;
  const zero = new Float64Array(P);
  const { r: r0, J } = problem.residualsAndJacobian(zero);
  const backend = getBackend();
  const ne = normalEquations(J, r0, P, undefined, backend);
  const auto = opts.ridge === 'auto' || opts.smoothness === 'auto';
  let foldNe: NormalEquations[] | undefined;
  if (auto && opts.folds) {
    const folds = opts.folds;
    const nf = Math.max(...folds) + 1;
    foldNe = Array.from({ length: nf }, (_, f) => normalEquations(J, r0, P, (k) => folds[k] === f, backend));
  }
  const sol = solveNormal(ne, problem.paramNames, opts, foldNe, backend);
  if (sol.status === 'nonFinite' && !sol.params.some((v) => v !== 0)) {
    return { ...sol, iterations: 0, loss: NaN, history: [] };
  }
  const r = problem.residuals(sol.params);
  const loss = sumSquares(r);
  const terms = problem.lossTerms ? problem.lossTerms(r) : { total: loss };
  return { ...sol, iterations: 1, loss, history: [{ iteration: 1, loss, terms }] };
}

export type { RegularizationSettings };
