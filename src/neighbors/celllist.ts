/**
 * Cell-list (binning) neighbor list builder, O(N) for a fixed density and cutoff. Same contract as types.ts:
 * CSR start/j/shift, full or half, every image with |r_ij| < cutoff (strict), r_ij = x_j + shift − x_i with the
 * positions exactly as given (atoms need not be wrapped into the cell), self images in cells smaller than the
 * cutoff.
 *
 * Method.
 * 1. Working cell W: the periodic rows of the structure's cell; non-periodic rows are replaced by an orthonormal
 *    complement of the periodic ones (identity when nothing is periodic). Non-periodic rows never enter a shift,
 *    so any completion gives the same list; the orthogonal one maximises the periodic face widths (fewer images)
 *    and works for zero or degenerate cells of slabs, wires and clusters.
 * 2. Fractional coordinates f = x·W⁻¹. Along periodic axes each atom is wrapped, f = f' + n with integer n and
 *    f' in [0, 1); along free axes f is binned over [min f, max f]. Bins are at least cutoff/BIN_DIVISOR wide
 *    perpendicular to their faces; the stencil reaches ceil(cutoff / bin width) bins each way along each axis.
 *    Periodic stencil offsets that leave [0, nb) wrap around and carry the integer image m = floor(b'/nb); in a
 *    cell narrower than the cutoff one offset visits the same bin with several images, which is how a neighbor's
 *    several images (and an atom's own) are found.
 * 3. Atoms are counting-sorted by bin (typed arrays: bin start offsets, one sorted slot per atom, wrapped
 *    coordinates copied into slot order so a bin's atoms are contiguous).
 * 4. Half stencil: only offsets d that are lexicographically ≥ 0 (axis a first). A pair (p, q, image m) seen from
 *    p's bin with offset d is the pair (q, p, −m) seen from q's bin with −d, so each unordered pair is met exactly
 *    once (d = 0, the bin with itself at image 0: slots q > p only). Offsets whose bins are farther apart than
 *    the cutoff (face gaps: per axis in a skewed cell, in quadrature when the cell rows are orthogonal) are
 *    dropped from the stencil. The bin-pair loop screens on the wrapped coordinates with a small tolerance;
 *    candidates within rounding distance of the cutoff are re-tested exactly as |x_j + shift − x_i| < cutoff with
 *    the shift built from the integer image s = m + n_i − n_j of the positions as given (the brute-force oracle's
 *    arithmetic). The list is therefore exact for the positions as given.
 * 5. Each accepted pair becomes a 12-byte record (owner slot, other slot, packed image) and a count for its owner
 *    (half list: min(i, j), and for i == j the image whose first nonzero component is positive; full list: both
 *    directions). A prefix sum of the counts gives start[]; the records are then scattered into the CSR rows,
 *    which is where shifts s·W are computed. Rows therefore come out in atom order whatever the bin order.
 *
 * Reuse: `createNeighborBuilder()` keeps every buffer (fractional coordinates, bins, records, output) across
 * builds and grows them geometrically, so an MD loop that rebuilds allocates nothing once warm. A list returned by
 * a builder views the builder's buffers: it stays valid until that builder's next build. `cellListNeighborList`
 * uses a fresh builder, so its lists are independent.
 * Lengths are in Å; the cutoff includes any skin the caller wants.
 */
import { UserError } from '../core/errors.ts';
import { cellWidths, det3, inv3 } from '../core/mat3.ts';
import type { Structure } from '../structure/types.ts';
import type { NeighborList, NeighborOptions } from './types.ts';

/** Relative tolerance for the screening test on wrapped positions (the exact test follows). */
const SCREEN_REL_TOL = 1e-9;
/** Bin width ≥ cutoff/2: a 5³ stencil (63 half entries). Measured on 32,000-atom fcc Cu at 5.95 Å: cutoff-wide bins
 * (27, 8.3M candidate pairs) cost the same, cutoff/3 bins 50% more (per-bin-pair overhead). */
