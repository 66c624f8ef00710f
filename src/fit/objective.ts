/**
 * The maximum-likelihood objective of the seed documents, as a least-squares problem.
 *
 * Rows: per configuration i, one energy row (total energy, eV), 3N_i force rows (eV/Å) and up to 6 stress rows
 * (trusted components only, eV/Å³, ASE sign, internal Voigt order). Each row k has a reference value y_k and a weight
 * w_k so that J(θ) = Σ_k w_k (ŷ_k(θ) − y_k)².
 *
 * Weights (σ per data type, overridable per group and per configuration; c_i = group weight × configuration weight):
 *   energy: w = c_i τ_E / (N_i σ_E²)      (Var ΔE_i = N_i σ_E², the per-atom energy normalisation; N_i² with
 *                                          energyNormalization 'atoms': Var ΔE_i = N_i² σ_E²)
 *   force:  w = c_i τ_F / σ_F²
 *   stress: w = c_i τ_W / σ_S²            (the seed's virial residual ΔW²/(V_i² σ_S²) with W = −Vσ is exactly
 *                                          a stress residual Δσ²/σ_S²)
 * With balance 'lambda-star' (default) the per-term factors are τ_E = w_E/M_E, τ_F = w_F/D_F, τ_W = w_W/D_S with M_E
 * the number of energy rows, D_F of force rows, D_S of stress rows: the composite J = w_E L_E + w_F L_F + w_W L_W
 * of the seed, where every data type contributes ~1 at the true noise levels whatever its row count (this is the
 * λ* = N_E σ_E² / (D_F σ_F²) balancing applied to the raw sums). With balance 'none', τ = w (the plain negative
 * log-likelihood × 2 for Gaussian noise; what the Fisher information uses).
 *
 * Energy offsets (the DFT zero is arbitrary): 'global' adds one per-atom offset b, ŷ_E = E_model + N_i b;
 * 'per-species' adds E0_s, ŷ_E = E_model + Σ_s n_is E0_s; fixed values are subtracted from the references. Offsets are
 * extra linear parameters named `E0` or `E0:<El>` appended after the model's parameters.
 */
import { UserError } from '../core/errors.ts';
import { symbolOf } from '../core/elements.ts';
import { buildNeighborList } from '../neighbors/index.ts';
import type { NeighborList } from '../neighbors/types.ts';
import { isFullyPeriodic, volume } from '../structure/cell.ts';
import type { Configuration, Dataset } from '../structure/types.ts';
import type { CompiledModel, EvalResult } from '../potentials/types.ts';
import type { LeastSquaresProblem } from './problem.ts';

export const ROW_ENERGY = 0;
export const ROW_FORCE = 1;
export const ROW_STRESS = 2;
export const ROW_KIND_NAMES = ['energy', 'force', 'stress'] as const;

export interface SigmaSet {
  /** eV/atom */
  energy: number;
  /** eV/Å */
  force: number;
  /** eV/Å³ */
  stress: number;
}

export interface GroupSetting {
  sigma?: Partial<SigmaSet>;
  weight?: number;
}

export type EnergyOffsetMode = 'none' | 'global' | 'per-species' | { fixed: Record<string, number> };

export interface ObjectiveSettings {
  sigma: SigmaSet;
  groups: Record<string, GroupSetting>;
  /** w_E, w_F, w_W of the composite objective; 0 switches a data type off. */
  termWeights: SigmaSet;
  balance: 'none' | 'lambda-star';
  energyOffset: EnergyOffsetMode;
  /** How an energy residual scales with the atom count N: 'sqrt-atoms' (default) ΔE/(√N σ_E), errors independent per
   * atom; 'atoms' ΔE/(N σ_E), errors extensive (proportional to N, e.g. k-point or smearing errors, or a model error
   * that is the same in every atom's environment): σ_E is then a per-atom energy noise. */
  energyNormalization?: 'sqrt-atoms' | 'atoms';
}

export const DEFAULT_OBJECTIVE: ObjectiveSettings = {
  sigma: { energy: 0.005, force: 0.1, stress: 0.005 },
  groups: {},
  termWeights: { energy: 1, force: 1, stress: 1 },
  balance: 'lambda-star',
  energyOffset: 'per-species',
};

