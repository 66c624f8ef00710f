/**
 * Crystal builders and structure perturbations. Lengths in Å; returned structures are fully periodic, with the
 * cell rows as lattice vectors (row-major 3x3) and Cartesian positions (3 per atom). Inputs are never mutated.
 *
 * - bulk(kind, elements, a, opts): conventional cubic cells by default for the cubic kinds (sc 1 atom, bcc 2,
 *   fcc 4, diamond 8, rocksalt 8, zincblende 8); `cubic: false` gives the primitive cells (ASE's vectors:
 *   fcc a/2·(0,1,1),(1,0,1),(1,1,0); bcc a/2·(−1,1,1),(1,−1,1),(1,1,−1)). hcp: a1 = (a,0,0),
 *   a2 = (−a/2, a√3/2, 0), a3 = (0,0,c), atoms at fractional (1/3,2/3,1/4) and (2/3,1/3,3/4), c = √(8/3)·a by
 *   default (ideal packing). Two-species kinds (rocksalt, zincblende) take [cation/first, anion/second]; single-
 *   species kinds take one element, or two for bcc (the CsCl B2 ordering: corner and body centre).
 * - supercell(s, [na, nb, nc]) repeats the cell (image-major order: all atoms of image (0,0,0), then (0,0,1), ...,
 *   the last index fastest; positions are tiled exactly, not wrapped). supercell(s, P) with a 3x3 integer matrix
 *   (row-major; new cell rows = P·cell) enumerates the lattice translations inside the new cell and wraps atoms
 *   into it.
 * - rattle(s, amplitude, rng, distribution): adds independent random displacements to every Cartesian
 *   component: 'normal' (default, as ASE's rattle) with standard deviation `amplitude`, or 'uniform' on
 *   [−amplitude, amplitude) (as LAMMPS displace_atoms random).
 * - strain(s, eps): x → x·(I + ε) for positions and cell (structure/cell.ts deform; ε row-major 3x3).
 * - randomStrain(s, maxStrain, rng): a symmetric ε whose six independent components are uniform on
 *   [−maxStrain, maxStrain], applied with strain(); randomStrainTensor returns that ε alone.
 */
import { UserError } from '../core/errors.ts';
import { det3, inv3, mul3 } from '../core/mat3.ts';
import { atomicNumber } from '../core/elements.ts';
import type { Rng } from '../core/random.ts';
import { deform } from './cell.ts';
import type { Structure } from './types.ts';

export type LatticeKind = 'sc' | 'bcc' | 'fcc' | 'hcp' | 'diamond' | 'rocksalt' | 'zincblende';

export interface BulkOptions {
  /** hcp c (Å); default √(8/3)·a. */
  c?: number;
  /** Conventional cubic cell (default true for cubic kinds; hcp has none). */
  cubic?: boolean;
}

const PBC: readonly [boolean, boolean, boolean] = [true, true, true];

function speciesOf(elements: readonly string[]): number[] {
  return elements.map((e) => {
    const z = atomicNumber(e);
    if (z === undefined) throw new UserError(`unknown element symbol "${e}"`);
    return z;
  });
}

/** Structure from a cell (rows, Å) and fractional positions with their species. */
function fromFractional(cell: number[], frac: number[][], species: number[]): Structure {
  const n = frac.length;
  const pos = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const [u, v, w] = frac[i];
    for (let k = 0; k < 3; k++) pos[3 * i + k] = u * cell[k] + v * cell[3 + k] + w * cell[6 + k];
  }
  return { species: Int32Array.from(species), positions: pos, cell: Float64Array.from(cell), pbc: PBC };
}

const FCC_CONV = [[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]];
const Q = 0.25;

