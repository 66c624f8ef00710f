/**
 * Writes a fit's output directory; every file atomically (io/fs.ts: temp file + rename), so an interrupted or
 * failed write never leaves a half-written file. Files:
 * - model.json      io/model-json.ts (spec, parameters by name, energy offsets, provenance)
 * - metrics.json    {"train": M, "test": M|null, "cv": M|null, "by_group": {"train": {g: M}, "test": {g: M}},
 *                    "sigma": {...}, "properties": [{property, structure, element, unit, target, sigma, value, error,
 *                    relative_error}]}, M = analysis/metrics.ts Metrics (eV/atom, eV/Å, eV/Å³); properties in their own
 *                    units (fit/properties.ts PROPERTY_UNITS), error = value − target, [] without property targets
 * - residuals.csv   one row per configuration: set, file, frame, group, n_atoms, energy_error_per_atom (eV/atom,
 *                    predicted − reference), force_rmse (eV/Å), stress_rmse (eV/Å³, trusted components); empty = no data
 * - fit-log.json    solver, status, iterations, loss history by term, regularisation strengths, σ rounds, the
 *                   balance-cv choice (multipliers, out-of-fold RMSE per type), timings
 * - LAMMPS files    through the `lammps` callback (the family's exporter), plus `lammps.in` with its lines
 * - report.html     through the `report` callback, when given
 * - config.json     {"format": "pesfit-config", "version": 1, "config": ResolvedConfig} — the resolved config (data
 *                    paths absolute), when given: with model.json and metrics.json it lets `pesfit diagnose`/`uq`
 *                    (uq/fit-dir.ts) rebuild the data and the objective of the fit
 */
import { join } from 'node:path';
import type { Metrics, PredictedLabels } from '../analysis/metrics.ts';
import type { ResolvedConfig } from '../config/load.ts';
import { writeAtomic } from '../io/fs.ts';
import { writeModelJson } from '../io/model-json.ts';
import type { Configuration } from '../structure/types.ts';
import type { FitRun } from './run.ts';

export interface LammpsFiles {
  /** Input lines (pair_style, pair_coeff, ...). */
  lines: string[];
  /** Files the lines name: file name → content. */
  files: Record<string, string>;
}

export interface OutputOptions {
  /** Provenance stored in model.json (config path, version, date). */
  provenance?: Record<string, unknown>;
  /** The LAMMPS export of the fitted model, or undefined when its family has none. */
  lammps?: LammpsFiles;
  /** report.html content, when a report renderer is available. */
  reportHtml?: string;
  /** The resolved config of the fit, written as config.json. */
  config?: ResolvedConfig;
}

export const CONFIG_FORMAT = 'pesfit-config';
export const CONFIG_VERSION = 1;

export const METRICS_KEYS = ['train', 'test', 'cv', 'by_group', 'sigma', 'properties'] as const;

export function metricsJson(run: FitRun): Record<(typeof METRICS_KEYS)[number], unknown> {
  return {
    train: run.metrics.train,
    test: run.metrics.test,
    cv: run.metrics.cv,
    by_group: run.metrics.by_group,
    sigma: {
      mode: run.sigma.mode,
      used: run.sigma.rounds.length ? run.sigma.rounds[run.sigma.rounds.length - 1].used : run.sigma.value,
      estimate: run.sigma.mode === 'auto' ? run.sigma.value : null,
      self_consistent: run.sigma.selfConsistent,
      rounds: run.sigma.rounds.length,
    },
    properties: (run.properties ?? []).map((p) => ({
      property: p.property, structure: p.structure, element: p.element, unit: p.unit, target: p.target, sigma: p.sigma,
      value: Number.isFinite(p.value) ? p.value : null, error: Number.isFinite(p.error) ? p.error : null,
      relative_error: Number.isFinite(p.relativeError) ? p.relativeError : null,
    })),
  };
}

