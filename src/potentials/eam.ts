/**
 * Tabulated EAM (kind 'eam-table') with the exact semantics of LAMMPS's pair styles eam, eam/alloy and eam/fs.
 *
 * The spec holds LAMMPS's INTERNAL tables (what pair_eam builds in file2array), so evaluation needs no file:
 * - F[a]: embedding energy F_a(ρ) of element a on ρ_m = m·drho, m = 0..nrho−1 (eV).
 * - rho: density tables on r_m = m·dr, m = 0..nr−1. style 'eam' / 'eam/alloy': rho[b] = density contributed by an
 *   atom of element b (one table per element). 'eam/fs': rho[b·N + a] = density contributed by an atom of element
 *   b at an atom of element a (the file's block of element b, entry a).
 * - rphi: r·φ(r) (eV·Å) per element pair a ≥ b, in the order (0,0), (1,0), (1,1), (2,0), ... (setfl file order).
 *   A funcfl file's Z(r) is converted at reading (io/lammps-eam.ts) into r·φ = 27.2·0.529·Z_a Z_b.
 * - rhomax: beyond it F continues linearly with slope F'(end), LAMMPS's guard against close approaches.
 * Interpolation: lammps-interp.ts (LAMMPS's cubic with finite-difference slopes; ρ and r clamped as LAMMPS does).
 * Cutoff: `cutoff` (LAMMPS's `cut` of the file); pairs with r ≥ cutoff are ignored.
 *
 * Parameters are the table values, named `F:Cu[k]`, `rho:Cu[k]` (fs: `rho:Cu-Ni[k]` = block Cu, entry Ni, i.e.
 * the density a Cu atom gives a Ni atom) and `rphi:Ni-Cu[k]` (k is the 0-based grid index). The interpolation is
 * linear in them, so the kernel's parameter derivatives are exact.
 *
 * `tabulateEam` samples any EamFunctions (spline, analytic) onto such tables: the LAMMPS export path.
 */
import { invariant } from '../core/errors.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { Structure } from '../structure/types.ts';
import { elementIndices, evaluateEam, type EamFunctions } from './eam-core.ts';
import { lammpsSplineCoeffs, tableWeights } from './lammps-interp.ts';
import type { CompiledModel, EvalRequest, EvalResult, ModelSpecBase } from './types.ts';

export type EamStyle = 'eam' | 'eam/alloy' | 'eam/fs';

export interface EamTableSpec extends ModelSpecBase {
  kind: 'eam-table';
  style: EamStyle;
  /** Masses (amu) per element, as in the file. */
  masses: number[];
  nrho: number;
  drho: number;
  nr: number;
  dr: number;
  rhomax: number;
  F: number[][];
  rho: number[][];
  rphi: number[][];
}

/** Index of the pair table for elements a, b (lower triangle, a ≥ b after swapping). */
export function pairIndex(a: number, b: number): number {
  const hi = a > b ? a : b, lo = a > b ? b : a;
  return (hi * (hi + 1)) / 2 + lo;
}

/** Number of density tables of a style with n elements. */
export function densityTableCount(style: EamStyle, n: number): number {
  return style === 'eam/fs' ? n * n : n;
}

/** Table names in parameter order (without the [k] suffix) and their lengths. */
function tableNames(spec: EamTableSpec): { name: string; len: number }[] {
  const el = spec.elements, n = el.length, out: { name: string; len: number }[] = [];
  for (let a = 0; a < n; a++) out.push({ name: `F:${el[a]}`, len: spec.nrho });
  if (spec.style === 'eam/fs') {
    for (let b = 0; b < n; b++) for (let a = 0; a < n; a++) out.push({ name: `rho:${el[b]}-${el[a]}`, len: spec.nr });
  } else {
    for (let b = 0; b < n; b++) out.push({ name: `rho:${el[b]}`, len: spec.nr });
  }
  for (let a = 0; a < n; a++) for (let b = 0; b <= a; b++) out.push({ name: `rphi:${el[a]}-${el[b]}`, len: spec.nr });
  return out;
}

function checkSpec(spec: EamTableSpec): void {
  const n = spec.elements.length;
  invariant(spec.F.length === n, 'eam-table: one F table per element');
  invariant(spec.rho.length === densityTableCount(spec.style, n), 'eam-table: density table count');
  invariant(spec.rphi.length === (n * (n + 1)) / 2, 'eam-table: one r·phi table per element pair');
  for (const t of spec.F) invariant(t.length === spec.nrho, 'eam-table: F table length is nrho');
  for (const t of [...spec.rho, ...spec.rphi]) invariant(t.length === spec.nr, 'eam-table: r tables have nr values');
}

