/**
 * The 'table' pair model: evaluates LAMMPS `pair_style table <linear|spline> <tablength>` files exactly as
 * LAMMPS (29 Sep 2021, pair_table.cpp) does, so that a table pesfit writes can be checked against its own
 * re-evaluation before it is trusted. Units: r (Å), e (eV), f = −dE/dr (eV/Å), as in the file.
 *
 * What LAMMPS does with one table section (keyword, `N n [R|RSQ lo hi] [FPRIME fplo fphi]`, rows `i r e f`):
 * 1. File radii: with R, r_i = lo + (hi − lo)·i/(n−1); with RSQ, r_i = √(lo² + (hi² − lo²)·i/(n−1)); otherwise the
 *    r column. The table cutoff is the pair_coeff cutoff if given, else hi, else r_{n−1}; inner = lo or r_0.
 * 2. Unless "match" (style linear, RSQ, n = tablength, hi = cutoff: the file values are used directly), the file
 *    is splined in r (Numerical-Recipes clamped cubic splines): e with end slopes −f_0, −f_{n−1}; f with end
 *    slopes FPRIME, else the secants of the first and last two points.
 * 3. An internal table of `tablength` points evenly spaced in r² from inner² to cutoff² (Δ = (rc² − inner²)/
 *    (tablength − 1)): e_k = e(r_k), and f_k/r_k (linear) or f_k (spline, divided by r_k after splining).
 * 4. linear: e and f/r are interpolated linearly in r². spline: e and f/r are each cubic splines in r² (clamped,
 *    end slopes −f/2r for e; for f/r from FPRIME or a secant over 0.1Δ of the file spline).
 * Energy and force are interpolated separately, so the force is not exactly −dE/dr: this model reproduces LAMMPS,
 * it is not differentiable in the sense of check-derivatives. It has no fitted parameters.
 * A pair closer than the inner radius is an error in LAMMPS and here (UserError).
 */
import { ConfigError, UserError } from '../core/errors.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { Structure } from '../structure/types.ts';
import { elementIndexOf, speciesToElements } from './pair.ts';
import { tallyPairForce, tallyPairVirial } from './tally.ts';
import type { CompiledModel, EvalRequest, EvalResult, ModelSpecBase } from './types.ts';

/** One section of a LAMMPS table file, as written in the file. */
export interface TableSection {
  keyword: string;
  /** Radii spacing declared on the parameter line (R or RSQ with lo, hi), if any. */
  spacing?: { kind: 'R' | 'RSQ'; lo: number; hi: number };
  /** FPRIME fplo fphi: df/dr at the first and last point, if given. */
  fprime?: [number, number];
  r: number[];
  e: number[];
  f: number[];
}

export type TableStyle = 'linear' | 'spline';

export interface PairTableSpec extends ModelSpecBase {
  kind: 'table';
  style: TableStyle;
  /** LAMMPS's internal table length (pair_style table <style> <tablength>). */
  tablength: number;
  /** Per element pair "A-B" (either order, every pair listed): the section and the optional pair_coeff cutoff. */
  pairs: Record<string, { table: TableSection; cutoff?: number }>;
}

/** Numerical-Recipes cubic spline second derivatives with end slopes yp1, ypn (as LAMMPS's PairTable::spline). */
export function nrSpline(x: ArrayLike<number>, y: ArrayLike<number>, yp1: number, ypn: number): Float64Array {
  const n = x.length;
  const y2 = new Float64Array(n), u = new Float64Array(n);
  if (yp1 > 0.99e30) y2[0] = u[0] = 0;
  else {
    y2[0] = -0.5;
    u[0] = (3.0 / (x[1] - x[0])) * ((y[1] - y[0]) / (x[1] - x[0]) - yp1);
  }
  for (let i = 1; i < n - 1; i++) {
    const sig = (x[i] - x[i - 1]) / (x[i + 1] - x[i - 1]);
    const p = sig * y2[i - 1] + 2.0;
    y2[i] = (sig - 1.0) / p;
    let ui = (y[i + 1] - y[i]) / (x[i + 1] - x[i]) - (y[i] - y[i - 1]) / (x[i] - x[i - 1]);
    ui = ((6.0 * ui) / (x[i + 1] - x[i - 1]) - sig * u[i - 1]) / p;
    u[i] = ui;
  }
  let qn = 0, un = 0;
  if (!(ypn > 0.99e30)) {
    qn = 0.5;
    un = (3.0 / (x[n - 1] - x[n - 2])) * (ypn - (y[n - 1] - y[n - 2]) / (x[n - 1] - x[n - 2]));
  }
  y2[n - 1] = (un - qn * u[n - 2]) / (qn * y2[n - 2] + 1.0);
  for (let k = n - 2; k >= 0; k--) y2[k] = y2[k] * y2[k + 1] + u[k];
  return y2;
}

