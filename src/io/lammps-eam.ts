/**
 * LAMMPS EAM potential files: read and write funcfl (`pair_style eam`), setfl (`eam/alloy`) and Finnis–Sinclair
 * setfl (`eam/fs`), and convert them to/from the internal tables of potentials/eam.ts (EamTableSpec).
 *
 * Formats (DYNAMO; numbers may be spread over lines freely within an array, each array starts on a new line):
 * - funcfl: line 1 comment; line 2 `Z mass a0 lattice`; line 3 `nrho drho nr dr cut`; then F(ρ) (nrho values,
 *   eV), Z(r) (nr values, in sqrt(Hartree·Bohr), φ = 27.2·0.529·Z_a Z_b / r), ρ(r) (nr values).
 * - setfl: lines 1–3 comments; line 4 `N el1 .. elN`; line 5 `nrho drho nr dr cut`; per element a line
 *   `Z mass a0 lattice`, F (nrho), ρ (nr) — for eam/fs N density arrays ρ_{el,1..N} instead of one —; then r·φ
 *   (eV·Å, nr values) for each pair i ≥ j in the order (1,1), (2,1), (2,2), ...
 * Grids are ρ_m = m·drho and r_m = m·dr (m from 0).
 *
 * Conversion to LAMMPS's internal tables follows pair_eam*.cpp file2array: setfl/fs tables are copied; funcfl
 * tables are re-gridded onto the largest spacing of the files with LAMMPS's 4-point Lagrange formula, keeping
 * int(rmax/dr + 0.5) points (one fewer than the file, as LAMMPS does), and r·φ_ab = 27.2·0.529·Z_a(r)·Z_b(r);
 * rhomax = max (nrho−1)·drho of the files.
 */
import { atomicNumber, symbolOf } from '../core/elements.ts';
import { ParseError, UserError } from '../core/errors.ts';
import { LAMMPS_FUNCFL_BOHR_A, LAMMPS_FUNCFL_HARTREE_EV } from '../core/units.ts';
import { densityTableCount, type EamTableSpec } from '../potentials/eam.ts';
import { regridFuncfl } from '../potentials/lammps-interp.ts';
import { readText } from './fs.ts';

export interface EamElementHeader {
  z: number;
  mass: number;
  latticeConstant: number;
  latticeType: string;
}

export interface FuncflFile {
  comment: string;
  header: EamElementHeader;
  nrho: number;
  drho: number;
  nr: number;
  dr: number;
  cut: number;
  F: Float64Array;
  Z: Float64Array;
  rho: Float64Array;
}

export interface SetflFile {
  style: 'eam/alloy' | 'eam/fs';
  comments: [string, string, string];
  elements: string[];
  headers: EamElementHeader[];
  nrho: number;
  drho: number;
  nr: number;
  dr: number;
  cut: number;
  /** per element */
  F: Float64Array[];
  /** eam/alloy: per element; eam/fs: element-major, rho[b·N + a] = block of element b, entry a */
  rho: Float64Array[];
  /** r·φ per pair i ≥ j, file order */
  rphi: Float64Array[];
}

/** Reads lines and numbers with their line numbers, for located errors. */
class Cursor {
  private line = 0;
  constructor(
    private readonly lines: string[],
    private readonly file: string,
  ) {}

  error(detail: string): ParseError {
    return new ParseError({ file: this.file, line: Math.min(this.line, this.lines.length) }, detail);
  }

  /** The next line's whitespace-separated tokens (blank lines skipped inside data). */
  tokens(what: string, skipBlank = true): string[] {
    for (;;) {
      if (this.line >= this.lines.length) {
        throw new ParseError({ file: this.file, line: this.lines.length }, `unexpected end of file, expected ${what}`);
      }
      const t = this.lines[this.line++].trim();
      if (t === '' && skipBlank) continue;
      return t === '' ? [] : t.split(/\s+/);
    }
  }

  rawLine(what: string): string {
    if (this.line >= this.lines.length) throw this.error(`unexpected end of file, expected ${what}`);
    return this.lines[this.line++];
  }

  num(tok: string | undefined, what: string): number {
    const v = tok === undefined ? NaN : Number(tok.replace(/[dD]/, 'e'));
    if (!Number.isFinite(v)) throw this.error(`expected ${what}, got ${tok === undefined ? 'nothing' : `"${tok}"`}`);
    return v;
  }

