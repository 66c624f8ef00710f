/**
 * Fittable spline EAM (kind 'eam-spline'): F(ρ), ρ(r), φ(r) are cubic splines over user-given knots; the
 * parameters are the knot values (knot positions fixed). eam/alloy semantics by default, eam/fs with `fs: true`.
 *
 * Splines (second-derivative form, M = G·y solved once per knot set; the spline is linear in the knot values y, so
 * ∂/∂y is exact through G):
 * - F_a(ρ): natural at both ends (M = 0), continued linearly outside [ρ_0, ρ_{K−1}] (C² since M = 0 there).
 * - ρ(r), φ(r): the LAST knot must equal `cutoff`; there the value is 0 and the slope 0 (clamped end), so the
 *   functions and forces go smoothly to zero at the cutoff. The other values are parameters; natural at the
 *   first knot, linear continuation below it.
 * Tables: `F[a]` per element; `rho[b]` = density contributed by an atom of element b (fs: `rho[b·N + a]`, by b at
 * an atom of element a); `phi[pairIndex(a, b)]` per pair a ≥ b (order (0,0), (1,0), (1,1), ...).
 * Parameter names: `F:Cu[k]`, `rho:Cu[k]` (fs: `rho:Cu-Ni[k]`), `phi:Cu-Ni[k]`, k = knot index.
 * Units: ρ dimensionless (arbitrary density units), r in Å, F and φ in eV.
 */
import { ConfigError, invariant } from '../core/errors.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { Structure } from '../structure/types.ts';
import { pairIndex } from './eam.ts';
import { evaluateEam, type EamFunctions } from './eam-core.ts';
import type { CompiledModel, EvalRequest, EvalResult, ModelSpecBase } from './types.ts';

export interface SplineTable {
  knots: number[];
  values: number[];
}

export interface EamSplineSpec extends ModelSpecBase {
  kind: 'eam-spline';
  fs?: boolean;
  masses?: number[];
  F: SplineTable[];
  rho: SplineTable[];
  phi: SplineTable[];
}

/**
 * A cubic spline on fixed knots with y ↦ M = G y precomputed. `clampedZeroEnd`: the last value is 0 (not a
 * parameter) and the end slope 0; otherwise natural at the right end. Left end natural.
 */
export class CubicSpline {
  readonly K: number;
  /** number of free values (K or K−1) */
  readonly nFree: number;
  private readonly x: Float64Array;
  private readonly G: Float64Array;
  private readonly y: Float64Array;
  private readonly M: Float64Array;

  constructor(knots: readonly number[], values: ArrayLike<number>, private readonly clampedZeroEnd: boolean) {
    const K = knots.length;
    this.K = K;
    this.nFree = clampedZeroEnd ? K - 1 : K;
    invariant(values.length === this.nFree, `spline: expected ${this.nFree} values, got ${values.length}`);
    this.x = Float64Array.from(knots);
    this.y = new Float64Array(K);
    for (let k = 0; k < this.nFree; k++) this.y[k] = values[k];
    this.G = CubicSpline.operator(this.x, clampedZeroEnd);
    this.M = new Float64Array(K);
    for (let i = 0; i < K; i++) {
      let s = 0;
      for (let j = 0; j < K; j++) s += this.G[i * K + j] * this.y[j];
      this.M[i] = s;
    }
  }

