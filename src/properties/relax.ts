/**
 * Relaxations of a structure with a compiled model. Pure: model + structure in, a new structure and numbers out.
 *
 * - relaxPositions(model, s, opts): atoms only, cell fixed, by L-BFGS (default) or FIRE (minimize.ts).
 *   Converged when the largest per-atom force norm over free components, fmax (eV/Å), is ≤ opts.fmax.
 * - relaxCell(model, s, opts): atoms and cell together by FIRE, towards a target stress σ_t (eV/Å³, ASE sign,
 *   internal Voigt order xx yy zz yz xz xy; default 0). Mode 'full' drives all six components to σ_t; mode
 *   'hydrostatic' only the mean stress (the cell is scaled isotropically, its shape kept).
 *   Degrees of freedom (ASE UnitCellFilter idea): a deformation gradient F with cell = cell₀·F and positions
 *   r_i = u_i·F (row vectors). Then −∂E/∂u_i = f_i·Fᵀ and ∂E/∂F = V F⁻ᵀσ (σ_ab = (1/V)∂E/∂ε_ab for x → x(I+ε),
 *   with ε = F⁻¹dF); the driving force on F is −V F⁻ᵀ(σ − σ_t), exact for a hydrostatic target (enthalpy
 *   E + P_t V) and the usual small-strain choice otherwise. F is scaled by N atoms so that a unit step in F is
 *   as stiff as an atom's displacement (ASE's cell_factor).
 *   Converged when fmax ≤ opts.fmax and the stress error (max |σ − σ_t| over components, or |mean| for
 *   'hydrostatic') ≤ opts.stressTol (eV/Å³).
 * - `fixed` (both): a 3N mask, 1 where a Cartesian component must not move (its force is ignored); GSF curves
 *   relax only perpendicular to the fault with it.
 * Status: 'converged' | 'maxIterations' | 'stalled' | 'nonFinite'; a non-finite input or a model returning NaN
 * gives a status, never an exception (the returned structure is then the last finite one).
 */
import { UserError } from '../core/errors.ts';
import { inv3, mul3, transpose3 } from '../core/mat3.ts';
import { voigtToFull } from '../core/voigt.ts';
import { evaluateStructure } from '../potentials/evaluate.ts';
import type { CompiledModel } from '../potentials/types.ts';
import { volume } from '../structure/cell.ts';
import type { Structure } from '../structure/types.ts';
import { fire, lbfgs, type MinimizeResult, type Objective, type RelaxStatus } from './minimize.ts';

export type { RelaxStatus } from './minimize.ts';
export type RelaxMethod = 'lbfgs' | 'fire';

export interface RelaxOptions {
  method?: RelaxMethod;
  /** Force tolerance (eV/Å), default 1e-5. */
  fmax?: number;
  maxIterations?: number;
  /** Largest displacement of one atom per step (Å), default 0.2. */
  maxStep?: number;
  /** 3N mask: 1 = this Cartesian component stays fixed. */
  fixed?: Uint8Array;
  /** L-BFGS history length, default 10. */
  memory?: number;
}

export interface RelaxResult {
  structure: Structure;
  /** eV. */
  energy: number;
  /** eV/Å, 3 per atom; fixed components are reported as computed, not zeroed. */
  forces: Float64Array;
  /** Largest per-atom force norm over free components (eV/Å). */
  fmax: number;
  iterations: number;
  evaluations: number;
  status: RelaxStatus;
  message: string;
}

export interface CellRelaxOptions {
  fmax?: number;
  /** Stress tolerance (eV/Å³), default 1e-7 (1.6e-5 GPa). */
  stressTol?: number;
  /** Target ASE stress (eV/Å³, internal Voigt), default zero. */
  targetStress?: ArrayLike<number>;
  mode?: 'full' | 'hydrostatic';
  maxIterations?: number;
  maxStep?: number;
  fixed?: Uint8Array;
}

