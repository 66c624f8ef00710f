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
 *    f' in [0, 1); along free axes f is binned over [min f, max f]. The bin count along axis k is chosen so that a
 *    bin is at least cutoff/2 wide perpendicular to the faces (cellWidths), and the stencil reaches
 *    ceil(cutoff / bin width) bins each way. Periodic stencil offsets that leave [0, nb) wrap around and carry
 *    the integer image m = floor(b'/nb); in a cell narrower than the cutoff one stencil row visits the same bin
 *    with several images, which is exactly how a neighbor's several images (and an atom's own) are found.
 * 3. For atom i, stencil bins are skipped when i's perpendicular distance to their faces already exceeds the
 *    cutoff (each axis alone in a skewed cell; in quadrature when the cell rows are orthogonal). For a candidate
 *    (j, m) the separation from the wrapped positions screens with a small tolerance; the shift is built from the
 *    integer image s = m + n_i − n_j of the UNWRAPPED positions, shift = s_a a1 + s_b a2 + s_c a3 (the same
 *    arithmetic as the brute-force oracle), and candidates within rounding distance of the cutoff are re-tested
 *    as |x_j + shift − x_i| < cutoff. The list is therefore exact for the positions as given.
 * 4. Atoms are counting-sorted by bin into contiguous coordinate arrays; the output goes into typed buffers sized
 *    from the density (doubled if ever too small; no allocation per pair); rows are emitted for i = 0..n−1 in
 *    order, so start[] is built directly. j and shift may be views (subarray) of slightly longer buffers.
 *
 * Half list: each pair under min(i, j); for i == j only the image s whose first nonzero component is positive
 * (the stencil is symmetric, so the mirror candidate is visited when the loop reaches the other atom).
 * Lengths are in Å; the cutoff includes any skin the caller wants.
 */
import { UserError } from '../core/errors.ts';
import { cellWidths, det3, inv3 } from '../core/mat3.ts';
import type { Structure } from '../structure/types.ts';
import type { NeighborList, NeighborOptions } from './types.ts';

/** Relative tolerance for the screening test on wrapped positions (the exact test follows). */
const SCREEN_REL_TOL = 1e-9;
/** Bins are at least cutoff / BIN_DIVISOR wide: 2 gives a 5-bin stencil, ~40% fewer candidates than 3 bins. */
const BIN_DIVISOR = 2;
/** Cap on the number of bins per atom (sparse clusters in large boxes would otherwise waste memory). */
const MAX_BINS_PER_ATOM = 4;
const MIN_BIN_CAP = 4096;
/** Wrap offsets are stored as int32; atoms farther than this many cells away are rejected. */
const MAX_WRAP = 2 ** 30;

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

function emptyList(n: number, cutoff: number, half: boolean): NeighborList {
  return { nAtoms: n, cutoff, half, start: new Int32Array(n + 1), j: new Int32Array(0), shift: new Float64Array(0) };
}

