/**
 * LAMMPS data files (`read_data` / `write_data`), atom style `atomic` only.
 *
 * Writing: the structure is first rotated into LAMMPS's frame (lammps-frame.ts); the file has the header
 * (atoms, atom types, box bounds, the `xy xz yz` tilt line when the box is triclinic), a Masses section (amu) and
 * an Atoms section `id type x y z` (Å), ids 1..N in the structure's atom order, types 1..K in the order of
 * `elements`. Numbers are written with the shortest representation that reads back to the same double, so no
 * precision is lost.
 *
 * Reading (for round trips and tests): header counts, box, Masses and Atoms (`id type x y z [ix iy iz]`) of an
 * atomic-style file; other sections (Velocities, ...) are skipped. Atoms are returned sorted by id.
 */
import { ParseError, UserError } from '../core/errors.ts';
import { atomicMass, atomicNumber, symbolOf } from '../core/elements.ts';
import type { Structure } from '../structure/types.ts';
import { writeAtomic } from './fs.ts';
import { isTriclinic, toLammpsFrame, type LammpsBox, type LammpsFrame } from './lammps-frame.ts';

export interface LammpsDataOptions {
  /** Element symbols in LAMMPS type order: type k+1 is elements[k]. */
  elements: string[];
  /** Mass (amu) per type; standard atomic weights by default. */
  masses?: number[];
  atomStyle: 'atomic';
  /** Space (Å) around the atoms along non-periodic directions (default 2). */
  margin?: number;
  /** Text of the first line (the title line LAMMPS ignores). */
  title?: string;
}

export interface LammpsData {
  text: string;
  frame: LammpsFrame;
  /** LAMMPS type (1-based) per atom. */
  types: Int32Array;
}

/** Shortest round-trip decimal representation (LAMMPS parses it with strtod). */
function num(x: number): string {
  if (!Number.isFinite(x)) throw new UserError(`cannot write the non-finite number ${x} to a LAMMPS data file`);
  return String(x);
}

/** LAMMPS type (1-based) of every atom, from its species and the element order. */
export function lammpsTypes(s: Structure, elements: readonly string[]): Int32Array {
  const byZ = new Map<number, number>();
  elements.forEach((el, k) => {
    const z = atomicNumber(el);
    if (z === undefined) throw new UserError(`unknown element symbol "${el}" in the LAMMPS type list`);
    if (byZ.has(z)) throw new UserError(`element "${el}" appears twice in the LAMMPS type list`);
    byZ.set(z, k + 1);
  });
  const types = new Int32Array(s.species.length);
  for (let i = 0; i < types.length; i++) {
    const t = byZ.get(s.species[i]);
    if (t === undefined) {
      throw new UserError(`atom ${i} is ${symbolOf(s.species[i])}, which is not among the LAMMPS types [${elements.join(', ')}]`);
    }
    types[i] = t;
  }
  return types;
}

/** The data file of a structure together with the frame (rotation) used to write it. */
export function buildLammpsData(s: Structure, opts: LammpsDataOptions): LammpsData {
  if (opts.atomStyle !== 'atomic') throw new UserError(`atom style "${String(opts.atomStyle)}" is not supported (only atomic)`);
  const types = lammpsTypes(s, opts.elements);
  const masses = opts.masses ?? opts.elements.map((el) => atomicMass(atomicNumber(el)!));
  if (masses.length !== opts.elements.length) {
    throw new UserError(`${masses.length} masses given for ${opts.elements.length} LAMMPS types`);
  }
  const frame = toLammpsFrame(s, { margin: opts.margin });
  const b = frame.box;
  const n = types.length;
  const lines: string[] = [
    opts.title ?? `LAMMPS data file written by pesfit (types: ${opts.elements.join(' ')})`,
    '',
    `${n} atoms`,
    `${opts.elements.length} atom types`,
    '',
    `${num(b.xlo)} ${num(b.xhi)} xlo xhi`,
    `${num(b.ylo)} ${num(b.yhi)} ylo yhi`,
    `${num(b.zlo)} ${num(b.zhi)} zlo zhi`,
  ];
  if (isTriclinic(b)) lines.push(`${num(b.xy)} ${num(b.xz)} ${num(b.yz)} xy xz yz`);
  lines.push('', 'Masses', '');
  masses.forEach((m, k) => lines.push(`${k + 1} ${num(m)}`));
  lines.push('', 'Atoms # atomic', '');
  const p = frame.positions;
  for (let i = 0; i < n; i++) lines.push(`${i + 1} ${types[i]} ${num(p[3 * i])} ${num(p[3 * i + 1])} ${num(p[3 * i + 2])}`);
  lines.push('');
  return { text: lines.join('\n'), frame, types };
}

