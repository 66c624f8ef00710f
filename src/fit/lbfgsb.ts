/**
 * Bound-constrained limited-memory BFGS on J(θ) = Σ_k r_k(θ)², gradient ∇J = 2 Jᵀr from
 * problem.residualsAndJacobian (J: nResiduals x nParams, row-major). Parameters are plain Float64Array, one entry per
 * problem parameter; bounds are problem.lower/upper (±Infinity for none).
 *
 * Method: projected L-BFGS with an active set (Bertsekas' projected quasi-Newton, in the spirit of Byrd–Lu–
 * Nocedal–Zhu without the Cauchy-point subspace step):
 *   1. binding set B = parameters at a bound whose gradient pushes outward; they are held this iteration;
 *   2. direction d = −H g_F by the two-loop recursion (memory m pairs, H₀ = (sᵀy / yᵀy) I) on the gradient with the
 *      binding components zeroed; since H is positive definite, gᵀd = −g_Fᵀ H g_F < 0. Components of d that would
 *      leave the box immediately (at a bound, pointing out) are zeroed too; if that destroys descent the memory is
 *      dropped and d = −g_F (projected steepest descent, always a descent direction when the projected gradient
 *      is non-zero);
 *   3. backtracking along the projected path θ(α) = P(θ + α d), accepting the first α with
 *      J(θ(α)) ≤ J(θ) + c₁ ∇Jᵀ(θ(α) − θ) and ∇Jᵀ(θ(α) − θ) < 0 (Armijo on the projected path). Non-finite trial
 *      losses are treated as "too far" and shrink the step, so NaN regions are backed out of, not stepped into;
 *   4. the pair (s, y) is stored only when sᵀy > ε yᵀy (curvature condition), which keeps H positive definite.
 * Stops with: converged (projected-gradient ‖P(θ − ∇J) − θ‖∞ ≤ gtol·max(1, J), relative loss change below ftol on an
 * accepted step, zero loss, or no decrease representable in floating point), maxIterations, stalled (the line search
 * fails even along steepest descent), nonFinite (residuals or Jacobian not finite at an accepted or starting point),
 * interrupted (shouldStop returned true).
 */
import { allFinite, project, sumSquares, type IterationRecord, type LeastSquaresProblem, type SolverProgress, type SolverResult, type SolverStatus } from './problem.ts';

export interface LbfgsOptions {
  maxIterations?: number;
  /** Number of stored (s, y) pairs. */
  memory?: number;
  /** Relative loss change (J_old − J_new)/J_old on an accepted step below which the run has converged. */
  ftol?: number;
  /** Projected-gradient infinity norm, relative to max(1, J), below which the run has converged. */
  gtol?: number;
  /** Armijo sufficient-decrease constant. */
  c1?: number;
  /** Maximum backtracking steps per line search. */
  maxLineSearch?: number;
  onIteration?: SolverProgress;
  shouldStop?: () => boolean;
}

/** Machine epsilon: a loss decrease below a few ε·J cannot be told apart from rounding. */
const EPS = 2.220446049250313e-16;