export function cellListNeighborList(s: Structure, cutoff: number, opts: NeighborOptions): NeighborList {
  const half = opts.half;
  const n = s.species.length;
  if (!(cutoff >= 0) || !Number.isFinite(cutoff)) throw new UserError(`neighbor cutoff must be finite and ≥ 0, got ${cutoff}`);
  if (s.positions.length !== 3 * n) {
    throw new UserError(`structure has ${n} species but ${s.positions.length / 3} positions`);
  }
  if (n === 0 || cutoff === 0) return emptyList(n, cutoff, half);
  const x = s.positions;
  for (let k = 0; k < 3 * n; k++) {
    if (!Number.isFinite(x[k])) throw new UserError(`atom ${Math.floor(k / 3)} has a non-finite coordinate`);
  }
  const pbc = s.pbc;
  // shifts use the working cell: its periodic rows are the structure's own, and free rows are always multiplied
  // by a zero image (so a zero or non-finite free row of the input cannot leak into a shift)
  const cell = workingCell(s.cell, pbc);
  const W = cell;
  const inv = inv3(W);
  const widths = cellWidths(W);

  // ---- fractional coordinates, wrap offsets along periodic axes, extents along free axes ----
  const frac = new Float64Array(3 * n);
  const nOff = new Int32Array(3 * n);
  const fmin = [Infinity, Infinity, Infinity];
  const fmax = [-Infinity, -Infinity, -Infinity];
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    const px = x[3 * i], py = x[3 * i + 1], pz = x[3 * i + 2];
    maxAbs = Math.max(maxAbs, Math.abs(px), Math.abs(py), Math.abs(pz));
    for (let k = 0; k < 3; k++) {
      let f = px * inv[k] + py * inv[3 + k] + pz * inv[6 + k];
      if (pbc[k]) {
        let m = Math.floor(f);
        if (Math.abs(m) > MAX_WRAP) throw new UserError(`atom ${i} lies ${m} cells away along cell vector ${k + 1}: wrap the structure first`);
        f -= m;
        // f − floor(f) rounds to 1 for tiny negative f: that point lies on the face f = 0 of the next image
        if (!(f < 1)) {
          f = 0;
          m += 1;
        }
        nOff[3 * i + k] = m;
      }
      frac[3 * i + k] = f;
      if (f < fmin[k]) fmin[k] = f;
      if (f > fmax[k]) fmax[k] = f;
    }
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
  const [nbA, nbB, nbC] = nbArr;
  const scale = [0, 1, 2].map((k) => (span[k] > 0 ? nbArr[k] / span[k] : 0));
  // stencil reach (bins each way); the tiny enlargement absorbs rounding in f near bin faces
  const binWidths = [0, 1, 2].map((k) => (span[k] * widths[k]) / nbArr[k]);
  const reach = [0, 1, 2].map((k) => {
    const binWidth = binWidths[k];
    const r = binWidth > 0 ? Math.ceil((cutoff * (1 + 1e-9)) / binWidth) : 0;
    return pbc[k] ? r : Math.min(r, nbArr[k] - 1);
  });
  const [rA, rB, rC] = reach;

  // ---- counting sort of atoms by bin ----
  const nBins = nbA * nbB * nbC;
  const binOf = new Int32Array(n);
  const binStart = new Int32Array(nBins + 1);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let k = 2; k >= 0; k--) {
      let c = Math.floor((frac[3 * i + k] - origin[k]) * scale[k]);
      if (c < 0) c = 0;
      else if (c >= nbArr[k]) c = nbArr[k] - 1;
      b = b * nbArr[k] + c;
    }
    // b = (cC·nbB + cB)·nbA + cA
    binOf[i] = b;
    binStart[b + 1]++;
  }
  for (let b = 0; b < nBins; b++) binStart[b + 1] += binStart[b];
  const fill = binStart.slice(0, nBins);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[binOf[i]]++] = i;
  // sorted copies, interleaved xyz so a bin's atoms are contiguous in memory: wrapped positions (screening),
  // positions as given (exact test) and wrap offsets
  const WS = new Float64Array(3 * n), US = new Float64Array(3 * n), BS = new Float64Array(3 * n);
  const NS = new Int32Array(3 * n);
  for (let p = 0; p < n; p++) {
    const i = order[p];
    const a = nOff[3 * i], b = nOff[3 * i + 1], c = nOff[3 * i + 2];
    for (let k = 0; k < 3; k++) {
      US[3 * p + k] = x[3 * i + k];
      BS[3 * p + k] = (frac[3 * i + k] - origin[k]) * scale[k];
      WS[3 * p + k] = x[3 * i + k] - (a * cell[k] + b * cell[3 + k] + c * cell[6 + k]);
      NS[3 * p + k] = nOff[3 * i + k];
    }
  }

  // ---- per-axis stencil tables: wrapped bin (−1 = outside a free axis) and image, for every (bin, offset) ----
  const tables = [0, 1, 2].map((k) => stencilTable(nbArr[k], reach[k], pbc[k]));

  // ---- scan: rows for i = 0..n−1 straight into CSR ----
  const tol = SCREEN_REL_TOL * (cutoff + maxAbs);
  let estimate = 16 * n;
  if (pbc[0] && pbc[1] && pbc[2]) {
    const perAtom = ((n / Math.abs(det3(W))) * 4 * Math.PI * cutoff ** 3) / 3;
    estimate = Math.ceil(n * perAtom * (half ? 0.55 : 1.1)) + 64;
  }
  const grid: Grid = {
    n, nbA, nbB, half, c2: cutoff * cutoff, screen2: (cutoff + tol) * (cutoff + tol),
    inner2: Math.max(0, cutoff - tol) ** 2, cell,
    binStart, order, WS, US, NS, BS, orthogonal: isOrthogonal(W),
    binWidthA: binWidths[0], binWidthB: binWidths[1], binWidthC: binWidths[2], rA, rB, rC,
    tAbin: tables[0].bin, tAimg: tables[0].img, tBbin: tables[1].bin, tBimg: tables[1].img,
    tCbin: tables[2].bin, tCimg: tables[2].img, lenA: 2 * rA + 1, lenB: 2 * rB + 1, lenC: 2 * rC + 1,
  };
  const rows = scanRows(grid, binOf, Math.max(64, Math.min(estimate, 1 << 26)));
  const total = rows.start[n];
  // a buffer within 10% of the final size is returned as a view: copying tens of MB costs more than the slack
  const exact = total >= 0.9 * rows.j.length;
  return {
    nAtoms: n,
    cutoff,
    half,
    start: rows.start,
    j: exact ? rows.j.subarray(0, total) : rows.j.slice(0, total),
    shift: exact ? rows.shift.subarray(0, 3 * total) : rows.shift.slice(0, 3 * total),
  };
}

