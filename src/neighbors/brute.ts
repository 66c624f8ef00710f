/**
 * Brute-force neighbor list: loops over all atom pairs and all lattice images within reach. O(N² · images).
 * The oracle for the cell-list builder, and fine for small structures. Same contract as types.ts.
 */
import { cellWidths } from '../core/mat3.ts';
import { fractional } from '../structure/cell.ts';
import type { Structure } from '../structure/types.ts';
import type { NeighborList, NeighborOptions } from './types.ts';

/**
 * Number of images needed along each periodic direction so that every point within `cutoff` is reached. Atoms need
 * not be wrapped: the range grows by the spread of the atoms' fractional coordinates along that direction.
 */
export function imageRange(s: Structure, cutoff: number): [number, number, number] {
  const periodic = s.pbc[0] || s.pbc[1] || s.pbc[2];
  if (!periodic || s.species.length === 0) return [0, 0, 0];
  const w = cellWidths(s.cell);
  const f = fractional(s);
  return [0, 1, 2].map((k) => {
    if (!s.pbc[k]) return 0;
    let lo = Infinity, hi = -Infinity;
    for (let i = k; i < f.length; i += 3) {
      lo = Math.min(lo, f[i]);
      hi = Math.max(hi, f[i]);
    }
    return Math.ceil(cutoff / w[k]) + Math.ceil(hi - lo) + 1;
  }) as [number, number, number];
}

/** True if the integer image (a, b, c) is "positive": its first nonzero component is > 0. */
export function positiveImage(a: number, b: number, c: number): boolean {
  return a > 0 || (a === 0 && (b > 0 || (b === 0 && c > 0)));
}

export function bruteForceNeighborList(s: Structure, cutoff: number, opts: NeighborOptions): NeighborList {
  const n = s.species.length;
  const [na, nb, nc] = imageRange(s, cutoff);
  const x = s.positions, cell = s.cell;
  const c2 = cutoff * cutoff;
  const start = new Int32Array(n + 1);
  const js: number[] = [];
  const sh: number[] = [];
  for (let i = 0; i < n; i++) {
    start[i] = js.length;
    for (let j = opts.half ? i : 0; j < n; j++) {
      for (let a = -na; a <= na; a++)
        for (let b = -nb; b <= nb; b++)
          for (let c = -nc; c <= nc; c++) {
            if (i === j) {
              if (a === 0 && b === 0 && c === 0) continue;
              if (opts.half && !positiveImage(a, b, c)) continue;
            }
            const sx = a * cell[0] + b * cell[3] + c * cell[6];
            const sy = a * cell[1] + b * cell[4] + c * cell[7];
            const sz = a * cell[2] + b * cell[5] + c * cell[8];
            const dx = x[3 * j] + sx - x[3 * i];
            const dy = x[3 * j + 1] + sy - x[3 * i + 1];
            const dz = x[3 * j + 2] + sz - x[3 * i + 2];
            if (dx * dx + dy * dy + dz * dz < c2) {
              js.push(j);
              sh.push(sx, sy, sz);
            }
          }
    }
  }
  start[n] = js.length;
  return { nAtoms: n, cutoff, half: opts.half, start, j: Int32Array.from(js), shift: Float64Array.from(sh) };
}
