/**
 * Analytic EAM (kind 'eam-analytic'): the Zhou–Johnson–Wadley form (X. W. Zhou, R. A. Johnson, H. N. G. Wadley,
 * Phys. Rev. B 69, 144113 (2004)), as LAMMPS's tools/eam_database generator (create.f) implements it for eam/alloy.
 * With x = r/re and the generic term  T(C, p, q; r) = C exp(−p (x − 1)) / (1 + (x − q)^20):
 *   density   f(r) = T(fe, beta, lambda; r)                       (eam/alloy: depends on the neighbor only)
 *   pair      φ_aa(r) = T(A, alpha, kappa; r) − T(B, beta, lambda; r)
 *   cross     φ_ab(r) = ½ [ f_b(r)/f_a(r) φ_aa(r) + f_a(r)/f_b(r) φ_bb(r) ]   (the paper's alloy mixing)
 *   embedding with ρn = rhoLow·rhoe, ρo = rhoHigh·rhoe (0.85 and 1.15 in the paper):
 *     ρ < ρn:       F = Σ_{i=0..3} Fn_i (ρ/ρn − 1)^i
 *     ρn ≤ ρ < ρo:  F = Σ_{i=0..3} F_i (ρ/rhoe − 1)^i
 *     ρo ≤ ρ:       F = Fe [1 − ln (ρ/rhos)^eta] (ρ/rhos)^eta
 * (create.f reads a separate F3 for ρ ≥ rhoe and a separate beta and lambda for the density, "Fm4", "beta1",
 * "ramda1"; its EAM_code file sets them equal to F3, beta and lambda for every element, which is this form).
 * Units: r, re in Å; F, φ, A, B, F_i, Fn_i, Fe in eV; densities (fe, rhoe, rhos) in the paper's arbitrary units.
 * Interactions are truncated at `cutoff`. The generator's √10/2 · √2 · max re = √5·re equals the 5th-shell distance of
 * the ideal fcc lattice at a = √2·re, so E(a) steps there by the (tiny, ~1e-5 eV/atom for Cu) 5th-shell terms, as in
 * LAMMPS with the generated file.
 *
 * Parameters: 20 per element, named `<name>:<element>` in ZHOU_PARAMETER_NAMES order, element-major. The kernel
 * (eam-core.ts) propagates exact derivatives: each function returns its value and r-derivative and their partial
 * derivatives in its parameters; the cross pair combines those by forward-mode tangents (the jet helpers below).
 * Export to LAMMPS: `tabulateEamAnalytic` samples the functions onto setfl tables (eam.ts tabulateEam).
 */
import { ConfigError, invariant } from '../core/errors.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { Structure } from '../structure/types.ts';
import { evaluateEam, type EamFunctions } from './eam-core.ts';
import { tabulateEam, type EamTableSpec } from './eam.ts';
import type { CompiledModel, EvalRequest, EvalResult, ModelSpecBase } from './types.ts';

export const ZHOU_PARAMETER_NAMES = [
  're', 'fe', 'rhoe', 'rhos', 'alpha', 'beta', 'A', 'B', 'kappa', 'lambda',
  'Fn0', 'Fn1', 'Fn2', 'Fn3', 'F0', 'F1', 'F2', 'F3', 'eta', 'Fe',
] as const;
export type ZhouParameter = (typeof ZHOU_PARAMETER_NAMES)[number];
export type ZhouElementParameters = Record<ZhouParameter, number>;

const NP = ZHOU_PARAMETER_NAMES.length;
const RE = 0, FE = 1, RHOE = 2, RHOS = 3, ALPHA = 4, BETA = 5, PA = 6, PB = 7, KAPPA = 8, LAMBDA = 9;
const FN0 = 10, F0 = 14, ETA = 18, FEMB = 19;

export interface EamAnalyticSpec extends ModelSpecBase {
  kind: 'eam-analytic';
  /** Masses (amu) per element, written to the exported setfl. */
  masses: number[];
  /** One parameter set per element, in `elements` order. */
  params: ZhouElementParameters[];
  /** ρn / rhoe and ρo / rhoe; 0.85 and 1.15 when absent (the paper's values for all its elements but Pt). */
  rhoLow?: number[];
  rhoHigh?: number[];
}

/** The generator's cutoff for these elements: √10/2 times the largest fcc lattice constant √2·re. */
export function zhouCutoff(params: readonly ZhouElementParameters[]): number {
  return (Math.sqrt(10) / 2) * Math.SQRT2 * Math.max(...params.map((p) => p.re));
}

