/**
 * Pair potentials E = Σ_{pairs i<j, r<r_c} (Lφ_{ti tj})(r_ij) over a half neighbor list, one kernel for all forms:
 * - 'lj'          φ = 4ε[(σ/r)¹² − (σ/r)⁶]                       parameters epsilon (eV), sigma (Å)   (LAMMPS lj/cut)
 * - 'morse'       φ = D0[e^{−2α(r−r0)} − 2e^{−α(r−r0)}]           D0 (eV), alpha (1/Å), r0 (Å)        (LAMMPS morse)
 * - 'buckingham'  φ = A e^{−r/ρ} − C/r⁶                           A (eV), rho (Å), C (eV·Å⁶)          (LAMMPS buck)
 * - 'pair-spline' φ = natural cubic spline through (knots_k, phi_k) (spline.ts), knot values phi (eV) are the
 *                 parameters `phi:A-B[k]`; knot positions (Å) are fixed.
 * L is the cutoff combinator of cutoff.ts (`cutoff_function`; 'none' = plain truncation as LAMMPS by default).
 *
 * Element pairs: every unordered pair of `elements` must be listed in `pairs` under "A-B" (either order, once);
 * no mixing rule is applied. Parameter names are `<name>:<A-B>` with A-B in the order of `elements`, e.g.
 * `epsilon:Cu-Ni`, `phi:Cu-Cu[4]`; the parameter vector lists pair types in order (0,0), (0,1), …, (1,1), … and
 * within a type the form's parameters in the order above.
 *
 * Forces: for d = r_ij, the force on j is −(Lφ)'(r) d/r (tally.ts). Parameter derivatives are analytic: for each
 * local parameter θ of the pair type, ∂E/∂θ = L(∂φ/∂θ)(r) and ∂F/∂θ from L(∂φ'/∂θ) (cutoff.ts: L is linear).
 */
import { ConfigError, UserError } from '../core/errors.ts';
import { SYMBOLS, atomicNumber } from '../core/elements.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { Structure } from '../structure/types.ts';
import { CUT_NONE, compileCutoff, cutoffCoefficients, type CompiledCutoff, type CutoffFunction } from './cutoff.ts';
import { naturalSpline, splineBasis, splineEval, checkKnots, type NaturalSpline } from './spline.ts';
import { tallyPairForce } from './tally.ts';
import type { CompiledModel, EvalRequest, EvalResult, ModelSpecBase } from './types.ts';

export interface LennardJonesPair {
  epsilon: number;
  sigma: number;
}
export interface MorsePair {
  D0: number;
  alpha: number;
  r0: number;
}
export interface BuckinghamPair {
  A: number;
  rho: number;
  C: number;
}
export interface SplinePair {
  /** Knot positions (Å), strictly increasing. */
  knots: number[];
  /** φ at the knots (eV). */
  phi: number[];
}

interface PairSpecCommon extends ModelSpecBase {
  cutoff_function: CutoffFunction;
}
export interface LennardJonesSpec extends PairSpecCommon {
  kind: 'lj';
  pairs: Record<string, LennardJonesPair>;
}
export interface MorseSpec extends PairSpecCommon {
  kind: 'morse';
  pairs: Record<string, MorsePair>;
}
export interface BuckinghamSpec extends PairSpecCommon {
  kind: 'buckingham';
  pairs: Record<string, BuckinghamPair>;
}
export interface PairSplineSpec extends PairSpecCommon {
  kind: 'pair-spline';
  pairs: Record<string, SplinePair>;
}
export type PairSpec = LennardJonesSpec | MorseSpec | BuckinghamSpec | PairSplineSpec;
export type PairKind = PairSpec['kind'];

/** Parameter names of each analytic form, in parameter-vector order. */
export const PAIR_PARAMETERS: Readonly<Record<Exclude<PairKind, 'pair-spline'>, readonly string[]>> = {
  lj: ['epsilon', 'sigma'],
  morse: ['D0', 'alpha', 'r0'],
  buckingham: ['A', 'rho', 'C'],
};