/** Numerical-Recipes spline evaluation (bisection for the interval), as LAMMPS's PairTable::splint. */
export function nrSplint(xa: ArrayLike<number>, ya: ArrayLike<number>, y2a: ArrayLike<number>, x: number): number {
  let klo = 0, khi = xa.length - 1;
  while (khi - klo > 1) {
    const k = (khi + klo) >> 1;
    if (xa[k] > x) khi = k;
    else klo = k;
  }
  const h = xa[khi] - xa[klo];
  const a = (xa[khi] - x) / h, b = (x - xa[klo]) / h;
  return a * ya[klo] + b * ya[khi] + ((a * a * a - a) * y2a[klo] + (b * b * b - b) * y2a[khi]) * (h * h) / 6.0;
}

/** LAMMPS's internal table for one pair type. */
export interface InternalTable {
  style: TableStyle;
  cut: number;
  innersq: number;
  delta: number;
  invdelta: number;
  deltasq6: number;
  rsq: Float64Array;
  e: Float64Array;
  f: Float64Array;
  de: Float64Array;
  df: Float64Array;
  e2: Float64Array;
  f2: Float64Array;
}

/** File radii as LAMMPS recomputes them from R/RSQ (or the r column). */
export function fileRadii(t: TableSection): Float64Array {
  const n = t.r.length;
  const r = Float64Array.from(t.r);
  if (t.spacing) {
    const { kind, lo, hi } = t.spacing;
    for (let i = 0; i < n; i++) {
      r[i] = kind === 'R' ? lo + ((hi - lo) * i) / (n - 1) : Math.sqrt(lo * lo + ((hi * hi - lo * lo) * i) / (n - 1));
    }
  }
  return r;
}

