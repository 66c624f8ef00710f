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
 *
 * Hot path (energy/forces/virial without parameter gradients): three range functions over plain typed arrays
 * (`TableKernel`: density pass, embedding pass, pair/force pass over half-list rows [i0, i1)), so the serial
 * evaluation and the worker threads of parallel/eam-parallel.ts run one and the same code. Per pair: one grid
 * lookup shared by all tables, the density table looked up once when both directions use the same one, row i's
 * force and the virial summed in registers. Large structures whose atom order is not spatially local (mean index
 * distance of the listed pairs beyond a cache budget) are evaluated in a spatially sorted order, relabelling the
 * list once per list object (cached) and mapping forces and per-atom energies back. The serial force path streams
 * pair records (one list walk); structures of one element take a leaner variant of it (tableUniformStoreRange).
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
 * What the table kernel reads: plain typed arrays and numbers, a structured-clone-able object so worker threads
 * (parallel/) run the very same tables. `EamTableFunctions` has these fields; `tableKernelData` extracts them.
 * Coefficients `c`: 7 per grid node (lammps-interp.ts layout); offF[a], offRho[center·nEl + nb], offZ[a·nEl + b]
 * are coefficient offsets of the F, density and r·φ tables.
 */
export interface TableKernel {
  readonly nEl: number;
  readonly c: Float64Array;
  readonly offF: Int32Array;
  readonly offRho: Int32Array;
  readonly offZ: Int32Array;
  readonly nr: number;
  readonly nrho: number;
  readonly rdr: number;
  readonly rdrho: number;
  readonly rhomax: number;
  readonly cutoff: number;
}

/** Accumulator layout of `tableForceRange`: [energy, W_xx, W_yy, W_zz, W_yz, W_xz, W_xy]. */
export const TABLE_ACC_SIZE = 7;

/**
 * Density pass over the half-list rows i0 ≤ i < i1: adds each pair's density to rho[i] and rho[j]. The r grid
 * lookup is done once per pair; when both directions use the same table (one element, or eam/alloy with equal
 * elements) its value is reused. Same arithmetic as LAMMPS (and as EamTableFunctions.density).
 */
export function tableDensityRange(
  t: TableKernel, el: Int32Array, x: Float64Array, start: Int32Array, nbr: Int32Array, shift: Float64Array,
  i0: number, i1: number, rho: Float64Array,
): void {
  const nEl = t.nEl, c = t.c, offRho = t.offRho, rdr = t.rdr, nr1 = t.nr - 1, cut2 = t.cutoff * t.cutoff;
  for (let i = i0; i < i1; i++) {
    const i3 = 3 * i, xi = x[i3], yi = x[i3 + 1], zi = x[i3 + 2], ei = el[i], rowI = ei * nEl;
    let rhoi = 0;
    for (let k = start[i], e = start[i + 1]; k < e; k++) {
      const j = nbr[k], k3 = 3 * k, j3 = 3 * j;
      const dx = x[j3] + shift[k3] - xi, dy = x[j3 + 1] + shift[k3 + 1] - yi, dz = x[j3 + 2] + shift[k3 + 2] - zi;
      const r2 = dx * dx + dy * dy + dz * dz;
      if (r2 >= cut2) continue;
      let p = Math.sqrt(r2) * rdr + 1.0;
      let m = p | 0;
      if (m > nr1) m = nr1;
      p -= m;
      if (p > 1.0) p = 1.0;
      const ej = el[j], m7 = 7 * (m - 1);
      const oa = offRho[rowI + ej], ob = offRho[ej * nEl + ei];
      let o = oa + m7;
      const v = ((c[o + 3] * p + c[o + 4]) * p + c[o + 5]) * p + c[o + 6];
      rhoi += v;
      if (ob === oa) {
        rho[j] += v;
      } else {
        o = ob + m7;
        rho[j] += ((c[o + 3] * p + c[o + 4]) * p + c[o + 5]) * p + c[o + 6];
      }
    }
    rho[i] += rhoi;
  }
}