const BIN_DIVISOR = 2;
/** Cap on the number of bins per atom (sparse clusters in large boxes would otherwise waste memory). */
const MAX_BINS_PER_ATOM = 4;
const MIN_BIN_CAP = 4096;
/** Wrap offsets are stored as int32; atoms farther than this many cells away are rejected. */
const MAX_WRAP = 2 ** 30;
/** Stencil images are packed into one int32, 10 bits per axis with this bias: |m| < IMG_BIAS. */
const IMG_BIAS = 512;
/** Growth factor of the reusable buffers. */
const GROW = 1.5;
/** Record buffers of the shared scratch builder above this many records (12 B each) are released after a build. */
const MAX_KEPT_RECORDS = 1 << 22;

/** Working cell: periodic rows kept, free rows replaced by an orthonormal complement (see the file comment). */
export function workingCell(cell: ArrayLike<number>, pbc: readonly [boolean, boolean, boolean]): Float64Array {
  const w = Float64Array.from({ length: 9 }, (_, k) => cell[k] ?? 0);
  const per = [0, 1, 2].filter((k) => pbc[k]);
  const free = [0, 1, 2].filter((k) => !pbc[k]);
  const row = (k: number): [number, number, number] => [w[3 * k], w[3 * k + 1], w[3 * k + 2]];
  const setRow = (k: number, v: readonly number[]): void => {
    w[3 * k] = v[0];
    w[3 * k + 1] = v[1];
    w[3 * k + 2] = v[2];
  };
  const unit = (v: readonly number[]): number[] => {
    const l = Math.hypot(v[0], v[1], v[2]);
    return [v[0] / l, v[1] / l, v[2] / l];
  };
  const crossv = (a: readonly number[], b: readonly number[]): number[] => [
    a[1] * b[2] - a[2] * b[1],
    a[2] * b[0] - a[0] * b[2],
    a[0] * b[1] - a[1] * b[0],
  ];
  const norms = per.map((k) => Math.hypot(...row(k)));
  if (norms.some((l) => !(l > 0) || !Number.isFinite(l))) {
    throw new UserError(`periodic cell vectors must be nonzero and finite (cell ${Array.from(w).join(' ')})`);
  }
  if (per.length === 0) {
    setRow(0, [1, 0, 0]);
    setRow(1, [0, 1, 0]);
    setRow(2, [0, 0, 1]);
  } else if (per.length === 1) {
    const u = unit(row(per[0]));
    // the coordinate axis least aligned with u gives a well-conditioned perpendicular
    const ax = [Math.abs(u[0]), Math.abs(u[1]), Math.abs(u[2])];
    const e = ax[0] <= ax[1] && ax[0] <= ax[2] ? [1, 0, 0] : ax[1] <= ax[2] ? [0, 1, 0] : [0, 0, 1];
    const v1 = unit(crossv(u, e));
    setRow(free[0], v1);
    setRow(free[1], crossv(u, v1));
  } else if (per.length === 2) {
    const n = crossv(row(per[0]), row(per[1]));
    const ln = Math.hypot(n[0], n[1], n[2]);
    if (!(ln > 1e-12 * norms[0] * norms[1])) {
      throw new UserError(`the two periodic cell vectors are parallel (cell ${Array.from(cell).join(' ')})`);
    }
    setRow(free[0], unit(n));
  }
  const d = det3(w);
  const scale = Math.hypot(...row(0)) * Math.hypot(...row(1)) * Math.hypot(...row(2));
  if (!(Math.abs(d) > 1e-12 * scale) || !Number.isFinite(d)) {
    throw new UserError(`the periodic cell is singular (cell ${Array.from(cell).join(' ')})`);
  }
  return w;
}

export interface NeighborBuilder {
  /**
   * Builds the list of `s` at `cutoff` (Å). The returned list views this builder's buffers: it stays valid until
   * the next call of `build` on the same builder.
   */
  build(s: Structure, cutoff: number, opts: NeighborOptions): NeighborList;
}

/** A builder that keeps its buffers across builds (MD: one builder per run, no allocation per rebuild once warm). */
export function createNeighborBuilder(): NeighborBuilder {
  return new CellListBuilder(true);
}

