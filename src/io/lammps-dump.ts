/**
 * Reader of LAMMPS text dumps (`dump custom` / `dump atom`), any number of snapshots:
 *
 *   [ITEM: UNITS / ITEM: TIME blocks, optional]
 *   ITEM: TIMESTEP            then one integer
 *   ITEM: NUMBER OF ATOMS     then one integer N
 *   ITEM: BOX BOUNDS [xy xz yz] f1 f2 f3   then 3 lines "lo hi" (orthogonal) or "lo_bound hi_bound tilt" (triclinic)
 *   ITEM: ATOMS name1 name2 ...           then N lines, one value per column name
 *
 * Columns are addressed by name (`x`, `fx`, `c_pe`, ...); rows are sorted by the `id` column when there is one.
 * Triclinic bounds are the bounding box LAMMPS prints; they are converted back to xlo, xhi, ... of the box
 * (LAMMPS Howto triclinic: xlo_bound = xlo + min(0, xy, xz, xy+xz), xhi_bound = xhi + max(0, xy, xz, xy+xz),
 * ylo_bound = ylo + min(0, yz), yhi_bound = yhi + max(0, yz)). Positions (Å, LAMMPS frame) come from x y z,
 * else unwrapped xu yu zu, else scaled xs ys zs (converted with the box); absent otherwise.
 * Errors are ParseErrors naming the line and what was expected.
 */
import { ParseError } from '../core/errors.ts';
import type { LammpsBox } from './lammps-frame.ts';

export interface DumpFrame {
  timestep: number;
  nAtoms: number;
  box: LammpsBox;
  /** The boundary flags of the BOX BOUNDS line, e.g. ['pp', 'pp', 'pp']. */
  boundary: string[];
  /** Column names in file order. */
  columnNames: string[];
  /** Per-atom values by column name (sorted by id when an id column exists). */
  columns: Record<string, Float64Array>;
  /** Positions in the LAMMPS frame, 3 per atom, when the dump has coordinates. */
  positions?: Float64Array;
  /** 1-based line of the frame's ITEM: TIMESTEP. */
  line: number;
}

export function parseLammpsDump(text: string, file: string): DumpFrame[] {
  const lines = text.split(/\r?\n/);
  // Drop the trailing empty line of a file ending in a newline.
  let end = lines.length;
  while (end > 0 && lines[end - 1].trim() === '') end--;
  const frames: DumpFrame[] = [];
  let i = 0;
  const fail = (li: number, detail: string): never => {
    throw new ParseError({ file, line: li + 1, frame: frames.length }, detail);
  };
  const expectItem = (li: number, prefix: string): string => {
    if (li >= end) fail(li, `file ends where "ITEM: ${prefix}" was expected (truncated dump)`);
    const s = lines[li].trim();
    if (!s.startsWith(`ITEM: ${prefix}`)) fail(li, `expected "ITEM: ${prefix}", found "${s.slice(0, 60)}"`);
    return s.slice(`ITEM: ${prefix}`.length).trim();
  };
  const dataLine = (li: number, what: string): string[] => {
    if (li >= end) fail(li, `file ends where ${what} was expected (truncated dump)`);
    const s = lines[li].trim();
    if (s.startsWith('ITEM:')) fail(li, `expected ${what}, found "${s.slice(0, 60)}"`);
    return s.split(/\s+/);
  };
  const int = (tok: string, li: number, what: string): number => {
    const v = Number(tok);
    if (!/^[+-]?\d+$/.test(tok) || !Number.isSafeInteger(v)) fail(li, `expected an integer ${what}, found "${tok}"`);
    return v;
  };
  const real = (tok: string, li: number, what: string): number => {
    const v = Number(tok);
    // LAMMPS prints non-finite values as nan/inf; they are kept as NaN/±Infinity rather than rejected.
    if (tok === '' || (Number.isNaN(v) && !/^[+-]?nan$/i.test(tok) && !/^[+-]?inf(inity)?$/i.test(tok))) {
      fail(li, `expected a number for ${what}, found "${tok}"`);
    }
    return Number.isNaN(v) ? (/inf/i.test(tok) ? (tok.startsWith('-') ? -Infinity : Infinity) : NaN) : v;
  };

  while (i < end) {
    if (lines[i].trim() === '') { i++; continue; }
    // Optional blocks written by `dump_modify units yes` / `time yes`.
    while (i < end && /^ITEM: (UNITS|TIME)\s*$/.test(lines[i].trim())) i += 2;
    const start = i;
    expectItem(i, 'TIMESTEP');
    const timestep = int(dataLine(i + 1, 'the timestep')[0], i + 1, 'timestep');
    expectItem(i + 2, 'NUMBER OF ATOMS');
    const nTok = dataLine(i + 3, 'the number of atoms');
    const nAtoms = int(nTok[0], i + 3, 'number of atoms');
    const boundsSpec = expectItem(i + 4, 'BOX BOUNDS').split(/\s+/).filter((t) => t !== '');
    const triclinic = boundsSpec[0] === 'xy';
    if (triclinic && (boundsSpec[1] !== 'xz' || boundsSpec[2] !== 'yz')) fail(i + 4, 'expected "BOX BOUNDS xy xz yz ..."');
    const boundary = triclinic ? boundsSpec.slice(3) : boundsSpec;
    if (boundary.length !== 3) fail(i + 4, `expected 3 boundary flags after BOX BOUNDS, found ${boundary.length}`);
    const b = [0, 1, 2].map((k) => {
      const t = dataLine(i + 5 + k, `box bounds line ${k + 1} of 3`);
      const want = triclinic ? 3 : 2;
      if (t.length < want) fail(i + 5 + k, `expected ${want} numbers on box bounds line ${k + 1}, found ${t.length}`);
      return t.slice(0, want).map((x) => real(x, i + 5 + k, 'a box bound'));
    });
    const box = boxFromBounds(b, triclinic);
    const names = expectItem(i + 8, 'ATOMS').split(/\s+/).filter((t) => t !== '');
    if (names.length === 0) fail(i + 8, 'expected column names after "ITEM: ATOMS"');
    if (new Set(names).size !== names.length) fail(i + 8, 'duplicate column names after "ITEM: ATOMS"');
    const values = names.map(() => new Float64Array(nAtoms));
    for (let k = 0; k < nAtoms; k++) {
      const li = i + 9 + k;
      if (li >= end) fail(li, `frame has ${k} atom lines, expected ${nAtoms} (truncated dump)`);
      const t = dataLine(li, `atom line ${k + 1} of ${nAtoms}`);
      if (t.length !== names.length) fail(li, `expected ${names.length} columns (${names.join(' ')}), found ${t.length}`);
      for (let c = 0; c < names.length; c++) values[c][k] = real(t[c], li, `column ${names[c]}`);
    }
    const columns: Record<string, Float64Array> = {};
    const idCol = names.indexOf('id');
    if (idCol >= 0) {
      const ids = values[idCol];
      const order = Array.from(ids.keys()).sort((p, q) => ids[p] - ids[q]);
      for (let k = 1; k < order.length; k++) {
        if (ids[order[k]] === ids[order[k - 1]]) fail(i + 9 + order[k], `duplicate atom id ${ids[order[k]]}`);
      }
      names.forEach((nm, c) => (columns[nm] = Float64Array.from(order, (r) => values[c][r])));
    } else {
      names.forEach((nm, c) => (columns[nm] = values[c]));
    }
    frames.push({ timestep, nAtoms, box, boundary, columnNames: names, columns, positions: positionsOf(columns, box, nAtoms), line: start + 1 });
    i += 9 + nAtoms;
  }
  return frames;
}