const FORM_LJ = 0, FORM_MORSE = 1, FORM_BUCK = 2, FORM_SPLINE = 3;
const FORM_CODE: Record<PairKind, number> = { lj: FORM_LJ, morse: FORM_MORSE, buckingham: FORM_BUCK, 'pair-spline': FORM_SPLINE };

/** Species → element index table (−1 when absent), and the check that every atom's element is in the model. */
export function elementIndexOf(elements: readonly string[]): Int32Array {
  const map = new Int32Array(128).fill(-1);
  elements.forEach((sym, e) => {
    const z = atomicNumber(sym);
    if (z === undefined) throw new ConfigError('elements', `unknown element symbol "${sym}"`);
    if (map[z] !== -1) throw new ConfigError('elements', `element ${sym} listed twice`);
    map[z] = e;
  });
  return map;
}

export function speciesToElements(s: Structure, map: Int32Array, elements: readonly string[]): Int32Array {
  const n = s.species.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const z = s.species[i];
    const e = z >= 0 && z < map.length ? map[z] : -1;
    if (e < 0) {
      throw new UserError(`atom ${i} is element Z=${z} (${symbolSafe(z)}), which the model (elements ${elements.join(', ')}) does not include`);
    }
    out[i] = e;
  }
  return out;
}

function symbolSafe(z: number): string {
  return SYMBOLS[z] ?? '?';
}

/** Canonical pair-type names "A-B" with A before B in `elements`, in pair-type order. */
export function pairTypeNames(elements: readonly string[]): string[] {
  const names: string[] = [];
  for (let a = 0; a < elements.length; a++) for (let b = a; b < elements.length; b++) names.push(`${elements[a]}-${elements[b]}`);
  return names;
}

/** Finds the entry of pair type A-B in `pairs` under "A-B" or "B-A"; exactly one must exist. */
function lookupPair<T>(pairs: Record<string, T>, a: string, b: string): T {
  const k1 = `${a}-${b}`, k2 = `${b}-${a}`;
  const v1 = pairs[k1], v2 = a === b ? undefined : pairs[k2];
  if (v1 !== undefined && v2 !== undefined) throw new ConfigError(`pairs.${k2}`, `pair ${k1} is listed twice (as ${k1} and ${k2})`);
  const v = v1 ?? v2;
  if (v === undefined) throw new ConfigError(`pairs.${k1}`, `missing parameters for element pair ${k1} (no mixing rule is applied)`);
  return v;
}

function checkPairKeys(spec: PairSpec): void {
  const valid = new Set<string>();
  for (const a of spec.elements) for (const b of spec.elements) valid.add(`${a}-${b}`);
  for (const key of Object.keys(spec.pairs)) {
    if (!valid.has(key)) throw new ConfigError(`pairs.${key}`, `not a pair of the model's elements (${spec.elements.join(', ')})`);
  }
}

/** Flat parameter vector and names of a pair spec. */
function flattenParameters(spec: PairSpec): { names: string[]; values: number[]; counts: number[] } {
  const names: string[] = [], values: number[] = [], counts: number[] = [];
  const els = spec.elements;
  for (let a = 0; a < els.length; a++) {
    for (let b = a; b < els.length; b++) {
      const tag = `${els[a]}-${els[b]}`;
      if (spec.kind === 'pair-spline') {
        const p = lookupPair(spec.pairs, els[a], els[b]);
        checkKnots(p.knots, `pairs.${tag}.knots`);
        if (p.phi.length !== p.knots.length) {
          throw new ConfigError(`pairs.${tag}.phi`, `${p.phi.length} values for ${p.knots.length} knots`);
        }
        p.phi.forEach((v, k) => {
          names.push(`phi:${tag}[${k}]`);
          values.push(v);
        });
        counts.push(p.phi.length);
      } else {
        const p = lookupPair(spec.pairs as unknown as Record<string, Record<string, number>>, els[a], els[b]);
        for (const name of PAIR_PARAMETERS[spec.kind]) {
          const v = p[name];
          if (typeof v !== 'number' || !Number.isFinite(v)) {
            throw new ConfigError(`pairs.${tag}.${name}`, `expected a finite number, got ${JSON.stringify(v)}`);
          }
          names.push(`${name}:${tag}`);
          values.push(v);
        }
        counts.push(PAIR_PARAMETERS[spec.kind].length);
      }
    }
  }
  return { names, values, counts };
}