/** Builds LAMMPS's internal table (steps 1-4 of the file comment) for a section and optional pair_coeff cutoff. */
export function buildInternalTable(t: TableSection, style: TableStyle, tablength: number, cutoff?: number): InternalTable {
  const n = t.r.length;
  if (n < 2) throw new ConfigError(`table ${t.keyword}`, `needs at least 2 points, got ${n}`);
  if (!(tablength >= 2)) throw new ConfigError('tablength', `must be ≥ 2, got ${tablength}`);
  const rfile = fileRadii(t);
  const efile = Float64Array.from(t.e), ffile = Float64Array.from(t.f);
  const cut = cutoff ?? (t.spacing ? t.spacing.hi : rfile[n - 1]);
  const rlo = t.spacing ? t.spacing.lo : rfile[0];
  const rhi = t.spacing ? t.spacing.hi : rfile[n - 1];
  if (cut <= rlo || cut > rhi) throw new ConfigError(`table ${t.keyword}`, `cutoff ${cut} outside the table [${rlo}, ${rhi}]`);
  if (rlo <= 0) throw new ConfigError(`table ${t.keyword}`, `lower boundary ${rlo} must be positive`);
  const match = style === 'linear' && n === tablength && t.spacing?.kind === 'RSQ' && t.spacing.hi === cut;

  let e2file: Float64Array = new Float64Array(0), f2file: Float64Array = new Float64Array(0);
  let fplo = 0, fphi = 0;
  if (!match) {
    e2file = nrSpline(rfile, efile, -ffile[0], -ffile[n - 1]);
    if (t.fprime) [fplo, fphi] = t.fprime;
    else {
      fplo = (ffile[1] - ffile[0]) / (rfile[1] - rfile[0]);
      fphi = (ffile[n - 1] - ffile[n - 2]) / (rfile[n - 1] - rfile[n - 2]);
    }
    f2file = nrSpline(rfile, ffile, fplo, fphi);
  }

  const tlm1 = tablength - 1;
  const innersq = rlo * rlo;
  const delta = (cut * cut - innersq) / tlm1;
  const T: InternalTable = {
    style, cut, innersq, delta, invdelta: 1.0 / delta, deltasq6: (delta * delta) / 6.0,
    rsq: new Float64Array(tablength), e: new Float64Array(tablength), f: new Float64Array(tablength),
    de: new Float64Array(0), df: new Float64Array(0), e2: new Float64Array(0), f2: new Float64Array(0),
  };
  for (let i = 0; i < tablength; i++) {
    const rsq = innersq + i * delta;
    const r = Math.sqrt(rsq);
    T.rsq[i] = rsq;
    if (match) {
      T.e[i] = efile[i];
      T.f[i] = ffile[i] / r;
    } else {
      T.e[i] = nrSplint(rfile, efile, e2file, r);
      T.f[i] = nrSplint(rfile, ffile, f2file, r) / (style === 'linear' ? r : 1);
    }
  }
  if (style === 'linear') {
    T.de = new Float64Array(tlm1);
    T.df = new Float64Array(tlm1);
    for (let i = 0; i < tlm1; i++) {
      T.de[i] = T.e[i + 1] - T.e[i];
      T.df[i] = T.f[i + 1] - T.f[i];
    }
    return T;
  }
  // spline style: e in r² with exact end slopes de/d(r²) = −f/2r; f/r in r² with FPRIME-derived or secant slopes
  T.e2 = nrSpline(T.rsq, T.e, -T.f[0] / (2.0 * Math.sqrt(innersq)), -T.f[tlm1] / (2.0 * cut));
  const secant = 0.1;
  let fp0: number, fpn: number;
  if (t.fprime) fp0 = (fplo / Math.sqrt(innersq) - T.f[0] / innersq) / (2.0 * Math.sqrt(innersq));
  else {
    const rsq1 = innersq, rsq2 = rsq1 + secant * delta;
    fp0 = (nrSplint(rfile, ffile, f2file, Math.sqrt(rsq2)) / Math.sqrt(rsq2) - T.f[0] / Math.sqrt(rsq1)) / (secant * delta);
  }
  if (t.fprime && cut === rfile[n - 1]) fpn = (fphi / cut - T.f[tlm1] / (cut * cut)) / (2.0 * cut);
  else {
    const rsq2 = cut * cut, rsq1 = rsq2 - secant * delta;
    fpn = (T.f[tlm1] / Math.sqrt(rsq2) - nrSplint(rfile, ffile, f2file, Math.sqrt(rsq1)) / Math.sqrt(rsq1)) / (secant * delta);
  }
  for (let i = 0; i < tablength; i++) T.f[i] /= Math.sqrt(T.rsq[i]);
  T.f2 = nrSpline(T.rsq, T.f, fp0, fpn);
  return T;
}

/**
 * Energy and f/r (the "fpair" of LAMMPS: force on j = fpair · (x_j − x_i)) at squared distance rsq < cut²,
 * written to out[0], out[1].
 */
export function tableLookup(T: InternalTable, rsq: number, out: Float64Array): void {
  if (rsq < T.innersq) throw new UserError(`pair distance ${Math.sqrt(rsq)} Å < table inner cutoff ${Math.sqrt(T.innersq)} Å`);
  const itable = Math.trunc((rsq - T.innersq) * T.invdelta);
  if (itable >= T.rsq.length - 1) throw new UserError(`pair distance ${Math.sqrt(rsq)} Å > table outer cutoff`);
  if (T.style === 'linear') {
    const fraction = (rsq - T.rsq[itable]) * T.invdelta;
    out[1] = T.f[itable] + fraction * T.df[itable];
    out[0] = T.e[itable] + fraction * T.de[itable];
  } else {
    const b = (rsq - T.rsq[itable]) * T.invdelta;
    const a = 1.0 - b;
    out[1] = a * T.f[itable] + b * T.f[itable + 1] + ((a * a * a - a) * T.f2[itable] + (b * b * b - b) * T.f2[itable + 1]) * T.deltasq6;
    out[0] = a * T.e[itable] + b * T.e[itable + 1] + ((a * a * a - a) * T.e2[itable] + (b * b * b - b) * T.e2[itable + 1]) * T.deltasq6;
  }
}

