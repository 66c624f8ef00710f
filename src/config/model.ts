/**
 * Maps the `model` section of a config onto a model spec of potentials/ (the JSON-serialisable description the
 * registry compiles). Errors name the config key path (`model.params.knots`) and the config file.
 *
 * Mapping (lengths Å, energies eV):
 * - kind lj | morse | buckingham → pair.ts spec. `params` is either the form's parameters once (applied to every
 *   element pair: {epsilon, sigma} | {D0, alpha, r0} | {A, rho, C}) or per pair {"A-B": {...}, ...}.
 *   cutoff_function defaults to 'none' (plain truncation, LAMMPS's default).
 * - kind pair-spline → pair.ts 'pair-spline': `params.knots` = explicit list, or {start, count} for `count` knots
 *   evenly spaced from `start` to the cutoff; `params.phi` = initial value at every knot (default 0: the model is
 *   linear, the start does not matter). cutoff_function defaults to 'shifted-force' so energy and force go to 0
 *   continuously at the cutoff whatever values the fit gives the knots.
 * - kind eam-spline → eam-spline.ts (eam/alloy semantics; `params.fs: true` for eam/fs). `params.F`, `params.rho`,
 *   `params.phi` each {knots: list | {start, stop?, count}, values?: list}. For rho and phi the last knot must be the
 *   cutoff (stop defaults to the cutoff) and the value there is 0, so `values` has count − 1 entries. Default
 *   initial values (documented shapes, not fitted results): ρ(r) = ((r_c − r)/(r_c − r_0))³, F(ρ) = −√ρ,
 *   φ(r) = 0.1·((r_c − r)/(r_c − r_0))⁴ (eV), with r_0 the first knot. The same knots serve every element/pair.
 * - kind snap → potentials/snap 'snap': `params` {twojmax (required), rcutfac (required), rfac0 = 0.99363,
 *   rmin0 = 0, radelem: {<el>: r} (default 0.5 each), wj: {<el>: w} (default 1 each), quadratic = false,
 *   switchflag = true, bzeroflag = true, wselfallflag = false, bnormflag = false} with LAMMPS's meanings and defaults.
 *   The cutoff follows from them (max rcutfac·(radelem_a + radelem_b)): `model.cutoff` may be omitted; when given it
 *   must equal that value. Coefficients start at 0 (the model is linear: the start does not matter).
 * - {from_lammps: path, style, elements} → the file read into the spec of its family: eam (funcfl, one element),
 *   eam/alloy and eam/fs (setfl) → 'eam-table'; tersoff → 'tersoff'; sw → 'sw'; snap → either
 *   `from_lammps: [x.snapcoeff, x.snapparam]` (the blocks of `elements`, in that order) → 'snap', or a `.snap`
 *   include file (LAMMPS input lines, io/lammps-snap.ts readSnapInclude) → 'snap', or 'overlay' of zbl + snap when
 *   it sets up `hybrid/overlay zbl … snap`; the include fixes the type order, so `elements` must list its elements
 *   in that order. Its parameters start from the file(s).
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.ts';
import { atomicNumber } from '../core/elements.ts';
import { readFuncfl, readSetfl, setflToSpec, funcflToSpec } from '../io/lammps-eam.ts';
import { readTersoffFile } from '../io/lammps-tersoff.ts';
import { readSnapFiles, readSnapInclude } from '../io/lammps-snap.ts';
import { loadSwFile } from '../io/lammps-sw.ts';
import { readText } from '../io/fs.ts';
import type { CutoffFunction } from '../potentials/cutoff.ts';
import type { EamSplineSpec, SplineTable } from '../potentials/eam-spline.ts';
import type { PairSpec } from '../potentials/pair.ts';
import { snapColumnCount, type SnapSpec } from '../potentials/snap/spec.ts';
import type { ModelSpec } from '../potentials/registry.ts';
import type { RawModel } from './schema.ts';
import { zodToConfigError } from './errors.ts';

export type { ModelSpec };

const num = z.number();
const PAIR_FORMS = {
  lj: z.strictObject({ epsilon: num, sigma: z.number().positive() }),
  morse: z.strictObject({ D0: num, alpha: z.number().positive(), r0: z.number().positive() }),
  buckingham: z.strictObject({ A: num, rho: z.number().positive(), C: num }),
} as const;

const KnotsSchema = z.union([
  z.array(z.number()).min(3),
  z.strictObject({ start: z.number().nonnegative(), stop: z.number().positive().optional(), count: z.number().int().min(3) }),
]);
const PairSplineParams = z.strictObject({ knots: KnotsSchema, phi: z.number().default(0) });
const EamTableParams = z.strictObject({ knots: KnotsSchema, values: z.array(z.number()).optional() });
const EamSplineParams = z.strictObject({ F: EamTableParams, rho: EamTableParams, phi: EamTableParams, fs: z.boolean().default(false) });

const SnapParams = z.strictObject({
  twojmax: z.number().int().min(0),
  rcutfac: z.number().positive(),
  rfac0: z.number().positive().max(1).default(0.99363),
  rmin0: z.number().nonnegative().default(0),
  radelem: z.record(z.string(), z.number().positive()).optional(),
  wj: z.record(z.string(), z.number()).optional(),
  quadratic: z.boolean().default(false),
  switchflag: z.boolean().default(true),
  bzeroflag: z.boolean().default(true),
  wselfallflag: z.boolean().default(false),
  bnormflag: z.boolean().default(false),
});

function parseWith<T>(schema: z.ZodType<T>, value: unknown, path: string, file: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw zodToConfigError(r.error, file, path);
  return r.data;
}

function knotList(k: z.infer<typeof KnotsSchema>, cutoff: number, path: string, file: string): number[] {
  if (Array.isArray(k)) return k;
  const stop = k.stop ?? cutoff;
  if (!(stop > k.start)) throw new ConfigError(`${path}.stop`, `must exceed start ${k.start}, got ${stop}`, file);
  return Array.from({ length: k.count }, (_, i) => k.start + ((stop - k.start) * i) / (k.count - 1));
}

function requireCutoff(m: RawModel, file: string): number {
  if (m.cutoff === undefined) throw new ConfigError('model.cutoff', `kind ${m.kind} needs a cutoff (Å)`, file);
  return m.cutoff;
}

function pairSpec(m: RawModel, file: string): PairSpec {
  const cutoff = requireCutoff(m, file);
  const kind = m.kind as PairSpec['kind'];
  const els = m.elements;
  const allPairs = (v: unknown): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (let a = 0; a < els.length; a++) for (let b = a; b < els.length; b++) out[`${els[a]}-${els[b]}`] = v;
    return out;
  };
  if (kind === 'pair-spline') {
    const p = parseWith(PairSplineParams, m.params ?? {}, 'model.params', file);
    const knots = knotList(p.knots, cutoff, 'model.params.knots', file);
    return {
      kind, elements: els, cutoff, cutoff_function: (m.cutoff_function ?? 'shifted-force') as CutoffFunction,
      pairs: allPairs({ knots, phi: knots.map(() => p.phi) }) as Record<string, { knots: number[]; phi: number[] }>,
    };
  }
  const form = PAIR_FORMS[kind];
  const params = m.params ?? {};
  if (Object.keys(params).length === 0) throw new ConfigError('model.params', `kind ${kind} needs initial parameters (${Object.keys(form.shape).join(', ')})`, file);
  const perPair = Object.keys(params).every((k) => k.includes('-'));
  const pairs: Record<string, unknown> = {};
  if (perPair) for (const [k, v] of Object.entries(params)) pairs[k] = parseWith(form as z.ZodType<unknown>, v, `model.params.${k}`, file);
  else Object.assign(pairs, allPairs(parseWith(form as z.ZodType<unknown>, params, 'model.params', file)));
  return { kind, elements: els, cutoff, cutoff_function: (m.cutoff_function ?? 'none') as CutoffFunction, pairs } as PairSpec;
}

function eamSplineSpec(m: RawModel, file: string): EamSplineSpec {
  const cutoff = requireCutoff(m, file);
  if (m.cutoff_function !== undefined) throw new ConfigError('model.cutoff_function', 'eam-spline goes to zero at the cutoff by construction (clamped splines); remove this key', file);
  const p = parseWith(EamSplineParams, m.params ?? {}, 'model.params', file);
  const n = m.elements.length;
  const table = (key: 'F' | 'rho' | 'phi', init: (x: number, x0: number) => number): SplineTable => {
    const path = `model.params.${key}`;
    const knots = knotList(p[key].knots, key === 'F' ? Number.NaN : cutoff, `${path}.knots`, file);
    if (knots.some((x) => !Number.isFinite(x))) throw new ConfigError(`${path}.knots.stop`, 'the embedding-function knots need an explicit stop (a density)', file);
    const radial = key !== 'F';
    const nFree = radial ? knots.length - 1 : knots.length;
    const values = p[key].values ?? knots.slice(0, nFree).map((x) => init(x, knots[0]));
    if (values.length !== nFree) throw new ConfigError(`${path}.values`, `expected ${nFree} values${radial ? ' (the value at the cutoff knot is 0)' : ''}, got ${values.length}`, file);
    if (radial && Math.abs(knots[knots.length - 1] - cutoff) > 1e-12) throw new ConfigError(`${path}.knots`, `the last knot must be the cutoff ${cutoff}`, file);
    if (radial) knots[knots.length - 1] = cutoff;
    return { knots, values };
  };
  const rhoT = () => table('rho', (r, r0) => ((cutoff - r) / (cutoff - r0)) ** 3);
  const phiT = () => table('phi', (r, r0) => 0.1 * ((cutoff - r) / (cutoff - r0)) ** 4);
  return {
    kind: 'eam-spline', elements: m.elements, cutoff, fs: p.fs || undefined,
    F: m.elements.map(() => table('F', (rho) => -Math.sqrt(Math.max(rho, 0)))),
    rho: Array.from({ length: p.fs ? n * n : n }, rhoT),
    phi: Array.from({ length: (n * (n + 1)) / 2 }, phiT),
  };
}

function perElement(v: Record<string, number> | undefined, els: string[], dflt: number, path: string, file: string): number[] {
  if (v === undefined) return els.map(() => dflt);
  for (const k of Object.keys(v)) if (!els.includes(k)) throw new ConfigError(`${path}.${k}`, `"${k}" is not one of model.elements (${els.join(', ')})`, file);
  return els.map((el) => {
    if (v[el] === undefined) throw new ConfigError(path, `no value for element ${el}`, file);
    return v[el];
  });
}

function snapSpec(m: RawModel, file: string): SnapSpec {
  if (m.cutoff_function !== undefined) throw new ConfigError('model.cutoff_function', 'snap has its own switching function (params.switchflag); remove this key', file);
  if (m.params === undefined) throw new ConfigError('model.params', 'kind snap needs params with at least twojmax and rcutfac', file);
  const p = parseWith(SnapParams, m.params, 'model.params', file);
  const els = m.elements;
  const radelem = perElement(p.radelem, els, 0.5, 'model.params.radelem', file);
  const wj = perElement(p.wj, els, 1, 'model.params.wj', file);
  let cutoff = 0;
  for (const a of radelem) for (const b of radelem) cutoff = Math.max(cutoff, p.rcutfac * (a + b));
  if (m.cutoff !== undefined && Math.abs(m.cutoff - cutoff) > 1e-9 * cutoff) {
    throw new ConfigError('model.cutoff', `snap's cutoff is rcutfac·(radelem_a + radelem_b) = ${cutoff}; omit model.cutoff or give that value`, file);
  }
  const spec: SnapSpec = {
    kind: 'snap', elements: els, cutoff, twojmax: p.twojmax, rcutfac: p.rcutfac, rfac0: p.rfac0, rmin0: p.rmin0, radelem, wj,
    switchflag: p.switchflag, bzeroflag: p.bzeroflag, quadratic: p.quadratic, wselfallflag: p.wselfallflag, chemflag: false,
    bnormflag: p.bnormflag, coefficients: [],
  };
  const nCol = snapColumnCount(spec);
  spec.coefficients = els.map(() => new Array<number>(nCol).fill(0));
  return spec;
}

function fromLammps(m: RawModel, baseResolve: (p: string) => string, file: string): ModelSpec {
  for (const key of ['kind', 'cutoff', 'cutoff_function', 'params'] as const) {
    if (m[key] !== undefined) throw new ConfigError(`model.${key}`, 'not allowed with model.from_lammps (the file defines the model)', file);
  }
  if (!m.style) throw new ConfigError('model.style', 'from_lammps needs the LAMMPS pair style of the file (eam, eam/alloy, eam/fs, tersoff, sw, snap)', file);
  const given = m.from_lammps!;
  const paths = (typeof given === 'string' ? [given] : given).map(baseResolve);
  paths.forEach((p, k) => {
    try {
      readText(p);
    } catch {
      throw new ConfigError(typeof given === 'string' ? 'model.from_lammps' : `model.from_lammps.${k}`, `no such file: ${p}`, file);
    }
  });
  if (m.style === 'snap') {
    if (paths.length === 2) return readSnapFiles(paths[0], paths[1], m.elements);
    if (/\.snap(coeff|param)$/i.test(paths[0])) {
      throw new ConfigError('model.from_lammps', `style snap reads a .snap include file or the pair [x.snapcoeff, x.snapparam], got only ${given}`, file);
    }
    const spec = readSnapInclude(paths[0]);
    if (spec.elements.join() !== m.elements.join()) {
      throw new ConfigError('model.elements', `the include maps LAMMPS types to ${spec.elements.join(' ')}; give them in that order`, file);
    }
    return spec;
  }
  if (paths.length !== 1) throw new ConfigError('model.from_lammps', `style ${m.style} reads one file; only style snap takes [coeff, param] files`, file);
  const path = paths[0];
  switch (m.style) {
    case 'eam': {
      const spec = funcflToSpec([readFuncfl(path)]);
      if (spec.elements.join() !== m.elements.join()) throw new ConfigError('model.elements', `the funcfl file is for ${spec.elements.join(', ')}`, file);
      return spec;
    }
    case 'eam/alloy':
    case 'eam/fs': {
      const spec = setflToSpec(readSetfl(path, m.style));
      if (spec.elements.join() !== m.elements.join()) throw new ConfigError('model.elements', `the file lists elements ${spec.elements.join(' ')}; give them in that order`, file);
      return spec;
    }
    case 'tersoff':
      return readTersoffFile(readText(path), path, m.elements);
    case 'sw':
      return loadSwFile(path, m.elements);
  }
}

/** The model spec of a config's `model` section. `resolvePath` maps a config-relative path to an absolute one. */
export function modelSpecFromConfig(m: RawModel, resolvePath: (p: string) => string, file: string): ModelSpec {
  m.elements.forEach((el, i) => {
    if (atomicNumber(el) === undefined) throw new ConfigError(`model.elements.${i}`, `"${el}" is not a chemical symbol`, file);
  });
  if (new Set(m.elements).size !== m.elements.length) throw new ConfigError('model.elements', 'an element is listed twice', file);
  if (m.from_lammps !== undefined) return fromLammps(m, resolvePath, file);
  if (m.style !== undefined) throw new ConfigError('model.style', 'only used with model.from_lammps', file);
  switch (m.kind) {
    case undefined:
      throw new ConfigError('model.kind', 'give a model kind (lj, morse, buckingham, pair-spline, eam-spline) or model.from_lammps', file);
    case 'lj':
    case 'morse':
    case 'buckingham':
    case 'pair-spline':
      return pairSpec(m, file);
    case 'eam-spline':
      return eamSplineSpec(m, file);
    case 'snap':
      return snapSpec(m, file);
  }
}
