/**
 * SNAP over whole structures: per-atom bispectrum B_i, the summed design-matrix rows (energy, forces, virial
 * columns per coefficient), and the adjoint (pair_style snap) energy/forces/virial for given coefficients.
 *
 * Conventions (LAMMPS pair_style snap, chemflag off): atom i of element e sees every neighbor j of element f with
 * 1e-20 < r_ij² < rcut_ef², rcut_ef = rcutfac (radelem_e + radelem_f), weighted by wj_f. Its energy is
 *   E_i = c_e[0] + Σ_k c_e[1+k] B_ik + Σ_{k≤l} c_e[1+K+q(k,l)] Q_kl,  Q_kk = ½ B_ik², Q_kl = B_ik B_il (k<l),
 * q running over k ≤ l row by row (the .snapcoeff order). Units: Å, eV; virial W = −Vσ (eV), internal Voigt
 * xx yy zz yz xz xy, tallied as pair terms along r_ij (tally.ts): dE_i/dr_ij acts as force −dE_i/dr_ij on j and
 * +dE_i/dr_ij on i.
 *
 * wselfallflag has no effect without chemflag (the one density channel always carries the self term, as in LAMMPS);
 * chemflag is rejected (not implemented).
 *
 * Layouts: descriptors N×K row-major (atom-major); design rows over the parameter vector P = n_elements × columns
 * (element-major, columns as in the .snapcoeff): energy[P], forces[p·3N + 3i + a] (= ∂F_ia/∂c_p),
 * virial[p·6 + v] (= ∂W_v/∂c_p).
 */
import { UserError, invariant } from '../../core/errors.ts';
import { atomicNumber, symbolOf } from '../../core/elements.ts';
import type { NeighborList } from '../../neighbors/types.ts';
import type { Structure } from '../../structure/types.ts';
import { tallyPairForce, tallyPairVirial } from '../tally.ts';
import { Sna } from './sna.ts';
import { snapColumnCount, snapDescriptorCount, type SnapSpec } from './spec.ts';

export interface SnapDesignRows {
  /** ∂E/∂c_p, length P. */
  energy: Float64Array;
  /** ∂F_ia/∂c_p at p·3N + 3i + a. */
  forces: Float64Array;
  /** ∂W_v/∂c_p at p·6 + v. */
  virial: Float64Array;
  /** Per-atom B_i, N×K. */
  descriptors: Float64Array;
}

export interface SnapEngineOptions {
  /** WASM kernels: true requires them, false uses the TS ones, undefined when built and not disabled (wasm.ts). */
  wasm?: boolean;
}

export interface SnapEnergyResult {
  energy: number;
  atomEnergies: Float64Array;
  forces?: Float64Array;
  virial?: Float64Array;
}

/** Largest pair cutoff rcutfac (radelem_a + radelem_b) (Å). */
export function snapCutoff(spec: Pick<SnapSpec, 'rcutfac' | 'radelem'>): number {
  return 2 * spec.rcutfac * Math.max(...spec.radelem);
}