/**
 * Embedding pass for atoms i0 ≤ i < i1: fp[i] = F'(ρ_i), atomE[i] += F(ρ_i) when given; returns Σ F(ρ_i) summed in
 * atom order starting from `energy`. F continues linearly beyond rhomax (LAMMPS).
 */
export function tableEmbedRange(
  t: TableKernel, el: Int32Array, rho: Float64Array, i0: number, i1: number, fp: Float64Array,
  atomE: Float64Array | undefined, energy: number,
): number {
  const c = t.c, offF = t.offF, rdrho = t.rdrho, nrho1 = t.nrho - 1, rhomax = t.rhomax;
  for (let i = i0; i < i1; i++) {
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
  return energy;
}

/**
 * Pair pass over the half-list rows i0 ≤ i < i1: pair energies into acc[0] (and atomE, half to each atom), and when
 * `wantF` the pair forces −ψ' d/r (ψ' = fp_i ρ'_{i←j} + fp_j ρ'_{j←i} + φ') into `forces` (force on j, the
 * opposite on i) and, when `wantVirial`, W_ab += d_a f_b into acc[1..6] (the sums of tally.ts, kept in scalars).
 * Row i's own force is summed in registers and stored once per row.
 */
export function tableForceRange(
  t: TableKernel, el: Int32Array, x: Float64Array, start: Int32Array, nbr: Int32Array, shift: Float64Array,
  i0: number, i1: number, fp: Float64Array, forces: Float64Array, atomE: Float64Array | undefined,
  wantF: boolean, wantVirial: boolean, acc: Float64Array,
): void {
  const nEl = t.nEl, c = t.c, offRho = t.offRho, offZ = t.offZ, rdr = t.rdr, nr1 = t.nr - 1;
  const cut2 = t.cutoff * t.cutoff;
  let energy = acc[0];
  let w0 = acc[1], w1 = acc[2], w2 = acc[3], w3 = acc[4], w4 = acc[5], w5 = acc[6];
  for (let i = i0; i < i1; i++) {
    const i3 = 3 * i, xi = x[i3], yi = x[i3 + 1], zi = x[i3 + 2], ei = el[i], fpi = fp[i], rowI = ei * nEl;
    let fxi = 0, fyi = 0, fzi = 0;
    for (let k = start[i], e = start[i + 1]; k < e; k++) {
      const j = nbr[k], k3 = 3 * k, j3 = 3 * j;
      const dx = x[j3] + shift[k3] - xi, dy = x[j3 + 1] + shift[k3 + 1] - yi, dz = x[j3 + 2] + shift[k3 + 2] - zi;
      const r2 = dx * dx + dy * dy + dz * dz;
      if (r2 >= cut2) continue;
      const r = Math.sqrt(r2);
      let p = r * rdr + 1.0;
      let m = p | 0;
      if (m > nr1) m = nr1;
      p -= m;
      if (p > 1.0) p = 1.0;
      const ej = el[j], m7 = 7 * (m - 1);
      const oz = offZ[rowI + ej] + m7;
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
      const oa = offRho[rowI + ej], ob = offRho[ej * nEl + ei];
      let o = oa + m7;
      const rhoJIp = (c[o] * p + c[o + 1]) * p + c[o + 2];
      let rhoIJp = rhoJIp;
      if (ob !== oa) {
        o = ob + m7;
        rhoIJp = (c[o] * p + c[o + 1]) * p + c[o + 2];
      }
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
      if (wantVirial) {
        w0 += dx * fx;
        w1 += dy * fy;
        w2 += dz * fz;
        w3 += 0.5 * (dy * fz + dz * fy);
        w4 += 0.5 * (dx * fz + dz * fx);
        w5 += 0.5 * (dx * fy + dy * fx);
      }
    }
    if (wantF) {
      forces[i3] += fxi;
      forces[i3 + 1] += fyi;
      forces[i3 + 2] += fzi;
    }
  }
  acc[0] = energy;
  acc[1] = w0; acc[2] = w1; acc[3] = w2; acc[4] = w3; acc[5] = w4; acc[6] = w5;
}

/**
 * Serial force path: one walk of the neighbor list instead of two. The pair pass (tablePairStoreRange) computes, for
 * every pair inside the cutoff, r and its grid lookup once, adds both densities, the pair energy, and stores what
 * the force needs: the displacement d and the coefficients ρ'_{i←j}/r, ρ'_{j←i}/r, φ'/r (a "pair record"). After the
 * embedding pass the force pass (tableStoredForceRange) streams the records: f_j = −(F'_i ρ'_{i←j} + F'_j ρ'_{j←i} +
 * φ')/r · d, with no square root, division, table lookup or skin pair (records hold only pairs within the cutoff).
 * Records: j in `pj`, PAIR_RECORD doubles in `pd` (dx, dy, dz, ρ'_{i←j}/r, ρ'_{j←i}/r, φ'/r), row i's records in
 * [qstart[i], qstart[i+1]). Same table arithmetic as LAMMPS; the force factor is regrouped (ρ'/r instead of
 * ψ'/r), a last-bit difference.
 */
export const PAIR_RECORD = 6;
/** Above this many listed pairs the records (52 B each) would cost too much memory: the two-walk kernel runs. */
const MAX_RECORD_PAIRS = 1 << 23;

/** Reusable record buffers (one evaluation at a time in a thread; results never alias them). */
interface PairScratch {
  pj: Int32Array;
  pd: Float64Array;
  qstart: Int32Array;
  /** per-atom densities and F'(ρ) (n used): reused because fresh 256 KB arrays cost page faults on every call */
  rho: Float64Array;
  fp: Float64Array;
}
const scratch: PairScratch = {
  pj: new Int32Array(0), pd: new Float64Array(0), qstart: new Int32Array(0), rho: new Float64Array(0), fp: new Float64Array(0),
};

function pairScratch(nPairs: number, n: number): PairScratch {
  if (scratch.pj.length < nPairs) {
    const cap = Math.ceil(nPairs * 1.125);
    scratch.pj = new Int32Array(cap);
    scratch.pd = new Float64Array(PAIR_RECORD * cap);
  }
  if (scratch.qstart.length < n + 1) scratch.qstart = new Int32Array(n + 1);
  if (scratch.rho.length < n) {
    scratch.rho = new Float64Array(n);
    scratch.fp = new Float64Array(n);
  }
  return scratch;
}

/**
 * Pair pass over all half-list rows: densities into rho (both atoms), pair energies returned (and halves into
 * atomE), one record per pair inside the cutoff (see PAIR_RECORD). One density table lookup per pair when both
 * directions share the table.
 */
export function tablePairStoreRange(
  t: TableKernel, el: Int32Array, x: Float64Array, start: Int32Array, nbr: Int32Array, shift: Float64Array,
  n: number, rho: Float64Array, atomE: Float64Array | undefined, qstart: Int32Array, pj: Int32Array, pd: Float64Array,
): number {
  const nEl = t.nEl, c = t.c, offRho = t.offRho, offZ = t.offZ, rdr = t.rdr, nr1 = t.nr - 1;
  const cut2 = t.cutoff * t.cutoff;
  let q = 0, energy = 0;
  for (let i = 0; i < n; i++) {
    qstart[i] = q;
    const i3 = 3 * i, xi = x[i3], yi = x[i3 + 1], zi = x[i3 + 2], ei = el[i], rowI = ei * nEl;
    let rhoi = 0, ei2 = 0;
    for (let k = start[i], e = start[i + 1]; k < e; k++) {
      const j = nbr[k], k3 = 3 * k, j3 = 3 * j;
      const dx = x[j3] + shift[k3] - xi, dy = x[j3 + 1] + shift[k3 + 1] - yi, dz = x[j3 + 2] + shift[k3 + 2] - zi;
      const r2 = dx * dx + dy * dy + dz * dz;
      if (r2 >= cut2) continue;
      const r = Math.sqrt(r2);
      // p ≥ 1 and far below 2^31: `| 0` truncates like LAMMPS's (int) cast, without a double round trip
      let p = r * rdr + 1.0;
      let m = p | 0;
      if (m > nr1) m = nr1;
      p -= m;
      if (p > 1.0) p = 1.0;
      const ej = el[j], m7 = 7 * (m - 1);
      const oa = offRho[rowI + ej] + m7, ob = offRho[ej * nEl + ei] + m7, oz = offZ[rowI + ej] + m7;
      const recip = 1.0 / r;
      const va = ((c[oa + 3] * p + c[oa + 4]) * p + c[oa + 5]) * p + c[oa + 6];
      const da = ((c[oa] * p + c[oa + 1]) * p + c[oa + 2]) * recip;
      rhoi += va;
      const q6 = PAIR_RECORD * q;
      if (ob === oa) {
        rho[j] += va;
        pd[q6 + 4] = da;
      } else {
        rho[j] += ((c[ob + 3] * p + c[ob + 4]) * p + c[ob + 5]) * p + c[ob + 6];
        pd[q6 + 4] = ((c[ob] * p + c[ob + 1]) * p + c[ob + 2]) * recip;
      }
      const z2 = ((c[oz + 3] * p + c[oz + 4]) * p + c[oz + 5]) * p + c[oz + 6];
      const z2p = (c[oz] * p + c[oz + 1]) * p + c[oz + 2];
      const phi = z2 * recip;
      energy += phi;
      if (atomE) {
        ei2 += 0.5 * phi;
        atomE[j] += 0.5 * phi;
      }
      pj[q] = j;
      pd[q6] = dx;
      pd[q6 + 1] = dy;
      pd[q6 + 2] = dz;
      pd[q6 + 3] = da;
      pd[q6 + 5] = (z2p * recip - phi * recip) * recip;
      q++;
    }
    rho[i] += rhoi;
    if (atomE) atomE[i] += ei2;
  }
  qstart[n] = q;
  return energy;
}

/** Force pass over the records of rows 0..n−1 (see tablePairStoreRange); virial W_ab += d_a f_b into acc[1..6]. */
export function tableStoredForceRange(
  n: number, fp: Float64Array, qstart: Int32Array, pj: Int32Array, pd: Float64Array, forces: Float64Array,
  wantVirial: boolean, acc: Float64Array,
): void {
  let w0 = acc[1], w1 = acc[2], w2 = acc[3], w3 = acc[4], w4 = acc[5], w5 = acc[6];
  for (let i = 0; i < n; i++) {
    const fpi = fp[i];
    let fxi = 0, fyi = 0, fzi = 0;
    for (let q = qstart[i], e = qstart[i + 1]; q < e; q++) {
      const j = pj[q], q6 = PAIR_RECORD * q, j3 = 3 * j;
      const dx = pd[q6], dy = pd[q6 + 1], dz = pd[q6 + 2];
      const cc = -(fpi * pd[q6 + 3] + fp[j] * pd[q6 + 4] + pd[q6 + 5]);
      const fx = cc * dx, fy = cc * dy, fz = cc * dz;
      forces[j3] += fx;
      forces[j3 + 1] += fy;
      forces[j3 + 2] += fz;
      fxi -= fx;
      fyi -= fy;
      fzi -= fz;
      if (wantVirial) {
        w0 += dx * fx;
        w1 += dy * fy;
        w2 += dz * fz;
        w3 += 0.5 * (dy * fz + dz * fy);
        w4 += 0.5 * (dx * fz + dz * fx);
        w5 += 0.5 * (dx * fy + dy * fx);
      }
    }
    const i3 = 3 * i;
    forces[i3] += fxi;
    forces[i3 + 1] += fyi;
    forces[i3 + 2] += fzi;
  }
  acc[1] = w0; acc[2] = w1; acc[3] = w2; acc[4] = w3; acc[5] = w4; acc[6] = w5;
}

/**
 * Uniform serial path: every atom of the structure has the same element e (any one-element structure, whatever the
 * model's element count), so every pair uses one density table cR (ρ_{e←e}, both directions) and one r·φ table cZ
 * (7 coefficients per node, lammps-interp.ts layout, node 0 first). Same table arithmetic as tablePairStoreRange,
 * split into a walk (records of the pairs inside the cutoff) and a table pass over the records; records are 5
 * doubles (dx, dy, dz, ρ'/r, φ'/r) since ρ'_{i←j} = ρ'_{j←i}, and the force factor is grouped as
 * (F'_i + F'_j)ρ'/r + φ'/r (a last-bit difference).
 *
 * Why a separate function: with the tables' base offsets hoisted out (each table its own array starting at node 0)
 * and no element lookups, V8 compiles a much shorter pair loop (measured: pair pass 25 → 17 ms on 32,000 Cu atoms).
 * The NODE_MASK / ATOM_MASK masks below never change a value (the path requires nr ≤ 2^24 − 1, pairs ≤
 * MAX_RECORD_PAIRS, 3·atoms < 2^31); they give V8's typer a range, so index sums and products compile without
 * overflow checks.
 */
export const UNIFORM_RECORD = 5;
/** Masks that bound indices for the JIT (see above): node index < 2^24, atom and list index < 2^29. */
const NODE_MASK = 0xffffff;
const ATOM_MASK = 0x1fffffff;

export function tableUniformStoreRange(
  cR: Float64Array, cZ: Float64Array, rdr: number, nr: number, cutoff: number,
  x: Float64Array, start: Int32Array, nbr: Int32Array, shift: Float64Array, n: number,
  rho: Float64Array, atomE: Float64Array | undefined, qstart: Int32Array, pj: Int32Array, pd: Float64Array,
): number {
  uniformWalk(cutoff, x, start, nbr, shift, n, qstart, pj, pd);
  return uniformTables(cR, cZ, rdr, nr, n, rho, atomE, qstart, pj, pd);
}

/**
 * First half of the pair pass: records (j, dx, dy, dz, r²) of the pairs inside the cutoff. Every candidate is written
 * and the record index only advances when r² < cutoff², without a branch: with a skin about half the candidates are
 * rejected in no predictable pattern (measured ~8% faster than testing first; the table half then runs over a
 * dense, branch-free stream). A write lands at most at the candidate's own list index, so nPairs records suffice.
 */
function uniformWalk(
  cutoff: number, x: Float64Array, start: Int32Array, nbr: Int32Array, shift: Float64Array, n: number,
  qstart: Int32Array, pj: Int32Array, pd: Float64Array,
): void {
  const cut2 = cutoff * cutoff;
  let q = 0;
  for (let i = 0; i < n; i++) {
    qstart[i] = q;
    const i3 = 3 * (i & ATOM_MASK), xi = x[i3], yi = x[i3 + 1], zi = x[i3 + 2];
    for (let k = start[i], e = start[i + 1]; k < e; k++) {
      const j = nbr[k], k3 = 3 * (k & ATOM_MASK), j3 = 3 * (j & ATOM_MASK);
      const dx = x[j3] + shift[k3] - xi, dy = x[j3 + 1] + shift[k3 + 1] - yi, dz = x[j3 + 2] + shift[k3 + 2] - zi;
      const r2 = dx * dx + dy * dy + dz * dz;
      const q5 = UNIFORM_RECORD * (q & ATOM_MASK);
      pj[q] = j;
      pd[q5] = dx;
      pd[q5 + 1] = dy;
      pd[q5 + 2] = dz;
      pd[q5 + 3] = r2;
      q += r2 < cut2 ? 1 : 0;
    }
  }
  qstart[n] = q;
}

/**
 * Second half: per record, r and the grid lookup once, density into rho (both atoms), pair energy (returned; halves
 * into atomE), and r² replaced by ρ'/r, then φ'/r appended.
 */
function uniformTables(
  cR: Float64Array, cZ: Float64Array, rdr: number, nr: number, n: number, rho: Float64Array,
  atomE: Float64Array | undefined, qstart: Int32Array, pj: Int32Array, pd: Float64Array,
): number {
  const nr1 = nr - 1;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    let rhoi = 0, ei2 = 0;
    for (let q = qstart[i], e = qstart[i + 1]; q < e; q++) {
      const q5 = UNIFORM_RECORD * (q & ATOM_MASK), j = pj[q];
      const r = Math.sqrt(pd[q5 + 3]);
      // p ≥ 1 and far below 2^31: `| 0` truncates like LAMMPS's (int) cast
      let p = r * rdr + 1.0;
      let m = p | 0;
      if (m > nr1) m = nr1;
      p -= m;
      if (p > 1.0) p = 1.0;
      const o = 7 * ((m - 1) & NODE_MASK);
      const recip = 1.0 / r;
      const v = ((cR[o + 3] * p + cR[o + 4]) * p + cR[o + 5]) * p + cR[o + 6];
      rhoi += v;
      rho[j] += v;
      const z2 = ((cZ[o + 3] * p + cZ[o + 4]) * p + cZ[o + 5]) * p + cZ[o + 6];
      const z2p = (cZ[o] * p + cZ[o + 1]) * p + cZ[o + 2];
      const phi = z2 * recip;
      energy += phi;
      if (atomE) {
        ei2 += 0.5 * phi;
        atomE[j] += 0.5 * phi;
      }
      pd[q5 + 3] = ((cR[o] * p + cR[o + 1]) * p + cR[o + 2]) * recip;
      pd[q5 + 4] = (z2p * recip - phi * recip) * recip;
    }
    rho[i] += rhoi;
    if (atomE) atomE[i] += ei2;
  }
  return energy;
}