/**
 * T(C, p, q; r) with re: out[0] = T, out[1] = dT/dr, out[2..5] = ∂T/∂(C, p, q, re), out[6..9] = ∂(dT/dr)/∂(C, p, q, re).
 * With L = ∂ ln T/∂x = −p − 20 y^19/D (y = x − q, D = 1 + y^20) and L_x = ∂L/∂x:
 * dT/dr = T L/re; ∂T/∂p = −(x−1) T; ∂T/∂q = 20 T y^19/D; ∂T/∂re = −T L x/re; ∂L/∂q = −L_x; ∂L/∂re = −L_x x/re.
 */
function term(C: number, p: number, q: number, re: number, r: number, out: Float64Array, grad: boolean): void {
  const x = r / re, y = x - q;
  const y2 = y * y, y4 = y2 * y2, y8 = y4 * y4, y16 = y8 * y8, y18 = y16 * y2, y19 = y18 * y;
  const D = 1 + y19 * y;
  const e = Math.exp(-p * (x - 1)) / D;
  const g = C * e;
  const L = -p - (20 * y19) / D;
  out[0] = g;
  out[1] = (g * L) / re;
  if (!grad) return;
  const Lx = (-380 * y18) / D + (400 * y19 * y19) / (D * D);
  const Q = (20 * y19) / D;
  out[2] = e;
  out[3] = -(x - 1) * g;
  out[4] = g * Q;
  out[5] = (-g * L * x) / re;
  out[6] = (e * L) / re;
  out[7] = (-(x - 1) * g * L - g) / re;
  out[8] = (g * Q * L - g * Lx) / re;
  out[9] = (-g * (L * L * x + Lx * x + L)) / (re * re);
}

/**
 * Forward-mode tangents over K local slots: [value, d/dr, ∂value/∂slot (K), ∂(d/dr)/∂slot (K)]. Slots 0..19 are the
 * first element's parameters, 20..39 the second's.
 */
const K = 2 * NP;
const JET = 2 + 2 * K;

function jetFromTerm(out: Float64Array, t: Float64Array, base: number, sC: number, sp: number, sq: number): void {
  out.fill(0);
  out[0] = t[0];
  out[1] = t[1];
  const slots = [base + sC, base + sp, base + sq, base + RE];
  for (let m = 0; m < 4; m++) {
    out[2 + slots[m]] += t[2 + m];
    out[2 + K + slots[m]] += t[6 + m];
  }
}

function jetMul(out: Float64Array, a: Float64Array, b: Float64Array): void {
  const av = a[0], ad = a[1], bv = b[0], bd = b[1];
  for (let s = 0; s < K; s++) {
    const agv = a[2 + s], agd = a[2 + K + s], bgv = b[2 + s], bgd = b[2 + K + s];
    out[2 + s] = agv * bv + av * bgv;
    out[2 + K + s] = agd * bv + ad * bgv + agv * bd + av * bgd;
  }
  out[0] = av * bv;
  out[1] = ad * bv + av * bd;
}

function jetDiv(out: Float64Array, a: Float64Array, b: Float64Array): void {
  const bv = b[0], bd = b[1];
  const qv = a[0] / bv, qd = (a[1] - qv * bd) / bv;
  for (let s = 0; s < K; s++) {
    const gv = (a[2 + s] - qv * b[2 + s]) / bv;
    out[2 + K + s] = (a[2 + K + s] - gv * bd - qv * b[2 + K + s] - qd * b[2 + s]) / bv;
    out[2 + s] = gv;
  }
  out[0] = qv;
  out[1] = qd;
}

/** out = ca·a + cb·b */
function jetLin(out: Float64Array, ca: number, a: Float64Array, cb: number, b: Float64Array): void {
  for (let s = 0; s < JET; s++) out[s] = ca * a[s] + cb * b[s];
}

class ZhouFunctions implements EamFunctions {
  readonly nEl: number;
  readonly nParams: number;
  readonly cutoff: number;
  readonly maxGradEntries = K;
  private readonly p: Float64Array;
  private readonly rhoN: Float64Array;
  private readonly rhoO: Float64Array;
  private readonly lowFrac: Float64Array;
  private readonly t = new Float64Array(10);
  private readonly u = new Float64Array(10);
  /** value/slope scratch, distinct from the term outputs t and u */
  private readonly vs = new Float64Array(2);
  private readonly jets = Array.from({ length: 8 }, () => new Float64Array(JET));

