/**
 * Energy-drift report of a trajectory: the least-squares line E(t) = a + b·t through the sampled total (or
 * conserved) energy, its slope b expressed in meV/atom/ps, and the largest deviation |E(t) − E(t₀)| in meV/atom.
 * Inputs: times in fs, energies in eV, the atom count.
 */
import { UserError } from '../core/errors.ts';
import { FS_PER_PS } from './md-units.ts';

const MEV_PER_EV = 1000;

export interface DriftReport {
  /** Slope of the linear fit (meV/atom/ps). */
  slope: number;
  /** max_t |E(t) − E(t₀)| (meV/atom). */
  maxDeviation: number;
  /** Standard deviation of the energy about the fitted line (meV/atom). */
  residualRms: number;
  /** Time span covered (ps). */
  span: number;
  samples: number;
}

export function energyDrift(times: ArrayLike<number>, energies: ArrayLike<number>, nAtoms: number): DriftReport {
  const n = times.length;
  if (energies.length !== n) throw new UserError(`energy drift: ${n} times but ${energies.length} energies`);
  if (n < 2) throw new UserError('energy drift needs at least two samples');
  if (!(nAtoms > 0)) throw new UserError(`energy drift: atom count must be positive, got ${nAtoms}`);
  let tm = 0, em = 0;
  for (let k = 0; k < n; k++) {
    tm += times[k];
    em += energies[k];
  }
  tm /= n;
  em /= n;
  let stt = 0, ste = 0, maxDev = 0;
  for (let k = 0; k < n; k++) {
    const dt = times[k] - tm;
    stt += dt * dt;
    ste += dt * (energies[k] - em);
    maxDev = Math.max(maxDev, Math.abs(energies[k] - energies[0]));
  }
  const b = stt > 0 ? ste / stt : 0;
  let ss = 0;
  for (let k = 0; k < n; k++) {
    const r = energies[k] - (em + b * (times[k] - tm));
    ss += r * r;
  }
  const scale = MEV_PER_EV / nAtoms;
  return {
    slope: b * FS_PER_PS * scale,
    maxDeviation: maxDev * scale,
    residualRms: Math.sqrt(ss / n) * scale,
    span: (times[n - 1] - times[0]) / FS_PER_PS,
    samples: n,
  };
}
