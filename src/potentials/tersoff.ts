/**
 * Tersoff potential with the semantics of LAMMPS `pair_style tersoff [shift δ]` (src/MANYBODY/pair_tersoff.cpp),
 * over a FULL neighbor list.
 *
 * Units: lengths Å, energies eV (A, B), λ's 1/Å, the rest dimensionless.
 *
 * Energy (one parameter record per element triplet (i,j,k), LAMMPS file order
 * m γ λ3 c d cosθ0 n β λ2 B R D λ1 A):
 *   E = Σ_i Σ_{j≠i} ½ [ V_R(r_ij) + b_ij V_A(r_ij) ]                 two-body entries from triplet (i,j,j)
 *   V_R = A e^{−λ1 r} f_c(r),  V_A = −B e^{−λ2 r} f_c(r)
 *   f_c = 1 (r < R−D), ½(1 − sin(π/2 (r−R)/D)) (|r−R| ≤ D), 0 (r > R+D)
 *   ζ_ij = Σ_{k≠i,j} f_c(r_ik) g(cosθ_ijk) exp[(λ3 (r_ij − r_ik))^m]       three-body entries from triplet (i,j,k)
 *   g(cosθ) = γ (1 + c²/d² − c²/(d² + (cosθ0 − cosθ)²))
 *   b_ij = (1 + (β ζ)^n)^{−1/2n} with LAMMPS's asymptotic branches at large and small βζ (thresholds c1..c4 below),
 *   β, n from (i,j,j).
 * A pair (i,j) takes part only if r_ij < R+D of (i,j,j); a k only if r_ik < R+D of (i,j,k). The exponential
 * argument is clamped as in LAMMPS (> 69.0776 → 1e30, < −69.0776 → 0). LAMMPS evaluates the repulsion once per
 * unordered pair with the (i,j,j) entry of whichever atom its tag parity picks, so it is well defined only when
 * R, D, λ1, A of (i,j,j) and (j,i,i) are equal (as in every published file): compileTersoff requires that, and
 * those four are single parameters for both triplets. Here each direction contributes ½ V_R.
 * Shift (LAMMPS's `shift δ` keyword, spec.shift, Å, default 0): every radial function and every cutoff test reads
 * r' = |r| + δ instead of |r| (LAMMPS shifts rsq to (√rsq + δ)²), while the angle cosines use the unshifted bond
 * vectors. Since ∂r'/∂x = ∂|r|/∂x the radial force terms are unchanged in form; the cosine derivatives
 * (v̂ − cosθ û)/|u| keep the unshifted length. An atom pair interacts while |r| + δ < R + D, so the model's
 * neighbor cutoff is max(R + D) − δ (larger than max(R + D) for δ < 0). δ is a fixed setting, not a parameter.
 * Per-atom energies follow LAMMPS's `compute pe/atom`: each directed bond energy ½(V_R + b_ij V_A) is split
 * half to i and half to j.
 *
 * Parameters: for every triplet (i,j,k) the three-body and cutoff entries `gamma lambda3 c d costheta0 R D`, and
 * for j == k also the two-body entries `n beta lambda2 B lambda1 A`, named `<name>:<i>-<j>-<k>`, except that
 * `R D lambda1 A` of (i,j,j) and (j,i,i), i ≠ j, are one parameter named after the triplet whose first element
 * comes first in `elements` (e.g. `A:Si-C-C` sets C-Si-Si too). The two-body entries of j ≠ k triplets never
 * enter the energy (LAMMPS reads and ignores them) and are not parameters. Order: triplets i, j, k over
 * `elements` (last fastest), fields in file order within a triplet. The exponent m (1 or 3) is an integer
 * switch, not differentiable, and stays a fixed part of the spec.
 *
 * Parameter derivatives (EvalRequest.paramGradient) are exact: a hand-written forward-mode (tangent) copy of the
 * kernel runs once per parameter, propagating the derivative of every intermediate quantity with respect to that
 * parameter. It differentiates the piecewise functions LAMMPS evaluates (asymptotic b_ij branches included);
 * where the ζ exponential is clamped its value is constant, so its tangent is 0 there (LAMMPS's force still uses
 * ∂ex/∂r = m λ3^m Δ^(m−1)·ex with the clamped ex, and so does the primal kernel here, for parity).
 */
import { UserError } from '../core/errors.ts';
import { atomicNumber, symbolOf } from '../core/elements.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { Structure } from '../structure/types.ts';
import { tallyPairForce, tallyPairVirial } from './tally.ts';
import type { CompiledModel, EvalRequest, EvalResult, ModelSpecBase } from './types.ts';

/** One line of a LAMMPS tersoff file: the triplet's elements and its 14 numbers. */
export interface TersoffTriplet {
  elements: [string, string, string];
  m: number;
  gamma: number;
  lambda3: number;
  c: number;
  d: number;
  costheta0: number;
  n: number;
  beta: number;
  lambda2: number;
  B: number;
  R: number;
  D: number;
  lambda1: number;
  A: number;
}

export interface TersoffSpec extends ModelSpecBase {
  kind: 'tersoff';
  /** One record per ordered element triplet (all nElements³ of them). */
  triplets: TersoffTriplet[];
  /** LAMMPS `pair_style tersoff shift δ` (Å): radial functions read |r| + δ; absent or 0 = no shift. */
  shift?: number;
}

