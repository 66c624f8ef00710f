/**
 * The model registry: one definition per model kind, keyed by `kind` in a Record over the ModelSpec union, so a
 * kind added to the union is a type error until it is registered here. `compileModel(spec)` validates a spec
 * (typically parsed from JSON) and compiles it with its family's compiler.
 *
 * Validation checks what the family compilers take on trust (they assert invariants as internal errors): the
 * spec is an object, `kind` is known, `elements` are distinct chemical symbols, `cutoff` is a positive number,
 * every field the family needs is present with the right JSON type and array lengths, and no unknown key is
 * present (a typo must not be ignored silently). Errors are ConfigErrors naming the key path under `spec`
 * (e.g. `spec.triplets[3].lambda3`); the compilers' own checks (e.g. missing element pairs) come on top.
 * Units are the families' (Å, eV); nothing is converted here.
 */
import { ConfigError } from '../core/errors.ts';
import { atomicNumber } from '../core/elements.ts';
import { compileEamTable, densityTableCount, type EamTableSpec } from './eam.ts';
import { compileEamSpline, type EamSplineSpec } from './eam-spline.ts';
import { compileEamAnalytic, ZHOU_PARAMETER_NAMES, type EamAnalyticSpec } from './eam-analytic.ts';
import { compilePair, PAIR_PARAMETERS, type BuckinghamSpec, type LennardJonesSpec, type MorseSpec, type PairSplineSpec } from './pair.ts';
import { compilePairTable, type PairTableSpec } from './pair-table.ts';
import { compileSw, SW_FIELDS, type SwSpec } from './sw.ts';
import { compileTersoff, TERSOFF_FIELDS, type TersoffSpec } from './tersoff.ts';
import type { CompiledModel } from './types.ts';
import { compileZbl, type ZblSpec } from './zbl.ts';
import { checkOverlaySpec, compileOverlay, type OverlaySpec } from './overlay.ts';
import { compileSnap } from './snap/snap.ts';
import { snapColumnCount, type SnapSpec } from './snap/spec.ts';

export type ModelSpec =
  | EamTableSpec
  | EamSplineSpec
  | EamAnalyticSpec
  | TersoffSpec
  | SwSpec
  | LennardJonesSpec
  | MorseSpec
  | BuckinghamSpec
  | PairSplineSpec
  | PairTableSpec
  | ZblSpec
  | OverlaySpec
  | SnapSpec;
export type ModelKind = ModelSpec['kind'];
export type SpecOf<K extends ModelKind> = Extract<ModelSpec, { kind: K }>;

export interface KindDefinition<K extends ModelKind> {
  /** One line for help texts. */
  description: string;
  /** Top-level keys a spec of this kind may have (besides kind, elements, cutoff). */
  keys: readonly string[];
  /** Structural checks of the family fields; throws ConfigError naming the key path. */
  validate(spec: Record<string, unknown>, path: string): void;
  compile(spec: SpecOf<K>): CompiledModel<SpecOf<K>>;
}

// ---------------------------------------------------------------- JSON shape checks

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;
}

function obj(v: unknown, path: string): Obj {
  if (!isObj(v)) throw new ConfigError(path, `expected an object, got ${typeName(v)}`);
  return v;
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(path, `expected a finite number, got ${typeName(v)}`);
  return v;
}

function positive(v: unknown, path: string): number {
  const x = num(v, path);
  if (!(x > 0)) throw new ConfigError(path, `expected a positive number, got ${x}`);
  return x;
}

function int(v: unknown, path: string, min: number): number {
  const x = num(v, path);
  if (!Number.isInteger(x) || x < min) throw new ConfigError(path, `expected an integer ≥ ${min}, got ${x}`);
  return x;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new ConfigError(path, `expected a string, got ${typeName(v)}`);
  return v;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new ConfigError(path, `expected one of ${allowed.join(', ')}, got ${typeName(v)}`);
  return v as T;
}

