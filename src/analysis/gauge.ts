/**
 * Gauge freedoms of the spline EAM (kind 'eam-spline') as explicit tangent vectors in parameter space, and a
 * canonical gauge. E = Σ_i F_a(i)(ρ_i) + Σ_pairs φ_ab(r), ρ_i = Σ_j ρ_{a(i)←a(j)}(r_ij) (alloy: ρ_{a←b} = ρ_b).
 *
 * (b) Linear embedding gauge, one per element a:  F_a(ρ) → F_a(ρ) − g_a ρ,  φ_ab → φ_ab + g_a ρ_{a←b} + g_b ρ_{b←a}
 *     (one element: φ + 2gρ, F − gρ). Σ_i g_a(i) ρ_i = Σ_pairs (g_a ρ_{a←b} + g_b ρ_{b←a}), so E is unchanged for
 *     every structure. In knot values: F's part is exact for any knots (the natural spline through a linear
 *     function's values is that linear function, and so is its linear continuation); φ's part is exact iff the
 *     knots of ρ_{a←b} are a subset of φ_ab's knots (both end at the cutoff with value 0 and slope 0; ρ's spline is
 *     then C² piecewise cubic on φ's knots, natural at φ's first knot where ρ is still linear). Tangent entries for
 *     φ are ρ's spline evaluated at φ's knots. When the condition fails the direction is only approximate.
 * (c) Energy-offset gauge (only when the fit has offsets E0 / E0:<El>): F_a → F_a + c, E0:<El> → E0:<El> − c (a
 *     constant spline is exact on any knots).
 * (a) Density scale: ρ → sρ, F(ρ) → F(ρ/s). Tangent at s = 1: δρ = ρ (knot values, exact), δF(x) = −x F'(x).
 *     With F's knots fixed, −xF'(x) is piecewise cubic but only C¹ (F''' jumps at knots) and not natural at the
 *     ends, so the natural spline on F's knots represents it exactly only for an affine F: in parameter space
 *     (a) is an APPROXIMATE symmetry, usually a sloppy rather than a null direction. It IS exact when F's knots
 *     move with it (a spline on knots s·x with the same values is F(x/s)), which is how `fixGauge` applies it.
 *
 * Canonical gauge of `fixGauge` (predictions unchanged up to rounding):
 *   density scale: ρ_{a←a}(r_ref) = 1 (alloy: one common s from the first element's ρ; fs: one s per centre
 *   element), applied exactly by scaling ρ's values and F's knots;
 *   embedding gauge: F_a'(ρ̄_a) = 0 at a reference density ρ̄_a (default: the middle of F_a's knot range);
 *   offsets: F_a(first knot) = 0, the constant moved into the offsets (`offsetShift` to ADD to E0 / E0:<El>).
 * It also names parameters to hold fixed (`fixed`) so that the exact gauges (b), (c) leave the Fisher null space:
 * F_a at its knot of largest |ρ| pins g_a, F_a at its first knot pins c. Holding them fixes the gauge during a
 * fit; re-apply `fixGauge` after fitting to restore the canonical conditions.
 */
import { UserError } from '../core/errors.ts';
import { CubicSpline, type EamSplineSpec, type SplineTable } from '../potentials/eam-spline.ts';
import type { Symmetry } from './fisher.ts';

export interface EamGauge extends Symmetry {
  /** True when the tangent is exactly representable in the knot parameters (J·tangent = 0 analytically). */
  exact: boolean;
  why?: string;
}

interface Layout {
  n: number;
  F: number[];
  rho: number[];
  phi: number[];
}

/** Start index of every table's values in the model's parameter vector (order F, rho, phi as eam-spline.ts). */
function layout(spec: EamSplineSpec): Layout {
  let o = 0;
  const take = (t: SplineTable): number => {
    const s = o;
    o += t.values.length;
    return s;
  };
  return { n: spec.elements.length, F: spec.F.map(take), rho: spec.rho.map(take), phi: spec.phi.map(take) };
}