export interface CellRelaxResult extends RelaxResult {
  /** ASE stress at the end (eV/Å³, internal Voigt). */
  stress: Float64Array;
  /** The stress error the tolerance applies to (eV/Å³). */
  stressError: number;
}

const DEFAULT_FMAX = 1e-5;
const DEFAULT_STRESS_TOL = 1e-7;
const DEFAULT_MAX_STEP = 0.2;
/** ASE LBFGS's initial Hessian guess, 70 eV/Å². */
const LBFGS_H0 = 1 / 70;

function checkMask(s: Structure, fixed: Uint8Array | undefined): void {
  if (fixed && fixed.length !== s.positions.length)
    throw new UserError(`relax: the fixed mask has ${fixed.length} entries, expected 3 per atom (${s.positions.length})`);
}

/** Largest per-atom norm of f over free components. */
function freeFmax(f: Float64Array, fixed: Uint8Array | undefined): number {
  let m = 0;
  for (let i = 0; i < f.length; i += 3) {
    let s = 0;
    for (let c = i; c < i + 3; c++) if (!fixed || !fixed[c]) s += f[c] * f[c];
    if (s > m) m = s;
  }
  return Math.sqrt(m);
}

function withPositions(s: Structure, positions: Float64Array): Structure {
  return { species: s.species, positions, cell: s.cell, pbc: s.pbc };
}

export function relaxPositions(model: CompiledModel, s: Structure, opts: RelaxOptions = {}): RelaxResult {
  checkMask(s, opts.fixed);
  const fmaxTol = opts.fmax ?? DEFAULT_FMAX;
  const fixed = opts.fixed;
  let lastForces: Float64Array = new Float64Array(s.positions.length).fill(NaN);
  const obj: Objective = {
    evaluate(x) {
      const r = evaluateStructure(model, withPositions(s, x), { forces: true });
      const f = r.forces!;
      const g = f.slice();
      if (fixed) for (let k = 0; k < g.length; k++) if (fixed[k]) g[k] = 0;
      lastForces = f;
      return { energy: r.energy, force: g, error: freeFmax(f, fixed) / fmaxTol };
    },
  };
  const method = opts.method ?? 'lbfgs';
  const common = { maxIterations: opts.maxIterations ?? (method === 'fire' ? 20000 : 5000), maxStep: opts.maxStep ?? DEFAULT_MAX_STEP };
  const r: MinimizeResult =
    method === 'fire' ? fire(obj, s.positions, common) : lbfgs(obj, s.positions, { ...common, memory: opts.memory ?? 10, h0: LBFGS_H0 });
  // The minimiser may have evaluated trial points after its last accepted one: re-read the accepted forces.
  const forces = r.status === 'nonFinite' && !Number.isFinite(r.value.energy)
    ? lastForces
    : evaluateStructure(model, withPositions(s, r.x), { forces: true }).forces!;
  return {
    structure: withPositions(s, r.x),
    energy: r.value.energy,
    forces,
    fmax: Number.isFinite(r.value.energy) ? freeFmax(forces, fixed) : NaN,
    iterations: r.iterations,
    evaluations: r.evaluations,
    status: r.status,
    message: r.message,
  };
}

/** Mean of the normal components of an internal-Voigt 6-vector. */
function meanNormal(v: ArrayLike<number>): number {
  return (v[0] + v[1] + v[2]) / 3;
}

