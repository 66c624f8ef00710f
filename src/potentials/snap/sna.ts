/**
 * The SNAP bispectrum engine for one central atom at a time, with the conventions of LAMMPS's SNA class
 * (src/ML-SNAP/sna.cpp; chemflag off, i.e. one density channel with per-neighbor weights w_j).
 *
 * Units: lengths Å; U, Z, B dimensionless (scaled by the weights w_j); derivatives per Å.
 *
 * Density of atom i: U_j(ma,mb) = w_self δ(ma,mb) + Σ_neighbors f_c(r) w_j u_j(ma,mb; r_ij), where u are the
 * Wigner U-functions of the 3-sphere point (θ0, r̂): θ0 = rfac0 π (r − rmin0)/(rcut − rmin0), built by the
 * Cayley–Klein recursion in j; f_c = ½(cos(π(r − rmin0)/(rcut − rmin0)) + 1) (1 without switchflag).
 * Z(j1,j2,j) = Σ CG CG U_j1 U_j2 (divided by j+1 with bnormflag), B(j1,j2,j) = 2 Σ_half Re(conj(U_j)·Z), minus the
 * isolated-atom value with bzeroflag. Only the upper half of each U_j (2mb ≤ j) is summed, the middle row of even
 * j counted as in LAMMPS (ma < mb full, ma = mb half), which equals the full sum by the U symmetry
 * U_j(j−ma, j−mb) = (−1)^(ma+mb) conj(U_j(ma, mb)).
 *
 * Speed: Z is summed over flat per-entry term lists (coefficient products cg_a·cg_b precomputed, terms on the same
 * pair of U entries merged, two partial sums) rather than LAMMPS's short nested loops, whose exits mispredict
 * (~1.5x faster). The recursion of u and du is written in gather form (each entry computed once, no
 * read-modify-write), only the rows the next layer reads are mirrored, the per-neighbor u is summed over the upper
 * rows only and the total mirrored once. The half-row weights, the factor 2 and the dB term factors are folded once
 * per atom into weighted copies of Y (adjoint) and of Z (dB/dr: one segment per distinct u block of each B, terms
 * sharing a block summed), so each neighbor costs one short dot product per segment; the segments on one u block
 * are taken two at a time (one pass over dU feeds both, ~15-20% less time for dB/dr than one at a time; four at a
 * time gained nothing more).
 *
 * Layouts (all flat, reused across atoms, never allocated per neighbor):
 * - U blocks: index jju = idxuBlock[j] + (j+1)·mb + ma, separate real/imaginary arrays; per neighbor n the
 *   unswitched u at uR/uI[n·idxuMax + jju] (rows 2mb ≤ j+1 valid); the total at utotR/utotI[jju] (all rows).
 * - dU (one neighbor at a time): du[6·jju + c], c = 0..2 real part d/dx, d/dy, d/dz of r_ij, c = 3..5 imaginary.
 *   After computeDuidrj the weighted half entries hold d(f_c w u)/dr_ij.
 * - Z: zR/zI[jjz] over LAMMPS's idxz list (j1 ≥ j2, rows 2mb ≤ j); its terms: see zTermStart. Y (adjoint):
 *   yR/yI[jju] on the half rows.
 * - B: `b[k]`, k over LAMMPS's idxb list (j1 ≥ j2, j ≥ j1, j1 outermost). Per-neighbor results come for a pair
 *   of neighbors m, m+1 (m even), lane 0 and 1: dB/dr_ij at [2(3k + c) + lane] (k < nB; one scratch entry k = nB
 *   after them), dE_i/dr_ij at [2c + lane]; lane 1 is meaningless when m + 1 = n.
 * Neighbors are pushed with `clear()`/`add()`; `computeUi()` must precede Z, B, Y and the per-neighbor calls.
 *
 * WASM: with the kernels of wasm.ts (option `wasm`, default: when built), U, dU/dr, dB/dr and dE/dr run there, two
 * neighbors per call (one per SIMD lane), equal to the TS kernels below bit for bit; the per-neighbor u then lives
 * in WASM memory only (uR/uI unused). Z, B, Y and the per-atom weighting stay in TS (the per-atom arrays zp and yw
 * are copied over, the total U copied back: small next to the per-neighbor work). Measured per neighbor: dU 3.8-4x
 * and dB/dr 5.7x faster than the TS kernels; design rows 31-35% less time on LAMMPS's Ta06A and Zuo Si cells.
 */
import { SnaWasm, snapWasmModule } from './wasm.ts';

export interface SnaOptions {
  twojmax: number;
  rfac0: number;
  rmin0: number;
  switchflag: boolean;
  bzeroflag: boolean;
  bnormflag: boolean;
  /** Use the WASM kernels: true requires them, false never, undefined when built and not disabled (wasm.ts). */
  wasm?: boolean;
}

/** LAMMPS's self weight (sna.cpp wself). */
const WSELF = 1.0;

function factorial(n: number): number {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return f;
}

/** Number of leading entries of the upper rows of block j with a nonzero half-sum weight (the rest weigh 0). */
function weightedLength(j: number): number {
  return Math.floor((j + 1) / 2) * (j + 1) + (j % 2 === 0 ? j / 2 + 1 : 0);
}

export class Sna {
  readonly twojmax: number;
  readonly nB: number;
  readonly idxuMax: number;
  readonly idxzMax: number;
  private readonly rfac0: number;
  private readonly rmin0: number;
  private readonly switchflag: boolean;
  private readonly bzeroflag: boolean;
  private readonly bnormflag: boolean;

