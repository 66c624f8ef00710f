/**
 * mlearn / pymatgen JSON data sets (Zuo et al. 2020, the `mlearn` repository): reader and writer.
 *
 * File: a JSON list, one record per structure:
 *   structure.lattice.matrix  3x3, rows are the cell vectors (Å); optional structure.lattice.pbc (3 booleans,
 *                             newer pymatgen), otherwise fully periodic
 *   structure.sites[i].xyz    Cartesian position (Å) (`abc`, fractional, is used only when `xyz` is absent)
 *   structure.sites[i].species[0].element   element symbol
 *   outputs.energy            total energy of the cell (eV)
 *   outputs.forces            N x 3 (eV/Å)
 *   outputs.virial_stress     6 numbers, kbar, VASP sign (compression positive), optional (absent or null)
 *   group, description, tag, element, num_atoms, other scalar keys: metadata
 *
 * Stress: ASE stress (tensile positive, eV/Å³, internal Voigt order) = -value / KBAR_PER_EV_A3, with the six
 * values read in `stressOrder` (default the order mlearn's code declares, VOIGT_VASP = xx yy zz xy yz xz). The
 * off-diagonal order is not consistent across the published data (the Mo shear structures follow xy xz yz), so
 * the default `stress: 'diagonal'` keeps all six values but marks only xx, yy, zz as trusted in
 * labels.stressMask; 'full' trusts all six; 'none' drops the stress.
 *
 * Records map to Configurations with source.frame = record index; errors name the file, the record (frame) and
 * the key path.
 */
import { ParseError, UserError } from '../core/errors.ts';
import { atomicNumber, symbolOf } from '../core/elements.ts';
import { KBAR_PER_EV_A3 } from '../core/units.ts';
import { VOIGT_ASE, VOIGT_VASP, V, fromInternal, toInternal, type Component } from '../core/voigt.ts';
import { det3, inv3 } from '../core/mat3.ts';
import { DEFAULT_GROUP, type Configuration, type InfoValue, type Labels } from '../structure/types.ts';
import { readText } from './fs.ts';

export type MlearnStressMode = 'full' | 'diagonal' | 'none';

export interface MlearnOptions {
  /** Which stress components to keep and trust (default 'diagonal', see the file comment). */
  stress?: MlearnStressMode;
  /** Order of the six virial_stress values in the file (default VOIGT_VASP, as mlearn declares). */
  stressOrder?: readonly Component[];
  /** Group for records without a `group` key (default DEFAULT_GROUP). */
  group?: string;
}

/** Keys of a record that are read into the structure/labels/group and therefore not copied into info. */
const RECORD_KEYS = new Set(['structure', 'outputs', 'group', 'num_atoms', 'weight']);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export function readMlearn(path: string, opts: MlearnOptions = {}): Configuration[] {
  return parseMlearn(readText(path), path, opts);
}

export function parseMlearn(text: string, file: string, opts: MlearnOptions = {}): Configuration[] {
  const mode = opts.stress ?? 'diagonal';
  if (mode !== 'full' && mode !== 'diagonal' && mode !== 'none') {
    throw new UserError(`mlearn stress option must be 'full', 'diagonal' or 'none', got '${String(mode)}'`);
  }
  const order = opts.stressOrder ?? VOIGT_VASP;
  checkOrder(order);
  const root = parseJson(text, file);
  if (!Array.isArray(root)) {
    throw new ParseError({ file, line: 1 }, `expected a JSON list of records, found ${kind(root)}`);
  }
  return root.map((rec, i) => readRecord(rec, new Ctx(file, i), mode, order, opts.group ?? DEFAULT_GROUP));
}

/** Location helper: every error names the file, the record index (frame) and the key path. */
class Ctx {
  constructor(
    readonly file: string,
    readonly frame: number,
  ) {}
  fail(path: string, what: string): never {
    throw new ParseError({ file: this.file, frame: this.frame }, `record ${this.frame}: ${path} ${what}`);
  }
}

