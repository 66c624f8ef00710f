/**
 * extxyz reader and writer: text ↔ Configuration[] (src/structure/types.ts). Units are the file's, which are
 * the internal ones (Å, eV, eV/Å, eV/Å³); the only conversions are GAP's virial → stress and GAP's sigmas.
 *
 * A frame is: atom count; a comment line of key=value pairs (src/io/keyvalue.ts); one line per atom whose
 * columns are declared by `Properties=name:T:n:...` (T = S string, R real, I integer, L logical).
 *
 * What is read (first key present wins; REF_* first because fitting files keep the reference data there next
 * to model predictions under the plain name; every option below overrides the list):
 * - species: column `species` (symbols, case-insensitive as ASE) or integer column `Z`; positions `pos` (Å).
 * - cell: `Lattice` = 9 numbers, rows are the cell vectors a1 a2 a3 (Å). No Lattice: zero cell, non-periodic.
 *   `pbc` ("T T T", "T F T", [True, ...]); missing with a Lattice means periodic (as ASE).
 * - energy (eV): REF_energy, energy, free_energy. `free_energy`, when present, is also kept as labels.freeEnergy.
 *   We prefer `energy` over `free_energy` because extxyz writers (ASE's own included) put the force-consistent
 *   value a fit should use in `energy`; a file that follows ASE's VASP convention (forces consistent with the
 *   free energy) can be read with `energyKey: 'free_energy'`.
 * - forces (eV/Å): columns REF_forces, forces, force (GAP). Per-atom energies (eV): REF_energies, energies,
 *   local_energy.
 * - stress (eV/Å³, ASE sign, tensile positive): REF_stress, stress, as 9 numbers (3x3, symmetrised: off-diagonal
 *   pairs averaged) or 6 in ASE Voigt order xx yy zz yz xz xy. If absent, GAP's virial (eV, W = -V σ) from
 *   REF_virial, virial (9 or 6) is converted to σ = -W/V; that needs a Lattice.
 * - `stress_mask` = 6 flags (0/1) in internal Voigt order → labels.stressMask (a pesfit key, written below).
 * - `energy_no_entropy` → labels.energyNoEntropy (a pesfit key, so VASP-derived data survive a round trip).
 * - `config_type` → group (default DEFAULT_GROUP), `weight` → weight (default 1).
 * - GAP per-configuration sigmas, which GAP treats as absolute (not per atom) whatever `sigma_per_atom` says:
 *   `energy_sigma` (eV, total energy) → sigma.energy = energy_sigma / sqrt(N) (eV/atom, the seed's
 *   Var(ΔE) = N σ_e²); `force_sigma` (eV/Å) → sigma.force; `virial_sigma` (eV) → sigma.stress = virial_sigma / V.
 * - every other comment key → info: numbers, booleans (T/F/True/False) and arrays of them, else the string.
 *   Label keys not chosen (e.g. `energy` when REF_energy was used) go to info too. Per-atom columns other than
 *   the ones above are ignored.
 *
 * Errors are ParseErrors naming file, line and 0-based frame. Blank lines between and after frames are skipped.
 * A Properties key is required (a plain xyz comment line is free text, which we refuse to guess at).
 *
 * The writer can add extra per-atom real columns (ExtxyzWriteOptions.atomColumns, e.g. REF_forces beside
 * predicted forces); their names must not clash with the columns it writes itself.
 * The writer prints every double as JS's shortest round-trip representation, so reading what it writes gives
 * bit-identical numbers (sigmas and virial-derived stresses go through one multiply/divide, ±1 ulp).
 */
import { ParseError, UserError, type FileLocation } from '../core/errors.ts';
import { atomicNumber, symbolOf } from '../core/elements.ts';
import { det3 } from '../core/mat3.ts';
import { VOIGT_PAIRS, voigtToFull } from '../core/voigt.ts';
import {
  DEFAULT_GROUP,
  type Configuration,
  type InfoValue,
  type Labels,
  type Sigmas,
  type Structure,
} from '../structure/types.ts';
import { readText, writeAtomic } from './fs.ts';
import { quoteIfNeeded, splitItems, tokenizeKeyValues, type KeyValue } from './keyvalue.ts';