export function formatLammpsData(s: Structure, opts: LammpsDataOptions): string {
  return buildLammpsData(s, opts).text;
}

/** Writes the data file atomically; returns the frame so callers can rotate results back. */
export function writeLammpsData(path: string, s: Structure, opts: LammpsDataOptions): LammpsData {
  const data = buildLammpsData(s, opts);
  writeAtomic(path, data.text);
  return data;
}

export interface ParsedLammpsData {
  nTypes: number;
  box: LammpsBox;
  /** Mass per type (index type−1); NaN where the file gives none. */
  masses: Float64Array;
  ids: Int32Array;
  types: Int32Array;
  /** 3 per atom, sorted by id. */
  positions: Float64Array;
  /** Image flags, 3 per atom (zeros when the file has none). */
  images: Int32Array;
}

const SECTION_NAMES = new Set([
  'Atoms', 'Velocities', 'Masses', 'Ellipsoids', 'Lines', 'Triangles', 'Bodies', 'Bonds', 'Angles', 'Dihedrals',
  'Impropers', 'Pair Coeffs', 'PairIJ Coeffs', 'Bond Coeffs', 'Angle Coeffs', 'Dihedral Coeffs', 'Improper Coeffs',
]);

/** Parses an atomic-style LAMMPS data file; errors name the line and what was expected. */
export function parseLammpsData(text: string, file: string): ParsedLammpsData {
  const raw = text.split(/\r?\n/);
  const strip = (s: string): string => {
    const h = s.indexOf('#');
    return (h >= 0 ? s.slice(0, h) : s).trim();
  };
  const fail = (line: number, detail: string): never => {
    throw new ParseError({ file, line: line + 1 }, detail);
  };
  const number = (tok: string | undefined, line: number, what: string): number => {
    const v = tok === undefined ? NaN : Number(tok);
    if (tok === undefined || tok === '' || !Number.isFinite(v)) fail(line, `expected a number for ${what}, found "${tok ?? ''}"`);
    return v;
  };
  let nAtoms = -1, nTypes = -1;
  const box: LammpsBox = { xlo: NaN, xhi: NaN, ylo: NaN, yhi: NaN, zlo: NaN, zhi: NaN, xy: 0, xz: 0, yz: 0 };
  let li = 1; // the first line is a title
  // Header: until the first section keyword.
  for (; li < raw.length; li++) {
    const s = strip(raw[li]);
    if (s === '') continue;
    if (SECTION_NAMES.has(s)) break;
    const t = s.split(/\s+/);
    const key = t.slice(-2).join(' ');
    if (t.length === 2 && t[1] === 'atoms') nAtoms = number(t[0], li, 'the atom count');
    else if (key === 'atom types') nTypes = number(t[0], li, 'the number of atom types');
    else if (key === 'xlo xhi') [box.xlo, box.xhi] = [number(t[0], li, 'xlo'), number(t[1], li, 'xhi')];
    else if (key === 'ylo yhi') [box.ylo, box.yhi] = [number(t[0], li, 'ylo'), number(t[1], li, 'yhi')];
    else if (key === 'zlo zhi') [box.zlo, box.zhi] = [number(t[0], li, 'zlo'), number(t[1], li, 'zhi')];
    else if (t.slice(-3).join(' ') === 'xy xz yz') {
      box.xy = number(t[0], li, 'xy');
      box.xz = number(t[1], li, 'xz');
      box.yz = number(t[2], li, 'yz');
    }
    // Other header keywords (bonds, extra ...) do not apply to atomic style and are ignored.
  }
  if (nAtoms < 0) fail(li, 'expected an "N atoms" header line before the first section');
  if (nTypes < 0) fail(li, 'expected an "N atom types" header line before the first section');
  for (const k of ['xlo', 'ylo', 'zlo'] as const) if (Number.isNaN(box[k])) fail(li, `expected "${k} ${k[0]}hi" box bounds in the header`);

  const masses = new Float64Array(nTypes).fill(NaN);
  const ids = new Int32Array(nAtoms), types = new Int32Array(nAtoms);
  const positions = new Float64Array(3 * nAtoms), images = new Int32Array(3 * nAtoms);
  let haveAtoms = false;
  while (li < raw.length) {
    const section = strip(raw[li]);
    if (section === '') { li++; continue; }
    if (!SECTION_NAMES.has(section)) fail(li, `expected a section keyword (Masses, Atoms, ...), found "${section}"`);
    const count = section === 'Masses' ? nTypes : section === 'Atoms' || section === 'Velocities' ? nAtoms : -1;
    if (count < 0) fail(li, `section "${section}" is not supported for atom style atomic`);
    li++;
    // One blank line, then `count` entries.
    while (li < raw.length && strip(raw[li]) === '') li++;
    for (let k = 0; k < count; k++, li++) {
      if (li >= raw.length || strip(raw[li]) === '') fail(Math.min(li, raw.length - 1), `section ${section} ended after ${k} of ${count} lines`);
      const t = strip(raw[li]).split(/\s+/);
      if (section === 'Masses') {
        const type = number(t[0], li, 'the type');
        if (!Number.isInteger(type) || type < 1 || type > nTypes) fail(li, `expected a type in 1..${nTypes}, found "${t[0]}"`);
        masses[type - 1] = number(t[1], li, 'the mass');
      } else if (section === 'Atoms') {
        if (t.length !== 5 && t.length !== 8) fail(li, `expected "id type x y z [ix iy iz]" (5 or 8 columns), found ${t.length}`);
        ids[k] = number(t[0], li, 'the atom id');
        types[k] = number(t[1], li, 'the atom type');
        if (types[k] < 1 || types[k] > nTypes) fail(li, `atom type ${types[k]} is outside 1..${nTypes}`);
        for (let a = 0; a < 3; a++) positions[3 * k + a] = number(t[2 + a], li, 'a coordinate');
        if (t.length === 8) for (let a = 0; a < 3; a++) images[3 * k + a] = number(t[5 + a], li, 'an image flag');
      }
    }
    if (section === 'Atoms') haveAtoms = true;
  }
  if (!haveAtoms && nAtoms > 0) fail(raw.length - 1, `expected an Atoms section with ${nAtoms} atoms`);

  // Sort by id.
  const order = Array.from(ids.keys()).sort((a, b) => ids[a] - ids[b]);
  const out: ParsedLammpsData = {
    nTypes, box, masses,
    ids: Int32Array.from(order, (i) => ids[i]),
    types: Int32Array.from(order, (i) => types[i]),
    positions: new Float64Array(3 * nAtoms),
    images: new Int32Array(3 * nAtoms),
  };
  order.forEach((i, k) => {
    for (let a = 0; a < 3; a++) {
      out.positions[3 * k + a] = positions[3 * i + a];
      out.images[3 * k + a] = images[3 * i + a];
    }
  });
  return out;
}