function arr(v: unknown, path: string, length?: number): unknown[] {
  if (!Array.isArray(v)) throw new ConfigError(path, `expected an array, got ${typeName(v)}`);
  if (length !== undefined && v.length !== length) throw new ConfigError(path, `expected ${length} entries, got ${v.length}`);
  return v;
}

function numbers(v: unknown, path: string, length?: number): void {
  arr(v, path, length).forEach((x, k) => num(x, `${path}[${k}]`));
}

function tables(v: unknown, path: string, count: number, length: number): void {
  arr(v, path, count).forEach((t, k) => numbers(t, `${path}[${k}]`, length));
}

/** Every ordered triplet of the elements appears as an entry's `elements`. */
function tripletEntries(v: unknown, path: string, elements: readonly string[], fields: readonly string[]): void {
  const n = elements.length;
  const entries = arr(v, path, n * n * n);
  entries.forEach((e, k) => {
    const p = `${path}[${k}]`;
    const o = obj(e, p);
    arr(o.elements, `${p}.elements`, 3).forEach((s, q) => {
      if (!elements.includes(str(s, `${p}.elements[${q}]`)))
        throw new ConfigError(`${p}.elements[${q}]`, `element ${JSON.stringify(s)} is not one of the model's elements (${elements.join(', ')})`);
    });
    for (const f of fields) num(o[f], `${p}.${f}`);
  });
}

/** A record of per-element-pair entries keyed "A-B"; `entry` checks one value. */
function pairRecord(v: unknown, path: string, entry: (e: unknown, p: string) => void): void {
  for (const [key, e] of Object.entries(obj(v, path))) entry(e, `${path}.${key}`);
}

function cutoffFunction(v: unknown, path: string): void {
  if (typeof v === 'string') {
    oneOf(v, ['none', 'shift', 'shifted-force'] as const, path);
    return;
  }
  const o = obj(v, path);
  const kind = oneOf(o.kind, ['cosine', 'smoothstep', 'x4'] as const, `${path}.kind`);
  if (kind === 'x4') positive(o.h, `${path}.h`);
  else positive(o.inner, `${path}.inner`);
}

function splineTable(v: unknown, path: string, valueKey: 'values' | 'phi'): void {
  const o = obj(v, path);
  const knots = arr(o.knots, `${path}.knots`);
  knots.forEach((x, k) => num(x, `${path}.knots[${k}]`));
  numbers(o[valueKey], `${path}.${valueKey}`);
}

function tableSection(v: unknown, path: string): void {
  const o = obj(v, path);
  str(o.keyword, `${path}.keyword`);
  const r = arr(o.r, `${path}.r`);
  numbers(o.r, `${path}.r`);
  numbers(o.e, `${path}.e`, r.length);
  numbers(o.f, `${path}.f`, r.length);
  if (o.fprime !== undefined) numbers(o.fprime, `${path}.fprime`, 2);
  if (o.spacing !== undefined) {
    const s = obj(o.spacing, `${path}.spacing`);
    oneOf(s.kind, ['R', 'RSQ'] as const, `${path}.spacing.kind`);
    num(s.lo, `${path}.spacing.lo`);
    num(s.hi, `${path}.spacing.hi`);
  }
}

function els(spec: Obj): string[] {
  return spec.elements as string[];
}

// ---------------------------------------------------------------- the registry

function pairKind<K extends 'lj' | 'morse' | 'buckingham'>(kind: K, description: string): KindDefinition<K> {
  return {
    description,
    keys: ['cutoff_function', 'pairs'],
    validate(spec, path) {
      cutoffFunction(spec.cutoff_function, `${path}.cutoff_function`);
      pairRecord(spec.pairs, `${path}.pairs`, (e, p) => {
        const o = obj(e, p);
        for (const name of PAIR_PARAMETERS[kind]) num(o[name], `${p}.${name}`);
      });
    },
    compile: (spec) => compilePair(spec),
  };
}