  constructor(spec: EamAnalyticSpec, theta: Float64Array) {
    const n = spec.elements.length;
    this.nEl = n;
    this.nParams = n * NP;
    this.cutoff = spec.cutoff;
    this.p = theta;
    this.lowFrac = Float64Array.from(spec.elements, (_, a) => spec.rhoLow?.[a] ?? 0.85);
    this.rhoN = Float64Array.from(spec.elements, (_, a) => this.lowFrac[a] * theta[a * NP + RHOE]);
    this.rhoO = Float64Array.from(spec.elements, (_, a) => (spec.rhoHigh?.[a] ?? 1.15) * theta[a * NP + RHOE]);
  }

  private densityTerm(b: number, r: number, out: Float64Array, grad: boolean): void {
    const p = this.p, o = b * NP;
    term(p[o + FE], p[o + BETA], p[o + LAMBDA], p[o + RE], r, out, grad);
  }

  /** φ_aa into out[0..1] (value, slope); with `grad`, its 7 distinct parameter entries into idx/w from `cnt`. */
  private pairSame(a: number, r: number, out: Float64Array, idx: Int32Array | undefined, w: Float64Array | undefined): number {
    const p = this.p, o = a * NP, t = this.t, u = this.u, grad = idx !== undefined;
    term(p[o + PA], p[o + ALPHA], p[o + KAPPA], p[o + RE], r, t, grad);
    term(p[o + PB], p[o + BETA], p[o + LAMBDA], p[o + RE], r, u, grad);
    out[0] = t[0] - u[0];
    out[1] = t[1] - u[1];
    if (!idx || !w) return 0;
    const put = (k: number, par: number, v: number, d: number): void => {
      idx[k] = o + par;
      w[2 * k] = v;
      w[2 * k + 1] = d;
    };
    put(0, PA, t[2], t[6]);
    put(1, ALPHA, t[3], t[7]);
    put(2, KAPPA, t[4], t[8]);
    put(3, PB, -u[2], -u[6]);
    put(4, BETA, -u[3], -u[7]);
    put(5, LAMBDA, -u[4], -u[8]);
    put(6, RE, t[5] - u[5], t[9] - u[9]);
    return 7;
  }

  /** φ_aa as a jet on the slots of `base` (0: first element, NP: second). */
  private pairJet(a: number, base: number, r: number, out: Float64Array): void {
    const p = this.p, o = a * NP, t = this.t, [ja, jb] = this.jets;
    term(p[o + PA], p[o + ALPHA], p[o + KAPPA], p[o + RE], r, t, true);
    jetFromTerm(ja, t, base, PA, ALPHA, KAPPA);
    term(p[o + PB], p[o + BETA], p[o + LAMBDA], p[o + RE], r, t, true);
    jetFromTerm(jb, t, base, PB, BETA, LAMBDA);
    jetLin(out, 1, ja, -1, jb);
  }

  /** The cross pair as a jet over the slots of a (0..19) and b (20..39). */
  private crossJet(a: number, b: number, r: number): Float64Array {
    const [, , fa, fb, paa, pbb, q, res] = this.jets, t = this.t;
    this.pairJet(a, 0, r, paa);
    this.pairJet(b, NP, r, pbb);
    this.densityTerm(a, r, t, true);
    jetFromTerm(fa, t, 0, FE, BETA, LAMBDA);
    this.densityTerm(b, r, t, true);
    jetFromTerm(fb, t, NP, FE, BETA, LAMBDA);
    // res = ½ (fb/fa · φaa + fa/fb · φbb), reusing fa, fb as scratch once consumed
    jetDiv(q, fb, fa);
    jetMul(res, q, paa);
    jetDiv(paa, pbb, q);
    jetLin(res, 0.5, res, 0.5, paa);
    return res;
  }

  embed(el: number, rho: number, out: Float64Array): void {
    const p = this.p, o = el * NP;
    if (rho < this.rhoO[el]) {
      const low = rho < this.rhoN[el];
      const ref = low ? this.rhoN[el] : p[o + RHOE];
      const c = o + (low ? FN0 : F0);
      const s = rho / ref - 1;
      out[0] = p[c] + s * (p[c + 1] + s * (p[c + 2] + s * p[c + 3]));
      out[1] = (p[c + 1] + s * (2 * p[c + 2] + 3 * s * p[c + 3])) / ref;
      out[2] = (2 * p[c + 2] + 6 * s * p[c + 3]) / (ref * ref);
      return;
    }
    // F = Fe (1 − η ln s) s^η, s = ρ/ρs:  F' = −Fe η² s^η ln s / ρ,  F'' = −Fe η² s^η [1 + (η − 1) ln s] / ρ²
    const Fe = p[o + FEMB], eta = p[o + ETA], ls = Math.log(rho / p[o + RHOS]), y = Math.exp(eta * ls);
    out[0] = Fe * (1 - eta * ls) * y;
    out[1] = (-Fe * eta * eta * y * ls) / rho;
    out[2] = (-Fe * eta * eta * y * (1 + (eta - 1) * ls)) / (rho * rho);
  }

