/**
 * Derivative checker: compares a model's analytic derivatives with Richardson-extrapolated central differences.
 *
 * Checked quantities (each a DerivativeReport):
 * - 'forces'  F_ia = −∂E/∂x_ia, from the energy at x_ia ± h (eV/Å).
 * - 'stress'  σ_ab = (1/V) ∂E/∂ε_ab (ASE sign, internal Voigt order) from the energy of the structure deformed by a
 *   symmetric strain (structure/cell.ts deform), compared with −W/V from the kernel's virial. For a structure that
 *   is not 3D periodic V is taken as 1, i.e. the virial itself is compared with −∂E/∂ε (positions are strained, the
 *   cell is irrelevant), which holds for any translation-invariant model.
 * - 'dEnergy', 'dForces', 'dVirial': ∂E/∂θ_p, ∂F/∂θ_p, ∂W/∂θ_p from E, F, W at θ_p ± h_p (model.withParameters),
 *   with h_p = hParam · |θ_p| (hParam when θ_p = 0): a relative step, so parameters of any scale (Tersoff β ~ 1e-7) are
 *   resolved.
 *
 * Central difference D(h) = (g(+h) − g(−h)) / 2h has error c₂h² + c₄h⁴; Richardson's (4 D(h/2) − D(h)) / 3 removes
 * the h² term, leaving O(h⁴) truncation against O(ε_mach·|g|/h) round-off, hence the rather large default steps.
 *
 * maxAbsError is the largest |analytic − numeric| over the quantity's entries; maxRelError divides it by the
 * largest |numeric| entry of that quantity (over all atoms / components / parameters); `worst` names the entry.
 * Models with plain truncation (energy jumps at the cutoff) need structures with no pair within a step of the cutoff.
 */
import { evaluateStructure } from '../potentials/evaluate.ts';
import type { CompiledModel, EvalResult } from '../potentials/types.ts';
import { deform, isFullyPeriodic, volume } from '../structure/cell.ts';
import type { Structure } from '../structure/types.ts';
import { VOIGT_ASE, VOIGT_PAIRS } from '../core/voigt.ts';

export type DerivativeQuantity = 'forces' | 'stress' | 'dEnergy' | 'dForces' | 'dVirial';

export interface DerivativeReport {
  quantity: DerivativeQuantity;
  maxAbsError: number;
  /** maxAbsError / max |reference (finite-difference) value| of this quantity. */
  maxRelError: number;
  /** Which entry has the largest absolute error, e.g. "atom 3 y" or "dForces[epsilon:Cu-Cu] atom 0 x". */
  worst: string;
}

export interface CheckOptions {
  /** Position step (Å); default 1e-3. */
  h?: number;
  /** Relative parameter step; default 1e-4. */
  hParam?: number;
  /** Strain step (dimensionless); default 1e-4. */
  hStrain?: number;
  /** Check parameter derivatives; default true when the model has parameters. */
  params?: boolean;
}

const AXES = ['x', 'y', 'z'];

/** Richardson-extrapolated central difference of g at 0 with step h: (4 D(h/2) − D(h)) / 3. */
function richardson(g: (t: number) => number, h: number): number {
  const d1 = (g(h) - g(-h)) / (2 * h);
  const d2 = (g(h / 2) - g(-h / 2)) / h;
  return (4 * d2 - d1) / 3;
}

/** Same for a vector-valued g (all entries share the evaluations). */
function richardsonVec(g: (t: number) => Float64Array, h: number): Float64Array {
  const p1 = g(h), m1 = g(-h), p2 = g(h / 2), m2 = g(-h / 2);
  const out = new Float64Array(p1.length);
  for (let k = 0; k < out.length; k++) {
    const d1 = (p1[k] - m1[k]) / (2 * h);
    const d2 = (p2[k] - m2[k]) / h;
    out[k] = (4 * d2 - d1) / 3;
  }
  return out;
}

/** Accumulates the comparison of analytic vs numeric entries of one quantity. */
class Comparison {
  maxAbs = 0;
  maxRef = 0;
  worst = '(none)';
  constructor(readonly quantity: DerivativeQuantity) {}
  add(analytic: number, numeric: number, label: () => string): void {
    const err = Math.abs(analytic - numeric);
    // NaN in either value must surface as an infinite error, never pass silently
    if (!(err <= this.maxAbs)) {
      this.maxAbs = Number.isNaN(err) ? Infinity : err;
      this.worst = label();
    }
    const ref = Math.abs(numeric);
    if (ref > this.maxRef) this.maxRef = ref;
  }
  report(): DerivativeReport {
    const rel = this.maxAbs === 0 ? 0 : this.maxRef > 0 ? this.maxAbs / this.maxRef : Infinity;
    return { quantity: this.quantity, maxAbsError: this.maxAbs, maxRelError: rel, worst: this.worst };
  }
}