export function bulk(kind: LatticeKind, elements: readonly string[], a: number, opts: BulkOptions = {}): Structure {
  if (!(a > 0) || !Number.isFinite(a)) throw new UserError(`bulk ${kind}: lattice constant must be > 0, got ${a}`);
  const twoSpecies = kind === 'rocksalt' || kind === 'zincblende';
  const allowed = twoSpecies ? [2] : kind === 'bcc' ? [1, 2] : [1];
  if (!allowed.includes(elements.length)) {
    throw new UserError(`bulk ${kind}: expected ${allowed.join(' or ')} element(s), got ${elements.length} (${elements.join(', ')})`);
  }
  const z = speciesOf(elements);
  const z0 = z[0], z1 = z[z.length - 1];
  if (kind === 'hcp') {
    if (opts.cubic) throw new UserError('bulk hcp: there is no cubic hcp cell');
    const c = opts.c ?? Math.sqrt(8 / 3) * a;
    if (!(c > 0)) throw new UserError(`bulk hcp: c must be > 0, got ${c}`);
    const cell = [a, 0, 0, -a / 2, (a * Math.sqrt(3)) / 2, 0, 0, 0, c];
    return fromFractional(cell, [[1 / 3, 2 / 3, 0.25], [2 / 3, 1 / 3, 0.75]], [z0, z0]);
  }
  if (opts.c !== undefined) throw new UserError(`bulk ${kind}: option c applies to hcp only`);
  const cubic = opts.cubic ?? true;
  const cubicCell = [a, 0, 0, 0, a, 0, 0, 0, a];
  const h = a / 2;
  const fccPrim = [0, h, h, h, 0, h, h, h, 0];
  switch (kind) {
    case 'sc':
      return fromFractional(cubicCell, [[0, 0, 0]], [z0]);
    case 'bcc':
      if (cubic || z0 !== z1) {
        if (!cubic) throw new UserError('bulk bcc with two elements (B2) has no one-atom primitive cell: use cubic');
        return fromFractional(cubicCell, [[0, 0, 0], [0.5, 0.5, 0.5]], [z0, z1]);
      }
      return fromFractional([-h, h, h, h, -h, h, h, h, -h], [[0, 0, 0]], [z0]);
    case 'fcc':
      if (cubic) return fromFractional(cubicCell, FCC_CONV, [z0, z0, z0, z0]);
      return fromFractional(fccPrim, [[0, 0, 0]], [z0]);
    case 'diamond':
    case 'zincblende': {
      if (cubic) {
        const frac = [...FCC_CONV, ...FCC_CONV.map(([u, v, w]) => [u + Q, v + Q, w + Q])];
        return fromFractional(cubicCell, frac, [z0, z0, z0, z0, z1, z1, z1, z1]);
      }
      return fromFractional(fccPrim, [[0, 0, 0], [Q, Q, Q]], [z0, z1]);
    }
    case 'rocksalt': {
      if (cubic) {
        const frac = [...FCC_CONV, ...FCC_CONV.map(([u, v, w]) => [u + 0.5, v, w])];
        return fromFractional(cubicCell, frac, [z0, z0, z0, z0, z1, z1, z1, z1]);
      }
      return fromFractional(fccPrim, [[0, 0, 0], [0.5, 0.5, 0.5]], [z0, z1]);
    }
    default: {
      const never: never = kind;
      throw new UserError(`unknown lattice kind ${String(never)}`);
    }
  }
}

function isDiagonal(p: ArrayLike<number>): boolean {
  return p[1] === 0 && p[2] === 0 && p[3] === 0 && p[5] === 0 && p[6] === 0 && p[7] === 0;
}

/**
 * Repeats `s` by [na, nb, nc] or by a 3x3 integer matrix P (row-major; new cell = P·cell, |det P| copies).
 */