/** The spec with the parameter vector theta written back into it (same layout as flattenParameters). */
function specWithParameters(spec: PairSpec, theta: ArrayLike<number>): PairSpec {
  const els = spec.elements;
  let p = 0;
  const pairs: Record<string, unknown> = {};
  for (let a = 0; a < els.length; a++) {
    for (let b = a; b < els.length; b++) {
      const tag = `${els[a]}-${els[b]}`;
      if (spec.kind === 'pair-spline') {
        const old = lookupPair(spec.pairs, els[a], els[b]);
        const phi = old.phi.map(() => theta[p++]);
        pairs[tag] = { knots: old.knots.slice(), phi };
      } else {
        const entry: Record<string, number> = {};
        for (const name of PAIR_PARAMETERS[spec.kind]) entry[name] = theta[p++];
        pairs[tag] = entry;
      }
    }
  }
  return { ...spec, pairs } as PairSpec;
}

/** Everything the kernel reads, derived once from the spec. */
interface PairTables {
  form: number;
  nElements: number;
  /** typeOf[ea * nElements + eb] = pair type index. */
  typeOf: Int32Array;
  /** Per type: offset of its parameters in the vector, and their number. */
  offset: Int32Array;
  count: Int32Array;
  /** Flat parameter vector (analytic forms read their numbers from here). */
  theta: Float64Array;
  splines: NaturalSpline[];
  cut: CompiledCutoff;
  /** Per type: φ(r_c), φ'(r_c); and per parameter: ∂φ(r_c)/∂θ, ∂φ'(r_c)/∂θ (for shift and shifted-force). */
  phiC: Float64Array;
  dphiC: Float64Array;
  gphiC: Float64Array;
  gdphiC: Float64Array;
  maxCount: number;
}

/** φ(r), φ'(r) of pair type t into out[0], out[1]. */
function radial(T: PairTables, t: number, r: number, out: Float64Array): void {
  const th = T.theta, o = T.offset[t];
  switch (T.form) {
    case FORM_LJ: {
      const eps = th[o], sig = th[o + 1];
      const s2 = (sig * sig) / (r * r);
      const s6 = s2 * s2 * s2, s12 = s6 * s6;
      out[0] = 4 * eps * (s12 - s6);
      out[1] = (4 * eps * (-12 * s12 + 6 * s6)) / r;
      return;
    }
    case FORM_MORSE: {
      const D = th[o], al = th[o + 1], r0 = th[o + 2];
      const u = Math.exp(-al * (r - r0));
      out[0] = D * (u * u - 2 * u);
      out[1] = 2 * al * D * (u - u * u);
      return;
    }
    case FORM_BUCK: {
      const A = th[o], rho = th[o + 1], C = th[o + 2];
      const e = Math.exp(-r / rho);
      const ir2 = 1 / (r * r), ir6 = ir2 * ir2 * ir2;
      out[0] = A * e - C * ir6;
      out[1] = (-A * e) / rho + (6 * C * ir6) / r;
      return;
    }
    default:
      splineEval(T.splines[t], r, out);
  }
}

