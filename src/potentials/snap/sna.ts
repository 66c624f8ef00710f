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
 * j counted as in LAMMPS (ma < mb full, ma = mb half), which equals the full sum by the U symmetry.
 *
 * Layouts (all flat, reused across atoms, never allocated per neighbor):
 * - U blocks: index jju = idxuBlock[j] + (j+1)·mb + ma, separate real/imaginary arrays; per neighbor n the
 *   unswitched u at uR/uI[n·idxuMax + jju]; the total at utotR/utotI[jju].
 * - dU (one neighbor at a time): duR/duI[3·jju + k], k = x, y, z, derivative with respect to r_ij.
 * - Z: zR/zI[jjz] over LAMMPS's idxz list (j1 ≥ j2, rows 2mb ≤ j). Y (adjoint): yR/yI[jju] on the half rows.
 * - B: `b[k]`, k over LAMMPS's idxb list (j1 ≥ j2, j ≥ j1, j1 outermost); dB/dr_ij: dbdr[3k + c].
 * Neighbors are pushed with `clear()`/`add()`; `computeUi()` must precede Z, B, Y and the per-neighbor calls.
 */

export interface SnaOptions {
  twojmax: number;
  rfac0: number;
  rmin0: number;
  switchflag: boolean;
  bzeroflag: boolean;
  bnormflag: boolean;
}

/** LAMMPS's self weight (sna.cpp wself). */
const WSELF = 1.0;

