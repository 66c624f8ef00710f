/**
 * The input of the HTML report: plain result objects, already computed by the fit and analysis steps. The report
 * only lays them out (and bins errors for histograms); it never evaluates a model.
 *
 * Units (internal, as everywhere in pesfit): energies per atom in eV/atom, force components in eV/Å, stress
 * components in eV/Å³ (ASE sign). The report converts to display units at the edge (meV/atom for energy errors,
 * GPa for stresses); see display-units.ts.
 */
import type { Metrics } from '../analysis/metrics.ts';
import type { SigmaSet } from '../fit/objective.ts';
import type { SolverStatus } from '../fit/problem.ts';

/** Reference and predicted values of one quantity; `ref[i]` pairs with `pred[i]`. */
export interface ParityValues {
  ref: ArrayLike<number>;
  pred: ArrayLike<number>;
}

export interface PlotSeries {
  /** Energy per atom (eV/atom), one entry per configuration, with the configuration's group. */
  energyPerAtom: ParityValues & { group: readonly string[] };
  /** Force components (eV/Å), flat; may be large (the report shows a deterministic subset of ≤ MAX_PLOT_POINTS). */
  forces: ParityValues;
  /** Stress components (eV/Å³, ASE sign), flat (trusted components only). */
  stress: ParityValues;
}

export interface ReportModel {
  kind: string;
  elements: readonly string[];
  /** Å */
  cutoff: number;
  paramNames: readonly string[];
  params: ArrayLike<number>;
  /** One standard error per parameter, same order as `params`. */
  stdErrors?: ArrayLike<number>;
}

export interface ReportSolver {
  method: string;
  status: SolverStatus;
  iterations: number;
  message: string;
  /** Loss J (dimensionless: residuals are divided by σ) and its split by term, per iteration. */
  history: { iteration: number; loss: number; terms: Record<string, number> }[];
}

export interface ReportSigma {
  /** eV/atom */
  energy: number;
  /** eV/Å */
  force: number;
  /** eV/Å³ */
  stress: number;
  /** Noise levels estimated from the fit's residuals, when computed. */
  estimates?: SigmaSet;
}

export interface ReportMetrics {
  train: Metrics;
  test?: Metrics;
  /** Cross-validation metrics (predictions of held-out folds). */
  cv?: Metrics;
  by_group: { train: Record<string, Metrics>; test?: Record<string, Metrics> };
}

/** One configuration's residuals, e.g. the worst-fitted configurations; shown in the caller's order. */
export interface ResidualRow {
  /** Where the configuration came from, e.g. `data/train.xyz (frame 12)`. */
  config: string;
  group: string;
  nAtoms: number;
  /** Predicted minus reference energy per atom (eV/atom). */
  energyErrorPerAtom?: number | null;
  /** RMS force-component error (eV/Å). */
  forceRmse?: number | null;
  /** RMS stress-component error (eV/Å³). */
  stressRmse?: number | null;
}

export interface ReportData {
  title: string;
  /** ISO 8601 timestamp, shown as given. */
  createdAt: string;
  pesfitVersion: string;
  /** The resolved configuration, echoed in a collapsible block (a string is shown verbatim, anything else as JSON). */
  config?: unknown;
  model: ReportModel;
  solver: ReportSolver;
  sigma: ReportSigma;
  metrics: ReportMetrics;
  parity: { train: PlotSeries; test?: PlotSeries };
  residualTable?: ResidualRow[];
}