/** Throws a UserError for a spec pesfit cannot evaluate as LAMMPS would. */
export function validateSnapSpec(spec: SnapSpec): void {
  const ne = spec.elements.length;
  if (spec.kind !== 'snap') throw new UserError(`snap: spec kind is '${spec.kind}', expected 'snap'`);
  if (ne === 0) throw new UserError('snap: no elements');
  for (const s of spec.elements) if (atomicNumber(s) === undefined) throw new UserError(`snap: unknown element '${s}'`);
  if (new Set(spec.elements).size !== ne) throw new UserError(`snap: elements repeat: ${spec.elements.join(' ')}`);
  if (!Number.isInteger(spec.twojmax) || spec.twojmax < 0 || spec.twojmax > 20)
    throw new UserError(`snap: twojmax is ${spec.twojmax}, expected an integer in 0..20`);
  if (spec.chemflag) throw new UserError('snap: chemflag is not supported');
  if (!(spec.rcutfac > 0)) throw new UserError(`snap: rcutfac is ${spec.rcutfac}, expected > 0`);
  if (!(spec.rfac0 > 0 && spec.rfac0 <= 1)) throw new UserError(`snap: rfac0 is ${spec.rfac0}, expected in (0, 1]`);
  if (!(spec.rmin0 >= 0)) throw new UserError(`snap: rmin0 is ${spec.rmin0}, expected ≥ 0`);
  if (spec.radelem.length !== ne || spec.wj.length !== ne || spec.coefficients.length !== ne)
    throw new UserError(`snap: radelem, wj and coefficients need one entry per element (${ne})`);
  const ncol = snapColumnCount(spec);
  spec.coefficients.forEach((c, e) => {
    if (c.length !== ncol)
      throw new UserError(`snap: ${spec.elements[e]} has ${c.length} coefficients, expected ${ncol} for twojmax ${spec.twojmax}${spec.quadratic ? ' with quadratic terms' : ''}`);
    for (const v of c) if (!Number.isFinite(v)) throw new UserError(`snap: ${spec.elements[e]} has a non-finite coefficient`);
  });
  for (let e = 0; e < ne; e++) {
    if (!(spec.radelem[e]! > 0)) throw new UserError(`snap: radelem of ${spec.elements[e]} is ${spec.radelem[e]}, expected > 0`);
    if (!Number.isFinite(spec.wj[e])) throw new UserError(`snap: wj of ${spec.elements[e]} is not finite`);
    if (2 * spec.rcutfac * spec.radelem[e]! <= spec.rmin0)
      throw new UserError(`snap: rmin0 ${spec.rmin0} is not below the cutoff of ${spec.elements[e]}`);
  }
}

/**
 * A reusable SNAP evaluator for one set of hyperparameters (tables built once). Coefficients are passed per call
 * (`coef`, the flat parameter vector, element-major) so one engine serves a whole fit.
 */
export class SnapEngine {
  readonly spec: SnapSpec;
  readonly nB: number;
  readonly nCol: number;
  readonly nParams: number;
  readonly cutoff: number;
  private readonly sna: Sna;
  /** Whether the WASM kernels are in use (see wasm.ts). */
  get usesWasm(): boolean {
    return this.sna.usesWasm;
  }
  private readonly typeOfZ: Int32Array;
  private readonly cutsq: Float64Array;
  private readonly rcutPair: Float64Array;
  private nbrJ = new Int32Array(64);
  private readonly beta: Float64Array;
  /** designRows scratch: atom-major force columns acc[3(j·P + p) + c], grown to the largest structure. */
  private acc = new Float64Array(0);
  /** designRows per-atom sums over the neighbors: Σ_j dB_k/dr_ij at 3k + c, Σ_j sym(r_ij ⊗ dB_k/dr_ij) at 6k + v. */
  private readonly gSum: Float64Array;
  private readonly vSum: Float64Array;

  constructor(spec: SnapSpec, options: SnapEngineOptions = {}) {
    validateSnapSpec(spec);
    this.spec = spec;
    this.nB = snapDescriptorCount(spec.twojmax);
    this.nCol = snapColumnCount(spec);
    const ne = spec.elements.length;
    this.nParams = ne * this.nCol;
    this.cutoff = snapCutoff(spec);
    this.sna = new Sna({
      twojmax: spec.twojmax, rfac0: spec.rfac0, rmin0: spec.rmin0,
      switchflag: spec.switchflag, bzeroflag: spec.bzeroflag, bnormflag: spec.bnormflag, wasm: options.wasm,
    });
    invariant(this.sna.nB === this.nB, 'snap: descriptor count mismatch');
    this.typeOfZ = new Int32Array(128).fill(-1);
    spec.elements.forEach((s, e) => (this.typeOfZ[atomicNumber(s)!] = e));
    this.cutsq = new Float64Array(ne * ne);
    this.rcutPair = new Float64Array(ne * ne);
    for (let a = 0; a < ne; a++)
      for (let b = 0; b < ne; b++) {
        const rc = spec.rcutfac * (spec.radelem[a]! + spec.radelem[b]!);
        this.rcutPair[a * ne + b] = rc;
        this.cutsq[a * ne + b] = rc * rc;
      }
    this.beta = new Float64Array(this.nB);
    this.gSum = new Float64Array(3 * this.nB);
    this.vSum = new Float64Array(6 * this.nB);
  }