  private readonly idxuBlock: Int32Array;
  private readonly rootpq: Float64Array; // (twojmax+2)² table of sqrt(p/q)
  private readonly rootpqDim: number;
  private readonly cg: Float64Array;
  /**
   * Z as flat term lists (one loop per jjz instead of LAMMPS's short nested ones, whose exits mispredict): the terms
   * of jjz are t in [zTermStart[jjz], zTermStart[jjz+1]), Z += zTermC[t]·U[a]·U[b] with a = zTermAB[t] & 0xffff,
   * b = zTermAB[t] >>> 16 (idxuMax < 2^16 for twojmax ≤ 20); zTermC = cg_a·cg_b (·1/(j+1) with bnormflag), and
   * terms on the same unordered pair {a, b} (j1 = j2) merged into one.
   */
  private readonly zTermStart: Int32Array;
  private readonly zTermC: Float64Array;
  private readonly zTermAB: Int32Array;
  /** Per jjz the Y scatter: target jju, β index, β factor. */
  private readonly zJju: Int32Array;
  private readonly zBeta: Int32Array;
  private readonly zBetaFac: Float64Array;
  /**
   * The jjz each use reads: zAll every entry with a nonzero half-row weight (the right half of the middle row of
   * even j weighs 0 in B, Y and dB alike), zForB only those of the blocks B itself reads (j ≥ j1).
   */
  private readonly zAll: Int32Array;
  private readonly zForB: Int32Array;
  /** Per jjb: jjz start and jju start of its own term Z(j1,j2,j)·U_j, and the block's j. */
  private readonly bOwn: Int32Array; // 3 per jjb
  private readonly bzero: Float64Array; // per jjb
  /**
   * dB/dr segments, ordered by jjb: per segment [jjb, jju start, weighted length]; the segment's weighted Z (in zp,
   * see segZp) is the sum over the B terms on that u block (source list below).
   */
  private readonly seg: Int32Array;
  private readonly nSeg: number;
  /** Per segment: first source and source count into srcZ/srcFac. */
  private readonly segSrc: Int32Array;
  private readonly srcZ: Int32Array;
  private readonly srcFac: Float64Array;
  /**
   * Segments paired by u block (two B's per pass over the block's dU, which halves the dU loads): per pair
   * [3·k1, 3·k2, jju start, weighted length, zp offset]; an unpaired segment's partner is the scratch slot k2 = nB
   * with zero Z. Per t the pair's weighted Z sit at zp[zp offset + 4t ..]: re₁, im₁, re₂, im₂.
   */
  private readonly pair: Int32Array;
  private readonly nPair: number;
  /** Per segment: where its weighted Z go in zp (pair offset + 2·slot; entry t at + 4t). */
  private readonly segZp: Int32Array;
  private readonly zp: Float64Array;
  /** Half-row weights over all jju (1, ½ on the middle diagonal of even j, 0 elsewhere). */
  private readonly halfW: Float64Array;

  // neighbor data
  private cap = 0;
  n = 0;
  rij: Float64Array = new Float64Array(0);
  rcut: Float64Array = new Float64Array(0);
  wj: Float64Array = new Float64Array(0);
  uR: Float64Array = new Float64Array(0);
  uI: Float64Array = new Float64Array(0);

  readonly utotR: Float64Array;
  readonly utotI: Float64Array;
  readonly zR: Float64Array;
  readonly zI: Float64Array;
  readonly yR: Float64Array;
  readonly yI: Float64Array;
  /** 2·halfW·Y, what dE/dr_ij dots dU with. */
  private readonly ywR: Float64Array;
  private readonly ywI: Float64Array;
  private readonly du: Float64Array;
  readonly b: Float64Array;
  private readonly dbdr: Float64Array;
  private readonly deidrj = new Float64Array(6);
  /** The WASM kernels, or null for the TS ones. */
  private readonly wasm: SnaWasm | null;