function gradientOf(J: Float64Array, r: Float64Array, P: number): Float64Array {
  const g = new Float64Array(P);
  const N = r.length;
  for (let k = 0; k < N; k++) {
    const rk2 = 2 * r[k];
    if (rk2 === 0) continue;
    const o = k * P;
    for (let p = 0; p < P; p++) g[p] += J[o + p] * rk2;
  }
  return g;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** ‖P(θ − g) − θ‖∞: zero exactly at a KKT point of the box-constrained problem. */
function projectedGradientNorm(theta: Float64Array, g: Float64Array, lower: Float64Array, upper: Float64Array): number {
  let m = 0;
  for (let p = 0; p < theta.length; p++) {
    const v = Math.min(upper[p], Math.max(lower[p], theta[p] - g[p]));
    m = Math.max(m, Math.abs(v - theta[p]));
  }
  return m;
}

/** Limited-memory store of curvature pairs, oldest first. */
class Memory {
  readonly s: Float64Array[] = [];
  readonly y: Float64Array[] = [];
  readonly rho: number[] = [];
  constructor(readonly size: number) {}
  get length(): number {
    return this.s.length;
  }
  clear(): void {
    this.s.length = 0;
    this.y.length = 0;
    this.rho.length = 0;
  }
  push(s: Float64Array, y: Float64Array, sy: number): void {
    if (this.s.length === this.size) {
      this.s.shift();
      this.y.shift();
      this.rho.shift();
    }
    this.s.push(s);
    this.y.push(y);
    this.rho.push(1 / sy);
  }
  /** H q by the two-loop recursion (Nocedal & Wright, Alg. 7.4), H₀ = γ I with γ = sᵀy/yᵀy of the newest pair. */
  apply(q0: Float64Array): Float64Array {
    const q = q0.slice();
    const k = this.s.length;
    const alpha = new Float64Array(k);
    for (let i = k - 1; i >= 0; i--) {
      alpha[i] = this.rho[i] * dot(this.s[i], q);
      const y = this.y[i];
      for (let p = 0; p < q.length; p++) q[p] -= alpha[i] * y[p];
    }
    if (k > 0) {
      const y = this.y[k - 1];
      const gamma = 1 / (this.rho[k - 1] * dot(y, y));
      for (let p = 0; p < q.length; p++) q[p] *= gamma;
    }
    for (let i = 0; i < k; i++) {
      const beta = this.rho[i] * dot(this.y[i], q);
      const s = this.s[i];
      for (let p = 0; p < q.length; p++) q[p] += (alpha[i] - beta) * s[p];
    }
    return q;
  }
}

export function lbfgsb(problem: LeastSquaresProblem, theta0: ArrayLike<number>, opts: LbfgsOptions = {}): SolverResult {
  const P = problem.nParams;
  const { lower, upper } = problem;
  const maxIt = opts.maxIterations ?? 1000;
  const ftol = opts.ftol ?? 1e-12, gtol = opts.gtol ?? 1e-10, c1 = opts.c1 ?? 1e-4;
  const maxLs = opts.maxLineSearch ?? 50;
  const mem = new Memory(Math.max(1, opts.memory ?? 10));

  const theta = Float64Array.from(theta0);
  project(theta, lower, upper);
  const history: IterationRecord[] = [];
  let { r, J } = problem.residualsAndJacobian(theta);
  let loss = sumSquares(r);
  const done = (status: SolverStatus, iterations: number, message: string): SolverResult => ({
    params: theta, status, iterations, loss, message, history,
  });
  const record = (iteration: number, step?: number) => {
    const rec: IterationRecord = { iteration, loss, terms: problem.lossTerms ? problem.lossTerms(r) : { total: loss }, step };
    history.push(rec);
    opts.onIteration?.(rec);
  };
  if (!allFinite(r) || !allFinite(J)) return done('nonFinite', 0, 'residuals or Jacobian are not finite at the starting point');
  let g = gradientOf(J, r, P);
  record(0);
  if (loss === 0) return done('converged', 0, 'zero loss');

  const free = new Uint8Array(P);
  const d = new Float64Array(P);
  const trial = new Float64Array(P);

  for (let it = 1; it <= maxIt; it++) {
    if (opts.shouldStop?.()) return done('interrupted', it - 1, 'stopped on request');
    const pgn = projectedGradientNorm(theta, g, lower, upper);
    if (pgn <= gtol * Math.max(1, loss)) return done('converged', it - 1, `projected gradient ${pgn.toExponential(2)} below tolerance`);

    for (let p = 0; p < P; p++) free[p] = (theta[p] <= lower[p] && g[p] > 0) || (theta[p] >= upper[p] && g[p] < 0) ? 0 : 1;
    const gF = Float64Array.from(g, (v, p) => (free[p] ? v : 0));

    let accepted = false;
    // at most two attempts: the quasi-Newton direction, then (memory dropped) projected steepest descent
    for (let attempt = 0; attempt < 2 && !accepted; attempt++) {
      if (attempt === 1 || mem.length === 0) mem.clear();
      const hg = mem.apply(gF);
      let gd = 0;
      for (let p = 0; p < P; p++) {
        let v = free[p] ? -hg[p] : 0;
        if ((theta[p] <= lower[p] && v < 0) || (theta[p] >= upper[p] && v > 0)) v = 0;
        d[p] = v;
        gd += g[p] * v;
      }
      if (!(gd < 0)) {
        if (mem.length === 0) break; // steepest descent gave no descent: cannot happen with pgn > 0 unless g is not finite
        continue;
      }
      let dmax = 0;
      for (let p = 0; p < P; p++) dmax = Math.max(dmax, Math.abs(d[p]));
      // without curvature information the scale of d is that of the gradient: start with a unit-length step
      let alpha = mem.length === 0 ? Math.min(1, 1 / dmax) : 1;
      let firstDecrease = NaN;
      for (let ls = 0; ls < maxLs; ls++) {
        let gdx = 0, moved = false;
        for (let p = 0; p < P; p++) {
          let v = theta[p] + alpha * d[p];
          if (v < lower[p]) v = lower[p];
          else if (v > upper[p]) v = upper[p];
          trial[p] = v;
          const dx = v - theta[p];
          if (dx !== 0) moved = true;
          gdx += g[p] * dx;
        }
        // a step too small to change θ in floating point: nothing more can be gained along d
        if (!moved) {
          if (Number.isNaN(firstDecrease)) firstDecrease = 0;
          break;
        }
        if (Number.isNaN(firstDecrease)) firstDecrease = -gdx;
        const rt = problem.residuals(trial);
        const lt = sumSquares(rt);
        if (Number.isFinite(lt) && gdx < 0 && lt <= loss + c1 * gdx) {
          const rj = problem.residualsAndJacobian(trial);
          if (!allFinite(rj.r) || !allFinite(rj.J)) {
            return done('nonFinite', it, 'residuals or Jacobian are not finite at an accepted point (the previous point is returned)');
          }
          const newLoss = sumSquares(rj.r);
          const gNew = gradientOf(rj.J, rj.r, P);
          const s = new Float64Array(P), y = new Float64Array(P);
          for (let p = 0; p < P; p++) {
            s[p] = trial[p] - theta[p];
            y[p] = gNew[p] - g[p];
          }
          const sy = dot(s, y), yy = dot(y, y);
          if (sy > EPS * yy && sy > 0) mem.push(s, y, sy);
          const rel = (loss - newLoss) / Math.max(loss, Number.MIN_VALUE);
          theta.set(trial);
          r = rj.r;
          J = rj.J;
          loss = newLoss;
          g = gNew;
          record(it, alpha);
          if (loss === 0) return done('converged', it, 'zero loss');
          if (rel < ftol) return done('converged', it, `relative loss change ${rel.toExponential(2)} below tolerance`);
          accepted = true;
          break;
        }
        if (Number.isFinite(lt) && gdx < 0) {
          // minimiser of the quadratic through J(0), its slope gdx/α and J(α), kept within [0.1α, 0.5α]
          const slope = gdx / alpha;
          const curv = lt - loss - slope * alpha;
          const aq = curv > 0 ? (-slope * alpha * alpha) / (2 * curv) : 0.5 * alpha;
          alpha = Math.min(0.5 * alpha, Math.max(0.1 * alpha, aq));
        } else {
          alpha *= 0.25;
        }
      }
      if (!accepted && mem.length === 0 && firstDecrease <= 8 * EPS * loss) {
        return done('converged', it - 1, 'no loss decrease is representable in floating point');
      }
      if (!accepted && mem.length === 0) break;
    }
    if (!accepted) return done('stalled', it - 1, 'line search found no sufficient decrease, even along projected steepest descent');
  }
  return done('maxIterations', maxIt, `reached ${maxIt} iterations`);
}
