/**
 * Parameter ensembles and their propagation to predictions.
 *
 * An Ensemble is n parameter vectors of length P (MCMC samples, bootstrap refits, BLR committee members, Laplace
 * draws), row-major `data[i·P + p]`, with the parameter names. `propagate` maps every member through any function
 * θ → numbers (energies, forces, later lattice or elastic constants) and returns the per-output mean and standard
 * deviation (n − 1 normalisation; Welford's update, so the outputs are never stored per member).
 * `propagateConfigurations` is the standard case: per configuration the energy per atom (eV/atom, offsets
 * included) mean and std, and the force spread as the RMS over the 3N components of the per-component std (eV/Å).
 * `laplaceSamples` draws θ̂ + C^{1/2} z from a covariance (eigen-decomposed, so a singular C is allowed: its
 * null directions get no spread).
 */
import { UserError } from '../core/errors.ts';
import { createRng } from '../core/random.ts';
import { symEigen } from '../linalg/eigen.ts';
import { offsetEnergy } from '../fit/predict.ts';
import { buildNeighborList } from '../neighbors/index.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { CompiledModel } from '../potentials/types.ts';
import type { Configuration } from '../structure/types.ts';

export interface Ensemble {
  names: readonly string[];
  n: number;
  P: number;
  data: Float64Array;
}

export function makeEnsemble(names: readonly string[], members: readonly ArrayLike<number>[]): Ensemble {
  const P = names.length;
  const data = new Float64Array(members.length * P);
  members.forEach((m, i) => {
    if (m.length !== P) throw new UserError(`ensemble member ${i} has ${m.length} parameters, expected ${P}`);
    data.set(Array.from(m), i * P);
  });
  return { names, n: members.length, P, data };
}

export function member(e: Ensemble, i: number): Float64Array {
  return e.data.slice(i * e.P, (i + 1) * e.P);
}

/** Mean and covariance (P × P row-major, n − 1 normalisation) of an ensemble. */
export function ensembleMoments(e: Ensemble): { mean: Float64Array; cov: Float64Array; std: Float64Array } {
  const { n, P, data } = e;
  if (n < 2) throw new UserError(`an ensemble needs at least 2 members for a spread, got ${n}`);
  const mean = new Float64Array(P);
  for (let i = 0; i < n; i++) for (let p = 0; p < P; p++) mean[p] += data[i * P + p] / n;
  const cov = new Float64Array(P * P);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < P; p++) {
      const dp = data[i * P + p] - mean[p];
      for (let q = 0; q < P; q++) cov[p * P + q] += (dp * (data[i * P + q] - mean[q])) / (n - 1);
    }
  const std = Float64Array.from({ length: P }, (_, p) => Math.sqrt(cov[p * P + p]));
  return { mean, cov, std };
}

/** Quantile q ∈ [0, 1] of parameter p over the members (linear interpolation between order statistics). */
export function ensembleQuantile(e: Ensemble, p: number, q: number): number {
  const v = Float64Array.from({ length: e.n }, (_, i) => e.data[i * e.P + p]).sort();
  const x = q * (e.n - 1);
  const lo = Math.floor(x), hi = Math.min(lo + 1, e.n - 1);
  return v[lo] + (x - lo) * (v[hi] - v[lo]);
}

export interface Spread {
  mean: Float64Array;
  std: Float64Array;
  n: number;
}

/** Mean and std of f(θ) over the ensemble; f must return the same number of outputs for every member. */
export function propagate(e: Ensemble, f: (theta: Float64Array) => ArrayLike<number>): Spread {
  let mean: Float64Array | undefined, m2: Float64Array | undefined;
  for (let i = 0; i < e.n; i++) {
    const y = f(member(e, i));
    if (!mean || !m2) {
      mean = new Float64Array(y.length);
      m2 = new Float64Array(y.length);
    } else if (y.length !== mean.length) throw new UserError(`propagate: member ${i} gave ${y.length} outputs, expected ${mean.length}`);
    for (let k = 0; k < y.length; k++) {
      const d = y[k] - mean[k];
      mean[k] += d / (i + 1);
      m2[k] += d * (y[k] - mean[k]);
    }
  }
  if (!mean || !m2) throw new UserError('propagate: empty ensemble');
  const std = m2.map((v) => (e.n > 1 ? Math.sqrt(v / (e.n - 1)) : NaN));
  return { mean, std, n: e.n };
}

export interface ConfigSpread {
  energyPerAtomMean: number;
  energyPerAtomStd: number;
  /** RMS over components of the per-component force std (eV/Å). */
  forceStdRms: number;
}

/**
 * Per-configuration prediction spreads. `modelAt(θ)` gives the model for the first `nModelParams` entries; the
 * remaining parameters are energy offsets named as in `names` (E0, E0:<El>).
 */
export function propagateConfigurations(
  e: Ensemble, configs: readonly Configuration[], modelAt: (theta: Float64Array) => CompiledModel, nModelParams: number,
): ConfigSpread[] {
  const offsetNames = e.names.slice(nModelParams);
  const sizes = configs.map((c) => 1 + 3 * c.structure.species.length);
  const total = sizes.reduce((a, b) => a + b, 0);
  // the cutoff and list kind do not change with the parameters: build each configuration's list once
  let lists: NeighborList[] | undefined;
  const s = propagate(e, (theta) => {
    const model = modelAt(theta);
    lists ??= configs.map((c) => buildNeighborList(c.structure, model.cutoff, { half: model.neighborList === 'half' }));
    const offsets = Object.fromEntries(offsetNames.map((n, o) => [n, theta[nModelParams + o]]));
    const out = new Float64Array(total);
    let o = 0;
    for (const [i, c] of configs.entries()) {
      const r = model.evaluate(c.structure, lists![i], { forces: true });
      out[o] = (r.energy + offsetEnergy(c, offsets)) / c.structure.species.length;
      out.set(r.forces!, o + 1);
      o += 1 + 3 * c.structure.species.length;
    }
    return out;
  });
  let o = 0;
  return configs.map((c, i) => {
    const nf = sizes[i] - 1;
    let sq = 0;
    for (let k = 0; k < nf; k++) sq += s.std[o + 1 + k] ** 2;
    const r = { energyPerAtomMean: s.mean[o], energyPerAtomStd: s.std[o], forceStdRms: nf ? Math.sqrt(sq / nf) : 0 };
    o += sizes[i];
    return r;
  });
}

/** n draws θ̂ + C^{1/2} z, z ~ N(0, I); C is P × P (row-major, symmetric positive semi-definite). */
export function laplaceSamples(names: readonly string[], thetaHat: ArrayLike<number>, cov: Float64Array, n: number, seed = 1): Ensemble {
  const P = thetaHat.length;
  if (cov.length !== P * P) throw new UserError(`laplaceSamples: covariance has ${cov.length} entries, expected ${P * P}`);
  const eig = symEigen({ rows: P, cols: P, data: cov });
  const rng = createRng(seed);
  const root = eig.values.map((v) => Math.sqrt(Math.max(v, 0)));
  const data = new Float64Array(n * P);
  const z = new Float64Array(P);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < P; c++) z[c] = root[c] * rng.normal();
    for (let p = 0; p < P; p++) {
      let v = thetaHat[p];
      for (let c = 0; c < P; c++) v += eig.vectors[p * P + c] * z[c];
      data[i * P + p] = v;
    }
  }
  return { names, n, P, data };
}