/** Index into spec.rho of the density at a centre of element c from a neighbour of element b. */
const rhoTable = (spec: EamSplineSpec, c: number, b: number): number => (spec.fs ? b * spec.elements.length + c : b);
/** Index into spec.phi of pair (a, b) (a ≥ b ordering of eam.ts pairIndex). */
const phiTable = (a: number, b: number): number => (a >= b ? (a * (a + 1)) / 2 + b : (b * (b + 1)) / 2 + a);

const spline = (t: SplineTable, radial: boolean): CubicSpline => new CubicSpline(t.knots, t.values, radial);

function subsetOf(x: readonly number[], y: readonly number[]): boolean {
  const tol = 1e-12 * Math.max(1, Math.abs(y[y.length - 1]));
  return x.every((v) => y.some((w) => Math.abs(v - w) <= tol));
}

function rhoLabel(spec: EamSplineSpec, c: number, b: number): string {
  const el = spec.elements;
  return spec.fs ? `ρ_${el[c]}←${el[b]}` : `ρ_${el[b]}`;
}

/**
 * The gauge tangents of a spline EAM over a problem's full parameter vector (`paramNames`: the model's parameters
 * first, in eam-spline order, then offsets named E0 or E0:<El>).
 */
export function eamGaugeTangents(spec: EamSplineSpec, paramNames: readonly string[]): EamGauge[] {
  if (spec.kind !== 'eam-spline') throw new UserError(`EAM gauge analysis needs an eam-spline model, got ${spec.kind}`);
  const L = layout(spec);
  const P = paramNames.length;
  const el = spec.elements, n = L.n;
  const out: EamGauge[] = [];
  const rhoS = spec.rho.map((t) => spline(t, true));
  const tmp = new Float64Array(3);

  // (b) embedding gauge of element a
  for (let a = 0; a < n; a++) {
    const t = new Float64Array(P);
    spec.F[a].knots.forEach((x, k) => (t[L.F[a] + k] = -x));
    let exact = true;
    const why: string[] = [];
    const parts = [`F_${el[a]} − gρ`];
    for (let b = 0; b < n; b++) {
      const q = phiTable(a, b);
      const knots = spec.phi[q].knots;
      // contributions g_a ρ_{a←b} (+ g_a ρ_{a←a} again when b = a, the pair's other end)
      const terms = b === a ? [rhoTable(spec, a, a), rhoTable(spec, a, a)] : [rhoTable(spec, a, b)];
      for (const rt of terms) {
        if (!subsetOf(spec.rho[rt].knots, knots)) {
          exact = false;
          why.push(`knots of ${rhoLabel(spec, a, b)} are not a subset of φ_${el[Math.max(a, b)]}-${el[Math.min(a, b)]}'s knots`);
        }
        for (let k = 0; k < knots.length - 1; k++) {
          rhoS[rt].evaluate(knots[k], tmp);
          t[L.phi[q] + k] += tmp[0];
        }
      }
      parts.push(`φ_${el[Math.max(a, b)]}-${el[Math.min(a, b)]} + ${b === a ? '2g' : 'g'} ${rhoLabel(spec, a, b)}`);
    }
    out.push({ name: `EAM gauge (g_${el[a]}): ${parts.join(', ')}`, tangent: t, exact, why: why.length ? [...new Set(why)].join('; ') : undefined });
  }

  // (c) energy-offset gauge
  const perSpecies = el.map((e) => paramNames.indexOf(`E0:${e}`));
  const global = paramNames.indexOf('E0');
  if (global >= 0) {
    const t = new Float64Array(P);
    for (let a = 0; a < n; a++) spec.F[a].knots.forEach((_, k) => (t[L.F[a] + k] = 1));
    t[global] = -1;
    out.push({ name: `energy-offset gauge: F + c (every element), E0 − c`, tangent: t, exact: true });
  }
  perSpecies.forEach((p, a) => {
    if (p < 0) return;
    const t = new Float64Array(P);
    spec.F[a].knots.forEach((_, k) => (t[L.F[a] + k] = 1));
    t[p] = -1;
    out.push({ name: `energy-offset gauge: F_${el[a]} + c, E0:${el[a]} − c`, tangent: t, exact: true });
  });

  // (a) density scale (approximate on fixed knots): alloy one common s, fs one per centre element
  const groups = spec.fs ? el.map((_, c) => [c]) : [el.map((_, c) => c)];
  for (const centres of groups) {
    const t = new Float64Array(P);
    const rhoTabs = new Set<number>();
    for (const c of centres) for (let b = 0; b < n; b++) rhoTabs.add(rhoTable(spec, c, b));
    for (const rt of rhoTabs) spec.rho[rt].values.forEach((v, k) => (t[L.rho[rt] + k] = v));
    for (const c of centres) {
      const F = spline(spec.F[c], false);
      spec.F[c].knots.forEach((x, k) => {
        F.evaluate(x, tmp);
        t[L.F[c] + k] = -x * tmp[1];
      });
    }
    const who = spec.fs ? ` (centre ${el[centres[0]]})` : '';
    out.push({
      name: `EAM density scale${who}: ρ → sρ, F(ρ) → F(ρ/s)`, tangent: t, exact: false,
      why: 'with F\'s knots fixed, ρF\'(ρ) is not a natural spline on those knots (exact only for an affine F)',
    });
  }
  return out;
}

