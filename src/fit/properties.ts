/**
 * Material properties as fit targets (atomicrex-style): each target adds one Gaussian datum to the likelihood.
 *
 * Targets: {property, structure, element, target, sigma} plus options. Properties and their units:
 *   a0            Å        equilibrium lattice constant (hcp: a)
 *   ecoh          eV/atom  cohesive energy E_isolated − E_bulk/N (positive when bound; lattice.ts)
 *   c11 c12 c44   GPa      elastic constants at a0 (cubic: symmetry averages; hcp: hexagonal, z the c axis)
 *   bulk_modulus  GPa      Voigt bulk modulus of the same 6x6
 *   evac          eV       vacancy formation energy in a supercell of the conventional cell (defects.ts)
 *   esurf         J/m²     surface energy of a low-index plane (fcc, bcc; defects.ts)
 * Options: relaxIons (Cij/B: relax internal coordinates under strain; default false for fcc, bcc and sc, where every
 * atom is a centre of inversion and ions cannot relax under homogeneous strain, true otherwise; evac/esurf: relaxed
 * (default) or unrelaxed energy), supercell (evac, default 3x3x3), plane (esurf, default 111 for fcc and 110 for
 * bcc: the close-packed, lowest-energy surfaces), guess (a0 starting value).
 *
 * Fast path: the lattice of each (structure, element) is solved once per parameter vector and shared by every
 * property of that crystal; the elastic tensor likewise is computed once per crystal and relaxIons setting.
 * Cubic lattices are solved for zero mean stress by a bracketed Illinois (modified regula falsi) iteration to
 * |Δa| ≤ 1e-13·a from a fixed guess per crystal (not warm-started: with two zero-stress minima near the guess a warm
 * start makes a0 depend on the history of evaluations), so a0(θ) is smooth to ~1e-13 Å and its finite differences
 * in θ are clean (dE/da = 3Vσ_m/a, so the sign change from compressive to tensile is the energy minimum). hcp uses
 * lattice.ts (cell relaxation to 1e-9 eV/Å³: a0 noise ~1e-9 Å).
 *
 * Residual rows: r_i = (P_i(θ) − target_i)/σ_i, appended after the wrapped problem's rows. They are not rebalanced:
 * with balance lambda-star each data type contributes ~1 to the loss at its noise level and each property
 * contributes (Δ/σ)², so a property at 1σ weighs as much as a whole data type; with balance none the rows are one
 * more Gaussian datum each in −2 log L. The loss term is reported as 'property'.
 * Jacobian rows: central finite differences over the model's parameters, h_p = relStep·max(|θ_p|, absStep)
 * (defaults 1e-4 and 1e-3), property error O(h²); energy-offset columns are zero (every property is a model
 * property, independent of the DFT energy zero). A property that cannot be computed at some θ (no lattice
 * minimum) gives a NaN residual: solvers reject such a trial step.
 */
import { ConfigError, UserError } from '../core/errors.ts';
import { GPA_PER_EV_A3 } from '../core/units.ts';
import { evaluateStructure } from '../potentials/evaluate.ts';
import type { CompiledModel } from '../potentials/types.ts';
import { vacancyFormation, surfaceEnergy, SURFACE_PLANES, type SurfacePlane } from '../properties/defects.ts';
import { bulkModulusVoigt, cubicConstants, elasticConstants, hexagonalConstants, type ElasticResult } from '../properties/elastic.ts';
import { CRYSTAL_KINDS, equilibriumLattice, isolatedAtomEnergy, type CrystalKind, type CubicKind } from '../properties/lattice.ts';
import { bulk } from '../structure/builders.ts';
import type { Structure } from '../structure/types.ts';
import { concatRows, type LeastSquaresProblem } from './problem.ts';

export const PROPERTY_NAMES = ['a0', 'ecoh', 'c11', 'c12', 'c44', 'bulk_modulus', 'evac', 'esurf'] as const;
export type PropertyName = (typeof PROPERTY_NAMES)[number];
export const PROPERTY_STRUCTURES: readonly CrystalKind[] = CRYSTAL_KINDS;
export { SURFACE_PLANES };

export const PROPERTY_UNITS: Readonly<Record<PropertyName, string>> = {
  a0: 'Å', ecoh: 'eV/atom', c11: 'GPa', c12: 'GPa', c44: 'GPa', bulk_modulus: 'GPa', evac: 'eV', esurf: 'J/m²',
};

export interface PropertyTarget {
  property: PropertyName;
  structure: CrystalKind;
  element: string;
  /** In the property's unit (PROPERTY_UNITS). */
  target: number;
  /** Same unit; > 0. */
  sigma: number;
  relaxIons?: boolean;
  supercell?: [number, number, number];
  plane?: SurfacePlane;
  /** Starting lattice constant (Å). */
  guess?: number;
}