/** Force pass over the uniform path's records (see tableUniformStoreRange); virial W_ab += d_a f_b into acc[1..6]. */
export function tableUniformStoredForceRange(
  n: number, fp: Float64Array, qstart: Int32Array, pj: Int32Array, pd: Float64Array, forces: Float64Array,
  wantVirial: boolean, acc: Float64Array,
): void {
  let w0 = acc[1], w1 = acc[2], w2 = acc[3], w3 = acc[4], w4 = acc[5], w5 = acc[6];
  for (let i = 0; i < n; i++) {
    const fpi = fp[i];
    let fxi = 0, fyi = 0, fzi = 0;
    for (let q = qstart[i], e = qstart[i + 1]; q < e; q++) {
      const j = pj[q], q5 = UNIFORM_RECORD * (q & ATOM_MASK), j3 = 3 * (j & ATOM_MASK);
      const dx = pd[q5], dy = pd[q5 + 1], dz = pd[q5 + 2];
      const cc = -((fpi + fp[j]) * pd[q5 + 3] + pd[q5 + 4]);
      const fx = cc * dx, fy = cc * dy, fz = cc * dz;
      forces[j3] += fx;
      forces[j3 + 1] += fy;
      forces[j3 + 2] += fz;
      fxi -= fx;
      fyi -= fy;
      fzi -= fz;
      if (wantVirial) {
        w0 += dx * fx;
        w1 += dy * fy;
        w2 += dz * fz;
        w3 += 0.5 * (dy * fz + dz * fy);
        w4 += 0.5 * (dx * fz + dz * fx);
        w5 += 0.5 * (dx * fy + dy * fx);
      }
    }
    const i3 = 3 * (i & ATOM_MASK);
    forces[i3] += fxi;
    forces[i3 + 1] += fyi;
    forces[i3 + 2] += fzi;
  }
  acc[1] = w0; acc[2] = w1; acc[3] = w2; acc[4] = w3; acc[5] = w4; acc[6] = w5;
}