/** Row layout of a data set. */
export interface DataRows {
  nRows: number;
  ref: Float64Array;
  weight: Float64Array;
  kind: Uint8Array;
  /** Owning configuration of each row. */
  config: Int32Array;
  /** First row of each configuration, and one past the last (length nConfigs + 1). */
  configStart: Int32Array;
  /** Per configuration: index of its energy row or −1; first force row or −1; its stress rows' Voigt slots. */
  energyRow: Int32Array;
  forceRow: Int32Array;
  stressSlots: number[][];
  /** Per row, the σ used (in the row's own unit) — for noise estimation and reports. */
  sigma: Float64Array;
  /** Counts per kind: M_E, D_F, D_S. */
  counts: [number, number, number];
  /** Per row, the factor of its squared raw residual in the noise statistic S_t (1/N_i for energy rows, else 1):
   * weight_k = noiseFactor_k · c_i τ_t / σ_k², so weight/noiseFactor is what a σ or balance change rescales. */
  noiseFactor: Float64Array;
}

function sigmaFor(c: Configuration, settings: ObjectiveSettings): SigmaSet {
  const g = settings.groups[c.group]?.sigma ?? {};
  const s = c.sigma ?? {};
  return {
    energy: s.energy ?? g.energy ?? settings.sigma.energy,
    force: s.force ?? g.force ?? settings.sigma.force,
    stress: s.stress ?? g.stress ?? settings.sigma.stress,
  };
}

function fixedOffsetEnergy(c: Configuration, mode: EnergyOffsetMode): number {
  if (typeof mode !== 'object') return 0;
  let e = 0;
  for (const z of c.structure.species) {
    const el = symbolOf(z);
    const v = mode.fixed[el];
    if (v === undefined) throw new UserError(`objective.energy_offset.fixed: no reference energy for ${el}`);
    e += v;
  }
  return e;
}

export function buildRows(ds: Dataset, settings: ObjectiveSettings): DataRows {
  const configs = ds.configs;
  const ref: number[] = [], sig: number[] = [], kind: number[] = [], cfg: number[] = [];
  const configStart = new Int32Array(configs.length + 1);
  const energyRow = new Int32Array(configs.length).fill(-1);
  const forceRow = new Int32Array(configs.length).fill(-1);
  const stressSlots: number[][] = [];
  const tw = settings.termWeights;
  configs.forEach((c, i) => {
    configStart[i] = ref.length;
    const s = sigmaFor(c, settings);
    const L = c.labels;
    if (L.energy !== undefined && tw.energy > 0) {
      energyRow[i] = ref.length;
      ref.push(L.energy - fixedOffsetEnergy(c, settings.energyOffset));
      sig.push(s.energy);
      kind.push(ROW_ENERGY);
      cfg.push(i);
    }
    if (L.forces && tw.force > 0) {
      forceRow[i] = ref.length;
      for (const f of L.forces) {
        ref.push(f);
        sig.push(s.force);
        kind.push(ROW_FORCE);
        cfg.push(i);
      }
    }
    const slots: number[] = [];
    if (L.stress && tw.stress > 0 && isFullyPeriodic(c.structure)) {
      for (let v = 0; v < 6; v++) {
        if (L.stressMask && !L.stressMask[v]) continue;
        slots.push(v);
        ref.push(L.stress[v]);
        sig.push(s.stress);
        kind.push(ROW_STRESS);
        cfg.push(i);
      }
    }
    stressSlots.push(slots);
  });
  configStart[configs.length] = ref.length;
  const n = ref.length;
  const counts: [number, number, number] = [0, 0, 0];
  for (const k of kind) counts[k]++;
  const tau = [tw.energy, tw.force, tw.stress].map((w, k) => (settings.balance === 'lambda-star' ? (counts[k] ? w / counts[k] : 0) : w));
  const weight = new Float64Array(n);
  const noiseFactor = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const c = configs[cfg[k]];
    const cw = c.weight * (settings.groups[c.group]?.weight ?? 1);
    const nat = kind[k] === ROW_ENERGY ? c.structure.species.length ** (settings.energyNormalization === 'atoms' ? 2 : 1) : 1;
    noiseFactor[k] = 1 / nat;
    weight[k] = (cw * tau[kind[k]]) / (nat * sig[k] * sig[k]);
  }
  return {
    nRows: n,
    ref: Float64Array.from(ref),
    weight,
    kind: Uint8Array.from(kind),
    config: Int32Array.from(cfg),
    configStart,
    energyRow,
    forceRow,
    stressSlots,
    sigma: Float64Array.from(sig),
    counts,
    noiseFactor,
  };
}

/** Names and per-configuration design columns of the energy-offset parameters. */
export interface OffsetDesign {
  names: string[];
  /** nConfigs x nOffsets row-major: ∂E_i/∂offset. */
  columns: Float64Array;
}

