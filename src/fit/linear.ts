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
 */
import { cholesky, choleskySolve } from '../linalg/cholesky.ts';
import { regularizationOperator, type RegularizationSettings } from './regularization.ts';
import type { LeastSquaresProblem, SolverResult } from './problem.ts';
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

interface Normal {
  A: Float64Array;
  g: Float64Array;
  c: number; // r₀ᵀr₀
  n: number;
}

function normalEquations(J: Float64Array, r0: Float64Array, P: number, rowsMask?: (k: number) => boolean): Normal {
  const A = new Float64Array(P * P), g = new Float64Array(P);
  let c = 0, n = 0;
  const N = r0.length;
  for (let k = 0; k < N; k++) {
    if (rowsMask && !rowsMask(k)) continue;
    n++;
    const rk = r0[k];
    c += rk * rk;
    const o = k * P;
    for (let p = 0; p < P; p++) {
      const jp = J[o + p];
      if (jp === 0) continue;
      g[p] -= jp * rk;
      for (let q = p; q < P; q++) A[p * P + q] += jp * J[o + q];
    }
  }
  for (let p = 0; p < P; p++) for (let q = p + 1; q < P; q++) A[q * P + p] = A[p * P + q];
  return { A, g, c, n };
}

function gram(R: Float64Array, rows: number, P: number): Float64Array {
  const O = new Float64Array(P * P);
  for (let i = 0; i < rows; i++)
    for (let p = 0; p < P; p++) {
      const a = R[i * P + p];
      if (a === 0) continue;
      for (let q = 0; q < P; q++) O[p * P + q] += a * R[i * P + q];
    }
  return O;
}

function solveWith(ne: Normal, Or: Float64Array, Os: Float64Array, lr: number, ls: number, P: number): Float64Array | undefined {
  const M = new Float64Array(P * P);
  for (let i = 0; i < P * P; i++) M[i] = ne.A[i] + lr * Or[i] + ls * Os[i];
  // a tiny relative jitter keeps exactly singular systems (unconstrained directions) solvable; reported via status
  let ch = cholesky({ rows: P, cols: P, data: M });
  if (!ch.ok) {
    let d = 0;
    for (let p = 0; p < P; p++) d = Math.max(d, M[p * P + p]);
    for (let p = 0; p < P; p++) M[p * P + p] += 1e-13 * (d || 1);
    ch = cholesky({ rows: P, cols: P, data: M });
    if (!ch.ok) return undefined;
  }
  return choleskySolve(ch, ne.g);
}

function rss(ne: Normal, theta: Float64Array, P: number): number {
  // ‖Jθ + r₀‖² = θᵀAθ − 2θᵀg + c
  let q = 0, l = 0;
  for (let p = 0; p < P; p++) {
    let s = 0;
    for (let t = 0; t < P; t++) s += ne.A[p * P + t] * theta[t];
    q += theta[p] * s;
    l += theta[p] * ne.g[p];
  }
  return Math.max(0, q - 2 * l + ne.c);
}

function traceHat(ne: Normal, Or: Float64Array, Os: Float64Array, lr: number, ls: number, P: number): number {
  const M = new Float64Array(P * P);
  for (let i = 0; i < P * P; i++) M[i] = ne.A[i] + lr * Or[i] + ls * Os[i];
  const ch = cholesky({ rows: P, cols: P, data: M });
  if (!ch.ok) return P;
  let t = 0;
  const col = new Float64Array(P);
  for (let j = 0; j < P; j++) {
    for (let p = 0; p < P; p++) col[p] = ne.A[p * P + j];
    const x = choleskySolve(ch, col);
    t += x[j];
  }
  return t;
}

export function solveLinear(problem: LeastSquaresProblem, opts: LinearOptions): LinearResult {
  const P = problem.nParams;
  const zero = new Float64Array(P);
  const { r: r0, J } = problem.residualsAndJacobian(zero);
  const N = r0.length;
  const ne = normalEquations(J, r0, P);
  const ridgeOp = regularizationOperator(P, opts.nModelParams, problem.paramNames, { ridge: 1, smoothness: 0 });
  const smoothOp = regularizationOperator(P, opts.nModelParams, problem.paramNames, { ridge: 0, smoothness: 1 });
  const Or = gram(ridgeOp.R, ridgeOp.rows, P), Os = gram(smoothOp.R, smoothOp.rows, P);
  let meanDiag = 0;
  for (let p = 0; p < P; p++) meanDiag += ne.A[p * P + p] / P;
  const grid = (opts.grid ?? DEFAULT_GRID).map((s) => s * (meanDiag || 1));
  const ridges = opts.ridge === 'auto' ? grid : [opts.ridge];
  const smooths = opts.smoothness === 'auto' ? grid : [opts.smoothness];
  const auto = opts.ridge === 'auto' || opts.smoothness === 'auto';

  let best = { ridge: ridges[0], smoothness: smooths[0], score: Infinity };
  const selection: { ridge: number; smoothness: number; score: number }[] = [];
  if (auto) {
    let foldNe: Normal[] | undefined;
    if (opts.folds) {
      const nf = Math.max(...opts.folds) + 1;
      foldNe = Array.from({ length: nf }, (_, f) => normalEquations(J, r0, P, (k) => opts.folds![k] === f));
    }
    for (const lr of ridges) {
      for (const ls of smooths) {
        let score: number;
        if (foldNe) {
          score = 0;
          for (const fe of foldNe) {
            const train: Normal = { A: ne.A.map((v, i) => v - fe.A[i]), g: ne.g.map((v, i) => v - fe.g[i]), c: ne.c - fe.c, n: ne.n - fe.n };
            const th = solveWith(train, Or, Os, lr, ls, P);
            score += th ? rss(fe, th, P) : Infinity;
          }
        } else {
          const th = solveWith(ne, Or, Os, lr, ls, P);
          const tr = traceHat(ne, Or, Os, lr, ls, P);
          score = th && N > tr ? (N * rss(ne, th, P)) / (N - tr) ** 2 : Infinity;
        }
        selection.push({ ridge: lr, smoothness: ls, score });
        if (score < best.score) best = { ridge: lr, smoothness: ls, score };
      }
    }
  }
  const theta = solveWith(ne, Or, Os, best.ridge, best.smoothness, P);
  if (!theta) {
    return { params: zero, status: 'nonFinite', iterations: 0, loss: NaN, message: 'normal equations are singular even with jitter', history: [], ridge: best.ridge, smoothness: best.smoothness, effectiveParams: NaN };
  }
  const r = problem.residuals(theta);
  const loss = sumSquares(r);
  const terms = problem.lossTerms ? problem.lossTerms(r) : { total: loss };
  const status = theta.every(Number.isFinite) ? 'converged' : 'nonFinite';
  return {
    params: theta,
    status,
    iterations: 1,
    loss,
    message: auto ? `strengths chosen by ${opts.folds ? 'cross-validation' : 'GCV'}` : 'solved normal equations',
    history: [{ iteration: 1, loss, terms }],
    ridge: best.ridge,
    smoothness: best.smoothness,
    selection: auto ? selection : undefined,
    effectiveParams: traceHat(ne, Or, Os, best.ridge, best.smoothness, P),
  };
}

export type { RegularizationSettings };
