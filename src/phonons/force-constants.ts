/**
 * Harmonic force constants by central finite differences of forces in a periodic supercell.
 *
 * Input: a primitive cell (any small periodic cell, n atoms) and repetitions [n1, n2, n3]; the supercell is
 * structure/builders.ts supercell(), whose image-major order puts the primitive atoms first (supercell atom J is a
 * copy of primitive atom J mod n). Each primitive atom i is displaced by ±h along x, y, z (Å) and
 *   Φ(iα, Jβ) = ∂²E/∂u_iα∂u_Jβ ≈ −[F_Jβ(+h e_iα) − F_Jβ(−h e_iα)] / (2h)      (eV/Å²)
 * Layout: phi[(3i + α)·3M + 3J + β], M = supercell atom count. Error O(h²) (anharmonicity), default h = 0.01 Å.
 *
 * Acoustic sum rule: translation invariance gives Σ_J Φ(iα, Jβ) = 0 (the total force stays zero). The raw residual
 * is reported (`sumRuleError`, eV/Å²); by default it is removed from the on-site term Φ(iα, iβ) so that acoustic
 * frequencies vanish at Γ to round-off.
 *
 * Images for the dynamical matrix (phase factors): the pair (i, J) is represented by the vector d = x_J − x_i + T
 * over supercell translations T that minimise |d| (the Wigner–Seitz convention); when several are equally short
 * (J on the boundary of i's Wigner–Seitz cell) each gets weight 1/count (as phonopy does). Vectors within a relative
 * 1e-6 of the shortest count as equal. This is exact at q commensurate with the supercell, and the best
 * interpolation elsewhere.
 */
import { UserError } from '../core/errors.ts';
import { evaluateStructure } from '../potentials/evaluate.ts';
import type { CompiledModel } from '../potentials/types.ts';
import { supercell } from '../structure/builders.ts';
import type { Structure } from '../structure/types.ts';
import { atomMasses } from '../md/masses.ts';

export interface ForceConstants {
  primitive: Structure;
  supercell: Structure;
  /** Primitive atom count n and supercell atom count M. */
  n: number;
  M: number;
  /** Masses of the primitive atoms (amu). */
  masses: Float64Array;
  /** (3n) x (3M) row-major, eV/Å². */
  phi: Float64Array;
  /** Image vectors of each pair (i, J): entries imgStart[i·M + J] .. imgStart[i·M + J + 1] of imgVec (3 each, Å). */
  imgStart: Int32Array;
  imgVec: Float64Array;
  /** Weight 1/count per pair (i, J). */
  imgWeight: Float64Array;
  /** max |Σ_J Φ(iα, Jβ)| before the correction (eV/Å²). */
  sumRuleError: number;
}

export interface ForceConstantOptions {
  /** Displacement (Å), default 0.01. */
  h?: number;
  /** Remove the sum-rule residual from the on-site terms (default true). */
  enforceSumRule?: boolean;
  /** Masses per primitive atom (amu); default from the model spec or standard atomic weights. */
  masses?: ArrayLike<number>;
}

export function forceConstants(model: CompiledModel, primitive: Structure, reps: readonly [number, number, number], o: ForceConstantOptions = {}): ForceConstants {
  const h = o.h ?? 0.01;
  if (!(h > 0)) throw new UserError(`phonons: displacement must be positive (Å), got ${h}`);
  if (!(primitive.pbc[0] && primitive.pbc[1] && primitive.pbc[2])) throw new UserError('phonons: the cell must be periodic in 3D');
  for (const r of reps) if (!Number.isInteger(r) || r < 1) throw new UserError(`phonons: supercell repetitions must be positive integers, got [${reps.join(', ')}]`);
  const sc = supercell(primitive, reps);
  const n = primitive.species.length, M = sc.species.length;
  const masses = o.masses ? Float64Array.from(o.masses) : atomMasses(primitive.species, model.spec);
  if (masses.length !== n) throw new UserError(`phonons: ${masses.length} masses for ${n} atoms`);
  const phi = new Float64Array(3 * n * 3 * M);
  const pos = sc.positions.slice();
  const displaced: Structure = { ...sc, positions: pos };
  for (let i = 0; i < n; i++)
    for (let a = 0; a < 3; a++) {
      const k = 3 * i + a, x0 = sc.positions[k];
      pos[k] = x0 + h;
      const fp = evaluateStructure(model, displaced, { forces: true }).forces!;
      pos[k] = x0 - h;
      const fm = evaluateStructure(model, displaced, { forces: true }).forces!;
      pos[k] = x0;
      const row = k * 3 * M;
      for (let c = 0; c < 3 * M; c++) phi[row + c] = -(fp[c] - fm[c]) / (2 * h);
    }
  let sumRuleError = 0;
  for (let r = 0; r < 3 * n; r++)
    for (let b = 0; b < 3; b++) {
      let s = 0;
      for (let J = 0; J < M; J++) s += phi[r * 3 * M + 3 * J + b];
      sumRuleError = Math.max(sumRuleError, Math.abs(s));
      if (o.enforceSumRule ?? true) phi[r * 3 * M + 3 * Math.floor(r / 3) + b] -= s;
    }
  const { imgStart, imgVec, imgWeight } = minimumImages(sc, n);
  return { primitive, supercell: sc, n, M, masses, phi, imgStart, imgVec, imgWeight, sumRuleError };
}

function minimumImages(sc: Structure, n: number): { imgStart: Int32Array; imgVec: Float64Array; imgWeight: Float64Array } {
  const M = sc.species.length, c = sc.cell, x = sc.positions;
  const imgStart = new Int32Array(n * M + 1);
  const vec: number[] = [];
  const imgWeight = new Float64Array(n * M);
  const R = 2;
  const cand: number[] = [];
  for (let i = 0; i < n; i++)
    for (let J = 0; J < M; J++) {
      const d0 = [x[3 * J] - x[3 * i], x[3 * J + 1] - x[3 * i + 1], x[3 * J + 2] - x[3 * i + 2]];
      cand.length = 0;
      let best = Infinity;
      for (let t1 = -R; t1 <= R; t1++)
        for (let t2 = -R; t2 <= R; t2++)
          for (let t3 = -R; t3 <= R; t3++) {
            const dx = d0[0] + t1 * c[0] + t2 * c[3] + t3 * c[6];
            const dy = d0[1] + t1 * c[1] + t2 * c[4] + t3 * c[7];
            const dz = d0[2] + t1 * c[2] + t2 * c[5] + t3 * c[8];
            const r2 = dx * dx + dy * dy + dz * dz;
            cand.push(dx, dy, dz, r2);
            if (r2 < best) best = r2;
          }
      const tol = 1e-6 * Math.max(best, 1e-12) + 1e-12;
      let count = 0;
      for (let k = 0; k < cand.length; k += 4)
        if (cand[k + 3] <= best + tol) {
          vec.push(cand[k], cand[k + 1], cand[k + 2]);
          count++;
        }
      imgWeight[i * M + J] = 1 / count;
      imgStart[i * M + J + 1] = vec.length / 3;
    }
  return { imgStart, imgVec: Float64Array.from(vec), imgWeight };
}
