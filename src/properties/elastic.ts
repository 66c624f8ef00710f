/**
 * Elastic constants by finite strains with relaxed ions.
 *
 * For each Voigt strain j (internal order xx yy zz yz xz xy) the cell is deformed by ±δ (x → x(I + ε); for a shear
 * slot ε_ab = ε_ba = δ/2, i.e. engineering shear δ), internal coordinates are relaxed at fixed cell (relax.ts; this
 * is what makes diamond's C11, C12 and C44 relaxed-ion values), and C_ij = (σ_i(+δ) − σ_i(−δ)) / (2δ) with σ the
 * ASE stress (eV/Å³, tensile positive). Central differences make the error O(δ²); at a zero-stress reference the
 * Cauchy-stress derivative equals the elastic tensor, so `s` should be relaxed first (lattice.ts).
 * The 6x6 is returned row-major in eV/Å³ and GPa (core/units.ts), unsymmetrised; `asymmetry` = max |C_ij − C_ji|
 * measures the numerical precision.
 *
 * cubicConstants(C): C11, C12, C44 averaged over the symmetry-equivalent entries (C11 = mean of C11 C22 C33, C12 of
 * the six off-diagonal normal entries, C44 of C44 C55 C66), with `spread` the largest deviation of an entry from
 * its average. hexagonalConstants(C) likewise for hcp (z the c axis). bulkModulusVoigt(C) =
 * [C11 + C22 + C33 + 2(C12 + C13 + C23)] / 9 (equals (C11 + 2C12)/3 for cubic crystals).
 * cauchyReport(C): the Cauchy relation C12 = C44 holds for central pair forces when every atom is a centre of
 * inversion and the stress is zero; many-body models (EAM) break it. The tolerance scales with the numerical
 * precision: max(10 · asymmetry, 10 · spread, 1e-6 · max|C|).
 */
import { UserError } from '../core/errors.ts';
import { GPA_PER_EV_A3 } from '../core/units.ts';
import { VOIGT_PAIRS } from '../core/voigt.ts';
import { evaluateStructure } from '../potentials/evaluate.ts';
import type { CompiledModel } from '../potentials/types.ts';
import { deform } from '../structure/cell.ts';
import type { Structure } from '../structure/types.ts';
import { relaxPositions, type RelaxMethod, type RelaxStatus } from './relax.ts';

export interface ElasticOptions {
  /** Strain amplitude δ, default 1e-4. */
  strain?: number;
  /** Relax internal coordinates at each strain (default true). */
  relaxIons?: boolean;
  /** Force tolerance of the ionic relaxations (eV/Å), default 1e-8. */
  fmax?: number;
  method?: RelaxMethod;
}

export interface ElasticResult {
  /** 6x6 row-major, eV/Å³, internal Voigt order. */
  c: Float64Array;
  /** The same in GPa. */
  cGPa: Float64Array;
  /** max |C_ij − C_ji| (GPa). */
  asymmetryGPa: number;
  /** Stress of the reference structure (eV/Å³); should be ~0. */
  stress0: Float64Array;
  strain: number;
  relaxIons: boolean;
  /** Worst ionic relaxation status over the 12 strained cells. */
  status: RelaxStatus;
}

const STATUS_RANK: Record<RelaxStatus, number> = { converged: 0, maxIterations: 1, stalled: 2, nonFinite: 3 };

function stressOf(model: CompiledModel, s: Structure): Float64Array {
  const r = evaluateStructure(model, s, { virial: true });
  if (!r.stress) throw new UserError('elastic constants need a 3D periodic structure');
  return r.stress;
}

export function elasticConstants(model: CompiledModel, s: Structure, opts: ElasticOptions = {}): ElasticResult {
  const d = opts.strain ?? 1e-4;
  if (!(d > 0 && d < 0.1)) throw new UserError(`elastic constants: strain must be in (0, 0.1), got ${d}`);
  const relax = opts.relaxIons ?? true;
  const c = new Float64Array(36);
  let status: RelaxStatus = 'converged';
  const stressAt = (j: number, sign: number): Float64Array => {
    const eps = new Float64Array(9);
    const [a, b] = VOIGT_PAIRS[j];
    const v = a === b ? sign * d : (sign * d) / 2;
    eps[3 * a + b] = v;
    eps[3 * b + a] = v;
    let st = deform(s, eps);
    if (relax && st.species.length > 1) {
      const r = relaxPositions(model, st, { fmax: opts.fmax ?? 1e-8, method: opts.method });
      if (STATUS_RANK[r.status] > STATUS_RANK[status]) status = r.status;
      st = r.structure;
    }
    return stressOf(model, st);
  };
  for (let j = 0; j < 6; j++) {
    const plus = stressAt(j, 1), minus = stressAt(j, -1);
    for (let i = 0; i < 6; i++) c[6 * i + j] = (plus[i] - minus[i]) / (2 * d);
  }
  const cGPa = c.map((x) => x * GPA_PER_EV_A3);
  let asym = 0;
  for (let i = 0; i < 6; i++) for (let j = i + 1; j < 6; j++) asym = Math.max(asym, Math.abs(cGPa[6 * i + j] - cGPa[6 * j + i]));
  return { c, cGPa, asymmetryGPa: asym, stress0: stressOf(model, s), strain: d, relaxIons: relax, status };
}