export interface ExtxyzReadOptions {
  /** Comment key of the reference energy (eV). Default: first of REF_energy, energy, free_energy. */
  energyKey?: string;
  /** Per-atom column of the reference forces (eV/Å, R:3). Default: first of REF_forces, forces, force. */
  forcesKey?: string;
  /** Comment key of the stress (eV/Å³, ASE sign, 9 or 6 numbers). Default: first of REF_stress, stress. */
  stressKey?: string;
  /** Comment key of a GAP virial (eV, 9 or 6), used when no stress key is present. Default: REF_virial, virial. */
  virialKey?: string;
  /** Per-atom column of per-atom energies (eV, R:1). Default: first of REF_energies, energies, local_energy. */
  atomEnergiesKey?: string;
}

const ENERGY_KEYS = ['REF_energy', 'energy', 'free_energy'];
const FORCES_KEYS = ['REF_forces', 'forces', 'force'];
const STRESS_KEYS = ['REF_stress', 'stress'];
const VIRIAL_KEYS = ['REF_virial', 'virial'];
const ATOM_ENERGY_KEYS = ['REF_energies', 'energies', 'local_energy'];

/** Keys the writer emits itself; info entries with these names are not written (the label is). */
const WRITTEN_KEYS = new Set([
  'Lattice', 'Properties', 'pbc', 'energy', 'free_energy', 'energy_no_entropy', 'stress', 'stress_mask',
  'config_type', 'weight', 'energy_sigma', 'force_sigma', 'virial_sigma',
]);

type ColumnType = 'S' | 'R' | 'I' | 'L';

interface Column {
  name: string;
  type: ColumnType;
  width: number;
  /** Index of the first token of this column in an atom line. */
  offset: number;
}

const INTEGER = /^[+-]?\d+$/;
const NON_FINITE_WORD = /^[+-]?(nan|inf|infinity)$/i;

function isNonFiniteWord(tok: string): boolean {
  return NON_FINITE_WORD.test(tok);
}

/** Number() accepts '' and whitespace as 0; our tokens are never empty, so NaN means "not a number". */
function toNumber(tok: string): number {
  return tok === '' ? NaN : Number(tok);
}