function factorial(n: number): number {
  let f = 1;
  for (let k = 2; k <= n; k++) f *= k;
  return f;
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
  /** Per jjz, 8 ints: na, nb, jju1 (first u1 of first row), jju2, icga0, icgb0, j1+1, j2+1. */
  private readonly zIdx: Int32Array;
  /** Per jjz: scale (1/(j+1) with bnormflag), and the Y scatter: target jju, β index, β factor. */
  private readonly zScale: Float64Array;
  private readonly zJju: Int32Array;
  private readonly zBeta: Int32Array;
  private readonly zBetaFac: Float64Array;
  /** Per jjb, the three terms of dB: (jjz start, jju start, j of the u block, factor) ×3, and B's own term. */
  private readonly bTerm: Int32Array; // 9 per jjb: [jjz, jju, j] for terms 0..2
  private readonly bTermFac: Float64Array; // 3 per jjb
  private readonly bzero: Float64Array; // per jjb
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
  readonly duR: Float64Array;
  readonly duI: Float64Array;
  readonly b: Float64Array;
  readonly dbdr: Float64Array;

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
    let nz = 0;
    for (let j1 = 0; j1 <= J; j1++)
      for (let j2 = 0; j2 <= j1; j2++)
        for (let j = j1 - j2; j <= Math.min(J, j1 + j2); j += 2) {
          idxzBlock[blk(j1, j2, j)] = nz;
          nz += (Math.floor(j / 2) + 1) * (j + 1);
        }
    this.idxzMax = nz;
    this.zIdx = new Int32Array(8 * nz);
    this.zScale = new Float64Array(nz);
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
              const o8 = 8 * jjz;
              this.zIdx[o8] = na;
              this.zIdx[o8 + 1] = nb;
              this.zIdx[o8 + 2] = this.idxuBlock[j1]! + (j1 + 1) * mb1min + ma1min;
              this.zIdx[o8 + 3] = this.idxuBlock[j2]! + (j2 + 1) * mb2max + ma2max;
              this.zIdx[o8 + 4] = cgOff + ma1min * (j2 + 1) + ma2max;
              this.zIdx[o8 + 5] = cgOff + mb1min * (j2 + 1) + mb2max;
              this.zIdx[o8 + 6] = j1 + 1;
              this.zIdx[o8 + 7] = j2 + 1;
              this.zScale[jjz] = o.bnormflag ? 1 / (j + 1) : 1;
              this.zJju[jjz] = this.idxuBlock[j]! + (j + 1) * mb + ma;
              this.zBeta[jjz] = jjb;
              this.zBetaFac[jjz] = fac;
              jjz++;
            }
        }

    // dB terms (sna.cpp compute_dbidrj): dB(j1,j2,j) = 2[Σ dU_j·Z(j1,j2,j) + (j+1)/(j1+1) Σ dU_j1·Z(j,j2,j1)
    // + (j+1)/(j2+1) Σ dU_j2·Z(j,j1,j2)], the factors dropped with bnormflag.
    this.bTerm = new Int32Array(9 * this.nB);
    this.bTermFac = new Float64Array(3 * this.nB);
    this.bzero = new Float64Array(this.nB);
    for (let k = 0; k < this.nB; k++) {
      const [j1, j2, j] = bj[k]!;
      const t = [
        [idxzBlock[blk(j1!, j2!, j!)]!, j!, 1],
        [idxzBlock[blk(j!, j2!, j1!)]!, j1!, o.bnormflag ? 1 : (j! + 1) / (j1! + 1)],
        [idxzBlock[blk(j!, j1!, j2!)]!, j2!, o.bnormflag ? 1 : (j! + 1) / (j2! + 1)],
      ];
      for (let m = 0; m < 3; m++) {
        this.bTerm[9 * k + 3 * m] = t[m]![0]!;
        this.bTerm[9 * k + 3 * m + 1] = this.idxuBlock[t[m]![1]!]!;
        this.bTerm[9 * k + 3 * m + 2] = t[m]![1]!;
        this.bTermFac[3 * k + m] = t[m]![2]!;
      }
      // B of an isolated atom (U = w_self·identity): w_self³ (j+1), or w_self³ with bnormflag
      if (o.bzeroflag) this.bzero[k] = o.bnormflag ? WSELF ** 3 : WSELF ** 3 * (j! + 1);
    }

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
    this.duR = new Float64Array(3 * nu);
    this.duI = new Float64Array(3 * nu);
    this.zR = new Float64Array(nz);
    this.zI = new Float64Array(nz);
    this.b = new Float64Array(this.nB);
    this.dbdr = new Float64Array(3 * this.nB);
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

  /** U of every neighbor (stored) and the weighted total with the self term. */
  computeUi(): void {
    const nu = this.idxuMax;
    const tr = this.utotR;
    const ti = this.utotI;
    tr.fill(0);
    ti.fill(0);
    for (let j = 0; j <= this.twojmax; j++) {
      const base = this.idxuBlock[j]!;
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
      this.uarray(x, y, z, z0, r, n * nu);
      const s = this.sfac(r, rcut) * this.wj[n]!;
      const ur = this.uR;
      const ui = this.uI;
      const off = n * nu;
      for (let k = 0; k < nu; k++) {
        tr[k] += s * ur[off + k]!;
        ti[k] += s * ui[off + k]!;
      }
    }
  }

  /** Cayley–Klein recursion for u_j (VMK 4.8.2), upper rows, then the lower rows by u(j−ma, j−mb) symmetry. */
  private uarray(x: number, y: number, z: number, z0: number, r: number, off: number): void {
    const ur = this.uR;
    const ui = this.uI;
    const rp = this.rootpq;
    const D = this.rootpqDim;
    const r0inv = 1 / Math.sqrt(r * r + z0 * z0);
    const ar = r0inv * z0;
    const ai = -r0inv * z;
    const br = r0inv * y;
    const bi = -r0inv * x;
    ur[off] = 1;
    ui[off] = 0;
    for (let j = 1; j <= this.twojmax; j++) {
      let jju = off + this.idxuBlock[j]!;
      let jjup = off + this.idxuBlock[j - 1]!;
      for (let mb = 0; 2 * mb <= j; mb++) {
        ur[jju] = 0;
        ui[jju] = 0;
        for (let ma = 0; ma < j; ma++) {
          const pr = ur[jjup]!;
          const pi = ui[jjup]!;
          let q = rp[(j - ma) * D + (j - mb)]!;
          ur[jju] += q * (ar * pr + ai * pi);
          ui[jju] += q * (ar * pi - ai * pr);
          q = rp[(ma + 1) * D + (j - mb)]!;
          ur[jju + 1] = -q * (br * pr + bi * pi);
          ui[jju + 1] = -q * (br * pi - bi * pr);
          jju++;
          jjup++;
        }
        jju++;
      }
      jju = off + this.idxuBlock[j]!;
      jjup = jju + (j + 1) * (j + 1) - 1;
      let mbpar = 1;
      for (let mb = 0; 2 * mb <= j; mb++) {
        let mapar = mbpar;
        for (let ma = 0; ma <= j; ma++) {
          if (mapar === 1) {
            ur[jjup] = ur[jju]!;
            ui[jjup] = -ui[jju]!;
          } else {
            ur[jjup] = -ur[jju]!;
            ui[jjup] = ui[jju]!;
          }
          mapar = -mapar;
          jju++;
          jjup--;
        }
        mbpar = -mbpar;
      }
    }
  }

  /** Z from the total U. */
  computeZi(): void {
    const zi = this.zIdx;
    const cg = this.cg;
    const ur = this.utotR;
    const ui = this.utotI;
    for (let jjz = 0; jjz < this.idxzMax; jjz++) {
      const o8 = 8 * jjz;
      const na = zi[o8]!;
      const nb = zi[o8 + 1]!;
      let a0 = zi[o8 + 2]!;
      let b0 = zi[o8 + 3]!;
      const icga0 = zi[o8 + 4]!;
      let icgb = zi[o8 + 5]!;
      const s1 = zi[o8 + 6]!;
      const s2 = zi[o8 + 7]!;
      const cgStep = s2 - 1;
      let zr = 0;
      let zim = 0;
      for (let ib = 0; ib < nb; ib++) {
        let sr = 0;
        let si = 0;
        let a = a0;
        let b = b0;
        let icga = icga0;
        for (let ia = 0; ia < na; ia++) {
          const c = cg[icga]!;
          const u1r = ur[a]!;
          const u1i = ui[a]!;
          const u2r = ur[b]!;
          const u2i = ui[b]!;
          sr += c * (u1r * u2r - u1i * u2i);
          si += c * (u1r * u2i + u1i * u2r);
          a++;
          b--;
          icga += cgStep;
        }
        const c = cg[icgb]!;
        zr += c * sr;
        zim += c * si;
        a0 += s1;
        b0 -= s2;
        icgb += cgStep;
      }
      const sc = this.zScale[jjz]!;
      this.zR[jjz] = zr * sc;
      this.zI[jjz] = zim * sc;
    }
  }

  /** B from U and Z (call computeZi first); bzero subtracted with bzeroflag. */
  computeBi(): void {
    for (let k = 0; k < this.nB; k++) {
      const jjz0 = this.bTerm[9 * k]!;
      const jju0 = this.bTerm[9 * k + 1]!;
      const j = this.bTerm[9 * k + 2]!;
      const len = (Math.floor(j / 2) + 1) * (j + 1);
      let s = 0;
      for (let t = 0; t < len; t++) {
        const w = this.halfW[jju0 + t]!;
        s += w * (this.utotR[jju0 + t]! * this.zR[jjz0 + t]! + this.utotI[jju0 + t]! * this.zI[jjz0 + t]!);
      }
      this.b[k] = 2 * s - this.bzero[k]!;
    }
  }

  /** Y = ∂E/∂U (adjoint) for dE/dB = beta (length nB); needs computeZi. */
  computeYi(beta: ArrayLike<number>): void {
    this.yR.fill(0);
    this.yI.fill(0);
    for (let jjz = 0; jjz < this.idxzMax; jjz++) {
      const bf = beta[this.zBeta[jjz]!]! * this.zBetaFac[jjz]!;
      const jju = this.zJju[jjz]!;
      this.yR[jju] += bf * this.zR[jjz]!;
      this.yI[jju] += bf * this.zI[jjz]!;
    }
  }

  /** dU/dr_ij of neighbor n, switching function and weight included, into duR/duI (upper rows only valid). */
  computeDuidrj(n: number): void {
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
    const dr = this.duR;
    const di = this.duI;
    const rp = this.rootpq;
    const D = this.rootpqDim;
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

    dr[0] = dr[1] = dr[2] = 0;
    di[0] = di[1] = di[2] = 0;
    for (let j = 1; j <= this.twojmax; j++) {
      let jju = this.idxuBlock[j]!;
      let jjup = this.idxuBlock[j - 1]!;
      for (let mb = 0; 2 * mb <= j; mb++) {
        let d3 = 3 * jju;
        dr[d3] = dr[d3 + 1] = dr[d3 + 2] = 0;
        di[d3] = di[d3 + 1] = di[d3 + 2] = 0;
        for (let ma = 0; ma < j; ma++) {
          const pr = ur[off + jjup]!;
          const pi = ui[off + jjup]!;
          const p3 = 3 * jjup;
          const dpr0 = dr[p3]!, dpr1 = dr[p3 + 1]!, dpr2 = dr[p3 + 2]!;
          const dpi0 = di[p3]!, dpi1 = di[p3 + 1]!, dpi2 = di[p3 + 2]!;
          d3 = 3 * jju;
          let q = rp[(j - ma) * D + (j - mb)]!;
          dr[d3] += q * (dar0 * pr + dai0 * pi + ar * dpr0 + ai * dpi0);
          dr[d3 + 1] += q * (dar1 * pr + dai1 * pi + ar * dpr1 + ai * dpi1);
          dr[d3 + 2] += q * (dar2 * pr + dai2 * pi + ar * dpr2 + ai * dpi2);
          di[d3] += q * (dar0 * pi - dai0 * pr + ar * dpi0 - ai * dpr0);
          di[d3 + 1] += q * (dar1 * pi - dai1 * pr + ar * dpi1 - ai * dpr1);
          di[d3 + 2] += q * (dar2 * pi - dai2 * pr + ar * dpi2 - ai * dpr2);
          q = -rp[(ma + 1) * D + (j - mb)]!;
          dr[d3 + 3] = q * (dbr0 * pr + dbi0 * pi + br * dpr0 + bi * dpi0);
          dr[d3 + 4] = q * (dbr1 * pr + dbi1 * pi + br * dpr1 + bi * dpi1);
          dr[d3 + 5] = q * (dbr2 * pr + dbi2 * pi + br * dpr2 + bi * dpi2);
          di[d3 + 3] = q * (dbr0 * pi - dbi0 * pr + br * dpi0 - bi * dpr0);
          di[d3 + 4] = q * (dbr1 * pi - dbi1 * pr + br * dpi1 - bi * dpr1);
          di[d3 + 5] = q * (dbr2 * pi - dbi2 * pr + br * dpi2 - bi * dpr2);
          jju++;
          jjup++;
        }
        jju++;
      }
      // Lower rows are needed by the next layer's recursion only (sums use the upper half).
      jju = this.idxuBlock[j]!;
      jjup = jju + (j + 1) * (j + 1) - 1;
      let mbpar = 1;
      for (let mb = 0; 2 * mb <= j; mb++) {
        let mapar = mbpar;
        for (let ma = 0; ma <= j; ma++) {
          const s = 3 * jju;
          const t = 3 * jjup;
          if (mapar === 1) {
            dr[t] = dr[s]!; dr[t + 1] = dr[s + 1]!; dr[t + 2] = dr[s + 2]!;
            di[t] = -di[s]!; di[t + 1] = -di[s + 1]!; di[t + 2] = -di[s + 2]!;
          } else {
            dr[t] = -dr[s]!; dr[t + 1] = -dr[s + 1]!; dr[t + 2] = -dr[s + 2]!;
            di[t] = di[s]!; di[t + 1] = di[s + 1]!; di[t + 2] = di[s + 2]!;
          }
          mapar = -mapar;
          jju++;
          jjup--;
        }
        mbpar = -mbpar;
      }
    }

    // d(f_c w u)/dr = w (f_c' r̂ u + f_c du), on the upper rows (all that the sums read).
    const sf = this.sfac(r, rcut) * wj;
    const dsf = this.dsfac(r, rcut) * wj;
    for (let j = 0; j <= this.twojmax; j++) {
      const jju0 = this.idxuBlock[j]!;
      const end = jju0 + (Math.floor(j / 2) + 1) * (j + 1);
      for (let jju = jju0; jju < end; jju++) {
        const u_r = ur[off + jju]!;
        const u_i = ui[off + jju]!;
        const d3 = 3 * jju;
        dr[d3] = dsf * u_r * ux + sf * dr[d3]!;
        dr[d3 + 1] = dsf * u_r * uy + sf * dr[d3 + 1]!;
        dr[d3 + 2] = dsf * u_r * uz + sf * dr[d3 + 2]!;
        di[d3] = dsf * u_i * ux + sf * di[d3]!;
        di[d3 + 1] = dsf * u_i * uy + sf * di[d3 + 1]!;
        di[d3 + 2] = dsf * u_i * uz + sf * di[d3 + 2]!;
      }
    }
  }

  /** dE_i/dr_ij = 2 Σ_half Re(conj(dU)·Y) for the neighbor of the last computeDuidrj; into out[o..o+2]. */
  computeDeidrj(out: Float64Array, o: number): void {
    let fx = 0;
    let fy = 0;
    let fz = 0;
    const dr = this.duR;
    const di = this.duI;
    const hw = this.halfW;
    const yR = this.yR;
    const yI = this.yI;
    for (let j = 0; j <= this.twojmax; j++) {
      const jju0 = this.idxuBlock[j]!;
      const end = jju0 + (Math.floor(j / 2) + 1) * (j + 1);
      for (let jju = jju0; jju < end; jju++) {
        const w = hw[jju]!;
        const yr = w * yR[jju]!;
        const yi = w * yI[jju]!;
        const d3 = 3 * jju;
        fx += dr[d3]! * yr + di[d3]! * yi;
        fy += dr[d3 + 1]! * yr + di[d3 + 1]! * yi;
        fz += dr[d3 + 2]! * yr + di[d3 + 2]! * yi;
      }
    }
    out[o] = 2 * fx;
    out[o + 1] = 2 * fy;
    out[o + 2] = 2 * fz;
  }

  /** dB_k/dr_ij for the neighbor of the last computeDuidrj, into dbdr[3k + c]; needs computeZi. */
  computeDbidrj(): void {
    const dr = this.duR;
    const di = this.duI;
    const zr = this.zR;
    const zim = this.zI;
    const hw = this.halfW;
    const out = this.dbdr;
    for (let k = 0; k < this.nB; k++) {
      let bx = 0;
      let by = 0;
      let bz = 0;
      for (let m = 0; m < 3; m++) {
        const jjz0 = this.bTerm[9 * k + 3 * m]!;
        const jju0 = this.bTerm[9 * k + 3 * m + 1]!;
        const j = this.bTerm[9 * k + 3 * m + 2]!;
        const len = (Math.floor(j / 2) + 1) * (j + 1);
        let sx = 0;
        let sy = 0;
        let sz = 0;
        for (let t = 0; t < len; t++) {
          const w = hw[jju0 + t]!;
          const a = w * zr[jjz0 + t]!;
          const c = w * zim[jjz0 + t]!;
          const d3 = 3 * (jju0 + t);
          sx += dr[d3]! * a + di[d3]! * c;
          sy += dr[d3 + 1]! * a + di[d3 + 1]! * c;
          sz += dr[d3 + 2]! * a + di[d3 + 2]! * c;
        }
        const f = this.bTermFac[3 * k + m]!;
        bx += f * sx;
        by += f * sy;
        bz += f * sz;
      }
      out[3 * k] = 2 * bx;
      out[3 * k + 1] = 2 * by;
      out[3 * k + 2] = 2 * bz;
    }
  }
}
