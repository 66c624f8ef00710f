/**
 * LAMMPS-exact tabulated-function interpolation, as pair_eam (and its alloy/fs variants) uses it.
 *
 * A table f[0..n-1] samples a function on the uniform grid x_m = m·δ (m = 0..n-1; LAMMPS counts from 1).
 * LAMMPS estimates a slope s_m (per grid step) at each node by finite differences:
 *   s_0 = f_1 − f_0,  s_1 = (f_2 − f_0)/2,  s_{n−2} = (f_{n−1} − f_{n−3})/2,  s_{n−1} = f_{n−1} − f_{n−2},
 *   s_m = ((f_{m−2} − f_{m+2}) + 8 (f_{m+1} − f_{m−1})) / 12 otherwise,
 * and on each interval [x_m, x_{m+1}] uses the cubic Hermite polynomial in p ∈ [0, 1] through f_m, f_{m+1} with
 * slopes s_m, s_{m+1}. The coefficients are stored 7 per node (LAMMPS's `spline[m][0..6]` layout):
 *   [0] = 3 c3/δ, [1] = 2 c4/δ, [2] = s/δ  (derivative polynomial, per unit x)
 *   [3] = c3, [4] = c4, [5] = s, [6] = f  (value polynomial ((c3 p + c4) p + s) p + f)
 * computed in LAMMPS's order of operations so that results agree to the last bits.
 *
 * Because the interpolant is linear in the table values, its derivative with respect to each table value is
 * exact: `tableWeights` returns the (at most 6) nonzero weights of the value and of its x-derivative.
 * `regridFuncfl` reproduces how LAMMPS puts funcfl tables onto a common grid (4-point Lagrange interpolation).
 */

/** Spline coefficients, 7 per node (see the layout above), in LAMMPS's arithmetic. Requires n ≥ 3. */
export function lammpsSplineCoeffs(f: ArrayLike<number>, delta: number): Float64Array {
  const n = f.length;
  if (n < 5) throw new RangeError(`a LAMMPS EAM table needs at least 5 points, got ${n}`);
  const c = new Float64Array(7 * n);
  for (let m = 0; m < n; m++) c[7 * m + 6] = f[m];
  c[7 * 0 + 5] = c[7 * 1 + 6] - c[7 * 0 + 6];
  c[7 * 1 + 5] = 0.5 * (c[7 * 2 + 6] - c[7 * 0 + 6]);
  c[7 * (n - 2) + 5] = 0.5 * (c[7 * (n - 1) + 6] - c[7 * (n - 3) + 6]);
  c[7 * (n - 1) + 5] = c[7 * (n - 1) + 6] - c[7 * (n - 2) + 6];
  for (let m = 2; m <= n - 3; m++) {
    c[7 * m + 5] = ((c[7 * (m - 2) + 6] - c[7 * (m + 2) + 6]) + 8.0 * (c[7 * (m + 1) + 6] - c[7 * (m - 1) + 6])) / 12.0;
  }
  for (let m = 0; m <= n - 2; m++) {
    const fm = c[7 * m + 6], f1 = c[7 * (m + 1) + 6], sm = c[7 * m + 5], s1 = c[7 * (m + 1) + 5];
    c[7 * m + 4] = 3.0 * (f1 - fm) - 2.0 * sm - s1;
    c[7 * m + 3] = sm + s1 - 2.0 * (f1 - fm);
  }
  c[7 * (n - 1) + 4] = 0.0;
  c[7 * (n - 1) + 3] = 0.0;
  for (let m = 0; m < n; m++) {
    c[7 * m + 2] = c[7 * m + 5] / delta;
    c[7 * m + 1] = (2.0 * c[7 * m + 4]) / delta;
    c[7 * m + 0] = (3.0 * c[7 * m + 3]) / delta;
  }
  return c;
}