  constructor(o: SnaOptions) {
    const J = o.twojmax;
    this.twojmax = J;
    this.rfac0 = o.rfac0;
    this.rmin0 = o.rmin0;
    this.switchflag = o.switchflag;
    this.bzeroflag = o.bzeroflag;
    this.bnormflag = o.bnormflag;
    const jd = J + 1;
    const blk = (a: number, b: number, c: number): number => (a * jd + b) * jd + c;

    // U blocks
    this.idxuBlock = new Int32Array(jd);
    let nu = 0;
    for (let j = 0; j <= J; j++) {
      this.idxuBlock[j] = nu;
      nu += (j + 1) * (j + 1);
    }
    this.idxuMax = nu;

    // CG blocks, Clebsch–Gordan coefficients by the quasi-binomial formula (VMK 8.2.1(3))
    const idxcgBlock = new Int32Array(jd * jd * jd);
    let ncg = 0;
    for (let j1 = 0; j1 <= J; j1++)
      for (let j2 = 0; j2 <= j1; j2++)
        for (let j = j1 - j2; j <= Math.min(J, j1 + j2); j += 2) {
          idxcgBlock[blk(j1, j2, j)] = ncg;
          ncg += (j1 + 1) * (j2 + 1);
        }
    this.cg = new Float64Array(ncg);
    this.initCg(idxcgBlock);

    this.rootpqDim = J + 2;
    this.rootpq = new Float64Array(this.rootpqDim * this.rootpqDim);
    for (let p = 1; p <= J; p++)
      for (let q = 1; q <= J; q++) this.rootpq[p * this.rootpqDim + q] = Math.sqrt(p / q);

    // B list and its reverse index
    const idxbBlock = new Int32Array(jd * jd * jd).fill(-1);
    const bj: number[][] = [];
    for (let j1 = 0; j1 <= J; j1++)
      for (let j2 = 0; j2 <= j1; j2++)
        for (let j = j1 - j2; j <= Math.min(J, j1 + j2); j += 2)
          if (j >= j1) {
            idxbBlock[blk(j1, j2, j)] = bj.length;
            bj.push([j1, j2, j]);
          }
    this.nB = bj.length;

    // Z list
    const idxzBlock = new Int32Array(jd * jd * jd);
    const zAll: number[] = [];
    const zForB: number[] = [];
    let nz = 0;
    for (let j1 = 0; j1 <= J; j1++)
      for (let j2 = 0; j2 <= j1; j2++)
        for (let j = j1 - j2; j <= Math.min(J, j1 + j2); j += 2) {
          idxzBlock[blk(j1, j2, j)] = nz;
          const wl = weightedLength(j);
          for (let t = 0; t < wl; t++) {
            zAll.push(nz + t);
            if (j >= j1) zForB.push(nz + t);
          }
          nz += (Math.floor(j / 2) + 1) * (j + 1);
        }
    this.idxzMax = nz;
    this.zAll = Int32Array.from(zAll);
    this.zForB = Int32Array.from(zForB);
    this.zTermStart = new Int32Array(nz + 1);
    const termC: number[] = [];
    const termAB: number[] = [];
    this.zJju = new Int32Array(nz);
    this.zBeta = new Int32Array(nz);
    this.zBetaFac = new Float64Array(nz);
    let jjz = 0;
    for (let j1 = 0; j1 <= J; j1++)
      for (let j2 = 0; j2 <= j1; j2++)
        for (let j = j1 - j2; j <= Math.min(J, j1 + j2); j += 2) {
          // The β this Z multiplies in dE/dU, with the multiplicity of equivalent (j1,j2,j) orderings and the
          // (j1+1)/(j+1) factor relating Z(j1,j2,j) to Z(j,j2,j1) (sna.cpp compute_yi).
          let jjb: number;
          let fac: number;
          if (j >= j1) {
            jjb = idxbBlock[blk(j1, j2, j)]!;
            fac = j1 === j ? (j2 === j ? 3 : 2) : 1;
          } else if (j >= j2) {
            jjb = idxbBlock[blk(j, j2, j1)]!;
            fac = j2 === j ? 2 : 1;
          } else {
            jjb = idxbBlock[blk(j2, j, j1)]!;
            fac = 1;
          }
          if (!o.bnormflag && j1 > j) fac *= (j1 + 1) / (j + 1);
          const cgOff = idxcgBlock[blk(j1, j2, j)]!;
          for (let mb = 0; 2 * mb <= j; mb++)
            for (let ma = 0; ma <= j; ma++) {
              const ma1min = Math.max(0, (2 * ma - j - j2 + j1) / 2);
              const ma2max = (2 * ma - j - (2 * ma1min - j1) + j2) / 2;
              const na = Math.min(j1, (2 * ma - j + j2 + j1) / 2) - ma1min + 1;
              const mb1min = Math.max(0, (2 * mb - j - j2 + j1) / 2);
              const mb2max = (2 * mb - j - (2 * mb1min - j1) + j2) / 2;
              const nb = Math.min(j1, (2 * mb - j + j2 + j1) / 2) - mb1min + 1;
              // walk LAMMPS's nested loops once (sna.cpp compute_zi) and keep the terms
              const scale = o.bnormflag ? 1 / (j + 1) : 1;
              const terms = new Map<number, number>();
              let ja = this.idxuBlock[j1]! + (j1 + 1) * mb1min + ma1min;
              let jb = this.idxuBlock[j2]! + (j2 + 1) * mb2max + ma2max;
              let icgb = cgOff + mb1min * (j2 + 1) + mb2max;
              for (let ib = 0; ib < nb; ib++) {
                let icga = cgOff + ma1min * (j2 + 1) + ma2max;
                for (let ia = 0; ia < na; ia++) {
                  const key = Math.min(ja + ia, jb - ia) + 65536 * Math.max(ja + ia, jb - ia);
                  terms.set(key, (terms.get(key) ?? 0) + this.cg[icga]! * this.cg[icgb]! * scale);
                  icga += j2;
                }
                ja += j1 + 1;
                jb -= j2 + 1;
                icgb += j2;
              }
              for (const key of [...terms.keys()].sort((x, y) => x - y)) {
                termC.push(terms.get(key)!);
                termAB.push(key);
              }
              this.zTermStart[jjz + 1] = termC.length;
              this.zJju[jjz] = this.idxuBlock[j]! + (j + 1) * mb + ma;
              this.zBeta[jjz] = jjb;
              this.zBetaFac[jjz] = fac;
              jjz++;
            }
        }

    this.zTermC = Float64Array.from(termC);
    this.zTermAB = Int32Array.from(termAB);

    // dB terms (sna.cpp compute_dbidrj): dB(j1,j2,j) = 2[Σ dU_j·Z(j1,j2,j) + (j+1)/(j1+1) Σ dU_j1·Z(j,j2,j1)
    // + (j+1)/(j2+1) Σ dU_j2·Z(j,j1,j2)], the factors dropped with bnormflag. Terms on the same u block (j1 = j,
    // j2 = j or j1 = j2) share one segment.
    this.bOwn = new Int32Array(3 * this.nB);
    this.bzero = new Float64Array(this.nB);
    const seg: number[] = [];
    const segSrc: number[] = [];
    const srcZ: number[] = [];
    const srcFac: number[] = [];
    for (let k = 0; k < this.nB; k++) {
      const [j1, j2, j] = bj[k]! as [number, number, number];
      const terms: [number, number, number][] = [
        [idxzBlock[blk(j1, j2, j)]!, j, 1],
        [idxzBlock[blk(j, j2, j1)]!, j1, o.bnormflag ? 1 : (j + 1) / (j1 + 1)],
        [idxzBlock[blk(j, j1, j2)]!, j2, o.bnormflag ? 1 : (j + 1) / (j2 + 1)],
      ];
      this.bOwn[3 * k] = terms[0][0];
      this.bOwn[3 * k + 1] = this.idxuBlock[j]!;
      this.bOwn[3 * k + 2] = j;
      const blocks = [...new Set(terms.map((t) => t[1]))];
      for (const jb of blocks) {
        const len = weightedLength(jb);
        seg.push(k, this.idxuBlock[jb]!, len);
        segSrc.push(srcZ.length, 0);
        for (const [z0, ju, f] of terms)
          if (ju === jb) {
            srcZ.push(z0);
            srcFac.push(f);
            segSrc[segSrc.length - 1]!++;
          }
      }
      // B of an isolated atom (U = w_self·identity): w_self³ (j+1), or w_self³ with bnormflag
      if (o.bzeroflag) this.bzero[k] = o.bnormflag ? WSELF ** 3 : WSELF ** 3 * (j + 1);
    }
    this.seg = Int32Array.from(seg);
    this.nSeg = seg.length / 3;
    this.segSrc = Int32Array.from(segSrc);
    this.srcZ = Int32Array.from(srcZ);
    this.srcFac = Float64Array.from(srcFac);
    const byBlock = new Map<number, number[]>();
    for (let q = 0; q < this.nSeg; q++) {
      const jju0 = this.seg[3 * q + 1]!;
      const list = byBlock.get(jju0) ?? byBlock.set(jju0, []).get(jju0)!;
      list.push(q);
    }
    const pair: number[] = [];
    this.segZp = new Int32Array(this.nSeg);
    let zpLen = 0;
    for (const list of byBlock.values())
      for (let a = 0; a < list.length; a += 2) {
        const s1 = list[a]!;
        const s2 = a + 1 < list.length ? list[a + 1]! : -1;
        const len = this.seg[3 * s1 + 2]!;
        pair.push(3 * this.seg[3 * s1]!, s2 < 0 ? 3 * this.nB : 3 * this.seg[3 * s2]!, this.seg[3 * s1 + 1]!, len, zpLen);
        this.segZp[s1] = zpLen;
        if (s2 >= 0) this.segZp[s2] = zpLen + 2;
        zpLen += 4 * len;
      }
    this.pair = Int32Array.from(pair);
    this.nPair = pair.length / 5;
    this.zp = new Float64Array(zpLen);

    this.halfW = new Float64Array(nu);
    for (let j = 0; j <= J; j++)
      for (let mb = 0; 2 * mb <= j; mb++)
        for (let ma = 0; ma <= j; ma++) {
          const w = 2 * mb < j ? 1 : ma < mb ? 1 : ma === mb ? 0.5 : 0;
          this.halfW[this.idxuBlock[j]! + (j + 1) * mb + ma] = w;
        }

    this.utotR = new Float64Array(nu);
    this.utotI = new Float64Array(nu);
    this.yR = new Float64Array(nu);
    this.yI = new Float64Array(nu);
    this.ywR = new Float64Array(nu);
    this.ywI = new Float64Array(nu);
    this.du = new Float64Array(6 * nu);
    this.zR = new Float64Array(nz);
    this.zI = new Float64Array(nz);
    this.b = new Float64Array(this.nB);
    // one scratch B at the end: the partner of unpaired segments; two lanes
    this.dbdr = new Float64Array(6 * (this.nB + 1));

    const module = o.wasm === false ? null : snapWasmModule();
    if (o.wasm === true && module === null)
      throw new Error('snap: the WASM kernels were required but are not available (npm run build:wasm; PESFIT_SNAP_WASM unset)');
    this.wasm =
      module === null
        ? null
        : new SnaWasm(module, {
            twojmax: J, idxuMax: nu, nB: this.nB, idxuBlock: this.idxuBlock, rootpq: this.rootpq,
            rootpqDim: this.rootpqDim, pair: this.pair, zpLength: zpLen,
          });
  }

