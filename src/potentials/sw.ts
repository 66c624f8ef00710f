/**
 * Stillinger–Weber potential with the semantics of LAMMPS `pair_style sw` (src/MANYBODY/pair_sw.cpp), and exact
 * parameter derivatives. Units: Å, eV; energies eV, forces eV/Å, virial eV (W = −Vσ, internal Voigt order).
 *
 * Parameters come per ordered element triplet (i, j, k), in the field order of the LAMMPS file:
 *   ε σ a λ γ cosθ0 A B p q tol
 * Energy, with entry (i,j,j) written ij and entry (i,j,k) written ijk:
 *   E  = ½ Σ_i Σ_{j≠i} φ2_ij(r_ij) + Σ_i Σ_{j<k} ½ [h_ijk + h_ikj]
 *   φ2_ij(r) = A ε (B (σ/r)^p − (σ/r)^q) exp(σ / (r − aσ))                  (all of ε σ a A B p q from ij)
 *   h_ijk = λ_ijk ε_ijk (cosθ_jik − cosθ0_ijk)² exp(γσ/(r_ij − aσ))_ij exp(γσ/(r_ik − aσ))_ik
 * where each radial exp factor takes σ, a, γ of the two-body entry of its own bond. A pair (i,j) interacts only
 * for r_ij < a_ij σ_ij (LAMMPS's short neighbor list); the exp factors vanish there with all their derivatives,
 * so no extra cutoff function is needed or applied.
 *
 * LAMMPS counts each pair once with the entry of whichever atom its tag parity makes "i", and each angle once
 * with the (i,j,k) order of its neighbor list. Both are well defined only when entry ij agrees with ji in
 * ε σ a A B p q tol, and ijk with ikj in ε λ cosθ0 (true of every file shipped with LAMMPS). The sums above are
 * the symmetric average over those orders: equal to LAMMPS whenever it is well defined, and smooth in every
 * parameter otherwise (`swLammpsAsymmetries` lists what LAMMPS could not reproduce).
 *
 * Per-atom energies follow LAMMPS `compute pe/atom`: half of each pair energy to each atom, a third of each
 * angle term to each of its three atoms.
 *
 * `tol` (LAMMPS: 0 means none) is honoured as in LAMMPS: for tol > 0 a pair is cut off early, at
 * aσ + σ/ln(tol) (γσ/ln(tol) when γ < 1), with tol capped at 0.01. That truncation is a step in the energy, so
 * tol is not a fitted parameter. Fitted parameters: for j = k all ten of ε σ a λ γ cosθ0 A B p q (p and q are
 * real exponents in LAMMPS); for j ≠ k only ε λ cosθ0 (LAMMPS takes the rest from (i,j,j) and (i,k,k)).
 * Names: `<field>:<Ei>-<Ej>-<Ek>`, e.g. `lambda:Si-Si-Si`, `costheta0:Ga-Ga-N`, in entry order (i,j,k over
 * `elements`, k fastest) and file field order. Bounds: ≥ 0 for all but cosθ0 (what LAMMPS accepts in a file).
 * The spec's `cutoff` is derived (the largest entry cutoff); compileSw replaces whatever value it is given.
 *
 * Parameter derivatives are analytic: every term's energy and its gradient with respect to its bond vectors are
 * differentiated by hand with respect to each parameter the term depends on (at most 7 for a pair, 12 for an
 * angle), and scattered into dEnergy[P], dForces[P × 3N], dVirial[P × 6] through the tally helpers.
 */
import { UserError, invariant } from '../core/errors.ts';
import { SYMBOLS, atomicNumber } from '../core/elements.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { Structure } from '../structure/types.ts';
import { tallyPairForce, tallyPairVirial } from './tally.ts';
import type { CompiledModel, EvalRequest, EvalResult, ModelSpecBase } from './types.ts';

/** The continuous fields of one entry, in LAMMPS file order (tol follows them in the file). */
export const SW_FIELDS = ['epsilon', 'sigma', 'a', 'lambda', 'gamma', 'costheta0', 'A', 'B', 'p', 'q'] as const;
export type SwField = (typeof SW_FIELDS)[number];

