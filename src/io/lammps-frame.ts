/**
 * Rotation of a Structure into LAMMPS's box frame, and of forces and stresses back.
 *
 * LAMMPS boxes are parallelepipeds with origin (xlo, ylo, zlo) and edge vectors (rows)
 *     A = (xhi−xlo, 0, 0),  B = (xy, yhi−ylo, 0),  C = (xz, yz, zhi−zlo),
 * with lx, ly, lz > 0 and, for periodic directions, tilts within half a box length (|xy| ≤ lx/2, |xz| ≤ lx/2,
 * |yz| ≤ ly/2; `read_data` refuses larger skews with "Triclinic box skew is too large").
 *
 * Convention (row vectors, as in core/mat3.ts): with R the returned 3x3 rotation (row-major, det R = +1),
 *     x_lmp = x · R,            F_lmp = F · R,            σ_lmp = Rᵀ σ R,
 * so back in the original frame
 *     F = F_lmp · Rᵀ,           σ = R σ_lmp Rᵀ.
 * The columns of R are the LAMMPS axes written in the original frame: e1 = Â, e3 = unit(A×B), e2 = e3 × e1,
 * where A, B are the first two box vectors chosen below. Energies are invariant.
 *
 * How the box vectors are chosen:
 * - The periodic cell vectors come first, in their original order, so LAMMPS's x is along the first periodic
 *   vector. A periodic lattice may use any basis of the same lattice, so the basis is reduced (integer
 *   combinations) until the tilts are within LAMMPS's limits, and a left-handed fully periodic cell has its last
 *   vector negated. Atoms are wrapped into the box along periodic directions (positions shift by lattice
 *   vectors, which changes no energy, force or stress).
 * - Non-periodic directions get directions perpendicular to the periodic vectors (zero tilt, as LAMMPS needs for
 *   a non-periodic second index of a tilt) and a box extent that encloses the atoms with `margin` on each side;
 *   the runner uses `boundary f` there. A fully non-periodic structure keeps its Cartesian axes (R = I).
 * `boundary[k]` says whether LAMMPS box direction k (x, y, z) is periodic; it is a permutation of `pbc` when the
 * periodic vectors are not the first ones.
 */
import { UserError } from '../core/errors.ts';
import { cross, det3, norm3 } from '../core/mat3.ts';
import { voigtToFull, fullToVoigt } from '../core/voigt.ts';
import type { Structure } from '../structure/types.ts';

export interface LammpsBox {
  xlo: number;
  xhi: number;
  ylo: number;
  yhi: number;
  zlo: number;
  zhi: number;
  xy: number;
  xz: number;
  yz: number;
}

export interface LammpsFrame {
  box: LammpsBox;
  /** Periodicity of the LAMMPS box directions x, y, z. */
  boundary: [boolean, boolean, boolean];
  /** Positions in the LAMMPS frame, 3 per atom, in the original atom order, wrapped along periodic directions. */
  positions: Float64Array;
  /** Row-major 3x3 rotation, x_lmp = x · R. */
  rotation: Float64Array;
}

export interface LammpsFrameOptions {
  /** Empty space (Å) between the atoms and the box faces along non-periodic directions (default 2). */
  margin?: number;
}

/** Box edge vectors as a row-major 3x3 (rows A, B, C). */
export function boxMatrix(b: LammpsBox): Float64Array {
  return Float64Array.of(b.xhi - b.xlo, 0, 0, b.xy, b.yhi - b.ylo, 0, b.xz, b.yz, b.zhi - b.zlo);
}

export function isTriclinic(b: LammpsBox): boolean {
  return b.xy !== 0 || b.xz !== 0 || b.yz !== 0;
}