function parseBool(tok: string): boolean | undefined {
  switch (tok) {
    case 'T': case 'True': case 'true': case 'TRUE': return true;
    case 'F': case 'False': case 'false': case 'FALSE': return false;
    default: return undefined;
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();
}

/** Converts an info value: all items numeric → number(s); all items booleans → boolean(s); else the string. */
function infoValue(raw: string, bare: boolean): InfoValue {
  if (bare) return true;
  const items = splitItems(raw);
  if (items.length === 0) return raw;
  const nums = items.map(toNumber);
  if (nums.every(Number.isFinite)) return nums.length === 1 ? nums[0] : nums;
  const bools = items.map(parseBool);
  if (bools.every((b) => b !== undefined)) return bools.length === 1 ? (bools[0] as boolean) : (bools as boolean[]);
  return raw;
}

interface Header {
  cell: Float64Array;
  pbc: [boolean, boolean, boolean];
  hasLattice: boolean;
  columns: Column[];
  nTokens: number;
  pairs: Map<string, KeyValue>;
}

class FrameReader {
  constructor(private readonly file: string) {}

  fail(line: number, frame: number, detail: string): never {
    const loc: FileLocation = { file: this.file, line, frame };
    throw new ParseError(loc, detail);
  }

  /** A finite number from a comment-line value, or a located error naming the key. */
  numbers(kv: KeyValue, line: number, frame: number): number[] {
    if (kv.bare) this.fail(line, frame, `key ${kv.key} needs a value`);
    const items = splitItems(kv.value);
    return items.map((tok) => {
      const v = toNumber(tok);
      if (Number.isFinite(v)) return v;
      if (isNonFiniteWord(tok) || (Number.isNaN(v) === false && !Number.isFinite(v)))
        this.fail(line, frame, `key ${kv.key}: non-finite value '${tok}', expected a finite number`);
      return this.fail(line, frame, `key ${kv.key}: '${tok}' is not a number`);
    });
  }

  scalar(kv: KeyValue, line: number, frame: number): number {
    const v = this.numbers(kv, line, frame);
    if (v.length !== 1) this.fail(line, frame, `key ${kv.key}: expected one number, got ${v.length} items`);
    return v[0];
  }

  header(comment: string, line: number, frame: number): Header {
    const list = tokenizeKeyValues(comment, (detail) => this.fail(line, frame, `comment line: ${detail}`));
    const pairs = new Map<string, KeyValue>();
    for (const kv of list) {
      if (pairs.has(kv.key)) this.fail(line, frame, `key ${kv.key} appears twice (column ${kv.column})`);
      pairs.set(kv.key, kv);
    }

    const cell = new Float64Array(9);
    const lat = pairs.get('Lattice');
    if (lat) {
      const v = this.numbers(lat, line, frame);
      if (v.length !== 9)
        this.fail(line, frame, `Lattice has ${v.length} numbers, expected 9 (rows a1 a2 a3 of the cell, Å)`);
      cell.set(v);
    }

    let pbc: [boolean, boolean, boolean] = lat ? [true, true, true] : [false, false, false];
    const pbcKv = pairs.get('pbc');
    if (pbcKv) {
      const items = pbcKv.bare ? ['T'] : splitItems(pbcKv.value);
      const b = items.map(parseBool);
      if (b.length === 1 && b[0] !== undefined) pbc = [b[0], b[0], b[0]];
      else if (b.length === 3 && b.every((x) => x !== undefined)) pbc = [b[0]!, b[1]!, b[2]!];
      else this.fail(line, frame, `pbc="${pbcKv.value}": expected 3 flags T or F, e.g. pbc="T T T"`);
      if (!lat && (pbc[0] || pbc[1] || pbc[2]))
        this.fail(line, frame, `pbc="${pbcKv.value}" is periodic but there is no Lattice`);
    }

    const props = pairs.get('Properties');
    if (!props || props.bare)
      this.fail(line, frame, 'missing Properties=..., expected e.g. Properties=species:S:1:pos:R:3');
    const f = props.value.split(':');
    if (f.length % 3 !== 0 || f.length === 0)
      this.fail(line, frame, `Properties=${props.value}: expected name:type:count triplets`);
    const columns: Column[] = [];
    const seen = new Set<string>();
    let offset = 0;
    for (let k = 0; k < f.length; k += 3) {
      const name = f[k], type = f[k + 1], cnt = f[k + 2];
      if (type !== 'S' && type !== 'R' && type !== 'I' && type !== 'L')
        this.fail(line, frame, `Properties: column ${name} has type '${type}', expected S, R, I or L`);
      if (!/^\d+$/.test(cnt) || Number(cnt) < 1)
        this.fail(line, frame, `Properties: column ${name} has count '${cnt}', expected a positive integer`);
      if (seen.has(name)) this.fail(line, frame, `Properties: column ${name} declared twice`);
      seen.add(name);
      const width = Number(cnt);
      columns.push({ name, type, width, offset });
      offset += width;
    }
    return { cell, pbc, hasLattice: lat !== undefined, columns, nTokens: offset, pairs };
  }
}

/**
 * Row-major 3x3 → internal Voigt, averaging off-diagonal pairs. Equal pairs (every symmetric file) are copied,
 * not averaged, so the value is bit-exact even at the edges of the double range where a + b would overflow.
 */
function symmetricVoigt(m: readonly number[]): Float64Array {
  const avg = (a: number, b: number): number => (a === b ? a : 0.5 * a + 0.5 * b);
  const out = new Float64Array(6);
  for (let k = 0; k < 6; k++) {
    const [i, j] = VOIGT_PAIRS[k];
    out[k] = avg(m[3 * i + j], m[3 * j + i]);
  }
  return out;
}

function findColumn(h: Header, names: readonly string[]): Column | undefined {
  for (const n of names) {
    const c = h.columns.find((col) => col.name === n);
    if (c) return c;
  }
  return undefined;
}

function firstKey(pairs: Map<string, KeyValue>, names: readonly string[]): KeyValue | undefined {
  for (const n of names) {
    const kv = pairs.get(n);
    if (kv) return kv;
  }
  return undefined;
}

/** Name of one token of a column for error messages: `pos[1]`, or `energies` for a one-wide column. */
function colName(col: Column, k: number): string {
  return col.width === 1 ? col.name : `${col.name}[${k}]`;
}

function describeColumns(cols: Column[]): string {
  return cols.map((c) => `${c.name}:${c.type}:${c.width}`).join(' ');
}

export function parseExtxyz(text: string, file: string, opts: ExtxyzReadOptions = {}): Configuration[] {
  const lines = text.split('\n');
  const reader = new FrameReader(file);
  const configs: Configuration[] = [];
  let li = 0;
  while (li < lines.length) {
    const countText = lines[li].trim();
    if (countText === '') {
      li++;
      continue;
    }
    const frame = configs.length;
    const countLine = li + 1;
    if (!INTEGER.test(countText))
      reader.fail(countLine, frame, `expected the atom count (a non-negative integer), got '${countText}'`);
    const n = Number(countText);
    if (n < 0) reader.fail(countLine, frame, `negative atom count ${n}`);
    // A file ending in a newline splits into a last empty string: that is end of file, not an empty comment.
    if (li + 1 >= lines.length || (li + 2 === lines.length && lines[li + 1].trim() === ''))
      reader.fail(countLine, frame, 'end of file: expected the comment line');
    const h = reader.header(lines[li + 1], countLine + 1, frame);
    configs.push(readFrame(reader, lines, li + 2, n, h, file, frame, countLine, opts));
    li += 2 + n;
  }
  if (configs.length === 0) reader.fail(1, 0, 'empty file: expected an atom count on the first line');
  return configs;
}

function readFrame(
  reader: FrameReader,
  lines: string[],
  first: number,
  n: number,
  h: Header,
  file: string,
  frame: number,
  countLine: number,
  opts: ExtxyzReadOptions,
): Configuration {
  const commentLine = countLine + 1;
  const fail: (line: number, detail: string) => never = (line, detail) => reader.fail(line, frame, detail);

  const posCol = h.columns.find((c) => c.name === 'pos');
  if (!posCol) fail(commentLine, `Properties has no pos column, expected pos:R:3 (${describeColumns(h.columns)})`);
  if (posCol.type !== 'R' || posCol.width !== 3) fail(commentLine, `pos is ${posCol.type}:${posCol.width}, expected pos:R:3`);
  const symCol = h.columns.find((c) => c.name === 'species');
  const zCol = h.columns.find((c) => c.name === 'Z');
  if (!symCol && !zCol) fail(commentLine, 'Properties has neither a species:S:1 nor a Z:I:1 column');
  if (symCol && symCol.width !== 1) fail(commentLine, `species has ${symCol.width} columns, expected 1`);
  if (zCol && (zCol.type !== 'I' || zCol.width !== 1)) fail(commentLine, `Z is ${zCol.type}:${zCol.width}, expected Z:I:1`);
  const forceCol = opts.forcesKey !== undefined ? findColumn(h, [opts.forcesKey]) : findColumn(h, FORCES_KEYS);
  if (forceCol && (forceCol.type !== 'R' || forceCol.width !== 3))
    fail(commentLine, `${forceCol.name} is ${forceCol.type}:${forceCol.width}, expected ${forceCol.name}:R:3`);
  const eCol =
    opts.atomEnergiesKey !== undefined ? findColumn(h, [opts.atomEnergiesKey]) : findColumn(h, ATOM_ENERGY_KEYS);
  if (eCol && (eCol.type !== 'R' || eCol.width !== 1))
    fail(commentLine, `${eCol.name} is ${eCol.type}:${eCol.width}, expected ${eCol.name}:R:1`);

  const species = new Int32Array(n);
  const positions = new Float64Array(3 * n);
  const forces = forceCol ? new Float64Array(3 * n) : undefined;
  const atomEnergies = eCol ? new Float64Array(n) : undefined;
  // Destination of each real column (by offset), so the atom loop is one pass over the tokens.
  const sinks: (Float64Array | undefined)[] = h.columns.map((c) =>
    c === posCol ? positions : c === forceCol ? forces : c === eCol ? atomEnergies : undefined,
  );

  for (let a = 0; a < n; a++) {
    const idx = first + a;
    const lineNo = idx + 1;
    if (idx >= lines.length || (lines[idx].trim() === '' && idx >= lines.length - 1))
      fail(countLine, `truncated frame: end of file after ${a} atom lines, expected ${n}`);
    const t = lines[idx].trim();
    if (t === '') fail(lineNo, `truncated frame: blank line after ${a} atom lines, expected ${n}`);
    const tok = t.split(/\s+/);
    if (tok.length !== h.nTokens) {
      if (tok.length === 1 && INTEGER.test(tok[0]))
        fail(lineNo, `truncated frame: ${a} atom lines, expected ${n} (this line looks like the next frame's atom count)`);
      fail(lineNo, `atom line has ${tok.length} columns, expected ${h.nTokens} (${describeColumns(h.columns)})`);
    }
    for (let c = 0; c < h.columns.length; c++) {
      const col = h.columns[c];
      const sink = sinks[c];
      for (let k = 0; k < col.width; k++) {
        const s = tok[col.offset + k];
        if (col.type === 'R') {
          const v = toNumber(s);
          if (!Number.isFinite(v)) {
            if (isNonFiniteWord(s) || !Number.isNaN(v))
              fail(lineNo, `column ${colName(col, k)}: non-finite value '${s}', expected a finite number`);
            fail(lineNo, `column ${colName(col, k)}: '${s}' is not a number`);
          }
          if (sink) sink[col.width * a + k] = v;
        } else if (col.type === 'I') {
          if (!INTEGER.test(s)) fail(lineNo, `column ${colName(col, k)}: '${s}' is not an integer`);
        } else if (col.type === 'L') {
          if (parseBool(s) === undefined) fail(lineNo, `column ${colName(col, k)}: '${s}' is not a logical (T or F)`);
        }
      }
    }
    if (symCol) {
      const s = tok[symCol.offset];
      const z = symCol.type === 'I' ? (INTEGER.test(s) ? Number(s) : -1) : atomicNumber(s) ?? atomicNumber(capitalize(s));
      if (z === undefined || z < 0 || z >= 119) fail(lineNo, `column species: unknown element '${s}'`);
      species[a] = z;
    }
    if (zCol) {
      const z = Number(tok[zCol.offset]);
      if (z < 0 || z >= 119) fail(lineNo, `column Z: no element with atomic number ${z}`);
      if (symCol && species[a] !== z)
        fail(lineNo, `columns species (${tok[symCol.offset]}) and Z (${z}) name different elements`);
      species[a] = z;
    }
  }

  const pairs = h.pairs;
  const used = new Set<string>(['Lattice', 'pbc', 'Properties']);
  const take = (kv: KeyValue | undefined): KeyValue | undefined => {
    if (kv) used.add(kv.key);
    return kv;
  };
  const labels: Labels = {};
  const eKv = take(opts.energyKey !== undefined ? pairs.get(opts.energyKey) : firstKey(pairs, ENERGY_KEYS));
  if (eKv) labels.energy = reader.scalar(eKv, commentLine, frame);
  const feKv = take(pairs.get('free_energy'));
  if (feKv) labels.freeEnergy = reader.scalar(feKv, commentLine, frame);
  const eneKv = take(pairs.get('energy_no_entropy'));
  if (eneKv) labels.energyNoEntropy = reader.scalar(eneKv, commentLine, frame);
  if (forces) labels.forces = forces;
  if (atomEnergies) labels.atomEnergies = atomEnergies;

  const volume = Math.abs(det3(h.cell));
  const sKv = take(opts.stressKey !== undefined ? pairs.get(opts.stressKey) : firstKey(pairs, STRESS_KEYS));
  const vKv = sKv ? undefined : take(opts.virialKey !== undefined ? pairs.get(opts.virialKey) : firstKey(pairs, VIRIAL_KEYS));
  const tensor = (kv: KeyValue, unit: string): Float64Array => {
    const v = reader.numbers(kv, commentLine, frame);
    if (v.length === 9) return symmetricVoigt(v);
    if (v.length === 6) return Float64Array.from(v);
    return fail(commentLine, `${kv.key} has ${v.length} numbers, expected 9 (3x3 row-major) or 6 (xx yy zz yz xz xy), ${unit}`);
  };
  if (sKv) labels.stress = tensor(sKv, 'eV/Å³');
  if (vKv) {
    const w = tensor(vKv, 'eV');
    if (!h.hasLattice || !(volume > 0))
      fail(commentLine, `${vKv.key} needs a Lattice with non-zero volume to be converted to stress (σ = -W/V)`);
    for (let k = 0; k < 6; k++) w[k] = -w[k] / volume;
    labels.stress = w;
  }
  const maskKv = take(pairs.get('stress_mask'));
  if (maskKv) {
    const m = reader.numbers(maskKv, commentLine, frame);
    if (m.length !== 6 || m.some((x) => x !== 0 && x !== 1))
      fail(commentLine, `stress_mask="${maskKv.value}": expected 6 flags 0 or 1 (xx yy zz yz xz xy)`);
    labels.stressMask = Uint8Array.from(m);
  }

  const groupKv = take(pairs.get('config_type'));
  if (groupKv && (groupKv.bare || groupKv.value === '')) fail(commentLine, 'config_type needs a value');
  const group = groupKv ? groupKv.value : DEFAULT_GROUP;
  const wKv = take(pairs.get('weight'));
  const weight = wKv ? reader.scalar(wKv, commentLine, frame) : 1;
  if (weight < 0) fail(commentLine, `weight=${weight}: expected a non-negative number`);

  const sigma: Sigmas = {};
  const esKv = take(pairs.get('energy_sigma'));
  if (esKv) sigma.energy = reader.scalar(esKv, commentLine, frame) / Math.sqrt(n);
  const fsKv = take(pairs.get('force_sigma'));
  if (fsKv) sigma.force = reader.scalar(fsKv, commentLine, frame);
  const vsKv = take(pairs.get('virial_sigma'));
  if (vsKv) {
    const vs = reader.scalar(vsKv, commentLine, frame);
    if (!h.hasLattice || !(volume > 0))
      fail(commentLine, 'virial_sigma needs a Lattice with non-zero volume to be converted to a stress sigma');
    sigma.stress = vs / volume;
  }
  for (const [k, s] of Object.entries(sigma))
    if (!(s >= 0)) fail(commentLine, `${k}_sigma must be non-negative, got ${s}`);

  const info: Record<string, InfoValue> = {};
  for (const [key, kv] of pairs) if (!used.has(key)) info[key] = infoValue(kv.value, kv.bare);

  const structure: Structure = { species, positions, cell: h.cell, pbc: h.pbc };
  const config: Configuration = { structure, labels, group, weight, source: { file, frame, line: countLine }, info };
  if (Object.keys(sigma).length > 0) config.sigma = sigma;
  return config;
}

export function readExtxyz(path: string, opts?: ExtxyzReadOptions): Configuration[] {
  return parseExtxyz(readText(path), path, opts);
}

// ---------------------------------------------------------------- writer

/** Shortest round-trip text of a double; keeps the sign of -0. Non-finite values are refused. */
function num(x: number, what: string, frame: number): string {
  if (!Number.isFinite(x)) throw new UserError(`extxyz writer: configuration ${frame}: ${what} is ${x}, expected a finite number`);
  return Object.is(x, -0) ? '-0' : String(x);
}

function nums(a: ArrayLike<number>, what: string, frame: number): string {
  const parts: string[] = [];
  for (let i = 0; i < a.length; i++) parts.push(num(a[i], what, frame));
  return parts.join(' ');
}

function str(s: string, what: string, frame: number): string {
  if (/[\n\r]/.test(s)) throw new UserError(`extxyz writer: configuration ${frame}: ${what} contains a line break`);
  return quoteIfNeeded(s);
}

function infoText(v: InfoValue, key: string, frame: number): string {
  if (typeof v === 'number') return num(v, key, frame);
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'string') return str(v, key, frame);
  const parts: string[] = [];
  for (const x of v as readonly (number | string | boolean)[]) {
    if (typeof x === 'number') parts.push(num(x, key, frame));
    else if (typeof x === 'boolean') parts.push(x ? 'T' : 'F');
    else parts.push(x);
  }
  return str(parts.join(' '), key, frame);
}

