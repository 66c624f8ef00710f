/**
 * A two-parameter Morse test problem with Gaussian noise: E(r) = D0[(1 − e^{−α(r−r0)})² − 1] on a grid of
 * separations, r0 fixed, parameters θ = (D0, α), residuals r_i = (E(r_i; θ) − y_i)/σ (a calibrated likelihood).
 * Every point is its own "configuration" for the bootstrap.
 */
import type { Rng } from '../../src/core/random.ts';
import type { LeastSquaresProblem } from '../../src/fit/problem.ts';

export const TRUE_THETA = Float64Array.of(0.5, 1.4);
export const R0 = 2.9;
export const SIGMA = 0.01;
export const GRID = grid(60);

export function morse(theta: ArrayLike<number>, r: number): number {
  const e = Math.exp(-theta[1] * (r - R0));
  return theta[0] * ((1 - e) ** 2 - 1);
}

/** n separations evenly spaced on [lo, hi] (Å). */
export function grid(n: number, lo = 2.4, hi = 5.0): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => lo + ((hi - lo) * i) / (n - 1));
}

export function synthetic(rng: Rng, sigma = SIGMA, GRID_ = GRID): Float64Array {
  return Float64Array.from(GRID_, (r) => morse(TRUE_THETA, r) + rng.normal(0, sigma));
}

export function morseProblem(y: Float64Array, sigma = SIGMA, GRID_ = GRID): LeastSquaresProblem {
  const GRID = GRID_;
  const N = GRID.length;
  return {
    nParams: 2,
    nResiduals: N,
    paramNames: ['D0', 'alpha'],
    lower: Float64Array.of(0, 0.1),
    upper: Float64Array.of(10, 10),
    residuals: (t) => Float64Array.from(GRID, (r, i) => (morse(t, r) - y[i]) / sigma),
    residualsAndJacobian(t) {
      const res = new Float64Array(N), J = new Float64Array(2 * N);
      GRID.forEach((r, i) => {
        const e = Math.exp(-t[1] * (r - R0));
        res[i] = (t[0] * ((1 - e) ** 2 - 1) - y[i]) / sigma;
        J[2 * i] = ((1 - e) ** 2 - 1) / sigma;
        J[2 * i + 1] = (t[0] * 2 * (1 - e) * e * (r - R0)) / sigma;
      });
      return { r: res, J };
    },
  };
}