  int(tok: string | undefined, what: string): number {
    const v = this.num(tok, what);
    if (!Number.isInteger(v)) throw this.error(`expected an integer ${what}, got "${tok}"`);
    return v;
  }

  /** n numbers starting on a new line; the last line must not hold more than needed. */
  array(n: number, what: string): Float64Array {
    const out = new Float64Array(n);
    let k = 0;
    while (k < n) {
      const t = this.tokens(`${n - k} more values of ${what}`);
      if (k + t.length > n) throw this.error(`${what}: line holds ${k + t.length - n} values more than the ${n} expected`);
      for (const s of t) out[k++] = this.num(s, `a number in ${what}`);
    }
    return out;
  }

  header(what: string): EamElementHeader {
    const t = this.tokens(`the ${what} line "Z mass lattice-constant lattice-type"`);
    if (t.length < 2) throw this.error(`${what}: expected "Z mass lattice-constant lattice-type"`);
    return {
      z: this.int(t[0], 'atomic number'),
      mass: this.num(t[1], 'mass'),
      latticeConstant: t[2] === undefined ? 0 : this.num(t[2], 'lattice constant'),
      latticeType: t[3] ?? '',
    };
  }

  grid(): { nrho: number; drho: number; nr: number; dr: number; cut: number } {
    const t = this.tokens('the grid line "nrho drho nr dr cutoff"');
    if (t.length < 5) throw this.error('expected "nrho drho nr dr cutoff"');
    const g = {
      nrho: this.int(t[0], 'nrho'), drho: this.num(t[1], 'drho'), nr: this.int(t[2], 'nr'), dr: this.num(t[3], 'dr'),
      cut: this.num(t[4], 'cutoff'),
    };
    if (g.nrho < 5 || g.nr < 5) throw this.error(`tables need at least 5 points, got nrho=${g.nrho} nr=${g.nr}`);
    if (!(g.drho > 0 && g.dr > 0 && g.cut > 0)) throw this.error('drho, dr and the cutoff must be positive');
    return g;
  }
}

function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

export function parseFuncfl(text: string, file: string): FuncflFile {
  const c = new Cursor(splitLines(text), file);
  const comment = c.rawLine('the comment line');
  const header = c.header('element');
  const g = c.grid();
  const F = c.array(g.nrho, 'F(rho)');
  const Z = c.array(g.nr, 'Z(r)');
  const rho = c.array(g.nr, 'rho(r)');
  return { comment, header, ...g, F, Z, rho };
}

export function parseSetfl(text: string, file: string, style: 'eam/alloy' | 'eam/fs'): SetflFile {
  const c = new Cursor(splitLines(text), file);
  const comments: [string, string, string] = [c.rawLine('comment line 1'), c.rawLine('comment line 2'), c.rawLine('comment line 3')];
  const t = c.tokens('the element line "N el1 ... elN"');
  const n = c.int(t[0], 'number of elements');
  if (n < 1 || t.length < n + 1) throw c.error(`expected ${n} element symbols after N, got ${t.length - 1}`);
  const elements = t.slice(1, n + 1);
  for (const e of elements) if (atomicNumber(e) === undefined) throw c.error(`unknown element "${e}"`);
  const g = c.grid();
  const headers: EamElementHeader[] = [], F: Float64Array[] = [], rho: Float64Array[] = [];
  for (let a = 0; a < n; a++) {
    headers.push(c.header(`element ${elements[a]}`));
    F.push(c.array(g.nrho, `F(rho) of ${elements[a]}`));
    if (style === 'eam/fs') {
      for (let b = 0; b < n; b++) rho.push(c.array(g.nr, `rho(r) of ${elements[a]}-${elements[b]}`));
    } else {
      rho.push(c.array(g.nr, `rho(r) of ${elements[a]}`));
    }
  }
  const rphi: Float64Array[] = [];
  for (let a = 0; a < n; a++) for (let b = 0; b <= a; b++) rphi.push(c.array(g.nr, `r*phi(r) of ${elements[a]}-${elements[b]}`));
  return { style, comments, elements, headers, ...g, F, rho, rphi };
}

export function readFuncfl(path: string): FuncflFile {
  return parseFuncfl(readText(path), path);
}