/** An extra per-atom real column: `width` numbers per atom, atom-major. */
export interface ExtxyzAtomColumn {
  name: string;
  width: 1 | 3;
  values: ArrayLike<number>;
}

export interface ExtxyzWriteOptions {
  /** Extra per-atom columns per configuration (index = frame), written after the label columns. */
  atomColumns?: readonly (readonly ExtxyzAtomColumn[] | undefined)[];
}

const OWN_COLUMNS = new Set(['species', 'pos', 'forces', 'energies']);

function formatFrame(c: Configuration, frame: number, extra: readonly ExtxyzAtomColumn[] = []): string {
  const s = c.structure;
  const n = s.species.length;
  const L = c.labels;
  const hasCell = s.cell.some((x) => x !== 0) || s.pbc.some((p) => p);
  const volume = Math.abs(det3(s.cell));
  if (L.forces && L.forces.length !== 3 * n)
    throw new UserError(`extxyz writer: configuration ${frame}: ${L.forces.length} force components for ${n} atoms`);
  if (L.atomEnergies && L.atomEnergies.length !== n)
    throw new UserError(`extxyz writer: configuration ${frame}: ${L.atomEnergies.length} per-atom energies for ${n} atoms`);

  let props = 'species:S:1:pos:R:3';
  if (L.forces) props += ':forces:R:3';
  if (L.atomEnergies) props += ':energies:R:1';
  for (const col of extra) {
    if (OWN_COLUMNS.has(col.name) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(col.name))
      throw new UserError(`extxyz writer: configuration ${frame}: extra column name '${col.name}' is reserved or not a valid name`);
    if (col.values.length !== col.width * n)
      throw new UserError(`extxyz writer: configuration ${frame}: column ${col.name} has ${col.values.length} values for ${n} atoms`);
    props += `:${col.name}:R:${col.width}`;
  }
  const kv: string[] = [];
  if (hasCell) kv.push(`Lattice="${nums(s.cell, 'Lattice', frame)}"`);
  kv.push(`Properties=${props}`);
  if (L.energy !== undefined) kv.push(`energy=${num(L.energy, 'energy', frame)}`);
  if (L.freeEnergy !== undefined) kv.push(`free_energy=${num(L.freeEnergy, 'free_energy', frame)}`);
  if (L.energyNoEntropy !== undefined) kv.push(`energy_no_entropy=${num(L.energyNoEntropy, 'energy_no_entropy', frame)}`);
  if (L.stress) kv.push(`stress="${nums(voigtToFull(L.stress), 'stress', frame)}"`);
  if (L.stressMask) kv.push(`stress_mask="${Array.from(L.stressMask).join(' ')}"`);
  kv.push(`config_type=${str(c.group, 'config_type', frame)}`);
  if (c.weight !== 1) kv.push(`weight=${num(c.weight, 'weight', frame)}`);
  const sg = c.sigma;
  if (sg?.energy !== undefined) kv.push(`energy_sigma=${num(sg.energy * Math.sqrt(n), 'energy_sigma', frame)}`);
  if (sg?.force !== undefined) kv.push(`force_sigma=${num(sg.force, 'force_sigma', frame)}`);
  if (sg?.stress !== undefined) {
    if (!(volume > 0))
      throw new UserError(`extxyz writer: configuration ${frame}: a stress sigma needs a cell with non-zero volume`);
    kv.push(`virial_sigma=${num(sg.stress * volume, 'virial_sigma', frame)}`);
  }
  for (const [key, v] of Object.entries(c.info)) {
    if (WRITTEN_KEYS.has(key)) continue;
    kv.push(`${str(key, 'info key', frame)}=${infoText(v, key, frame)}`);
  }
  kv.push(`pbc="${s.pbc.map((p) => (p ? 'T' : 'F')).join(' ')}"`);

  const out: string[] = [String(n), kv.join(' ')];
  const p = s.positions;
  for (let i = 0; i < n; i++) {
    let line = `${symbolOf(s.species[i])} ${num(p[3 * i], 'pos', frame)} ${num(p[3 * i + 1], 'pos', frame)} ${num(p[3 * i + 2], 'pos', frame)}`;
    if (L.forces) {
      const f = L.forces;
      line += ` ${num(f[3 * i], 'forces', frame)} ${num(f[3 * i + 1], 'forces', frame)} ${num(f[3 * i + 2], 'forces', frame)}`;
    }
    if (L.atomEnergies) line += ` ${num(L.atomEnergies[i], 'energies', frame)}`;
    for (const col of extra)
      for (let k = 0; k < col.width; k++) line += ` ${num(col.values[col.width * i + k], col.name, frame)}`;
    out.push(line);
  }
  return out.join('\n') + '\n';
}

export function formatExtxyz(configs: readonly Configuration[], opts: ExtxyzWriteOptions = {}): string {
  return configs.map((c, k) => formatFrame(c, k, opts.atomColumns?.[k])).join('');
}

export function writeExtxyz(path: string, configs: readonly Configuration[], opts: ExtxyzWriteOptions = {}): void {
  writeAtomic(path, formatExtxyz(configs, opts));
}
