/**
 * Loads a `pesfit fit` config: YAML → zod validation (schema.ts) → one resolved, readonly object. Relative paths
 * (data files, model.from_lammps, output.dir) are resolved against the config file's directory. Fails fast, naming
 * the key path and the file: unknown keys, wrong types, missing data files, elements not in the model.
 *
 * `loadData` then reads the data files (io/formats.ts) and checks them against the model: every species in the
 * data must be one of model.elements (else ConfigError at `model.elements`), and every model element should occur
 * in the training data (else ConfigError at `model.elements`: its parameters would be unconstrained).
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.ts';
import { symbolOf } from '../core/elements.ts';
import { readText } from '../io/fs.ts';
import { readConfigurations, type ReadFormat, type StressMode } from '../io/formats.ts';
import { DEFAULT_OBJECTIVE, type EnergyOffsetMode, type GroupSetting, type SigmaSet } from '../fit/objective.ts';
import type { FoldSpec } from '../fit/folds.ts';
import type { Configuration } from '../structure/types.ts';
import { checkPropertyTargets, type PropertyName, type PropertyTarget } from '../fit/properties.ts';
import type { CrystalKind } from '../properties/lattice.ts';
import type { SurfacePlane } from '../properties/defects.ts';
import { ConfigSchema, type RawDataEntry, type RawPropertyTarget } from './schema.ts';
import { zodToConfigError } from './errors.ts';
import { modelSpecFromConfig, type ModelSpec } from './model.ts';

export interface DataSource {
  /** Absolute path. */
  readonly path: string;
  /** Key path in the config, for error messages (`data.train.0`). */
  readonly key: string;
  readonly format?: ReadFormat;
  readonly group?: string;
  readonly stress?: StressMode;
  readonly weight?: number;
}

export type Strength = number | 'auto';
export type SolverMethod = 'auto' | 'linear' | 'lm' | 'lbfgs' | 'de';

export interface ResolvedConfig {
  /** Absolute path of the config file ('' when built in memory). */
  readonly file: string;
  readonly data: { readonly train: readonly DataSource[]; readonly test: readonly DataSource[] };
  readonly model: ModelSpec;
  readonly objective: {
    /** 'auto': estimated by iterating fit ↔ noise estimate, starting from `sigmaStart`. */
    readonly sigma: 'auto' | SigmaSet;
    readonly sigmaStart: SigmaSet;
    /** With sigma 'auto': one σ per data type and group (config_type) instead of one per data type. */
    readonly sigmaPerGroup: boolean;
    readonly groups: Readonly<Record<string, GroupSetting>>;
    readonly energyOffset: EnergyOffsetMode;
    /** 'cv': the data types' relative weights chosen by cross-validation (fit/cv-balance.ts). */
    readonly balance: 'none' | 'lambda-star' | 'cv';
    readonly energyNormalization: 'sqrt-atoms' | 'atoms';
    readonly termWeights: SigmaSet;
    /** Material-property targets (fit/properties.ts); empty when none. */
    readonly properties: readonly PropertyTarget[];
  };
  readonly regularization: { readonly ridge: Strength; readonly smoothness: Strength; readonly standardize: boolean | 'auto' };
  readonly solver: { readonly method: SolverMethod; readonly maxIterations: number };
  readonly validation: { readonly cv?: FoldSpec; readonly split?: number; readonly seed: number };
  /** Absolute output directory. */
  readonly output: { readonly dir: string };
}

function resolveSources(entries: readonly RawDataEntry[], key: string, base: string, file: string): DataSource[] {
  return entries.map((e, i) => {
    const k = `${key}.${i}`;
    const o = typeof e === 'string' ? { path: e } : e;
    const path = resolve(base, o.path);
    if (!existsSync(path)) throw new ConfigError(typeof e === 'string' ? k : `${k}.path`, `no such file: ${path}`, file);
    if (!statSync(path).isFile()) throw new ConfigError(typeof e === 'string' ? k : `${k}.path`, `not a file: ${path}`, file);
    return { ...o, path, key: k };
  });
}

function propertyTarget(t: RawPropertyTarget): PropertyTarget {
  const out: PropertyTarget = {
    property: t.property as PropertyName, structure: t.structure as CrystalKind, element: t.element, target: t.target, sigma: t.sigma,
  };
  if (t.relax_ions !== undefined) out.relaxIons = t.relax_ions;
  if (t.supercell !== undefined) out.supercell = typeof t.supercell === 'number' ? [t.supercell, t.supercell, t.supercell] : [...t.supercell];
  if (t.plane !== undefined) out.plane = t.plane as SurfacePlane;
  if (t.guess !== undefined) out.guess = t.guess;
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !ArrayBuffer.isView(o)) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/**
 * Validates a parsed config object. `file` names the source in errors; `baseDir` resolves relative paths.
 */