const NF = SW_FIELDS.length;
const F_EPS = 0, F_SIG = 1, F_A = 2, F_LAM = 3, F_GAM = 4, F_COS = 5, F_BIGA = 6, F_BIGB = 7, F_P = 8, F_Q = 9;
/** Fields of an entry (i,j,k), j ≠ k, that enter the energy. */
const MIXED_FIELDS: readonly number[] = [F_EPS, F_LAM, F_COS];
/** LAMMPS caps tol at this value (pair_sw.cpp setup_params). */
const LAMMPS_TOL_MAX = 0.01;

export interface SwEntry {
  /** Element symbols (i, j, k). */
  elements: [string, string, string];
  epsilon: number;
  sigma: number;
  a: number;
  lambda: number;
  gamma: number;
  costheta0: number;
  A: number;
  B: number;
  p: number;
  q: number;
  /** LAMMPS's early-truncation tolerance; 0 = none. Not a fitted parameter. */
  tol: number;
}

export interface SwSpec extends ModelSpecBase {
  kind: 'sw';
  /** Derived: max over entries of swEntryCutoff (Å). */
  cutoff: number;
  /** One entry per ordered triplet of `elements` (n³ entries, any order). */
  entries: SwEntry[];
}

/** Pair cutoff of an entry as LAMMPS uses it for its short neighbor list (Å), tol included. */
export function swEntryCutoff(e: SwEntry): number {
  let r = e.a * e.sigma;
  if (e.tol > 0) {
    const tol = Math.min(e.tol, LAMMPS_TOL_MAX);
    r += (e.gamma < 1 ? e.gamma * e.sigma : e.sigma) / Math.log(tol);
  }
  return r;
}

/** Model cutoff: the largest entry cutoff (LAMMPS's cutmax, over all entries as LAMMPS takes it). */
export function swCutoff(entries: readonly SwEntry[]): number {
  let c = 0;
  for (const e of entries) c = Math.max(c, swEntryCutoff(e));
  return c;
}

/**
 * Differences that LAMMPS cannot reproduce (see the contract above): entries ij ≠ ji in a two-body field or tol,
 * entries ijk ≠ ikj in ε, λ, cosθ0. Empty for a LAMMPS-exact spec.
 */
export function swLammpsAsymmetries(spec: SwSpec): string[] {
  const t = entryTable(spec);
  const n = spec.elements.length;
  const el = spec.elements;
  const out: string[] = [];
  const twoBody: readonly (keyof SwEntry)[] = ['epsilon', 'sigma', 'a', 'A', 'B', 'p', 'q', 'tol'];
  const angle: readonly (keyof SwEntry)[] = ['epsilon', 'lambda', 'costheta0'];
  for (let a = 0; a < n; a++)
    for (let b = a + 1; b < n; b++) {
      const ab = t[(a * n + b) * n + b], ba = t[(b * n + a) * n + a];
      for (const f of twoBody)
        if (ab[f] !== ba[f]) out.push(`${f}: ${el[a]}-${el[b]}-${el[b]} = ${ab[f]} but ${el[b]}-${el[a]}-${el[a]} = ${ba[f]}`);
    }
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++)
      for (let c = b + 1; c < n; c++) {
        const abc = t[(a * n + b) * n + c], acb = t[(a * n + c) * n + b];
        for (const f of angle)
          if (abc[f] !== acb[f])
            out.push(`${f}: ${el[a]}-${el[b]}-${el[c]} = ${abc[f]} but ${el[a]}-${el[c]}-${el[b]} = ${acb[f]}`);
      }
  return out;
}

