/**
 * The fit driver behind `pesfit fit`: from a resolved config and its data to fitted parameters, metrics and
 * everything the outputs need. No file writing (fit/outputs.ts), no console (cli/fit.ts).
 *
 * Steps:
 * 1. Test set: data.test, or a seeded random fraction `validation.split` of the training configurations.
 * 2. Model compiled once (potentials/registry.ts); neighbor lists of the training set built once for its cutoff.
 * 3. Solver: 'auto' = linear least squares when the model is linear in its parameters (pair-spline; energy offsets
 *    are linear too), else Levenberg–Marquardt; lm/lbfgs/de run through fit/solvers.ts. Regularisation: linear solver → solveLinear's ridge/smoothness
 *    (an 'auto' strength chosen by GCV, or by the CV folds when validation.cv is set); other solvers → extra
 *    residual rows (fit/regularization.ts) with the given numeric strengths, on the scale of the loss J.
 * 4. `sigma: auto`: fit ↔ estimateNoise (fit/noise.ts) to self-consistency: stop when every σ_t changes by less
 *    than 1e-3 relative, at most 20 rounds; each round restarts the solver from the previous optimum. A type
 *    without rows (e.g. no stress data) keeps its starting σ. The rounds (σ, γ per type) are returned.
 * 5. Cross-validation (validation.cv): per fold, refit on the other folds with the final σ and strengths (nonlinear
 *    solvers start from the full-data optimum) and predict the held-out configurations; CV metrics pool them.
 * 6. Metrics of train/test/cv overall and by group (analysis/metrics.ts), predictions for residual tables.
 * Interruption: `shouldStop` is passed to the solver; an interrupted solve ends the run with status 'interrupted'
 * and the best parameters so far (no further σ rounds, no CV).
 */
import { ConfigError } from '../core/errors.ts';
import { createRng } from '../core/random.ts';
import { computeMetrics, metricsByGroup, type Metrics, type PredictedLabels } from '../analysis/metrics.ts';
import type { ResolvedConfig, LoadedData } from '../config/load.ts';
import type { NeighborList } from '../neighbors/types.ts';
import { compileModel, type ModelSpec } from '../potentials/registry.ts';
import type { CompiledModel } from '../potentials/types.ts';
import type { Configuration, Dataset } from '../structure/types.ts';
import { assignFolds } from './folds.ts';
import { solveLinear } from './linear.ts';
import { estimateNoise } from './noise.ts';
import { buildNeighborLists, makeFitProblem, type FitProblem, type ObjectiveSettings, type SigmaSet } from './objective.ts';
import { predictLabels } from './predict.ts';
import type { IterationRecord, SolverResult, SolverStatus } from './problem.ts';
import { regularizationOperator, withRegularization } from './regularization.ts';
import { solve } from './solvers.ts';

export type Method = 'linear' | 'lm' | 'lbfgs' | 'de';

/** Kinds whose energy, forces and stress are linear in the parameters (used when the model does not say). */
const LINEAR_KINDS: ReadonlySet<string> = new Set(['pair-spline']);

export const SIGMA_TOLERANCE = 1e-3;
export const SIGMA_MAX_ROUNDS = 20;

export interface RunOptions {
  /** Progress of the solver; `phase` is e.g. "fit", "sigma round 3", "cv fold 2/5". */
  onIteration?: (phase: string, rec: IterationRecord) => void;
  shouldStop?: () => boolean;
  /** Starting point by parameter name (resume from a model.json): model parameters and energy offsets. */
  start?: Record<string, number>;
}

export interface SigmaRound {
  round: number;
  /** σ used for this round's fit. */
  used: SigmaSet;
  /** σ estimated from its residuals. */
  estimate: SigmaSet;
  /** γ_t: parameters used by each data type. */
  gamma: SigmaSet;
  counts: SigmaSet;
}

export interface MetricsSet {
  train: Metrics;
  test: Metrics | null;
  cv: Metrics | null;
  by_group: { train: Record<string, Metrics>; test: Record<string, Metrics> };
}