function unit(v: readonly number[]): [number, number, number] {
  const n = norm3(v);
  return [v[0] / n, v[1] / n, v[2] / n];
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/** A unit vector perpendicular to `a` (any one). */
function perpendicular(a: readonly number[]): [number, number, number] {
  // Cross with the Cartesian axis least aligned with a, so the result is never near zero.
  const ax = Math.abs(a[0]), ay = Math.abs(a[1]), az = Math.abs(a[2]);
  const e = ax <= ay && ax <= az ? [1, 0, 0] : ay <= az ? [0, 1, 0] : [0, 0, 1];
  return unit(cross(a, e));
}

/** The integer n for which t − n·len is nearest zero (|t − n·len| ≤ len/2). */
function nearestMultiple(t: number, len: number): number {
  return Math.round(t / len);
}

/**
 * The LAMMPS box and positions of a structure (see the file comment). Throws a UserError for a degenerate
 * periodic cell.
 */
export function toLammpsFrame(s: Structure, opts: LammpsFrameOptions = {}): LammpsFrame {
  const margin = opts.margin ?? 2;
  const n = s.species.length;
  const rows: [number, number, number][] = [0, 1, 2].map((k) => [s.cell[3 * k], s.cell[3 * k + 1], s.cell[3 * k + 2]]);
  const periodic = [0, 1, 2].filter((k) => s.pbc[k]);
  const np = periodic.length;
  const vecs = periodic.map((k) => rows[k]);
  for (const v of vecs) {
    if (!(norm3(v) > 0)) throw new UserError('periodic cell vector has zero length: cannot build a LAMMPS box');
  }

  // Working basis: periodic vectors first, then unit directions for the non-periodic ones.
  let A: [number, number, number];
  let B: [number, number, number];
  let C: [number, number, number];
  if (np === 0) {
    A = [1, 0, 0];
    B = [0, 1, 0];
    C = [0, 0, 1];
  } else if (np === 1) {
    A = vecs[0];
    B = perpendicular(A);
    C = unit(cross(A, B));
  } else if (np === 2) {
    A = vecs[0];
    B = vecs[1];
    const c = cross(A, B);
    if (!(norm3(c) > 1e-12 * norm3(A) * norm3(B))) throw new UserError('periodic cell vectors are parallel');
    C = unit(c);
  } else {
    A = vecs[0];
    B = vecs[1];
    C = vecs[2];
    const d = det3([...A, ...B, ...C]);
    if (!(Math.abs(d) > 1e-12 * norm3(A) * norm3(B) * norm3(C))) throw new UserError('cell is singular (zero volume)');
    // A left-handed basis spans the same lattice as the right-handed one with C negated.
    if (d < 0) C = [-C[0], -C[1], -C[2]];
  }

  // LAMMPS axes in the original frame.
  const e1 = unit(A);
  const e3 = unit(cross(A, B));
  const e2 = cross(e3, e1);
  const rotation = Float64Array.of(e1[0], e2[0], e3[0], e1[1], e2[1], e3[1], e1[2], e2[2], e3[2]);

  // Triangular box vectors: components of A, B, C on e1, e2, e3.
  const lx = dot(A, e1);
  let xy = dot(B, e1);
  let ly = dot(B, e2);
  let xz = dot(C, e1);
  let yz = dot(C, e2);
  const lz = dot(C, e3);
  const boundary: [boolean, boolean, boolean] = [np >= 1, np >= 2, np >= 3];
  // Lattice reduction of the tilts (only where both directions are periodic; otherwise tilts are zero).
  if (boundary[2]) {
    const m = nearestMultiple(yz, ly);
    yz -= m * ly;
    xz -= m * xy;
  }
  if (boundary[1]) xy -= nearestMultiple(xy, lx) * lx;
  if (boundary[2]) xz -= nearestMultiple(xz, lx) * lx;

  // Rotated positions, then fractional coordinates in the (provisional, origin 0) box.
  const pos = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const p = s.positions.subarray(3 * i, 3 * i + 3);
    pos[3 * i] = dot(p, e1);
    pos[3 * i + 1] = dot(p, e2);
    pos[3 * i + 2] = dot(p, e3);
  }
  const lo = [0, 0, 0];
  const len = [lx, ly, lz];
  // Non-periodic extents: these directions are orthogonal (zero tilt), so the extent is the coordinate range.
  for (let k = np; k < 3; k++) {
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < n; i++) {
      min = Math.min(min, pos[3 * i + k]);
      max = Math.max(max, pos[3 * i + k]);
    }
    if (n === 0) min = max = 0;
    lo[k] = min - margin;
    len[k] = max - min + 2 * margin;
  }
  const box: LammpsBox = {
    xlo: lo[0], xhi: lo[0] + len[0], ylo: lo[1], yhi: lo[1] + len[1], zlo: lo[2], zhi: lo[2] + len[2],
    xy: np >= 2 ? xy : 0, xz: np >= 3 ? xz : 0, yz: np >= 3 ? yz : 0,
  };
  if (np > 0) wrapInto(pos, box, boundary);
  return { box, boundary, positions: pos, rotation };
}

