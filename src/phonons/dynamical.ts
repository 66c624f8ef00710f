/**
 * Dynamical matrix and phonon frequencies.
 *
 *   D_{iα,jβ}(q) = Σ_{J ≡ j} w_iJ Σ_{images d of (i,J)} Φ(iα, Jβ) e^{i q·d} / √(m_i m_j)     (eV/(Å²·amu))
 * with the force constants, images and weights of force-constants.ts; q Cartesian in Å⁻¹ (including the 2π).
 * D is Hermitian up to finite-difference noise and is symmetrised as (D + D†)/2. Its eigenvalues λ = ω² are found
 * with the real symmetric embedding [[Re D, −Im D], [Im D, Re D]] (each eigenvalue appears twice) and
 * linalg/eigen.ts. Frequencies f = √λ / 2π in THz (λ converted to fs⁻² with md-units.ts); an unstable mode (λ < 0)
 * is reported as the negative number −√|λ|/2π, the usual convention for imaginary frequencies.
 */
import { symEigen } from '../linalg/eigen.ts';
import { ACCEL_A_FS2_PER_EV_A_AMU, THZ_PER_INV_FS } from '../md/md-units.ts';
import type { ForceConstants } from './force-constants.ts';

export interface ComplexMatrix {
  n: number;
  re: Float64Array;
  im: Float64Array;
}

export function dynamicalMatrix(fc: ForceConstants, q: ArrayLike<number>): ComplexMatrix {
  const { n, M, phi, imgStart, imgVec, imgWeight, masses } = fc;
  const N = 3 * n;
  const re = new Float64Array(N * N), im = new Float64Array(N * N);
  for (let i = 0; i < n; i++)
    for (let J = 0; J < M; J++) {
      const j = J % n;
      const p = i * M + J;
      let cr = 0, ci = 0;
      for (let k = imgStart[p]; k < imgStart[p + 1]; k++) {
        const ph = q[0] * imgVec[3 * k] + q[1] * imgVec[3 * k + 1] + q[2] * imgVec[3 * k + 2];
        cr += Math.cos(ph);
        ci += Math.sin(ph);
      }
      const w = imgWeight[p] / Math.sqrt(masses[i] * masses[j]);
      cr *= w;
      ci *= w;
      for (let a = 0; a < 3; a++)
        for (let b = 0; b < 3; b++) {
          const f = phi[(3 * i + a) * 3 * M + 3 * J + b];
          const o = (3 * i + a) * N + 3 * j + b;
          re[o] += f * cr;
          im[o] += f * ci;
        }
    }
  for (let r = 0; r < N; r++)
    for (let c = r; c < N; c++) {
      const ar = 0.5 * (re[r * N + c] + re[c * N + r]), ai = 0.5 * (im[r * N + c] - im[c * N + r]);
      re[r * N + c] = ar;
      re[c * N + r] = ar;
      im[r * N + c] = ai;
      im[c * N + r] = -ai;
    }
  return { n: N, re, im };
}

/** Eigenvalues ω² (eV/(Å²·amu)), ascending, of a Hermitian matrix. */
export function hermitianEigenvalues(d: ComplexMatrix): Float64Array {
  const N = d.n, N2 = 2 * N;
  const a = new Float64Array(N2 * N2);
  for (let r = 0; r < N; r++)
    for (let c = 0; c < N; c++) {
      const x = d.re[r * N + c], y = d.im[r * N + c];
      a[r * N2 + c] = x;
      a[(r + N) * N2 + c + N] = x;
      a[r * N2 + c + N] = -y;
      a[(r + N) * N2 + c] = y;
    }
  const ev = symEigen({ rows: N2, cols: N2, data: a }).values;
  const out = new Float64Array(N);
  for (let k = 0; k < N; k++) out[k] = 0.5 * (ev[2 * k] + ev[2 * k + 1]);
  return out;
}

/** THz from ω² in eV/(Å²·amu); negative for imaginary modes. */
export function thzFromOmega2(l: number): number {
  const w = Math.sqrt(Math.abs(l) * ACCEL_A_FS2_PER_EV_A_AMU) * THZ_PER_INV_FS / (2 * Math.PI);
  return l < 0 ? -w : w;
}

/** Phonon frequencies (THz, ascending) at q (Cartesian, Å⁻¹). */
export function frequencies(fc: ForceConstants, q: ArrayLike<number>): Float64Array {
  return hermitianEigenvalues(dynamicalMatrix(fc, q)).map(thzFromOmega2);
}
