/**
 * Reads a `pesfit fit` output directory back into everything uncertainty analysis needs: the resolved config
 * (config.json), the fitted model and energy offsets (model.json), the σ of the final fit (metrics.json
 * `sigma.used`), the solver and regularisation (fit-log.json), the training and test configurations, and the
 * objective rebuilt with balance 'none' at that σ — a calibrated likelihood, J(θ) = Σ (Δ/σ)² = −2 log L + const,
 * whose Jacobian gives the Fisher information. Regularisation terms of the fit are not part of this likelihood.
 *
 * Training set: the configurations listed with set "train" in residuals.csv (file and frame), which is how the
 * fit's random validation split is recovered exactly; without residuals.csv every data.train configuration.
 * `fisher()` runs analysis/fisher.ts at the fitted θ, naming EAM gauge directions (analysis/gauge.ts) for
 * spline-EAM models.
 * Errors: a missing file or a directory written before config.json existed is a UserError saying to refit.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, UserError } from '../core/errors.ts';
import { fisherAnalysis, type FisherOptions, type FisherResult } from '../analysis/fisher.ts';
import { eamGaugeTangents } from '../analysis/gauge.ts';
import { loadData, type ResolvedConfig } from '../config/load.ts';
import { readText } from '../io/fs.ts';
import { readModelJson } from '../io/model-json.ts';
import { makeFitProblem, type FitProblem, type ObjectiveSettings, type SigmaSet } from '../fit/objective.ts';
import { CONFIG_FORMAT, CONFIG_VERSION } from '../fit/outputs.ts';
import type { ModelSpec } from '../potentials/registry.ts';
import type { CompiledModel } from '../potentials/types.ts';
import type { EamSplineSpec } from '../potentials/eam-spline.ts';
import type { Configuration } from '../structure/types.ts';

export interface FitDir {
  dir: string;
  config: ResolvedConfig;
  model: CompiledModel<ModelSpec>;
  offsets: Record<string, number>;
  sigma: SigmaSet;
  /** Solver method of the fit ('linear', 'lm', ...) and its regularisation strengths. */
  method: string;
  /** ridgeWeights: the standardised ridge metric per model parameter, when the fit used one. */
  regularization: { ridge: number; smoothness: number; ridgeWeights?: Float64Array };
  train: Configuration[];
  test: Configuration[];
  /** The calibrated objective over the training set (balance 'none', fitted σ). */
  problem: FitProblem;
  /** Fitted parameters in problem.paramNames order (model parameters, then offsets). */
  theta: Float64Array;
  /** Whether the model is linear in its parameters (the fit used the linear solver). */
  linear: boolean;
  fisher(opts?: FisherOptions): FisherResult;
}

function readJson(path: string): Record<string, unknown> {
  if (!existsSync(path)) throw new UserError(`${path}: no such file (is this a pesfit fit output directory?)`);
  const text = readText(path);
  try {
    const v: unknown = JSON.parse(text);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError('', 'expected a JSON object', path);
    return v as Record<string, unknown>;
  } catch (e) {
    if (e instanceof SyntaxError) throw new UserError(`${path}: invalid JSON: ${e.message}`);
    throw e;
  }
}

function sigmaOf(metrics: Record<string, unknown>, file: string): SigmaSet {
  const s = (metrics.sigma as { used?: Record<string, unknown> } | undefined)?.used;
  const ok = (v: unknown): v is number => typeof v === 'number' && v > 0 && Number.isFinite(v);
  if (!s || !ok(s.energy) || !ok(s.force) || !ok(s.stress)) throw new ConfigError('sigma.used', 'expected {energy, force, stress} positive numbers', file);
  return { energy: s.energy, force: s.force, stress: s.stress };
}

