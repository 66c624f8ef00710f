/**
 * Affine-invariant ensemble MCMC (Goodman & Weare 2010, the "stretch move" of emcee; Foreman-Mackey et al. 2013)
 * over the parameters of a least-squares fit.
 *
 * Target: log p(θ) = −½ J(θ)/T + log prior(θ), J(θ) = Σ_k r_k(θ)² the problem's loss. For a FitProblem built with
 * balance 'none' at the true σ, −½J is the Gaussian log-likelihood and T = 1 samples the Bayesian posterior.
 * The "natural temperature" of the field (Frederiksen et al. 2004; Kurniawan et al. 2022) writes the cost as
 * L = ½ Σ r² and uses T0 = 2 L0 / N_params with L0 = L(θ̂) at the optimum, i.e. T0 = J(θ̂)/N_params here: it widens
 * the posterior of a misspecified model so that its spread reflects the misfit. Box bounds of the problem act as
 * a flat prior (log p = −∞ outside); extra priors are given per parameter (`Prior`).
 *
 * Move (emcee's parallel form): the K walkers (K even, ≥ 2P) are split in two halves; each walker X_k of one half
 * is proposed Y = X_j + z (X_k − X_j) with X_j a random walker of the other half and z ~ g(z) ∝ 1/√z on [1/a, a]
 * (z = ((a−1)u + 1)²/a, a = 2), accepted with probability min(1, z^{P−1} p(Y)/p(X_k)); then the other half.
 * Initial walkers: a Gaussian ball θ̂ + 0.1·s·N(0,1) per parameter (s the given scale, e.g. Laplace standard
 * errors) redrawn until inside the bounds with finite log p.
 *
 * Output layout: `chain` is steps × walkers × P (row-major: chain[(t·K + k)·P + p]), `logProb` steps × walkers.
 * Convergence: τ per parameter from the post-burn-in chain (autocorr.ts, walkers averaged); status 'converged'
 * when every τ estimate is reliable (chain ≥ 50 τ), 'tooShort' otherwise, 'interrupted' when `shouldStop` said so
 * (the chain holds the steps done), 'nonFinite' when the start has no finite log p.
 */
import { UserError } from '../core/errors.ts';
import { createRng, type Rng } from '../core/random.ts';
import { sumSquares, type LeastSquaresProblem } from '../fit/problem.ts';
import { integratedTime, type AutocorrResult } from './autocorr.ts';

export type Prior =
  | { kind: 'normal'; mean: number; sd: number }
  | { kind: 'uniform'; lower: number; upper: number }
  | { kind: 'lognormal'; mu: number; sigma: number };

export type LogDensity = (theta: Float64Array) => number;

export interface PosteriorOptions {
  /** T (default 1). */
  temperature?: number;
  /** Priors by parameter name (others flat). */
  priors?: Record<string, Prior>;
}

/** log prior of one parameter value (up to a constant). */
export function logPrior(p: Prior, x: number): number {
  switch (p.kind) {
    case 'normal':
      return -0.5 * ((x - p.mean) / p.sd) ** 2;
    case 'uniform':
      return x >= p.lower && x <= p.upper ? 0 : -Infinity;
    case 'lognormal':
      return x > 0 ? -Math.log(x) - 0.5 * ((Math.log(x) - p.mu) / p.sigma) ** 2 : -Infinity;
    default: {
      const never: never = p;
      throw new UserError(`unknown prior ${JSON.stringify(never)}`);
    }
  }
}

/** T0 = 2 L0 / N_params with L0 = ½ J(θ̂): the natural temperature at the optimum θ̂. */
export function naturalTemperature(problem: LeastSquaresProblem, thetaHat: Float64Array): number {
  return sumSquares(problem.residuals(thetaHat)) / problem.nParams;
}