/** ∂φ/∂θ_k into val[k], ∂φ'/∂θ_k into der[k] for the local parameters k of pair type t. */
function radialGrad(T: PairTables, t: number, r: number, val: Float64Array, der: Float64Array): void {
  const th = T.theta, o = T.offset[t];
  switch (T.form) {
    case FORM_LJ: {
      const eps = th[o], sig = th[o + 1];
      const s2 = (sig * sig) / (r * r);
      const s6 = s2 * s2 * s2, s12 = s6 * s6;
      val[0] = 4 * (s12 - s6);
      der[0] = (4 * (-12 * s12 + 6 * s6)) / r;
      val[1] = (4 * eps * (12 * s12 - 6 * s6)) / sig;
      der[1] = (4 * eps * (-144 * s12 + 36 * s6)) / (r * sig);
      return;
    }
    case FORM_MORSE: {
      const D = th[o], al = th[o + 1], r0 = th[o + 2];
      const u = Math.exp(-al * (r - r0));
      const dr = r - r0;
      val[0] = u * u - 2 * u;
      der[0] = 2 * al * (u - u * u);
      // ∂u/∂α = −(r − r0) u, ∂u/∂r0 = α u
      val[1] = -2 * D * (u - 1) * dr * u;
      der[1] = 2 * D * (u - u * u) - 2 * al * D * (1 - 2 * u) * dr * u;
      val[2] = 2 * D * (u - 1) * al * u;
      der[2] = 2 * al * al * D * (1 - 2 * u) * u;
      return;
    }
    case FORM_BUCK: {
      const A = th[o], rho = th[o + 1];
      const e = Math.exp(-r / rho);
      const ir2 = 1 / (r * r), ir6 = ir2 * ir2 * ir2;
      val[0] = e;
      der[0] = -e / rho;
      val[1] = (A * e * r) / (rho * rho);
      der[1] = ((A * e) / (rho * rho)) * (1 - r / rho);
      val[2] = -ir6;
      der[2] = (6 * ir6) / r;
      return;
    }
    default:
      splineBasis(T.splines[t], r, val, der);
  }
}

function buildTables(spec: PairSpec, theta: Float64Array, counts: number[]): PairTables {
  const ne = spec.elements.length;
  const typeOf = new Int32Array(ne * ne);
  let t = 0;
  for (let a = 0; a < ne; a++) for (let b = a; b < ne; b++, t++) typeOf[a * ne + b] = typeOf[b * ne + a] = t;
  const nt = t;
  const offset = new Int32Array(nt), count = Int32Array.from(counts);
  for (let k = 1; k < nt; k++) offset[k] = offset[k - 1] + count[k - 1];
  const splines: NaturalSpline[] = [];
  if (spec.kind === 'pair-spline') {
    for (let k = 0; k < nt; k++) {
      const knots = lookupPairByType(spec, k).knots;
      splines.push(naturalSpline(knots, theta.subarray(offset[k], offset[k] + count[k])));
    }
  }
  const T: PairTables = {
    form: FORM_CODE[spec.kind], nElements: ne, typeOf, offset, count, theta, splines,
    cut: compileCutoff(spec.cutoff_function, spec.cutoff),
    phiC: new Float64Array(nt), dphiC: new Float64Array(nt),
    gphiC: new Float64Array(theta.length), gdphiC: new Float64Array(theta.length),
    maxCount: Math.max(...counts),
  };
  const out = new Float64Array(2);
  for (let k = 0; k < nt; k++) {
    radial(T, k, spec.cutoff, out);
    T.phiC[k] = out[0];
    T.dphiC[k] = out[1];
    radialGrad(T, k, spec.cutoff, T.gphiC.subarray(offset[k]), T.gdphiC.subarray(offset[k]));
  }
  return T;
}

function lookupPairByType(spec: PairSplineSpec, t: number): SplinePair {
  const els = spec.elements;
  let k = 0;
  for (let a = 0; a < els.length; a++) for (let b = a; b < els.length; b++, k++) if (k === t) return lookupPair(spec.pairs, els[a], els[b]);
  throw new Error(`internal error: pair type ${t}`);
}

