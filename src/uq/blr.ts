/**
 * Bayesian linear regression with evidence maximisation (MacKay 1992; Bishop, PRML §3.5; Tipping 2001) for models
 * linear in their parameters (pair splines, SNAP, energy offsets).
 *
 * Model: y = Φ w + ε, Φ (N × P, row-major), ε_k ~ N(0, 1/(β_{g(k)} h_k)) with one noise precision β_g per row
 * group g (e.g. per data type: energy, force, stress) and a known relative row weight h_k (default 1; e.g. 1/N_i for
 * an energy row, so that β_E = 1/σ_E² in eV/atom units as in fit/objective.ts), prior w ~ N(0, α⁻¹ I).
 * Posterior: A = α I + Σ_k β_{g(k)} h_k φ_k φ_kᵀ, S = A⁻¹, m = S Σ_k β_{g(k)} h_k y_k φ_k.
 * Evidence maximisation (fixed-point updates, one per group):
 *   γ_g = β_g tr(S Φ_gᵀ H_g Φ_g)          (parameters determined by group g; Σ_g γ_g = γ = P − α tr S)
 *   α   = γ / mᵀm
 *   β_g = (N_g − γ_g) / Σ_{k∈g} h_k (y_k − φ_kᵀ m)²
 * iterated until every hyper-parameter changes by less than `tol` (relative). Log evidence:
 *   ln p(y|α,β) = ½P ln α + Σ_g ½N_g ln β_g + ½Σ_k ln h_k − E(m) − ½ ln|A| − ½N ln 2π,
 *   E(m) = ½ Σ_k β_{g(k)} h_k (y_k − φ_kᵀ m)² + ½ α mᵀm.
 * Committee samples: w = m + L⁻ᵀ z with A = L Lᵀ (Cholesky), z ~ N(0, I), so Cov(w) = A⁻¹ = S.
 */
import { UserError } from '../core/errors.ts';
import { createRng } from '../core/random.ts';
import { cholesky, choleskyInverse, choleskySolve } from '../linalg/cholesky.ts';
import type { Ensemble } from './propagate.ts';

export interface BlrOptions {
  /** Group of each row (0..G−1); default all rows in group 0. */
  groups?: Int32Array;
  /** Relative row weights h_k (default 1). */
  rowWeights?: Float64Array;
  alpha0?: number;
  /** Starting β per group (default 1/Var(y_g) ·100). */
  beta0?: number[];
  maxIterations?: number;
  tol?: number;
}

export interface BlrResult {
  alpha: number;
  /** Noise precision per group; σ_g = 1/√β_g. */
  beta: number[];
  sigma: number[];
  /** Effective number of parameters, total and per group. */
  gamma: number;
  gammaPerGroup: number[];
  mean: Float64Array;
  /** Posterior covariance S (P × P row-major). */
  cov: Float64Array;
  /** Lower Cholesky factor L of the posterior precision A = L Lᵀ (P × P row-major). */
  precisionFactor: Float64Array;
  logEvidence: number;
  iterations: number;
  converged: boolean;
}

interface Posterior {
  mean: Float64Array;
  cov: Float64Array;
  L: Float64Array;
}