  private types(s: Structure, nl: NeighborList): Int32Array {
    const n = s.species.length;
    invariant(nl.nAtoms === n && !nl.half, 'snap needs a full neighbor list of this structure');
    invariant(nl.cutoff >= this.cutoff, 'snap: neighbor list cutoff below the model cutoff');
    const t = new Int32Array(n);
    for (let i = 0; i < n; i++) t[i] = this.elementOf(s.species[i]!, i);
    return t;
  }

  /** Loads the neighbors of atom i into the SNA engine (owners in nbrJ), computes U, Z (all of it with fullZ,
   * else only what B reads) and B. */
  private loadAtom(s: Structure, nl: NeighborList, type: Int32Array, i: number, fullZ: boolean): void {
    const sna = this.sna;
    const ne = this.spec.elements.length;
    const ei = type[i]!;
    const x = s.positions;
    const xi = x[3 * i]!;
    const yi = x[3 * i + 1]!;
    const zi = x[3 * i + 2]!;
    sna.clear();
    for (let k = nl.start[i]!; k < nl.start[i + 1]!; k++) {
      const j = nl.j[k]!;
      const dx = x[3 * j]! + nl.shift[3 * k]! - xi;
      const dy = x[3 * j + 1]! + nl.shift[3 * k + 1]! - yi;
      const dz = x[3 * j + 2]! + nl.shift[3 * k + 2]! - zi;
      const rsq = dx * dx + dy * dy + dz * dz;
      const ej = type[j]!;
      if (rsq < this.cutsq[ei * ne + ej]! && rsq > 1e-20) {
        if (sna.n === this.nbrJ.length) {
          const g = new Int32Array(2 * this.nbrJ.length);
          g.set(this.nbrJ);
          this.nbrJ = g;
        }
        this.nbrJ[sna.n] = j;
        sna.add(dx, dy, dz, this.rcutPair[ei * ne + ej]!, this.spec.wj[ej]!);
      }
    }
    sna.computeUi();
    sna.computeZi(fullZ);
    sna.computeBi();
  }

  /** Per-atom B_i, N×K row-major. */
  descriptors(s: Structure, nl: NeighborList): Float64Array {
    const type = this.types(s, nl);
    const n = s.species.length;
    const out = new Float64Array(n * this.nB);
    for (let i = 0; i < n; i++) {
      this.loadAtom(s, nl, type, i, false);
      out.set(this.sna.b, i * this.nB);
    }
    return out;
  }

  /** Energy of one atom of element e from its B (b[off..off+K)); fills this.beta = dE_i/dB_i. */
  private atomEnergy(coef: ArrayLike<number>, e: number, b: Float64Array, off: number): number {
    const K = this.nB;
    const c0 = e * this.nCol;
    const beta = this.beta;
    let en = coef[c0]!;
    for (let k = 0; k < K; k++) {
      beta[k] = coef[c0 + 1 + k]!;
      en += beta[k]! * b[off + k]!;
    }
    if (this.spec.quadratic) {
      let q = c0 + 1 + K;
      for (let k = 0; k < K; k++) {
        const bk = b[off + k]!;
        const ckk = coef[q++]!;
        en += 0.5 * ckk * bk * bk;
        beta[k] += ckk * bk;
        for (let l = k + 1; l < K; l++) {
          const c = coef[q++]!;
          const bl = b[off + l]!;
          en += c * bk * bl;
          beta[k] += c * bl;
          beta[l] += c * bk;
        }
      }
    }
    return en;
  }

  /** Per-atom energies from per-atom descriptors (N×K, as returned by `descriptors`). */
  atomEnergiesFromDescriptors(s: Structure, descriptors: Float64Array, coef: ArrayLike<number>): Float64Array {
    const n = s.species.length;
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.atomEnergy(coef, this.elementOf(s.species[i]!, i), descriptors, i * this.nB);
    return out;
  }

  private elementOf(z: number, i: number): number {
    const e = z >= 0 && z < 128 ? this.typeOfZ[z]! : -1;
    if (e < 0)
      throw new UserError(`snap: atom ${i} is ${symbolOf(z)}, not one of the model's elements [${this.spec.elements.join(', ')}]`);
    return e;
  }