export function resolveConfig(raw: unknown, file: string, baseDir: string = file ? dirname(resolve(file)) : process.cwd()): ResolvedConfig {
  const parsed = ConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) throw zodToConfigError(parsed.error, file);
  const c = parsed.data;
  const obj = c.objective;
  if (obj.sigma_per_group && obj.sigma !== 'auto') throw new ConfigError('objective.sigma_per_group', 'needs sigma: auto (per-group σ are estimated from the residuals)', file);
  if (obj.balance === 'cv' && !c.validation.cv) throw new ConfigError('objective.balance', 'cv needs validation.cv (the folds the weights are chosen on)', file);
  const sigmaStart: SigmaSet = { ...DEFAULT_OBJECTIVE.sigma, ...(obj.sigma === 'auto' ? {} : obj.sigma) };
  const cfg: ResolvedConfig = {
    file: file ? resolve(file) : '',
    data: {
      train: resolveSources(c.data.train, 'data.train', baseDir, file),
      test: resolveSources(c.data.test ?? [], 'data.test', baseDir, file),
    },
    model: modelSpecFromConfig(c.model, (p) => resolve(baseDir, p), file),
    objective: {
      sigma: obj.sigma === 'auto' ? 'auto' : sigmaStart,
      sigmaStart,
      sigmaPerGroup: obj.sigma_per_group,
      groups: obj.groups,
      energyOffset: obj.energy_offset,
      balance: obj.balance,
      energyNormalization: obj.energy_normalization,
      termWeights: obj.weights,
      properties: obj.properties.map(propertyTarget),
    },
    regularization: c.regularization,
    solver: { method: c.solver.method, maxIterations: c.solver.max_iterations },
    validation: {
      cv: c.validation.cv && ('folds' in c.validation.cv ? { folds: c.validation.cv.folds, seed: c.validation.cv.seed ?? c.validation.seed } : { by: 'group' }),
      split: c.validation.split,
      seed: c.validation.seed,
    },
    output: { dir: resolve(baseDir, c.output.dir) },
  };
  checkPropertyTargets(cfg.objective.properties, cfg.model.elements, 'objective.properties', file);
  if (cfg.validation.split !== undefined && cfg.data.test.length > 0) {
    throw new ConfigError('validation.split', 'give either data.test or validation.split, not both', file);
  }
  return deepFreeze(cfg);
}

/** Reads and validates a YAML config file. */
export function loadConfig(path: string): ResolvedConfig {
  const text = readText(path);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    throw new ConfigError('', `YAML syntax error${line ? ` at line ${line}` : ''}: ${e.message.split('\n')[0]}`, path);
  }
  return resolveConfig(doc.toJS(), path);
}

export interface LoadedData {
  train: Configuration[];
  test: Configuration[];
}

function readSources(sources: readonly DataSource[], file: string): Configuration[] {
  const out: Configuration[] = [];
  for (const s of sources) {
    const configs = readConfigurations(s.path, { format: s.format, stress: s.stress, group: s.group });
    if (configs.length === 0) throw new ConfigError(s.key, `${s.path} holds no configurations`, file);
    if (s.weight !== undefined) for (const c of configs) c.weight *= s.weight;
    out.push(...configs);
  }
  return out;
}

/** Reads the data files of a config and checks their elements against the model. */
export function loadData(cfg: ResolvedConfig): LoadedData {
  const train = readSources(cfg.data.train, cfg.file);
  const test = readSources(cfg.data.test, cfg.file);
  const modelEls = new Set(cfg.model.elements);
  for (const [set, configs] of [['train', train], ['test', test]] as const) {
    for (const c of configs) {
      for (const z of c.structure.species) {
        const el = symbolOf(z);
        if (!modelEls.has(el)) {
          throw new ConfigError('model.elements', `${c.source.file} (frame ${c.source.frame}, ${set} data) contains ${el}, which is not one of the model's elements (${[...modelEls].join(', ')})`, cfg.file);
        }
      }
    }
  }
  const present = new Set(train.flatMap((c) => Array.from(c.structure.species, symbolOf)));
  for (const el of cfg.model.elements) {
    if (!present.has(el)) throw new ConfigError('model.elements', `element ${el} does not occur in the training data: its parameters would be unconstrained`, cfg.file);
  }
  return { train, test };
}