export function bayesianLinearRegression(Phi: Float64Array, y: Float64Array, opts: BlrOptions = {}): BlrResult {
  const N = y.length;
  if (N === 0 || Phi.length % N !== 0) throw new UserError(`blr: design of ${Phi.length} entries does not fit ${N} rows`);
  const P = Phi.length / N;
  const groups = opts.groups ?? new Int32Array(N);
  const h = opts.rowWeights ?? new Float64Array(N).fill(1);
  if (groups.length !== N || h.length !== N) throw new UserError('blr: groups and row weights need one entry per row');
  const G = Math.max(...groups) + 1;
  const Ng = new Array<number>(G).fill(0);
  for (const g of groups) Ng[g]++;
  if (Ng.some((n) => n === 0)) throw new UserError('blr: every group needs at least one row');

  // per-group Gram matrices Φ_gᵀH_gΦ_g and right-hand sides Φ_gᵀH_g y_g, accumulated once
  const Gram = Array.from({ length: G }, () => new Float64Array(P * P));
  const rhs = Array.from({ length: G }, () => new Float64Array(P));
  for (let k = 0; k < N; k++) {
    const g = groups[k], M = Gram[g], b = rhs[g], o = k * P;
    for (let p = 0; p < P; p++) {
      const a = h[k] * Phi[o + p];
      if (a === 0) continue;
      b[p] += a * y[k];
      for (let q = 0; q < P; q++) M[p * P + q] += a * Phi[o + q];
    }
  }
  const yVar = Array.from({ length: G }, (_, g) => {
    let m = 0, v = 0;
    for (let k = 0; k < N; k++) if (groups[k] === g) m += y[k] / Ng[g];
    for (let k = 0; k < N; k++) if (groups[k] === g) v += (y[k] - m) ** 2 / Ng[g];
    return v;
  });
  let alpha = opts.alpha0 ?? 1e-6;
  const beta = opts.beta0 ? [...opts.beta0] : yVar.map((v) => 100 / (v || 1));

  const posterior = (): Posterior => {
    const A = new Float64Array(P * P), b = new Float64Array(P);
    for (let g = 0; g < G; g++) {
      for (let i = 0; i < P * P; i++) A[i] += beta[g] * Gram[g][i];
      for (let p = 0; p < P; p++) b[p] += beta[g] * rhs[g][p];
    }
    for (let p = 0; p < P; p++) A[p * P + p] += alpha;
    const ch = cholesky({ rows: P, cols: P, data: A });
    if (!ch.ok) throw new UserError(`blr: posterior precision not positive definite (α = ${alpha})`);
    return { mean: choleskySolve(ch, b), cov: choleskyInverse(ch), L: ch.L };
  };
  const weightedRss = (mean: Float64Array): number[] => {
    const out = new Array<number>(G).fill(0);
    for (let k = 0; k < N; k++) {
      let f = 0;
      for (let p = 0; p < P; p++) f += Phi[k * P + p] * mean[p];
      out[groups[k]] += h[k] * (y[k] - f) ** 2;
    }
    return out;
  };
  const gammas = (cov: Float64Array): number[] => beta.map((bg, g) => {
    let t = 0;
    for (let p = 0; p < P; p++) for (let q = 0; q < P; q++) t += cov[p * P + q] * Gram[g][q * P + p];
    return bg * t;
  });

  const maxIt = opts.maxIterations ?? 500;
  const tol = opts.tol ?? 1e-8;
  let post = posterior();
  let iterations = 0, converged = false;
  for (; iterations < maxIt && !converged; ) {
    iterations++;
    const gam = gammas(post.cov);
    const gamma = gam.reduce((a, b) => a + b, 0);
    let mm = 0;
    for (const v of post.mean) mm += v * v;
    const rss = weightedRss(post.mean);
    const newAlpha = mm > 0 ? gamma / mm : alpha;
    const newBeta = beta.map((b, g) => (rss[g] > 0 ? Math.max(Ng[g] - gam[g], 1e-12) / rss[g] : b));
    let change = Math.abs(newAlpha - alpha) / alpha;
    newBeta.forEach((b, g) => (change = Math.max(change, Math.abs(b - beta[g]) / beta[g])));
    alpha = newAlpha;
    newBeta.forEach((b, g) => (beta[g] = b));
    post = posterior();
    converged = change < tol;
  }
  const gam = gammas(post.cov);
  return {
    alpha,
    beta: [...beta],
    sigma: beta.map((b) => 1 / Math.sqrt(b)),
    gamma: gam.reduce((a, b) => a + b, 0),
    gammaPerGroup: gam,
    mean: post.mean,
    cov: post.cov,
    precisionFactor: post.L,
    logEvidence: logEvidence(Phi, y, groups, h, alpha, beta),
    iterations,
    converged,
  };
}

/** ln p(y | α, β) of the model above at any hyper-parameters (see the header). */
export function logEvidence(Phi: Float64Array, y: Float64Array, groups: Int32Array, h: Float64Array, alpha: number, beta: readonly number[]): number {
  const N = y.length, P = Phi.length / N;
  const A = new Float64Array(P * P), b = new Float64Array(P);
  for (let k = 0; k < N; k++) {
    const w = beta[groups[k]] * h[k], o = k * P;
    for (let p = 0; p < P; p++) {
      b[p] += w * Phi[o + p] * y[k];
      for (let q = 0; q < P; q++) A[p * P + q] += w * Phi[o + p] * Phi[o + q];
    }
  }
  for (let p = 0; p < P; p++) A[p * P + p] += alpha;
  const ch = cholesky({ rows: P, cols: P, data: A });
  if (!ch.ok) return -Infinity;
  const m = choleskySolve(ch, b);
  let E = 0, logDetA = 0, lnB = 0, lnH = 0;
  for (let k = 0; k < N; k++) {
    let f = 0;
    for (let p = 0; p < P; p++) f += Phi[k * P + p] * m[p];
    E += 0.5 * beta[groups[k]] * h[k] * (y[k] - f) ** 2;
    lnB += 0.5 * Math.log(beta[groups[k]]);
    lnH += 0.5 * Math.log(h[k]);
  }
  for (const v of m) E += 0.5 * alpha * v * v;
  for (let p = 0; p < P; p++) logDetA += 2 * Math.log(ch.L[p * P + p]);
  return 0.5 * P * Math.log(alpha) + lnB + lnH - E - 0.5 * logDetA - 0.5 * N * Math.log(2 * Math.PI);
}

/** n committee members drawn from the posterior N(m, S). */
export function blrCommittee(res: BlrResult, names: readonly string[], n: number, seed = 1): Ensemble {
  const P = res.mean.length;
  if (names.length !== P) throw new UserError(`blr committee: ${names.length} names for ${P} parameters`);
  // A = S⁻¹ = L Lᵀ; w = m + L⁻ᵀ z has covariance L⁻ᵀ L⁻¹ = A⁻¹
  const A = res.precisionFactor;
  const rng = createRng(seed);
  const data = new Float64Array(n * P);
  const z = new Float64Array(P);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < P; p++) z[p] = rng.normal();
    for (let p = P - 1; p >= 0; p--) {
      let s = z[p];
      for (let q = p + 1; q < P; q++) s -= A[q * P + p] * z[q];
      z[p] = s / A[p * P + p];
    }
    for (let p = 0; p < P; p++) data[i * P + p] = res.mean[p] + z[p];
  }
  return { names, n, P, data };
}