/**
 * One independent list: new output arrays of exactly the list's length. The scratch buffers (bins, records) are
 * kept in a module-level builder between calls (allocating and zero-filling tens of MB per call cost more than the
 * build itself); builds are synchronous, and each worker thread has its own module instance.
 */
export function cellListNeighborList(s: Structure, cutoff: number, opts: NeighborOptions): NeighborList {
  return sharedScratch.build(s, cutoff, opts);
}

function isOrthogonal(w: ArrayLike<number>): boolean {
  const dot = (p: number, q: number): number => w[3 * p] * w[3 * q] + w[3 * p + 1] * w[3 * q + 1] + w[3 * p + 2] * w[3 * q + 2];
  const len = [0, 1, 2].map((k) => Math.sqrt(dot(k, k)));
  return Math.abs(dot(0, 1)) <= 1e-12 * len[0] * len[1] && Math.abs(dot(0, 2)) <= 1e-12 * len[0] * len[2] && Math.abs(dot(1, 2)) <= 1e-12 * len[1] * len[2];
}

/** Per-axis stencil table: wrapped bin (−1 = outside a free axis) and image for every (bin c, offset d + r). */
function stencilTable(nb: number, r: number, periodic: boolean): { bin: Int32Array; img: Int32Array } {
  const len = 2 * r + 1;
  const bin = new Int32Array(nb * len), img = new Int32Array(nb * len);
  for (let c = 0; c < nb; c++) {
    for (let d = -r; d <= r; d++) {
      const t = c + d;
      const m = Math.floor(t / nb);
      const idx = c * len + d + r;
      if (periodic) {
        bin[idx] = t - m * nb;
        img[idx] = m;
      } else {
        bin[idx] = t >= 0 && t < nb ? t : -1;
        img[idx] = 0;
      }
    }
  }
  return { bin, img };
}

/** A typed array of at least `need` entries: `a` itself when large enough (reuse), else a new one. */
function growI32(a: Int32Array, need: number, reuse: boolean): Int32Array {
  if (a.length >= need) return a;
  return new Int32Array(reuse ? Math.max(need, Math.ceil(a.length * GROW)) : need);
}
function growF64(a: Float64Array, need: number, reuse: boolean): Float64Array {
  if (a.length >= need) return a;
  return new Float64Array(reuse ? Math.max(need, Math.ceil(a.length * GROW)) : need);
}

class CellListBuilder implements NeighborBuilder {
  // per atom (sizes 3n or n): fractional coordinates, wrap offsets, bin of each atom
  private frac: Float64Array = new Float64Array(0);
  private nOff: Int32Array = new Int32Array(0);
  private binOf: Int32Array = new Int32Array(0);
  private cellOf: Int32Array = new Int32Array(0);
  // per slot (bin-sorted order): atom index, wrapped coordinates, wrap offsets
  private order: Int32Array = new Int32Array(0);
  private xs: Float64Array = new Float64Array(0);
  private ns: Int32Array = new Int32Array(0);
  // bins: start offsets (nBins + 1) and fill pointers
  private binStart: Int32Array = new Int32Array(0);
  private fill: Int32Array = new Int32Array(0);
  // pair records: owner-side slot, other slot, packed stencil image
  private rFrom: Int32Array = new Int32Array(0);
  private rTo: Int32Array = new Int32Array(0);
  private rImg: Int32Array = new Int32Array(0);
  // output (reused only by a reusing builder)
  private outStart: Int32Array = new Int32Array(0);
  private outJ: Int32Array = new Int32Array(0);
  private outS: Float64Array = new Float64Array(0);

  constructor(private readonly reuse: boolean) {}

