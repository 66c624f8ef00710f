/**
 * Laplace (Gauss–Newton) covariance at an optimum: C = T·(JᵀJ)⁻¹, J = ∂r/∂θ of the problem's residuals (for a
 * FitProblem with balance 'none' at the true σ, the inverse Fisher information; T the temperature of mcmc.ts).
 * Computed as in analysis/fisher.ts: in scaled coordinates u_p = θ_p / s_p, s_p = max(|θ_p|, 1), by a symmetric
 * eigen-decomposition, as the pseudo-inverse over eigenvalues above `nullThreshold`·λmax (null directions get no
 * variance; `nNull` says how many were dropped). Returned P × P row-major in parameter units.
 */
import { UserError } from '../core/errors.ts';
import { symEigen } from '../linalg/eigen.ts';
import type { LeastSquaresProblem } from '../fit/problem.ts';

export interface LaplaceResult {
  cov: Float64Array;
  std: Float64Array;
  nNull: number;
}

export function laplaceCovariance(problem: LeastSquaresProblem, theta: ArrayLike<number>, opts: { temperature?: number; nullThreshold?: number } = {}): LaplaceResult {
  const P = problem.nParams;
  if (theta.length !== P) throw new UserError(`laplaceCovariance: expected ${P} parameters, got ${theta.length}`);
  const { J } = problem.residualsAndJacobian(Float64Array.from(theta));
  const N = problem.nResiduals;
  const s = Float64Array.from(theta, (v) => Math.max(Math.abs(v), 1));
  const G = new Float64Array(P * P);
  for (let k = 0; k < N; k++)
    for (let a = 0; a < P; a++) {
      const ja = J[k * P + a] * s[a];
      if (ja === 0) continue;
      for (let b = 0; b < P; b++) G[a * P + b] += ja * J[k * P + b] * s[b];
    }
  const eig = symEigen({ rows: P, cols: P, data: G });
  const lmax = Math.max(0, ...eig.values);
  const tol = (opts.nullThreshold ?? 1e3 * 2 ** -52 * Math.max(P, Math.sqrt(N))) * lmax;
  const T = opts.temperature ?? 1;
  const cov = new Float64Array(P * P);
  let nNull = 0;
  for (let c = 0; c < P; c++) {
    const l = eig.values[c];
    if (!(l > tol)) {
      nNull++;
      continue;
    }
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) cov[a * P + b] += (T * s[a] * eig.vectors[a * P + c] * eig.vectors[b * P + c] * s[b]) / l;
  }
  return { cov, std: Float64Array.from({ length: P }, (_, p) => Math.sqrt(cov[p * P + p])), nNull };
}