function energyOf(model: CompiledModel, s: Structure): number {
  return evaluateStructure(model, s, {}).energy;
}

function displaced(s: Structure, k: number, t: number): Structure {
  const positions = s.positions.slice();
  positions[k] += t;
  return { ...s, positions };
}

/** Symmetric strain with ε_ab = ε_ba = t/2 (off-diagonal) or ε_aa = t, so dE/dt = ∂E/∂ε_ab for symmetric ∂E/∂ε. */
function strained(s: Structure, v: number, t: number): Structure {
  const [a, b] = VOIGT_PAIRS[v];
  const eps = new Float64Array(9);
  if (a === b) eps[3 * a + a] = t;
  else {
    eps[3 * a + b] = t / 2;
    eps[3 * b + a] = t / 2;
  }
  return deform(s, eps);
}

function requireArray(r: EvalResult, key: 'forces' | 'virial' | 'dEnergy' | 'dForces' | 'dVirial'): Float64Array {
  const a = r[key];
  if (!a) throw new Error(`checkDerivatives: the model did not return ${key} although it was requested`);
  return a;
}

export function checkDerivatives(model: CompiledModel, s: Structure, opts: CheckOptions = {}): DerivativeReport[] {
  const h = opts.h ?? 1e-3;
  const hParam = opts.hParam ?? 1e-4;
  const hStrain = opts.hStrain ?? 1e-4;
  const nParams = model.paramNames.length;
  const doParams = (opts.params ?? true) && nParams > 0;
  const n = s.species.length;

  const ref = evaluateStructure(model, s, { forces: true, virial: true, paramGradient: doParams });
  const forces = requireArray(ref, 'forces');
  const virial = requireArray(ref, 'virial');
  const reports: DerivativeReport[] = [];

  const cf = new Comparison('forces');
  for (let k = 0; k < 3 * n; k++) {
    const dE = richardson((t) => energyOf(model, displaced(s, k, t)), h);
    cf.add(forces[k], -dE, () => `atom ${Math.floor(k / 3)} ${AXES[k % 3]}`);
  }
  reports.push(cf.report());

  const periodic = isFullyPeriodic(s);
  const vol = periodic ? volume(s) : 1;
  const cs = new Comparison('stress');
  for (let v = 0; v < 6; v++) {
    const dE = richardson((t) => energyOf(model, strained(s, v, t)), hStrain);
    cs.add(-virial[v] / vol, dE / vol, () => `${periodic ? 'stress' : 'virial'} ${VOIGT_ASE[v]}`);
  }
  reports.push(cs.report());

  if (doParams) {
    const dEnergy = requireArray(ref, 'dEnergy');
    const dForces = requireArray(ref, 'dForces');
    const dVirial = requireArray(ref, 'dVirial');
    const ce = new Comparison('dEnergy');
    const cF = new Comparison('dForces');
    const cW = new Comparison('dVirial');
    const theta0 = model.parameters;
    for (let p = 0; p < nParams; p++) {
      const hp = hParam * (theta0[p] !== 0 ? Math.abs(theta0[p]) : 1);
      const name = model.paramNames[p];
      // one vector per evaluation: [E, F (3N), W (6)]
      const num = richardsonVec((t) => {
        const theta = theta0.slice();
        theta[p] += t;
        const r = evaluateStructure(model.withParameters(theta), s, { forces: true, virial: true });
        const out = new Float64Array(1 + 3 * n + 6);
        out[0] = r.energy;
        out.set(requireArray(r, 'forces'), 1);
        out.set(requireArray(r, 'virial'), 1 + 3 * n);
        return out;
      }, hp);
      ce.add(dEnergy[p], num[0], () => `dEnergy[${name}]`);
      for (let k = 0; k < 3 * n; k++) {
        cF.add(dForces[p * 3 * n + k], num[1 + k], () => `dForces[${name}] atom ${Math.floor(k / 3)} ${AXES[k % 3]}`);
      }
      for (let v = 0; v < 6; v++) {
        cW.add(dVirial[p * 6 + v], num[1 + 3 * n + v], () => `dVirial[${name}] ${VOIGT_ASE[v]}`);
      }
    }
    reports.push(ce.report(), cF.report(), cW.report());
  }
  return reports;
}

/** One line per report, for test messages and the CLI. */
export function formatDerivativeReports(reports: readonly DerivativeReport[]): string {
  return reports
    .map((r) => `${r.quantity.padEnd(8)} maxAbs ${r.maxAbsError.toExponential(2)} maxRel ${r.maxRelError.toExponential(2)} worst ${r.worst}`)
    .join('\n');
}
