/**
 * Force and virial tallies: the one place where signs are defined.
 *
 * For a pair (i, j) with separation d = r_ij = x_j + shift − x_i and force f acting on j because of that pair
 * (so −f acts on i), the virial gets W_ab += d_a f_b. With f = −∂E/∂x_j this gives W = −V σ, σ = (1/V) ∂E/∂ε
 * (ASE sign), so stress = −W/V. For a pair energy φ(r): f = −φ'(r) d / r.
 * Many-body terms are written as sums of such pair contributions (each along its own separation vector).
 * Virial layout: internal Voigt order xx yy zz yz xz xy (core/voigt.ts).
 */

export function tallyPairForce(
  forces: Float64Array, i: number, j: number, fx: number, fy: number, fz: number,
): void {
  forces[3 * j] += fx;
  forces[3 * j + 1] += fy;
  forces[3 * j + 2] += fz;
  forces[3 * i] -= fx;
  forces[3 * i + 1] -= fy;
  forces[3 * i + 2] -= fz;
}

export function tallyPairVirial(
  virial: Float64Array, dx: number, dy: number, dz: number, fx: number, fy: number, fz: number,
): void {
  virial[0] += dx * fx;
  virial[1] += dy * fy;
  virial[2] += dz * fz;
  virial[3] += 0.5 * (dy * fz + dz * fy);
  virial[4] += 0.5 * (dx * fz + dz * fx);
  virial[5] += 0.5 * (dx * fy + dy * fx);
}

/** Stress (ASE sign, eV/Å³, internal Voigt) from a virial: σ = −W/V. */
export function stressFromVirial(virial: ArrayLike<number>, volume: number): Float64Array {
  const s = new Float64Array(6);
  for (let k = 0; k < 6; k++) s[k] = -virial[k] / volume;
  return s;
}