  /** G (K×K) with M = G y: solves A M = B y for the boundary conditions (dense; K is small). */
  private static operator(x: Float64Array, clamped: boolean): Float64Array {
    const K = x.length;
    const A = new Float64Array(K * K), B = new Float64Array(K * K);
    A[0] = 1; // natural left end
    for (let i = 1; i < K - 1; i++) {
      const h0 = x[i] - x[i - 1], h1 = x[i + 1] - x[i];
      A[i * K + i - 1] = h0 / 6;
      A[i * K + i] = (h0 + h1) / 3;
      A[i * K + i + 1] = h1 / 6;
      B[i * K + i + 1] = 1 / h1;
      B[i * K + i] = -1 / h1 - 1 / h0;
      B[i * K + i - 1] = 1 / h0;
    }
    const l = K - 1;
    if (clamped) {
      const h = x[l] - x[l - 1];
      A[l * K + l - 1] = h / 6;
      A[l * K + l] = h / 3;
      B[l * K + l - 1] = 1 / h;
      B[l * K + l] = -1 / h;
    } else {
      A[l * K + l] = 1;
    }
    // Gauss–Jordan with partial pivoting on [A | B]
    for (let c = 0; c < K; c++) {
      let piv = c;
      for (let r = c + 1; r < K; r++) if (Math.abs(A[r * K + c]) > Math.abs(A[piv * K + c])) piv = r;
      if (piv !== c) {
        for (let q = 0; q < K; q++) {
          let t = A[c * K + q]; A[c * K + q] = A[piv * K + q]; A[piv * K + q] = t;
          t = B[c * K + q]; B[c * K + q] = B[piv * K + q]; B[piv * K + q] = t;
        }
      }
      const d = A[c * K + c];
      for (let q = 0; q < K; q++) {
        A[c * K + q] /= d;
        B[c * K + q] /= d;
      }
      for (let r = 0; r < K; r++) {
        if (r === c) continue;
        const f = A[r * K + c];
        if (f === 0) continue;
        for (let q = 0; q < K; q++) {
          A[r * K + q] -= f * A[c * K + q];
          B[r * K + q] -= f * B[c * K + q];
        }
      }
    }
    return B;
  }

  private interval(t: number): number {
    const x = this.x;
    let lo = 0, hi = this.K - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (x[mid] <= t) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** out[0] = s(t), out[1] = s'(t), out[2] = s''(t). */
  evaluate(t: number, out: Float64Array): void {
    const x = this.x, y = this.y, M = this.M, K = this.K;
    if (t < x[0] || (t > x[K - 1] && !this.clampedZeroEnd)) {
      const left = t < x[0];
      const k = left ? 0 : K - 2, e = left ? 0 : K - 1, h = x[k + 1] - x[k];
      const slope = (y[k + 1] - y[k]) / h + (left ? -(2 * M[k] + M[k + 1]) : M[k] + 2 * M[k + 1]) * (h / 6);
      out[0] = y[e] + slope * (t - x[e]);
      out[1] = slope;
      out[2] = 0;
      return;
    }
    if (t >= x[K - 1]) {
      out[0] = out[1] = out[2] = 0;
      return;
    }
    const k = this.interval(t), h = x[k + 1] - x[k];
    const a = (x[k + 1] - t) / h, b = 1 - a;
    out[0] = a * y[k] + b * y[k + 1] + ((a * a * a - a) * M[k] + (b * b * b - b) * M[k + 1]) * (h * h / 6);
    out[1] = (y[k + 1] - y[k]) / h + (-(3 * a * a - 1) * M[k] + (3 * b * b - 1) * M[k + 1]) * (h / 6);
    out[2] = a * M[k] + b * M[k + 1];
  }

  /** Weights of s(t) and s'(t) on the free values: wv[j] = ∂s/∂y_j, wd[j] = ∂s'/∂y_j (j < nFree). */
  weights(t: number, wv: Float64Array, wd: Float64Array): void {
    const x = this.x, G = this.G, K = this.K;
    wv.fill(0, 0, K);
    wd.fill(0, 0, K);
    if (t < x[0] || (t > x[K - 1] && !this.clampedZeroEnd)) {
      const left = t < x[0];
      const k = left ? 0 : K - 2, e = left ? 0 : K - 1, h = x[k + 1] - x[k];
      const ck = left ? -2 : 1, ck1 = left ? -1 : 2;
      for (let j = 0; j < K; j++) {
        const s = (G[k * K + j] * ck + G[(k + 1) * K + j] * ck1) * (h / 6);
        wd[j] = s;
      }
      wd[k + 1] += 1 / h;
      wd[k] -= 1 / h;
      for (let j = 0; j < K; j++) wv[j] = wd[j] * (t - x[e]);
      wv[e] += 1;
      return;
    }
    if (t >= x[K - 1]) return;
    const k = this.interval(t), h = x[k + 1] - x[k];
    const a = (x[k + 1] - t) / h, b = 1 - a;
    const ca = (a * a * a - a) * (h * h / 6), cb = (b * b * b - b) * (h * h / 6);
    const da = -(3 * a * a - 1) * (h / 6), db = (3 * b * b - 1) * (h / 6);
    for (let j = 0; j < K; j++) {
      wv[j] = ca * G[k * K + j] + cb * G[(k + 1) * K + j];
      wd[j] = da * G[k * K + j] + db * G[(k + 1) * K + j];
    }
    wv[k] += a;
    wv[k + 1] += b;
    wd[k + 1] += 1 / h;
    wd[k] -= 1 / h;
  }
}

class EamSplineFunctions implements EamFunctions {
  readonly nEl: number;
  readonly nParams: number;
  readonly cutoff: number;
  readonly maxGradEntries: number;
  private readonly F: CubicSpline[];
  private readonly rhoS: CubicSpline[]; // indexed center·N + nb
  private readonly phiS: CubicSpline[]; // indexed a·N + b
  private readonly parF: Int32Array;
  private readonly parRho: Int32Array;
  private readonly parPhi: Int32Array;
  private readonly wv: Float64Array;
  private readonly wd: Float64Array;