function kernel(T: PairTables, s: Structure, el: Int32Array, nl: NeighborList, req: EvalRequest): EvalResult {
  const n = s.species.length;
  const x = s.positions;
  const ne = T.nElements, rc = T.cut.rc, rc2 = rc * rc;
  const wantF = !!req.forces, wantW = !!req.virial, wantA = !!req.atomEnergies, wantG = !!req.paramGradient;
  const forces = wantF ? new Float64Array(3 * n) : undefined;
  const virial = wantW ? new Float64Array(6) : undefined;
  const atomE = wantA ? new Float64Array(n) : undefined;
  const P = T.theta.length;
  const dEnergy = wantG ? new Float64Array(P) : undefined;
  const dForces = wantG ? new Float64Array(P * 3 * n) : undefined;
  const dVirial = wantG ? new Float64Array(P * 6) : undefined;
  const rad = new Float64Array(2), co = new Float64Array(5);
  const gv = new Float64Array(T.maxCount), gd = new Float64Array(T.maxCount);
  const { start, j: nj, shift } = nl;
  const phiC = T.phiC, dphiC = T.dphiC, gphiC = T.gphiC, gdphiC = T.gdphiC;
  const typeOf = T.typeOf, cut = T.cut, form = T.form, th = T.theta, offset = T.offset;
  const plain = cut.code === CUT_NONE;
  if (plain) co[0] = 1;
  let energy = 0;
  let w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
    const ei = el[i] * ne;
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = nj[k];
      const dx = x[3 * j] + shift[3 * k] - xi;
      const dy = x[3 * j + 1] + shift[3 * k + 1] - yi;
      const dz = x[3 * j + 2] + shift[3 * k + 2] - zi;
      const r2 = dx * dx + dy * dy + dz * dz;
      if (r2 >= rc2) continue;
      const r = Math.sqrt(r2);
      const t = typeOf[ei + el[j]];
      // the analytic forms inline (form is loop-invariant, so the branch is predictable); spline through radial()
      let phi: number, dphi: number;
      const o = offset[t];
      if (form === FORM_LJ) {
        const eps = th[o], sig = th[o + 1];
        const s2 = (sig * sig) / r2;
        const s6 = s2 * s2 * s2, s12 = s6 * s6;
        phi = 4 * eps * (s12 - s6);
        dphi = (4 * eps * (-12 * s12 + 6 * s6)) / r;
      } else if (form === FORM_MORSE) {
        const D = th[o], al = th[o + 1];
        const u = Math.exp(-al * (r - th[o + 2]));
        phi = D * (u * u - 2 * u);
        dphi = 2 * al * D * (u - u * u);
      } else if (form === FORM_BUCK) {
        const A = th[o], rho = th[o + 1];
        const ex = Math.exp(-r / rho);
        const ir6 = 1 / (r2 * r2 * r2);
        phi = A * ex - th[o + 2] * ir6;
        dphi = (-A * ex) / rho + (6 * th[o + 2] * ir6) / r;
      } else {
        radial(T, t, r, rad);
        phi = rad[0];
        dphi = rad[1];
      }
      // plain truncation: a = 1 and b = c = 0 inside r_c (set once below), so skip the call in the hot loop
      if (!plain) cutoffCoefficients(cut, r, co);
      const a = co[0], da = co[1], b = co[2], c = co[3], dc = co[4];
      const e = a * phi + b * phiC[t] + c * dphiC[t];
      energy += e;
      if (atomE) {
        atomE[i] += 0.5 * e;
        atomE[j] += 0.5 * e;
      }
      if (forces || virial) {
        const de = da * phi + a * dphi + dc * dphiC[t];
        const g = -de / r;
        if (forces) tallyPairForce(forces, i, j, g * dx, g * dy, g * dz);
        if (wantW) {
          // W_ab += d_a f_b with f = g d (tally.ts convention), in scalar accumulators: symmetric, so no averaging
          w0 += g * dx * dx;
          w1 += g * dy * dy;
          w2 += g * dz * dz;
          w3 += g * dy * dz;
          w4 += g * dx * dz;
          w5 += g * dx * dy;
        }
      }
      if (dEnergy && dForces && dVirial) {
        radialGrad(T, t, r, gv, gd);
        const o = T.offset[t], m = T.count[t];
        for (let q = 0; q < m; q++) {
          const p = o + q;
          dEnergy[p] += a * gv[q] + b * gphiC[p] + c * gdphiC[p];
          const g = -(da * gv[q] + a * gd[q] + dc * gdphiC[p]) / r;
          const fo = p * 3 * n;
          dForces[fo + 3 * j] += g * dx;
          dForces[fo + 3 * j + 1] += g * dy;
          dForces[fo + 3 * j + 2] += g * dz;
          dForces[fo + 3 * i] -= g * dx;
          dForces[fo + 3 * i + 1] -= g * dy;
          dForces[fo + 3 * i + 2] -= g * dz;
          const wo = p * 6;
          dVirial[wo] += dx * g * dx;
          dVirial[wo + 1] += dy * g * dy;
          dVirial[wo + 2] += dz * g * dz;
          dVirial[wo + 3] += dy * g * dz;
          dVirial[wo + 4] += dx * g * dz;
          dVirial[wo + 5] += dx * g * dy;
        }
      }
    }
  }
  const res: EvalResult = { energy };
  if (forces) res.forces = forces;
  if (virial) {
    virial[0] = w0;
    virial[1] = w1;
    virial[2] = w2;
    virial[3] = w3;
    virial[4] = w4;
    virial[5] = w5;
    res.virial = virial;
  }
  if (atomE) res.atomEnergies = atomE;
  if (dEnergy) {
    res.dEnergy = dEnergy;
    res.dForces = dForces;
    res.dVirial = dVirial;
  }
  return res;
}