  /** Whether the WASM kernels are in use. */
  get usesWasm(): boolean {
    return this.wasm !== null;
  }

  private initCg(idxcgBlock: Int32Array): void {
    const J = this.twojmax;
    const jd = J + 1;
    for (let j1 = 0; j1 <= J; j1++)
      for (let j2 = 0; j2 <= j1; j2++)
        for (let j = j1 - j2; j <= Math.min(J, j1 + j2); j += 2) {
          let idx = idxcgBlock[(j1 * jd + j2) * jd + j]!;
          const dcg = Math.sqrt(
            (factorial((j1 + j2 - j) / 2) * factorial((j1 - j2 + j) / 2) * factorial((-j1 + j2 + j) / 2)) /
              factorial((j1 + j2 + j) / 2 + 1),
          );
          for (let m1 = 0; m1 <= j1; m1++) {
            const aa2 = 2 * m1 - j1;
            for (let m2 = 0; m2 <= j2; m2++, idx++) {
              const bb2 = 2 * m2 - j2;
              const m = (aa2 + bb2 + j) / 2;
              if (m < 0 || m > j) {
                this.cg[idx] = 0;
                continue;
              }
              let sum = 0;
              const zmin = Math.max(0, -(j - j2 + aa2) / 2, -(j - j1 - bb2) / 2);
              const zmax = Math.min((j1 + j2 - j) / 2, (j1 - aa2) / 2, (j2 + bb2) / 2);
              for (let z = zmin; z <= zmax; z++) {
                sum +=
                  (z % 2 ? -1 : 1) /
                  (factorial(z) *
                    factorial((j1 + j2 - j) / 2 - z) *
                    factorial((j1 - aa2) / 2 - z) *
                    factorial((j2 + bb2) / 2 - z) *
                    factorial((j - j2 + aa2) / 2 + z) *
                    factorial((j - j1 - bb2) / 2 + z));
              }
              const cc2 = 2 * m - j;
              const sfac = Math.sqrt(
                factorial((j1 + aa2) / 2) *
                  factorial((j1 - aa2) / 2) *
                  factorial((j2 + bb2) / 2) *
                  factorial((j2 - bb2) / 2) *
                  factorial((j + cc2) / 2) *
                  factorial((j - cc2) / 2) *
                  (j + 1),
              );
              this.cg[idx] = sum * dcg * sfac;
            }
          }
        }
  }

  /** Starts a new central atom. */
  clear(): void {
    this.n = 0;
  }

  /** Adds a neighbor at separation (dx,dy,dz) = x_j − x_i with pair cutoff rcut and weight w. */
  add(dx: number, dy: number, dz: number, rcut: number, w: number): void {
    if (this.n === this.cap) this.grow(Math.max(16, 2 * this.cap));
    const n = this.n++;
    this.rij[3 * n] = dx;
    this.rij[3 * n + 1] = dy;
    this.rij[3 * n + 2] = dz;
    this.rcut[n] = rcut;
    this.wj[n] = w;
  }

  private grow(cap: number): void {
    const cp = (a: Float64Array, len: number): Float64Array => {
      const b = new Float64Array(len);
      b.set(a);
      return b;
    };
    this.rij = cp(this.rij, 3 * cap);
    this.rcut = cp(this.rcut, cap);
    this.wj = cp(this.wj, cap);
    this.uR = cp(this.uR, cap * this.idxuMax);
    this.uI = cp(this.uI, cap * this.idxuMax);
    this.cap = cap;
  }

  private sfac(r: number, rcut: number): number {
    if (!this.switchflag || r <= this.rmin0) return 1;
    if (r > rcut) return 0;
    return 0.5 * (Math.cos(((r - this.rmin0) * Math.PI) / (rcut - this.rmin0)) + 1);
  }

  private dsfac(r: number, rcut: number): number {
    if (!this.switchflag || r <= this.rmin0 || r > rcut) return 0;
    const c = Math.PI / (rcut - this.rmin0);
    return -0.5 * Math.sin((r - this.rmin0) * c) * c;
  }