function boxFromBounds(b: number[][], triclinic: boolean): LammpsBox {
  if (!triclinic) return { xlo: b[0][0], xhi: b[0][1], ylo: b[1][0], yhi: b[1][1], zlo: b[2][0], zhi: b[2][1], xy: 0, xz: 0, yz: 0 };
  const xy = b[0][2], xz = b[1][2], yz = b[2][2];
  return {
    xlo: b[0][0] - Math.min(0, xy, xz, xy + xz),
    xhi: b[0][1] - Math.max(0, xy, xz, xy + xz),
    ylo: b[1][0] - Math.min(0, yz),
    yhi: b[1][1] - Math.max(0, yz),
    zlo: b[2][0],
    zhi: b[2][1],
    xy, xz, yz,
  };
}

function positionsOf(c: Record<string, Float64Array>, box: LammpsBox, n: number): Float64Array | undefined {
  const pos = new Float64Array(3 * n);
  const fill = (x: Float64Array, y: Float64Array, z: Float64Array): Float64Array => {
    for (let k = 0; k < n; k++) {
      pos[3 * k] = x[k];
      pos[3 * k + 1] = y[k];
      pos[3 * k + 2] = z[k];
    }
    return pos;
  };
  if (c.x && c.y && c.z) return fill(c.x, c.y, c.z);
  if (c.xu && c.yu && c.zu) return fill(c.xu, c.yu, c.zu);
  if (c.xs && c.ys && c.zs) {
    // Scaled coordinates: x = lo + f·H with H the box's lower-triangular edge matrix.
    const lx = box.xhi - box.xlo, ly = box.yhi - box.ylo, lz = box.zhi - box.zlo;
    for (let k = 0; k < n; k++) {
      const fx = c.xs[k], fy = c.ys[k], fz = c.zs[k];
      pos[3 * k] = box.xlo + fx * lx + fy * box.xy + fz * box.xz;
      pos[3 * k + 1] = box.ylo + fy * ly + fz * box.yz;
      pos[3 * k + 2] = box.zlo + fz * lz;
    }
    return pos;
  }
  return undefined;
}