/** Entries indexed by (i·n + j)·n + k over `spec.elements`; a UserError if one is missing, duplicated or unknown. */
function entryTable(spec: SwSpec): SwEntry[] {
  const n = spec.elements.length;
  const index = new Map(spec.elements.map((s, i) => [s, i]));
  const table: (SwEntry | undefined)[] = new Array(n * n * n).fill(undefined);
  for (const e of spec.entries) {
    const ids = e.elements.map((s) => index.get(s));
    const name = e.elements.join('-');
    if (ids.some((x) => x === undefined))
      throw new UserError(`sw: entry ${name} names an element not in the model's elements [${spec.elements.join(', ')}]`);
    const m = ((ids[0]! * n) + ids[1]!) * n + ids[2]!;
    if (table[m]) throw new UserError(`sw: duplicate entry ${name}`);
    table[m] = e;
  }
  for (let m = 0; m < table.length; m++) {
    if (!table[m]) {
      const i = Math.floor(m / (n * n)), j = Math.floor(m / n) % n, k = m % n;
      throw new UserError(`sw: missing entry ${spec.elements[i]}-${spec.elements[j]}-${spec.elements[k]}`);
    }
  }
  return table as SwEntry[];
}

function fieldValue(e: SwEntry, f: number): number {
  return e[SW_FIELDS[f]];
}

/** Flat tables derived once from a spec. Pair tables are indexed a·n + b (entry (a,b,b)), angle tables (a·n+b)·n+c. */
interface SwTables {
  n: number;
  elements: readonly string[];
  /** Element index of each atomic number, −1 if not in the model. */
  typeOfZ: Int32Array;
  eps2: Float64Array; sig2: Float64Array; a2: Float64Array; cut2: Float64Array; bigA: Float64Array; bigB: Float64Array;
  pw: Float64Array; qw: Float64Array; gam2: Float64Array;
  /** Squared short-list cutoff of each pair (tol included). */
  cutsq: Float64Array;
  lam3: Float64Array; eps3: Float64Array; cos3: Float64Array;
  /** Global parameter index of field f of entry m: pidx[m·NF + f], −1 when the field is not a parameter. */
  pidx: Int32Array;
}

function validate(spec: SwSpec, table: SwEntry[]): void {
  if (spec.kind !== 'sw') throw new UserError(`sw: spec kind is '${spec.kind}', expected 'sw'`);
  for (const s of spec.elements) if (atomicNumber(s) === undefined) throw new UserError(`sw: unknown element '${s}'`);
  if (new Set(spec.elements).size !== spec.elements.length) throw new UserError(`sw: elements repeat: ${spec.elements.join(' ')}`);
  for (const e of table) {
    for (const f of [...SW_FIELDS, 'tol'] as const) {
      const v = e[f];
      // negative values are legal here (a fit may pass through them); LAMMPS files refuse them (io/lammps-sw.ts)
      if (!Number.isFinite(v)) throw new UserError(`sw: ${f}:${e.elements.join('-')} is ${v}, expected a finite number`);
    }
  }
}