export function offsetDesign(ds: Dataset, mode: EnergyOffsetMode): OffsetDesign {
  const M = ds.configs.length;
  if (mode === 'global') {
    return { names: ['E0'], columns: Float64Array.from(ds.configs, (c) => c.structure.species.length) };
  }
  if (mode === 'per-species') {
    const zs = [...new Set(ds.configs.flatMap((c) => [...c.structure.species]))].sort((a, b) => a - b);
    const col = new Map(zs.map((z, k) => [z, k]));
    const columns = new Float64Array(M * zs.length);
    ds.configs.forEach((c, i) => {
      for (const z of c.structure.species) columns[i * zs.length + col.get(z)!]++;
    });
    return { names: zs.map((z) => `E0:${symbolOf(z)}`), columns };
  }
  return { names: [], columns: new Float64Array(0) };
}

/** Predictions of every row for a model (and, on request, their derivatives wrt the model's parameters). */
export interface Predictions {
  values: Float64Array;
  /** nRows x nModelParams row-major, when requested. */
  jacobian?: Float64Array;
}

/** Neighbor lists of every configuration for one model cutoff, built once per fit. */
export function buildNeighborLists(ds: Dataset, cutoff: number, half: boolean): NeighborList[] {
  return ds.configs.map((c) => buildNeighborList(c.structure, cutoff, { half }));
}

/** One configuration's rows (rows.configStart[i] … configStart[i+1]): model predictions without offsets and, on
 * request, their unweighted derivatives wrt the model's parameters (n x Pm row-major). */
export interface ConfigurationRows {
  first: number;
  n: number;
  values: Float64Array;
  jacobian?: Float64Array;
}

/** The rows of configuration i; `precomputed`, when given, stands for model.evaluate: it must be the model's result
 * on this configuration and list with at least the forces, virial and paramGradient asked for here (the parallel
 * SNAP design stream of normal-equations.ts gives all three). */
export function evaluateConfiguration(
  model: CompiledModel, c: Configuration, list: NeighborList, rows: DataRows, i: number, wantJacobian: boolean,
  precomputed?: EvalResult,
): ConfigurationRows {
  const P = model.paramNames.length;
  const first = rows.configStart[i], nr = rows.configStart[i + 1] - first;
  const values = new Float64Array(nr);
  const jac = wantJacobian ? new Float64Array(nr * P) : undefined;
  const slots = rows.stressSlots[i];
  const wantF = rows.forceRow[i] >= 0, wantS = slots.length > 0;
  const res = precomputed ?? model.evaluate(c.structure, list, { forces: wantF, virial: wantS, paramGradient: wantJacobian });
  const n = c.structure.species.length;
  const er = rows.energyRow[i];
  if (er >= 0) {
    const k = er - first;
    values[k] = res.energy;
    if (jac) for (let p = 0; p < P; p++) jac[k * P + p] = res.dEnergy![p];
  }
  const fr = rows.forceRow[i];
  if (fr >= 0) {
    const k0 = fr - first;
    values.set(res.forces!, k0);
    if (jac) {
      const dF = res.dForces!;
      for (let p = 0; p < P; p++) for (let k = 0; k < 3 * n; k++) jac[(k0 + k) * P + p] = dF[p * 3 * n + k];
    }
  }
  if (wantS) {
    const V = volume(c.structure);
    const k0 = nr - slots.length;
    slots.forEach((v, s) => {
      values[k0 + s] = -res.virial![v] / V;
      if (jac) for (let p = 0; p < P; p++) jac[(k0 + s) * P + p] = -res.dVirial![p * 6 + v] / V;
    });
  }
  return { first, n: nr, values, jacobian: jac };
}

/**
 * The weighted residuals r = √w (ŷ − y) of one configuration's rows, ŷ = model values + energy offsets at
 * θ_offsets (zero when omitted), and, when the block has a Jacobian, the weighted Jacobian (n x (Pm + Po)
 * row-major, offset columns last). The single place where weights meet rows: the materialised problem
 * (makeFitProblem) and the streamed normal equations (normal-equations.ts) both go through it.
 */
export function weightedConfigurationRows(
  block: ConfigurationRows, rows: DataRows, i: number, offsets: OffsetDesign, Pm: number, thetaOffsets?: ArrayLike<number>,
): { r: Float64Array; J?: Float64Array } {
  const Po = offsets.names.length, P = Pm + Po;
  const { first, n, values } = block;
  const er = rows.energyRow[i];
  const r = new Float64Array(n);
  let offsetEnergy = 0;
  if (er >= 0 && thetaOffsets) for (let o = 0; o < Po; o++) offsetEnergy += offsets.columns[i * Po + o] * thetaOffsets[o];
  for (let k = 0; k < n; k++) {
    const v = first + k === er ? values[k] + offsetEnergy : values[k];
    r[k] = Math.sqrt(rows.weight[first + k]) * (v - rows.ref[first + k]);
  }
  const mj = block.jacobian;
  if (!mj) return { r };
  const J = new Float64Array(n * P);
  for (let k = 0; k < n; k++) {
    const w = Math.sqrt(rows.weight[first + k]);
    for (let p = 0; p < Pm; p++) J[k * P + p] = w * mj[k * Pm + p];
  }
  if (er >= 0) {
    const k = er - first, w = Math.sqrt(rows.weight[er]);
    for (let o = 0; o < Po; o++) J[k * P + Pm + o] = w * offsets.columns[i * Po + o];
  }
  return { r, J };
}

