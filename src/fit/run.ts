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
 *
 * Linear fits are streamed (fit/normal-equations.ts): the model's rows are evaluated once, at θ = 0, into per-class
 * normal equations (classes by row kind, CV fold, weight ratio, and group when σ is per group); every σ round, the
 * λ* balance and each CV refit then only rescale and add the cached matrices (O(nClasses·P²)), the noise estimate
 * comes from the classes' quadratic forms, and the full Jacobian is never formed. A weight change the classes cannot
 * express, or rows of zero weight, fall back to re-accumulating or (zero weights) to the materialised path
 * (`RunOptions.linearPath: 'materialised'` forces it: the reference the streamed path is tested against).
 *
 * `objective.properties` (fit/properties.ts): every solve's problem gets one residual row per material-property target
 * (withPropertyTargets, before regularisation), with finite-difference Jacobian rows. The property rows make any
 * model nonlinear in θ, so solver 'auto' then means LM and 'linear' is a config error; a linear model then starts
 * from its linear data-only solution, and any model whose start has no computable properties (no lattice minimum
 * near the guess) is first fitted to the data alone. σ auto: noise is estimated from the data rows only (a property
 * target has its own given σ). The fitted model's properties are reported (FitRun.properties).
 *
 * `objective.sigma_per_group` (with sigma auto): σ is estimated per group and data type, each group's rows with its
 * own S, n and γ (fit/noise.ts with a group's row mask), starting from the group's sigma or the global start.
 */
import { ConfigError } from '../core/errors.ts';
import { createRng } from '../core/random.ts';
import { computeMetrics, metricsByGroup, type Metrics, type PredictedLabels } from '../analysis/metrics.ts';
import type { ResolvedConfig, LoadedData } from '../config/load.ts';
import type { NeighborList } from '../neighbors/types.ts';
import { compileModel, type ModelSpec } from '../potentials/registry.ts';
import type { CompiledModel } from '../potentials/types.ts';
import type { Configuration, Dataset } from '../structure/types.ts';
import { selectBalanceByCv, type CvCandidate } from './cv-balance.ts';
import { assignFolds } from './folds.ts';
import { operatorGram, solveLinear } from './linear.ts';
import { estimateNoise, estimateNoiseFromNormal, type NoiseEstimate } from './noise.ts';
import { accumulateNormalCache, classScales, hasZeroWeights, type NormalCache, type NormalClass } from './normal-equations.ts';
import { solveFromCache, subsetWeights } from './normal-fit.ts';
import {
  buildNeighborLists, buildRows, makeFitProblem, offsetDesign, ROW_FORCE, type FitProblem, type ObjectiveSettings, type OffsetDesign, type SigmaSet,
} from './objective.ts';
import { predictLabels } from './predict.ts';
import type { IterationRecord, SolverResult, SolverStatus } from './problem.ts';
import { regularizationOperator, standardizedRidgeWeights, withRegularization } from './regularization.ts';
import { solve } from './solvers.ts';
import { propertyReport, withPropertyTargets, type PropertyReport, type PropertyTarget } from './properties.ts';

export type Method = 'linear' | 'lm' | 'lbfgs' | 'de';

/** Kinds whose energy, forces and stress are linear in the parameters (used when the model does not say). */
const LINEAR_KINDS: ReadonlySet<string> = new Set(['pair-spline']);
type Strengths = { ridge: number | 'auto'; smoothness: number | 'auto'; ridgeWeights?: ArrayLike<number> };

export const SIGMA_TOLERANCE = 1e-3;
export const SIGMA_MAX_ROUNDS = 20;

export interface RunOptions {
  /** Progress of the solver; `phase` is e.g. "fit", "sigma round 3", "cv fold 2/5". */
  onIteration?: (phase: string, rec: IterationRecord) => void;
  shouldStop?: () => boolean;
  /** Starting point by parameter name (resume from a model.json): model parameters and energy offsets. */
  start?: Record<string, number>;
  /** Linear fits: streamed normal equations (default) or the materialised Jacobian (the reference path). */
  linearPath?: 'streamed' | 'materialised';
  /** σ auto per group (overrides the config's objective.sigma_per_group). */
  sigmaPerGroup?: boolean;
}

export interface GroupSigmaRound {
  used: SigmaSet;
  estimate: SigmaSet;
  gamma: SigmaSet;
  counts: SigmaSet;
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
  /** Per group, with sigma_per_group (then `used`/`estimate` above stay the global start). */
  groups?: Record<string, GroupSigmaRound>;
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
  /** Strengths; `standardized`: ridge on standardised columns, with its metric d_p per model parameter. */
  regularization: { ridge: number; smoothness: number; selectedBy?: 'gcv' | 'cv'; standardized: boolean; ridgeWeights?: number[] };
  sigma: { mode: 'auto' | 'fixed'; value: SigmaSet; rounds: SigmaRound[]; selfConsistent: boolean; groups?: Record<string, SigmaSet> };
  /** How a linear fit was computed, and the number of data passes it made (streamed: 1 unless weights forced more). */
  linear?: { path: 'streamed' | 'materialised'; dataPasses: number; classes: number };
  /** objective.balance cv: the chosen weight multipliers (relative to σ_start; folded into σ with sigma auto), their
   * out-of-fold RMSE per type, and how many candidates were scored. */
  balanceCv?: { best: CvCandidate; candidates: number; sigmaScale: number; metricScores?: { plain: number; standardized: number } };
  train: Configuration[];
  test: Configuration[];
  predictions: { train: PredictedLabels[]; test: PredictedLabels[]; cv?: PredictedLabels[] };
  metrics: MetricsSet;
  /** Material-property targets with the fitted model's values (empty without objective.properties). */
  properties: PropertyReport[];
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

/** The config's property targets (none in configs written before they existed). */
function targetsOf(cfg: ResolvedConfig): readonly PropertyTarget[] {
  return cfg.objective.properties ?? [];
}

export function chooseMethod(cfg: ResolvedConfig, model: CompiledModel): Method {
  const hasProperties = targetsOf(cfg).length > 0;
  const linear = !hasProperties && (model.linearInParameters ?? LINEAR_KINDS.has(model.spec.kind));
  const m = cfg.solver.method;
  if (m === 'linear' && hasProperties) throw new ConfigError('solver.method', 'property targets (objective.properties) make the problem nonlinear; use auto, lm, lbfgs or de', cfg.file);
  if (m === 'linear' && !linear) throw new ConfigError('solver.method', `the ${model.spec.kind} model is not linear in its parameters; use auto, lm, lbfgs or de`, cfg.file);
  const method: Method = m === 'auto' ? (linear ? 'linear' : 'lm') : m;
  if (method !== 'linear') {
    for (const key of ['ridge', 'smoothness'] as const) {
      if (cfg.regularization[key] === 'auto') throw new ConfigError(`regularization.${key}`, `'auto' is chosen by GCV/CV for the linear solver only; give a number for the ${method} solver`, cfg.file);
    }
  }
  return method;
}

/** What the driver needs from a fit, whichever way it was computed. */
interface FitShape {
  readonly paramNames: readonly string[];
  readonly nModelParams: number;
  readonly offsets: OffsetDesign;
  modelAt(theta: Float64Array): CompiledModel;
}

interface Solved {
  result: SolverResult;
  problem: FitShape;
  /** The materialised problem (materialised and nonlinear paths). */
  fitProblem?: FitProblem;
  /** Streamed path: the class scales of the solve. */
  scales?: Float64Array;
  ridge: number;
  smoothness: number;
}

/** The model at θ (model parameters first, offsets after), for the streamed path. */
function shapeOf(model: CompiledModel, offsets: OffsetDesign): FitShape {
  const Pm = model.paramNames.length;
  return {
    paramNames: [...model.paramNames, ...offsets.names],
    nModelParams: Pm,
    offsets,
    modelAt: (theta) => model.withParameters(theta.subarray(0, Pm)),
  };
}

interface SolveContext {
  cfg: ResolvedConfig;
  method: Method;
  opts: RunOptions;
}

function solveOnce(
  ctx: SolveContext, model: CompiledModel, ds: Dataset, lists: NeighborList[], settings: ObjectiveSettings,
  theta0: Float64Array | undefined, strengths: Strengths, phase: string,
  configFolds?: Int32Array,
): Solved {
  const problem = makeFitProblem(model, ds, settings, lists);
  const Pm = problem.nModelParams;
  const onIteration = (rec: IterationRecord) => ctx.opts.onIteration?.(phase, rec);
  const start = theta0 ?? Float64Array.from({ length: problem.nParams }, (_, p) => (p < Pm ? model.parameters[p] : 0));
  if (ctx.method === 'linear') {
    const folds = configFolds ? Int32Array.from(problem.rows.config, (c) => configFolds[c]) : undefined;
    const r = solveLinear(problem, { nModelParams: Pm, ridge: strengths.ridge, smoothness: strengths.smoothness, folds, ridgeWeights: strengths.ridgeWeights });
    onIteration(r.history[0] ?? { iteration: 1, loss: r.loss, terms: {} });
    return { result: r, problem, fitProblem: problem, ridge: r.ridge, smoothness: r.smoothness };
  }
  const ridge = strengths.ridge as number, smoothness = strengths.smoothness as number, ridgeWeights = strengths.ridgeWeights;
  const targets = targetsOf(ctx.cfg);
  const propProblem = targets.length ? withPropertyTargets(problem, model, targets) : undefined;
  const reg = withRegularization(propProblem ?? problem, Pm, { ridge, smoothness, ridgeWeights });
  // a linear model made nonlinear by property targets starts from its linear data fit (its spec start, e.g. all
  // zeros, usually has no crystal to compute properties of)
  const linearModel = model.linearInParameters ?? LINEAR_KINDS.has(model.spec.kind);
  let first = theta0 === undefined && targets.length && linearModel ? solveLinear(problem, { nModelParams: Pm, ridge, smoothness, ridgeWeights }).params : start;
  const solverOpts = { maxIterations: ctx.cfg.solver.maxIterations, onIteration, shouldStop: ctx.opts.shouldStop, seed: ctx.cfg.validation.seed };
  if (propProblem && !propProblem.propertyValues(first).every(Number.isFinite)) {
    // no crystal to compute the properties of at the start (e.g. a generic spline start without a lattice minimum
    // near the guess): fit the data alone first, then add the property rows from there
    const dataOnly = solve(withRegularization(problem, Pm, { ridge, smoothness, ridgeWeights }), first, ctx.method, {
      ...solverOpts, onIteration: (rec: IterationRecord) => ctx.opts.onIteration?.(`${phase} (data only: properties not computable at the start)`, rec),
    });
    if (!SUCCESSFUL.has(dataOnly.status)) return { result: dataOnly, problem, fitProblem: problem, ridge, smoothness };
    first = dataOnly.params;
  }
  const result = solve(reg, first, ctx.method, solverOpts);
  return { result, problem, fitProblem: problem, ridge, smoothness };
}

/** Streamed normal equations of the training set, re-accumulated only when the weights leave the cache's classes. */
class StreamedLinear {
  cache?: NormalCache;
  passes = 0;
  constructor(
    private readonly model: CompiledModel, private readonly ds: Dataset, private readonly lists: NeighborList[],
    private readonly configFolds: Int32Array | undefined, private readonly perGroup: boolean,
  ) {}

  /** Class scales for the full set's weights under `settings` (accumulating the cache on first use or on a miss). */
  scalesFor(settings: ObjectiveSettings): Float64Array {
    const rows = buildRows(this.ds, settings);
    const s = this.cache && classScales(this.cache, rows.weight);
    if (s) return s;
    this.cache = accumulateNormalCache(this.model, this.ds, this.lists, rows, offsetDesign(this.ds, settings.energyOffset), {
      configFolds: this.configFolds, perGroup: this.perGroup,
    });
    this.passes++;
    return classScales(this.cache, rows.weight)!;
  }

  solve(ctx: SolveContext, settings: ObjectiveSettings, strengths: Strengths, phase: string): Solved {
    const scales = this.scalesFor(settings);
    const cache = this.cache!;
    const r = solveFromCache(cache, scales, { ridge: strengths.ridge, smoothness: strengths.smoothness, ridgeWeights: strengths.ridgeWeights, useFolds: this.configFolds !== undefined });
    ctx.opts.onIteration?.(phase, r.history[0] ?? { iteration: 1, loss: r.loss, terms: {} });
    return { result: r, problem: shapeOf(this.model, cache.offsets), scales, ridge: r.ridge, smoothness: r.smoothness };
  }
}

function byName(names: readonly string[], values: Record<string, number>, fallback: Float64Array): Float64Array {
  return Float64Array.from(names, (n, p) => values[n] ?? fallback[p]);
}

function offsetsOf(problem: FitShape, theta: Float64Array): Record<string, number> {
  const out: Record<string, number> = {};
  problem.offsets.names.forEach((n, o) => (out[n] = theta[problem.nModelParams + o]));
  return out;
}

const SUCCESSFUL: ReadonlySet<SolverStatus> = new Set(['converged', 'maxIterations']);

const TYPES = ['energy', 'force', 'stress'] as const;

/** Moves σ to the finite positive estimates; returns the largest relative change. */
function adopt(sigma: SigmaSet, est: NoiseEstimate): { next: SigmaSet; change: number } {
  const next: SigmaSet = { ...sigma };
  let change = 0;
  for (const t of TYPES) {
    const v = est.sigma[t];
    if (Number.isFinite(v) && v > 0) {
      next[t] = v;
      change = Math.max(change, Math.abs(v - sigma[t]) / sigma[t]);
    }
  }
  return { next, change };
}

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
  const auto = o.sigma === 'auto';
  const cfgPerGroup = 'sigmaPerGroup' in o && o.sigmaPerGroup === true;
  const perGroup = auto && (opts.sigmaPerGroup ?? cfgPerGroup);
  const groupNames = [...new Set(train.map((c) => c.group))].sort();
  let sigma: SigmaSet = { ...o.sigmaStart };
  let groupSigma: Record<string, SigmaSet> | undefined = perGroup
    ? Object.fromEntries(groupNames.map((g) => [g, { ...o.sigmaStart, ...(o.groups[g]?.sigma ?? {}) }]))
    : undefined;
  const balanceCv = o.balance === 'cv';
  // balance cv: plain likelihood weights times the multipliers CV chooses (1 until then)
  let termMult: SigmaSet = { energy: 1, force: 1, stress: 1 };
  const settingsFor = (sig: SigmaSet, gs = groupSigma): ObjectiveSettings => {
    const groups = { ...o.groups };
    if (gs) for (const g of Object.keys(gs)) groups[g] = { ...o.groups[g], sigma: gs[g] };
    const tw = o.termWeights;
    const termWeights = { energy: tw.energy * termMult.energy, force: tw.force * termMult.force, stress: tw.stress * termMult.stress };
    return { sigma: sig, groups, termWeights, balance: balanceCv ? 'none' : o.balance, energyOffset: o.energyOffset, energyNormalization: o.energyNormalization };
  };
  const configFolds = cfg.validation.cv ? assignFolds(ds, cfg.validation.cv) : undefined;
  const nAtoms = Int32Array.from(train, (c) => c.structure.species.length);
  const streamed = method === 'linear' && opts.linearPath !== 'materialised' && !hasZeroWeights(buildRows(ds, settingsFor(sigma)))
    ? new StreamedLinear(model, ds, lists, configFolds, perGroup)
    : undefined;
  const std = cfg.regularization.standardize;
  if (std === true && method !== 'linear') throw new ConfigError('regularization.standardize', `the standardised ridge needs the linear solver (here: ${method}); use false`, cfg.file);
  // auto: chosen by balance cv's score when it also chooses the ridge strength, else plain
  const chooseMetric = std === 'auto' && balanceCv && cfg.regularization.ridge === 'auto';
  const stdWeights = std === true || chooseMetric ? standardizedMetric(model, ds, lists, streamed, settingsFor(sigma)) : undefined;
  let ridgeWeights: ArrayLike<number> | undefined = std === true ? stdWeights : undefined;
  const strengths: Strengths = { ridge: cfg.regularization.ridge, smoothness: cfg.regularization.smoothness, ridgeWeights };

  // σ rounds (a single round when σ is fixed)
  const rounds: SigmaRound[] = [];
  const history: FitRun['history'] = [];
  let theta: Float64Array | undefined;
  let solved!: Solved;
  let iterations = 0;
  let selfConsistent = !auto;
  let balanceInfo: FitRun['balanceCv'];
  t0 = performance.now();
  if (balanceCv) {
    if (!streamed || !configFolds) {
      throw new ConfigError('objective.balance', `cv needs a model linear in its parameters fitted by the linear solver with validation.cv folds (here: method ${method}${streamed ? '' : ', no streamed normal equations'})`, cfg.file);
    }
    const base = streamed.scalesFor(settingsFor(sigma));
    let candidates = 0;
    const sel = selectBalanceByCv(streamed.cache!, base, {
      ridge: cfg.regularization.ridge, smoothness: cfg.regularization.smoothness, perGroup, ridgeWeights,
      ridgeWeightChoices: chooseMetric ? [undefined, stdWeights] : undefined,
      onCandidate: (c) => {
        candidates++;
        opts.onIteration?.(`balance cv: energy ×${c.multipliers.energy.toPrecision(3)}, stress ×${c.multipliers.stress.toPrecision(3)}`, {
          iteration: candidates, loss: c.score, terms: { cv_rmse_energy: c.cvRmse.energy, cv_rmse_force: c.cvRmse.force, cv_rmse_stress: c.cvRmse.stress },
        });
      },
    });
    const m = sel.best.multipliers;
    ridgeWeights = sel.ridgeWeights;
    let ridge = sel.best.ridge, smoothness = sel.best.smoothness, sigmaScale = 1;
    if (auto) {
      // fold the multipliers into σ and scale σ so the out-of-fold χ² per row is 1: the same weights up to one
      // factor, which the strengths follow, so the solution is unchanged
      sigmaScale = Math.sqrt(sel.weightedChi2PerRow);
      const fold = (s: SigmaSet, q: SigmaSet = { energy: 1, force: 1, stress: 1 }): SigmaSet => ({
        energy: (s.energy / Math.sqrt(m.energy * q.energy)) * sigmaScale,
        force: (s.force / Math.sqrt(m.force * q.force)) * sigmaScale,
        stress: (s.stress / Math.sqrt(m.stress * q.stress)) * sigmaScale,
      });
      if (groupSigma) {
        const gs = groupSigma;
        groupSigma = Object.fromEntries(Object.keys(gs).map((g) => [g, fold(gs[g], sel.groupFactors?.[g])]));
      }
      sigma = fold(sigma);
      ridge /= sigmaScale * sigmaScale;
      smoothness /= sigmaScale * sigmaScale;
      selfConsistent = true;
    } else {
      termMult = { ...m };
    }
    const wrapped: SolveContext = { ...ctx, opts: { ...opts, onIteration: (ph, rec) => { history.push({ ...rec, phase: ph }); opts.onIteration?.(ph, rec); } } };
    solved = streamed.solve(wrapped, settingsFor(sigma), { ridge, smoothness, ridgeWeights }, 'fit (balance cv)');
    iterations += solved.result.iterations;
    theta = solved.result.params;
    balanceInfo = { best: sel.best, candidates: sel.tried.length, sigmaScale, metricScores: sel.metricScores && { plain: sel.metricScores[0], standardized: sel.metricScores[1] } };
  }
  for (let round = 1; !balanceCv && round <= (auto ? SIGMA_MAX_ROUNDS : 1); round++) {
    const phase = auto ? `sigma round ${round}` : 'fit';
    if (theta === undefined && opts.start) {
      const names = [...model.paramNames, ...offsetDesign(ds, o.energyOffset).names];
      const Pm = model.paramNames.length;
      theta = byName(names, opts.start, Float64Array.from(names, (_, p) => (p < Pm ? model.parameters[p] : 0)));
    }
    const before = history.length;
    const wrapped: SolveContext = { ...ctx, opts: { ...opts, onIteration: (ph, rec) => { history.push({ ...rec, phase: ph }); opts.onIteration?.(ph, rec); } } };
    solved = streamed
      ? streamed.solve(wrapped, settingsFor(sigma), strengths, phase)
      : solveOnce(wrapped, model, ds, lists, settingsFor(sigma), theta, strengths, phase, configFolds);
    if (history.length === before) history.push({ iteration: solved.result.iterations, loss: solved.result.loss, terms: {}, phase });
    iterations += solved.result.iterations;
    theta = solved.result.params;
    if (!auto || !SUCCESSFUL.has(solved.result.status)) break;
    const sh = solved.problem;
    const P = sh.paramNames.length;
    const op = regularizationOperator(P, sh.nModelParams, sh.paramNames, { ridge: solved.ridge, smoothness: solved.smoothness, ridgeWeights });
    const regGram = op.rows ? operatorGram(op.R, op.rows, P) : undefined;
    // one estimate over all rows, or one per group (A always from all rows)
    let estimates: NoiseEstimate[];
    if (streamed) {
      const sel: ((c: NormalClass) => boolean)[] = perGroup ? groupNames.map((g) => (c: NormalClass) => c.group === g) : [() => true];
      estimates = estimateNoiseFromNormal(streamed.cache!, solved.scales!, theta, regGram, sel);
    } else {
      const p = solved.fitProblem!;
      const { J } = p.residualsAndJacobian(theta);
      const pred = p.predict(theta);
      estimates = perGroup
        ? groupNames.map((g) => estimateNoise(p.rows, pred, nAtoms, J, P, regGram, (k) => train[p.rows.config[k]].group === g))
        : [estimateNoise(p.rows, pred, nAtoms, J, P, regGram)];
    }
    let change = 0;
    if (groupSigma) {
      const gs = groupSigma;
      const next: Record<string, SigmaSet> = {};
      const info: Record<string, GroupSigmaRound> = {};
      groupNames.forEach((g, k) => {
        const a = adopt(gs[g], estimates[k]);
        next[g] = a.next;
        change = Math.max(change, a.change);
        info[g] = { used: { ...gs[g] }, estimate: { ...a.next }, gamma: estimates[k].effectiveParams, counts: estimates[k].counts };
      });
      rounds.push({ round, used: { ...sigma }, estimate: { ...sigma }, gamma: sumSets(estimates.map((e) => e.effectiveParams)), counts: sumSets(estimates.map((e) => e.counts)), groups: info });
      groupSigma = next;
    } else {
      const a = adopt(sigma, estimates[0]);
      change = a.change;
      rounds.push({ round, used: { ...sigma }, estimate: { ...a.next }, gamma: estimates[0].effectiveParams, counts: estimates[0].counts });
      sigma = a.next;
    }
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
    const last = rounds[rounds.length - 1];
    const usedSigma = last ? last.used : sigma;
    const usedGroups = last?.groups ? Object.fromEntries(Object.entries(last.groups).map(([g, r]) => [g, r.used])) : groupSigma;
    const usedSettings = settingsFor(usedSigma, usedGroups);
    const nf = Math.max(...configFolds) + 1;
    for (let f = 0; f < nf; f++) {
      const keep = train.map((_, i) => configFolds[i] !== f);
      const phase = `cv fold ${f + 1}/${nf}`;
      const held = train.map((c, i) => ({ c, i })).filter(({ i }) => !keep[i]);
      let m: CompiledModel, foldOffsets: Record<string, number>;
      const scales = streamed ? classScales(streamed.cache!, subsetWeights(ds, buildRows(ds, usedSettings), keep, usedSettings)) : undefined;
      if (streamed && scales) {
        const r = solveFromCache(streamed.cache!, scales, { ridge: solved.ridge, smoothness: solved.smoothness, ridgeWeights, select: (c) => c.fold !== f });
        opts.onIteration?.(phase, r.history[0] ?? { iteration: 1, loss: r.loss, terms: {} });
        const sh = shapeOf(model, streamed.cache!.offsets);
        m = sh.modelAt(r.params);
        foldOffsets = offsetsOf(sh, r.params);
      } else {
        const sub: Dataset = { configs: train.filter((_, i) => keep[i]) };
        const subLists = lists.filter((_, i) => keep[i]);
        const probe = makeFitProblem(model, sub, usedSettings, subLists);
        const start = byName(probe.paramNames, { ...Object.fromEntries(problem.paramNames.map((n, p) => [n, finalTheta[p]])) }, new Float64Array(probe.nParams));
        const s = solveOnce(ctx, model, sub, subLists, usedSettings, method === 'linear' ? undefined : start, { ridge: solved.ridge, smoothness: solved.smoothness, ridgeWeights }, phase);
        m = s.problem.modelAt(s.result.params);
        foldOffsets = offsetsOf(s.problem, s.result.params);
      }
      const preds = predictLabels(m, { ...offsets, ...foldOffsets }, held.map((h) => h.c));
      held.forEach(({ i }, k) => (cvPred![i] = preds[k]));
    }
    clock('cv', t0);
  }

  t0 = performance.now();
  const properties = targetsOf(cfg).length ? propertyReport(fitted, targetsOf(cfg)) : [];
  if (properties.length) clock('properties', t0);

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
      standardized: ridgeWeights !== undefined,
      ridgeWeights: ridgeWeights ? Array.from(ridgeWeights) : undefined,
    },
    balanceCv: balanceInfo,
    sigma: { mode: auto ? 'auto' : 'fixed', value: sigma, rounds, selfConsistent, groups: groupSigma },
    linear: method === 'linear'
      ? { path: streamed ? 'streamed' : 'materialised', dataPasses: streamed ? streamed.passes : 0, classes: streamed?.cache?.classes.length ?? 0 }
      : undefined,
    train,
    test,
    predictions: { train: predTrain, test: predTest, cv: cvPred },
    metrics,
    properties,
    timings,
  };
}