function kind(v: Json | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)}`;
  return `${typeof v} ${String(v)}`;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function obj(v: Json | undefined, path: string, ctx: Ctx): JsonObject {
  if (v === undefined) ctx.fail(path, 'is missing');
  if (!isObject(v)) ctx.fail(path, `must be an object, found ${kind(v)}`);
  return v;
}

function list(v: Json | undefined, path: string, ctx: Ctx): Json[] {
  if (v === undefined) ctx.fail(path, 'is missing');
  if (!Array.isArray(v)) ctx.fail(path, `must be a list, found ${kind(v)}`);
  return v;
}

function num(v: Json | undefined, path: string, ctx: Ctx): number {
  if (v === undefined) ctx.fail(path, 'is missing');
  if (typeof v !== 'number' || !Number.isFinite(v)) ctx.fail(path, `must be a finite number, found ${kind(v)}`);
  return v;
}

/** A list of exactly `n` numbers written into `out` at offset `o`. */
function vec(v: Json | undefined, n: number, path: string, ctx: Ctx, out: Float64Array, o: number): void {
  const a = list(v, path, ctx);
  if (a.length !== n) ctx.fail(path, `has ${a.length} values, expected ${n}`);
  for (let k = 0; k < n; k++) out[o + k] = num(a[k], `${path}[${k}]`, ctx);
}

function readRecord(
  rec: Json,
  ctx: Ctx,
  mode: MlearnStressMode,
  order: readonly Component[],
  defaultGroup: string,
): Configuration {
  const r = obj(rec, '(record)', ctx);
  const st = obj(r.structure, 'structure', ctx);
  const lat = obj(st.lattice, 'structure.lattice', ctx);
  const m = list(lat.matrix, 'structure.lattice.matrix', ctx);
  if (m.length !== 3) ctx.fail('structure.lattice.matrix', `has ${m.length} rows, expected 3`);
  const cell = new Float64Array(9);
  for (let k = 0; k < 3; k++) vec(m[k], 3, `structure.lattice.matrix[${k}]`, ctx, cell, 3 * k);
  let pbc: [boolean, boolean, boolean] = [true, true, true];
  if (lat.pbc !== undefined && lat.pbc !== null) {
    const p = list(lat.pbc, 'structure.lattice.pbc', ctx);
    if (p.length !== 3 || !p.every((b) => typeof b === 'boolean')) {
      ctx.fail('structure.lattice.pbc', 'must be a list of 3 booleans');
    }
    pbc = [p[0] as boolean, p[1] as boolean, p[2] as boolean];
  }

  const sites = list(st.sites, 'structure.sites', ctx);
  const n = sites.length;
  if (n === 0) ctx.fail('structure.sites', 'is empty');
  if (r.num_atoms !== undefined && r.num_atoms !== null) {
    const na = num(r.num_atoms, 'num_atoms', ctx);
    if (na !== n) ctx.fail('structure.sites', `has ${n} sites, expected ${na} (num_atoms)`);
  }
  const species = new Int32Array(n);
  const positions = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const path = `structure.sites[${i}]`;
    const site = obj(sites[i], path, ctx);
    const sp = list(site.species, `${path}.species`, ctx);
    if (sp.length !== 1) {
      ctx.fail(`${path}.species`, `has ${sp.length} entries, expected 1 (partial occupancies are not supported)`);
    }
    const el = obj(sp[0], `${path}.species[0]`, ctx).element;
    if (typeof el !== 'string') ctx.fail(`${path}.species[0].element`, `must be an element symbol, found ${kind(el)}`);
    const z = atomicNumber(el);
    if (z === undefined || z === 0) ctx.fail(`${path}.species[0].element`, `is '${el}', not a known element symbol`);
    species[i] = z;
    if (site.xyz !== undefined) {
      vec(site.xyz, 3, `${path}.xyz`, ctx, positions, 3 * i);
    } else {
      const f = new Float64Array(3);
      vec(site.abc, 3, `${path}.abc (no xyz given)`, ctx, f, 0);
      for (let a = 0; a < 3; a++) positions[3 * i + a] = f[0] * cell[a] + f[1] * cell[3 + a] + f[2] * cell[6 + a];
    }
  }

  const out = obj(r.outputs, 'outputs', ctx);
  const labels: Labels = { energy: num(out.energy, 'outputs.energy', ctx) };
  const fr = list(out.forces, 'outputs.forces', ctx);
  if (fr.length !== n) ctx.fail('outputs.forces', `has ${fr.length} rows, expected ${n} (num_atoms)`);
  const forces = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) vec(fr[i], 3, `outputs.forces[${i}]`, ctx, forces, 3 * i);
  labels.forces = forces;

  if (mode !== 'none' && out.virial_stress !== undefined && out.virial_stress !== null) {
    const raw = new Float64Array(6);
    vec(out.virial_stress, 6, 'outputs.virial_stress', ctx, raw, 0);
    const s = toInternal(raw, order);
    for (let k = 0; k < 6; k++) s[k] = -s[k] / KBAR_PER_EV_A3;
    labels.stress = s;
    if (mode === 'diagonal') {
      const mask = new Uint8Array(6);
      mask[V.xx] = mask[V.yy] = mask[V.zz] = 1;
      labels.stressMask = mask;
    }
  }

  let group = defaultGroup;
  if (r.group !== undefined && r.group !== null) {
    if (typeof r.group !== 'string') ctx.fail('group', `must be a string, found ${kind(r.group)}`);
    group = r.group;
  }
  let weight = 1;
  if (r.weight !== undefined && r.weight !== null) {
    weight = num(r.weight, 'weight', ctx);
    if (weight < 0) ctx.fail('weight', `must be >= 0, found ${weight}`);
  }
  const info: Record<string, InfoValue> = {};
  for (const [k, v] of Object.entries(r)) {
    if (RECORD_KEYS.has(k)) continue;
    const iv = asInfo(v);
    if (iv !== undefined) info[k] = iv;
  }
  return {
    structure: { species, positions, cell, pbc },
    labels,
    group,
    weight,
    source: { file: ctx.file, frame: ctx.frame },
    info,
  };
}

/** Scalar metadata and flat lists of one scalar type are kept; nested objects are dropped. */
function asInfo(v: Json): InfoValue | undefined {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (Array.isArray(v) && v.length > 0) {
    if (v.every((x) => typeof x === 'number')) return v as number[];
    if (v.every((x) => typeof x === 'string')) return v as string[];
    if (v.every((x) => typeof x === 'boolean')) return v as boolean[];
  }
  return undefined;
}

function checkOrder(order: readonly Component[]): void {
  const seen = new Set(order);
  if (order.length !== 6 || seen.size !== 6 || !VOIGT_ASE.every((c) => seen.has(c))) {
    throw new UserError(`mlearn stressOrder must name each of ${VOIGT_ASE.join(' ')} once, got ${order.join(' ')}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// JSON with located syntax errors. JSON.parse does the work; on failure a small scanner finds the offset of the