  build(s: Structure, cutoff: number, opts: NeighborOptions): NeighborList {
    const half = opts.half;
    const reuse = this.reuse;
    const n = s.species.length;
    if (!(cutoff >= 0) || !Number.isFinite(cutoff)) throw new UserError(`neighbor cutoff must be finite and ≥ 0, got ${cutoff}`);
    if (s.positions.length !== 3 * n) {
      throw new UserError(`structure has ${n} species but ${s.positions.length / 3} positions`);
    }
    if (n === 0 || cutoff === 0) {
      return { nAtoms: n, cutoff, half, start: new Int32Array(n + 1), j: new Int32Array(0), shift: new Float64Array(0) };
    }
    const x = s.positions;
    for (let k = 0; k < 3 * n; k++) {
      if (!Number.isFinite(x[k])) throw new UserError(`atom ${Math.floor(k / 3)} has a non-finite coordinate`);
    }
    const pbc = s.pbc;
    // shifts use the working cell: its periodic rows are the structure's own, and free rows are always multiplied
    // by a zero image (so a zero or non-finite free row of the input cannot leak into a shift)
    const W = workingCell(s.cell, pbc);
    const inv = inv3(W);
    const widths = cellWidths(W);

    // ---- fractional coordinates, wrap offsets along periodic axes, extents along free axes ----
    const frac = (this.frac = growF64(this.frac, 3 * n, reuse));
    const nOff = (this.nOff = growI32(this.nOff, 3 * n, reuse));
    const fmin = [Infinity, Infinity, Infinity];
    const fmax = [-Infinity, -Infinity, -Infinity];
    let maxAbs = 0;
    for (let k = 0; k < 3; k++) {
      const i0 = inv[k], i1 = inv[3 + k], i2 = inv[6 + k], periodic = pbc[k];
      let lo = Infinity, hi = -Infinity;
      for (let i = 0; i < n; i++) {
        const px = x[3 * i], py = x[3 * i + 1], pz = x[3 * i + 2];
        let f = px * i0 + py * i1 + pz * i2;
        let m = 0;
        if (periodic) {
          m = Math.floor(f);
          if (Math.abs(m) > MAX_WRAP) throw new UserError(`atom ${i} lies ${m} cells away along cell vector ${k + 1}: wrap the structure first`);
          f -= m;
          // f − floor(f) rounds to 1 for tiny negative f: that point lies on the face f = 0 of the next image
          if (!(f < 1)) {
            f = 0;
            m += 1;
          }
        }
        nOff[3 * i + k] = m;
        frac[3 * i + k] = f;
        if (f < lo) lo = f;
        if (f > hi) hi = f;
      }
      fmin[k] = lo;
      fmax[k] = hi;
    }
    for (let k = 0; k < 3 * n; k++) {
      const a = Math.abs(x[k]);
      if (a > maxAbs) maxAbs = a;
    }

    // ---- bin geometry ----
    // along axis k: bin = floor((f − origin) · scale), perpendicular bin width = span·width/nb
    const origin = [0, 0, 0];
    const span = [1, 1, 1];
    for (let k = 0; k < 3; k++) {
      if (!pbc[k]) {
        origin[k] = fmin[k];
        span[k] = fmax[k] - fmin[k];
      }
    }
    const target = (h: number): number[] =>
      [0, 1, 2].map((k) => Math.max(1, Math.min(1 << 20, Math.floor((span[k] * widths[k]) / h))));
    let h = cutoff / BIN_DIVISOR;
    let nbArr = target(h);
    const binCap = Math.max(MIN_BIN_CAP, MAX_BINS_PER_ATOM * n);
    while (nbArr[0] * nbArr[1] * nbArr[2] > binCap) {
      h *= 1.5;
      nbArr = target(h);
    }
    const scale = [0, 1, 2].map((k) => (span[k] > 0 ? nbArr[k] / span[k] : 0));
    // stencil reach (bins each way); the tiny enlargement absorbs rounding in f near bin faces
    const binWidths = [0, 1, 2].map((k) => (span[k] * widths[k]) / nbArr[k]);
    const reach = [0, 1, 2].map((k) => {
      const r = binWidths[k] > 0 ? Math.ceil((cutoff * (1 + 1e-9)) / binWidths[k]) : 0;
      return pbc[k] ? r : Math.min(r, nbArr[k] - 1);
    });
    for (let k = 0; k < 3; k++) {
      // the largest image of a stencil offset is floor((nb − 1 + reach)/nb); it must fit the packed record
      if (Math.floor((nbArr[k] - 1 + reach[k]) / nbArr[k]) >= IMG_BIAS) {
        throw new UserError(`neighbor cutoff ${cutoff} Å spans more than ${IMG_BIAS - 1} periodic images along cell vector ${k + 1} (cell width ${widths[k]} Å)`);
      }
    }

    // ---- counting sort of atoms by bin ----
    // per-axis bin coordinates first: the axis along which consecutive atoms change bin most often becomes the
    // innermost (fastest) bin axis, so bins are numbered, and pairs found, in about the atoms' own index order;
    // the CSR rows written from the records are then close together in memory (supercell orders vary: ASE and
    // pesfit repeat with c fastest, LAMMPS's create_atoms with x fastest)
    const cellOf = (this.cellOf = growI32(this.cellOf, 3 * n, reuse));
    const changes = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      const o = origin[k], sc = scale[k], nbk = nbArr[k];
      let prev = -1;
      for (let i = 0; i < n; i++) {
        let c = Math.floor((frac[3 * i + k] - o) * sc);
        if (c < 0) c = 0;
        else if (c >= nbk) c = nbk - 1;
        cellOf[3 * i + k] = c;
        if (c !== prev) changes[k]++;
        prev = c;
      }
    }
    // lv[0] = innermost axis ("A" in the scan), lv[2] = outermost ("C"); ties keep the order c, b, a
    const lv = [2, 1, 0].sort((p, q) => changes[q] - changes[p]);
    const [kA, kB, kC] = lv;
    const nbA = nbArr[kA], nbB = nbArr[kB], nbC = nbArr[kC];
    const rA = reach[kA], rB = reach[kB], rC = reach[kC];
    const nBins = nbA * nbB * nbC;
    const binOf = (this.binOf = growI32(this.binOf, n, reuse));
    const binStart = (this.binStart = growI32(this.binStart, nBins + 1, reuse));
    binStart.fill(0, 0, nBins + 1);
    for (let i = 0; i < n; i++) {
      const b = (cellOf[3 * i + kC] * nbB + cellOf[3 * i + kB]) * nbA + cellOf[3 * i + kA];
      binOf[i] = b;
      binStart[b + 1]++;
    }
    for (let b = 0; b < nBins; b++) binStart[b + 1] += binStart[b];
    const fill = (this.fill = growI32(this.fill, Math.max(nBins, n), reuse));
    fill.set(binStart.subarray(0, nBins));
    const order = (this.order = growI32(this.order, n, reuse));
    const xs = (this.xs = growF64(this.xs, 3 * n, reuse));
    const ns = (this.ns = growI32(this.ns, 3 * n, reuse));
    // cell rows in scan order: WL row 0 = W row kA, ...; wrap offsets ns in the same order
    const WL = Float64Array.from(lv.flatMap((k) => [W[3 * k], W[3 * k + 1], W[3 * k + 2]]));
    const a0 = W[0], a1 = W[1], a2 = W[2], b0 = W[3], b1 = W[4], b2 = W[5], g0 = W[6], g1 = W[7], g2 = W[8];
    for (let i = 0; i < n; i++) {
      const p = fill[binOf[i]]++;
      order[p] = i;
      const na = nOff[3 * i], nb = nOff[3 * i + 1], nc = nOff[3 * i + 2];
      // wrapped position x − n·W (screening only; the exact test uses the positions as given)
      xs[3 * p] = x[3 * i] - (na * a0 + nb * b0 + nc * g0);
      xs[3 * p + 1] = x[3 * i + 1] - (na * a1 + nb * b1 + nc * g1);
      xs[3 * p + 2] = x[3 * i + 2] - (na * a2 + nb * b2 + nc * g2);
      ns[3 * p] = nOff[3 * i + kA];
      ns[3 * p + 1] = nOff[3 * i + kB];
      ns[3 * p + 2] = nOff[3 * i + kC];
    }