export interface FitRun {
  model: CompiledModel<ModelSpec>;
  offsets: Record<string, number>;
  paramNames: readonly string[];
  params: Float64Array;
  method: Method;
  status: SolverStatus;
  message: string;
  iterations: number;
  history: (IterationRecord & { phase: string })[];
  regularization: { ridge: number; smoothness: number; selectedBy?: 'gcv' | 'cv' };
  sigma: { mode: 'auto' | 'fixed'; value: SigmaSet; rounds: SigmaRound[]; selfConsistent: boolean };
  train: Configuration[];
  test: Configuration[];
  predictions: { train: PredictedLabels[]; test: PredictedLabels[]; cv?: PredictedLabels[] };
  metrics: MetricsSet;
  /** Wall-clock seconds per stage. */
  timings: Record<string, number>;
}

function splitTest(data: LoadedData, cfg: ResolvedConfig): { train: Configuration[]; test: Configuration[] } {
  const f = cfg.validation.split;
  if (f === undefined) return { train: data.train, test: data.test };
  const n = data.train.length;
  const nTest = Math.round(f * n);
  if (nTest < 1 || nTest >= n) throw new ConfigError('validation.split', `${f} of ${n} configurations leaves an empty train or test set`, cfg.file);
  const rng = createRng(cfg.validation.seed);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const isTest = new Uint8Array(n);
  for (let k = 0; k < nTest; k++) isTest[idx[k]] = 1;
  return { train: data.train.filter((_, i) => !isTest[i]), test: data.train.filter((_, i) => isTest[i]) };
}

export function chooseMethod(cfg: ResolvedConfig, model: CompiledModel): Method {
  const linear = model.linearInParameters ?? LINEAR_KINDS.has(model.spec.kind);
  const m = cfg.solver.method;
  if (m === 'linear' && !linear) throw new ConfigError('solver.method', `the ${model.spec.kind} model is not linear in its parameters; use auto, lm, lbfgs or de`, cfg.file);
  const method: Method = m === 'auto' ? (linear ? 'linear' : 'lm') : m;
  if (method !== 'linear') {
    for (const key of ['ridge', 'smoothness'] as const) {
      if (cfg.regularization[key] === 'auto') throw new ConfigError(`regularization.${key}`, `'auto' is chosen by GCV/CV for the linear solver only; give a number for the ${method} solver`, cfg.file);
    }
  }
  return method;
}

function gram(R: Float64Array, rows: number, P: number): Float64Array {
  const O = new Float64Array(P * P);
  for (let i = 0; i < rows; i++)
    for (let p = 0; p < P; p++) {
      const a = R[i * P + p];
      if (a !== 0) for (let q = 0; q < P; q++) O[p * P + q] += a * R[i * P + q];
    }
  return O;
}

interface Solved {
  result: SolverResult;
  problem: FitProblem;
  ridge: number;
  smoothness: number;
}

interface SolveContext {
  cfg: ResolvedConfig;
  method: Method;
  opts: RunOptions;
}

function solveOnce(
  ctx: SolveContext, model: CompiledModel, ds: Dataset, lists: NeighborList[], settings: ObjectiveSettings,
  theta0: Float64Array | undefined, strengths: { ridge: number | 'auto'; smoothness: number | 'auto' }, phase: string,
  configFolds?: Int32Array,
): Solved {
  const problem = makeFitProblem(model, ds, settings, lists);
  const Pm = problem.nModelParams;
  const onIteration = (rec: IterationRecord) => ctx.opts.onIteration?.(phase, rec);
  const start = theta0 ?? Float64Array.from({ length: problem.nParams }, (_, p) => (p < Pm ? model.parameters[p] : 0));
  if (ctx.method === 'linear') {
    const folds = configFolds ? Int32Array.from(problem.rows.config, (c) => configFolds[c]) : undefined;
    const r = solveLinear(problem, { nModelParams: Pm, ridge: strengths.ridge, smoothness: strengths.smoothness, folds });
    onIteration(r.history[0] ?? { iteration: 1, loss: r.loss, terms: {} });
    return { result: r, problem, ridge: r.ridge, smoothness: r.smoothness };
  }
  const ridge = strengths.ridge as number, smoothness = strengths.smoothness as number;
  const reg = withRegularization(problem, Pm, { ridge, smoothness });
  const result = solve(reg, start, ctx.method, {
    maxIterations: ctx.cfg.solver.maxIterations, onIteration, shouldStop: ctx.opts.shouldStop, seed: ctx.cfg.validation.seed,
  });
  return { result, problem, ridge, smoothness };
}