/**
 * Wraps positions (in place) into the box along periodic directions: fractional coordinates of the box
 * (x − lo = f·H with H lower-triangular) reduced to [0, 1).
 */
function wrapInto(pos: Float64Array, b: LammpsBox, boundary: readonly boolean[]): void {
  const lx = b.xhi - b.xlo, ly = b.yhi - b.ylo, lz = b.zhi - b.zlo;
  for (let i = 0; i < pos.length; i += 3) {
    const x = pos[i] - b.xlo, y = pos[i + 1] - b.ylo, z = pos[i + 2] - b.zlo;
    // Back-substitution of the triangular system.
    let fz = z / lz;
    let fy = (y - fz * b.yz) / ly;
    let fx = (x - fy * b.xy - fz * b.xz) / lx;
    if (boundary[0]) fx = wrap01(fx);
    if (boundary[1]) fy = wrap01(fy);
    if (boundary[2]) fz = wrap01(fz);
    pos[i] = b.xlo + fx * lx + fy * b.xy + fz * b.xz;
    pos[i + 1] = b.ylo + fy * ly + fz * b.yz;
    pos[i + 2] = b.zlo + fz * lz;
  }
}

/** f reduced to [0, 1); f − floor(f) rounds to 1 for tiny negative f, which is mapped to 0. */
function wrap01(f: number): number {
  const w = f - Math.floor(f);
  return w >= 1 ? 0 : w;
}

/** Rotates vectors (3 per atom) from the LAMMPS frame back to the original one: v = v_lmp · Rᵀ. */
export function vectorsFromLammps(v: ArrayLike<number>, rotation: ArrayLike<number>): Float64Array {
  const out = new Float64Array(v.length);
  const r = rotation;
  for (let i = 0; i < v.length; i += 3) {
    const x = v[i], y = v[i + 1], z = v[i + 2];
    out[i] = x * r[0] + y * r[1] + z * r[2];
    out[i + 1] = x * r[3] + y * r[4] + z * r[5];
    out[i + 2] = x * r[6] + y * r[7] + z * r[8];
  }
  return out;
}

/** Rotates vectors (3 per atom) from the original frame into the LAMMPS frame: v_lmp = v · R. */
export function vectorsToLammps(v: ArrayLike<number>, rotation: ArrayLike<number>): Float64Array {
  const out = new Float64Array(v.length);
  const r = rotation;
  for (let i = 0; i < v.length; i += 3) {
    const x = v[i], y = v[i + 1], z = v[i + 2];
    out[i] = x * r[0] + y * r[3] + z * r[6];
    out[i + 1] = x * r[1] + y * r[4] + z * r[7];
    out[i + 2] = x * r[2] + y * r[5] + z * r[8];
  }
  return out;
}

/** σ = R σ_lmp Rᵀ for a symmetric tensor in internal Voigt order (xx yy zz yz xz xy). */
export function voigtFromLammps(v: ArrayLike<number>, rotation: ArrayLike<number>): Float64Array {
  return fullToVoigt(congruence(rotation, voigtToFull(v), false));
}

/** σ_lmp = Rᵀ σ R for a symmetric tensor in internal Voigt order. */
export function voigtToLammps(v: ArrayLike<number>, rotation: ArrayLike<number>): Float64Array {
  return fullToVoigt(congruence(rotation, voigtToFull(v), true));
}

/** M S Mᵀ (transposeFirst false) or Mᵀ S M (true), all row-major 3x3. */
function congruence(m: ArrayLike<number>, s: ArrayLike<number>, transposeFirst: boolean): Float64Array {
  const out = new Float64Array(9);
  const at = (i: number, j: number): number => (transposeFirst ? m[3 * j + i] : m[3 * i + j]);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let acc = 0;
      for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) acc += at(i, k) * s[3 * k + l] * at(j, l);
      out[3 * i + j] = acc;
    }
  return out;
}