/** Finite-difference steps of the property Jacobian: h_p = relStep·max(|θ_p|, absStep). */
export interface PropertyFdOptions {
  relStep?: number;
  absStep?: number;
}

const DEFAULT_SUPERCELL: [number, number, number] = [3, 3, 3];
/** Force tolerance of the defect relaxations (eV/Å): energy error ~f²/k ≈ 1e-14 eV, far below FD changes. */
const DEFECT_FMAX = 1e-7;
const LATTICE_REL_TOL = 1e-13;

function ionsRelax(t: PropertyTarget): boolean {
  return t.relaxIons ?? !(t.structure === 'fcc' || t.structure === 'bcc' || t.structure === 'sc');
}

/** Checks one target's combination of fields; returns [key, message] of the first problem, for ConfigError. */
export function targetProblem(t: PropertyTarget, modelElements: readonly string[]): [string, string] | undefined {
  if (!modelElements.includes(t.element)) return ['element', `${t.element} is not one of the model's elements (${modelElements.join(', ')})`];
  if (!(t.sigma > 0) || !Number.isFinite(t.sigma)) return ['sigma', `must be a positive number, got ${t.sigma}`];
  if (!Number.isFinite(t.target)) return ['target', `must be a finite number, got ${t.target}`];
  if (t.property === 'esurf' && t.structure !== 'fcc' && t.structure !== 'bcc') return ['structure', `esurf needs fcc or bcc, got ${t.structure}`];
  if (t.plane !== undefined && t.property !== 'esurf') return ['plane', `only esurf takes a surface plane`];
  if (t.supercell !== undefined && t.property !== 'evac') return ['supercell', `only evac takes a supercell`];
  if (t.supercell && !t.supercell.every((n) => Number.isInteger(n) && n >= 1)) return ['supercell', 'must be three positive integers'];
  if (t.relaxIons !== undefined && (t.property === 'a0' || t.property === 'ecoh')) return ['relax_ions', `has no meaning for ${t.property}`];
  return undefined;
}

/** Throws ConfigError at `<keyPrefix>.<i>.<field>` for the first invalid target. */
export function checkPropertyTargets(targets: readonly PropertyTarget[], modelElements: readonly string[], keyPrefix: string, file?: string): void {
  targets.forEach((t, i) => {
    const p = targetProblem(t, modelElements);
    if (p) throw new ConfigError(`${keyPrefix}.${i}.${p[0]}`, p[1], file);
  });
}

function meanStress(model: CompiledModel, s: Structure): number {
  const st = evaluateStructure(model, s, { virial: true }).stress;
  if (!st) throw new UserError('lattice: no stress for a periodic cell');
  return (st[0] + st[1] + st[2]) / 3;
}

/**
 * Zero-mean-stress lattice constant of a cubic crystal from a guess: bracket by 1% steps (at most 40 each way),
 * then Illinois iteration. Throws UserError when no compressive-to-tensile sign change is found.
 */
export function zeroStressLattice(model: CompiledModel, kind: CubicKind, element: string, guess: number): number {
  const sig = (a: number) => meanStress(model, bulk(kind, [element], a));
  let lo = guess, hi = guess, sLo = sig(guess), sHi = sLo;
  for (let k = 0; k < 40 && !(sLo < 0); k++) {
    hi = lo;
    sHi = sLo;
    lo *= 0.99;
    sLo = sig(lo);
  }
  for (let k = 0; k < 40 && !(sHi > 0); k++) {
    lo = hi;
    sLo = sHi;
    hi *= 1.01;
    sHi = sig(hi);
  }
  if (!(sLo < 0 && sHi > 0)) throw new UserError(`lattice ${kind} ${element}: no zero-stress minimum near a = ${guess} Å`);
  let side = 0;
  let x = lo;
  for (let it = 0; it < 200; it++) {
    const xn = hi - (sHi * (hi - lo)) / (sHi - sLo);
    if (!(xn > lo && xn < hi)) break;
    const s = sig(xn);
    if (!Number.isFinite(s)) throw new UserError(`lattice ${kind} ${element}: non-finite stress at a = ${xn} Å`);
    const moved = Math.abs(xn - x);
    x = xn;
    if (s === 0) return x;
    if (s < 0) {
      lo = xn;
      sLo = s;
      if (side === -1) sHi /= 2; // Illinois: halve the stale end so the bracket closes from both sides
      side = -1;
    } else {
      hi = xn;
      sHi = s;
      if (side === 1) sLo /= 2;
      side = 1;
    }
    if (moved <= LATTICE_REL_TOL * x || hi - lo <= LATTICE_REL_TOL * x) break;
  }
  return x;
}