export function predictRows(
  model: CompiledModel, ds: Dataset, rows: DataRows, lists: NeighborList[], wantJacobian: boolean,
): Predictions {
  const P = model.paramNames.length;
  const values = new Float64Array(rows.nRows);
  const jac = wantJacobian ? new Float64Array(rows.nRows * P) : undefined;
  ds.configs.forEach((c, i) => {
    const b = evaluateConfiguration(model, c, lists[i], rows, i, wantJacobian);
    values.set(b.values, b.first);
    if (jac) jac.set(b.jacobian!, b.first * P);
  });
  return { values, jacobian: jac };
}

export interface FitProblem extends LeastSquaresProblem {
  readonly rows: DataRows;
  readonly offsets: OffsetDesign;
  readonly nModelParams: number;
  /** The model at a full parameter vector (model parameters first, offsets after). */
  modelAt(theta: Float64Array): CompiledModel;
  /** Row predictions (with offsets) at θ. */
  predict(theta: Float64Array): Float64Array;
}

export function makeFitProblem(model: CompiledModel, ds: Dataset, settings: ObjectiveSettings, prebuiltLists?: NeighborList[]): FitProblem {
  const rows = buildRows(ds, settings);
  const offsets = offsetDesign(ds, settings.energyOffset);
  const lists = prebuiltLists ?? buildNeighborLists(ds, model.cutoff, model.neighborList === 'half');
  const Pm = model.paramNames.length, Po = offsets.names.length, P = Pm + Po;
  const sqrtW = rows.weight.map(Math.sqrt);
  const lower = new Float64Array(P).fill(-Infinity), upper = new Float64Array(P).fill(Infinity);
  if (model.lower) lower.set(model.lower);
  if (model.upper) upper.set(model.upper);
  let cachedTheta: Float64Array | undefined;
  let cachedModel: CompiledModel = model;
  const modelAt = (theta: Float64Array): CompiledModel => {
    if (!cachedTheta || cachedTheta.some((v, k) => v !== theta[k])) {
      cachedModel = model.withParameters(theta.subarray(0, Pm));
      cachedTheta = theta.slice(0, Pm);
    }
    return cachedModel;
  };
  const addOffsets = (values: Float64Array, theta: Float64Array) => {
    if (!Po) return;
    ds.configs.forEach((_, i) => {
      const er = rows.energyRow[i];
      if (er < 0) return;
      for (let o = 0; o < Po; o++) values[er] += offsets.columns[i * Po + o] * theta[Pm + o];
    });
  };
  const predict = (theta: Float64Array): Float64Array => {
    const { values } = predictRows(modelAt(theta), ds, rows, lists, false);
    addOffsets(values, theta);
    return values;
  };
  const toResiduals = (values: Float64Array): Float64Array => {
    const r = new Float64Array(rows.nRows);
    for (let k = 0; k < rows.nRows; k++) r[k] = sqrtW[k] * (values[k] - rows.ref[k]);
    return r;
  };
  return {
    rows,
    offsets,
    nModelParams: Pm,
    nParams: P,
    nResiduals: rows.nRows,
    paramNames: [...model.paramNames, ...offsets.names],
    lower,
    upper,
    modelAt,
    predict,
    residuals: (theta) => toResiduals(predict(theta)),
    residualsAndJacobian(theta) {
      const m = modelAt(theta);
      const r = new Float64Array(rows.nRows), J = new Float64Array(rows.nRows * P);
      const thetaOffsets = theta.subarray(Pm);
      ds.configs.forEach((c, i) => {
        const w = weightedConfigurationRows(evaluateConfiguration(m, c, lists[i], rows, i, true), rows, i, offsets, Pm, thetaOffsets);
        const first = rows.configStart[i];
        r.set(w.r, first);
        J.set(w.J!, first * P);
      });
      return { r, J };
    },
    lossTerms(r) {
      const t = [0, 0, 0];
      for (let k = 0; k < r.length; k++) t[rows.kind[k]] += r[k] * r[k];
      return { energy: t[0], force: t[1], stress: t[2] };
    },
  };
}
