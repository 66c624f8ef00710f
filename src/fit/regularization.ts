/**
 * Regularisation as extra residual rows, so every solver handles it the same way:
 * - ridge:      √(λ_r d_p) · θ_p for every model parameter p (offsets are not penalised), d_p = 1 or, standardised
 *               (`ridgeWeights`), the parameter's column scale (ridgeWeights below);
 * - smoothness: √λ_s · (θ_{k−1} − 2θ_k + θ_{k+1}) for every interior knot k of each spline sequence (parameters
 *   named `<name>[k]` with the same prefix and consecutive k form one sequence); a discrete second derivative
 *   (Tikhonov) penalty on uniformly spaced knots.
 * The added rows are reported as the loss term "regularization".
 */
import { concatRows, type LeastSquaresProblem } from './problem.ts';

export interface RegularizationSettings {
  ridge: number;
  smoothness: number;
  /** Per model parameter, the diagonal d_p of the ridge metric (default all 1): standardised ridge. */
  ridgeWeights?: ArrayLike<number>;
}

/** One data type's part of the data for the standardised metric (all without weights: σ and balance divided out). */
export interface TypeColumns {
  /** Per model parameter, Σ_k noiseFactor_k J_kp² over the type's rows (J_kp: the row's raw derivative). */
  diag: ArrayLike<number>;
  /** Number of rows. */
  rows: number;
  /** The spread of the type's reference values (per-atom energies, force components, stresses): their variance
   * (for forces the mean square: they sum to zero in each configuration). */
  variance: number;
}

/**
 * The standardised ridge metric d_p = Σ_t (diag_t,p / n_t) / v_t: each column's mean square over the rows of each data
 * type, in units of that type's spread of reference values, summed over types. The penalty λ Σ d_p θ_p² is then the
 * plain ridge on columns scaled to unit norm, so the fit does not depend on the scale of any column (rescaling a
 * column by c rescales its coefficient by 1/c and leaves the fit unchanged: descriptor normalisation, products of
 * descriptors in quadratic models), nor on σ or the balance (the metric is a property of the data and model alone,
 * so a fit is reproduced by the same λ with any σ). A column no row depends on gets the mean of the others, so its
 * parameter stays determined (at 0).
 */
export function standardizedRidgeWeights(types: readonly TypeColumns[], nModelParams: number): Float64Array {
  const d = new Float64Array(nModelParams);
  for (const t of types) {
    if (!(t.rows > 0) || !(t.variance > 0) || !Number.isFinite(t.variance)) continue;
    for (let p = 0; p < nModelParams; p++) d[p] += t.diag[p] / (t.rows * t.variance);
  }
  let sum = 0, n = 0;
  for (const v of d) if (v > 0 && Number.isFinite(v)) { sum += v; n++; }
  const fallback = n ? sum / n : 1;
  return d.map((v) => (v > 0 && Number.isFinite(v) ? v : fallback));
}

/** The mean of a ridge metric over the model parameters (1 for the plain ridge): 'auto' strength grids are relative
 * to mean diag(A) / this, so a grid means the same for either metric. */
export function ridgeMetricMean(ridgeWeights: ArrayLike<number> | undefined, nModelParams: number): number {
  if (!ridgeWeights || !nModelParams) return 1;
  let s = 0;
  for (let p = 0; p < nModelParams; p++) s += ridgeWeights[p];
  return s / nModelParams || 1;
}

/** Groups of parameter indices that form knot sequences, from `<prefix>[k]` names, ordered by k. */
export function knotSequences(names: readonly string[]): number[][] {
  const seqs = new Map<string, { k: number; p: number }[]>();
  names.forEach((n, p) => {
    const m = /^(.*)\[(\d+)\]$/.exec(n);
    if (!m) return;
    const list = seqs.get(m[1]) ?? seqs.set(m[1], []).get(m[1])!;
    list.push({ k: Number(m[2]), p });
  });
  return [...seqs.values()].map((l) => l.sort((a, b) => a.k - b.k).map((e) => e.p)).filter((l) => l.length >= 3);
}

/** The regularisation operator R (rows x P, row-major) with R θ the extra residuals. */
export function regularizationOperator(nParams: number, nModelParams: number, names: readonly string[], reg: RegularizationSettings): { rows: number; R: Float64Array } {
  const entries: [number, number, number][] = []; // row, col, value
  let row = 0;
  if (reg.ridge > 0) {
    const w = reg.ridgeWeights;
    if (w && w.length !== nModelParams) throw new Error(`regularizationOperator: ${w.length} ridge weights for ${nModelParams} model parameters`);
    for (let p = 0; p < nModelParams; p++) entries.push([row++, p, Math.sqrt(reg.ridge * (w ? w[p] : 1))]);
  }
  if (reg.smoothness > 0) {
    const s = Math.sqrt(reg.smoothness);
    for (const seq of knotSequences(names.slice(0, nModelParams))) {
      for (let k = 1; k + 1 < seq.length; k++) {
        entries.push([row, seq[k - 1], s], [row, seq[k], -2 * s], [row, seq[k + 1], s]);
        row++;
      }
    }
  }
  const R = new Float64Array(row * nParams);
  for (const [r, c, v] of entries) R[r * nParams + c] += v;
  return { rows: row, R };
}

export function withRegularization(problem: LeastSquaresProblem, nModelParams: number, reg: RegularizationSettings): LeastSquaresProblem {
  const P = problem.nParams;
  const { rows: nr, R } = regularizationOperator(P, nModelParams, problem.paramNames, reg);
  if (nr === 0) return problem;
  const N = problem.nResiduals;
  const extra = (theta: Float64Array): Float64Array => {
    const out = new Float64Array(nr);
    for (let i = 0; i < nr; i++) {
      let s = 0;
      for (let p = 0; p < P; p++) s += R[i * P + p] * theta[p];
      out[i] = s;
    }
    return out;
  };
  return {
    ...problem,
    nResiduals: N + nr,
    residuals: (theta) => concatRows(problem.residuals(theta), extra(theta)),
    residualsAndJacobian(theta) {
      const { r, J } = problem.residualsAndJacobian(theta);
      return { r: concatRows(r, extra(theta)), J: concatRows(J, R) };
    },
    lossTerms(r) {
      const base = problem.lossTerms ? problem.lossTerms(r.subarray(0, N)) : {};
      let s = 0;
      for (let i = N; i < N + nr; i++) s += r[i] * r[i];
      return { ...base, regularization: s };
    },
  };
}
