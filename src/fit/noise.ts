/**
 * Noise-level estimation (`sigma: auto`) by maximum likelihood, iterated to self-consistency with the fit.
 *
 * At the optimum for the current σ, each data type t gets
 *   σ_t² = S_t / (n_t − γ_t),   S_E = Σ_i ΔE_i² / N_i,  S_F = Σ ΔF²,  S_S = Σ Δσ²,
 * with n_t the number of rows of type t and γ_t = tr(A⁻¹ A_t) the number of parameters "used" by type t
 * (A = JᵀJ of the likelihood-weighted Jacobian plus the regularisation, A_t the part from type t's rows). This is
 * the evidence-maximisation fixed point for several noise levels (MacKay 1992) for linear models, and its Gauss–Newton
 * (Laplace) version for nonlinear ones. With γ_t = 0 it is the plain ML estimate.
 * Per-group estimates (rowMask selecting one group's rows) use the group's S_t, n_t and γ_t = tr(A⁻¹ A_t,group),
 * with A always from all rows.
 */
import { cholesky, choleskySolve } from '../linalg/cholesky.ts';
import { getBackend } from '../linalg/backend.ts';
import { ROW_ENERGY, ROW_FORCE, ROW_STRESS, type DataRows, type SigmaSet } from './objective.ts';
import { classRss, combineNormal, type NormalCache, type NormalClass } from './normal-equations.ts';

export interface NoiseEstimate {
  sigma: SigmaSet;
  /** γ_t per type. */
  effectiveParams: SigmaSet;
  /** Row counts per type. */
  counts: SigmaSet;
}

/**
 * @param rows the row layout (its `sigma` and `weight` give the current weights)
 * @param pred row predictions at the optimum (offsets included)
 * @param J Jacobian of the WEIGHTED residuals at the optimum (rows x P, without regularisation rows), or undefined
 *          to skip the degrees-of-freedom correction
 * @param regGram RᵀR of the regularisation rows (P x P), if any
 */
export function estimateNoise(
  rows: DataRows, pred: Float64Array, nAtoms: Int32Array, J?: Float64Array, P = 0, regGram?: Float64Array,
  rowMask?: (k: number) => boolean,
): NoiseEstimate {
  const S = [0, 0, 0];
  const n = [0, 0, 0];
  for (let k = 0; k < rows.nRows; k++) {
    if (rowMask && !rowMask(k)) continue;
    const t = rows.kind[k];
    const d = pred[k] - rows.ref[k];
    S[t] += t === ROW_ENERGY ? (d * d) / nAtoms[rows.config[k]] : d * d;
    n[t]++;
  }
  const gamma = [0, 0, 0];
  if (J && P > 0) {
    const A = new Float64Array(P * P);
    const At = [new Float64Array(P * P), new Float64Array(P * P), new Float64Array(P * P)];
    for (let k = 0; k < rows.nRows; k++) {
      const t = rows.kind[k];
      const inMask = !rowMask || rowMask(k);
      const o = k * P;
      for (let p = 0; p < P; p++) {
        const a = J[o + p];
        if (a === 0) continue;
        for (let q = 0; q < P; q++) {
          const v = a * J[o + q];
          A[p * P + q] += v;
          if (inMask) At[t][p * P + q] += v;
        }
      }
    }
    if (regGram) for (let i = 0; i < P * P; i++) A[i] += regGram[i];
    let d = 0;
    for (let p = 0; p < P; p++) d = Math.max(d, A[p * P + p]);
    for (let p = 0; p < P; p++) A[p * P + p] += 1e-12 * (d || 1);
    const ch = cholesky({ rows: P, cols: P, data: A });
    if (ch.ok) {
      const col = new Float64Array(P);
      for (let t = 0; t < 3; t++) {
        let tr = 0;
        for (let j = 0; j < P; j++) {
          for (let p = 0; p < P; p++) col[p] = At[t][p * P + j];
          tr += choleskySolve(ch, col)[j];
        }
        gamma[t] = tr;
      }
    }
  }
  return sigmaFromStatistics(S, n, gamma);
}

/** σ_t² = S_t / (n_t − γ_t) per type (NaN when n_t ≤ γ_t). */
export function sigmaFromStatistics(S: number[], n: number[], gamma: number[]): NoiseEstimate {
  const sig = [0, 1, 2].map((t) => (n[t] > gamma[t] ? Math.sqrt(S[t] / (n[t] - gamma[t])) : NaN));
  return {
    sigma: { energy: sig[ROW_ENERGY], force: sig[ROW_FORCE], stress: sig[ROW_STRESS] },
    effectiveParams: { energy: gamma[0], force: gamma[1], stress: gamma[2] },
    counts: { energy: n[0], force: n[1], stress: n[2] },
  };
}

/**
 * The same estimate from streamed normal equations (normal-equations.ts) instead of rows: per class c (scale s_c
 * to the current weights, ratio ρ_c), S contributes classRss_c(θ)/ρ_c (the Σ noiseFactor_k d_k² of its rows) and
 * γ contributes s_c tr(A⁻¹ A_c) = s_c Σ_ij (A⁻¹)_ij (A_c)_ij, with A = Σ s_c A_c + regGram (+ the same 1e-12 jitter):
 * one factorisation and one inverse, then O(P²) per class.
 * @param select which classes form one estimate: all (global σ) or one group's (per-group σ; A still from all rows)
 */
export function estimateNoiseFromNormal(
  cache: NormalCache, scales: Float64Array, theta: ArrayLike<number>, regGram: Float64Array | undefined,
  selections: ((c: NormalClass) => boolean)[],
): NoiseEstimate[] {
  const P = cache.paramNames.length;
  const be = getBackend();
  const A = combineNormal(cache, scales).A;
  if (regGram) for (let i = 0; i < P * P; i++) A[i] += regGram[i];
  let d = 0;
  for (let p = 0; p < P; p++) d = Math.max(d, A[p * P + p]);
  for (let p = 0; p < P; p++) A[p * P + p] += 1e-12 * (d || 1);
  const ch = be.cholesky({ rows: P, cols: P, data: A });
  const inv = ch.ok ? be.choleskyInverse(ch) : undefined;
  const traces = cache.classes.map((cls) => {
    if (!inv) return 0;
    let t = 0;
    for (let i = 0; i < P * P; i++) t += inv[i] * cls.ne.A[i];
    return t;
  });
  return selections.map((select) => {
    const S = [0, 0, 0], n = [0, 0, 0], gamma = [0, 0, 0];
    cache.classes.forEach((cls, idx) => {
      if (!select(cls) || scales[idx] === 0) return;
      S[cls.kind] += classRss(cls, theta) / cls.ratio;
      n[cls.kind] += cls.ne.n;
      gamma[cls.kind] += scales[idx] * traces[idx];
    });
    return sigmaFromStatistics(S, n, gamma);
  });
}