/** The 13 real-valued fields of a triplet, in file order (m excluded); index = slot in the compiled tables. */
export const TERSOFF_FIELDS = [
  'gamma', 'lambda3', 'c', 'd', 'costheta0', 'n', 'beta', 'lambda2', 'B', 'R', 'D', 'lambda1', 'A',
] as const;
export type TersoffField = (typeof TERSOFF_FIELDS)[number];
/** Fields used by every triplet (three-body term and the r_ik cutoff). */
const THREE_BODY_FIELDS: ReadonlySet<TersoffField> = new Set(['gamma', 'lambda3', 'c', 'd', 'costheta0', 'R', 'D']);

const NS = TERSOFF_FIELDS.length;
const GAMMA = 0, LAM3 = 1, CC = 2, DD = 3, H = 4, NN = 5, BETA = 6, LAM2 = 7, BB = 8, RR = 9, DCUT = 10, LAM1 = 11,
  AA = 12;
const PI2 = Math.PI / 2;
const PI4 = Math.PI / 4;
/** LAMMPS clamps the ζ exponential's argument at ±ln(1e30). */
const EXP_ARG_MAX = 69.0776;
const EXP_CLAMP_HIGH = 1e30;

/** Canonical triplet index of element indices (i, j, k). */
function tripletIndex(ne: number, i: number, j: number, k: number): number {
  return (i * ne + j) * ne + k;
}

/** Compiled tables: everything the kernels read. */
interface Tables {
  ne: number;
  /** Atomic number → element index, −1 when absent. */
  typeOf: Int32Array;
  /** Per triplet: m (1 or 3). */
  m: Int32Array;
  /** Per triplet, NS slots (TERSOFF_FIELDS order). */
  p: Float64Array;
  /** Per triplet (R+D)². */
  cutsq: Float64Array;
  /** Per triplet: LAMMPS's b_ij thresholds c1 c2 c3 c4. */
  thr: Float64Array;
  /** max(R + D) over the triplets, a bound on the shifted distance r' = |r| + shift. */
  cutmax: number;
  /** LAMMPS's shift δ (Å), 0 without the keyword. */
  shift: number;
}

// ---------------------------------------------------------------------------------------------------------------
// Scratch shared by the kernels (single-threaded; grown when an atom has more neighbors than ever before).
let cap = 0;
// separation, shifted distance |r| + δ (what radial functions read) and unshifted |r| (for angles) of each short neighbor
let sx: Float64Array = new Float64Array(0), sy = sx, sz = sx, sr = sx, su = sx;
let sj: Int32Array = new Int32Array(0), st = sj; // owner atom and element index of each short neighbor
let kOk: Uint8Array = new Uint8Array(0); // k inside the (i,j,k) cutoff for the current j
let kCos = sx, kAu = sx, kBv = sx, kCc = sx; // per-k force coefficients (see forces below)
let kdAu = sx, kdBv = sx, kdCc = sx; // their parameter tangents

function ensureScratch(n: number): void {
  if (n <= cap) return;
  cap = Math.max(n, 2 * cap, 64);
  const f = (): Float64Array => new Float64Array(cap);
  sx = f(); sy = f(); sz = f(); sr = f(); su = f();
  kCos = f(); kAu = f(); kBv = f(); kCc = f(); kdAu = f(); kdBv = f(); kdCc = f();
  sj = new Int32Array(cap); st = new Int32Array(cap);
  kOk = new Uint8Array(cap);
}

/**
 * Gathers atom i's neighbors with |r| + shift < cutmax (LAMMPS's short list, tested on the unshifted distance as
 * |r| < cutmax − shift) into the scratch arrays; returns their count.
 */
function gatherShort(x: Float64Array, nl: NeighborList, typeIdx: Int32Array, i: number, cutmax: number, shift: number): number {
  const reach = cutmax - shift;
  const reachSq = reach * reach;
  const b0 = nl.start[i], b1 = nl.start[i + 1];
  ensureScratch(b1 - b0);
  const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
  let ns = 0;
  for (let b = b0; b < b1; b++) {
    const j = nl.j[b];
    const dx = x[3 * j] + nl.shift[3 * b] - xi;
    const dy = x[3 * j + 1] + nl.shift[3 * b + 1] - yi;
    const dz = x[3 * j + 2] + nl.shift[3 * b + 2] - zi;
    const rsq = dx * dx + dy * dy + dz * dz;
    if (rsq >= reachSq) continue;
    const r = Math.sqrt(rsq);
    sx[ns] = dx; sy[ns] = dy; sz[ns] = dz; su[ns] = r; sr[ns] = r + shift;
    sj[ns] = j; st[ns] = typeIdx[j];
    ns++;
  }
  return ns;
}

// ---------------------------------------------------------------------------------------------------------------
// Bond order b(ζ) as LAMMPS evaluates it (ters_bij, ters_bij_d), with t = βζ:
//   t > c1: t^{-1/2};  t > c2: (1 − t^{-n}/2n) t^{-1/2};  t < c4: 1;  t < c3: 1 − t^n/2n;  else (1 + t^n)^{-1/2n}
// where c1 = (2n·1e-16)^{-1/n}, c2 = (2n·1e-8)^{-1/n}, c3 = 1/c2, c4 = 1/c1 (all 0 when n ≤ 0).

const bo = new Float64Array(7); // b, ∂b/∂ζ, ∂b/∂β, ∂b/∂n, ∂²b/∂ζ², ∂²b/∂ζ∂β, ∂²b/∂ζ∂n

