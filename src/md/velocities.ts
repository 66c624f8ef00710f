/**
 * Maxwell–Boltzmann initial velocities (Å/fs): each component drawn from N(0, k_B T / m) (converted with
 * md-units.ts), the centre-of-mass velocity removed (zero total momentum), then rescaled so that the kinetic
 * temperature (state.ts, N_dof = 3N − 3) is exactly T, as LAMMPS's `velocity ... create` does. Seeded: the same
 * seed gives the same velocities.
 */
import { UserError } from '../core/errors.ts';
import type { Rng } from '../core/random.ts';
import { KB_EV_PER_K } from '../core/units.ts';
import { EV_PER_AMU_A2_FS2 } from './md-units.ts';
import { temperature, type MdState } from './state.ts';

/** Subtracts the centre-of-mass velocity, so that Σ m v = 0. */
export function zeroMomentum(st: MdState): void {
  const v = st.velocities, m = st.masses, n = m.length;
  let px = 0, py = 0, pz = 0, M = 0;
  for (let i = 0; i < n; i++) {
    px += m[i] * v[3 * i];
    py += m[i] * v[3 * i + 1];
    pz += m[i] * v[3 * i + 2];
    M += m[i];
  }
  px /= M;
  py /= M;
  pz /= M;
  for (let i = 0; i < n; i++) {
    v[3 * i] -= px;
    v[3 * i + 1] -= py;
    v[3 * i + 2] -= pz;
  }
}

/** Sets the state's velocities to a Maxwell–Boltzmann sample at T (K) with zero total momentum. */
export function maxwellBoltzmann(st: MdState, T: number, rng: Rng): void {
  if (!(T >= 0) || !Number.isFinite(T)) throw new UserError(`temperature must be finite and ≥ 0 K, got ${T}`);
  const v = st.velocities, m = st.masses, n = m.length;
  for (let i = 0; i < n; i++) {
    const sd = Math.sqrt((KB_EV_PER_K * T) / (m[i] * EV_PER_AMU_A2_FS2));
    for (let k = 0; k < 3; k++) v[3 * i + k] = rng.normal(0, sd);
  }
  zeroMomentum(st);
  const t = temperature(st);
  const scale = t > 0 ? Math.sqrt(T / t) : 0;
  for (let k = 0; k < v.length; k++) v[k] *= scale;
}
