/**
 * High-symmetry paths and q-meshes for cubic crystals whose cubic axes are the Cartesian axes (as the cells of
 * structure/builders.ts bulk()). Special points in units of 2π/a (a = conventional lattice constant, Å):
 * - fcc: Γ (0,0,0), X (0,1,0), W (½,1,0), K (¾,¾,0), L (½,½,½); default path Γ-X-W-K-Γ-L.
 * - bcc: Γ (0,0,0), H (0,0,1), N (½,½,0), P (½,½,½); default path Γ-H-N-Γ-P.
 * q vectors are Cartesian in Å⁻¹ including the 2π; `distance` is the cumulative path length (Å⁻¹) for plotting.
 * monkhorstPack gives a Γ-centred n1 x n2 x n3 mesh of the reciprocal cell of any cell (rows = lattice vectors).
 */
import { UserError } from '../core/errors.ts';
import { inv3 } from '../core/mat3.ts';

export type CubicLattice = 'fcc' | 'bcc';

export const SPECIAL_POINTS: Readonly<Record<CubicLattice, Readonly<Record<string, readonly [number, number, number]>>>> = {
  fcc: { G: [0, 0, 0], X: [0, 1, 0], W: [0.5, 1, 0], K: [0.75, 0.75, 0], L: [0.5, 0.5, 0.5] },
  bcc: { G: [0, 0, 0], H: [0, 0, 1], N: [0.5, 0.5, 0], P: [0.5, 0.5, 0.5] },
};

export const DEFAULT_PATHS: Readonly<Record<CubicLattice, readonly string[]>> = {
  fcc: ['G', 'X', 'W', 'K', 'G', 'L'],
  bcc: ['G', 'H', 'N', 'G', 'P'],
};

export interface QPath {
  /** 3 per point, Å⁻¹. */
  q: Float64Array;
  distance: Float64Array;
  /** Point index and label (Γ written as G) of each special point on the path. */
  labels: { index: number; label: string }[];
}

/** Special point `name` of the lattice as a Cartesian q (Å⁻¹). */
export function specialPoint(lattice: CubicLattice, name: string, a: number): [number, number, number] {
  const p = SPECIAL_POINTS[lattice][name];
  if (!p) throw new UserError(`unknown special point ${name} for ${lattice} (known: ${Object.keys(SPECIAL_POINTS[lattice]).join(', ')})`);
  const s = (2 * Math.PI) / a;
  return [p[0] * s, p[1] * s, p[2] * s];
}

export function bandPath(lattice: CubicLattice, a: number, pointsPerSegment = 30, path: readonly string[] = DEFAULT_PATHS[lattice]): QPath {
  if (!(a > 0)) throw new UserError(`lattice constant must be positive, got ${a}`);
  if (!Number.isInteger(pointsPerSegment) || pointsPerSegment < 1) throw new UserError(`points per segment must be a positive integer, got ${pointsPerSegment}`);
  if (path.length < 2) throw new UserError('a band path needs at least two points');
  const pts = path.map((p) => specialPoint(lattice, p, a));
  const q: number[] = [], dist: number[] = [];
  const labels: { index: number; label: string }[] = [];
  let d = 0;
  for (let s = 0; s < pts.length - 1; s++) {
    const A = pts[s], B = pts[s + 1];
    const len = Math.hypot(B[0] - A[0], B[1] - A[1], B[2] - A[2]);
    labels.push({ index: q.length / 3, label: path[s] });
    const last = s === pts.length - 2 ? pointsPerSegment : pointsPerSegment - 1;
    for (let k = 0; k <= last; k++) {
      const t = k / pointsPerSegment;
      q.push(A[0] + t * (B[0] - A[0]), A[1] + t * (B[1] - A[1]), A[2] + t * (B[2] - A[2]));
      dist.push(d + t * len);
    }
    d += len;
  }
  labels.push({ index: q.length / 3 - 1, label: path[path.length - 1] });
  return { q: Float64Array.from(q), distance: Float64Array.from(dist), labels };
}

/** Γ-centred mesh (3 per point, Å⁻¹) over the reciprocal cell of `cell`: q = Σ_k (m_k/n_k) b_k. */
export function monkhorstPack(cell: ArrayLike<number>, mesh: readonly [number, number, number]): Float64Array {
  for (const m of mesh) if (!Number.isInteger(m) || m < 1) throw new UserError(`q-mesh must be positive integers, got [${mesh.join(', ')}]`);
  const inv = inv3(cell);
  // b_k = 2π · column k of cell⁻¹ (so that a_i · b_k = 2π δ_ik)
  const b = [0, 1, 2].map((k) => [inv[k], inv[3 + k], inv[6 + k]].map((v) => 2 * Math.PI * v));
  const out = new Float64Array(3 * mesh[0] * mesh[1] * mesh[2]);
  let o = 0;
  for (let i = 0; i < mesh[0]; i++)
    for (let j = 0; j < mesh[1]; j++)
      for (let k = 0; k < mesh[2]; k++) {
        const f = [i / mesh[0], j / mesh[1], k / mesh[2]];
        for (let c = 0; c < 3; c++) out[o++] = f[0] * b[0][c] + f[1] * b[1][c] + f[2] * b[2][c];
      }
  return out;
}