/** Value and ζ-derivative of b into bo[0], bo[1], with LAMMPS's formulas. */
function bondOrder(zeta: number, beta: number, n: number, c1: number, c2: number, c3: number, c4: number): void {
  const t = beta * zeta;
  if (t > c1) {
    bo[0] = 1 / Math.sqrt(t);
    bo[1] = beta * -0.5 * Math.pow(t, -1.5);
  } else if (t > c2) {
    bo[0] = (1 - Math.pow(t, -n) / (2 * n)) / Math.sqrt(t);
    bo[1] = beta * (-0.5 * Math.pow(t, -1.5) * (1 - (1 + 1 / (2 * n)) * Math.pow(t, -n)));
  } else if (t < c4) {
    bo[0] = 1;
    bo[1] = 0;
  } else if (t < c3) {
    bo[0] = 1 - Math.pow(t, n) / (2 * n);
    bo[1] = -0.5 * beta * Math.pow(t, n - 1);
  } else {
    const tn = Math.pow(t, n);
    bo[0] = Math.pow(1 + tn, -1 / (2 * n));
    bo[1] = -0.5 * Math.pow(1 + tn, -1 - 1 / (2 * n)) * tn / zeta;
  }
}

/**
 * All first and the needed second partial derivatives of the same piecewise b(ζ; β, n), into bo[0..6].
 * With b = φ(t; n), t = βζ: b_ζ = βφ_t, b_β = ζφ_t, b_ζζ = β²φ_tt, b_ζβ = φ_t + tφ_tt, b_ζn = βφ_tn.
 */
function bondOrderPartials(zeta: number, beta: number, n: number, c1: number, c2: number, c3: number, c4: number): void {
  const t = beta * zeta;
  let phi: number, pt: number, ptt: number, pn: number, ptn: number;
  if (t > c1) {
    phi = 1 / Math.sqrt(t);
    pt = -0.5 * Math.pow(t, -1.5);
    ptt = 0.75 * Math.pow(t, -2.5);
    pn = 0;
    ptn = 0;
  } else if (t > c2) {
    const lt = Math.log(t);
    const a = Math.pow(t, -n - 0.5); // t^{−n−½}
    phi = 1 / Math.sqrt(t) - a / (2 * n);
    pt = -0.5 * Math.pow(t, -1.5) + ((2 * n + 1) / (4 * n)) * a / t;
    ptt = 0.75 * Math.pow(t, -2.5) - ((2 * n + 1) * (n + 1.5) / (4 * n)) * a / (t * t);
    pn = a * (lt / (2 * n) + 1 / (2 * n * n));
    ptn = -(a / t) * (1 / (4 * n * n) + (0.5 + 1 / (4 * n)) * lt);
  } else if (t < c4) {
    phi = 1; pt = 0; ptt = 0; pn = 0; ptn = 0;
  } else if (t < c3) {
    const lt = Math.log(t);
    const tn = Math.pow(t, n);
    phi = 1 - tn / (2 * n);
    pt = -0.5 * tn / t;
    ptt = -0.5 * (n - 1) * tn / (t * t);
    pn = -tn * (lt / (2 * n) - 1 / (2 * n * n));
    ptn = -0.5 * lt * tn / t;
  } else {
    const lt = Math.log(t);
    const tn = Math.pow(t, n);
    const u = 1 + tn;
    const lu = Math.log(u);
    phi = Math.pow(u, -1 / (2 * n));
    const q = Math.pow(u, -1 - 1 / (2 * n));
    pt = -0.5 * q * tn / t;
    // d/dt [−½ t^{n−1} u^{−1−1/2n}] = −½ [(n−1) t^{n−2} u^{−1−1/2n} − (1 + 1/2n) n t^{2n−2} u^{−2−1/2n}]
    ptt = -0.5 * ((n - 1) * tn / (t * t) * q - (1 + 1 / (2 * n)) * n * (tn / t) * (tn / t) * q / u);
    pn = phi * (lu / (2 * n * n) - tn * lt / (2 * n * u));
    ptn = pt * (lt + lu / (2 * n * n) - (1 + 1 / (2 * n)) * tn * lt / u);
  }
  bo[0] = phi;
  bo[1] = beta * pt;
  bo[2] = zeta * pt;
  bo[3] = pn;
  bo[4] = beta * beta * ptt;
  bo[5] = pt + t * ptt;
  bo[6] = beta * ptn;
}

// ---------------------------------------------------------------------------------------------------------------
// Cutoff function and its tangent: fc(r; R, D), ∂fc/∂r, and their derivatives along (dR, dD), into fcv[0..3].
const fcv = new Float64Array(4);

function cutoffTangent(r: number, R: number, D: number, dR: number, dD: number): void {
  if (r < R - D) {
    fcv[0] = 1; fcv[1] = 0; fcv[2] = 0; fcv[3] = 0;
  } else if (r > R + D) {
    fcv[0] = 0; fcv[1] = 0; fcv[2] = 0; fcv[3] = 0;
  } else {
    const s = (PI2 * (r - R)) / D;
    const sn = Math.sin(s), cs = Math.cos(s);
    const ds = -(PI2 * dR) / D - (s * dD) / D;
    fcv[0] = 0.5 * (1 - sn);
    fcv[1] = -(PI4 / D) * cs;
    fcv[2] = -0.5 * cs * ds;
    fcv[3] = (PI4 * cs * dD) / (D * D) + (PI4 / D) * sn * ds;
  }
}