export function relaxCell(model: CompiledModel, s: Structure, opts: CellRelaxOptions = {}): CellRelaxResult {
  checkMask(s, opts.fixed);
  const fmaxTol = opts.fmax ?? DEFAULT_FMAX;
  const sTol = opts.stressTol ?? DEFAULT_STRESS_TOL;
  const target = Float64Array.from(opts.targetStress ?? [0, 0, 0, 0, 0, 0]);
  if (target.length !== 6) throw new UserError(`relaxCell: targetStress needs 6 components (xx yy zz yz xz xy), got ${target.length}`);
  const hydro = (opts.mode ?? 'full') === 'hydrostatic';
  const fixed = opts.fixed;
  const n = s.species.length;
  const scale = Math.max(1, n);
  const cell0 = s.cell;

  const unpack = (x: Float64Array): { st: Structure; F: Float64Array } => {
    const F = new Float64Array(9);
    for (let k = 0; k < 9; k++) F[k] = x[3 * n + k] / scale;
    const pos = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) {
      const u0 = x[3 * i], u1 = x[3 * i + 1], u2 = x[3 * i + 2];
      for (let b = 0; b < 3; b++) pos[3 * i + b] = u0 * F[b] + u1 * F[3 + b] + u2 * F[6 + b];
    }
    return { st: { species: s.species, positions: pos, cell: mul3(cell0, F), pbc: s.pbc }, F };
  };

  let last: { forces: Float64Array; stress: Float64Array; stressError: number; energy: number } | undefined;
  const obj: Objective = {
    evaluate(x) {
      const { st, F } = unpack(x);
      const r = evaluateStructure(model, st, { forces: true, virial: true });
      const f = r.forces!;
      const stress = r.stress ?? new Float64Array(6).fill(NaN);
      const g = new Float64Array(3 * n + 9);
      // −∂E/∂u_i = f_i·Fᵀ, i.e. g_b = Σ_a f_a F_ba
      for (let i = 0; i < n; i++) {
        const f0 = fixed?.[3 * i] ? 0 : f[3 * i], f1 = fixed?.[3 * i + 1] ? 0 : f[3 * i + 1], f2 = fixed?.[3 * i + 2] ? 0 : f[3 * i + 2];
        for (let b = 0; b < 3; b++) g[3 * i + b] = f0 * F[3 * b] + f1 * F[3 * b + 1] + f2 * F[3 * b + 2];
      }
      const diff = new Float64Array(6);
      for (let k = 0; k < 6; k++) diff[k] = stress[k] - target[k];
      let stressError: number;
      if (hydro) {
        const m = meanNormal(diff);
        diff.set([m, m, m, 0, 0, 0]);
        stressError = Math.abs(m);
      } else {
        stressError = Math.max(...Array.from(diff, Math.abs));
      }
      const dFull = voigtToFull(diff);
      const gF = mul3(transpose3(inv3(F)), dFull);
      const v = volume(st);
      for (let k = 0; k < 9; k++) g[3 * n + k] = (-v * gF[k]) / scale;
      last = { forces: f, stress, stressError, energy: r.energy };
      return { energy: r.energy, force: g, error: Math.max(freeFmax(f, fixed) / fmaxTol, stressError / sTol) };
    },
  };
  const x0 = new Float64Array(3 * n + 9);
  x0.set(s.positions);
  for (let k = 0; k < 9; k++) x0[3 * n + k] = (k % 4 === 0 ? 1 : 0) * scale;
  const r = fire(obj, x0, { maxIterations: opts.maxIterations ?? 20000, maxStep: opts.maxStep ?? DEFAULT_MAX_STEP });
  if (r.status === 'nonFinite' && !Number.isFinite(r.value.energy)) {
    const nan = new Float64Array(6).fill(NaN);
    return { structure: s, energy: NaN, forces: new Float64Array(3 * n).fill(NaN), fmax: NaN, iterations: r.iterations, evaluations: r.evaluations, status: r.status, message: r.message, stress: nan, stressError: NaN };
  }
  // Re-evaluate at the accepted point (the last call may have been a rejected trial).
  obj.evaluate(r.x);
  const fin = last!;
  return {
    structure: unpack(r.x).st,
    energy: fin.energy,
    forces: fin.forces,
    fmax: freeFmax(fin.forces, fixed),
    iterations: r.iterations,
    evaluations: r.evaluations,
    status: r.status,
    message: r.message,
    stress: fin.stress,
    stressError: fin.stressError,
  };
}
