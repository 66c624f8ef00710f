/**
 * model.json: a fitted model as one JSON file.
 *
 *   { "format": "pesfit-model", "version": 1,
 *     "spec": { kind, elements, cutoff, ... },          the JSON spec of potentials/registry.ts
 *     "parameters": { "<name>": value, ... },            every parameter of the compiled spec, by name (eV, Å, ...)
 *     "energy_offsets": { "E0": eV/atom, "E0:<El>": eV per atom of El },   (fit/predict.ts offsetEnergy)
 *     "provenance": { ... free-form ... } }
 *
 * Reading validates the envelope and the spec (ConfigErrors name the file and the key path; malformed JSON is a
 * ParseError with its line), compiles the spec, then applies `parameters` onto it with withParameters in the
 * compiled model's paramNames order: every name must be present and no other name may appear, so a spec and a
 * parameter list that disagree cannot load silently. The parameters win over the values inside the spec (they
 * are what a fit wrote); the writer writes both consistently.
 *
 * Numbers are written by JSON.stringify, the shortest round-trip form, so a write/read round trip reproduces
 * every parameter bit for bit. Non-finite numbers cannot be written in JSON and are refused. The file is written
 * atomically (io/fs.ts).
 */
import { ConfigError, ParseError, UserError } from '../core/errors.ts';
import { atomicNumber } from '../core/elements.ts';
import { compileModel, validateSpec, type ModelSpec } from '../potentials/registry.ts';
import type { CompiledModel } from '../potentials/types.ts';
import { readText, writeAtomic } from './fs.ts';

export const MODEL_FORMAT = 'pesfit-model';
export const MODEL_VERSION = 1;

export interface ModelFile {
  /** The compiled model with the file's parameters applied. */
  model: CompiledModel<ModelSpec>;
  /** Energy offsets: `E0` (eV per atom) and/or `E0:<El>` (eV per atom of element El). */
  energyOffsets: Record<string, number>;
  provenance: Record<string, unknown>;
}

export interface ModelWriteOptions {
  energyOffsets?: Record<string, number>;
  provenance?: Record<string, unknown>;
}

const TOP_KEYS = ['format', 'version', 'spec', 'parameters', 'energy_offsets', 'provenance'];

function lineOf(text: string, pos: number): number {
  let line = 1;
  for (let k = 0; k < pos && k < text.length; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    const m = /position (\d+)/.exec(msg);
    throw new ParseError({ file, line: m ? lineOf(text, Number(m[1])) : undefined }, `invalid JSON: ${msg}`);
  }
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks an energy-offset map: keys E0 or E0:<El>, finite numbers. */
export function validateOffsets(v: unknown, file?: string): Record<string, number> {
  if (!isObj(v)) throw new ConfigError('energy_offsets', 'expected an object {"E0": eV/atom, "E0:<El>": eV}', file);
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) {
    const m = /^E0(?::(.+))?$/.exec(k);
    if (!m || (m[1] !== undefined && atomicNumber(m[1]) === undefined))
      throw new ConfigError(`energy_offsets.${k}`, 'expected a key "E0" or "E0:<element symbol>"', file);
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new ConfigError(`energy_offsets.${k}`, `expected a finite number (eV), got ${JSON.stringify(x)}`, file);
    out[k] = x;
  }
  return out;
}

/** Parses model.json text; `file` names it in errors. */
export function parseModelJson(text: string, file: string): ModelFile {
  const root = parseJson(text, file);
  if (!isObj(root)) throw new ConfigError('', 'expected a JSON object', file);
  for (const k of Object.keys(root)) if (!TOP_KEYS.includes(k)) throw new ConfigError(k, `unknown key (allowed: ${TOP_KEYS.join(', ')})`, file);
  if (root.format !== MODEL_FORMAT) throw new ConfigError('format', `expected "${MODEL_FORMAT}", got ${JSON.stringify(root.format)}`, file);
  if (root.version !== MODEL_VERSION)
    throw new ConfigError('version', `expected ${MODEL_VERSION} (the version this pesfit reads), got ${JSON.stringify(root.version)}`, file);
  let base: CompiledModel<ModelSpec>;
  try {
    base = compileModel(validateSpec(root.spec, 'spec'));
  } catch (e) {
    if (e instanceof ConfigError && e.file === undefined) throw new ConfigError(e.keyPath.startsWith('spec') ? e.keyPath : `spec.${e.keyPath}`, e.detail, file);
    if (e instanceof UserError) throw new UserError(`${file}: spec: ${e.message}`);
    throw e;
  }
  const params = root.parameters;
  if (!isObj(params)) throw new ConfigError('parameters', 'expected an object {"<parameter name>": value}', file);
  const theta = new Float64Array(base.paramNames.length);
  const missing: string[] = [];
  base.paramNames.forEach((name, p) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) {
      missing.push(name);
      return;
    }
    const v = params[name];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`parameters.${name}`, `expected a finite number, got ${JSON.stringify(v)}`, file);
    theta[p] = v;
  });
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ') + (missing.length > 5 ? `, … (${missing.length} in all)` : '');
    throw new ConfigError('parameters', `missing parameter(s) of the ${base.spec.kind} model: ${shown}`, file);
  }
  const known = new Set(base.paramNames);
  for (const k of Object.keys(params))
    if (!known.has(k)) throw new ConfigError(`parameters.${k}`, `not a parameter of this ${base.spec.kind} model`, file);
  const model = base.paramNames.length > 0 ? base.withParameters(theta) : base;
  const energyOffsets = root.energy_offsets === undefined ? {} : validateOffsets(root.energy_offsets, file);
  if (root.provenance !== undefined && !isObj(root.provenance)) throw new ConfigError('provenance', 'expected an object', file);
  return { model, energyOffsets, provenance: (root.provenance as Record<string, unknown> | undefined) ?? {} };
}

export function readModelJson(path: string): ModelFile {
  return parseModelJson(readText(path), path);
}

/** Throws a UserError naming the first non-finite number in `v` (JSON cannot hold it). */
function checkFinite(v: unknown, path: string): void {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new UserError(`model.json writer: ${path} is ${v}; JSON holds only finite numbers`);
  } else if (Array.isArray(v)) v.forEach((x, k) => checkFinite(x, `${path}[${k}]`));
  else if (isObj(v)) for (const [k, x] of Object.entries(v)) checkFinite(x, `${path}.${k}`);
}

/** The model.json text of a compiled model (its spec and current parameters). */
export function formatModelJson(model: CompiledModel<ModelSpec>, opts: ModelWriteOptions = {}): string {
  const parameters: Record<string, number> = {};
  model.paramNames.forEach((name, p) => {
    if (Object.prototype.hasOwnProperty.call(parameters, name)) throw new Error(`internal error: parameter name ${name} appears twice`);
    parameters[name] = model.parameters[p];
  });
  const doc = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    spec: model.spec,
    parameters,
    energy_offsets: validateOffsets(opts.energyOffsets ?? {}),
    provenance: opts.provenance ?? {},
  };
  checkFinite(doc, 'model');
  return JSON.stringify(doc, null, 1) + '\n';
}

export function writeModelJson(path: string, model: CompiledModel<ModelSpec>, opts: ModelWriteOptions = {}): void {
  writeAtomic(path, formatModelJson(model, opts));
}