  /** U of every neighbor (stored) and the weighted total with the self term (all rows, by the U symmetry). */
  computeUi(): void {
    if (this.wasm) {
      this.computeUiWasm(this.wasm);
      return;
    }
    const nu = this.idxuMax;
    const J = this.twojmax;
    const tr = this.utotR;
    const ti = this.utotI;
    const blocks = this.idxuBlock;
    tr.fill(0);
    ti.fill(0);
    for (let j = 0; j <= J; j++) {
      const base = blocks[j]!;
      for (let ma = 0; ma <= j; ma++) tr[base + (j + 1) * ma + ma] = WSELF;
    }
    for (let n = 0; n < this.n; n++) {
      const x = this.rij[3 * n]!;
      const y = this.rij[3 * n + 1]!;
      const z = this.rij[3 * n + 2]!;
      const r = Math.sqrt(x * x + y * y + z * z);
      const rcut = this.rcut[n]!;
      const theta0 = ((r - this.rmin0) * this.rfac0 * Math.PI) / (rcut - this.rmin0);
      const z0 = r / Math.tan(theta0);
      const off = n * nu;
      this.uarray(x, y, z, z0, r, off);
      const s = this.sfac(r, rcut) * this.wj[n]!;
      const ur = this.uR;
      const ui = this.uI;
      // upper rows only (2mb ≤ j); the lower ones follow from the symmetry below
      for (let j = 0; j <= J; j++) {
        const b0 = blocks[j]!;
        const end = b0 + ((j >> 1) + 1) * (j + 1);
        for (let k = b0; k < end; k++) {
          tr[k] += s * ur[off + k]!;
          ti[k] += s * ui[off + k]!;
        }
      }
    }
    // Lower rows of the total: mirror of the strictly upper rows (the middle row of even j is complete already,
    // its right half being the per-neighbor mirror of its left half, as in LAMMPS).
    for (let j = 1; j <= J; j++) {
      const b0 = blocks[j]!;
      let src = b0;
      let dst = b0 + (j + 1) * (j + 1) - 1;
      for (let mb = 0; 2 * mb < j; mb++)
        for (let ma = 0; ma <= j; ma++) {
          if (((ma + mb) & 1) === 0) {
            tr[dst] = tr[src]!;
            ti[dst] = -ti[src]!;
          } else {
            tr[dst] = -tr[src]!;
            ti[dst] = ti[src]!;
          }
          src++;
          dst--;
        }
    }
  }

  /**
   * Mirrors the rows of block j (at array offset b0) that later steps read: for even j the right half of the middle
   * row from its left half (LAMMPS's order, the centre conjugated), for odd j < twojmax the row (j+1)/2 that the
   * recursion of layer j+1 reads.
   */
  private static mirrorRows(re: Float64Array, im: Float64Array, b0: number, j: number, J: number): void {
    if (j % 2 === 0) {
      const mb = j >> 1;
      let src = b0 + (j + 1) * mb;
      let dst = src + j;
      for (let ma = 0; ma <= j; ma++) {
        if (((ma + mb) & 1) === 0) {
          re[dst] = re[src]!;
          im[dst] = -im[src]!;
        } else {
          re[dst] = -re[src]!;
          im[dst] = im[src]!;
        }
        src++;
        dst--;
      }
    } else if (j < J) {
      const mb = (j - 1) >> 1;
      let src = b0 + (j + 1) * mb;
      let dst = b0 + (j + 1) * (j - mb) + j;
      for (let ma = 0; ma <= j; ma++) {
        if (((ma + mb) & 1) === 0) {
          re[dst] = re[src]!;
          im[dst] = -im[src]!;
        } else {
          re[dst] = -re[src]!;
          im[dst] = im[src]!;
        }
        src++;
        dst--;
      }
    }
  }

  /**
   * Cayley–Klein recursion for u_j (VMK 4.8.2) on the upper rows, in gather form: u_j(ma,mb) = √((j−ma)/(j−mb))·
   * a*·u_{j−1}(ma,mb) − √(ma/(j−mb))·b*·u_{j−1}(ma−1,mb); then the rows later steps need (mirrorRows).
   */
  private uarray(x: number, y: number, z: number, z0: number, r: number, off: number): void {
    const ur = this.uR;
    const ui = this.uI;
    const rp = this.rootpq;
    const D = this.rootpqDim;
    const J = this.twojmax;
    const blocks = this.idxuBlock;
    const r0inv = 1 / Math.sqrt(r * r + z0 * z0);
    const ar = r0inv * z0;
    const ai = -r0inv * z;
    const br = r0inv * y;
    const bi = -r0inv * x;
    ur[off] = 1;
    ui[off] = 0;
    for (let j = 1; j <= J; j++) {
      const b0 = off + blocks[j]!;
      const p0 = off + blocks[j - 1]!;
      for (let mb = 0; 2 * mb <= j; mb++) {
        const row = b0 + (j + 1) * mb;
        const prow = p0 + j * mb;
        const qb = (j - mb);
        let pr = ur[prow]!;
        let pi = ui[prow]!;
        let q = rp[j * D + qb]!;
        ur[row] = q * (ar * pr + ai * pi);
        ui[row] = q * (ar * pi - ai * pr);
        for (let ma = 1; ma < j; ma++) {
          const q2 = -rp[ma * D + qb]!;
          let vr = q2 * (br * pr + bi * pi);
          let vi = q2 * (br * pi - bi * pr);
          pr = ur[prow + ma]!;
          pi = ui[prow + ma]!;
          q = rp[(j - ma) * D + qb]!;
          vr += q * (ar * pr + ai * pi);
          vi += q * (ar * pi - ai * pr);
          ur[row + ma] = vr;
          ui[row + ma] = vi;
        }
        const q2 = -rp[j * D + qb]!;
        ur[row + j] = q2 * (br * pr + bi * pi);
        ui[row + j] = q2 * (br * pi - bi * pr);
      }
      Sna.mirrorRows(ur, ui, b0, j, J);
    }
  }

  /**
   * Z from the total U on the entries that are read (zero-weight entries are left stale); with `all` false only
   * the blocks B reads (j ≥ j1), enough for B and the energy.
   */
  computeZi(all = true): void {
    this.zList(all ? this.zAll : this.zForB);
  }