function fcValue(r: number, R: number, D: number): number {
  if (r < R - D) return 1;
  if (r > R + D) return 0;
  return 0.5 * (1 - Math.sin((PI2 * (r - R)) / D));
}

function fcDeriv(r: number, R: number, D: number): number {
  if (r < R - D || r > R + D) return 0;
  return -(PI4 / D) * Math.cos((PI2 * (r - R)) / D);
}

/** exp of the ζ argument with LAMMPS's clamp. */
function clampedExp(arg: number): number {
  if (arg > EXP_ARG_MAX) return EXP_CLAMP_HIGH;
  if (arg < -EXP_ARG_MAX) return 0;
  return Math.exp(arg);
}

// ---------------------------------------------------------------------------------------------------------------
// Primal kernel.
//
// Forces: for the directed bond (i,j) with u = r_ij, r1 = |u| + δ, and each k with v = r_ik, r2 = |v| + δ (δ the
// shift, 0 by default), the ζ term τ = fc(r2) g(cosθ) ex(r1 − r2) has
//   ∂τ/∂u = (Au − Cc cosθ/|u|) û + (Cc/|u|) v̂,   ∂τ/∂v = (Bv − Cc cosθ/|v|) v̂ + (Cc/|v|) û
// with Au = fc g ex', Bv = fc' g ex − fc g ex', Cc = fc g' ex. The bond energy e = ½(V_R + b V_A) depends on the
// positions only through u and the v's, so its forces are pair forces: on j, −∂e/∂u (−(∂e/∂r1) û − P ∂ζ/∂u with
// P = ½ V_A b'(ζ)); on each k, −P ∂τ/∂v; and the opposite of each on i (tally.ts conventions give the virial).

interface Outputs {
  forces: Float64Array | null;
  virial: Float64Array | null;
  atomE: Float64Array | null;
}

function kernel(tb: Tables, s: Structure, nl: NeighborList, typeIdx: Int32Array, out: Outputs): number {
  const { ne, p, m, cutsq, thr } = tb;
  const x = s.positions;
  const n = s.species.length;
  const forces = out.forces, virial = out.virial, atomE = out.atomE;
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const ti = typeIdx[i];
    const ns = gatherShort(x, nl, typeIdx, i, tb.cutmax, tb.shift);
    for (let jj = 0; jj < ns; jj++) {
      const tj = st[jj];
      const t1 = tripletIndex(ne, ti, tj, tj);
      const r1 = sr[jj];
      if (r1 * r1 >= cutsq[t1]) continue;
      const r1u = su[jj];
      const ux = sx[jj] / r1u, uy = sy[jj] / r1u, uz = sz[jj] / r1u;
      let zeta = 0;
      for (let kk = 0; kk < ns; kk++) {
        kOk[kk] = 0;
        if (kk === jj) continue;
        const t3 = tripletIndex(ne, ti, tj, st[kk]);
        const r2 = sr[kk];
        if (r2 * r2 >= cutsq[t3]) continue;
        const o = t3 * NS;
        const cos = (ux * sx[kk] + uy * sy[kk] + uz * sz[kk]) / su[kk];
        const fc = fcValue(r2, p[o + RR], p[o + DCUT]);
        const c2 = p[o + CC] * p[o + CC], d2 = p[o + DD] * p[o + DD];
        const hc = p[o + H] - cos;
        const den = d2 + hc * hc;
        const gam = p[o + GAMMA];
        const g = gam * (1 + c2 / d2 - c2 / den);
        const lam3 = p[o + LAM3];
        const dr = r1 - r2;
        let arg = lam3 * dr;
        if (m[t3] === 3) arg = arg * arg * arg;
        const ex = clampedExp(arg);
        zeta += fc * g * ex;
        if (forces) {
          const exd = m[t3] === 3 ? 3 * lam3 * lam3 * lam3 * dr * dr * ex : lam3 * ex;
          const gd = (gam * (-2 * c2 * hc)) / (den * den);
          kOk[kk] = 1;
          kCos[kk] = cos;
          kAu[kk] = fc * g * exd;
          kBv[kk] = fcDeriv(r2, p[o + RR], p[o + DCUT]) * g * ex - fc * g * exd;
          kCc[kk] = fc * gd * ex;
        }
      }
      const o1 = t1 * NS;
      const R1 = p[o1 + RR], D1 = p[o1 + DCUT];
      const fc1 = fcValue(r1, R1, D1);
      const eR = Math.exp(-p[o1 + LAM1] * r1);
      const eA = Math.exp(-p[o1 + LAM2] * r1);
      const VR = fc1 * p[o1 + AA] * eR;
      const VA = -p[o1 + BB] * eA * fc1;
      const o4 = t1 * 4;
      bondOrder(zeta, p[o1 + BETA], p[o1 + NN], thr[o4], thr[o4 + 1], thr[o4 + 2], thr[o4 + 3]);
      const b = bo[0], bz = bo[1];
      const e = 0.5 * VR + 0.5 * b * VA;
      energy += e;
      const j = sj[jj];
      if (atomE) {
        atomE[i] += 0.5 * e;
        atomE[j] += 0.5 * e;
      }
      if (!forces) continue;
      const fc1d = fcDeriv(r1, R1, D1);
      const VRd = p[o1 + AA] * eR * (fc1d - p[o1 + LAM1] * fc1);
      const VAd = p[o1 + BB] * eA * (p[o1 + LAM2] * fc1 - fc1d);
      const dEdr = 0.5 * (VRd + b * VAd);
      const P = 0.5 * VA * bz;
      let fjx = -dEdr * ux, fjy = -dEdr * uy, fjz = -dEdr * uz;
      for (let kk = 0; kk < ns; kk++) {
        if (kOk[kk] === 0) continue;
        const r2u = su[kk];
        const vx = sx[kk] / r2u, vy = sy[kk] / r2u, vz = sz[kk] / r2u;
        const cos = kCos[kk], Cc = kCc[kk];
        const au = kAu[kk] - (Cc * cos) / r1u, av = Cc / r1u;
        fjx -= P * (au * ux + av * vx);
        fjy -= P * (au * uy + av * vy);
        fjz -= P * (au * uz + av * vz);
        const bv = kBv[kk] - (Cc * cos) / r2u, bu = Cc / r2u;
        const fkx = -P * (bv * vx + bu * ux), fky = -P * (bv * vy + bu * uy), fkz = -P * (bv * vz + bu * uz);
        tallyPairForce(forces, i, sj[kk], fkx, fky, fkz);
        if (virial) tallyPairVirial(virial, sx[kk], sy[kk], sz[kk], fkx, fky, fkz);
      }
      tallyPairForce(forces, i, j, fjx, fjy, fjz);
      if (virial) tallyPairVirial(virial, sx[jj], sy[jj], sz[jj], fjx, fjy, fjz);
    }
  }
  return energy;
}