/** The exact gauge tangents only, ready for `fisherAnalysis(..., { symmetries })`. */
export function exactEamGauges(spec: EamSplineSpec, paramNames: readonly string[]): EamGauge[] {
  return eamGaugeTangents(spec, paramNames).filter((g) => g.exact);
}

export interface FixGaugeOptions {
  /** ρ̄ per element (or one for all), in the INPUT spec's density units; default: middle of F_a's knot range. */
  referenceDensity?: number | Record<string, number>;
  /** Normalise densities so that ρ_{a←a}(distance) = 1 (Å); omitted: the density scale is left as it is. */
  densityScale?: { distance: number };
  /** Offsets the fit uses: decides whether (c) is fixed. Default 'none'. */
  offsets?: 'none' | 'global' | 'per-species';
}

export interface FixGaugeResult {
  spec: EamSplineSpec;
  /** Parameter names to hold fixed so the exact gauges leave the Fisher null space. */
  fixed: string[];
  /** Add to the fitted offsets (E0 or E0:<El>) to keep total energies unchanged (the constants moved out of F). */
  offsetShift: Record<string, number>;
  /** The density scale applied per element (1 when not normalised). */
  densityScale: number[];
  /** g_a subtracted from F_a (per element). */
  embeddingSlope: number[];
  conditions: string[];
}

