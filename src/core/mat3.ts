/**
 * 3x3 matrices as row-major length-9 arrays and 3-vectors. A cell is a Mat3 whose ROWS are the cell vectors
 * a1, a2, a3 (ASE and extxyz `Lattice` convention); a Cartesian point is x = f·cell for fractional row vector f.
 */

export type Mat3 = Float64Array; // length 9, row-major

export function det3(m: ArrayLike<number>): number {
  return (
    m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
  );
}

export function inv3(m: ArrayLike<number>): Mat3 {
  const d = det3(m);
  if (d === 0 || !Number.isFinite(d)) throw new Error('singular 3x3 matrix');
  const r = new Float64Array(9);
  r[0] = (m[4] * m[8] - m[5] * m[7]) / d;
  r[1] = (m[2] * m[7] - m[1] * m[8]) / d;
  r[2] = (m[1] * m[5] - m[2] * m[4]) / d;
  r[3] = (m[5] * m[6] - m[3] * m[8]) / d;
  r[4] = (m[0] * m[8] - m[2] * m[6]) / d;
  r[5] = (m[2] * m[3] - m[0] * m[5]) / d;
  r[6] = (m[3] * m[7] - m[4] * m[6]) / d;
  r[7] = (m[1] * m[6] - m[0] * m[7]) / d;
  r[8] = (m[0] * m[4] - m[1] * m[3]) / d;
  return r;
}

export function mul3(a: ArrayLike<number>, b: ArrayLike<number>): Mat3 {
  const r = new Float64Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) r[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
  return r;
}

export function transpose3(a: ArrayLike<number>): Mat3 {
  return Float64Array.of(a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]);
}

export function identity3(): Mat3 {
  return Float64Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
}

/** Row vector times matrix: out = v·m (v of length 3 read at offset `o`). */
export function vecMul3(v: ArrayLike<number>, o: number, m: ArrayLike<number>, out: Float64Array, oo = 0): void {
  const x = v[o], y = v[o + 1], z = v[o + 2];
  out[oo] = x * m[0] + y * m[3] + z * m[6];
  out[oo + 1] = x * m[1] + y * m[4] + z * m[7];
  out[oo + 2] = x * m[2] + y * m[5] + z * m[8];
}

export function cross(a: ArrayLike<number>, b: ArrayLike<number>): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function norm3(a: ArrayLike<number>, o = 0): number {
  return Math.hypot(a[o], a[o + 1], a[o + 2]);
}

/** Rows of the cell as three vectors. */
export function cellRow(cell: ArrayLike<number>, k: number): [number, number, number] {
  return [cell[3 * k], cell[3 * k + 1], cell[3 * k + 2]];
}

/** Perpendicular widths of the cell (distance between opposite faces), h_k = V / |a_i × a_j|. */
export function cellWidths(cell: ArrayLike<number>): [number, number, number] {
  const a = cellRow(cell, 0), b = cellRow(cell, 1), c = cellRow(cell, 2);
  const v = Math.abs(det3(cell));
  return [v / norm3(cross(b, c)), v / norm3(cross(c, a)), v / norm3(cross(a, b))];
}