  constructor(spec: EamSplineSpec, theta: Float64Array) {
    const n = spec.elements.length;
    this.nEl = n;
    this.cutoff = spec.cutoff;
    let o = 0;
    const build = (t: SplineTable, clamped: boolean): [CubicSpline, number] => {
      const nFree = clamped ? t.knots.length - 1 : t.knots.length;
      const s = new CubicSpline(t.knots, theta.subarray(o, o + nFree), clamped);
      const start = o;
      o += nFree;
      return [s, start];
    };
    const Fb = spec.F.map((t) => build(t, false));
    const Rb = spec.rho.map((t) => build(t, true));
    const Pb = spec.phi.map((t) => build(t, true));
    this.nParams = o;
    this.F = Fb.map((b) => b[0]);
    this.parF = Int32Array.from(Fb.map((b) => b[1]));
    this.rhoS = [];
    this.parRho = new Int32Array(n * n);
    this.phiS = [];
    this.parPhi = new Int32Array(n * n);
    for (let c = 0; c < n; c++)
      for (let nb = 0; nb < n; nb++) {
        const t = spec.fs ? nb * n + c : nb;
        this.rhoS.push(Rb[t][0]);
        this.parRho[c * n + nb] = Rb[t][1];
        const p = pairIndex(c, nb);
        this.phiS.push(Pb[p][0]);
        this.parPhi[c * n + nb] = Pb[p][1];
      }
    this.maxGradEntries = Math.max(...[...spec.F, ...spec.rho, ...spec.phi].map((t) => t.knots.length));
    this.wv = new Float64Array(this.maxGradEntries);
    this.wd = new Float64Array(this.maxGradEntries);
  }

