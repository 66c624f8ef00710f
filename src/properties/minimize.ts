/**
 * Generic minimisers over a flat coordinate vector, shared by the position and cell relaxers of relax.ts:
 * FIRE (Bitzek et al., PRL 97, 170201 (2006)) and L-BFGS (Nocedal & Wright, two-loop recursion) with a
 * backtracking Armijo line search and a per-block step limit.
 *
 * Contract of an objective: `evaluate(x)` returns the energy (eV; only L-BFGS uses it), the generalised force
 * −∂E/∂x (same length as x) and `error`, the caller's convergence measure scaled so that error ≤ 1 means
 * converged (e.g. fmax/ftol). Coordinates come in blocks of 3 (an atom's x y z, or a row of a strain matrix):
 * `maxStep` bounds the Euclidean norm of every block's displacement in one step (Å for positions).
 * Non-finite energies or forces never throw: the minimiser stops with status 'nonFinite' and returns the last
 * finite point. Nothing here allocates per coordinate inside the loops beyond a few scratch vectors per run.
 */

export type RelaxStatus = 'converged' | 'maxIterations' | 'stalled' | 'nonFinite';

export interface ObjectiveValue {
  energy: number;
  /** Generalised force −∂E/∂x. */
  force: Float64Array;
  /** Convergence measure: ≤ 1 means converged. */
  error: number;
}

export interface Objective {
  evaluate(x: Float64Array): ObjectiveValue;
}

export interface MinimizeOptions {
  maxIterations: number;
  /** Largest displacement norm of one 3-block per step. */
  maxStep: number;
}

export interface MinimizeResult {
  x: Float64Array;
  value: ObjectiveValue;
  iterations: number;
  evaluations: number;
  status: RelaxStatus;
  message: string;
}