/** log p(θ) = −½ J(θ)/T + Σ log prior, −∞ outside the bounds or where J is not finite. */
export function logPosterior(problem: LeastSquaresProblem, opts: PosteriorOptions = {}): LogDensity {
  const T = opts.temperature ?? 1;
  if (!(T > 0)) throw new UserError(`temperature must be positive, got ${T}`);
  const priors = Object.entries(opts.priors ?? {}).map(([name, pr]) => {
    const p = problem.paramNames.indexOf(name);
    if (p < 0) throw new UserError(`prior on ${name}: not a parameter (${problem.paramNames.join(', ')})`);
    return { p, pr };
  });
  return (theta) => {
    for (let p = 0; p < theta.length; p++) if (theta[p] < problem.lower[p] || theta[p] > problem.upper[p]) return -Infinity;
    let lp = 0;
    for (const { p, pr } of priors) lp += logPrior(pr, theta[p]);
    if (lp === -Infinity) return lp;
    const J = sumSquares(problem.residuals(theta));
    return Number.isFinite(J) ? -0.5 * J / T + lp : -Infinity;
  };
}

export type McmcStatus = 'converged' | 'tooShort' | 'interrupted' | 'nonFinite';

export interface McmcOptions {
  /** Number of walkers K (even, ≥ 2P; default max(2P, 16) rounded up to even). */
  walkers?: number;
  /** Steps per walker (after the start). */
  steps: number;
  /** Steps dropped at the start for τ, samples and acceptance (default steps/4). */
  burn?: number;
  seed?: number;
  /** Stretch scale a (default 2). */
  a?: number;
  /** Bounds for the initial ball (default none); the density should return −∞ outside its support anyway. */
  lower?: ArrayLike<number>;
  upper?: ArrayLike<number>;
  onProgress?: (step: number, steps: number, acceptance: number) => void;
  shouldStop?: () => boolean;
}

export interface McmcResult {
  status: McmcStatus;
  nParams: number;
  walkers: number;
  /** Steps stored (may be fewer than asked when interrupted). */
  steps: number;
  burn: number;
  chain: Float64Array;
  logProb: Float64Array;
  /** Fraction of accepted proposals after burn-in, overall and per walker. */
  acceptance: number;
  acceptancePerWalker: Float64Array;
  /** Per parameter, from the post-burn-in chain. */
  autocorr: AutocorrResult[];
  message: string;
}

export function ensembleSampler(logProb: LogDensity, theta0: ArrayLike<number>, scale: ArrayLike<number>, opts: McmcOptions): McmcResult {
  const P = theta0.length;
  if (scale.length !== P) throw new UserError(`mcmc: scale has ${scale.length} entries, expected ${P}`);
  let K = opts.walkers ?? Math.max(2 * P, 16);
  if (K % 2) K++;
  if (K < 2 * P) throw new UserError(`mcmc: at least 2·P = ${2 * P} walkers needed, got ${K}`);
  const steps = opts.steps;
  if (!(Number.isInteger(steps) && steps > 0)) throw new UserError(`mcmc: steps must be a positive integer, got ${steps}`);
  const a = opts.a ?? 2;
  const rng = createRng(opts.seed ?? 1);
  const lp0 = logProb(Float64Array.from(theta0));
  const empty = (msg: string): McmcResult => ({
    status: 'nonFinite', nParams: P, walkers: K, steps: 0, burn: 0, chain: new Float64Array(0), logProb: new Float64Array(0),
    acceptance: 0, acceptancePerWalker: new Float64Array(K), autocorr: [], message: msg,
  });
  if (!Number.isFinite(lp0)) return empty('the starting point has no finite log-probability');

  const X = new Float64Array(K * P), L = new Float64Array(K);
  const initOk = initialise(X, L, logProb, theta0, scale, rng, opts.lower, opts.upper);
  if (!initOk) return empty('could not place the initial walkers at finite log-probability');

  const chain = new Float64Array(steps * K * P), lps = new Float64Array(steps * K);
  const accepted = new Int32Array(steps * K);
  const half = K / 2;
  const Y = new Float64Array(P);
  let done = 0;
  let status: McmcStatus | undefined;
  for (let t = 0; t < steps; t++) {
    if (opts.shouldStop?.()) {
      status = 'interrupted';
      break;
    }
    for (let h = 0; h < 2; h++) {
      const start = h * half, other = (1 - h) * half;
      for (let k = start; k < start + half; k++) {
        const j = other + rng.int(half);
        const u = rng.float();
        const z = ((a - 1) * u + 1) ** 2 / a;
        for (let p = 0; p < P; p++) Y[p] = X[j * P + p] + z * (X[k * P + p] - X[j * P + p]);
        const lpY = logProb(Y);
        const logAccept = (P - 1) * Math.log(z) + lpY - L[k];
        if (lpY > -Infinity && Math.log(rng.float()) < logAccept) {
          X.set(Y, k * P);
          L[k] = lpY;
          accepted[t * K + k] = 1;
        }
      }
    }
    chain.set(X, t * K * P);
    lps.set(L, t * K);
    done = t + 1;
    if (opts.onProgress && (done % 50 === 0 || done === steps)) opts.onProgress(done, steps, acceptanceOf(accepted, 0, done, K).overall);
  }
  const burn = Math.min(opts.burn ?? Math.floor(steps / 4), Math.max(done - 2, 0));
  const acc = acceptanceOf(accepted, burn, done, K);
  const autocorr = done - burn >= 2 ? Array.from({ length: P }, (_, p) => integratedTime(walkerSeries(chain, p, burn, done, K, P))) : [];
  const reliable = autocorr.length === P && autocorr.every((r) => r.reliable);
  status ??= reliable ? 'converged' : 'tooShort';
  const maxTau = Math.max(0, ...autocorr.map((r) => r.tau));
  const message = status === 'interrupted'
    ? `interrupted after ${done} of ${steps} steps`
    : status === 'converged'
      ? `${done - burn} post-burn-in steps ≥ 50 τ (max τ ${maxTau.toPrecision(3)})`
      : `chain too short for a reliable τ: ${done - burn} post-burn-in steps < 50 τ (max τ ${maxTau.toPrecision(3)}); run more steps`;
  return {
    status, nParams: P, walkers: K, steps: done, burn,
    chain: chain.subarray(0, done * K * P), logProb: lps.subarray(0, done * K),
    acceptance: acc.overall, acceptancePerWalker: acc.perWalker, autocorr, message,
  };
}