  private zList(list: Int32Array): void {
    const start = this.zTermStart;
    const tc = this.zTermC;
    const tab = this.zTermAB;
    const ur = this.utotR;
    const ui = this.utotI;
    const zR = this.zR;
    const zI = this.zI;
    for (let q = 0; q < list.length; q++) {
      const jjz = list[q]!;
      const end = start[jjz + 1]!;
      // two interleaved partial sums: the loop is bound by the latency of the additions, not by their number
      let zr = 0;
      let zim = 0;
      let zr2 = 0;
      let zim2 = 0;
      let t = start[jjz]!;
      for (; t + 1 < end; t += 2) {
        const c = tc[t]!;
        const ab = tab[t]!;
        const a = ab & 0xffff;
        const b = ab >>> 16;
        const u1r = ur[a]!;
        const u1i = ui[a]!;
        const u2r = ur[b]!;
        const u2i = ui[b]!;
        zr += c * (u1r * u2r - u1i * u2i);
        zim += c * (u1r * u2i + u1i * u2r);
        const c2 = tc[t + 1]!;
        const ab2 = tab[t + 1]!;
        const a2 = ab2 & 0xffff;
        const b2 = ab2 >>> 16;
        const v1r = ur[a2]!;
        const v1i = ui[a2]!;
        const v2r = ur[b2]!;
        const v2i = ui[b2]!;
        zr2 += c2 * (v1r * v2r - v1i * v2i);
        zim2 += c2 * (v1r * v2i + v1i * v2r);
      }
      if (t < end) {
        const c = tc[t]!;
        const ab = tab[t]!;
        const a = ab & 0xffff;
        const b = ab >>> 16;
        zr += c * (ur[a]! * ur[b]! - ui[a]! * ui[b]!);
        zim += c * (ur[a]! * ui[b]! + ui[a]! * ur[b]!);
      }
      zR[jjz] = zr + zr2;
      zI[jjz] = zim + zim2;
    }
  }

  /** B from U and Z (call computeZi first); bzero subtracted with bzeroflag. */
  computeBi(): void {
    const own = this.bOwn;
    const hw = this.halfW;
    const ur = this.utotR;
    const ui = this.utotI;
    const zR = this.zR;
    const zI = this.zI;
    for (let k = 0; k < this.nB; k++) {
      const jjz0 = own[3 * k]!;
      const jju0 = own[3 * k + 1]!;
      const len = weightedLength(own[3 * k + 2]!);
      let s = 0;
      for (let t = 0; t < len; t++) s += hw[jju0 + t]! * (ur[jju0 + t]! * zR[jjz0 + t]! + ui[jju0 + t]! * zI[jjz0 + t]!);
      this.b[k] = 2 * s - this.bzero[k]!;
    }
  }

  /** Y = ∂E/∂U (adjoint) for dE/dB = beta (length nB); needs computeZi(). */
  computeYi(beta: ArrayLike<number>): void {
    const yR = this.yR;
    const yI = this.yI;
    const zR = this.zR;
    const zI = this.zI;
    const zb = this.zBeta;
    const zf = this.zBetaFac;
    const zj = this.zJju;
    yR.fill(0);
    yI.fill(0);
    for (let jjz = 0; jjz < this.idxzMax; jjz++) {
      const bf = beta[zb[jjz]!]! * zf[jjz]!;
      const jju = zj[jjz]!;
      yR[jju] += bf * zR[jjz]!;
      yI[jju] += bf * zI[jjz]!;
    }
    const hw = this.halfW;
    for (let k = 0; k < this.idxuMax; k++) {
      this.ywR[k] = 2 * hw[k]! * yR[k]!;
      this.ywI[k] = 2 * hw[k]! * yI[k]!;
    }
    if (this.wasm) {
      this.wasm.ywR.set(this.ywR);
      this.wasm.ywI.set(this.ywI);
    }
  }

  /** dB_k/dr of neighbors m and m+1 (m even; layout in the header; needs prepareDbidrj()). The array is reused. */
  computeDbidrjPair(m: number): Float64Array {
    if (this.wasm) {
      this.wasm.computeDbidrj(m >> 1);
      return this.wasm.dbdr;
    }
    this.computeDuidrj(m);
    this.computeDbidrj(0);
    if (m + 1 < this.n) {
      this.computeDuidrj(m + 1);
      this.computeDbidrj(1);
    }
    return this.dbdr;
  }

  /** dE_i/dr of neighbors m and m+1 (m even; at 2c + lane; needs computeYi()). The array is reused. */
  computeDeidrjPair(m: number): Float64Array {
    if (this.wasm) {
      this.wasm.computeDeidrj(m >> 1);
      return this.wasm.deidrj;
    }
    this.computeDuidrj(m);
    this.computeDeidrj(0);
    if (m + 1 < this.n) {
      this.computeDuidrj(m + 1);
      this.computeDeidrj(1);
    }
    return this.deidrj;
  }

  /** dU/dr_ij of neighbor n, switching function and weight included, into du (weighted half entries valid). */
  private computeDuidrj(n: number): void {
    const x = this.rij[3 * n]!;
    const y = this.rij[3 * n + 1]!;
    const z = this.rij[3 * n + 2]!;
    const rsq = x * x + y * y + z * z;
    const r = Math.sqrt(rsq);
    const rcut = this.rcut[n]!;
    const rscale0 = (this.rfac0 * Math.PI) / (rcut - this.rmin0);
    const theta0 = (r - this.rmin0) * rscale0;
    const z0 = (r * Math.cos(theta0)) / Math.sin(theta0);
    const dz0dr = z0 / r - (r * rscale0 * (rsq + z0 * z0)) / rsq;
    this.duarray(x, y, z, z0, r, dz0dr, this.wj[n]!, rcut, n * this.idxuMax);
  }

