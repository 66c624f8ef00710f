/**
 * Voigt orders of symmetric 3x3 tensors. Internal order is ASE's: xx, yy, zz, yz, xz, xy.
 * Other programs use other orders; convert through `reorder` with the named orders below, never bare indices.
 */

export type Component = 'xx' | 'yy' | 'zz' | 'yz' | 'xz' | 'xy';

/** ASE and pesfit internal order. */
export const VOIGT_ASE: readonly Component[] = ['xx', 'yy', 'zz', 'yz', 'xz', 'xy'];
/** LAMMPS thermo/compute order (pxx pyy pzz pxy pxz pyz). */
export const VOIGT_LAMMPS: readonly Component[] = ['xx', 'yy', 'zz', 'xy', 'xz', 'yz'];
/** VASP OUTCAR "in kB" line and mlearn as declared by its code: xx yy zz xy yz zx. */
export const VOIGT_VASP: readonly Component[] = ['xx', 'yy', 'zz', 'xy', 'yz', 'xz'];

/** Index of each component in the internal (ASE) order. */
export const V: Readonly<Record<Component, number>> = { xx: 0, yy: 1, zz: 2, yz: 3, xz: 4, xy: 5 };

/** Row/column of each Voigt slot in the internal order. */
export const VOIGT_PAIRS: readonly (readonly [number, number])[] = [
  [0, 0], [1, 1], [2, 2], [1, 2], [0, 2], [0, 1],
];

/** Converts a 6-vector given in `from` order into the internal (ASE) order. */
export function toInternal(values: ArrayLike<number>, from: readonly Component[]): Float64Array {
  const out = new Float64Array(6);
  for (let k = 0; k < 6; k++) out[V[from[k]]] = values[k];
  return out;
}

/** Converts an internal (ASE-order) 6-vector into `to` order. */
export function fromInternal(values: ArrayLike<number>, to: readonly Component[]): Float64Array {
  const out = new Float64Array(6);
  for (let k = 0; k < 6; k++) out[k] = values[V[to[k]]];
  return out;
}

/** Full row-major 3x3 (9 numbers) → internal Voigt 6 (symmetrised: off-diagonals averaged). */
export function fullToVoigt(m: ArrayLike<number>): Float64Array {
  return Float64Array.of(m[0], m[4], m[8], 0.5 * (m[5] + m[7]), 0.5 * (m[2] + m[6]), 0.5 * (m[1] + m[3]));
}

/** Internal Voigt 6 → full row-major symmetric 3x3. */
export function voigtToFull(v: ArrayLike<number>): Float64Array {
  return Float64Array.of(v[0], v[5], v[4], v[5], v[1], v[3], v[4], v[3], v[2]);
}

/** Largest asymmetry |m_ab - m_ba| of a row-major 3x3. */
export function asymmetry(m: ArrayLike<number>): number {
  return Math.max(Math.abs(m[1] - m[3]), Math.abs(m[2] - m[6]), Math.abs(m[5] - m[7]));
}