/**
 * The standardised ridge metric (regularization.ts) of the training set, from σ-free sums per data type: each class's
 * A and its rows' values divided by the class's weight ratio (materialised: each Jacobian row and reference by its
 * weight), so the metric depends on the data and the model only, and is the same for every solve of the fit.
 */
function standardizedMetric(
  model: CompiledModel, ds: Dataset, lists: NeighborList[], streamed: StreamedLinear | undefined, settings: ObjectiveSettings,
): Float64Array {
  const Pm = model.paramNames.length;
  const diag = [0, 1, 2].map(() => new Float64Array(Pm));
  const n = [0, 0, 0], sum = [0, 0, 0], sq = [0, 0, 0];
  if (streamed) {
    streamed.scalesFor(settings);
    const cache = streamed.cache!;
    const P = cache.paramNames.length;
    for (const c of cache.classes) {
      if (!(c.ratio > 0)) continue;
      for (let p = 0; p < Pm; p++) diag[c.kind][p] += c.ne.A[p * P + p] / c.ratio;
      n[c.kind] += c.ne.n;
      if (c.explicit) {
        // weighted r0 = √w (0 − y_raw): the σ-free value √noiseFactor · y_raw is −r0 / √ratio
        for (const r of c.explicit.r0) {
          const y = -r / Math.sqrt(c.ratio);
          sum[c.kind] += y;
          sq[c.kind] += y * y;
        }
      } else sq[c.kind] += c.ne.c / c.ratio;
    }
  } else {
    const problem = makeFitProblem(model, ds, settings, lists);
    const P = problem.nParams, rows = problem.rows;
    const { J } = problem.residualsAndJacobian(new Float64Array(P));
    for (let k = 0; k < rows.nRows; k++) {
      const w = rows.weight[k], t = rows.kind[k];
      if (!(w > 0)) continue;
      const f = rows.noiseFactor[k] / w;
      for (let p = 0; p < Pm; p++) diag[t][p] += f * J[k * P + p] ** 2;
      const y = rows.ref[k] * Math.sqrt(rows.noiseFactor[k]);
      n[t]++;
      if (t !== ROW_FORCE) sum[t] += y;
      sq[t] += y * y;
    }
  }
  // variance of per-atom energies and stresses; mean square of forces (they sum to zero in each configuration)
  const types = [0, 1, 2].map((t) => ({ diag: diag[t], rows: n[t], variance: n[t] ? sq[t] / n[t] - (t === ROW_FORCE ? 0 : (sum[t] / n[t]) ** 2) : 0 }));
  return standardizedRidgeWeights(types, Pm);
}

function sumSets(sets: SigmaSet[]): SigmaSet {
  const out: SigmaSet = { energy: 0, force: 0, stress: 0 };
  for (const x of sets) for (const t of TYPES) out[t] += x[t];
  return out;
}