  density(_center: number, nb: number, r: number, out: Float64Array): void {
    this.densityTerm(nb, r, out, false);
  }

  pair(a: number, b: number, r: number, out: Float64Array): void {
    if (a === b) {
      this.pairSame(a, r, out, undefined, undefined);
      return;
    }
    // value path of the cross pair (the jet path below computes the same numbers with tangents)
    const t = this.t, vs = this.vs;
    this.pairSame(a, r, vs, undefined, undefined);
    const paa = vs[0], paaD = vs[1];
    this.pairSame(b, r, vs, undefined, undefined);
    const pbb = vs[0], pbbD = vs[1];
    this.densityTerm(a, r, t, false);
    const fa = t[0], faD = t[1];
    this.densityTerm(b, r, t, false);
    const fb = t[0], fbD = t[1];
    const q = fb / fa, qD = (fbD - q * faD) / fa;
    out[0] = 0.5 * (q * paa + pbb / q);
    out[1] = 0.5 * (qD * paa + q * paaD + (pbbD - (pbb / q) * qD) / q);
  }

  embedGrad(el: number, rho: number, idx: Int32Array, w: Float64Array): number {
    const p = this.p, o = el * NP;
    if (rho < this.rhoO[el]) {
      const low = rho < this.rhoN[el];
      const k = low ? this.lowFrac[el] : 1; // reference density = k·rhoe
      const ref = k * p[o + RHOE];
      const c = low ? FN0 : F0;
      const s = rho / ref - 1;
      let sp = 1; // s^i
      for (let i = 0; i < 4; i++) {
        idx[i] = o + c + i;
        w[2 * i] = sp;
        sp *= s;
      }
      // ∂F'/∂c_i = i s^(i−1) / ref
      w[1] = 0;
      w[3] = 1 / ref;
      w[5] = (2 * s) / ref;
      w[7] = (3 * s * s) / ref;
      // ∂/∂rhoe through s = ρ/(k rhoe) − 1: ∂s/∂rhoe = −(s + 1)/rhoe; F' = P'(s)/ref
      const a1 = p[o + c + 1], a2 = p[o + c + 2], a3 = p[o + c + 3], rhoe = p[o + RHOE];
      const P1 = a1 + s * (2 * a2 + 3 * s * a3), P2 = 2 * a2 + 6 * s * a3, ds = -(s + 1) / rhoe;
      idx[4] = o + RHOE;
      w[8] = P1 * ds;
      w[9] = (P2 * ds) / ref - P1 / (ref * rhoe);
      return 5;
    }
    const Fe = p[o + FEMB], eta = p[o + ETA], rs = p[o + RHOS], ls = Math.log(rho / rs), y = Math.exp(eta * ls);
    idx[0] = o + FEMB;
    w[0] = (1 - eta * ls) * y;
    w[1] = (-eta * eta * y * ls) / rho;
    idx[1] = o + ETA;
    w[2] = -Fe * eta * y * ls * ls;
    w[3] = (-Fe * eta * y * ls * (2 + eta * ls)) / rho;
    idx[2] = o + RHOS;
    w[4] = (Fe * eta * eta * ls * y) / rs;
    w[5] = (Fe * eta * eta * y * (1 + eta * ls)) / (rho * rs);
    return 3;
  }

  densityGrad(_center: number, nb: number, r: number, idx: Int32Array, w: Float64Array): number {
    const t = this.t, o = nb * NP;
    this.densityTerm(nb, r, t, true);
    const slots = [FE, BETA, LAMBDA, RE];
    for (let m = 0; m < 4; m++) {
      idx[m] = o + slots[m];
      w[2 * m] = t[2 + m];
      w[2 * m + 1] = t[6 + m];
    }
    return 4;
  }