  private duarray(
    x: number, y: number, z: number, z0: number, r: number, dz0dr: number, wj: number, rcut: number,
    off: number,
  ): void {
    const ur = this.uR;
    const ui = this.uI;
    const d = this.du;
    const rp = this.rootpq;
    const D = this.rootpqDim;
    const J = this.twojmax;
    const blocks = this.idxuBlock;
    const rinv = 1 / r;
    const ux = x * rinv;
    const uy = y * rinv;
    const uz = z * rinv;
    const r0inv = 1 / Math.sqrt(r * r + z0 * z0);
    const ar = z0 * r0inv;
    const ai = -z * r0inv;
    const br = y * r0inv;
    const bi = -x * r0inv;
    const dr0invdr = -(r0inv * r0inv * r0inv) * (r + z0 * dz0dr);
    const dr0x = dr0invdr * ux;
    const dr0y = dr0invdr * uy;
    const dr0z = dr0invdr * uz;
    const dz0x = dz0dr * ux;
    const dz0y = dz0dr * uy;
    const dz0z = dz0dr * uz;
    const dar0 = dz0x * r0inv + z0 * dr0x;
    const dar1 = dz0y * r0inv + z0 * dr0y;
    const dar2 = dz0z * r0inv + z0 * dr0z;
    const dai0 = -z * dr0x;
    const dai1 = -z * dr0y;
    const dai2 = -z * dr0z - r0inv;
    const dbr0 = y * dr0x;
    const dbr1 = y * dr0y + r0inv;
    const dbr2 = y * dr0z;
    const dbi0 = -x * dr0x - r0inv;
    const dbi1 = -x * dr0y;
    const dbi2 = -x * dr0z;

    for (let c = 0; c < 6; c++) d[c] = 0;
    for (let j = 1; j <= J; j++) {
      const b0 = blocks[j]!;
      const p0 = blocks[j - 1]!;
      for (let mb = 0; 2 * mb <= j; mb++) {
        const row = b0 + (j + 1) * mb;
        const prow = p0 + j * mb;
        const qb = j - mb;
        // a-term of entry ma from u_{j−1}(ma), b-term of entry ma+1 from the same; gather per output entry
        let vr0 = 0, vr1 = 0, vr2 = 0, vi0 = 0, vi1 = 0, vi2 = 0;
        for (let ma = 0; ma < j; ma++) {
          const pr = ur[off + prow + ma]!;
          const pi = ui[off + prow + ma]!;
          const p6 = 6 * (prow + ma);
          const dpr0 = d[p6]!, dpr1 = d[p6 + 1]!, dpr2 = d[p6 + 2]!;
          const dpi0 = d[p6 + 3]!, dpi1 = d[p6 + 4]!, dpi2 = d[p6 + 5]!;
          const q = rp[(j - ma) * D + qb]!;
          const o6 = 6 * (row + ma);
          d[o6] = vr0 + q * (dar0 * pr + dai0 * pi + ar * dpr0 + ai * dpi0);
          d[o6 + 1] = vr1 + q * (dar1 * pr + dai1 * pi + ar * dpr1 + ai * dpi1);
          d[o6 + 2] = vr2 + q * (dar2 * pr + dai2 * pi + ar * dpr2 + ai * dpi2);
          d[o6 + 3] = vi0 + q * (dar0 * pi - dai0 * pr + ar * dpi0 - ai * dpr0);
          d[o6 + 4] = vi1 + q * (dar1 * pi - dai1 * pr + ar * dpi1 - ai * dpr1);
          d[o6 + 5] = vi2 + q * (dar2 * pi - dai2 * pr + ar * dpi2 - ai * dpr2);
          const q2 = -rp[(ma + 1) * D + qb]!;
          vr0 = q2 * (dbr0 * pr + dbi0 * pi + br * dpr0 + bi * dpi0);
          vr1 = q2 * (dbr1 * pr + dbi1 * pi + br * dpr1 + bi * dpi1);
          vr2 = q2 * (dbr2 * pr + dbi2 * pi + br * dpr2 + bi * dpi2);
          vi0 = q2 * (dbr0 * pi - dbi0 * pr + br * dpi0 - bi * dpr0);
          vi1 = q2 * (dbr1 * pi - dbi1 * pr + br * dpi1 - bi * dpr1);
          vi2 = q2 * (dbr2 * pi - dbi2 * pr + br * dpi2 - bi * dpr2);
        }
        const o6 = 6 * (row + j);
        d[o6] = vr0;
        d[o6 + 1] = vr1;
        d[o6 + 2] = vr2;
        d[o6 + 3] = vi0;
        d[o6 + 4] = vi1;
        d[o6 + 5] = vi2;
      }
      this.mirrorDuRows(b0, j, J);
    }

    // d(f_c w u)/dr = w (f_c' r̂ u + f_c du), on the weighted half entries (all that the sums read).
    const sf = this.sfac(r, rcut) * wj;
    const dsf = this.dsfac(r, rcut) * wj;
    for (let j = 0; j <= J; j++) {
      const jju0 = blocks[j]!;
      const end = jju0 + weightedLength(j);
      for (let jju = jju0; jju < end; jju++) {
        const u_r = dsf * ur[off + jju]!;
        const u_i = dsf * ui[off + jju]!;
        const o6 = 6 * jju;
        d[o6] = u_r * ux + sf * d[o6]!;
        d[o6 + 1] = u_r * uy + sf * d[o6 + 1]!;
        d[o6 + 2] = u_r * uz + sf * d[o6 + 2]!;
        d[o6 + 3] = u_i * ux + sf * d[o6 + 3]!;
        d[o6 + 4] = u_i * uy + sf * d[o6 + 4]!;
        d[o6 + 5] = u_i * uz + sf * d[o6 + 5]!;
      }
    }
  }

  /** mirrorRows for the 6-wide du entries. */
  private mirrorDuRows(b0: number, j: number, J: number): void {
    let mb: number;
    let src: number;
    let dst: number;
    if (j % 2 === 0) {
      mb = j >> 1;
      src = b0 + (j + 1) * mb;
      dst = src + j;
    } else if (j < J) {
      mb = (j - 1) >> 1;
      src = b0 + (j + 1) * mb;
      dst = b0 + (j + 1) * (j - mb) + j;
    } else return;
    const d = this.du;
    for (let ma = 0; ma <= j; ma++) {
      const s = 6 * src;
      const t = 6 * dst;
      if (((ma + mb) & 1) === 0) {
        d[t] = d[s]!; d[t + 1] = d[s + 1]!; d[t + 2] = d[s + 2]!;
        d[t + 3] = -d[s + 3]!; d[t + 4] = -d[s + 4]!; d[t + 5] = -d[s + 5]!;
      } else {
        d[t] = -d[s]!; d[t + 1] = -d[s + 1]!; d[t + 2] = -d[s + 2]!;
        d[t + 3] = d[s + 3]!; d[t + 4] = d[s + 4]!; d[t + 5] = d[s + 5]!;
      }
      src++;
      dst--;
    }
  }

  /** dE_i/dr_ij = 2 Σ_half Re(conj(dU)·Y) for the neighbor of the last computeDuidrj; into lane `lane`. */
  private computeDeidrj(lane: number): void {
    let fx = 0;
    let fy = 0;
    let fz = 0;
    const d = this.du;
    const yR = this.ywR;
    const yI = this.ywI;
    const blocks = this.idxuBlock;
    for (let j = 0; j <= this.twojmax; j++) {
      const jju0 = blocks[j]!;
      const end = jju0 + weightedLength(j);
      for (let jju = jju0; jju < end; jju++) {
        const yr = yR[jju]!;
        const yi = yI[jju]!;
        const o6 = 6 * jju;
        fx += d[o6]! * yr + d[o6 + 3]! * yi;
        fy += d[o6 + 1]! * yr + d[o6 + 4]! * yi;
        fz += d[o6 + 2]! * yr + d[o6 + 5]! * yi;
      }
    }
    const out = this.deidrj;
    out[lane] = fx;
    out[2 + lane] = fy;
    out[4 + lane] = fz;
  }