export function fixGauge(spec: EamSplineSpec, opts: FixGaugeOptions = {}): FixGaugeResult {
  if (spec.kind !== 'eam-spline') throw new UserError(`fixGauge needs an eam-spline model, got ${spec.kind}`);
  const el = spec.elements, n = el.length;
  const conditions: string[] = [];
  const tmp = new Float64Array(3);
  let F = spec.F.map((t) => ({ knots: [...t.knots], values: [...t.values] }));
  let rho = spec.rho.map((t) => ({ knots: [...t.knots], values: [...t.values] }));
  const phi = spec.phi.map((t) => ({ knots: [...t.knots], values: [...t.values] }));

  // (a) density scale: s per centre element (alloy: common)
  const scale = new Array<number>(n).fill(1);
  if (opts.densityScale) {
    const r = opts.densityScale.distance;
    const s0 = (c: number): number => {
      spline(spec.rho[rhoTable(spec, c, c)], true).evaluate(r, tmp);
      if (!(Math.abs(tmp[0]) > 0)) throw new UserError(`fixGauge: ${rhoLabel(spec, c, c)}(${r} Å) = ${tmp[0]}, cannot normalise the density scale there`);
      return 1 / tmp[0];
    };
    if (spec.fs) for (let c = 0; c < n; c++) scale[c] = s0(c);
    else scale.fill(s0(0));
    rho = rho.map((t, q) => {
      const c = spec.fs ? q % n : 0;
      return { knots: t.knots, values: t.values.map((v) => v * scale[c]) };
    });
    F = F.map((t, a) => ({ knots: t.knots.map((x) => x * scale[a]), values: t.values }));
    conditions.push(`density scale: ${spec.fs ? 'ρ_a←a' : `ρ_${el[0]}`}(${r} Å) = 1`);
  }

  // (b) embedding gauge: F_a'(ρ̄_a) = 0
  const rhoS = rho.map((t) => spline(t, true));
  const g = new Array<number>(n).fill(0);
  for (let a = 0; a < n; a++) {
    const ref = opts.referenceDensity;
    const kn = spec.F[a].knots;
    const rbar0 = ref === undefined ? 0.5 * (kn[0] + kn[kn.length - 1]) : typeof ref === 'number' ? ref : ref[el[a]];
    if (rbar0 === undefined) throw new UserError(`fixGauge: no reference density for ${el[a]}`);
    spline(F[a], false).evaluate(rbar0 * scale[a], tmp);
    g[a] = tmp[1];
    conditions.push(`F_${el[a]}'(${(rbar0 * scale[a]).toPrecision(6)}) = 0`);
  }
  for (let a = 0; a < n; a++) F[a].values = F[a].values.map((v, k) => v - g[a] * F[a].knots[k]);
  for (let a = 0; a < n; a++)
    for (let b = 0; b <= a; b++) {
      const q = phiTable(a, b);
      const knots = phi[q].knots;
      const add = (c: number, nb: number): void => {
        if (g[c] === 0) return;
        const rt = rhoTable(spec, c, nb);
        if (!subsetOf(rho[rt].knots, knots)) {
          throw new UserError(`fixGauge: the embedding gauge of ${el[c]} is not representable: knots of ${rhoLabel(spec, c, nb)} are not a subset of φ_${el[a]}-${el[b]}'s knots`);
        }
        for (let k = 0; k < knots.length - 1; k++) {
          rhoS[rt].evaluate(knots[k], tmp);
          phi[q].values[k] += g[c] * tmp[0];
        }
      };
      add(a, b);
      add(b, a);
    }

  // (c) offsets: F_a(first knot) = 0, constants moved into the offsets
  const fixed: string[] = [];
  const offsetShift: Record<string, number> = {};
  const mode = opts.offsets ?? 'none';
  if (mode !== 'none') {
    const targets = mode === 'global' ? [0] : el.map((_, a) => a);
    for (const a of targets) {
      const c = F[a].values[0];
      const whom = mode === 'global' ? el.map((_, b) => b) : [a];
      for (const b of whom) F[b].values = F[b].values.map((v) => v - c);
      const key = mode === 'global' ? 'E0' : `E0:${el[a]}`;
      offsetShift[key] = (offsetShift[key] ?? 0) + c;
      fixed.push(`F:${el[a]}[0]`);
      conditions.push(`F_${el[a]}(${F[a].knots[0]}) = 0 (constant moved into ${key})`);
    }
  }
  for (let a = 0; a < n; a++) {
    const kn = F[a].knots;
    let kmax = 0;
    for (let k = 1; k < kn.length; k++) if (Math.abs(kn[k]) > Math.abs(kn[kmax])) kmax = k;
    if (kn[kmax] === 0) throw new UserError(`fixGauge: F_${el[a]} has no knot at ρ ≠ 0 to pin the embedding gauge`);
    const name = `F:${el[a]}[${kmax}]`;
    if (!fixed.includes(name)) fixed.push(name);
  }
  return {
    spec: { ...spec, F, rho, phi },
    fixed,
    offsetShift,
    densityScale: scale,
    embeddingSlope: g,
    conditions,
  };
}