export function compileSw(spec: SwSpec): CompiledModel<SwSpec> {
  const table = entryTable(spec);
  validate(spec, table);
  const n = spec.elements.length;
  const typeOfZ = new Int32Array(128).fill(-1);
  spec.elements.forEach((s, i) => (typeOfZ[atomicNumber(s)!] = i));

  const names: string[] = [];
  const values: number[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  const pidx = new Int32Array(n * n * n * NF).fill(-1);
  for (let m = 0; m < table.length; m++) {
    const e = table[m];
    const pairEntry = e.elements[1] === e.elements[2];
    for (let f = 0; f < NF; f++) {
      if (!pairEntry && !MIXED_FIELDS.includes(f)) continue;
      pidx[m * NF + f] = names.length;
      names.push(`${SW_FIELDS[f]}:${e.elements.join('-')}`);
      values.push(fieldValue(e, f));
      lower.push(f === F_COS ? -Infinity : 0);
      upper.push(Infinity);
    }
  }

  const nn = n * n;
  const t: SwTables = {
    n, elements: [...spec.elements], typeOfZ, pidx,
    eps2: new Float64Array(nn), sig2: new Float64Array(nn), a2: new Float64Array(nn), cut2: new Float64Array(nn), bigA: new Float64Array(nn),
    bigB: new Float64Array(nn), pw: new Float64Array(nn), qw: new Float64Array(nn), gam2: new Float64Array(nn),
    cutsq: new Float64Array(nn),
    lam3: new Float64Array(nn * n), eps3: new Float64Array(nn * n), cos3: new Float64Array(nn * n),
  };
  for (let a = 0; a < n; a++)
    for (let b = 0; b < n; b++) {
      const e = table[(a * n + b) * n + b];
      const ab = a * n + b;
      t.eps2[ab] = e.epsilon; t.sig2[ab] = e.sigma; t.a2[ab] = e.a; t.cut2[ab] = e.a * e.sigma; t.bigA[ab] = e.A; t.bigB[ab] = e.B;
      t.pw[ab] = e.p; t.qw[ab] = e.q; t.gam2[ab] = e.gamma;
      const rc = swEntryCutoff(e);
      t.cutsq[ab] = rc > 0 ? rc * rc : 0;
    }
  for (let m = 0; m < table.length; m++) {
    t.lam3[m] = table[m].lambda; t.eps3[m] = table[m].epsilon; t.cos3[m] = table[m].costheta0;
  }

  const cutoff = swCutoff(table);
  const fixedSpec: SwSpec = { ...spec, cutoff };
  const model: CompiledModel<SwSpec> = {
    spec: fixedSpec,
    cutoff,
    neighborList: 'full',
    paramNames: names,
    parameters: Float64Array.from(values),
    lower: Float64Array.from(lower),
    upper: Float64Array.from(upper),
    evaluate: (s, nl, req) => evaluateSw(t, names.length, s, nl, req),
    withParameters(theta) {
      if (theta.length !== names.length) throw new Error(`sw: expected ${names.length} parameters, got ${theta.length}`);
      const entries = table.map((e) => ({ ...e, elements: [...e.elements] as [string, string, string] }));
      for (let m = 0; m < entries.length; m++)
        for (let f = 0; f < NF; f++) {
          const p = pidx[m * NF + f];
          if (p >= 0) entries[m][SW_FIELDS[f]] = theta[p];
        }
      return compileSw({ ...spec, entries });
    },
  };
  return model;
}

/** Scratch for the per-term parameter derivatives (no allocation per term). */
const pairD = new Float64Array(2 * 7);
const pairSlots = Int32Array.of(F_EPS, F_SIG, F_A, F_BIGA, F_BIGB, F_P, F_Q);
const angD = new Float64Array(4 * 12);
const angP = new Int32Array(12);

function evaluateSw(t: SwTables, nParams: number, s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
  const nAt = s.species.length;
  invariant(nl.nAtoms === nAt && !nl.half, 'sw needs a full neighbor list of this structure');
  const n = t.n;
  const type = new Int32Array(nAt);
  for (let i = 0; i < nAt; i++) {
    const z = s.species[i];
    const ty = z >= 0 && z < t.typeOfZ.length ? t.typeOfZ[z] : -1;
    if (ty < 0) {
      const what = z > 0 && z < SYMBOLS.length ? SYMBOLS[z] : `species ${z}`;
      throw new UserError(`sw: atom ${i} is ${what}, which this model (elements ${t.elements.join(' ')}) does not have`);
    }
    type[i] = ty;
  }
  const grad = req.paramGradient === true;
  const wantF = req.forces === true || req.virial === true || grad;
  const forces = new Float64Array(3 * nAt);
  const virial = new Float64Array(6);
  const atomE = new Float64Array(nAt);
  const dE = grad ? new Float64Array(nParams) : new Float64Array(0);
  const dF = grad ? new Float64Array(nParams * 3 * nAt) : new Float64Array(0);
  const dW = grad ? new Float64Array(nParams * 6) : new Float64Array(0);
  // Row p of dForces is tallied as atoms offset by p·N (tallyPairForce indexes 3·atom), row p of dVirial through
  // a 6-vector scratch added at p·6: both keep the sign conventions in tally.ts without per-row views.
  const wTmp = new Float64Array(6);

  let maxNeigh = 0;
  for (let i = 0; i < nAt; i++) maxNeigh = Math.max(maxNeigh, nl.start[i + 1] - nl.start[i]);
  const sj = new Int32Array(maxNeigh);
  const sx = new Float64Array(maxNeigh), sy = new Float64Array(maxNeigh), sz = new Float64Array(maxNeigh);
  const sr = new Float64Array(maxNeigh);

  const x = s.positions, sh = nl.shift, nlj = nl.j;
  const { eps2, sig2, a2, cut2, bigA, bigB, pw, qw, gam2, cutsq, lam3, eps3, cos3, pidx } = t;
  let energy = 0;

  for (let i = 0; i < nAt; i++) {
    const ti = type[i];
    const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
    let ns = 0;
    for (let q = nl.start[i]; q < nl.start[i + 1]; q++) {
      const j = nlj[q];
      const dx = x[3 * j] + sh[3 * q] - xi;
      const dy = x[3 * j + 1] + sh[3 * q + 1] - yi;
      const dz = x[3 * j + 2] + sh[3 * q + 2] - zi;
      const rsq = dx * dx + dy * dy + dz * dz;
      const ab = ti * n + type[j];
      if (rsq >= cutsq[ab]) continue;
      const r = Math.sqrt(rsq);
      sj[ns] = j; sx[ns] = dx; sy[ns] = dy; sz[ns] = dz; sr[ns] = r; ns++;

      // two-body, half of φ2 per ordered pair
      const sig = sig2[ab], D = r - cut2[ab];
      const hh = sig / D;
      const g = Math.exp(hh);
      if (g === 0) continue;
      const K = bigA[ab] * eps2[ab];
      const sr1 = sig / r;
      const sp = Math.pow(sr1, pw[ab]), sq = Math.pow(sr1, qw[ab]);
      const B = bigB[ab], p = pw[ab], qq = qw[ab];
      const u = B * sp - sq;
      const phi = K * u * g;
      energy += 0.5 * phi;
      atomE[i] += 0.5 * phi;
      if (!wantF) continue;
      const ur = (-p * B * sp + qq * sq) / r;
      const hr = -sig / (D * D);
      const dphi = K * g * (ur + u * hr);
      const fpair = (-0.5 * dphi) / r;
      const fx = fpair * dx, fy = fpair * dy, fz = fpair * dz;
      tallyPairForce(forces, i, j, fx, fy, fz);
      tallyPairVirial(virial, dx, dy, dz, fx, fy, fz);
      if (grad) {
        const m = (ab * n + type[j]) * NF; // entry (ti, tj, tj)
        pairParamDerivs(K, bigA[ab], eps2[ab], sig, a2[ab], B, p, qq, r, D, g, sp, sq, u, ur, hr);
        for (let k = 0; k < 7; k++) {
          const pp = pidx[m + pairSlots[k]];
          const ph = pairD[2 * k], dph = pairD[2 * k + 1];
          if (ph === 0 && dph === 0) continue;
          dE[pp] += 0.5 * ph;
          const fp = (-0.5 * dph) / r, off = pp * nAt;
          tallyPairForce(dF, i + off, j + off, fp * dx, fp * dy, fp * dz);
          wTmp.fill(0);
          tallyPairVirial(wTmp, dx, dy, dz, fp * dx, fp * dy, fp * dz);
          for (let v = 0; v < 6; v++) dW[pp * 6 + v] += wTmp[v];
        }
      }
    }

    // three-body: each unordered pair of short-list neighbors once
    for (let aa = 0; aa < ns - 1; aa++) {
      const j = sj[aa], tj = type[j], ij = ti * n + tj;
      const r1 = sr[aa], d1x = sx[aa], d1y = sy[aa], d1z = sz[aa];
      const sg1 = sig2[ij] * gam2[ij], D1 = r1 - cut2[ij];
      const R1 = Math.exp(sg1 / D1);
      if (R1 === 0) continue;
      const g1r = -sg1 / (D1 * D1);
      for (let bb = aa + 1; bb < ns; bb++) {
        const k = sj[bb], tk = type[k], ik = ti * n + tk;
        const r2 = sr[bb], d2x = sx[bb], d2y = sy[bb], d2z = sz[bb];
        const sg2 = sig2[ik] * gam2[ik], D2 = r2 - cut2[ik];
        const R2 = Math.exp(sg2 / D2);
        if (R2 === 0) continue;
        const g2r = -sg2 / (D2 * D2);
        const m1 = ij * n + tk, m2 = ik * n + tj; // entries (i,j,k) and (i,k,j)
        const L1 = lam3[m1] * eps3[m1], L2 = lam3[m2] * eps3[m2];
        const rr = 1 / (r1 * r2);
        const c = (d1x * d2x + d1y * d2y + d1z * d2z) * rr;
        const e1 = c - cos3[m1], e2 = c - cos3[m2];
        const Th = 0.5 * (L1 * e1 * e1 + L2 * e2 * e2);
        const Thp = L1 * e1 + L2 * e2;
        const P = R1 * R2;
        const E3 = Th * P;
        energy += E3;
        if (req.atomEnergies) {
          atomE[i] += E3 / 3;
          atomE[j] += E3 / 3;
          atomE[k] += E3 / 3;
        }
        if (!wantF) continue;
        // ∂c/∂d1 = d2/(r1 r2) − c d1/r1², ∂c/∂d2 likewise; unit vectors u1, u2
        const i1 = 1 / r1, i2 = 1 / r2, c1 = c * i1 * i1, c2 = c * i2 * i2;
        const cd1x = d2x * rr - c1 * d1x, cd1y = d2y * rr - c1 * d1y, cd1z = d2z * rr - c1 * d1z;
        const cd2x = d1x * rr - c2 * d2x, cd2y = d1y * rr - c2 * d2y, cd2z = d1z * rr - c2 * d2z;
        const u1x = d1x * i1, u1y = d1y * i1, u1z = d1z * i1;
        const u2x = d2x * i2, u2y = d2y * i2, u2z = d2z * i2;
        // ∂E/∂d1 = A ∂c/∂d1 + B1 u1, ∂E/∂d2 = A ∂c/∂d2 + B2 u2; the force on j is −∂E/∂d1, on k −∂E/∂d2
        const A0 = Thp * P, B1 = Th * P * g1r, B2 = Th * P * g2r;
        const fjx = -(A0 * cd1x + B1 * u1x), fjy = -(A0 * cd1y + B1 * u1y), fjz = -(A0 * cd1z + B1 * u1z);
        const fkx = -(A0 * cd2x + B2 * u2x), fky = -(A0 * cd2y + B2 * u2y), fkz = -(A0 * cd2z + B2 * u2z);
        tallyPairForce(forces, i, j, fjx, fjy, fjz);
        tallyPairForce(forces, i, k, fkx, fky, fkz);
        tallyPairVirial(virial, d1x, d1y, d1z, fjx, fjy, fjz);
        tallyPairVirial(virial, d2x, d2y, d2z, fkx, fky, fkz);
        if (grad) {
          angleParamDerivs(
            pidx, ij * n + tj, ik * n + tk, m1, m2, sig2[ij], a2[ij], gam2[ij], sig2[ik], a2[ik], gam2[ik],
            r1, r2, D1, D2, g1r, g2r, Th, Thp, P, lam3[m1], eps3[m1], e1, lam3[m2], eps3[m2], e2,
          );
          for (let s12 = 0; s12 < 12; s12++) {
            const pp = angP[s12];
            if (pp < 0) continue;
            const Et = angD[4 * s12], At = angD[4 * s12 + 1], B1t = angD[4 * s12 + 2], B2t = angD[4 * s12 + 3];
            if (Et === 0 && At === 0 && B1t === 0 && B2t === 0) continue;
            dE[pp] += Et;
            const gjx = -(At * cd1x + B1t * u1x), gjy = -(At * cd1y + B1t * u1y), gjz = -(At * cd1z + B1t * u1z);
            const gkx = -(At * cd2x + B2t * u2x), gky = -(At * cd2y + B2t * u2y), gkz = -(At * cd2z + B2t * u2z);
            const off = pp * nAt;
            tallyPairForce(dF, i + off, j + off, gjx, gjy, gjz);
            tallyPairForce(dF, i + off, k + off, gkx, gky, gkz);
            wTmp.fill(0);
            tallyPairVirial(wTmp, d1x, d1y, d1z, gjx, gjy, gjz);
            tallyPairVirial(wTmp, d2x, d2y, d2z, gkx, gky, gkz);
            for (let v = 0; v < 6; v++) dW[pp * 6 + v] += wTmp[v];
          }
        }
      }
    }
  }

  const out: EvalResult = { energy };
  if (req.forces) out.forces = forces;
  if (req.virial) out.virial = virial;
  if (req.atomEnergies) out.atomEnergies = atomE;
  if (grad) {
    out.dEnergy = dE;
    out.dForces = dF;
    out.dVirial = dW;
  }
  return out;
}

/**
 * ∂φ/∂θ and ∂φ'/∂θ of the pair function for θ in (ε, σ, a, A, B, p, q), into pairD[2k], pairD[2k+1].
 * With s = σ/r, u = B s^p − s^q, h = σ/(r − aσ), g = e^h, K = Aε:  φ = K u g,  φ' = K g (u_r + u h_r).
 * Then φ_θ = K_θ u g + K g (u_θ + u h_θ) and
 *      φ'_θ = K_θ g (u_r + u h_r) + K g [h_θ (u_r + u h_r) + u_rθ + u_θ h_r + u h_rθ].
 */
function pairParamDerivs(
  K: number, A: number, eps: number, sig: number, a: number, B: number, p: number, q: number,
  r: number, D: number, g: number, sp: number, sq: number, u: number, ur: number, hr: number,
): void {
  const base = ur + u * hr;
  const lns = Math.log(sig / r);
  const D2 = D * D, D3 = D2 * D;
  pairSlot(0, A, 0, 0, 0, 0, K, u, g, base, hr); // ε
  pairSlot(1, 0, (p * B * sp - q * sq) / sig, (-p * p * B * sp + q * q * sq) / (sig * r), r / D2,
    -(r + a * sig) / D3, K, u, g, base, hr); // σ
  pairSlot(2, 0, 0, 0, (sig * sig) / D2, (-2 * sig * sig) / D3, K, u, g, base, hr); // a
  pairSlot(3, eps, 0, 0, 0, 0, K, u, g, base, hr); // A
  pairSlot(4, 0, sp, (-p * sp) / r, 0, 0, K, u, g, base, hr); // B
  pairSlot(5, 0, B * sp * lns, (-B * sp * (1 + p * lns)) / r, 0, 0, K, u, g, base, hr); // p
  pairSlot(6, 0, -sq * lns, (sq * (1 + q * lns)) / r, 0, 0, K, u, g, base, hr); // q
}

/** One slot of pairParamDerivs from [K_θ, u_θ, u_rθ, h_θ, h_rθ]. */
function pairSlot(
  k: number, Kt: number, ut: number, urt: number, ht: number, hrt: number,
  K: number, u: number, g: number, base: number, hr: number,
): void {
  pairD[2 * k] = Kt * u * g + K * g * (ut + u * ht);
  pairD[2 * k + 1] = Kt * g * base + K * g * (ht * base + urt + ut * hr + u * hrt);
}

/**
 * Parameter derivatives of one angle term E = Θ(c) R1(r1) R2(r2), written as (E_θ, A_θ, B1_θ, B2_θ) so that
 * ∂(∂E/∂d1)/∂θ = A_θ ∂c/∂d1 + B1_θ u1 and ∂(∂E/∂d2)/∂θ = A_θ ∂c/∂d2 + B2_θ u2, into angD[4·slot..], with the
 * parameter index of each slot in angP (−1: not a parameter).
 * R = e^G with G = γσ/(r − aσ), D = r − aσ: G_σ = γr/D², G_a = γσ²/D², G_γ = σ/D; G_r = −γσ/D²,
 * G_rσ = −γ(r + aσ)/D³, G_ra = −2γσ²/D³, G_rγ = −σ/D².
 * Radial θ of bond 1: E_θ = Θ P G1_θ, A_θ = Θ' P G1_θ, B1_θ = Θ P (G1_θ G1_r + G1_rθ), B2_θ = Θ P G2_r G1_θ.
 * Angular θ: (E, A, B1, B2)_θ = (Θ_θ P, Θ'_θ P, Θ_θ P G1_r, Θ_θ P G2_r), with Θ = ½ Σ_m λ_m ε_m (c − c0_m)².
 * Slots 0-2: σ a γ of (i,j,j); 3-5: of (i,k,k); 6-8: ε λ cosθ0 of (i,j,k); 9-11: of (i,k,j).
 */
function angleParamDerivs(
  pidx: Int32Array, mj: number, mk: number, m1: number, m2: number,
  sig1: number, a1: number, gm1: number, sig2: number, a2: number, gm2: number,
  r1: number, r2: number, D1: number, D2: number, g1r: number, g2r: number,
  Th: number, Thp: number, P: number, lam1: number, ep1: number, e1: number, lam2: number, ep2: number, e2: number,
): void {
  const TP = Th * P, TpP = Thp * P;
  let D = D1, Dsq = D1 * D1, Dcu = Dsq * D1;
  radialSlot(0, pidx[mj * NF + F_SIG], (gm1 * r1) / Dsq, (-gm1 * (r1 + a1 * sig1)) / Dcu, TP, TpP, g1r, g2r, true);
  radialSlot(1, pidx[mj * NF + F_A], (gm1 * sig1 * sig1) / Dsq, (-2 * gm1 * sig1 * sig1) / Dcu, TP, TpP, g1r, g2r, true);
  radialSlot(2, pidx[mj * NF + F_GAM], sig1 / D, -sig1 / Dsq, TP, TpP, g1r, g2r, true);
  D = D2; Dsq = D2 * D2; Dcu = Dsq * D2;
  radialSlot(3, pidx[mk * NF + F_SIG], (gm2 * r2) / Dsq, (-gm2 * (r2 + a2 * sig2)) / Dcu, TP, TpP, g2r, g1r, false);
  radialSlot(4, pidx[mk * NF + F_A], (gm2 * sig2 * sig2) / Dsq, (-2 * gm2 * sig2 * sig2) / Dcu, TP, TpP, g2r, g1r, false);
  radialSlot(5, pidx[mk * NF + F_GAM], sig2 / D, -sig2 / Dsq, TP, TpP, g2r, g1r, false);
  // Θ_θ, Θ'_θ for ε, λ, cosθ0 of each ordering's entry
  angularSlot(6, pidx[m1 * NF + F_EPS], 0.5 * lam1 * e1 * e1, lam1 * e1, P, g1r, g2r);
  angularSlot(7, pidx[m1 * NF + F_LAM], 0.5 * ep1 * e1 * e1, ep1 * e1, P, g1r, g2r);
  angularSlot(8, pidx[m1 * NF + F_COS], -lam1 * ep1 * e1, -lam1 * ep1, P, g1r, g2r);
  angularSlot(9, pidx[m2 * NF + F_EPS], 0.5 * lam2 * e2 * e2, lam2 * e2, P, g1r, g2r);
  angularSlot(10, pidx[m2 * NF + F_LAM], 0.5 * ep2 * e2 * e2, ep2 * e2, P, g1r, g2r);
  angularSlot(11, pidx[m2 * NF + F_COS], -lam2 * ep2 * e2, -lam2 * ep2, P, g1r, g2r);
}

/** Radial slot: Gt = G_θ, Grt = G_rθ of the bond this parameter belongs to (`own`); `first` says which bond. */
function radialSlot(
  slot: number, param: number, Gt: number, Grt: number, TP: number, TpP: number, gOwn: number, gOther: number,
  first: boolean,
): void {
  const o = 4 * slot;
  angP[slot] = param;
  angD[o] = TP * Gt;
  angD[o + 1] = TpP * Gt;
  const own = TP * (Gt * gOwn + Grt);
  const other = TP * gOther * Gt;
  angD[o + 2] = first ? own : other;
  angD[o + 3] = first ? other : own;
}

function angularSlot(slot: number, param: number, Tt: number, Tpt: number, P: number, g1r: number, g2r: number): void {
  const o = 4 * slot;
  angP[slot] = param;
  angD[o] = Tt * P;
  angD[o + 1] = Tpt * P;
  angD[o + 2] = Tt * P * g1r;
  angD[o + 3] = Tt * P * g2r;
}