export const MODEL_KINDS: { readonly [K in ModelKind]: KindDefinition<K> } = {
  'eam-table': {
    description: 'tabulated EAM with LAMMPS eam / eam/alloy / eam/fs semantics',
    keys: ['style', 'masses', 'nrho', 'drho', 'nr', 'dr', 'rhomax', 'F', 'rho', 'rphi'],
    validate(spec, path) {
      const n = els(spec).length;
      const style = oneOf(spec.style, ['eam', 'eam/alloy', 'eam/fs'] as const, `${path}.style`);
      numbers(spec.masses, `${path}.masses`, n);
      const nrho = int(spec.nrho, `${path}.nrho`, 5), nr = int(spec.nr, `${path}.nr`, 5);
      positive(spec.drho, `${path}.drho`);
      positive(spec.dr, `${path}.dr`);
      positive(spec.rhomax, `${path}.rhomax`);
      tables(spec.F, `${path}.F`, n, nrho);
      tables(spec.rho, `${path}.rho`, densityTableCount(style, n), nr);
      tables(spec.rphi, `${path}.rphi`, (n * (n + 1)) / 2, nr);
    },
    compile: compileEamTable,
  },
  'eam-spline': {
    description: 'EAM with cubic-spline F(ρ), ρ(r), φ(r); knot values are the parameters',
    keys: ['fs', 'masses', 'F', 'rho', 'phi'],
    validate(spec, path) {
      const n = els(spec).length;
      if (spec.fs !== undefined && typeof spec.fs !== 'boolean') throw new ConfigError(`${path}.fs`, `expected true or false, got ${typeName(spec.fs)}`);
      if (spec.masses !== undefined) numbers(spec.masses, `${path}.masses`, n);
      arr(spec.F, `${path}.F`, n).forEach((t, k) => splineTable(t, `${path}.F[${k}]`, 'values'));
      arr(spec.rho, `${path}.rho`, spec.fs === true ? n * n : n).forEach((t, k) => splineTable(t, `${path}.rho[${k}]`, 'values'));
      arr(spec.phi, `${path}.phi`, (n * (n + 1)) / 2).forEach((t, k) => splineTable(t, `${path}.phi[${k}]`, 'values'));
    },
    compile: compileEamSpline,
  },
  'eam-analytic': {
    description: 'EAM in the Zhou-Johnson-Wadley 2004 analytic form (20 parameters per element), exported as eam/alloy',
    keys: ['masses', 'params', 'rhoLow', 'rhoHigh'],
    validate(spec, path) {
      const n = els(spec).length;
      numbers(spec.masses, `${path}.masses`, n);
      arr(spec.params, `${path}.params`, n).forEach((p, k) => {
        const o = obj(p, `${path}.params[${k}]`);
        for (const name of ZHOU_PARAMETER_NAMES) num(o[name], `${path}.params[${k}].${name}`);
        for (const key of Object.keys(o)) {
          if (!(ZHOU_PARAMETER_NAMES as readonly string[]).includes(key)) throw new ConfigError(`${path}.params[${k}].${key}`, `unknown parameter (expected ${ZHOU_PARAMETER_NAMES.join(', ')})`);
        }
      });
      if (spec.rhoLow !== undefined) numbers(spec.rhoLow, `${path}.rhoLow`, n);
      if (spec.rhoHigh !== undefined) numbers(spec.rhoHigh, `${path}.rhoHigh`, n);
    },
    compile: compileEamAnalytic,
  },
  tersoff: {
    description: 'Tersoff (LAMMPS pair_style tersoff)',
    keys: ['triplets', 'shift'],
    validate(spec, path) {
      tripletEntries(spec.triplets, `${path}.triplets`, els(spec), ['m', ...TERSOFF_FIELDS]);
      if (spec.shift !== undefined) num(spec.shift, `${path}.shift`);
    },
    compile: compileTersoff,
  },
  sw: {
    description: 'Stillinger-Weber (LAMMPS pair_style sw)',
    keys: ['entries'],
    validate(spec, path) {
      tripletEntries(spec.entries, `${path}.entries`, els(spec), [...SW_FIELDS, 'tol']);
    },
    compile: compileSw,
  },
  lj: pairKind('lj', 'Lennard-Jones pair potential (LAMMPS lj/cut)'),
  morse: pairKind('morse', 'Morse pair potential (LAMMPS morse)'),
  buckingham: pairKind('buckingham', 'Buckingham pair potential (LAMMPS buck)'),
  'pair-spline': {
    description: 'pair potential as a natural cubic spline; knot values are the parameters',
    keys: ['cutoff_function', 'pairs'],
    validate(spec, path) {
      cutoffFunction(spec.cutoff_function, `${path}.cutoff_function`);
      pairRecord(spec.pairs, `${path}.pairs`, (e, p) => splineTable(e, p, 'phi'));
    },
    compile: (spec) => compilePair(spec),
  },
  table: {
    description: 'LAMMPS pair_style table, evaluated as LAMMPS does (no parameters)',
    keys: ['style', 'tablength', 'pairs'],
    validate(spec, path) {
      oneOf(spec.style, ['linear', 'spline'] as const, `${path}.style`);
      int(spec.tablength, `${path}.tablength`, 2);
      pairRecord(spec.pairs, `${path}.pairs`, (e, p) => {
        const o = obj(e, p);
        tableSection(o.table, `${p}.table`);
        if (o.cutoff !== undefined) positive(o.cutoff, `${p}.cutoff`);
      });
    },
    compile: compilePairTable,
  },
  zbl: {
    description: 'ZBL universal screened nuclear repulsion (LAMMPS pair_style zbl inner outer; no parameters)',
    keys: ['inner', 'outer', 'z'],
    validate(spec, path) {
      const inner = positive(spec.inner, `${path}.inner`), outer = positive(spec.outer, `${path}.outer`);
      if (inner > outer) throw new ConfigError(`${path}.inner`, `inner (${inner}) must not exceed outer (${outer})`);
      if (spec.cutoff !== outer) throw new ConfigError(`${path}.cutoff`, `a zbl model's cutoff is its outer distance (${outer}), got ${typeName(spec.cutoff)}`);
      if (spec.z !== undefined) arr(spec.z, `${path}.z`, els(spec).length).forEach((z, k) => positive(z, `${path}.z[${k}]`));
    },
    compile: compileZbl,
  },
  overlay: {
    description: 'sum of component models (LAMMPS pair_style hybrid/overlay), e.g. SNAP + ZBL',
    keys: ['components'],
    validate(spec, path) {
      arr(spec.components, `${path}.components`).forEach((c, k) => validateSpec(c, `${path}.components[${k}]`));
      checkOverlaySpec(spec as unknown as OverlaySpec, path);
    },
    compile: (spec) => compileOverlay(spec, compileModel),
  },
  snap: {
    description: 'linear or quadratic SNAP (LAMMPS pair_style snap, chemflag 0); coefficients are the parameters',
    keys: ['twojmax', 'rcutfac', 'rfac0', 'rmin0', 'radelem', 'wj', 'switchflag', 'bzeroflag', 'quadratic', 'wselfallflag', 'chemflag', 'bnormflag', 'coefficients'],
    validate(spec, path) {
      const n = els(spec).length;
      const twojmax = int(spec.twojmax, `${path}.twojmax`, 0);
      positive(spec.rcutfac, `${path}.rcutfac`);
      positive(spec.rfac0, `${path}.rfac0`);
      num(spec.rmin0, `${path}.rmin0`);
      numbers(spec.radelem, `${path}.radelem`, n);
      numbers(spec.wj, `${path}.wj`, n);
      for (const flag of ['switchflag', 'bzeroflag', 'quadratic', 'wselfallflag', 'chemflag', 'bnormflag'])
        if (typeof spec[flag] !== 'boolean') throw new ConfigError(`${path}.${flag}`, `expected true or false, got ${typeName(spec[flag])}`);
      tables(spec.coefficients, `${path}.coefficients`, n, snapColumnCount({ twojmax, quadratic: spec.quadratic === true }));
    },
    compile: compileSnap,
  },
};

