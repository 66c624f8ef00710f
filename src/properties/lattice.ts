/**
 * Equilibrium lattice constants and cohesive energies of one-element crystals.
 *
 * - Cubic kinds (sc, bcc, fcc, diamond): the conventional cubic cell at lattice constant a. dE/da = 3V σ_m / a
 *   (σ_m the mean normal ASE stress; internal coordinates of these lattices are fixed by symmetry under isotropic
 *   scaling), so the energy minimum is the sign change of σ_m from compressive to tensile. It is bracketed from
 *   the guess (or from a scan of the energy over nearest-neighbour distances up to the model cutoff when there is
 *   no guess) and bisected to `tol` (default 1e-9 Å), far below the 1e-6 Å an energy minimisation could resolve.
 *   The result is checked to be an energy minimum (E(a ± 1e-3 Å) ≥ E(a)).
 * - hcp: a and c from a FIRE cell relaxation to zero stress (relax.ts relaxCell, stress tolerance 1e-9 eV/Å³),
 *   starting from the guess with the ideal c/a.
 * Cohesive energy (eV/atom, positive when bound): E_coh = E_isolated − E_bulk/N, with E_isolated the model's
 * energy of one lone atom (no periodicity), computed, not assumed zero (an EAM embedding F(0) need not vanish).
 */
import { UserError } from '../core/errors.ts';
import { atomicNumber } from '../core/elements.ts';
import { bulk } from '../structure/builders.ts';
import { volume } from '../structure/cell.ts';
import type { Structure } from '../structure/types.ts';
import { evaluateStructure } from '../potentials/evaluate.ts';
import type { CompiledModel } from '../potentials/types.ts';
import { relaxCell, type RelaxStatus } from './relax.ts';

export type CubicKind = 'sc' | 'bcc' | 'fcc' | 'diamond';
export type CrystalKind = CubicKind | 'hcp';
export const CRYSTAL_KINDS: readonly CrystalKind[] = ['fcc', 'bcc', 'hcp', 'diamond', 'sc'];

/** Lattice constant a per nearest-neighbour distance d, for the guess scan. */
const A_PER_NN: Readonly<Record<CrystalKind, number>> = {
  sc: 1,
  bcc: 2 / Math.sqrt(3),
  fcc: Math.SQRT2,
  diamond: 4 / Math.sqrt(3),
  hcp: 1,
};

export interface LatticeOptions {
  /** Starting lattice constant a (Å). */
  guess?: number;
  /** Bisection tolerance on a (Å), default 1e-9. */
  tol?: number;
}

export interface LatticeResult {
  kind: CrystalKind;
  element: string;
  /** Å. */
  a: number;
  /** hcp only (Å). */
  c?: number;
  cOverA?: number;
  /** The equilibrium conventional cell (cubic kinds) or the 2-atom hcp cell. */
  structure: Structure;
  /** eV/atom. */
  energyPerAtom: number;
  /** Å³/atom. */
  volumePerAtom: number;
  /** eV. */
  isolatedAtomEnergy: number;
  /** eV/atom, positive when bound. */
  cohesiveEnergy: number;
  /** Mean normal stress left at the solution (eV/Å³). */
  residualStress: number;
  status: RelaxStatus;
}

/** The model's energy of a single atom with nothing around it (eV). */
export function isolatedAtomEnergy(model: CompiledModel, element: string): number {
  const z = atomicNumber(element);
  if (z === undefined) throw new UserError(`'${element}' is not a chemical element symbol`);
  const s: Structure = { species: Int32Array.of(z), positions: new Float64Array(3), cell: new Float64Array(9), pbc: [false, false, false] };
  return evaluateStructure(model, s, {}).energy;
}

function meanStress(model: CompiledModel, s: Structure): number {
  const st = evaluateStructure(model, s, { virial: true }).stress!;
  return (st[0] + st[1] + st[2]) / 3;
}

function energyAt(model: CompiledModel, kind: CrystalKind, el: string, a: number): number {
  const s = bulk(kind, [el], a);
  return evaluateStructure(model, s, {}).energy / s.species.length;
}