/** The functions of a tabulated EAM: LAMMPS's coefficients in one flat array, 7 per node. */
class EamTableFunctions implements EamFunctions {
  readonly nEl: number;
  readonly nParams: number;
  readonly cutoff: number;
  readonly maxGradEntries = 6;
  readonly c: Float64Array;
  /** coefficient offset of F[a]; of the density table for (center, nb); of the pair table for (a, b) */
  readonly offF: Int32Array;
  readonly offRho: Int32Array;
  readonly offZ: Int32Array;
  /** parameter offsets of the same tables */
  private readonly parF: Int32Array;
  private readonly parRho: Int32Array;
  private readonly parZ: Int32Array;
  readonly nrho: number;
  readonly nr: number;
  readonly rdrho: number;
  readonly rdr: number;
  readonly rhomax: number;
  private readonly wv = new Float64Array(6);
  private readonly wd = new Float64Array(6);

  constructor(spec: EamTableSpec) {
    const n = spec.elements.length;
    this.nEl = n;
    this.cutoff = spec.cutoff;
    this.nrho = spec.nrho;
    this.nr = spec.nr;
    this.rdrho = 1.0 / spec.drho;
    this.rdr = 1.0 / spec.dr;
    this.rhomax = spec.rhomax;
    const tables = [...spec.F, ...spec.rho, ...spec.rphi];
    const deltas = [...spec.F.map(() => spec.drho), ...spec.rho.map(() => spec.dr), ...spec.rphi.map(() => spec.dr)];
    let total = 0;
    for (const t of tables) total += t.length;
    this.nParams = total;
    this.c = new Float64Array(7 * total);
    const coefOff: number[] = [], parOff: number[] = [];
    let o = 0;
    tables.forEach((t, k) => {
      coefOff.push(7 * o);
      parOff.push(o);
      this.c.set(lammpsSplineCoeffs(t, deltas[k]), 7 * o);
      o += t.length;
    });
    const nRho = spec.rho.length;
    this.offF = Int32Array.from(coefOff.slice(0, n));
    this.parF = Int32Array.from(parOff.slice(0, n));
    this.offRho = new Int32Array(n * n);
    this.parRho = new Int32Array(n * n);
    for (let center = 0; center < n; center++)
      for (let nb = 0; nb < n; nb++) {
        const t = n + (spec.style === 'eam/fs' ? nb * n + center : nb);
        this.offRho[center * n + nb] = coefOff[t];
        this.parRho[center * n + nb] = parOff[t];
      }
    this.offZ = new Int32Array(n * n);
    this.parZ = new Int32Array(n * n);
    for (let a = 0; a < n; a++)
      for (let b = 0; b < n; b++) {
        const t = n + nRho + pairIndex(a, b);
        this.offZ[a * n + b] = coefOff[t];
        this.parZ[a * n + b] = parOff[t];
      }
  }

  embed(el: number, rho: number, out: Float64Array): void {
    let p = rho * this.rdrho + 1.0;
    let m = Math.trunc(p);
    m = Math.max(1, Math.min(m, this.nrho - 1));
    p -= m;
    const clamped = p > 1.0;
    if (clamped) p = 1.0;
    const c = this.c, o = this.offF[el] + 7 * (m - 1);
    const fp = (c[o] * p + c[o + 1]) * p + c[o + 2];
    let f = ((c[o + 3] * p + c[o + 4]) * p + c[o + 5]) * p + c[o + 6];
    if (rho > this.rhomax) f += fp * (rho - this.rhomax);
    out[0] = f;
    out[1] = fp;
    out[2] = clamped ? 0 : (2 * c[o] * p + c[o + 1]) * this.rdrho;
  }

  density(center: number, nb: number, r: number, out: Float64Array): void {
    let p = r * this.rdr + 1.0;
    let m = Math.trunc(p);
    m = Math.min(m, this.nr - 1);
    p -= m;
    p = Math.min(p, 1.0);
    const c = this.c, o = this.offRho[center * this.nEl + nb] + 7 * (m - 1);
    out[0] = ((c[o + 3] * p + c[o + 4]) * p + c[o + 5]) * p + c[o + 6];
    out[1] = (c[o] * p + c[o + 1]) * p + c[o + 2];
  }