// first error (V8's messages do not always carry a position) so the error can name line and column.

function parseJson(text: string, file: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    const { offset, expected } = locateJsonError(text);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    const rest = text.slice(offset, offset + 12);
    const found = offset >= text.length ? 'end of file' : JSON.stringify(rest.split(/[\s,\]}]/)[0] || rest[0]);
    const hint = /^-?(NaN|Infinity)/.test(rest)
      ? ' (NaN/Infinity are not JSON numbers: Python writes them for missing values)'
      : '';
    throw new ParseError({ file, line }, `invalid JSON at column ${column}: expected ${expected}, found ${found}${hint}`);
  }
}

/** Offset and expectation of the first syntax error in `text` (assumed invalid JSON). */
function locateJsonError(text: string): { offset: number; expected: string } {
  let p = 0;
  const n = text.length;
  class Stop {
    constructor(readonly expected: string) {}
  }
  const ws = (): void => {
    while (p < n && (text[p] === ' ' || text[p] === '\n' || text[p] === '\r' || text[p] === '\t')) p++;
  };
  const value = (): void => {
    ws();
    const c = text[p];
    if (c === '{') {
      p++;
      ws();
      if (text[p] === '}') return void p++;
      for (;;) {
        ws();
        if (text[p] !== '"') throw new Stop('a quoted key');
        string();
        ws();
        if (text[p] !== ':') throw new Stop("':'");
        p++;
        value();
        ws();
        if (text[p] === ',') p++;
        else if (text[p] === '}') return void p++;
        else throw new Stop("',' or '}'");
      }
    }
    if (c === '[') {
      p++;
      ws();
      if (text[p] === ']') return void p++;
      for (;;) {
        value();
        ws();
        if (text[p] === ',') p++;
        else if (text[p] === ']') return void p++;
        else throw new Stop("',' or ']'");
      }
    }
    if (c === '"') return string();
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, p)) return void (p += lit.length);
    }
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(p, p + 64));
    if (m) return void (p += m[0].length);
    throw new Stop('a value');
  };
  const string = (): void => {
    p++;
    while (p < n && text[p] !== '"') {
      if (text[p] === '\\') p++;
      else if (text.charCodeAt(p) < 0x20) throw new Stop('a closing quote');
      p++;
    }
    if (p >= n) throw new Stop('a closing quote');
    p++;
  };
  try {
    value();
    ws();
    return { offset: p, expected: 'end of file' };
  } catch (e) {
    if (e instanceof Stop) return { offset: p, expected: e.expected };
    if (e instanceof RangeError) return { offset: p, expected: 'less deeply nested data' };
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Writer

/**
 * Writes configurations as an mlearn JSON list with the same conventions the reader expects: kbar, VASP sign,
 * VOIGT_VASP order, pymatgen Structure dicts (with `abc` and lattice parameters so pymatgen can load them).
 * Every configuration needs a non-singular cell, an energy and forces; stress is written when present (all six
 * values, whatever its mask). One record per line.
 */
export function formatMlearn(configs: readonly Configuration[]): string {
  const lines = configs.map((c, i) => JSON.stringify(recordOf(c, i)));
  return lines.length === 0 ? '[]\n' : `[\n${lines.join(',\n')}\n]\n`;
}

function recordOf(c: Configuration, index: number): Record<string, unknown> {
  const { species, positions, cell, pbc } = c.structure;
  const n = species.length;
  const where = `configuration ${index}${c.source ? ` (${c.source.file}, frame ${c.source.frame})` : ''}`;
  const vol = det3(cell);
  if (vol === 0 || !Number.isFinite(vol)) throw new UserError(`${where}: mlearn JSON needs a periodic cell`);
  if (c.labels.energy === undefined || !Number.isFinite(c.labels.energy)) {
    throw new UserError(`${where}: mlearn JSON needs a finite energy`);
  }
  if (c.labels.forces === undefined) throw new UserError(`${where}: mlearn JSON needs forces`);
  const inv = inv3(cell);
  const row = (a: ArrayLike<number>, o: number): number[] => [a[o], a[o + 1], a[o + 2]];
  const len = (k: number): number => Math.hypot(cell[3 * k], cell[3 * k + 1], cell[3 * k + 2]);
  const angle = (j: number, k: number): number => {
    const d = cell[3 * j] * cell[3 * k] + cell[3 * j + 1] * cell[3 * k + 1] + cell[3 * j + 2] * cell[3 * k + 2];
    return (Math.acos(Math.max(-1, Math.min(1, d / (len(j) * len(k))))) * 180) / Math.PI;
  };
  const sites = [];
  for (let i = 0; i < n; i++) {
    const x = positions[3 * i], y = positions[3 * i + 1], z = positions[3 * i + 2];
    const abc = [0, 1, 2].map((a) => x * inv[a] + y * inv[3 + a] + z * inv[6 + a]);
    const el = symbolOf(species[i]);
    sites.push({ species: [{ element: el, occu: 1 }], abc, xyz: row(positions, 3 * i), label: el });
  }
  const outputs: Record<string, unknown> = { energy: c.labels.energy, forces: [] as number[][] };
  const f = c.labels.forces;
  outputs.forces = Array.from({ length: n }, (_, i) => row(f, 3 * i));
  if (c.labels.stress !== undefined) {
    const vasp = fromInternal(c.labels.stress, VOIGT_VASP);
    outputs.virial_stress = Array.from(vasp, (s) => -s * KBAR_PER_EV_A3);
  }
  const elements = [...new Set(Array.from(species, (z) => symbolOf(z)))];
  const rec: Record<string, unknown> = {
    structure: {
      '@module': 'pymatgen.core.structure',
      '@class': 'Structure',
      charge: null,
      lattice: {
        matrix: [row(cell, 0), row(cell, 3), row(cell, 6)],
        pbc: [...pbc],
        a: len(0), b: len(1), c: len(2),
        alpha: angle(1, 2), beta: angle(0, 2), gamma: angle(0, 1),
        volume: Math.abs(vol),
      },
      sites,
    },
    group: c.group,
    outputs,
    num_atoms: n,
    element: elements.join(''),
  };
  if (c.weight !== 1) rec.weight = c.weight;
  for (const [k, v] of Object.entries(c.info)) {
    if (!RECORD_KEYS.has(k)) rec[k] = v;
  }
  return rec;
}