/** The element index shared by all n atoms, or −1 when they differ (or n = 0). */
function uniformElement(el: Int32Array, n: number): number {
  if (n === 0) return -1;
  const e = el[0];
  for (let i = 1; i < n; i++) if (el[i] !== e) return -1;
  return e;
}

/**
 * The energy/forces/virial kernel of eam-core.ts specialised to tables (the hot path: no method calls, one grid
 * lookup per pair shared by all its tables). Same arithmetic as EamTableFunctions, hence as LAMMPS. With forces or
 * virial requested it walks the list once and streams pair records (above); energy alone takes two light walks.
 */
function evaluateTableFast(t: TableKernel, el: Int32Array, s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
  const n = s.species.length;
  const lay = localLayout(nl, s.positions);
  let x = s.positions, els = el, start = nl.start, nbr = nl.j, shift = nl.shift;
  if (lay) {
    // work in the spatially sorted order; gather now, scatter the per-atom outputs back below
    x = new Float64Array(3 * n);
    els = new Int32Array(n);
    const perm = lay.perm;
    for (let a = 0; a < n; a++) {
      const o = perm[a];
      x[3 * a] = s.positions[3 * o];
      x[3 * a + 1] = s.positions[3 * o + 1];
      x[3 * a + 2] = s.positions[3 * o + 2];
      els[a] = el[o];
    }
    start = lay.start;
    nbr = lay.j;
    shift = lay.shift;
  }
  const acc = new Float64Array(TABLE_ACC_SIZE);
  const nPairs = start[n];
  const wantF = req.forces === true || req.virial === true;
  // records only when the force pass will stream them (energy alone takes two light walks)
  const sc = pairScratch(wantF && nPairs <= MAX_RECORD_PAIRS ? nPairs : 0, n);
  const rho = sc.rho, fp = sc.fp;
  rho.fill(0, 0, n);
  let forces = new Float64Array(3 * n);
  let atomE = req.atomEnergies ? new Float64Array(n) : undefined;
  const uni = wantF && nPairs <= MAX_RECORD_PAIRS && t.nr <= NODE_MASK ? uniformElement(els, n) : -1;
  if (uni >= 0) {
    const oR = t.offRho[uni * t.nEl + uni], oZ = t.offZ[uni * t.nEl + uni], len = 7 * t.nr;
    const cR = t.c.subarray(oR, oR + len), cZ = t.c.subarray(oZ, oZ + len);
    const ePair = tableUniformStoreRange(cR, cZ, t.rdr, t.nr, t.cutoff, x, start, nbr, shift, n, rho, atomE, sc.qstart, sc.pj, sc.pd);
    acc[0] = tableEmbedRange(t, els, rho, 0, n, fp, atomE, 0) + ePair;
    tableUniformStoredForceRange(n, fp, sc.qstart, sc.pj, sc.pd, forces, req.virial === true, acc);
  } else if (wantF && nPairs <= MAX_RECORD_PAIRS) {
    const ePair = tablePairStoreRange(t, els, x, start, nbr, shift, n, rho, atomE, sc.qstart, sc.pj, sc.pd);
    acc[0] = tableEmbedRange(t, els, rho, 0, n, fp, atomE, 0) + ePair;
    tableStoredForceRange(n, fp, sc.qstart, sc.pj, sc.pd, forces, req.virial === true, acc);
  } else {
    tableDensityRange(t, els, x, start, nbr, shift, 0, n, rho);
    acc[0] = tableEmbedRange(t, els, rho, 0, n, fp, atomE, 0);
    tableForceRange(t, els, x, start, nbr, shift, 0, n, fp, forces, atomE, wantF, req.virial === true, acc);
  }
  if (lay) {
    const perm = lay.perm, f = new Float64Array(3 * n), e = atomE ? new Float64Array(n) : undefined;
    for (let a = 0; a < n; a++) {
      const o = perm[a];
      f[3 * o] = forces[3 * a];
      f[3 * o + 1] = forces[3 * a + 1];
      f[3 * o + 2] = forces[3 * a + 2];
      if (e && atomE) e[o] = atomE[a];
    }
    forces = f;
    atomE = e;
  }
  const out: EvalResult = { energy: acc[0] };
  if (req.forces) out.forces = forces;
  if (req.virial) out.virial = acc.slice(1, 7);
  if (atomE) out.atomEnergies = atomE;
  return out;
}