  pair(a: number, b: number, r: number, out: Float64Array): void {
    let p = r * this.rdr + 1.0;
    let m = Math.trunc(p);
    m = Math.min(m, this.nr - 1);
    p -= m;
    p = Math.min(p, 1.0);
    const c = this.c, o = this.offZ[a * this.nEl + b] + 7 * (m - 1);
    const z2p = (c[o] * p + c[o + 1]) * p + c[o + 2];
    const z2 = ((c[o + 3] * p + c[o + 4]) * p + c[o + 5]) * p + c[o + 6];
    const recip = 1.0 / r;
    const phi = z2 * recip;
    out[0] = phi;
    out[1] = z2p * recip - phi * recip;
  }

  /** Nonzero weights of one table at x (LAMMPS clamping); recip ≠ 0 converts r·φ weights into φ, φ′ weights. */
  private grad(x: number, rdx: number, n: number, par: number, lowClamp: boolean, idx: Int32Array, w: Float64Array, recip: number): number {
    let p = x * rdx + 1.0;
    let m = Math.trunc(p);
    m = lowClamp ? Math.max(1, Math.min(m, n - 1)) : Math.min(m, n - 1);
    p -= m;
    const clamped = p > 1.0;
    if (clamped) p = 1.0;
    const base = tableWeights(m - 1, p, n, clamped ? 0 : rdx, this.wv, this.wd);
    let cnt = 0;
    for (let t = 0; t < 6; t++) {
      const k = base + t;
      if (k < 0 || k >= n) continue;
      const v = this.wv[t], d = this.wd[t];
      if (v === 0 && d === 0) continue;
      idx[cnt] = par + k;
      if (recip === 0) {
        w[2 * cnt] = v;
        w[2 * cnt + 1] = d;
      } else {
        // r·φ table: φ = z/r, φ' = z'/r − z/r²
        w[2 * cnt] = v * recip;
        w[2 * cnt + 1] = d * recip - v * recip * recip;
      }
      cnt++;
    }
    return cnt;
  }

  embedGrad(el: number, rho: number, idx: Int32Array, w: Float64Array): number {
    const cnt = this.grad(rho, this.rdrho, this.nrho, this.parF[el], true, idx, w, 0);
    if (rho > this.rhomax) {
      // F = F(end) + F'(end)(ρ − ρmax): the slope's weights enter the value
      for (let q = 0; q < cnt; q++) w[2 * q] += w[2 * q + 1] * (rho - this.rhomax);
    }
    return cnt;
  }

  densityGrad(center: number, nb: number, r: number, idx: Int32Array, w: Float64Array): number {
    return this.grad(r, this.rdr, this.nr, this.parRho[center * this.nEl + nb], false, idx, w, 0);
  }

  pairGrad(a: number, b: number, r: number, idx: Int32Array, w: Float64Array): number {
    return this.grad(r, this.rdr, this.nr, this.parZ[a * this.nEl + b], false, idx, w, 1.0 / r);
  }
}

/**
 * The energy/forces/virial kernel of eam-core.ts specialised to tables (the hot path: no method calls, one grid
 * lookup per pair shared by all its tables). Same arithmetic as EamTableFunctions, hence as LAMMPS.
 */