function byName(names: readonly string[], values: Record<string, number>, fallback: Float64Array): Float64Array {
  return Float64Array.from(names, (n, p) => values[n] ?? fallback[p]);
}

function offsetsOf(problem: FitProblem, theta: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  problem.offsets.names.forEach((n, o) => (out[n] = theta[problem.nModelParams + o]));
  return out;
}

const SUCCESSFUL: ReadonlySet<SolverStatus> = new Set(['converged', 'maxIterations']);

export function runFit(cfg: ResolvedConfig, data: LoadedData, opts: RunOptions = {}): FitRun {
  const timings: Record<string, number> = {};
  const clock = (name: string, t0: number) => (timings[name] = (timings[name] ?? 0) + (performance.now() - t0) / 1000);
  const { train, test } = splitTest(data, cfg);
  const ds: Dataset = { configs: train };
  let t0 = performance.now();
  const model = compileModel(cfg.model);
  const lists = buildNeighborLists(ds, model.cutoff, model.neighborList === 'half');
  clock('neighbors', t0);
  const method = chooseMethod(cfg, model);
  const ctx: SolveContext = { cfg, method, opts };
  const o = cfg.objective;
  const settingsFor = (sigma: SigmaSet): ObjectiveSettings => ({
    sigma, groups: { ...o.groups }, termWeights: o.termWeights, balance: o.balance, energyOffset: o.energyOffset,
  });
  const configFolds = cfg.validation.cv ? assignFolds(ds, cfg.validation.cv) : undefined;
  const nAtoms = Int32Array.from(train, (c) => c.structure.species.length);

  // σ rounds (a single round when σ is fixed)
  let sigma: SigmaSet = { ...o.sigmaStart };
  const rounds: SigmaRound[] = [];
  const history: FitRun['history'] = [];
  let theta: Float64Array | undefined;
  let solved!: Solved;
  let iterations = 0;
  let selfConsistent = o.sigma !== 'auto';
  t0 = performance.now();
  const auto = o.sigma === 'auto';
  for (let round = 1; round <= (auto ? SIGMA_MAX_ROUNDS : 1); round++) {
    const phase = auto ? `sigma round ${round}` : 'fit';
    if (theta === undefined && opts.start) {
      const probe = makeFitProblem(model, ds, settingsFor(sigma), lists);
      const init = Float64Array.from({ length: probe.nParams }, (_, p) => (p < probe.nModelParams ? model.parameters[p] : 0));
      theta = byName(probe.paramNames, opts.start, init);
    }
    const before = history.length;
    const wrapped: SolveContext = { ...ctx, opts: { ...opts, onIteration: (ph, rec) => { history.push({ ...rec, phase: ph }); opts.onIteration?.(ph, rec); } } };
    solved = solveOnce(wrapped, model, ds, lists, settingsFor(sigma), theta, cfg.regularization, phase, configFolds);
    if (history.length === before) history.push({ iteration: solved.result.iterations, loss: solved.result.loss, terms: {}, phase });
    iterations += solved.result.iterations;
    theta = solved.result.params;
    if (!auto || !SUCCESSFUL.has(solved.result.status)) break;
    const p = solved.problem;
    const P = p.nParams;
    const { J } = p.residualsAndJacobian(theta);
    const op = regularizationOperator(P, p.nModelParams, p.paramNames, { ridge: solved.ridge, smoothness: solved.smoothness });
    const est = estimateNoise(p.rows, p.predict(theta), nAtoms, J, P, op.rows ? gram(op.R, op.rows, P) : undefined);
    const next: SigmaSet = { ...sigma };
    let change = 0;
    for (const t of ['energy', 'force', 'stress'] as const) {
      const v = est.sigma[t];
      if (Number.isFinite(v) && v > 0) {
        next[t] = v;
        change = Math.max(change, Math.abs(v - sigma[t]) / sigma[t]);
      }
    }
    rounds.push({ round, used: { ...sigma }, estimate: { ...next }, gamma: est.effectiveParams, counts: est.counts });
    sigma = next;
    if (change < SIGMA_TOLERANCE) {
      selfConsistent = true;
      break;
    }
  }
  clock('fit', t0);
  const problem = solved.problem;
  const finalTheta = theta!;
  const fitted = problem.modelAt(finalTheta) as CompiledModel<ModelSpec>;
  const offsets = offsetsOf(problem, finalTheta);
  const status = solved.result.status;
  let message = solved.result.message;
  if (auto && SUCCESSFUL.has(status) && !selfConsistent) message += `; sigma not self-consistent after ${SIGMA_MAX_ROUNDS} rounds`;

  t0 = performance.now();
  const predTrain = predictLabels(fitted, offsets, train);
  const predTest = predictLabels(fitted, offsets, test);
  clock('predict', t0);

  // cross-validation with the final σ (the one the last fit used) and strengths
  let cvPred: PredictedLabels[] | undefined;
  if (configFolds && SUCCESSFUL.has(status)) {
    t0 = performance.now();
    cvPred = new Array<PredictedLabels>(train.length);
    const usedSigma = rounds.length ? rounds[rounds.length - 1].used : sigma;
    const nf = Math.max(...configFolds) + 1;
    for (let f = 0; f < nf; f++) {
      const keep = train.map((_, i) => configFolds[i] !== f);
      const sub: Dataset = { configs: train.filter((_, i) => keep[i]) };
      const subLists = lists.filter((_, i) => keep[i]);
      const probe = makeFitProblem(model, sub, settingsFor(usedSigma), subLists);
      const start = byName(probe.paramNames, { ...Object.fromEntries(problem.paramNames.map((n, p) => [n, finalTheta[p]])) }, new Float64Array(probe.nParams));
      const s = solveOnce(ctx, model, sub, subLists, settingsFor(usedSigma), method === 'linear' ? undefined : start, { ridge: solved.ridge, smoothness: solved.smoothness }, `cv fold ${f + 1}/${nf}`);
      const m = s.problem.modelAt(s.result.params);
      const held = train.map((c, i) => ({ c, i })).filter(({ i }) => !keep[i]);
      const preds = predictLabels(m, { ...offsets, ...offsetsOf(s.problem, s.result.params) }, held.map((h) => h.c));
      held.forEach(({ i }, k) => (cvPred![i] = preds[k]));
    }
    clock('cv', t0);
  }

  const metrics: MetricsSet = {
    train: computeMetrics(train, predTrain),
    test: test.length ? computeMetrics(test, predTest) : null,
    cv: cvPred ? computeMetrics(train, cvPred) : null,
    by_group: { train: metricsByGroup(train, predTrain), test: metricsByGroup(test, predTest) },
  };
  return {
    model: fitted,
    offsets,
    paramNames: problem.paramNames,
    params: finalTheta,
    method,
    status,
    message,
    iterations,
    history,
    regularization: {
      ridge: solved.ridge, smoothness: solved.smoothness,
      selectedBy: method === 'linear' && (cfg.regularization.ridge === 'auto' || cfg.regularization.smoothness === 'auto') ? (configFolds ? 'cv' : 'gcv') : undefined,
    },
    sigma: { mode: auto ? 'auto' : 'fixed', value: sigma, rounds, selfConsistent },
    train,
    test,
    predictions: { train: predTrain, test: predTest, cv: cvPred },
    metrics,
    timings,
  };
}
