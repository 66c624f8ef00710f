/**
 * Levenberg–Marquardt for bounded nonlinear least squares with exact Jacobians.
 *
 * Step: (JᵀJ + μ D) δ = −Jᵀr over the free parameters, D = diag(JᵀJ) floored at 1e-12·max diag (Marquardt scaling,
 * invariant to parameter units). Bounds: parameters at a bound whose gradient pushes outward are held (active set),
 * the rest take the projected step. Damping update of Nielsen (1999): on acceptance μ ← μ·max(1/3, 1 − (2ρ − 1)³),
 * on rejection μ ← μ·ν, ν ← 2ν, where ρ is actual over predicted reduction.
 * Stops with: converged (relative loss reduction < ftol on an accepted step, or projected gradient ‖g‖∞ < gtol,
 * or relative step < xtol), maxIterations, stalled (μ beyond 1e20: no descent found), nonFinite (residuals or
 * Jacobian not finite at the current point), interrupted (shouldStop returned true).
 */
import { cholesky, choleskySolve } from '../linalg/cholesky.ts';
import { allFinite, project, sumSquares, type IterationRecord, type LeastSquaresProblem, type SolverProgress, type SolverResult } from './problem.ts';

export interface LmOptions {
  maxIterations?: number;
  ftol?: number;
  gtol?: number;
  xtol?: number;
  /** Initial damping relative to max diag(JᵀJ). */
  tau?: number;
  onIteration?: SolverProgress;
  shouldStop?: () => boolean;
}

export function levenbergMarquardt(problem: LeastSquaresProblem, theta0: ArrayLike<number>, opts: LmOptions = {}): SolverResult {
  const P = problem.nParams;
  const maxIt = opts.maxIterations ?? 200;
  const ftol = opts.ftol ?? 1e-12, gtol = opts.gtol ?? 1e-10, xtol = opts.xtol ?? 1e-12;
  const theta = Float64Array.from(theta0);
  project(theta, problem.lower, problem.upper);
  const history: IterationRecord[] = [];
  let { r, J } = problem.residualsAndJacobian(theta);
  let loss = sumSquares(r);
  const record = (iteration: number, step?: number) => {
    const rec: IterationRecord = { iteration, loss, terms: problem.lossTerms ? problem.lossTerms(r) : { total: loss }, step };
    history.push(rec);
    opts.onIteration?.(rec);
  };
  const done = (status: SolverResult['status'], iterations: number, message: string): SolverResult => ({
    params: theta, status, iterations, loss, message, history,
  });
  if (!allFinite(r) || !allFinite(J)) return done('nonFinite', 0, 'residuals or Jacobian are not finite at the starting point');
  record(0);
  let mu = -1, nu = 2;
  const N = problem.nResiduals;
  for (let it = 1; it <= maxIt; it++) {
    if (opts.shouldStop?.()) return done('interrupted', it - 1, 'stopped on request');
    // normal equations
    const A = new Float64Array(P * P), g = new Float64Array(P);
    for (let k = 0; k < N; k++) {
      const rk = r[k];
      const o = k * P;
      for (let p = 0; p < P; p++) {
        const jp = J[o + p];
        if (jp === 0) continue;
        g[p] += jp * rk;
        for (let q = p; q < P; q++) A[p * P + q] += jp * J[o + q];
      }
    }
    for (let p = 0; p < P; p++) for (let q = p + 1; q < P; q++) A[q * P + p] = A[p * P + q];
    // active set: at a bound with the descent direction (−g) pointing outward
    const free: number[] = [];
    let gmax = 0;
    for (let p = 0; p < P; p++) {
      const atLower = theta[p] <= problem.lower[p] && g[p] > 0;
      const atUpper = theta[p] >= problem.upper[p] && g[p] < 0;
      if (!atLower && !atUpper) {
        free.push(p);
        gmax = Math.max(gmax, Math.abs(g[p]));
      }
    }
    if (gmax < gtol * Math.max(1, loss)) return done('converged', it - 1, `projected gradient ${gmax.toExponential(2)} below tolerance`);
    const F = free.length;
    let dmax = 0;
    for (const p of free) dmax = Math.max(dmax, A[p * P + p]);
    if (mu < 0) mu = (opts.tau ?? 1e-3);
    let accepted = false;
    while (!accepted) {
      if (opts.shouldStop?.()) return done('interrupted', it - 1, 'stopped on request');
      const M = new Float64Array(F * F);
      for (let a = 0; a < F; a++) {
        for (let b = 0; b < F; b++) M[a * F + b] = A[free[a] * P + free[b]];
        const d = Math.max(A[free[a] * P + free[a]], 1e-12 * dmax, 1e-300);
        M[a * F + a] += mu * d;
      }
      const ch = cholesky({ rows: F, cols: F, data: M });
      if (!ch.ok) {
        mu *= nu;
        nu *= 2;
        if (mu > 1e20) return done('stalled', it, 'damped normal equations stayed singular');
        continue;
      }
      const rhs = Float64Array.from(free, (p) => -g[p]);
      const step = choleskySolve(ch, rhs);
      const trial = theta.slice();
      free.forEach((p, a) => (trial[p] += step[a]));
      project(trial, problem.lower, problem.upper);
      // actual step after projection, and the model's predicted reduction for it
      const dx = trial.map((v, p) => v - theta[p]);
      let pred = 0;
      {
        // predicted loss reduction: −(2 gᵀdx + dxᵀ A dx)
        let gd = 0, quad = 0;
        for (let p = 0; p < P; p++) {
          if (dx[p] === 0) continue;
          gd += g[p] * dx[p];
          let s = 0;
          for (let q = 0; q < P; q++) s += A[p * P + q] * dx[q];
          quad += dx[p] * s;
        }
        pred = -(2 * gd + quad);
      }
      let dxn = 0, xn = 0;
      for (let p = 0; p < P; p++) {
        dxn = Math.max(dxn, Math.abs(dx[p]));
        xn = Math.max(xn, Math.abs(theta[p]));
      }
      if (dxn <= xtol * (xn + xtol)) return done('converged', it, `step ${dxn.toExponential(2)} below tolerance`);
      const rt = problem.residuals(trial);
      const lt = sumSquares(rt);
      const rho = pred > 0 ? (loss - lt) / pred : -1;
      if (Number.isFinite(lt) && lt < loss && rho > 0) {
        const rel = (loss - lt) / Math.max(loss, 1e-300);
        theta.set(trial);
        const rj = problem.residualsAndJacobian(theta);
        r = rj.r;
        J = rj.J;
        loss = sumSquares(r);
        if (!allFinite(r) || !allFinite(J)) return done('nonFinite', it, 'residuals or Jacobian became non-finite');
        mu *= Math.max(1 / 3, 1 - (2 * rho - 1) ** 3);
        nu = 2;
        accepted = true;
        record(it, mu);
        if (rel < ftol) return done('converged', it, `relative loss reduction ${rel.toExponential(2)} below tolerance`);
        if (loss === 0) return done('converged', it, 'zero loss');
      } else {
        mu *= nu;
        nu *= 2;
        if (mu > 1e20) return done('stalled', it, 'no step reduces the loss (damping exhausted)');
      }
    }
  }
  return done('maxIterations', maxIt, `reached ${maxIt} iterations`);
}