// ---------------------------------------------------------------------------------------------------------------
// Tangent kernel: the primal kernel differentiated by hand along the parameter direction dp (same layout as
// Tables.p). Returns dE and accumulates dF (3N) and dW (6). A bond (i,j) reads only triplets (i,j,·), so bonds
// whose element pair (ti,tj) is not flagged in `activePair` (ne², row-major) have zero tangents and are skipped.

function tangentKernel(
  tb: Tables, s: Structure, nl: NeighborList, typeIdx: Int32Array, dp: Float64Array, activePair: Uint8Array,
  dF: Float64Array, dW: Float64Array,
): number {
  const { ne, p, m, cutsq, thr } = tb;
  const x = s.positions;
  const n = s.species.length;
  let dEnergy = 0;
  for (let i = 0; i < n; i++) {
    const ti = typeIdx[i];
    const ns = gatherShort(x, nl, typeIdx, i, tb.cutmax, tb.shift);
    for (let jj = 0; jj < ns; jj++) {
      const tj = st[jj];
      if (activePair[ti * ne + tj] === 0) continue;
      const t1 = tripletIndex(ne, ti, tj, tj);
      const r1 = sr[jj];
      if (r1 * r1 >= cutsq[t1]) continue;
      const r1u = su[jj];
      const ux = sx[jj] / r1u, uy = sy[jj] / r1u, uz = sz[jj] / r1u;
      let zeta = 0, dzeta = 0;
      for (let kk = 0; kk < ns; kk++) {
        kOk[kk] = 0;
        if (kk === jj) continue;
        const t3 = tripletIndex(ne, ti, tj, st[kk]);
        const r2 = sr[kk];
        if (r2 * r2 >= cutsq[t3]) continue;
        const o = t3 * NS;
        const cos = (ux * sx[kk] + uy * sy[kk] + uz * sz[kk]) / su[kk];
        cutoffTangent(r2, p[o + RR], p[o + DCUT], dp[o + RR], dp[o + DCUT]);
        const fc = fcv[0], fcd = fcv[1], dfc = fcv[2], dfcd = fcv[3];
        // g and g' = dg/dcosθ with their tangents
        const c = p[o + CC], d = p[o + DD], gam = p[o + GAMMA];
        const dc = dp[o + CC], dd = dp[o + DD], dgam = dp[o + GAMMA], dh = dp[o + H];
        const c2 = c * c, d2 = d * d, dc2 = 2 * c * dc, dd2 = 2 * d * dd;
        const hc = p[o + H] - cos;
        const den = d2 + hc * hc, dden = dd2 + 2 * hc * dh;
        const gBase = 1 + c2 / d2 - c2 / den;
        const g = gam * gBase;
        const dg = dgam * gBase + gam * (dc2 / d2 - (c2 * dd2) / (d2 * d2) - dc2 / den + (c2 * dden) / (den * den));
        const gd = (gam * (-2 * c2 * hc)) / (den * den);
        const dgd = (-2 * (dgam * c2 * hc + gam * dc2 * hc + gam * c2 * dh)) / (den * den)
          + (4 * gam * c2 * hc * dden) / (den * den * den);
        // ex = exp(arg), arg = (λ3 Δ)^m, and ex' = ∂ex/∂Δ as LAMMPS computes it
        const lam3 = p[o + LAM3], dlam3 = dp[o + LAM3];
        const dr = r1 - r2;
        let arg: number, darg: number;
        if (m[t3] === 3) {
          const a = lam3 * dr;
          arg = a * a * a;
          darg = 3 * a * a * dr * dlam3;
        } else {
          arg = lam3 * dr;
          darg = dr * dlam3;
        }
        const ex = clampedExp(arg);
        const dex = arg > EXP_ARG_MAX || arg < -EXP_ARG_MAX ? 0 : ex * darg;
        let exd: number, dexd: number;
        if (m[t3] === 3) {
          exd = 3 * lam3 * lam3 * lam3 * dr * dr * ex;
          dexd = 9 * lam3 * lam3 * dlam3 * dr * dr * ex + 3 * lam3 * lam3 * lam3 * dr * dr * dex;
        } else {
          exd = lam3 * ex;
          dexd = dlam3 * ex + lam3 * dex;
        }
        zeta += fc * g * ex;
        dzeta += dfc * g * ex + fc * dg * ex + fc * g * dex;
        kOk[kk] = 1;
        kCos[kk] = cos;
        kAu[kk] = fc * g * exd;
        kdAu[kk] = dfc * g * exd + fc * dg * exd + fc * g * dexd;
        kBv[kk] = fcd * g * ex - kAu[kk];
        kdBv[kk] = dfcd * g * ex + fcd * dg * ex + fcd * g * dex - kdAu[kk];
        kCc[kk] = fc * gd * ex;
        kdCc[kk] = dfc * gd * ex + fc * dgd * ex + fc * gd * dex;
      }
      const o1 = t1 * NS;
      cutoffTangent(r1, p[o1 + RR], p[o1 + DCUT], dp[o1 + RR], dp[o1 + DCUT]);
      const fc1 = fcv[0], fc1d = fcv[1], dfc1 = fcv[2], dfc1d = fcv[3];
      const A = p[o1 + AA], lam1 = p[o1 + LAM1], B = p[o1 + BB], lam2 = p[o1 + LAM2];
      const dA = dp[o1 + AA], dlam1 = dp[o1 + LAM1], dB = dp[o1 + BB], dlam2 = dp[o1 + LAM2];
      const eR = Math.exp(-lam1 * r1), deR = -dlam1 * r1 * eR;
      const eA = Math.exp(-lam2 * r1), deA = -dlam2 * r1 * eA;
      const VR = A * eR * fc1;
      const dVR = dA * eR * fc1 + A * deR * fc1 + A * eR * dfc1;
      const VA = -B * eA * fc1;
      const dVA = -(dB * eA * fc1 + B * deA * fc1 + B * eA * dfc1);
      const qR = fc1d - lam1 * fc1, dqR = dfc1d - dlam1 * fc1 - lam1 * dfc1;
      const VRd = A * eR * qR;
      const dVRd = dA * eR * qR + A * deR * qR + A * eR * dqR;
      const qA = lam2 * fc1 - fc1d, dqA = dlam2 * fc1 + lam2 * dfc1 - dfc1d;
      const VAd = B * eA * qA;
      const dVAd = dB * eA * qA + B * deA * qA + B * eA * dqA;
      const o4 = t1 * 4;
      bondOrderPartials(zeta, p[o1 + BETA], p[o1 + NN], thr[o4], thr[o4 + 1], thr[o4 + 2], thr[o4 + 3]);
      const dbeta = dp[o1 + BETA], dn = dp[o1 + NN];
      const b = bo[0], bz = bo[1];
      const db = bz * dzeta + bo[2] * dbeta + bo[3] * dn;
      const dbz = bo[4] * dzeta + bo[5] * dbeta + bo[6] * dn;
      dEnergy += 0.5 * (dVR + db * VA + b * dVA);
      const ddEdr = 0.5 * (dVRd + db * VAd + b * dVAd);
      const Pf = 0.5 * VA * bz;
      const dPf = 0.5 * (dVA * bz + VA * dbz);
      let fjx = -ddEdr * ux, fjy = -ddEdr * uy, fjz = -ddEdr * uz;
      for (let kk = 0; kk < ns; kk++) {
        if (kOk[kk] === 0) continue;
        const r2u = su[kk];
        const vx = sx[kk] / r2u, vy = sy[kk] / r2u, vz = sz[kk] / r2u;
        const cos = kCos[kk], Cc = kCc[kk], dCc = kdCc[kk];
        const au = kAu[kk] - (Cc * cos) / r1u, av = Cc / r1u;
        const dau = kdAu[kk] - (dCc * cos) / r1u, dav = dCc / r1u;
        fjx -= dPf * (au * ux + av * vx) + Pf * (dau * ux + dav * vx);
        fjy -= dPf * (au * uy + av * vy) + Pf * (dau * uy + dav * vy);
        fjz -= dPf * (au * uz + av * vz) + Pf * (dau * uz + dav * vz);
        const bv = kBv[kk] - (Cc * cos) / r2u, bu = Cc / r2u;
        const dbv = kdBv[kk] - (dCc * cos) / r2u, dbu = dCc / r2u;
        const fkx = -(dPf * (bv * vx + bu * ux) + Pf * (dbv * vx + dbu * ux));
        const fky = -(dPf * (bv * vy + bu * uy) + Pf * (dbv * vy + dbu * uy));
        const fkz = -(dPf * (bv * vz + bu * uz) + Pf * (dbv * vz + dbu * uz));
        tallyPairForce(dF, i, sj[kk], fkx, fky, fkz);
        tallyPairVirial(dW, sx[kk], sy[kk], sz[kk], fkx, fky, fkz);
      }
      tallyPairForce(dF, i, sj[jj], fjx, fjy, fjz);
      tallyPairVirial(dW, sx[jj], sy[jj], sz[jj], fjx, fjy, fjz);
    }
  }
  return dEnergy;
}

