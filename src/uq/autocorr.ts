/**
 * Integrated autocorrelation time and effective sample size of correlated series (MCMC chains, residuals along an
 * MD trajectory).
 *
 * For a stationary series x_t with normalised autocorrelation ρ(t) (ρ(0) = 1), the integrated autocorrelation time
 *   τ_int = 1 + 2 Σ_{t≥1} ρ(t)
 * is the factor by which correlation inflates the variance of the sample mean: Var(x̄) = τ_int Var(x)/n, so the
 * effective sample size is ESS = n / τ_int. (AR(1) x_t = φ x_{t−1} + ε_t has ρ(t) = φ^t and τ_int = (1+φ)/(1−φ).)
 *
 * Estimator (Sokal 1989, as emcee's `integrated_time`): ρ̂(t) from the mean-removed series (biased 1/n normalisation,
 * which keeps the estimate positive definite), τ̂(M) = 1 + 2 Σ_{t=1..M} ρ̂(t), and the automatic window M = the
 * smallest M with M ≥ c·τ̂(M) (c = 5 by default): the sum of noisy ρ̂ beyond a few τ only adds variance. Several
 * series of one process (an ensemble's walkers) are combined by averaging their ρ̂(t) before summing, as emcee
 * does. ρ̂(t) is computed lag by lag and only up to the window, O(n·M), so no FFT is needed.
 * The estimate is trustworthy when the series is much longer than τ: `reliable` is n ≥ tol·τ̂ (tol = 50, emcee's
 * default).
 */
import { UserError } from '../core/errors.ts';

export interface AutocorrOptions {
  /** Window factor c of Sokal's rule (default 5). */
  c?: number;
  /** Series length must be at least tol·τ for `reliable` (default 50). */
  tol?: number;
}

export interface AutocorrResult {
  /** Integrated autocorrelation time τ_int (in steps; ≥ 1 / n is not enforced: anticorrelated series give τ < 1). */
  tau: number;
  /** Window M chosen by the automatic rule (lags summed). */
  window: number;
  /** Length of each series. */
  n: number;
  /** Total samples over all series divided by τ. */
  ess: number;
  reliable: boolean;
}

/**
 * τ_int of one series, or of several equally long series of the same process (averaged autocorrelation).
 * A constant series has no defined ρ: τ = 1 is returned (each sample counts once) with reliable = false.
 */
export function integratedTime(series: ArrayLike<number> | readonly ArrayLike<number>[], opts: AutocorrOptions = {}): AutocorrResult {
  const list: ArrayLike<number>[] = isList(series) ? [...series] : [series];
  if (list.length === 0) throw new UserError('integratedTime: no series given');
  const n = list[0].length;
  for (const s of list) if (s.length !== n) throw new UserError(`integratedTime: series of unequal length (${s.length} vs ${n})`);
  if (n < 2) throw new UserError(`integratedTime: a series needs at least 2 values, got ${n}`);
  const c = opts.c ?? 5;
  const tol = opts.tol ?? 50;
  const centred = list.map((s) => {
    let m = 0;
    for (let t = 0; t < n; t++) m += s[t];
    m /= n;
    return Float64Array.from({ length: n }, (_, t) => s[t] - m);
  });
  const variance = centred.map((x) => {
    let v = 0;
    for (let t = 0; t < n; t++) v += x[t] * x[t];
    return v;
  });
  const used = centred.filter((_, k) => variance[k] > 0);
  const usedVar = variance.filter((v) => v > 0);
  if (used.length === 0) return { tau: 1, window: 0, n, ess: n * list.length, reliable: false };
  const rho = (lag: number): number => {
    let sum = 0;
    used.forEach((x, k) => {
      let a = 0;
      for (let t = 0; t + lag < n; t++) a += x[t] * x[t + lag];
      sum += a / usedVar[k];
    });
    return sum / used.length;
  };
  let tau = 1;
  let window = 0;
  for (let m = 1; m < n; m++) {
    tau += 2 * rho(m);
    window = m;
    if (m >= c * tau) break;
  }
  const total = n * list.length;
  return { tau, window, n, ess: total / tau, reliable: n >= tol * tau };
}

function isList(s: ArrayLike<number> | readonly ArrayLike<number>[]): s is readonly ArrayLike<number>[] {
  return s.length > 0 && typeof (s as ArrayLike<unknown>)[0] === 'object';
}

/** Effective sample size n / τ_int of one series (or the total over several). */
export function effectiveSampleSize(series: ArrayLike<number> | readonly ArrayLike<number>[], opts: AutocorrOptions = {}): number {
  return integratedTime(series, opts).ess;
}