/** Guess of a from the lowest energy over nearest-neighbour distances 1.0 Å … cutoff. */
function scanGuess(model: CompiledModel, kind: CrystalKind, el: string): number {
  let best = Infinity, bestA = NaN;
  for (let d = 1.0; d <= model.cutoff; d += 0.02) {
    const a = d * A_PER_NN[kind];
    const e = energyAt(model, kind, el, a);
    if (Number.isFinite(e) && e < best) {
      best = e;
      bestA = a;
    }
  }
  if (!Number.isFinite(bestA)) throw new UserError(`lattice ${kind} ${el}: no finite energy found scanning nearest-neighbour distances up to the cutoff`);
  return bestA;
}

function cubicLattice(model: CompiledModel, kind: CubicKind, el: string, opts: LatticeOptions): { a: number; residual: number } {
  const tol = opts.tol ?? 1e-9;
  const guess = opts.guess ?? scanGuess(model, kind, el);
  const sigma = (a: number) => meanStress(model, bulk(kind, [el], a));
  // Bracket: compressive (σ < 0) below the minimum, tensile (σ > 0) above it.
  let lo = guess, hi = guess;
  let sLo = sigma(lo);
  let sHi = sLo;
  for (let k = 0; k < 60 && !(sLo < 0); k++) {
    hi = lo;
    sHi = sLo;
    lo *= 0.98;
    sLo = sigma(lo);
  }
  for (let k = 0; k < 60 && !(sHi > 0); k++) {
    lo = hi;
    sLo = sHi;
    hi *= 1.02;
    sHi = sigma(hi);
  }
  if (!(sLo < 0 && sHi > 0))
    throw new UserError(`lattice ${kind} ${el}: could not bracket zero stress around a = ${guess} Å (give a better --a0 guess)`);
  while (hi - lo > tol) {
    const mid = 0.5 * (lo + hi);
    const sm = sigma(mid);
    if (!Number.isFinite(sm)) throw new UserError(`lattice ${kind} ${el}: non-finite stress at a = ${mid} Å`);
    if (sm < 0) lo = mid;
    else hi = mid;
    if (mid === lo && mid === hi) break;
  }
  const a = 0.5 * (lo + hi);
  const e = energyAt(model, kind, el, a);
  const h = 1e-3;
  if (energyAt(model, kind, el, a - h) < e || energyAt(model, kind, el, a + h) < e)
    throw new UserError(`lattice ${kind} ${el}: zero stress at a = ${a} Å is not an energy minimum`);
  return { a, residual: sigma(a) };
}

export function equilibriumLattice(model: CompiledModel, kind: CrystalKind, element: string, opts: LatticeOptions = {}): LatticeResult {
  if (!model.spec.elements.includes(element))
    throw new UserError(`element ${element} is not in the model (it has ${model.spec.elements.join(', ')})`);
  const eIso = isolatedAtomEnergy(model, element);
  let structure: Structure, a: number, c: number | undefined, residual: number, status: RelaxStatus = 'converged';
  if (kind === 'hcp') {
    const guess = opts.guess ?? scanGuess(model, 'hcp', element);
    const r = relaxCell(model, bulk('hcp', [element], guess), { stressTol: 1e-9, fmax: 1e-6 });
    structure = r.structure;
    status = r.status;
    const cl = structure.cell;
    a = Math.hypot(cl[0], cl[1], cl[2]);
    c = Math.hypot(cl[6], cl[7], cl[8]);
    residual = (r.stress[0] + r.stress[1] + r.stress[2]) / 3;
  } else {
    const r = cubicLattice(model, kind, element, opts);
    a = r.a;
    residual = r.residual;
    structure = bulk(kind, [element], a);
  }
  const n = structure.species.length;
  const e = evaluateStructure(model, structure, {}).energy / n;
  return {
    kind, element, a, c, cOverA: c === undefined ? undefined : c / a, structure,
    energyPerAtom: e, volumePerAtom: volume(structure) / n, isolatedAtomEnergy: eIso, cohesiveEnergy: eIso - e,
    residualStress: residual, status,
  };
}
