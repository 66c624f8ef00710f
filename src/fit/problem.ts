/**
 * The generic nonlinear least-squares problem every solver works on: minimise J(θ) = Σ_k r_k(θ)² (the objective is
 * built so that J equals the composite weighted loss), with an optional exact Jacobian ∂r_k/∂θ_p (rows x params,
 * row-major) and box bounds. Solvers return an explicit status, never a silent break.
 */

export interface LeastSquaresProblem {
  readonly nParams: number;
  readonly nResiduals: number;
  readonly paramNames: readonly string[];
  readonly lower: Float64Array;
  readonly upper: Float64Array;
  /** Residual vector r(θ). */
  residuals(theta: Float64Array): Float64Array;
  /** Residuals and Jacobian (nResiduals x nParams row-major). */
  residualsAndJacobian(theta: Float64Array): { r: Float64Array; J: Float64Array };
  /** Loss split by term (e.g. energy, force, stress, regularisation) for progress and history. */
  lossTerms?(r: Float64Array): Record<string, number>;
}

export type SolverStatus = 'converged' | 'maxIterations' | 'stalled' | 'nonFinite' | 'interrupted';

export interface IterationRecord {
  iteration: number;
  loss: number;
  terms: Record<string, number>;
  /** Damping (LM), step length or population spread, as the solver defines it. */
  step?: number;
}

export interface SolverResult {
  params: Float64Array;
  status: SolverStatus;
  iterations: number;
  loss: number;
  message: string;
  history: IterationRecord[];
}

export interface SolverProgress {
  (rec: IterationRecord): void;
}

/** Sum of squares. */
/** a followed by b (extra residual rows, or extra Jacobian rows of the same width). */
export function concatRows(a: Float64Array, b: Float64Array): Float64Array {
  const r = new Float64Array(a.length + b.length);
  r.set(a);
  r.set(b, a.length);
  return r;
}

export function sumSquares(r: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * r[i];
  return s;
}

export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/** Clamps θ into [lower, upper] in place. */
export function project(theta: Float64Array, lower: Float64Array, upper: Float64Array): void {
  for (let i = 0; i < theta.length; i++) {
    if (theta[i] < lower[i]) theta[i] = lower[i];
    else if (theta[i] > upper[i]) theta[i] = upper[i];
  }
}

/**
 * The same problem over a subset of its parameters: the others stay at their values in `full`.
 * `free[p]` marks parameter p as fitted. Use `expand` to turn a reduced vector back into the full one.
 */
export function restrictParameters(problem: LeastSquaresProblem, free: readonly boolean[], full: ArrayLike<number>): LeastSquaresProblem & { expand(reduced: ArrayLike<number>): Float64Array; reduce(fullTheta: ArrayLike<number>): Float64Array } {
  const idx = free.map((f, p) => (f ? p : -1)).filter((p) => p >= 0);
  const base = Float64Array.from(full);
  const F = idx.length, P = problem.nParams;
  const expand = (reduced: ArrayLike<number>): Float64Array => {
    const t = base.slice();
    idx.forEach((p, k) => (t[p] = reduced[k]));
    return t;
  };
  const reduce = (fullTheta: ArrayLike<number>): Float64Array => Float64Array.from(idx, (p) => fullTheta[p]);
  return {
    nParams: F,
    nResiduals: problem.nResiduals,
    paramNames: idx.map((p) => problem.paramNames[p]),
    lower: Float64Array.from(idx, (p) => problem.lower[p]),
    upper: Float64Array.from(idx, (p) => problem.upper[p]),
    residuals: (theta) => problem.residuals(expand(theta)),
    residualsAndJacobian(theta) {
      const { r, J } = problem.residualsAndJacobian(expand(theta));
      const N = r.length;
      const Jr = new Float64Array(N * F);
      for (let k = 0; k < N; k++) for (let a = 0; a < F; a++) Jr[k * F + a] = J[k * P + idx[a]];
      return { r, J: Jr };
    },
    lossTerms: problem.lossTerms?.bind(problem),
    expand,
    reduce,
  };
}