export function readSetfl(path: string, style: 'eam/alloy' | 'eam/fs'): SetflFile {
  return parseSetfl(readText(path), path, style);
}

/** Numbers 5 per line, shortest round-trip representation (what LAMMPS reads back bit-exactly). */
function formatArray(a: ArrayLike<number>): string {
  const lines: string[] = [];
  for (let k = 0; k < a.length; k += 5) {
    const row: string[] = [];
    for (let q = k; q < Math.min(k + 5, a.length); q++) row.push(String(a[q]));
    lines.push(row.join(' '));
  }
  return lines.join('\n') + '\n';
}

function formatHeader(h: EamElementHeader): string {
  return `${h.z} ${h.mass} ${h.latticeConstant} ${h.latticeType || 'unknown'}\n`;
}

function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

export function writeFuncfl(f: FuncflFile): string {
  return (
    `${oneLine(f.comment)}\n${formatHeader(f.header)}${f.nrho} ${f.drho} ${f.nr} ${f.dr} ${f.cut}\n` +
    formatArray(f.F) + formatArray(f.Z) + formatArray(f.rho)
  );
}

export function writeSetfl(f: SetflFile): string {
  let s = f.comments.map((c) => oneLine(c) + '\n').join('');
  s += `${f.elements.length} ${f.elements.join(' ')}\n${f.nrho} ${f.drho} ${f.nr} ${f.dr} ${f.cut}\n`;
  const n = f.elements.length;
  const perEl = f.style === 'eam/fs' ? n : 1;
  for (let a = 0; a < n; a++) {
    s += formatHeader(f.headers[a]) + formatArray(f.F[a]);
    for (let b = 0; b < perEl; b++) s += formatArray(f.rho[a * perEl + b]);
  }
  for (const t of f.rphi) s += formatArray(t);
  return s;
}

/** LAMMPS's internal tables of a setfl / eam/fs file (file2array copies them). */
export function setflToSpec(f: SetflFile): EamTableSpec {
  return {
    kind: 'eam-table', style: f.style, elements: [...f.elements], cutoff: f.cut,
    masses: f.headers.map((h) => h.mass),
    nrho: f.nrho, drho: f.drho, nr: f.nr, dr: f.dr, rhomax: (f.nrho - 1) * f.drho,
    F: f.F.map((t) => Array.from(t)), rho: f.rho.map((t) => Array.from(t)), rphi: f.rphi.map((t) => Array.from(t)),
  };
}

/**
 * LAMMPS's internal tables for funcfl files, one per element (pair_style eam with `pair_coeff i i file` per
 * type, in this order). Elements are named by each file's atomic number; two files of one element are an error.
 */
export function funcflToSpec(files: readonly FuncflFile[]): EamTableSpec {
  if (files.length === 0) throw new UserError('funcflToSpec: no funcfl files given');
  const elements = files.map((f) => symbolOf(f.header.z));
  if (new Set(elements).size !== elements.length) throw new UserError(`funcfl files repeat an element: ${elements.join(', ')}`);
  let dr = 0, drho = 0, rmax = 0, rhomax = 0;
  for (const f of files) {
    dr = Math.max(dr, f.dr);
    drho = Math.max(drho, f.drho);
    rmax = Math.max(rmax, (f.nr - 1) * f.dr);
    rhomax = Math.max(rhomax, (f.nrho - 1) * f.drho);
  }
  const nr = Math.trunc(rmax / dr + 0.5);
  const nrho = Math.trunc(rhomax / drho + 0.5);
  const F = files.map((f) => Array.from(regridFuncfl(f.F, f.drho, nrho, drho)));
  const rho = files.map((f) => Array.from(regridFuncfl(f.rho, f.dr, nr, dr)));
  const Z = files.map((f) => regridFuncfl(f.Z, f.dr, nr, dr));
  const rphi: number[][] = [];
  const c = LAMMPS_FUNCFL_HARTREE_EV * LAMMPS_FUNCFL_BOHR_A;
  for (let a = 0; a < files.length; a++)
    for (let b = 0; b <= a; b++) rphi.push(Array.from({ length: nr }, (_, m) => c * Z[a][m] * Z[b][m]));
  return {
    kind: 'eam-table', style: 'eam', elements, cutoff: Math.max(...files.map((f) => f.cut)),
    masses: files.map((f) => f.header.mass), nrho, drho, nr, dr, rhomax, F, rho, rphi,
  };
}