export const MODEL_KIND_NAMES = Object.keys(MODEL_KINDS) as ModelKind[];

function isKind(k: unknown): k is ModelKind {
  return typeof k === 'string' && Object.prototype.hasOwnProperty.call(MODEL_KINDS, k);
}

/**
 * Checks that `value` is a well-formed spec of a registered kind (see the contract above) and returns it typed.
 * `path` prefixes the key paths of errors (default `spec`).
 */
export function validateSpec(value: unknown, path = 'spec'): ModelSpec {
  const spec = obj(value, path);
  if (!isKind(spec.kind))
    throw new ConfigError(`${path}.kind`, `unknown model kind ${typeName(spec.kind)} (expected one of ${MODEL_KIND_NAMES.join(', ')})`);
  const def: KindDefinition<ModelKind> = MODEL_KINDS[spec.kind] as unknown as KindDefinition<ModelKind>;
  const allowed = new Set(['kind', 'elements', 'cutoff', ...def.keys]);
  for (const key of Object.keys(spec))
    if (!allowed.has(key)) throw new ConfigError(`${path}.${key}`, `unknown key for a ${spec.kind} model (allowed: ${[...allowed].join(', ')})`);
  const elements = arr(spec.elements, `${path}.elements`);
  if (elements.length === 0) throw new ConfigError(`${path}.elements`, 'expected at least one element');
  elements.forEach((e, k) => {
    const s = str(e, `${path}.elements[${k}]`);
    if (atomicNumber(s) === undefined) throw new ConfigError(`${path}.elements[${k}]`, `"${s}" is not a chemical symbol`);
    if (elements.indexOf(s) !== k) throw new ConfigError(`${path}.elements[${k}]`, `element ${s} is listed twice`);
  });
  positive(spec.cutoff, `${path}.cutoff`);
  def.validate(spec, path);
  return spec as unknown as ModelSpec;
}