    // ---- half stencil: offsets ≥ 0 lexicographically (the zero offset first), culled by bin face gaps ----
    const tol = SCREEN_REL_TOL * (cutoff + maxAbs);
    const screen2 = (cutoff + tol) * (cutoff + tol);
    const orthogonal = isOrthogonal(W);
    const gap = (d: number, w: number): number => (Math.abs(d) > 1 ? (Math.abs(d) - 1) * w : 0);
    const stA: number[] = [0], stB: number[] = [0], stC: number[] = [0];
    // the outermost axis C decides first: with bins numbered in about the atoms' index order, the stencil's bins
    // then mostly hold higher indices, so a half list's records mostly belong to the centre bin's own rows
    for (let dc = 0; dc <= rC; dc++)
      for (let db = dc === 0 ? 0 : -rB; db <= rB; db++)
        for (let da = dc === 0 && db === 0 ? 1 : -rA; da <= rA; da++) {
          const ga = gap(da, binWidths[kA]), gb = gap(db, binWidths[kB]), gc = gap(dc, binWidths[kC]);
          const g2 = orthogonal ? ga * ga + gb * gb + gc * gc : Math.max(ga, gb, gc) ** 2;
          if (g2 >= screen2) continue;
          stA.push(da);
          stB.push(db);
          stC.push(dc);
        }
    const tables = lv.map((k) => stencilTable(nbArr[k], reach[k], pbc[k]));