function finiteValue(v: ObjectiveValue): boolean {
  if (!Number.isFinite(v.energy) || !Number.isFinite(v.error)) return false;
  for (let k = 0; k < v.force.length; k++) if (!Number.isFinite(v.force[k])) return false;
  return true;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** Largest Euclidean norm over 3-blocks (a trailing partial block counts as one block). */
function maxBlockNorm(d: Float64Array): number {
  let m = 0;
  for (let k = 0; k < d.length; k += 3) {
    let s = 0;
    for (let c = k; c < Math.min(k + 3, d.length); c++) s += d[c] * d[c];
    if (s > m) m = s;
  }
  return Math.sqrt(m);
}

function nonFiniteStart(x: Float64Array): MinimizeResult | undefined {
  for (let k = 0; k < x.length; k++)
    if (!Number.isFinite(x[k])) {
      const nan = { energy: NaN, force: new Float64Array(x.length).fill(NaN), error: NaN };
      return { x, value: nan, iterations: 0, evaluations: 0, status: 'nonFinite', message: `coordinate ${k} of the start is not finite` };
    }
  return undefined;
}

/** FIRE parameters of Bitzek 2006 (N_min, f_inc, f_dec, α_start, f_α) with ASE's time step 0.1, Δt_max 1. */
export const FIRE_DEFAULTS = { dt: 0.1, dtMax: 1.0, nMin: 5, fInc: 1.1, fDec: 0.5, alphaStart: 0.1, fAlpha: 0.99 } as const;

export function fire(obj: Objective, x0: Float64Array, opts: MinimizeOptions): MinimizeResult {
  const bad = nonFiniteStart(x0);
  if (bad) return bad;
  const P = FIRE_DEFAULTS;
  const x = x0.slice();
  const v = new Float64Array(x.length);
  const dr = new Float64Array(x.length);
  let cur = obj.evaluate(x);
  let evaluations = 1;
  if (!finiteValue(cur)) return { x, value: cur, iterations: 0, evaluations, status: 'nonFinite', message: 'energy or forces not finite at the start' };
  let dt: number = P.dt, alpha: number = P.alphaStart, nPositive = 0;
  for (let it = 0; it < opts.maxIterations; it++) {
    if (cur.error <= 1) return { x, value: cur, iterations: it, evaluations, status: 'converged', message: 'converged' };
    const f = cur.force;
    const power = dot(f, v);
    if (power > 0) {
      const vn = Math.sqrt(dot(v, v)), fn = Math.sqrt(dot(f, f));
      const mix = fn > 0 ? (alpha * vn) / fn : 0;
      for (let k = 0; k < v.length; k++) v[k] = (1 - alpha) * v[k] + mix * f[k];
      if (nPositive > P.nMin) {
        dt = Math.min(dt * P.fInc, P.dtMax);
        alpha *= P.fAlpha;
      }
      nPositive++;
    } else {
      v.fill(0);
      alpha = P.alphaStart;
      dt *= P.fDec;
      nPositive = 0;
    }
    // The time step keeps shrinking only when every step goes uphill: the forces do not match the energy.
    if (dt < 1e-12) return { x, value: cur, iterations: it, evaluations, status: 'stalled', message: 'FIRE time step collapsed (forces inconsistent or a saddle)' };
    for (let k = 0; k < v.length; k++) {
      v[k] += dt * f[k];
      dr[k] = dt * v[k];
    }
    const big = maxBlockNorm(dr);
    const scale = big > opts.maxStep ? opts.maxStep / big : 1;
    const xNew = x.slice();
    for (let k = 0; k < x.length; k++) xNew[k] += scale * dr[k];
    const next = obj.evaluate(xNew);
    evaluations++;
    if (!finiteValue(next))
      return { x, value: cur, iterations: it + 1, evaluations, status: 'nonFinite', message: `energy or forces not finite after step ${it + 1}` };
    x.set(xNew);
    cur = next;
  }
  if (cur.error <= 1) return { x, value: cur, iterations: opts.maxIterations, evaluations, status: 'converged', message: 'converged' };
  return { x, value: cur, iterations: opts.maxIterations, evaluations, status: 'maxIterations', message: `not converged after ${opts.maxIterations} iterations` };
}

export interface LbfgsOptions extends MinimizeOptions {
  /** History length. */
  memory: number;
  /** Initial inverse curvature (Å²/eV for positions): ASE's LBFGS starts from 1/70. */
  h0: number;
}

const ARMIJO_C1 = 1e-4;
const MAX_BACKTRACKS = 30;
/**
 * Energy differences below this relative size are summation noise: near a minimum a good quasi-Newton step
 * lowers the energy by less than the rounding of a sum over many atoms, and must not be refused for it.
 */
const ENERGY_NOISE_REL = 1e-13;

export function lbfgs(obj: Objective, x0: Float64Array, opts: LbfgsOptions): MinimizeResult {
  const bad = nonFiniteStart(x0);
  if (bad) return bad;
  const n = x0.length;
  const x = x0.slice();
  let cur = obj.evaluate(x);
  let evaluations = 1;
  if (!finiteValue(cur)) return { x, value: cur, iterations: 0, evaluations, status: 'nonFinite', message: 'energy or forces not finite at the start' };
  const S: Float64Array[] = [], Y: Float64Array[] = [], RHO: number[] = [];
  const alphaK = new Float64Array(opts.memory);
  const d = new Float64Array(n);
  for (let it = 0; it < opts.maxIterations; it++) {
    if (cur.error <= 1) return { x, value: cur, iterations: it, evaluations, status: 'converged', message: 'converged' };
    let accepted = false, sawNonFinite = false;
    for (let attempt = 0; attempt < 2 && !accepted; attempt++) {
      // Direction d = −H g = H f by the two-loop recursion (g = −f).
      for (let k = 0; k < n; k++) d[k] = cur.force[k];
      const m = S.length;
      for (let i = m - 1; i >= 0; i--) {
        alphaK[i] = RHO[i] * dot(S[i], d);
        for (let k = 0; k < n; k++) d[k] -= alphaK[i] * Y[i][k];
      }
      const gamma = m > 0 ? dot(S[m - 1], Y[m - 1]) / dot(Y[m - 1], Y[m - 1]) : opts.h0;
      for (let k = 0; k < n; k++) d[k] *= gamma;
      for (let i = 0; i < m; i++) {
        const beta = RHO[i] * dot(Y[i], d);
        for (let k = 0; k < n; k++) d[k] += (alphaK[i] - beta) * S[i][k];
      }
      let slope = -dot(cur.force, d); // g·d, negative for a descent direction
      if (!(slope < 0)) {
        S.length = 0; Y.length = 0; RHO.length = 0;
        for (let k = 0; k < n; k++) d[k] = opts.h0 * cur.force[k];
        slope = -dot(cur.force, d);
      }
      const big = maxBlockNorm(d);
      let step = big > opts.maxStep ? opts.maxStep / big : 1;
      const noise = ENERGY_NOISE_REL * Math.max(1, Math.abs(cur.energy));
      for (let bt = 0; bt < MAX_BACKTRACKS; bt++, step *= 0.5) {
        const xNew = x.slice();
        for (let k = 0; k < n; k++) xNew[k] += step * d[k];
        const next = obj.evaluate(xNew);
        evaluations++;
        if (!finiteValue(next)) {
          sawNonFinite = true;
          continue;
        }
        if (next.energy - cur.energy <= ARMIJO_C1 * step * slope + noise) {
          const s = new Float64Array(n), y = new Float64Array(n);
          for (let k = 0; k < n; k++) {
            s[k] = xNew[k] - x[k];
            y[k] = cur.force[k] - next.force[k]; // y = g_new − g_old
          }
          const sy = dot(s, y);
          // Only positive curvature keeps the inverse Hessian positive definite.
          if (sy > 1e-300 && Number.isFinite(sy)) {
            S.push(s); Y.push(y); RHO.push(1 / sy);
            if (S.length > opts.memory) { S.shift(); Y.shift(); RHO.shift(); }
          }
          x.set(xNew);
          cur = next;
          accepted = true;
          break;
        }
      }
      if (!accepted) { S.length = 0; Y.length = 0; RHO.length = 0; }
    }
    if (!accepted) {
      if (cur.error <= 1) return { x, value: cur, iterations: it, evaluations, status: 'converged', message: 'converged' };
      if (sawNonFinite) return { x, value: cur, iterations: it, evaluations, status: 'nonFinite', message: 'every trial step gave a non-finite energy or force' };
      return { x, value: cur, iterations: it, evaluations, status: 'stalled', message: 'line search found no lower energy along the steepest descent (forces inconsistent with the energy, or at the rounding floor)' };
    }
  }
  if (cur.error <= 1) return { x, value: cur, iterations: opts.maxIterations, evaluations, status: 'converged', message: 'converged' };
  return { x, value: cur, iterations: opts.maxIterations, evaluations, status: 'maxIterations', message: `not converged after ${opts.maxIterations} iterations` };
}