function initialise(
  X: Float64Array, L: Float64Array, logProb: LogDensity, theta0: ArrayLike<number>, scale: ArrayLike<number>, rng: Rng,
  lower?: ArrayLike<number>, upper?: ArrayLike<number>,
): boolean {
  const P = theta0.length, K = L.length;
  const y = new Float64Array(P);
  for (let k = 0; k < K; k++) {
    let ok = false;
    for (let tries = 0; tries < 1000 && !ok; tries++) {
      const shrink = tries < 100 ? 1 : 0.1;
      for (let p = 0; p < P; p++) y[p] = theta0[p] + 0.1 * shrink * scale[p] * rng.normal();
      if (lower && upper && y.some((v, p) => v < lower[p] || v > upper[p])) continue;
      const lp = logProb(y);
      if (Number.isFinite(lp)) {
        X.set(y, k * P);
        L[k] = lp;
        ok = true;
      }
    }
    if (!ok) return false;
  }
  return true;
}

function acceptanceOf(accepted: Int32Array, from: number, to: number, K: number): { overall: number; perWalker: Float64Array } {
  const perWalker = new Float64Array(K);
  const n = Math.max(to - from, 0);
  let total = 0;
  for (let t = from; t < to; t++) for (let k = 0; k < K; k++) perWalker[k] += accepted[t * K + k];
  for (let k = 0; k < K; k++) {
    total += perWalker[k];
    perWalker[k] = n ? perWalker[k] / n : 0;
  }
  return { overall: n ? total / (n * K) : 0, perWalker };
}

function walkerSeries(chain: Float64Array, p: number, from: number, to: number, K: number, P: number): Float64Array[] {
  return Array.from({ length: K }, (_, k) => Float64Array.from({ length: to - from }, (_, t) => chain[((from + t) * K + k) * P + p]));
}

/** Post-burn-in samples, thinned: (nSamples × P) row-major, walkers interleaved step by step. */
export function flatSamples(res: McmcResult, thin = 1): { data: Float64Array; n: number; P: number } {
  const { walkers: K, nParams: P, burn, steps } = res;
  const rows: number[] = [];
  for (let t = burn; t < steps; t += thin) for (let k = 0; k < K; k++) rows.push(t * K + k);
  const data = new Float64Array(rows.length * P);
  rows.forEach((r, i) => data.set(res.chain.subarray(r * P, r * P + P), i * P));
  return { data, n: rows.length, P };
}