interface Crystal {
  a: number;
  structure: Structure;
}

/**
 * Evaluates properties of models. Each crystal's lattice search starts from one fixed guess: the target's `guess`,
 * else its a0 target, else the lattice.ts scan of the first model evaluated.
 */
export class PropertyEvaluator {
  private readonly guesses = new Map<string, number>();

  constructor(readonly targets: readonly PropertyTarget[]) {
    for (const t of targets) {
      const key = `${t.structure}:${t.element}`;
      if (t.guess !== undefined && !this.guesses.has(key)) this.guesses.set(key, t.guess);
    }
    for (const t of targets) {
      const key = `${t.structure}:${t.element}`;
      if (t.property === 'a0' && !this.guesses.has(key)) this.guesses.set(key, t.target);
    }
  }

  private crystal(model: CompiledModel, kind: CrystalKind, el: string): Crystal {
    const key = `${kind}:${el}`;
    const guess = this.guesses.get(key);
    let c: Crystal;
    if (kind === 'hcp') {
      const r = equilibriumLattice(model, 'hcp', el, { guess });
      c = { a: r.a, structure: r.structure };
    } else {
      const a = zeroStressLattice(model, kind, el, guess ?? equilibriumLattice(model, kind, el, { tol: 1e-6 }).a);
      c = { a, structure: bulk(kind, [el], a) };
    }
    // Fixed thereafter (no warm start): a model can have two zero-stress minima near the guess, and the property
    // must be one deterministic function of θ, the same in residuals and in every finite difference.
    if (!this.guesses.has(key)) this.guesses.set(key, c.a);
    return c;
  }

  /** Property values in target order (units of PROPERTY_UNITS). Throws UserError when a lattice cannot be found. */
  evaluate(model: CompiledModel): Float64Array {
    const crystals = new Map<string, Crystal>();
    const elastic = new Map<string, ElasticResult>();
    const crystalOf = (t: PropertyTarget): Crystal => {
      const key = `${t.structure}:${t.element}`;
      return crystals.get(key) ?? crystals.set(key, this.crystal(model, t.structure, t.element)).get(key)!;
    };
    const elasticOf = (t: PropertyTarget): ElasticResult => {
      const relax = ionsRelax(t);
      const key = `${t.structure}:${t.element}:${relax}`;
      const c = crystalOf(t);
      return elastic.get(key) ?? elastic.set(key, elasticConstants(model, c.structure, { relaxIons: relax })).get(key)!;
    };
    return Float64Array.from(this.targets, (t) => {
      switch (t.property) {
        case 'a0':
          return crystalOf(t).a;
        case 'ecoh': {
          const s = crystalOf(t).structure;
          return isolatedAtomEnergy(model, t.element) - evaluateStructure(model, s, {}).energy / s.species.length;
        }
        case 'c11':
        case 'c12':
        case 'c44': {
          const C = elasticOf(t).c;
          const v = t.structure === 'hcp' ? hexagonalConstants(C)[t.property] : cubicConstants(C)[t.property];
          return v * GPA_PER_EV_A3;
        }
        case 'bulk_modulus':
          return bulkModulusVoigt(elasticOf(t).c) * GPA_PER_EV_A3;
        case 'evac': {
          const r = vacancyFormation(model, crystalOf(t).structure, t.supercell ?? DEFAULT_SUPERCELL, { fmax: DEFECT_FMAX });
          return (t.relaxIons ?? true) ? r.formationEnergy : r.unrelaxedFormationEnergy;
        }
        case 'esurf': {
          if (t.structure !== 'fcc' && t.structure !== 'bcc') throw new UserError(`esurf needs fcc or bcc, got ${t.structure}`);
          const plane = t.plane ?? (t.structure === 'fcc' ? '111' : '110');
          const r = surfaceEnergy(model, t.structure, t.element, crystalOf(t).a, plane, { fmax: DEFECT_FMAX });
          return (t.relaxIons ?? true) ? r.energyJm2 : r.unrelaxedEnergyJm2;
        }
      }
    });
  }

  /** Like evaluate, with NaN for every property when one cannot be computed (for trial steps of a solver). */
  tryEvaluate(model: CompiledModel): Float64Array {
    try {
      return this.evaluate(model);
    } catch (e) {
      if (e instanceof UserError) return new Float64Array(this.targets.length).fill(Number.NaN);
      throw e;
    }
  }
}