/**
 * A setfl (style 'eam' or 'eam/alloy' → eam/alloy) or eam/fs file holding a table spec. LAMMPS reads it back
 * into exactly the spec's tables, except that it recomputes rhomax as (nrho−1)·drho (differs only for specs
 * converted from funcfl files, whose ρ > rhomax extrapolation LAMMPS places one drho further out).
 */
export function specToSetfl(spec: EamTableSpec, comments?: [string, string, string]): SetflFile {
  const n = spec.elements.length;
  if (spec.rho.length !== densityTableCount(spec.style, n)) throw new UserError('specToSetfl: density tables do not match the style');
  const style = spec.style === 'eam/fs' ? 'eam/fs' : 'eam/alloy';
  return {
    style,
    comments: comments ?? ['written by pesfit', `elements ${spec.elements.join(' ')}`, `style ${style}`],
    elements: [...spec.elements],
    headers: spec.elements.map((e, a) => ({ z: atomicNumber(e) ?? 0, mass: spec.masses[a], latticeConstant: 0, latticeType: 'unknown' })),
    nrho: spec.nrho, drho: spec.drho, nr: spec.nr, dr: spec.dr, cut: spec.cutoff,
    F: spec.F.map((t) => Float64Array.from(t)), rho: spec.rho.map((t) => Float64Array.from(t)),
    rphi: spec.rphi.map((t) => Float64Array.from(t)),
  };
}

/**
 * A funcfl file (`pair_style eam`) holding a single-element table spec, written so that LAMMPS's file2array gives
 * back exactly the spec's tables: LAMMPS keeps int(rmax/dr + 0.5) = nr_file − 1 points (likewise for ρ) and its
 * 4-point Lagrange re-gridding reproduces the nodes of an unchanged grid, so the file carries the spec's nr (nrho)
 * values plus one appended point that LAMMPS never reads into its tables (a linear continuation). Z(r) is
 * sqrt(r·φ / (27.2·0.529)) ≥ 0, so r·φ must be ≥ 0 everywhere (a funcfl cannot store a negative r·φ, i.e. an
 * attractive pair term). LAMMPS sets rhomax = (nrho_file − 1)·drho = nrho·drho, the spec's own rhomax when it
 * came from a funcfl; other specs differ only for ρ beyond their last F node.
 */
export function specToFuncfl(spec: EamTableSpec, comment?: string): FuncflFile {
  if (spec.elements.length !== 1) {
    throw new UserError(`funcfl (pair_style eam) holds one element, the model has ${spec.elements.length}: write eam/alloy instead`);
  }
  if (spec.style === 'eam/fs') throw new UserError('an eam/fs model cannot be written as funcfl (its density depends on the element pair)');
  const c = LAMMPS_FUNCFL_HARTREE_EV * LAMMPS_FUNCFL_BOHR_A;
  const rphi = spec.rphi[0];
  const Z = new Float64Array(spec.nr + 1);
  for (let m = 0; m < spec.nr; m++) {
    if (!(rphi[m] >= 0)) {
      throw new UserError(`funcfl cannot hold r·phi = ${rphi[m]} < 0 at r = ${m * spec.dr} Å (it stores Z(r) with r·phi = 27.2·0.529·Z²): write eam/alloy instead`);
    }
    Z[m] = Math.sqrt(rphi[m] / c);
  }
  const extend = (t: readonly number[], out: Float64Array): Float64Array => {
    const n = t.length;
    for (let m = 0; m < n; m++) out[m] = t[m];
    out[n] = 2 * t[n - 1] - t[n - 2];
    return out;
  };
  Z[spec.nr] = Math.max(0, 2 * Z[spec.nr - 1] - Z[spec.nr - 2]);
  const el = spec.elements[0];
  return {
    comment: comment ?? `written by pesfit (element ${el})`,
    header: { z: atomicNumber(el) ?? 0, mass: spec.masses[0], latticeConstant: 0, latticeType: 'unknown' },
    nrho: spec.nrho + 1, drho: spec.drho, nr: spec.nr + 1, dr: spec.dr, cut: spec.cutoff,
    F: extend(spec.F[0], new Float64Array(spec.nrho + 1)),
    Z,
    rho: extend(spec.rho[0], new Float64Array(spec.nr + 1)),
  };
}