/** Validates and compiles a spec with its family's compiler. */
export function compileModel(spec: ModelSpec): CompiledModel<ModelSpec> {
  const valid = validateSpec(spec);
  return compileByKind(valid);
}

function compileByKind(spec: ModelSpec): CompiledModel<ModelSpec> {
  // one switch keeps each compiler's spec type exact (a Record lookup would widen it to the union)
  switch (spec.kind) {
    case 'eam-table': return MODEL_KINDS['eam-table'].compile(spec);
    case 'eam-spline': return MODEL_KINDS['eam-spline'].compile(spec);
    case 'eam-analytic': return MODEL_KINDS['eam-analytic'].compile(spec);
    case 'tersoff': return MODEL_KINDS.tersoff.compile(spec);
    case 'sw': return MODEL_KINDS.sw.compile(spec);
    case 'lj': return MODEL_KINDS.lj.compile(spec);
    case 'morse': return MODEL_KINDS.morse.compile(spec);
    case 'buckingham': return MODEL_KINDS.buckingham.compile(spec);
    case 'pair-spline': return MODEL_KINDS['pair-spline'].compile(spec);
    case 'table': return MODEL_KINDS.table.compile(spec);
    case 'zbl': return MODEL_KINDS.zbl.compile(spec);
    case 'overlay': return MODEL_KINDS.overlay.compile(spec);
    case 'snap': return MODEL_KINDS.snap.compile(spec);
    default: {
      const never: never = spec;
      throw new ConfigError('spec.kind', `unknown model kind ${JSON.stringify((never as { kind: unknown }).kind)}`);
    }
  }
}