// ---------------------------------------------------------------------------------------------------------------
// Compilation.

/** Fields of (i,j,j) that LAMMPS's one-per-pair repulsion reads: tied to the same fields of (j,i,i). */
const PAIR_SYMMETRIC: readonly TersoffField[] = ['R', 'D', 'lambda1', 'A'];

function checkSpec(spec: TersoffSpec): Map<string, number> {
  const ne = spec.elements.length;
  if (ne === 0) throw new UserError('tersoff model: no elements');
  const index = new Map<string, number>();
  spec.elements.forEach((el, k) => {
    if (atomicNumber(el) === undefined) throw new UserError(`tersoff model: unknown element "${el}"`);
    if (index.has(el)) throw new UserError(`tersoff model: element ${el} listed twice`);
    index.set(el, k);
  });
  if (spec.shift !== undefined && !Number.isFinite(spec.shift)) {
    throw new UserError(`tersoff model: shift = ${spec.shift}, expected a finite number of Å`);
  }
  const seen = new Set<number>();
  for (const tr of spec.triplets) {
    const ids = tr.elements.map((el) => index.get(el));
    if (ids.some((v) => v === undefined)) {
      throw new UserError(`tersoff model: triplet ${tr.elements.join(' ')} names an element not in [${spec.elements.join(', ')}]`);
    }
    const t = tripletIndex(ne, ids[0]!, ids[1]!, ids[2]!);
    if (seen.has(t)) throw new UserError(`tersoff model: duplicate triplet ${tr.elements.join(' ')}`);
    seen.add(t);
    if (tr.m !== 1 && tr.m !== 3) {
      throw new UserError(`tersoff model: triplet ${tr.elements.join(' ')} has m = ${tr.m}, expected 1 or 3 (as LAMMPS)`);
    }
  }
  for (let i = 0; i < ne; i++)
    for (let j = 0; j < ne; j++)
      for (let k = 0; k < ne; k++) {
        if (!seen.has(tripletIndex(ne, i, j, k))) {
          throw new UserError(`tersoff model: missing triplet ${spec.elements[i]} ${spec.elements[j]} ${spec.elements[k]}`);
        }
      }
  const byT = new Map<number, TersoffTriplet>();
  for (const tr of spec.triplets) byT.set(tripletIndex(ne, index.get(tr.elements[0])!, index.get(tr.elements[1])!, index.get(tr.elements[2])!), tr);
  for (let i = 0; i < ne; i++)
    for (let j = i + 1; j < ne; j++) {
      const a = byT.get(tripletIndex(ne, i, j, j))!, b = byT.get(tripletIndex(ne, j, i, i))!;
      for (const f of PAIR_SYMMETRIC) {
        if (a[f] !== b[f]) {
          throw new UserError(`tersoff model: ${f} differs between ${a.elements.join(' ')} (${a[f]}) and ${b.elements.join(' ')} (${b[f]}); `
            + 'LAMMPS evaluates the repulsion of each pair once with either entry, so R, D, lambda1 and A must be equal');
        }
      }
    }
  return index;
}