/** Compiles any pair spec into a model over a half neighbor list. */
export function compilePair<S extends PairSpec>(spec: S): CompiledModel<S> {
  if (!(spec.cutoff > 0)) throw new ConfigError('cutoff', `expected a positive cutoff, got ${spec.cutoff}`);
  if (FORM_CODE[spec.kind] === undefined) throw new ConfigError('kind', `unknown pair kind ${JSON.stringify(spec.kind)}`);
  const map = elementIndexOf(spec.elements);
  checkPairKeys(spec);
  const { names, values, counts } = flattenParameters(spec);
  const theta = Float64Array.from(values);
  const T = buildTables(spec, theta, counts);
  return {
    spec,
    cutoff: spec.cutoff,
    neighborList: 'half',
    paramNames: names,
    parameters: theta.slice(),
    // every cutoff form is linear in φ, and a spline is linear in its knot values
    linearInParameters: spec.kind === 'pair-spline',
    evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
      return kernel(T, s, speciesToElements(s, map, spec.elements), nl, req);
    },
    withParameters(t: ArrayLike<number>): CompiledModel<S> {
      if (t.length !== theta.length) throw new UserError(`expected ${theta.length} parameters, got ${t.length}`);
      return compilePair(specWithParameters(spec, t) as S);
    },
  };
}

/**
 * E(r) = (Lφ_ab)(r) and F(r) = −(Lφ_ab)'(r) (eV, eV/Å) of element pair a-b at the radii r (Å), 0 at r ≥ cutoff:
 * exactly what the kernel sums, for table export and plots.
 */
export function pairCurve(spec: PairSpec, a: string, b: string, r: ArrayLike<number>): { e: Float64Array; f: Float64Array } {
  const ia = spec.elements.indexOf(a), ib = spec.elements.indexOf(b);
  if (ia < 0 || ib < 0) throw new UserError(`pairCurve: ${a}-${b} is not a pair of the model's elements (${spec.elements.join(', ')})`);
  const { values, counts } = flattenParameters(spec);
  const T = buildTables(spec, Float64Array.from(values), counts);
  const t = T.typeOf[ia * T.nElements + ib];
  const rad = new Float64Array(2), co = new Float64Array(5);
  const e = new Float64Array(r.length), f = new Float64Array(r.length);
  for (let k = 0; k < r.length; k++) {
    radial(T, t, r[k], rad);
    cutoffCoefficients(T.cut, r[k], co);
    e[k] = co[0] * rad[0] + co[2] * T.phiC[t] + co[3] * T.dphiC[t];
    f[k] = -(co[1] * rad[0] + co[0] * rad[1] + co[4] * T.dphiC[t]);
  }
  return { e, f };
}