/** Property values of one model (a fresh evaluator: no warm start). */
export function computeProperties(model: CompiledModel, targets: readonly PropertyTarget[]): Float64Array {
  return new PropertyEvaluator(targets).evaluate(model);
}

/**
 * Central-difference Jacobian of the property values wrt the model's parameters θ (targets x P row-major,
 * unweighted, in the properties' units per parameter unit), with the values at θ.
 */
export function propertyJacobian(
  model: CompiledModel, theta: ArrayLike<number>, targets: readonly PropertyTarget[], fd: PropertyFdOptions = {}, evaluator = new PropertyEvaluator(targets),
): { values: Float64Array; J: Float64Array } {
  const rel = fd.relStep ?? 1e-4, abs = fd.absStep ?? 1e-3;
  const P = model.paramNames.length, n = targets.length;
  const base = Float64Array.from({ length: P }, (_, p) => theta[p]);
  const values = evaluator.tryEvaluate(model.withParameters(base));
  const J = new Float64Array(n * P);
  for (let p = 0; p < P; p++) {
    const h = rel * Math.max(Math.abs(base[p]), abs);
    const tp = base.slice(), tm = base.slice();
    tp[p] += h;
    tm[p] -= h;
    const vp = evaluator.tryEvaluate(model.withParameters(tp));
    const vm = evaluator.tryEvaluate(model.withParameters(tm));
    for (let i = 0; i < n; i++) J[i * P + p] = (vp[i] - vm[i]) / (tp[p] - tm[p]);
  }
  return { values, J };
}

export interface PropertyProblem extends LeastSquaresProblem {
  readonly targets: readonly PropertyTarget[];
  /** Row index of the first property residual. */
  readonly firstPropertyRow: number;
  /** Property values at a full parameter vector (model parameters first). */
  propertyValues(theta: Float64Array): Float64Array;
}

/**
 * The problem with one residual row (P_i(θ) − target_i)/σ_i per target appended. `model` is the compiled model
 * whose parameters are the first model.paramNames.length entries of θ (any further ones, e.g. energy offsets, do not
 * affect properties).
 */
export function withPropertyTargets(
  problem: LeastSquaresProblem, model: CompiledModel, targets: readonly PropertyTarget[], fd: PropertyFdOptions = {},
): PropertyProblem {
  const Pm = model.paramNames.length, P = problem.nParams, N = problem.nResiduals, n = targets.length;
  if (Pm > P) throw new UserError(`property targets: the model has ${Pm} parameters but the problem only ${P}`);
  const evaluator = new PropertyEvaluator(targets);
  const toRows = (v: Float64Array): Float64Array => Float64Array.from(targets, (t, i) => (v[i] - t.target) / t.sigma);
  const propertyValues = (theta: Float64Array): Float64Array => evaluator.tryEvaluate(model.withParameters(theta.subarray(0, Pm)));
  return {
    ...problem,
    targets,
    firstPropertyRow: N,
    nResiduals: N + n,
    propertyValues,
    residuals: (theta) => concatRows(problem.residuals(theta), toRows(propertyValues(theta))),
    residualsAndJacobian(theta) {
      const { r, J } = problem.residualsAndJacobian(theta);
      const pj = propertyJacobian(model, theta.subarray(0, Pm), targets, fd, evaluator);
      const Jp = new Float64Array(n * P);
      for (let i = 0; i < n; i++) for (let p = 0; p < Pm; p++) Jp[i * P + p] = pj.J[i * Pm + p] / targets[i].sigma;
      return { r: concatRows(r, toRows(pj.values)), J: concatRows(J, Jp) };
    },
    lossTerms(r) {
      const terms = problem.lossTerms ? problem.lossTerms(r.subarray(0, N)) : {};
      let s = 0;
      for (let k = N; k < r.length; k++) s += r[k] * r[k];
      return { ...terms, property: s };
    },
  };
}

/** One row of the property report (metrics.json, `pesfit fit`). */
export interface PropertyReport {
  property: PropertyName;
  structure: CrystalKind;
  element: string;
  unit: string;
  target: number;
  sigma: number;
  value: number;
  error: number;
  relativeError: number;
}

export function propertyReport(model: CompiledModel, targets: readonly PropertyTarget[]): PropertyReport[] {
  const v = new PropertyEvaluator(targets).tryEvaluate(model);
  return targets.map((t, i) => ({
    property: t.property, structure: t.structure, element: t.element, unit: PROPERTY_UNITS[t.property],
    target: t.target, sigma: t.sigma, value: v[i], error: v[i] - t.target, relativeError: (v[i] - t.target) / Math.abs(t.target),
  }));
}