function buildTables(spec: TersoffSpec, index: Map<string, number>): Tables {
  const ne = spec.elements.length;
  const nt = ne * ne * ne;
  const p = new Float64Array(nt * NS);
  const m = new Int32Array(nt);
  const cutsq = new Float64Array(nt);
  const thr = new Float64Array(nt * 4);
  let cutmax = 0;
  for (const tr of spec.triplets) {
    const t = tripletIndex(ne, index.get(tr.elements[0])!, index.get(tr.elements[1])!, index.get(tr.elements[2])!);
    TERSOFF_FIELDS.forEach((f, q) => (p[t * NS + q] = tr[f]));
    m[t] = tr.m;
    const cut = tr.R + tr.D;
    cutsq[t] = cut * cut;
    if (cut > cutmax) cutmax = cut;
    const n = tr.n;
    if (n > 0) {
      // LAMMPS's thresholds: beyond them the neglected terms of b's expansion are below 1e-16 (c1, c4) or the
      // next-order term is below 1e-8 relative (c2, c3)
      const c1 = Math.pow(2 * n * 1e-16, -1 / n);
      const c2 = Math.pow(2 * n * 1e-8, -1 / n);
      thr[4 * t] = c1;
      thr[4 * t + 1] = c2;
      thr[4 * t + 2] = 1 / c2;
      thr[4 * t + 3] = 1 / c1;
    }
  }
  const typeOf = new Int32Array(SYMBOL_COUNT).fill(-1);
  spec.elements.forEach((el, k) => (typeOf[atomicNumber(el)!] = k));
  return { ne, typeOf, m, p, cutsq, thr, cutmax, shift: spec.shift ?? 0 };
}

const SYMBOL_COUNT = 128;

/**
 * Parameter table: name and the table slot(s) it sets. A tied repulsion parameter (PAIR_SYMMETRIC, i ≠ j) is
 * named after the triplet whose first element comes first in `elements` and sets both (i,j,j) and (j,i,i).
 */
function parameterLayout(spec: TersoffSpec): { names: string[]; slot: Int32Array; slot2: Int32Array } {
  const ne = spec.elements.length;
  const names: string[] = [];
  const slots: number[] = [];
  const slots2: number[] = [];
  for (let i = 0; i < ne; i++)
    for (let j = 0; j < ne; j++)
      for (let k = 0; k < ne; k++) {
        const t = tripletIndex(ne, i, j, k);
        const label = `${spec.elements[i]}-${spec.elements[j]}-${spec.elements[k]}`;
        TERSOFF_FIELDS.forEach((f, q) => {
          if (j !== k && !THREE_BODY_FIELDS.has(f)) return;
          let second = -1;
          if (j === k && i !== j && PAIR_SYMMETRIC.includes(f)) {
            if (j < i) return; // set through the (j,i,i) parameter
            second = tripletIndex(ne, j, i, i) * NS + q;
          }
          names.push(`${f}:${label}`);
          slots.push(t * NS + q);
          slots2.push(second);
        });
      }
  return { names, slot: Int32Array.from(slots), slot2: Int32Array.from(slots2) };
}

