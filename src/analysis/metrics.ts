/**
 * Error metrics of predictions against reference labels, overall and by group, in the units users report:
 * energy per atom (eV/atom), force components (eV/Å), trusted stress components (eV/Å³).
 * Shape matches metrics.json: {n_configs, n_atoms, energy_mae_per_atom, energy_rmse_per_atom, force_mae,
 * force_rmse, stress_mae, stress_rmse}; a metric with no data is null.
 */
import type { Configuration } from '../structure/types.ts';

export interface Metrics {
  n_configs: number;
  n_atoms: number;
  energy_mae_per_atom: number | null;
  energy_rmse_per_atom: number | null;
  force_mae: number | null;
  force_rmse: number | null;
  stress_mae: number | null;
  stress_rmse: number | null;
}

/** Predicted labels of one configuration (energy includes any fitted offset). */
export interface PredictedLabels {
  energy?: number;
  forces?: Float64Array;
  /** ASE stress, internal Voigt order. */
  stress?: Float64Array;
}

class Acc {
  n = 0;
  abs = 0;
  sq = 0;
  add(d: number): void {
    this.n++;
    this.abs += Math.abs(d);
    this.sq += d * d;
  }
  mae(): number | null {
    return this.n ? this.abs / this.n : null;
  }
  rmse(): number | null {
    return this.n ? Math.sqrt(this.sq / this.n) : null;
  }
}

export function computeMetrics(configs: readonly Configuration[], preds: readonly PredictedLabels[]): Metrics {
  const e = new Acc(), f = new Acc(), s = new Acc();
  let atoms = 0;
  configs.forEach((c, i) => {
    const p = preds[i];
    const n = c.structure.species.length;
    atoms += n;
    const L = c.labels;
    if (L.energy !== undefined && p.energy !== undefined) e.add((p.energy - L.energy) / n);
    if (L.forces && p.forces) for (let k = 0; k < L.forces.length; k++) f.add(p.forces[k] - L.forces[k]);
    if (L.stress && p.stress) for (let k = 0; k < 6; k++) if (!L.stressMask || L.stressMask[k]) s.add(p.stress[k] - L.stress[k]);
  });
  return {
    n_configs: configs.length,
    n_atoms: atoms,
    energy_mae_per_atom: e.mae(),
    energy_rmse_per_atom: e.rmse(),
    force_mae: f.mae(),
    force_rmse: f.rmse(),
    stress_mae: s.mae(),
    stress_rmse: s.rmse(),
  };
}

export function metricsByGroup(configs: readonly Configuration[], preds: readonly PredictedLabels[]): Record<string, Metrics> {
  const groups = new Map<string, number[]>();
  configs.forEach((c, i) => (groups.get(c.group) ?? groups.set(c.group, []).get(c.group)!).push(i));
  const out: Record<string, Metrics> = {};
  for (const [g, idx] of [...groups.entries()].sort()) out[g] = computeMetrics(idx.map((i) => configs[i]), idx.map((i) => preds[i]));
  return out;
}