  /** Energy, per-atom energies and (on request) forces and virial, by the adjoint Y of pair_style snap. */
  evaluate(s: Structure, nl: NeighborList, coef: ArrayLike<number>, wantForces: boolean, wantVirial: boolean): SnapEnergyResult {
    invariant(coef.length === this.nParams, 'snap: coefficient vector length');
    const type = this.types(s, nl);
    const n = s.species.length;
    const sna = this.sna;
    const atomEnergies = new Float64Array(n);
    const forces = wantForces ? new Float64Array(3 * n) : undefined;
    const virial = wantVirial ? new Float64Array(6) : undefined;
    const f = forces ?? new Float64Array(3 * n);
    let energy = 0;
    for (let i = 0; i < n; i++) {
      this.loadAtom(s, nl, type, i, wantForces || wantVirial);
      const ei = this.atomEnergy(coef, type[i]!, sna.b, 0);
      atomEnergies[i] = ei;
      energy += ei;
      if (!wantForces && !wantVirial) continue;
      sna.computeYi(this.beta);
      // neighbors two at a time (one per lane of the kernels), tallied in neighbor order
      for (let m0 = 0; m0 < sna.n; m0 += 2) {
        const de = sna.computeDeidrjPair(m0);
        for (let m = m0; m < Math.min(m0 + 2, sna.n); m++) {
          const lane = m - m0;
          const fx = de[lane]!;
          const fy = de[2 + lane]!;
          const fz = de[4 + lane]!;
          const j = this.nbrJ[m]!;
          tallyPairForce(f, i, j, -fx, -fy, -fz);
          if (virial) tallyPairVirial(virial, sna.rij[3 * m]!, sna.rij[3 * m + 1]!, sna.rij[3 * m + 2]!, -fx, -fy, -fz);
        }
      }
    }
    return { energy, atomEnergies, forces, virial };
  }