/** Adds the weights of slope s_k (per grid step) on the table values into w (indexed by table index − base). */
function addSlopeWeights(k: number, n: number, scale: number, w: Float64Array, base: number): void {
  if (scale === 0) return;
  // LAMMPS assigns s_0, s_1, s_{n-2}, s_{n-1} first, then overwrites 2..n-3 with the 5-point formula.
  if (k >= 2 && k <= n - 3) {
    const a = scale / 12.0;
    w[k - 2 - base] += a;
    w[k + 2 - base] -= a;
    w[k + 1 - base] += 8 * a;
    w[k - 1 - base] -= 8 * a;
  } else if (k === n - 1) {
    w[k - base] += scale;
    w[k - 1 - base] -= scale;
  } else if (k === 0) {
    w[1 - base] += scale;
    w[0 - base] -= scale;
  } else {
    // k === 1 or k === n - 2 (central two-point slope)
    w[k + 1 - base] += 0.5 * scale;
    w[k - 1 - base] -= 0.5 * scale;
  }
}

/**
 * Weights of the interpolated value and of its x-derivative on the table entries, at interval m (0-based,
 * 0 ≤ m ≤ n−2) and local coordinate p (as LAMMPS clamps it). `dpdx` is 1/δ, or 0 where LAMMPS clamps p.
 * Entries are written for table indices base..base+5 with base = m − 2 (indices outside [0, n) get weight 0).
 * Returns base.
 */
export function tableWeights(
  m: number, p: number, n: number, dpdx: number, wv: Float64Array, wd: Float64Array,
): number {
  const base = m - 2;
  wv.fill(0, 0, 6);
  wd.fill(0, 0, 6);
  const p2 = p * p, p3 = p2 * p;
  // Hermite basis in p and its p-derivative
  const h00 = 1 - 3 * p2 + 2 * p3, h01 = 3 * p2 - 2 * p3, h10 = p - 2 * p2 + p3, h11 = p3 - p2;
  const d00 = -6 * p + 6 * p2, d01 = 6 * p - 6 * p2, d10 = 1 - 4 * p + 3 * p2, d11 = 3 * p2 - 2 * p;
  wv[m - base] += h00;
  wv[m + 1 - base] += h01;
  addSlopeWeights(m, n, h10, wv, base);
  addSlopeWeights(m + 1, n, h11, wv, base);
  wd[m - base] += d00 * dpdx;
  wd[m + 1 - base] += d01 * dpdx;
  addSlopeWeights(m, n, d10 * dpdx, wd, base);
  addSlopeWeights(m + 1, n, d11 * dpdx, wd, base);
  return base;
}

/**
 * LAMMPS's funcfl re-gridding (pair_eam.cpp file2array): the value at x = (m−1)·δnew of a table with spacing
 * δfile, by 4-point Lagrange interpolation on the file's nodes (clamped to the table's interior).
 * `f` is the file table (0-based); the result has `nNew` points.
 */
export function regridFuncfl(f: ArrayLike<number>, dFile: number, nNew: number, dNew: number): Float64Array {
  const sixth = 1.0 / 6.0;
  const nFile = f.length;
  const out = new Float64Array(nNew);
  for (let m = 1; m <= nNew; m++) {
    const r = (m - 1) * dNew;
    let p = r / dFile + 1.0;
    let k = Math.trunc(p);
    k = Math.min(k, nFile - 2);
    k = Math.max(k, 2);
    p -= k;
    p = Math.min(p, 2.0);
    const cof1 = -sixth * p * (p - 1.0) * (p - 2.0);
    const cof2 = 0.5 * (p * p - 1.0) * (p - 2.0);
    const cof3 = -0.5 * p * (p + 1.0) * (p - 2.0);
    const cof4 = sixth * p * (p * p - 1.0);
    // LAMMPS's 1-based file[k-1..k+2] are our f[k-2..k+1]
    out[m - 1] = cof1 * f[k - 2] + cof2 * f[k - 1] + cof3 * f[k] + cof4 * f[k + 1];
  }
  return out;
}