function evaluateTableFast(t: EamTableFunctions, el: Int32Array, s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
  const n = s.species.length, nEl = t.nEl;
  const x = s.positions, start = nl.start, nbr = nl.j, shift = nl.shift;
  const c = t.c, offRho = t.offRho, offZ = t.offZ, offF = t.offF;
  const rdr = t.rdr, rdrho = t.rdrho, nr1 = t.nr - 1, nrho1 = t.nrho - 1, rhomax = t.rhomax;
  const cut2 = t.cutoff * t.cutoff;
  const rho = new Float64Array(n), fp = new Float64Array(n);
  const forces = new Float64Array(3 * n);
  const virial = req.virial ? new Float64Array(6) : undefined;
  const atomE = req.atomEnergies ? new Float64Array(n) : undefined;
  const wantF = req.forces === true || req.virial === true;
  for (let i = 0; i < n; i++) {
    const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2], ei = el[i];
    let rhoi = 0;
    for (let k = start[i], e = start[i + 1]; k < e; k++) {
      const j = nbr[k], k3 = 3 * k, j3 = 3 * j;
      const dx = x[j3] + shift[k3] - xi, dy = x[j3 + 1] + shift[k3 + 1] - yi, dz = x[j3 + 2] + shift[k3 + 2] - zi;
      const r2 = dx * dx + dy * dy + dz * dz;
      if (r2 >= cut2) continue;
      let p = Math.sqrt(r2) * rdr + 1.0;
      let m = Math.trunc(p);
      if (m > nr1) m = nr1;
      p -= m;
      if (p > 1.0) p = 1.0;
      const ej = el[j];
      let o = offRho[ei * nEl + ej] + 7 * (m - 1);
      rhoi += ((c[o + 3] * p + c[o + 4]) * p + c[o + 5]) * p + c[o + 6];
      o = offRho[ej * nEl + ei] + 7 * (m - 1);
      rho[j] += ((c[o + 3] * p + c[o + 4]) * p + c[o + 5]) * p + c[o + 6];
    }
    rho[i] += rhoi;
  }
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const r = rho[i];
    let p = r * rdrho + 1.0;
    let m = Math.trunc(p);
    m = Math.max(1, Math.min(m, nrho1));
    p -= m;
    if (p > 1.0) p = 1.0;
    const o = offF[el[i]] + 7 * (m - 1);
    const f1 = (c[o] * p + c[o + 1]) * p + c[o + 2];
    let f = ((c[o + 3] * p + c[o + 4]) * p + c[o + 5]) * p + c[o + 6];
    if (r > rhomax) f += f1 * (r - rhomax);
    fp[i] = f1;
    energy += f;
    if (atomE) atomE[i] += f;
  }
  let w0 = 0, w1 = 0, w2 = 0, w3 = 0, w4 = 0, w5 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2], ei = el[i], fpi = fp[i];
    let fxi = 0, fyi = 0, fzi = 0;
    for (let k = start[i], e = start[i + 1]; k < e; k++) {
      const j = nbr[k], k3 = 3 * k, j3 = 3 * j;
      const dx = x[j3] + shift[k3] - xi, dy = x[j3 + 1] + shift[k3 + 1] - yi, dz = x[j3 + 2] + shift[k3 + 2] - zi;
      const r2 = dx * dx + dy * dy + dz * dz;
      if (r2 >= cut2) continue;
      const r = Math.sqrt(r2);
      let p = r * rdr + 1.0;
      let m = Math.trunc(p);
      if (m > nr1) m = nr1;
      p -= m;
      if (p > 1.0) p = 1.0;
      const ej = el[j], m7 = 7 * (m - 1);
      const oz = offZ[ei * nEl + ej] + m7;
      const z2 = ((c[oz + 3] * p + c[oz + 4]) * p + c[oz + 5]) * p + c[oz + 6];
      const recip = 1.0 / r;
      const phi = z2 * recip;
      energy += phi;
      if (atomE) {
        atomE[i] += 0.5 * phi;
        atomE[j] += 0.5 * phi;
      }
      if (!wantF) continue;
      const z2p = (c[oz] * p + c[oz + 1]) * p + c[oz + 2];
      let o = offRho[ei * nEl + ej] + m7;
      const rhoJIp = (c[o] * p + c[o + 1]) * p + c[o + 2];
      o = offRho[ej * nEl + ei] + m7;
      const rhoIJp = (c[o] * p + c[o + 1]) * p + c[o + 2];
      const phip = z2p * recip - phi * recip;
      const psip = fpi * rhoJIp + fp[j] * rhoIJp + phip;
      const cc = -psip * recip;
      const fx = cc * dx, fy = cc * dy, fz = cc * dz;
      forces[j3] += fx;
      forces[j3 + 1] += fy;
      forces[j3 + 2] += fz;
      fxi -= fx;
      fyi -= fy;
      fzi -= fz;
      if (virial) {
        // same sums as tally.ts tallyPairVirial, kept in scalars
        w0 += dx * fx;
        w1 += dy * fy;
        w2 += dz * fz;
        w3 += 0.5 * (dy * fz + dz * fy);
        w4 += 0.5 * (dx * fz + dz * fx);
        w5 += 0.5 * (dx * fy + dy * fx);
      }
    }
    forces[3 * i] += fxi;
    forces[3 * i + 1] += fyi;
    forces[3 * i + 2] += fzi;
  }
  const out: EvalResult = { energy };
  if (req.forces) out.forces = forces;
  if (virial) {
    virial[0] = w0; virial[1] = w1; virial[2] = w2; virial[3] = w3; virial[4] = w4; virial[5] = w5;
    out.virial = virial;
  }
  if (atomE) out.atomEnergies = atomE;
  return out;
}