function isOrthogonal(w: ArrayLike<number>): boolean {
  const dot = (p: number, q: number): number => w[3 * p] * w[3 * q] + w[3 * p + 1] * w[3 * q + 1] + w[3 * p + 2] * w[3 * q + 2];
  const len = [0, 1, 2].map((k) => Math.sqrt(dot(k, k)));
  return Math.abs(dot(0, 1)) <= 1e-12 * len[0] * len[1] && Math.abs(dot(0, 2)) <= 1e-12 * len[0] * len[2] && Math.abs(dot(1, 2)) <= 1e-12 * len[1] * len[2];
}

/**
 * Squared perpendicular distance from a point at continuous bin coordinate u (bin c = floor(u)) to the slab of
 * bin c + d, for d = −r..r, written into out[0..2r]. Zero for d = 0.
 */
function slabGaps(u: number, c: number, r: number, width: number, out: Float64Array): void {
  for (let d = -r; d <= r; d++) {
    let g = 0;
    if (d > 0) g = (c + d - u) * width;
    else if (d < 0) g = (u - (c + d + 1)) * width;
    out[d + r] = g > 0 ? g * g : 0;
  }
}

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

/** Everything the scan needs; arrays indexed by sorted slot p (atom order[p]). */
interface Grid {
  n: number;
  nbA: number;
  nbB: number;
  half: boolean;
  c2: number;
  screen2: number;
  /** Below this squared screening distance a candidate is inside the cutoff whatever the rounding. */
  inner2: number;
  cell: Float64Array;
  binStart: Int32Array;
  order: Int32Array;
  WS: Float64Array;
  US: Float64Array;
  NS: Int32Array;
  /** Continuous bin coordinates (f − origin)·scale of each slot: bin index = floor. */
  BS: Float64Array;
  /** True when the working cell's rows are mutually orthogonal (face gaps then add in quadrature). */
  orthogonal: boolean;
  binWidthA: number;
  binWidthB: number;
  binWidthC: number;
  rA: number;
  rB: number;
  rC: number;
  tAbin: Int32Array;
  tAimg: Int32Array;
  tBbin: Int32Array;
  tBimg: Int32Array;
  tCbin: Int32Array;
  tCimg: Int32Array;
  lenA: number;
  lenB: number;
  lenC: number;
}

