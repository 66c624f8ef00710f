/**
 * Phonon density of states g(f) on a q-mesh with Gaussian broadening:
 *   g(f) = (1/N_q) Σ_q Σ_modes exp(−(f − f_qν)²/2σ²) / (σ√(2π))      (states per THz per primitive cell)
 * so ∫ g df = 3n (n atoms in the primitive cell). The frequency grid spans [f_min − 5σ, f_max + 5σ] (THz), which
 * holds all but ~6e-7 of each Gaussian.
 */
import { UserError } from '../core/errors.ts';
import { frequencies } from './dynamical.ts';
import type { ForceConstants } from './force-constants.ts';
import { monkhorstPack } from './paths.ts';

export interface PhononDos {
  /** Frequencies (THz), evenly spaced. */
  f: Float64Array;
  /** States per THz per primitive cell. */
  g: Float64Array;
  /** All mode frequencies on the mesh (THz), 3n per q-point. */
  modes: Float64Array;
  nq: number;
}

export interface DosOptions {
  mesh?: [number, number, number];
  /** Gaussian width σ (THz), default 0.1. */
  sigma?: number;
  /** Grid points, default 500. */
  points?: number;
}

export function phononDos(fc: ForceConstants, o: DosOptions = {}): PhononDos {
  const mesh = o.mesh ?? [12, 12, 12];
  const sigma = o.sigma ?? 0.1;
  const points = o.points ?? 500;
  if (!(sigma > 0)) throw new UserError(`DOS broadening must be positive (THz), got ${sigma}`);
  if (!Number.isInteger(points) || points < 2) throw new UserError(`DOS grid needs at least 2 points, got ${points}`);
  const qs = monkhorstPack(fc.primitive.cell, mesh);
  const nq = qs.length / 3, nm = 3 * fc.n;
  const modes = new Float64Array(nq * nm);
  for (let k = 0; k < nq; k++) modes.set(frequencies(fc, qs.subarray(3 * k, 3 * k + 3)), k * nm);
  let lo = Infinity, hi = -Infinity;
  for (const f of modes) {
    lo = Math.min(lo, f);
    hi = Math.max(hi, f);
  }
  lo -= 5 * sigma;
  hi += 5 * sigma;
  const f = Float64Array.from({ length: points }, (_, k) => lo + ((hi - lo) * k) / (points - 1));
  const g = new Float64Array(points);
  const norm = 1 / (nq * sigma * Math.sqrt(2 * Math.PI)), inv2s2 = 1 / (2 * sigma * sigma);
  const df = (hi - lo) / (points - 1);
  const reach = Math.ceil((6 * sigma) / df);
  for (const m of modes) {
    const c = Math.round((m - lo) / df);
    for (let k = Math.max(0, c - reach); k <= Math.min(points - 1, c + reach); k++) {
      const d = f[k] - m;
      g[k] += norm * Math.exp(-d * d * inv2s2);
    }
  }
  return { f, g, modes, nq };
}