function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export interface ResidualRecord {
  set: string;
  file: string;
  frame: number;
  group: string;
  nAtoms: number;
  energyErrorPerAtom: number | null;
  forceRmse: number | null;
  stressRmse: number | null;
}

export function residualRecords(set: string, configs: readonly Configuration[], preds: readonly PredictedLabels[]): ResidualRecord[] {
  return configs.map((c, i) => {
    const p = preds[i];
    const n = c.structure.species.length;
    const L = c.labels;
    let f: number | null = null, s: number | null = null;
    if (L.forces && p.forces) {
      let sq = 0;
      for (let k = 0; k < L.forces.length; k++) sq += (p.forces[k] - L.forces[k]) ** 2;
      f = Math.sqrt(sq / L.forces.length);
    }
    if (L.stress && p.stress) {
      let sq = 0, m = 0;
      for (let k = 0; k < 6; k++) {
        if (L.stressMask && !L.stressMask[k]) continue;
        sq += (p.stress[k] - L.stress[k]) ** 2;
        m++;
      }
      s = m ? Math.sqrt(sq / m) : null;
    }
    return {
      set, file: c.source.file, frame: c.source.frame, group: c.group, nAtoms: n,
      energyErrorPerAtom: L.energy !== undefined && p.energy !== undefined ? (p.energy - L.energy) / n : null,
      forceRmse: f, stressRmse: s,
    };
  });
}

export function residualsCsv(records: readonly ResidualRecord[]): string {
  const head = 'set,file,frame,group,n_atoms,energy_error_per_atom,force_rmse,stress_rmse';
  const rows = records.map((r) => [r.set, r.file, r.frame, r.group, r.nAtoms, r.energyErrorPerAtom, r.forceRmse, r.stressRmse].map(csvField).join(','));
  return [head, ...rows].join('\n') + '\n';
}

export function fitLog(run: FitRun): Record<string, unknown> {
  return {
    solver: { method: run.method, status: run.status, message: run.message, iterations: run.iterations },
    loss_history: run.history.map((h) => ({ phase: h.phase, iteration: h.iteration, loss: h.loss, terms: h.terms })),
    regularization: run.regularization,
    sigma: run.sigma,
    balance_cv: run.balanceCv,
    parameters: Object.fromEntries(run.paramNames.map((n, p) => [n, run.params[p]])),
    timings_s: run.timings,
  };
}

/** JSON with non-finite numbers as null (JSON has no NaN). */
function json(v: unknown): string {
  return JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 1) + '\n';
}

export function residualTable(run: FitRun): ResidualRecord[] {
  return [...residualRecords('train', run.train, run.predictions.train), ...residualRecords('test', run.test, run.predictions.test)];
}

/** Writes every output file into `dir`; returns the paths written. */
export function writeOutputs(dir: string, run: FitRun, opts: OutputOptions = {}): string[] {
  const written: string[] = [];
  const put = (name: string, content: string) => {
    const p = join(dir, name);
    writeAtomic(p, content);
    written.push(p);
  };
  put('metrics.json', json(metricsJson(run)));
  put('residuals.csv', residualsCsv(residualTable(run)));
  put('fit-log.json', json(fitLog(run)));
  if (opts.lammps) {
    for (const [name, content] of Object.entries(opts.lammps.files)) put(name, content);
    put('lammps.in', opts.lammps.lines.join('\n') + '\n');
  }
  if (opts.reportHtml !== undefined) put('report.html', opts.reportHtml);
  if (opts.config) put('config.json', json({ format: CONFIG_FORMAT, version: CONFIG_VERSION, config: opts.config }));
  // model.json last: its presence marks a complete output directory
  const mp = join(dir, 'model.json');
  writeModelJson(mp, run.model, { energyOffsets: run.offsets, provenance: { ...opts.provenance, status: run.status } });
  written.push(mp);
  return written;
}

export type { Metrics };