    // ---- scan: one record per unordered pair, counts per owner row ----
    let estimate = 8 * n;
    if (pbc[0] && pbc[1] && pbc[2]) {
      const perAtom = ((n / Math.abs(det3(W))) * 4 * Math.PI * cutoff ** 3) / 3;
      estimate = Math.ceil(0.55 * n * perAtom) + 64;
    }
    const cap = Math.max(64, Math.min(estimate, 1 << 26));
    if (this.rFrom.length < cap) {
      this.rFrom = new Int32Array(cap);
      this.rTo = new Int32Array(cap);
      this.rImg = new Int32Array(cap);
    }
    const counts = (this.outStart = reuse ? growI32(this.outStart, n + 1, true) : new Int32Array(n + 1));
    counts.fill(0, 0, n + 1);
    const g: ScanGrid = {
      n, nbA, nbB, nbC, half, c2: cutoff * cutoff, screen2, inner2: Math.max(0, cutoff - tol) ** 2, W: WL, lv, x,
      binStart, order, xs, ns, stA: Int32Array.from(stA, (d) => d + rA), stB: Int32Array.from(stB, (d) => d + rB),
      stC: Int32Array.from(stC, (d) => d + rC), lenA: 2 * rA + 1, lenB: 2 * rB + 1, lenC: 2 * rC + 1,
      tAbin: tables[0].bin, tAimg: tables[0].img, tBbin: tables[1].bin, tBimg: tables[1].img,
      tCbin: tables[2].bin, tCimg: tables[2].img,
    };
    const nRec = this.scan(g, counts);

    // ---- rows: prefix sum of the counts (counts[i + 1] = row length of i), then scatter the records ----
    for (let i = 0; i < n; i++) counts[i + 1] += counts[i];
    const total = counts[n];
    const outJ = (this.outJ = reuse ? growI32(this.outJ, total, true) : new Int32Array(total));
    const outS = (this.outS = reuse ? growF64(this.outS, 3 * total, true) : new Float64Array(3 * total));
    const pos = fill;
    pos.set(counts.subarray(0, n));
    scatter(g, nRec, this.rFrom, this.rTo, this.rImg, pos, outJ, outS);
    if (!reuse && this.rFrom.length > MAX_KEPT_RECORDS) {
      // a one-off huge structure should not pin its record buffers for the life of the process
      this.rFrom = this.rTo = this.rImg = new Int32Array(0);
    }
    return {
      nAtoms: n,
      cutoff,
      half,
      start: reuse ? counts.subarray(0, n + 1) : counts,
      j: outJ.length === total ? outJ : outJ.subarray(0, total),
      shift: outS.length === 3 * total ? outS : outS.subarray(0, 3 * total),
    };
  }

  /** Runs the bin-pair scan, growing the record buffers when full; returns the number of records. */
  private scan(g: ScanGrid, counts: Int32Array): number {
    for (;;) {
      const r = scanPairs(g, this.rFrom, this.rTo, this.rImg, counts);
      if (r >= 0) return r;
      // out of record space: restart with more (rare: the estimate assumes at most 10% above the mean density)
      const cap = Math.ceil(this.rFrom.length * 2);
      this.rFrom = new Int32Array(cap);
      this.rTo = new Int32Array(cap);
      this.rImg = new Int32Array(cap);
      counts.fill(0, 0, g.n + 1);
    }
  }
}