  pairGrad(a: number, b: number, r: number, idx: Int32Array, w: Float64Array): number {
    if (a === b) return this.pairSame(a, r, this.vs, idx, w);
    const res = this.crossJet(a, b, r);
    let cnt = 0;
    for (let s = 0; s < K; s++) {
      const gv = res[2 + s], gd = res[2 + K + s];
      if (gv === 0 && gd === 0) continue;
      idx[cnt] = s < NP ? a * NP + s : b * NP + (s - NP);
      w[2 * cnt] = gv;
      w[2 * cnt + 1] = gd;
      cnt++;
    }
    return cnt;
  }
}

function checkSpec(spec: EamAnalyticSpec): void {
  const n = spec.elements.length;
  if (spec.params.length !== n) throw new ConfigError('params', `expected one parameter set per element (${n}), got ${spec.params.length}`);
  if (spec.masses.length !== n) throw new ConfigError('masses', `expected one mass per element (${n}), got ${spec.masses.length}`);
  if (!(spec.cutoff > 0)) throw new ConfigError('cutoff', `must be positive, got ${spec.cutoff}`);
  for (const key of ['rhoLow', 'rhoHigh'] as const) {
    const v = spec[key];
    if (v !== undefined && (v.length !== n || v.some((x) => !(x > 0)))) {
      throw new ConfigError(key, `expected ${n} positive fractions of rhoe, got ${JSON.stringify(v)}`);
    }
  }
  spec.params.forEach((ps, a) => {
    for (const name of ZHOU_PARAMETER_NAMES) {
      if (typeof ps[name] !== 'number' || !Number.isFinite(ps[name])) {
        throw new ConfigError(`params[${a}].${name}`, `expected a finite number for ${spec.elements[a]}, got ${String(ps[name])}`);
      }
    }
    for (const name of ['re', 'rhoe', 'rhos'] as const) {
      if (!(ps[name] > 0)) throw new ConfigError(`params[${a}].${name}`, `must be positive, got ${ps[name]}`);
    }
  });
}

function parameterVector(spec: EamAnalyticSpec): Float64Array {
  return Float64Array.from(spec.params.flatMap((ps) => ZHOU_PARAMETER_NAMES.map((name) => ps[name])));
}

function specWithParameters(spec: EamAnalyticSpec, theta: ArrayLike<number>): EamAnalyticSpec {
  const params = spec.params.map((_, a) => {
    const ps = {} as ZhouElementParameters;
    ZHOU_PARAMETER_NAMES.forEach((name, k) => (ps[name] = theta[a * NP + k]));
    return ps;
  });
  return { ...spec, params };
}

/** The functions of an analytic spec (for tabulation and tests). */
export function eamAnalyticFunctions(spec: EamAnalyticSpec): EamFunctions {
  checkSpec(spec);
  return new ZhouFunctions(spec, parameterVector(spec));
}

export function compileEamAnalytic(spec: EamAnalyticSpec): CompiledModel<EamAnalyticSpec> {
  checkSpec(spec);
  const theta = parameterVector(spec);
  const fns = new ZhouFunctions(spec, theta);
  const names = spec.elements.flatMap((e) => ZHOU_PARAMETER_NAMES.map((name) => `${name}:${e}`));
  return {
    spec,
    cutoff: spec.cutoff,
    neighborList: 'half',
    paramNames: names,
    parameters: theta.slice(),
    evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
      return evaluateEam(fns, spec.elements, s, nl, req);
    },
    withParameters(t: ArrayLike<number>): CompiledModel<EamAnalyticSpec> {
      invariant(t.length === names.length, `eam-analytic: expected ${names.length} parameters, got ${t.length}`);
      return compileEamAnalytic(specWithParameters(spec, t));
    },
  };
}

export interface AnalyticTabulation {
  /** Grid sizes; the generator's 2000 is too coarse for 1e-6 eV/atom parity, hence larger defaults. */
  nr?: number;
  nrho?: number;
  /** Largest tabulated density; default: the generator's max(2·max rhoe, 100). */
  rhomax?: number;
}

/** LAMMPS eam/alloy tables of an analytic spec (write them with io/lammps-eam.ts specToSetfl + writeSetfl). */
export function tabulateEamAnalytic(spec: EamAnalyticSpec, o: AnalyticTabulation = {}): EamTableSpec {
  const fns = eamAnalyticFunctions(spec);
  const rhomax = o.rhomax ?? Math.max(100, 2 * Math.max(...spec.params.map((p) => p.rhoe)));
  return tabulateEam(fns, [...spec.elements], spec.cutoff, {
    style: 'eam/alloy', masses: [...spec.masses], nrho: o.nrho ?? 20000, rhomax, nr: o.nr ?? 20000,
  });
}