/** Parameter names and the flat parameter vector of a table spec. */
export function tableParameters(spec: EamTableSpec): { names: string[]; values: Float64Array } {
  const names: string[] = [];
  for (const t of tableNames(spec)) for (let k = 0; k < t.len; k++) names.push(`${t.name}[${k}]`);
  const values = Float64Array.from([...spec.F, ...spec.rho, ...spec.rphi].flat());
  return { names, values };
}

function specWithParameters(spec: EamTableSpec, theta: ArrayLike<number>): EamTableSpec {
  let o = 0;
  const take = (len: number): number[] => {
    const a = Array.from({ length: len }, (_, k) => theta[o + k]);
    o += len;
    return a;
  };
  const F = spec.F.map((t) => take(t.length));
  const rho = spec.rho.map((t) => take(t.length));
  const rphi = spec.rphi.map((t) => take(t.length));
  return { ...spec, F, rho, rphi };
}

export function compileEamTable(spec: EamTableSpec): CompiledModel<EamTableSpec> {
  checkSpec(spec);
  const fns = new EamTableFunctions(spec);
  const { names, values } = tableParameters(spec);
  return {
    spec,
    cutoff: spec.cutoff,
    neighborList: 'half',
    paramNames: names,
    parameters: values,
    evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
      if (req.paramGradient || !nl.half) return evaluateEam(fns, spec.elements, s, nl, req);
      return evaluateTableFast(fns, elementIndices(s, spec.elements), s, nl, req);
    },
    withParameters(theta: ArrayLike<number>): CompiledModel<EamTableSpec> {
      invariant(theta.length === names.length, `eam-table: expected ${names.length} parameters, got ${theta.length}`);
      return compileEamTable(specWithParameters(spec, theta));
    },
  };
}

/** The functions of a compiled table model (for tests and exports). */
export function eamTableFunctions(spec: EamTableSpec): EamFunctions {
  checkSpec(spec);
  return new EamTableFunctions(spec);
}

export interface TabulateOptions {
  style: 'eam/alloy' | 'eam/fs';
  masses: number[];
  nrho: number;
  /** Largest tabulated density (F is extrapolated linearly beyond it). */
  rhomax: number;
  nr: number;
}

/**
 * Samples EAM functions onto LAMMPS tables: F on ρ_m = m·drho with drho = rhomax/(nrho−1); ρ and r·φ on
 * r_m = m·dr with dr = cutoff/(nr−1), so the grid ends exactly at the cutoff (the functions are sampled there
 * too: LAMMPS's end slopes use the last nodes). r·φ at r = 0 is 0 (the r → 0 limit for any finite φ).
 */
export function tabulateEam(fns: EamFunctions, elements: string[], cutoff: number, o: TabulateOptions): EamTableSpec {
  const n = elements.length;
  const drho = o.rhomax / (o.nrho - 1), dr = cutoff / (o.nr - 1);
  const tmp = new Float64Array(3);
  const F = elements.map((_, a) =>
    Array.from({ length: o.nrho }, (_, m) => {
      fns.embed(a, m * drho, tmp);
      return tmp[0];
    }),
  );
  const sampleRho = (center: number, nb: number): number[] =>
    Array.from({ length: o.nr }, (_, m) => {
      fns.density(center, nb, m * dr, tmp);
      return tmp[0];
    });
  const rho: number[][] = [];
  if (o.style === 'eam/fs') {
    for (let b = 0; b < n; b++) for (let a = 0; a < n; a++) rho.push(sampleRho(a, b));
  } else {
    for (let b = 0; b < n; b++) rho.push(sampleRho(b, b));
  }
  const rphi: number[][] = [];
  for (let a = 0; a < n; a++)
    for (let b = 0; b <= a; b++)
      rphi.push(
        Array.from({ length: o.nr }, (_, m) => {
          if (m === 0) return 0;
          fns.pair(a, b, m * dr, tmp);
          return m * dr * tmp[0];
        }),
      );
  return {
    kind: 'eam-table', style: o.style, elements, cutoff, masses: o.masses,
    nrho: o.nrho, drho, nr: o.nr, dr, rhomax: (o.nrho - 1) * drho, F, rho, rphi,
  };
}