function tripletOf(ne: number, index: Map<string, number>, tr: TersoffTriplet): number {
  return tripletIndex(ne, index.get(tr.elements[0])!, index.get(tr.elements[1])!, index.get(tr.elements[2])!);
}

/** Fields LAMMPS requires to be non-negative: their lower bound is 0. */
const NON_NEGATIVE: ReadonlySet<TersoffField> = new Set(['gamma', 'c', 'd', 'n', 'beta', 'lambda2', 'B', 'R', 'D', 'lambda1', 'A']);

export function compileTersoff(specIn: TersoffSpec): CompiledModel<TersoffSpec> {
  const index = checkSpec(specIn);
  const tb = buildTables(specIn, index);
  // the neighbor list must reach every pair with |r| + shift < max(R + D)
  const cutoff = tb.cutmax - tb.shift;
  if (!(cutoff > 0)) throw new UserError(`tersoff model: shift ${tb.shift} Å leaves no interaction range (largest R + D is ${tb.cutmax} Å)`);
  const spec: TersoffSpec = { ...specIn, cutoff };
  const { names, slot, slot2 } = parameterLayout(spec);
  const nP = names.length;
  const parameters = new Float64Array(nP);
  const lower = new Float64Array(nP);
  const upper = new Float64Array(nP).fill(Infinity);
  for (let q = 0; q < nP; q++) {
    parameters[q] = tb.p[slot[q]];
    lower[q] = NON_NEGATIVE.has(TERSOFF_FIELDS[slot[q] % NS]) ? 0 : -Infinity;
  }
  const symbols = spec.elements;

  function speciesIndex(s: Structure): Int32Array {
    const n = s.species.length;
    const out = new Int32Array(n);
    for (let a = 0; a < n; a++) {
      const z = s.species[a];
      const t = z >= 0 && z < SYMBOL_COUNT ? tb.typeOf[z] : -1;
      if (t < 0) {
        throw new UserError(`tersoff model has no parameters for element ${symbolOf(z)} (atom ${a}); model elements: ${symbols.join(', ')}`);
      }
      out[a] = t;
    }
    return out;
  }

  function evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
    if (nl.half) throw new Error('internal error: tersoff needs a full neighbor list');
    const n = s.species.length;
    const typeIdx = speciesIndex(s);
    const out: Outputs = {
      forces: req.forces ? new Float64Array(3 * n) : null,
      virial: req.virial ? new Float64Array(6) : null,
      atomE: req.atomEnergies ? new Float64Array(n) : null,
    };
    // the virial needs the force pass even when forces are not returned
    if (!out.forces && out.virial) out.forces = new Float64Array(3 * n);
    const energy = kernel(tb, s, nl, typeIdx, out);
    const r: EvalResult = { energy };
    if (req.forces && out.forces) r.forces = out.forces;
    if (out.virial) r.virial = out.virial;
    if (out.atomE) r.atomEnergies = out.atomE;
    if (req.paramGradient) {
      const dEnergy = new Float64Array(nP);
      const dForces = new Float64Array(nP * 3 * n);
      const dVirial = new Float64Array(nP * 6);
      const dp = new Float64Array(tb.p.length);
      const ne = tb.ne;
      const activePair = new Uint8Array(ne * ne);
      for (let q = 0; q < nP; q++) {
        activePair.fill(0);
        for (const sl of [slot[q], slot2[q]]) {
          if (sl < 0) continue;
          dp[sl] = 1;
          activePair[Math.floor(Math.floor(sl / NS) / ne)] = 1; // triplet (i,j,k) → pair i*ne + j
        }
        dEnergy[q] = tangentKernel(tb, s, nl, typeIdx, dp, activePair,
          dForces.subarray(q * 3 * n, (q + 1) * 3 * n), dVirial.subarray(q * 6, q * 6 + 6));
        dp[slot[q]] = 0;
        if (slot2[q] >= 0) dp[slot2[q]] = 0;
      }
      r.dEnergy = dEnergy;
      r.dForces = dForces;
      r.dVirial = dVirial;
    }
    return r;
  }

  function withParameters(theta: ArrayLike<number>): CompiledModel<TersoffSpec> {
    if (theta.length !== nP) throw new Error(`internal error: tersoff expects ${nP} parameters, got ${theta.length}`);
    const ne = spec.elements.length;
    const byTriplet = new Map<number, TersoffTriplet>();
    const triplets = spec.triplets.map((tr) => {
      const copy: TersoffTriplet = { ...tr, elements: [...tr.elements] };
      byTriplet.set(tripletOf(ne, index, tr), copy);
      return copy;
    });
    for (let q = 0; q < nP; q++) {
      for (const sl of [slot[q], slot2[q]]) {
        if (sl >= 0) byTriplet.get(Math.floor(sl / NS))![TERSOFF_FIELDS[sl % NS]] = theta[q];
      }
    }
    return compileTersoff({ ...spec, triplets });
  }

  return {
    spec,
    cutoff,
    neighborList: 'full',
    paramNames: names,
    parameters,
    lower,
    upper,
    evaluate,
    withParameters,
  };
}