  embed(el: number, rho: number, out: Float64Array): void {
    this.F[el].evaluate(rho, out);
  }
  density(center: number, nb: number, r: number, out: Float64Array): void {
    this.rhoS[center * this.nEl + nb].evaluate(r, out);
  }
  pair(a: number, b: number, r: number, out: Float64Array): void {
    this.phiS[a * this.nEl + b].evaluate(r, out);
  }
  private grad(s: CubicSpline, t: number, par: number, idx: Int32Array, w: Float64Array): number {
    s.weights(t, this.wv, this.wd);
    for (let j = 0; j < s.nFree; j++) {
      idx[j] = par + j;
      w[2 * j] = this.wv[j];
      w[2 * j + 1] = this.wd[j];
    }
    return s.nFree;
  }
  embedGrad(el: number, rho: number, idx: Int32Array, w: Float64Array): number {
    return this.grad(this.F[el], rho, this.parF[el], idx, w);
  }
  densityGrad(center: number, nb: number, r: number, idx: Int32Array, w: Float64Array): number {
    const k = center * this.nEl + nb;
    return this.grad(this.rhoS[k], r, this.parRho[k], idx, w);
  }
  pairGrad(a: number, b: number, r: number, idx: Int32Array, w: Float64Array): number {
    const k = a * this.nEl + b;
    return this.grad(this.phiS[k], r, this.parPhi[k], idx, w);
  }
}

function validate(spec: EamSplineSpec): void {
  const n = spec.elements.length;
  const nRho = spec.fs ? n * n : n;
  if (spec.F.length !== n) throw new ConfigError('F', `expected ${n} embedding splines (one per element), got ${spec.F.length}`);
  if (spec.rho.length !== nRho) throw new ConfigError('rho', `expected ${nRho} density splines, got ${spec.rho.length}`);
  if (spec.phi.length !== (n * (n + 1)) / 2) throw new ConfigError('phi', `expected ${(n * (n + 1)) / 2} pair splines, got ${spec.phi.length}`);
  const check = (t: SplineTable, path: string, radial: boolean): void => {
    const K = t.knots.length;
    if (K < 3) throw new ConfigError(path, `a spline needs at least 3 knots, got ${K}`);
    for (let k = 1; k < K; k++) if (!(t.knots[k] > t.knots[k - 1])) throw new ConfigError(`${path}.knots`, 'knots must increase');
    const nFree = radial ? K - 1 : K;
    if (t.values.length !== nFree) throw new ConfigError(`${path}.values`, `expected ${nFree} values${radial ? ' (the value at the cutoff knot is 0)' : ''}, got ${t.values.length}`);
    if (radial && t.knots[K - 1] !== spec.cutoff) throw new ConfigError(`${path}.knots`, `the last knot must be the cutoff ${spec.cutoff}`);
  };
  spec.F.forEach((t, k) => check(t, `F[${k}]`, false));
  spec.rho.forEach((t, k) => check(t, `rho[${k}]`, true));
  spec.phi.forEach((t, k) => check(t, `phi[${k}]`, true));
}

function names(spec: EamSplineSpec): string[] {
  const el = spec.elements, n = el.length, out: string[] = [];
  spec.F.forEach((t, a) => t.values.forEach((_, k) => out.push(`F:${el[a]}[${k}]`)));
  spec.rho.forEach((t, q) => {
    const label = spec.fs ? `${el[Math.floor(q / n)]}-${el[q % n]}` : el[q];
    t.values.forEach((_, k) => out.push(`rho:${label}[${k}]`));
  });
  let q = 0;
  for (let a = 0; a < n; a++)
    for (let b = 0; b <= a; b++, q++) spec.phi[q].values.forEach((_, k) => out.push(`phi:${el[a]}-${el[b]}[${k}]`));
  return out;
}

export function compileEamSpline(spec: EamSplineSpec): CompiledModel<EamSplineSpec> {
  validate(spec);
  const parameters = Float64Array.from([...spec.F, ...spec.rho, ...spec.phi].flatMap((t) => t.values));
  const fns = new EamSplineFunctions(spec, parameters);
  const paramNames = names(spec);
  return {
    spec,
    cutoff: spec.cutoff,
    neighborList: 'half',
    paramNames,
    parameters,
    evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
      return evaluateEam(fns, spec.elements, s, nl, req);
    },
    withParameters(theta: ArrayLike<number>): CompiledModel<EamSplineSpec> {
      invariant(theta.length === parameters.length, `eam-spline: expected ${parameters.length} parameters, got ${theta.length}`);
      let o = 0;
      const take = (t: SplineTable): SplineTable => {
        const values = Array.from(t.values, (_, k) => theta[o + k]);
        o += t.values.length;
        return { knots: t.knots, values };
      };
      return compileEamSpline({ ...spec, F: spec.F.map(take), rho: spec.rho.map(take), phi: spec.phi.map(take) });
    },
  };
}

/** The spline functions (for tabulation / export). */
export function eamSplineFunctions(spec: EamSplineSpec): EamFunctions {
  validate(spec);
  return new EamSplineFunctions(spec, Float64Array.from([...spec.F, ...spec.rho, ...spec.phi].flatMap((t) => t.values)));
}
