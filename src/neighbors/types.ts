/**
 * Neighbor list contract (CSR layout).
 *
 * For atom i, its neighbors are entries k in [start[i], start[i+1]); `j[k]` is the neighbor's atom index (the
 * owner atom, 0 ≤ j < n) and `shift[3k..3k+2]` the Cartesian image shift, so that the separation vector is
 *     r_ij = x_j + shift_k − x_i.
 * Every image of every atom (including i's own periodic images, never i itself with zero shift) with
 * |r_ij| < cutoff appears. In cells smaller than the cutoff one owner may appear several times with
 * different shifts.
 * - full list: each ordered pair (i, j, shift) appears under i, and (j, i, -shift) under j.
 * - half list: each unordered pair appears once: under min(i, j); for i == j (self images) only the shift whose
 *   first nonzero integer image component is positive.
 * Kernels must test r < their own cutoff: the list cutoff may include a skin.
 */

export interface NeighborList {
  readonly nAtoms: number;
  /** List cutoff (Å), potential cutoff plus any skin. */
  readonly cutoff: number;
  readonly half: boolean;
  readonly start: Int32Array;
  readonly j: Int32Array;
  readonly shift: Float64Array;
}

export interface NeighborOptions {
  half: boolean;
}