  /** Folds the half-row weights, 2 and the term factors into the per-segment Z; once per atom after computeZi(). */
  prepareDbidrj(): void {
    const seg = this.seg;
    const ss = this.segSrc;
    const srcZ = this.srcZ;
    const srcFac = this.srcFac;
    const hw = this.halfW;
    const zR = this.zR;
    const zI = this.zI;
    const zp = this.zp;
    for (let s = 0; s < this.nSeg; s++) {
      const jju0 = seg[3 * s + 1]!;
      const len = seg[3 * s + 2]!;
      const dst = this.segZp[s]!;
      const first = ss[2 * s]!;
      const count = ss[2 * s + 1]!;
      for (let t = 0; t < len; t++) {
        let vr = 0;
        let vi = 0;
        for (let q = first; q < first + count; q++) {
          const f = srcFac[q]!;
          vr += f * zR[srcZ[q]! + t]!;
          vi += f * zI[srcZ[q]! + t]!;
        }
        const w = 2 * hw[jju0 + t]!;
        zp[dst + 4 * t] = w * vr;
        zp[dst + 4 * t + 1] = w * vi;
      }
    }
    this.wasm?.zp.set(zp);
  }

  /** dB_k/dr_ij for the neighbor of the last computeDuidrj, into lane `lane` of dbdr; needs prepareDbidrj(). */
  private computeDbidrj(lane: number): void {
    const d = this.du;
    const zp = this.zp;
    const pair = this.pair;
    const out = this.dbdr;
    for (let k = lane; k < out.length; k += 2) out[k] = 0;
    for (let s = 0; s < this.nPair; s++) {
      const s5 = 5 * s;
      const k1 = pair[s5]!;
      const k2 = pair[s5 + 1]!;
      const jju0 = pair[s5 + 2]!;
      const len = pair[s5 + 3]!;
      let z = pair[s5 + 4]!;
      let ax = 0, ay = 0, az = 0, bx = 0, by = 0, bz = 0;
      let o6 = 6 * jju0;
      for (let t = 0; t < len; t++) {
        const d0 = d[o6]!, d1 = d[o6 + 1]!, d2 = d[o6 + 2]!;
        const d3 = d[o6 + 3]!, d4 = d[o6 + 4]!, d5 = d[o6 + 5]!;
        const ar = zp[z]!, ai = zp[z + 1]!, br = zp[z + 2]!, bi = zp[z + 3]!;
        ax += d0 * ar + d3 * ai;
        ay += d1 * ar + d4 * ai;
        az += d2 * ar + d5 * ai;
        bx += d0 * br + d3 * bi;
        by += d1 * br + d4 * bi;
        bz += d2 * br + d5 * bi;
        o6 += 6;
        z += 4;
      }
      const o1 = 2 * k1 + lane;
      const o2 = 2 * k2 + lane;
      out[o1] += ax;
      out[o1 + 2] += ay;
      out[o1 + 4] += az;
      out[o2] += bx;
      out[o2 + 2] += by;
      out[o2 + 4] += bz;
    }
  }

  /**
   * computeUi on the WASM kernels: the per-neighbor parameters of U and dU (with the TS kernels' exact arithmetic,
   * including their two ways to z0) into the pair blocks, then U and the total there; the total is copied back.
   */
  private computeUiWasm(w: SnaWasm): void {
    const n = this.n;
    w.reserve(n);
    for (let m = 0; m < n; m++) this.wasmParams(w, m, m & 1);
    // an odd last neighbor fills both lanes, so the unused lane computes finite numbers
    if (n % 2 === 1) this.wasmParams(w, n - 1, 1);
    w.computeUi(n, WSELF);
    this.utotR.set(w.utR);
    this.utotI.set(w.utI);
  }

  /** Parameters of neighbor m into lane `lane` of the pair block m >> 1 (layout: snap_kernels.c, prm). */
  private wasmParams(w: SnaWasm, m: number, lane: number): void {
    const x = this.rij[3 * m]!;
    const y = this.rij[3 * m + 1]!;
    const z = this.rij[3 * m + 2]!;
    const rsq = x * x + y * y + z * z;
    const r = Math.sqrt(rsq);
    const rcut = this.rcut[m]!;
    const wj = this.wj[m]!;
    const p = w.pairs;
    let o = (m >> 1) * w.pairStride + 4 * this.idxuMax + lane;
    const put = (v: number): void => {
      p[o] = v;
      o += 2;
    };
    // U (uarray via computeUi)
    const thetaU = ((r - this.rmin0) * this.rfac0 * Math.PI) / (rcut - this.rmin0);
    const z0u = r / Math.tan(thetaU);
    const r0u = 1 / Math.sqrt(r * r + z0u * z0u);
    put(r0u * z0u);
    put(-r0u * z);
    put(r0u * y);
    put(-r0u * x);
    // dU (duarray via computeDuidrj)
    const rscale0 = (this.rfac0 * Math.PI) / (rcut - this.rmin0);
    const theta0 = (r - this.rmin0) * rscale0;
    const z0 = (r * Math.cos(theta0)) / Math.sin(theta0);
    const dz0dr = z0 / r - (r * rscale0 * (rsq + z0 * z0)) / rsq;
    const rinv = 1 / r;
    const ux = x * rinv;
    const uy = y * rinv;
    const uz = z * rinv;
    const r0inv = 1 / Math.sqrt(r * r + z0 * z0);
    put(z0 * r0inv);
    put(-z * r0inv);
    put(y * r0inv);
    put(-x * r0inv);
    const dr0invdr = -(r0inv * r0inv * r0inv) * (r + z0 * dz0dr);
    const dr0x = dr0invdr * ux;
    const dr0y = dr0invdr * uy;
    const dr0z = dr0invdr * uz;
    put(dz0dr * ux * r0inv + z0 * dr0x);
    put(dz0dr * uy * r0inv + z0 * dr0y);
    put(dz0dr * uz * r0inv + z0 * dr0z);
    put(-z * dr0x);
    put(-z * dr0y);
    put(-z * dr0z - r0inv);
    put(y * dr0x);
    put(y * dr0y + r0inv);
    put(y * dr0z);
    put(-x * dr0x - r0inv);
    put(-x * dr0y);
    put(-x * dr0z);
    put(this.sfac(r, rcut) * wj);
    put(this.dsfac(r, rcut) * wj);
    put(ux);
    put(uy);
    put(uz);
  }
}