/** (file, frame) keys of the configurations residuals.csv lists under set "train", or undefined without the file. */
function trainKeys(dir: string): Set<string> | undefined {
  const path = join(dir, 'residuals.csv');
  if (!existsSync(path)) return undefined;
  const lines = readText(path).split('\n').filter((l) => l.length > 0);
  const keys = new Set<string>();
  for (const line of lines.slice(1)) {
    const f = splitCsv(line);
    if (f[0] === 'train') keys.add(`${f[1]}\u0000${f[2]}`);
  }
  return keys;
}

function splitCsv(line: string): string[] {
  const out: string[] = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cur += '"', i++);
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') (out.push(cur), cur = '');
    else cur += ch;
  }
  out.push(cur);
  return out;
}

export function loadFitDir(dir: string): FitDir {
  const cfgPath = join(dir, 'config.json');
  if (!existsSync(cfgPath)) throw new UserError(`${dir}: no config.json (written by pesfit fit since the uq release); refit to analyse this directory`);
  const cj = readJson(cfgPath);
  if (cj.format !== CONFIG_FORMAT || cj.version !== CONFIG_VERSION) throw new ConfigError('format', `expected "${CONFIG_FORMAT}" version ${CONFIG_VERSION}`, cfgPath);
  const config = cj.config as ResolvedConfig;
  if (!config || typeof config !== 'object' || !config.data || !config.objective) throw new ConfigError('config', 'expected the resolved config of a fit', cfgPath);
  const { model, energyOffsets } = readModelJson(join(dir, 'model.json'));
  const sigma = sigmaOf(readJson(join(dir, 'metrics.json')), join(dir, 'metrics.json'));
  const log = readJson(join(dir, 'fit-log.json'));
  const method = String((log.solver as { method?: unknown } | undefined)?.method ?? 'lm');
  const reg = (log.regularization as { ridge?: number; smoothness?: number; ridgeWeights?: unknown } | undefined) ?? {};
  const data = loadData(config);
  const keys = trainKeys(dir);
  let train = data.train, test = data.test;
  if (keys) {
    const isTrain = (c: Configuration) => keys.has(`${c.source.file}\u0000${c.source.frame}`);
    train = data.train.filter(isTrain);
    test = [...data.train.filter((c) => !isTrain(c)), ...data.test];
    if (train.length !== keys.size) throw new UserError(`${dir}: residuals.csv lists ${keys.size} training configurations, the data files give ${train.length}; were the data files changed after the fit?`);
  }
  const o = config.objective;
  const settings: ObjectiveSettings = {
    sigma, groups: { ...o.groups }, termWeights: o.termWeights, balance: 'none', energyOffset: o.energyOffset, energyNormalization: o.energyNormalization,
  };
  const problem = makeFitProblem(model, { configs: train }, settings);
  const theta = Float64Array.from(problem.paramNames, (n, p) => {
    if (p < problem.nModelParams) return model.parameters[p];
    const v = energyOffsets[n];
    if (v === undefined) throw new UserError(`${dir}/model.json: no energy offset ${n}, which the fit's objective uses`);
    return v;
  });
  const linear = method === 'linear';
  let ridgeWeights: Float64Array | undefined;
  if (reg.ridgeWeights !== undefined) {
    const w = reg.ridgeWeights;
    if (!Array.isArray(w) || w.length !== problem.nModelParams || !w.every((v) => typeof v === 'number' && v > 0)) {
      throw new UserError(`${join(dir, 'fit-log.json')}: regularization.ridgeWeights must be ${problem.nModelParams} positive numbers (one per model parameter)`);
    }
    ridgeWeights = Float64Array.from(w as number[]);
  }
  return {
    dir, config, model, offsets: energyOffsets, sigma, method, regularization: { ridge: reg.ridge ?? 0, smoothness: reg.smoothness ?? 0, ridgeWeights },
    train, test, problem, theta, linear,
    fisher(opts: FisherOptions = {}) {
      const symmetries = model.spec.kind === 'eam-spline' ? eamGaugeTangents(model.spec as EamSplineSpec, problem.paramNames) : [];
      return fisherAnalysis(problem, theta, { symmetries, ...opts });
    },
  };
}