/**
 * A neighbor list relabelled into a spatially local atom order: perm[a] = original index of sorted atom a; the CSR
 * (start, j, shift) holds the same pairs (and shifts) under the new labels, each pair under the new label of its
 * original row (so this is a half list in the kernel's sense, not in the min(i, j) sense of neighbors/types.ts).
 */
export interface LocalLayout {
  perm: Int32Array;
  start: Int32Array;
  j: Int32Array;
  shift: Float64Array;
}

/** Below this many atoms everything fits in cache and relabelling only costs. */
const LOCAL_MIN_ATOMS = 4096;
/**
 * Relabel when the mean index distance |i − j| of the listed pairs exceeds this many atoms: 24 B of positions per atom,
 * so beyond ~2700 atoms the neighbors of consecutive rows spread over more than 64 KB (a fraction of L2). Measured:
 * a shuffled 32,000-atom fcc cell ran 1.3x slower than the same atoms in supercell order.
 */
const LOCAL_MAX_MEAN_DISTANCE = 2731;
const layouts = new WeakMap<NeighborList, LocalLayout | null>();

/**
 * The cached spatially sorted layout of `nl`, or null when its atom order is already local. The order comes from
 * the positions at the first call (a counting sort over cubic bins about the cutoff wide); it stays valid, just less
 * local, while atoms move under the same list. Neighbor lists are immutable data, hence caching by identity.
 */