function averageOf(C: ArrayLike<number>, entries: readonly (readonly [number, number])[]): { mean: number; spread: number } {
  const vals = entries.map(([i, j]) => C[6 * i + j]);
  const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
  return { mean, spread: Math.max(...vals.map((v) => Math.abs(v - mean))) };
}

export interface CubicConstants {
  c11: number;
  c12: number;
  c44: number;
  /** Largest deviation of an entry from its symmetry average (same units as C). */
  spread: number;
}

/** Cubic averages of a 6x6 (any units; the result has the same units). */
export function cubicConstants(C: ArrayLike<number>): CubicConstants {
  const c11 = averageOf(C, [[0, 0], [1, 1], [2, 2]]);
  const c12 = averageOf(C, [[0, 1], [1, 0], [0, 2], [2, 0], [1, 2], [2, 1]]);
  const c44 = averageOf(C, [[3, 3], [4, 4], [5, 5]]);
  return { c11: c11.mean, c12: c12.mean, c44: c44.mean, spread: Math.max(c11.spread, c12.spread, c44.spread) };
}

export interface HexagonalConstants {
  c11: number;
  c12: number;
  c13: number;
  c33: number;
  c44: number;
  c66: number;
  spread: number;
}

/** Hexagonal averages (c axis along z) of a 6x6. */
export function hexagonalConstants(C: ArrayLike<number>): HexagonalConstants {
  const c11 = averageOf(C, [[0, 0], [1, 1]]);
  const c12 = averageOf(C, [[0, 1], [1, 0]]);
  const c13 = averageOf(C, [[0, 2], [2, 0], [1, 2], [2, 1]]);
  const c33 = averageOf(C, [[2, 2]]);
  const c44 = averageOf(C, [[3, 3], [4, 4]]);
  const c66 = averageOf(C, [[5, 5]]);
  return {
    c11: c11.mean, c12: c12.mean, c13: c13.mean, c33: c33.mean, c44: c44.mean, c66: c66.mean,
    spread: Math.max(c11.spread, c12.spread, c13.spread, c44.spread),
  };
}

/** Voigt bulk modulus of a 6x6 (same units as C). */
export function bulkModulusVoigt(C: ArrayLike<number>): number {
  return (C[0] + C[7] + C[14] + 2 * (C[1] + C[2] + C[8])) / 9;
}

export interface CauchyReport {
  /** C12 − C44 (GPa), from the symmetry averages. */
  c12MinusC44: number;
  /** |C12 − C44| / max(|C12|, |C44|). */
  relative: number;
  /** GPa. */
  tolerance: number;
  holds: boolean;
  message: string;
}

/** Cauchy relation C12 = C44 of a cubic 6x6 given in GPa with its asymmetry (GPa). */
export function cauchyReport(cGPa: ArrayLike<number>, asymmetryGPa: number): CauchyReport {
  const cub = cubicConstants(cGPa);
  const maxC = Math.max(...Array.from(cGPa, Math.abs));
  const tolerance = Math.max(10 * asymmetryGPa, 10 * cub.spread, 1e-6 * maxC);
  const diff = cub.c12 - cub.c44;
  const holds = Math.abs(diff) <= tolerance;
  const relative = Math.abs(diff) / Math.max(Math.abs(cub.c12), Math.abs(cub.c44));
  const message = holds
    ? `Cauchy relation C12 = C44 holds (C12 − C44 = ${diff.toPrecision(3)} GPa, within the numerical tolerance ${tolerance.toPrecision(2)} GPa): consistent with central pair forces`
    : `Cauchy relation violated: C12 − C44 = ${diff.toPrecision(4)} GPa (tolerance ${tolerance.toPrecision(2)} GPa): the model has many-body (non-pair) interactions`;
  return { c12MinusC44: diff, relative, tolerance, holds, message };
}