export function supercell(s: Structure, reps: readonly [number, number, number] | ArrayLike<number>): Structure {
  const p = reps.length === 3 ? [reps[0], 0, 0, 0, reps[1], 0, 0, 0, reps[2]] : Array.from(reps);
  if (p.length !== 9 || p.some((v) => !Number.isInteger(v))) {
    throw new UserError(`supercell: expected three positive integers or a 3x3 integer matrix, got [${Array.from(reps).join(', ')}]`);
  }
  const detP = Math.round(det3(p));
  if (detP === 0) throw new UserError(`supercell: matrix [${p.join(', ')}] is singular`);
  const n = s.species.length;
  const cell = s.cell;
  const newCell = mul3(p, cell);
  if (isDiagonal(p) && p[0] > 0 && p[4] > 0 && p[8] > 0) {
    const [na, nb, nc] = [p[0], p[4], p[8]];
    const total = n * na * nb * nc;
    const species = new Int32Array(total);
    const pos = new Float64Array(3 * total);
    let o = 0;
    for (let ia = 0; ia < na; ia++)
      for (let ib = 0; ib < nb; ib++)
        for (let ic = 0; ic < nc; ic++) {
          const tx = ia * cell[0] + ib * cell[3] + ic * cell[6];
          const ty = ia * cell[1] + ib * cell[4] + ic * cell[7];
          const tz = ia * cell[2] + ib * cell[5] + ic * cell[8];
          for (let i = 0; i < n; i++, o++) {
            species[o] = s.species[i];
            pos[3 * o] = s.positions[3 * i] + tx;
            pos[3 * o + 1] = s.positions[3 * i + 1] + ty;
            pos[3 * o + 2] = s.positions[3 * i + 2] + tz;
          }
        }
    return { species, positions: pos, cell: newCell, pbc: s.pbc };
  }
  // General matrix: fractional coordinates in the new cell are g = (f + t)·P⁻¹ for lattice translations t; keep
  // those with g in [0, 1) (with a tolerance so atoms on faces are taken exactly once).
  const inv = inv3(cell);
  const pInv = inv3(p);
  const lo = [0, 0, 0], hi = [0, 0, 0];
  for (let corner = 0; corner < 8; corner++) {
    const u = [corner & 1, (corner >> 1) & 1, (corner >> 2) & 1];
    for (let k = 0; k < 3; k++) {
      const v = u[0] * p[k] + u[1] * p[3 + k] + u[2] * p[6 + k];
      lo[k] = Math.min(lo[k], v);
      hi[k] = Math.max(hi[k], v);
    }
  }
  const eps = 1e-8;
  const species: number[] = [];
  const frac: number[] = [];
  for (let ta = lo[0] - 1; ta <= hi[0]; ta++)
    for (let tb = lo[1] - 1; tb <= hi[1]; tb++)
      for (let tc = lo[2] - 1; tc <= hi[2]; tc++)
        for (let i = 0; i < n; i++) {
          const x = s.positions[3 * i], y = s.positions[3 * i + 1], z = s.positions[3 * i + 2];
          // f wrapped into [0, 1) so the translation box above covers every image
          const f = [0, 1, 2].map((k) => {
            const v = x * inv[k] + y * inv[3 + k] + z * inv[6 + k];
            return v - Math.floor(v);
          });
          const fa = f[0] + ta, fb = f[1] + tb, fc = f[2] + tc;
          const g = [0, 1, 2].map((k) => fa * pInv[k] + fb * pInv[3 + k] + fc * pInv[6 + k]);
          if (g.every((v) => v >= -eps && v < 1 - eps)) {
            species.push(s.species[i]);
            frac.push(...g.map((v) => (v < 0 ? 0 : v)));
          }
        }
  if (species.length !== n * Math.abs(detP)) {
    throw new Error(`internal error: supercell found ${species.length} atoms, expected ${n * Math.abs(detP)}`);
  }
  const out = fromFractional(Array.from(newCell), chunk3(frac), species);
  return { ...out, pbc: s.pbc };
}

function chunk3(v: number[]): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < v.length; k += 3) out.push([v[k], v[k + 1], v[k + 2]]);
  return out;
}

export type RattleDistribution = 'normal' | 'uniform';

/** Random displacement of every Cartesian component (see the file comment for the distributions). */
export function rattle(s: Structure, amplitude: number, rng: Rng, distribution: RattleDistribution = 'normal'): Structure {
  if (!(amplitude >= 0)) throw new UserError(`rattle: amplitude must be ≥ 0, got ${amplitude}`);
  const pos = s.positions.slice();
  for (let k = 0; k < pos.length; k++) {
    pos[k] += distribution === 'normal' ? rng.normal(0, amplitude) : rng.uniform(-amplitude, amplitude);
  }
  return { species: s.species, positions: pos, cell: s.cell, pbc: s.pbc };
}

/** Homogeneous strain x → x·(I + ε) of positions and cell; ε is a row-major 3x3. */
export function strain(s: Structure, eps: ArrayLike<number>): Structure {
  if (eps.length !== 9) throw new UserError(`strain: expected a 3x3 (9 numbers), got ${eps.length}`);
  return deform(s, eps);
}

/** Symmetric strain with the six independent components uniform on [−maxStrain, maxStrain] (row-major 3x3). */
export function randomStrainTensor(maxStrain: number, rng: Rng): Float64Array {
  const e = new Float64Array(9);
  for (let a = 0; a < 3; a++)
    for (let b = a; b < 3; b++) {
      const v = rng.uniform(-maxStrain, maxStrain);
      e[3 * a + b] = v;
      e[3 * b + a] = v;
    }
  return e;
}

/** Applies randomStrainTensor(maxStrain, rng) to `s`. */
export function randomStrain(s: Structure, maxStrain: number, rng: Rng): Structure {
  return strain(s, randomStrainTensor(maxStrain, rng));
}