/** The hot loop: all neighbors of each atom i = 0..n−1, in CSR order (start, j, shift; buffers may be longer). */
function scanRows(g: Grid, binOf: Int32Array, initialCapacity: number): { start: Int32Array; j: Int32Array; shift: Float64Array } {
  const { n, nbA, nbB, half, c2, screen2, inner2, cell, binStart, order, WS, US, NS } = g;
  const { tAbin, tAimg, tBbin, tBimg, tCbin, tCimg, lenA, lenB, lenC } = g;
  const { BS, orthogonal, binWidthA, binWidthB, binWidthC, rA, rB, rC } = g;
  const gapA = new Float64Array(lenA), gapB = new Float64Array(lenB), gapC = new Float64Array(lenC);
  const a0 = cell[0], a1 = cell[1], a2 = cell[2];
  const b0 = cell[3], b1 = cell[4], b2 = cell[5];
  const g0 = cell[6], g1 = cell[7], g2 = cell[8];
  let cap = initialCapacity;
  let outJ = new Int32Array(cap);
  let outS = new Float64Array(3 * cap);
  let len = 0;
  const start = new Int32Array(n + 1);
  const slotOf = new Int32Array(n);
  for (let p = 0; p < n; p++) slotOf[order[p]] = p;
  for (let i = 0; i < n; i++) {
    start[i] = len;
    const q = slotOf[i];
    const bin = binOf[i];
    // integer bin coordinates (| 0 keeps them small integers for V8, not doubles, in the index arithmetic below)
    const cA = bin % nbA | 0;
    const cB = ((bin - cA) / nbA) % nbB | 0;
    const cC = ((bin - cA - cB * nbA) / (nbA * nbB)) | 0;
    const baseA = cA * lenA, baseB = cB * lenB, baseC = cC * lenC;
    const xi = WS[3 * q], yi = WS[3 * q + 1], zi = WS[3 * q + 2];
    const ui = US[3 * q], vi = US[3 * q + 1], wi = US[3 * q + 2];
    const nAi = NS[3 * q], nBi = NS[3 * q + 1], nCi = NS[3 * q + 2];
    // prune stencil bins by i's distance to their face planes: each gap alone bounds the distance; in an
    // orthogonal cell the gaps add in quadrature
    slabGaps(BS[3 * q], cA, rA, binWidthA, gapA);
    slabGaps(BS[3 * q + 1], cB, rB, binWidthB, gapB);
    slabGaps(BS[3 * q + 2], cC, rC, binWidthC, gapC);
    for (let dc = 0; dc < lenC; dc++) {
      const wc = tCbin[baseC + dc];
      const gc = gapC[dc];
      if (wc < 0 || gc >= screen2) continue;
      const mc = tCimg[baseC + dc];
      for (let db = 0; db < lenB; db++) {
        const wb = tBbin[baseB + db];
        const gb = orthogonal ? gc + gapB[db] : gapB[db];
        if (wb < 0 || gb >= screen2) continue;
        const mb = tBimg[baseB + db];
        const rowBase = (wc * nbB + wb) * nbA;
        for (let da = 0; da < lenA; da++) {
          const wa = tAbin[baseA + da];
          if (wa < 0 || (orthogonal ? gb + gapA[da] : gapA[da]) >= screen2) continue;
          const nb = rowBase + wa;
          const p0 = binStart[nb], p1 = binStart[nb + 1];
          if (p0 === p1) continue;
          const ma = tAimg[baseA + da];
          // image translation of the wrapped neighbor, relative to i
          const ox = ma * a0 + mb * b0 + mc * g0 - xi;
          const oy = ma * a1 + mb * b1 + mc * g1 - yi;
          const oz = ma * a2 + mb * b2 + mc * g2 - zi;
          // the counting sort keeps each bin's atoms in increasing index order: walking a bin downwards, a half
          // list can stop at the first j < i (a predictable exit instead of a coin-flip branch per candidate)
          for (let p = p1 - 1; p >= p0; p--) {
            const j = order[p];
            if (half && j < i) break;
            const dx = WS[3 * p] + ox, dy = WS[3 * p + 1] + oy, dz = WS[3 * p + 2] + oz;
            const d2 = dx * dx + dy * dy + dz * dz;
            if (d2 >= screen2) continue;
            // exact test with the integer image of the positions as given
            const sa = ma + nAi - NS[3 * p], sb = mb + nBi - NS[3 * p + 1], sc = mc + nCi - NS[3 * p + 2];
            if (j === i) {
              if (sa === 0 && sb === 0 && sc === 0) continue;
              if (half && !(sa > 0 || (sa === 0 && (sb > 0 || (sb === 0 && sc > 0))))) continue;
            }
            const sx = sa * a0 + sb * b0 + sc * g0;
            const sy = sa * a1 + sb * b1 + sc * g1;
            const sz = sa * a2 + sb * b2 + sc * g2;
            // the two separations differ by rounding only (≪ the tolerance): re-test only near the cutoff
            if (d2 > inner2) {
              const ex = US[3 * p] + sx - ui, ey = US[3 * p + 1] + sy - vi, ez = US[3 * p + 2] + sz - wi;
              if (ex * ex + ey * ey + ez * ez >= c2) continue;
            }
            if (len === cap) {
              cap *= 2;
              const nj = new Int32Array(cap);
              nj.set(outJ);
              outJ = nj;
              const ns = new Float64Array(3 * cap);
              ns.set(outS);
              outS = ns;
            }
            outJ[len] = j;
            outS[3 * len] = sx;
            outS[3 * len + 1] = sy;
            outS[3 * len + 2] = sz;
            len++;
          }
        }
      }
    }
  }
  start[n] = len;
  return { start, j: outJ, shift: outS };
}