export function localLayout(nl: NeighborList, x: Float64Array): LocalLayout | null {
  const cached = layouts.get(nl);
  if (cached !== undefined) return cached;
  const n = nl.nAtoms, start = nl.start, nbr = nl.j;
  let layout: LocalLayout | null = null;
  if (n >= LOCAL_MIN_ATOMS) {
    let dist = 0;
    for (let i = 0; i < n; i++) for (let k = start[i]; k < start[i + 1]; k++) dist += Math.abs(nbr[k] - i);
    const pairs = start[n];
    if (pairs > 0 && dist / pairs > LOCAL_MAX_MEAN_DISTANCE) layout = buildLocalLayout(nl, x);
  }
  layouts.set(nl, layout);
  return layout;
}

function buildLocalLayout(nl: NeighborList, x: Float64Array): LocalLayout {
  const n = nl.nAtoms;
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < n; i++)
    for (let d = 0; d < 3; d++) {
      lo[d] = Math.min(lo[d], x[3 * i + d]);
      hi[d] = Math.max(hi[d], x[3 * i + d]);
    }
  const w = Math.max(nl.cutoff, 1e-3);
  const nb = [0, 1, 2].map((d) => Math.max(1, Math.min(1024, Math.floor((hi[d] - lo[d]) / w) + 1)));
  const bin = new Int32Array(n), count = new Int32Array(nb[0] * nb[1] * nb[2] + 1);
  for (let i = 0; i < n; i++) {
    const b = [0, 1, 2].map((d) => Math.min(nb[d] - 1, Math.floor((x[3 * i + d] - lo[d]) / w)));
    bin[i] = (b[2] * nb[1] + b[1]) * nb[0] + b[0];
    count[bin[i] + 1]++;
  }
  for (let b = 1; b < count.length; b++) count[b] += count[b - 1];
  const perm = new Int32Array(n), inv = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const a = count[bin[i]]++;
    perm[a] = i;
    inv[i] = a;
  }
  const P = nl.start[n];
  const start = new Int32Array(n + 1), j = new Int32Array(P), shift = new Float64Array(3 * P);
  for (let a = 0; a < n; a++) start[a + 1] = start[a] + (nl.start[perm[a] + 1] - nl.start[perm[a]]);
  for (let a = 0; a < n; a++) {
    const i = perm[a];
    let q = start[a];
    for (let k = nl.start[i]; k < nl.start[i + 1]; k++, q++) {
      j[q] = inv[nl.j[k]];
      shift[3 * q] = nl.shift[3 * k];
      shift[3 * q + 1] = nl.shift[3 * k + 1];
      shift[3 * q + 2] = nl.shift[3 * k + 2];
    }
  }
  return { perm, start, j, shift };
}

/** The kernel data of a table spec (for worker threads: every field survives structured cloning). */
export function tableKernelData(spec: EamTableSpec): TableKernel {
  checkSpec(spec);
  const f = new EamTableFunctions(spec);
  return {
    nEl: f.nEl, c: f.c, offF: f.offF, offRho: f.offRho, offZ: f.offZ, nr: f.nr, nrho: f.nrho, rdr: f.rdr,
    rdrho: f.rdrho, rhomax: f.rhomax, cutoff: f.cutoff,
  };
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
