/**
 * Regularisation as extra residual rows, so every solver handles it the same way:
 * - ridge:      √λ_r · θ_p for every model parameter p (offsets are not penalised);
 * - smoothness: √λ_s · (θ_{k−1} − 2θ_k + θ_{k+1}) for every interior knot k of each spline sequence (parameters
 *   named `<name>[k]` with the same prefix and consecutive k form one sequence); a discrete second derivative
 *   (Tikhonov) penalty on uniformly spaced knots.
 * The added rows are reported as the loss term "regularization".
 */
import { concatRows, type LeastSquaresProblem } from './problem.ts';

export interface RegularizationSettings {
  ridge: number;
  smoothness: number;
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
    const s = Math.sqrt(reg.ridge);
    for (let p = 0; p < nModelParams; p++) entries.push([row++, p, s]);
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