  /**
   * The summed design-matrix rows of one structure (exact ∂/∂c_p of E, F, W) and the per-atom B_i.
   *
   * Column p with ∂col_i/∂r_ij = g (col_i: atom i's B_k or quadratic product) adds ∂F_j = −g, ∂F_i = +g and
   * ∂W = −sym(r_ij ⊗ g). Per neighbor only the −g on atom j is written, into an atom-major scratch (atom j's columns
   * contiguous, so each neighbor writes one contiguous run instead of one entry per column, 3N apart); the +g on
   * atom i and the virial are summed over the neighbors first per B (gSum, vSum) and turned into columns once per
   * atom. For the quadratic columns, ∂(B_k B_l) = B_k dB_l + B_l dB_k, that sum is B_k·gSum_l + B_l·gSum_k, so
   * their per-neighbor work is the j part alone. The scratch is transposed into the column-major rows at the end.
   */
  designRows(s: Structure, nl: NeighborList): SnapDesignRows {
    const type = this.types(s, nl);
    const n = s.species.length;
    const K = this.nB;
    const P = this.nParams;
    const n3 = 3 * n;
    const quad = this.spec.quadratic;
    const sna = this.sna;
    const energy = new Float64Array(P);
    const virial = new Float64Array(P * 6);
    const descriptors = new Float64Array(n * K);
    if (this.acc.length < n * P * 3) this.acc = new Float64Array(n * P * 3);
    const acc = this.acc;
    acc.fill(0, 0, n * P * 3);
    const gSum = this.gSum;
    const vSum = this.vSum;
    const b = sna.b;
    for (let i = 0; i < n; i++) {
      this.loadAtom(s, nl, type, i, true);
      sna.prepareDbidrj();
      descriptors.set(b, i * K);
      const c0 = type[i]! * this.nCol;
      energy[c0] += 1;
      for (let k = 0; k < K; k++) energy[c0 + 1 + k] += b[k]!;
      if (quad) {
        let q = c0 + 1 + K;
        for (let k = 0; k < K; k++) {
          energy[q++] += 0.5 * b[k]! * b[k]!;
          for (let l = k + 1; l < K; l++) energy[q++] += b[k]! * b[l]!;
        }
      }
      gSum.fill(0);
      vSum.fill(0);
      // neighbors two at a time (one per lane of the kernels): dB/dr of neighbor m at db[2(3k + c) + lane]
      for (let m0 = 0; m0 < sna.n; m0 += 2) {
        const db = sna.computeDbidrjPair(m0);
        for (let m = m0; m < Math.min(m0 + 2, sna.n); m++) {
          const lane = m - m0;
          const j = this.nbrJ[m]!;
          const dx = sna.rij[3 * m]!;
          const dy = sna.rij[3 * m + 1]!;
          const dz = sna.rij[3 * m + 2]!;
          const lin = 3 * (j * P + c0 + 1);
          for (let k = 0; k < K; k++) {
            const k3 = 3 * k;
            const q = 6 * k + lane;
            const gx = db[q]!;
            const gy = db[q + 2]!;
            const gz = db[q + 4]!;
            acc[lin + k3] -= gx;
            acc[lin + k3 + 1] -= gy;
            acc[lin + k3 + 2] -= gz;
            gSum[k3] += gx;
            gSum[k3 + 1] += gy;
            gSum[k3 + 2] += gz;
            const v = 6 * k;
            vSum[v] += dx * gx;
            vSum[v + 1] += dy * gy;
            vSum[v + 2] += dz * gz;
            vSum[v + 3] += 0.5 * (dy * gz + dz * gy);
            vSum[v + 4] += 0.5 * (dx * gz + dz * gx);
            vSum[v + 5] += 0.5 * (dx * gy + dy * gx);
          }
          if (quad) {
            let o = lin + 3 * K;
            for (let k = 0; k < K; k++) {
              const bk = b[k]!;
              const gkx = db[6 * k + lane]!;
              const gky = db[6 * k + 2 + lane]!;
              const gkz = db[6 * k + 4 + lane]!;
              acc[o++] -= bk * gkx;
              acc[o++] -= bk * gky;
              acc[o++] -= bk * gkz;
              for (let l = k + 1; l < K; l++) {
                const bl = b[l]!;
                const q = 6 * l + lane;
                acc[o++] -= bk * db[q]! + bl * gkx;
                acc[o++] -= bk * db[q + 2]! + bl * gky;
                acc[o++] -= bk * db[q + 4]! + bl * gkz;
              }
            }
          }
        }
      }
      // atom i's own columns and the virial, from the per-B sums over its neighbors
      const own = 3 * (i * P + c0 + 1);
      for (let k = 0; k < 3 * K; k++) acc[own + k] += gSum[k]!;
      for (let k = 0; k < 6 * K; k++) virial[6 * (c0 + 1) + k] -= vSum[k]!;
      if (quad) {
        let o = own + 3 * K;
        let v = 6 * (c0 + 1 + K);
        for (let k = 0; k < K; k++) {
          const bk = b[k]!;
          for (let c = 0; c < 3; c++) acc[o++] += bk * gSum[3 * k + c]!;
          for (let c = 0; c < 6; c++) virial[v++] -= bk * vSum[6 * k + c]!;
          for (let l = k + 1; l < K; l++) {
            const bl = b[l]!;
            for (let c = 0; c < 3; c++) acc[o++] += bk * gSum[3 * l + c]! + bl * gSum[3 * k + c]!;
            for (let c = 0; c < 6; c++) virial[v++] -= bk * vSum[6 * l + c]! + bl * vSum[6 * k + c]!;
          }
        }
      }
    }
    const forces = new Float64Array(P * n3);
    for (let j = 0; j < n; j++)
      for (let p = 0; p < P; p++) {
        const src = 3 * (j * P + p);
        const dst = p * n3 + 3 * j;
        forces[dst] = acc[src]!;
        forces[dst + 1] = acc[src + 1]!;
        forces[dst + 2] = acc[src + 2]!;
      }
    return { energy, forces, virial, descriptors };
  }
}

/** Per-atom B_i (N×K row-major) of a structure; `nl` a full list with cutoff ≥ snapCutoff(spec). */
export function snapDescriptors(spec: SnapSpec, s: Structure, nl: NeighborList): Float64Array {
  return new SnapEngine({ ...spec, cutoff: snapCutoff(spec) }).descriptors(s, nl);
}

/** The summed design-matrix rows (energy, forces, virial per coefficient) and per-atom B_i of one structure. */
export function snapDesignRows(spec: SnapSpec, s: Structure, nl: NeighborList): SnapDesignRows {
  return new SnapEngine({ ...spec, cutoff: snapCutoff(spec) }).designRows(s, nl);
}
