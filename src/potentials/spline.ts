/**
 * Natural cubic splines over given knots x_0 < … < x_{n−1} with knot values y (any units), extended LINEARLY
 * beyond both ends with the end slopes (natural splines have zero curvature at the ends, so the extension is C2).
 *
 * On [x_i, x_{i+1}], h = x_{i+1} − x_i, A = (x_{i+1} − r)/h, B = 1 − A:
 *     s(r)  = A y_i + B y_{i+1} + ((A³ − A) M_i + (B³ − B) M_{i+1}) h²/6
 *     s'(r) = (y_{i+1} − y_i)/h − (3A² − 1) h M_i/6 + (3B² − 1) h M_{i+1}/6
 * where the second derivatives M solve the tridiagonal natural-spline system, M = S y with an n×n matrix S that
 * depends on the knots only. Hence s is linear in y, and ∂s/∂y_k, ∂s'/∂y_k (the spline "basis" at r) follow from
 * the same formulas with y = e_k and M = S e_k (column k of S): `splineBasis`.
 */
import { UserError } from '../core/errors.ts';

export interface NaturalSpline {
  readonly x: Float64Array;
  readonly y: Float64Array;
  /** Second derivatives at the knots. */
  readonly m: Float64Array;
  /** Row-major n×n: m = S y. */
  readonly S: Float64Array;
}

/** Solves the natural-spline system for M given y (Thomas algorithm), into m. */
function solveSecondDerivatives(x: ArrayLike<number>, y: ArrayLike<number>, m: Float64Array): void {
  const n = x.length;
  m.fill(0);
  if (n < 3) return;
  // unknowns M_1..M_{n-2}; row i: h_{i-1} M_{i-1} + 2(h_{i-1}+h_i) M_i + h_i M_{i+1} = 6(Δ_i − Δ_{i−1})
  const c = new Float64Array(n);
  const d = new Float64Array(n);
  for (let i = 1; i < n - 1; i++) {
    const h0 = x[i] - x[i - 1], h1 = x[i + 1] - x[i];
    const rhs = 6 * ((y[i + 1] - y[i]) / h1 - (y[i] - y[i - 1]) / h0);
    const diag = 2 * (h0 + h1) - (i > 1 ? h0 * c[i - 1] : 0);
    c[i] = h1 / diag;
    d[i] = (rhs - (i > 1 ? h0 * d[i - 1] : 0)) / diag;
  }
  m[n - 2] = d[n - 2];
  for (let i = n - 3; i >= 1; i--) m[i] = d[i] - c[i] * m[i + 1];
}

export function checkKnots(x: ArrayLike<number>, what: string): void {
  if (x.length < 2) throw new UserError(`${what}: a spline needs at least 2 knots, got ${x.length}`);
  for (let i = 1; i < x.length; i++) {
    if (!(x[i] > x[i - 1])) throw new UserError(`${what}: knots must increase strictly (knot ${i}: ${x[i]} ≤ ${x[i - 1]})`);
  }
}

export function naturalSpline(x: ArrayLike<number>, y: ArrayLike<number>): NaturalSpline {
  checkKnots(x, 'naturalSpline');
  const n = x.length;
  if (y.length !== n) throw new UserError(`naturalSpline: ${y.length} values for ${n} knots`);
  const xs = Float64Array.from(x), ys = Float64Array.from(y);
  const S = new Float64Array(n * n);
  const e = new Float64Array(n), col = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    e.fill(0);
    e[k] = 1;
    solveSecondDerivatives(xs, e, col);
    for (let i = 0; i < n; i++) S[i * n + k] = col[i];
  }
  const m = new Float64Array(n);
  solveSecondDerivatives(xs, ys, m);
  return { x: xs, y: ys, m, S };
}

/** Index i of the interval [x_i, x_{i+1}] used for r (clamped to the first/last interval). */
export function splineInterval(x: ArrayLike<number>, r: number): number {
  let lo = 0, hi = x.length - 1;
  while (hi - lo > 1) {
    const k = (hi + lo) >> 1;
    if (x[k] > r) hi = k;
    else lo = k;
  }
  return lo;
}

/** Writes s(r) to out[0] and s'(r) to out[1]. */
export function splineEval(sp: NaturalSpline, r: number, out: Float64Array): void {
  const x = sp.x, y = sp.y, m = sp.m;
  const n = x.length;
  const i = splineInterval(x, r);
  // beyond the ends: linear with the end slope, so evaluate at the end knot and extend
  const re = r < x[0] ? x[0] : r > x[n - 1] ? x[n - 1] : r;
  const h = x[i + 1] - x[i];
  const A = (x[i + 1] - re) / h, B = 1 - A;
  const v = A * y[i] + B * y[i + 1] + ((A * A * A - A) * m[i] + (B * B * B - B) * m[i + 1]) * (h * h) / 6;
  const d = (y[i + 1] - y[i]) / h - ((3 * A * A - 1) * h * m[i]) / 6 + ((3 * B * B - 1) * h * m[i + 1]) / 6;
  out[0] = v + d * (r - re);
  out[1] = d;
}

/**
 * Writes ∂s(r)/∂y_k into val[k] and ∂s'(r)/∂y_k into der[k] for k = 0..n−1 (both arrays of length n).
 */
export function splineBasis(sp: NaturalSpline, r: number, val: Float64Array, der: Float64Array): void {
  const x = sp.x, S = sp.S;
  const n = x.length;
  const i = splineInterval(x, r);
  const re = r < x[0] ? x[0] : r > x[n - 1] ? x[n - 1] : r;
  const h = x[i + 1] - x[i];
  const A = (x[i + 1] - re) / h, B = 1 - A;
  const cA = ((A * A * A - A) * h * h) / 6, cB = ((B * B * B - B) * h * h) / 6;
  const dA = -((3 * A * A - 1) * h) / 6, dB = ((3 * B * B - 1) * h) / 6;
  const t = r - re;
  const rowI = i * n, rowJ = (i + 1) * n;
  for (let k = 0; k < n; k++) {
    const mi = S[rowI + k], mj = S[rowJ + k];
    let v = cA * mi + cB * mj;
    let d = dA * mi + dB * mj;
    if (k === i) {
      v += A;
      d -= 1 / h;
    }
    if (k === i + 1) {
      v += B;
      d += 1 / h;
    }
    val[k] = v + d * t;
    der[k] = d;
  }
}