function lookupEntry(spec: PairTableSpec, a: string, b: string): { table: TableSection; cutoff?: number } {
  const v = spec.pairs[`${a}-${b}`] ?? spec.pairs[`${b}-${a}`];
  if (!v) throw new ConfigError(`pairs.${a}-${b}`, `missing table for element pair ${a}-${b}`);
  return v;
}

export function compilePairTable(spec: PairTableSpec): CompiledModel<PairTableSpec> {
  const map = elementIndexOf(spec.elements);
  const ne = spec.elements.length;
  const typeOf = new Int32Array(ne * ne);
  const tables: InternalTable[] = [];
  for (let a = 0; a < ne; a++) {
    for (let b = a; b < ne; b++) {
      const entry = lookupEntry(spec, spec.elements[a], spec.elements[b]);
      const T = buildInternalTable(entry.table, spec.style, spec.tablength, entry.cutoff);
      if (T.cut > spec.cutoff) throw new ConfigError('cutoff', `model cutoff ${spec.cutoff} is below the ${spec.elements[a]}-${spec.elements[b]} table cutoff ${T.cut}`);
      typeOf[a * ne + b] = typeOf[b * ne + a] = tables.length;
      tables.push(T);
    }
  }
  const cutsq = Float64Array.from(tables, (T) => T.cut * T.cut);
  const model: CompiledModel<PairTableSpec> = {
    spec,
    cutoff: spec.cutoff,
    neighborList: 'half',
    paramNames: [],
    parameters: new Float64Array(0),
    evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
      const el = speciesToElements(s, map, spec.elements);
      const n = s.species.length, x = s.positions;
      const forces = req.forces ? new Float64Array(3 * n) : undefined;
      const virial = req.virial ? new Float64Array(6) : undefined;
      const atomE = req.atomEnergies ? new Float64Array(n) : undefined;
      const out = new Float64Array(2);
      let energy = 0;
      for (let i = 0; i < n; i++) {
        for (let k = nl.start[i]; k < nl.start[i + 1]; k++) {
          const j = nl.j[k];
          const dx = x[3 * j] + nl.shift[3 * k] - x[3 * i];
          const dy = x[3 * j + 1] + nl.shift[3 * k + 1] - x[3 * i + 1];
          const dz = x[3 * j + 2] + nl.shift[3 * k + 2] - x[3 * i + 2];
          const rsq = dx * dx + dy * dy + dz * dz;
          const t = typeOf[el[i] * ne + el[j]];
          if (rsq >= cutsq[t]) continue;
          tableLookup(tables[t], rsq, out);
          energy += out[0];
          if (atomE) {
            atomE[i] += 0.5 * out[0];
            atomE[j] += 0.5 * out[0];
          }
          const g = out[1];
          if (forces) tallyPairForce(forces, i, j, g * dx, g * dy, g * dz);
          if (virial) tallyPairVirial(virial, dx, dy, dz, g * dx, g * dy, g * dz);
        }
      }
      const r: EvalResult = { energy };
      if (forces) r.forces = forces;
      if (virial) r.virial = virial;
      if (atomE) r.atomEnergies = atomE;
      if (req.paramGradient) {
        r.dEnergy = new Float64Array(0);
        r.dForces = new Float64Array(0);
        r.dVirial = new Float64Array(0);
      }
      return r;
    },
    withParameters(theta: ArrayLike<number>): CompiledModel<PairTableSpec> {
      if (theta.length !== 0) throw new UserError(`a table model has no parameters, got ${theta.length}`);
      return model;
    },
  };
  return model;
}