/** Everything the scan and scatter need; arrays indexed by sorted slot p (atom order[p]). */
interface ScanGrid {
  n: number;
  nbA: number;
  nbB: number;
  nbC: number;
  half: boolean;
  c2: number;
  screen2: number;
  /** Below this squared screening distance a candidate is inside the cutoff whatever the rounding. */
  inner2: number;
  /** Cell rows in scan order (row 0 = cell vector lv[0], the innermost bin axis). */
  W: Float64Array;
  /** Scan axis → cell axis: images, offsets and rows of the scan are in this order. */
  lv: number[];
  x: Float64Array;
  binStart: Int32Array;
  order: Int32Array;
  xs: Float64Array;
  ns: Int32Array;
  /** Half-stencil offsets plus reach (table columns), zero offset first. */
  stA: Int32Array;
  stB: Int32Array;
  stC: Int32Array;
  lenA: number;
  lenB: number;
  lenC: number;
  tAbin: Int32Array;
  tAimg: Int32Array;
  tBbin: Int32Array;
  tBimg: Int32Array;
  tCbin: Int32Array;
  tCimg: Int32Array;
}

/**
 * The hot loop: every bin against its half stencil. Writes one record per unordered pair within the cutoff and
 * counts each row's entries in counts[i + 1]; returns the record count, or −1 when the record buffers are full.
 */
function scanPairs(g: ScanGrid, rFrom: Int32Array, rTo: Int32Array, rImg: Int32Array, counts: Int32Array): number {
  const { nbA, nbB, nbC, half, c2, screen2, inner2, W, x, binStart, order, xs, ns, stA, stB, stC } = g;
  const { lenA, lenB, lenC, tAbin, tAimg, tBbin, tBimg, tCbin, tCimg } = g;
  const a0 = W[0], a1 = W[1], a2 = W[2], b0 = W[3], b1 = W[4], b2 = W[5], g0 = W[6], g1 = W[7], g2 = W[8];
  const nSt = stA.length, cap = rFrom.length;
  let nr = 0;
  for (let cC = 0; cC < nbC; cC++) {
    for (let cB = 0; cB < nbB; cB++) {
      for (let cA = 0; cA < nbA; cA++) {
        const b = (cC * nbB + cB) * nbA + cA;
        const p0 = binStart[b], p1 = binStart[b + 1];
        if (p0 === p1) continue;
        for (let e = 0; e < nSt; e++) {
          const ia = cA * lenA + stA[e], ib = cB * lenB + stB[e], ic = cC * lenC + stC[e];
          const wa = tAbin[ia], wb = tBbin[ib], wc = tCbin[ic];
          if ((wa | wb | wc) < 0) continue;
          const nbn = (wc * nbB + wb) * nbA + wa;
          const q0 = binStart[nbn], q1 = binStart[nbn + 1];
          if (q0 === q1) continue;
          const ma = tAimg[ia], mb = tBimg[ib], mc = tCimg[ic];
          // image translation of the neighbor bin and the packed image for the records
          const tx = ma * a0 + mb * b0 + mc * g0, ty = ma * a1 + mb * b1 + mc * g1, tz = ma * a2 + mb * b2 + mc * g2;
          const code = ((ma + IMG_BIAS) << 20) | ((mb + IMG_BIAS) << 10) | (mc + IMG_BIAS);
          // e = 0 is the bin with itself at image 0: each unordered pair once (q > p)
          const self = e === 0;
          for (let p = p0; p < p1; p++) {
            const ox = tx - xs[3 * p], oy = ty - xs[3 * p + 1], oz = tz - xs[3 * p + 2];
            const i = order[p];
            for (let q = self ? p + 1 : q0; q < q1; q++) {
              const dx = xs[3 * q] + ox, dy = xs[3 * q + 1] + oy, dz = xs[3 * q + 2] + oz;
              const d2 = dx * dx + dy * dy + dz * dz;
              if (d2 >= screen2) continue;
              const j = order[q];
              if (d2 > inner2) {
                // near the cutoff: the exact test with the integer image of the positions as given
                const sa = ma + ns[3 * p] - ns[3 * q], sb = mb + ns[3 * p + 1] - ns[3 * q + 1], sc = mc + ns[3 * p + 2] - ns[3 * q + 2];
                const ex = x[3 * j] + (sa * a0 + sb * b0 + sc * g0) - x[3 * i];
                const ey = x[3 * j + 1] + (sa * a1 + sb * b1 + sc * g1) - x[3 * i + 1];
                const ez = x[3 * j + 2] + (sa * a2 + sb * b2 + sc * g2) - x[3 * i + 2];
                if (ex * ex + ey * ey + ez * ez >= c2) continue;
              }
              if (nr === cap) return -1;
              rFrom[nr] = p;
              rTo[nr] = q;
              rImg[nr] = code;
              nr++;
              if (half) counts[(j < i ? j : i) + 1]++;
              else {
                counts[i + 1]++;
                counts[j + 1]++;
              }
            }
          }
        }
      }
    }
  }
  return nr;
}

/** The contract's self-image rule on an image given in scan order: first nonzero cell-axis component > 0. */
function positiveImage(lv: number[], sA: number, sB: number, sC: number): boolean {
  const s = [0, 0, 0];
  s[lv[0]] = sA;
  s[lv[1]] = sB;
  s[lv[2]] = sC;
  return s[0] > 0 || (s[0] === 0 && (s[1] > 0 || (s[1] === 0 && s[2] > 0)));
}

/**
 * Records → CSR rows. Record (p, q, m): atoms i = order[p], j = order[q], integer image s = m + n_p − n_q, shift
 * s·W with x_j + shift − x_i the separation. Half list: under i (j, +shift) when i < j, or i == j and s is
 * positive; otherwise under the smaller index with the mirrored entry. Full list: both directions. pos[i] is
 * the next free entry of row i.
 */
function scatter(
  g: ScanGrid, nRec: number, rFrom: Int32Array, rTo: Int32Array, rImg: Int32Array, pos: Int32Array,
  outJ: Int32Array, outS: Float64Array,
): void {
  const { W, order, ns, half, lv } = g;
  const a0 = W[0], a1 = W[1], a2 = W[2], b0 = W[3], b1 = W[4], b2 = W[5], g0 = W[6], g1 = W[7], g2 = W[8];
  for (let r = 0; r < nRec; r++) {
    const p = rFrom[r], q = rTo[r], code = rImg[r];
    const sa = (code >> 20) - IMG_BIAS + ns[3 * p] - ns[3 * q];
    const sb = ((code >> 10) & 1023) - IMG_BIAS + ns[3 * p + 1] - ns[3 * q + 1];
    const sc = (code & 1023) - IMG_BIAS + ns[3 * p + 2] - ns[3 * q + 2];
    const sx = sa * a0 + sb * b0 + sc * g0, sy = sa * a1 + sb * b1 + sc * g1, sz = sa * a2 + sb * b2 + sc * g2;
    const i = order[p], j = order[q];
    if (half) {
      const forward = i < j || (i === j && positiveImage(lv, sa, sb, sc));
      if (forward) {
        const k = pos[i]++;
        outJ[k] = j;
        outS[3 * k] = sx;
        outS[3 * k + 1] = sy;
        outS[3 * k + 2] = sz;
      } else {
        const k = pos[j]++;
        outJ[k] = i;
        outS[3 * k] = -sx;
        outS[3 * k + 1] = -sy;
        outS[3 * k + 2] = -sz;
      }
    } else {
      let k = pos[i]++;
      outJ[k] = j;
      outS[3 * k] = sx;
      outS[3 * k + 1] = sy;
      outS[3 * k + 2] = sz;
      k = pos[j]++;
      outJ[k] = i;
      outS[3 * k] = -sx;
      outS[3 * k + 1] = -sy;
      outS[3 * k + 2] = -sz;
    }
  }
}

const sharedScratch = new CellListBuilder(false);
