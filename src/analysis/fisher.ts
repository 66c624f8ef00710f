/**
 * Fisher information, identifiability and Laplace parameter uncertainty at an optimum θ of a least-squares problem.
 *
 * For a FitProblem built with `balance: 'none'` the objective is J(θ) = Σ_k r_k² = Σ_k (Δ_k/σ_k)² = −2 log L + const
 * for Gaussian noise, so the Fisher information (Gauss–Newton form, exact in expectation at the truth) is I = JᵀJ
 * with J = ∂r/∂θ the Jacobian of the weighted residuals (nResiduals × nParams, row-major). With the default
 * 'lambda-star' balance the rows are re-weighted and the numbers below are NOT calibrated uncertainties.
 *
 * Scaled coordinates: every parameter is measured in units of its own size, u_p = θ_p / s_p with
 * s_p = max(|θ_p|, typical_p) (typical size default 1, in the parameter's own unit), so Ĩ = S I S (S = diag s).
 * The spectrum, condition number and eigenvector weights then do not depend on the parameters' units (Å vs nm,
 * eV vs meV); a parameter at 0 is measured in units of its typical size.
 *
 * Spectrum: eigenvalues of Ĩ in DESCENDING order (rounding negatives, |λ| ≲ ε λmax, are clamped to 0). Each
 * eigenvector is a direction in scaled coordinates; components are its entries (unit norm, sign chosen so the
 * largest is positive), listed largest first, entries below `componentThreshold` dropped.
 * A degenerate null space (several null eigenvalues) is presented in a basis that separates its causes: unit
 * vectors of zero-Jacobian parameters, then the given symmetries, then an orthonormal rest (eigenvalue = Rayleigh
 * quotient, ≈ 0); the eigen solver's own basis of it would be an arbitrary rotation mixing them.
 * Classification by ρ = λ/λmax:
 *   null    ρ < nullThreshold, default 1e3 · ε · max(P, √N): the eigenvalues of the explicitly formed Gram matrix
 *           carry absolute errors of order ε·λmax times a factor growing with the matrix size (P for the
 *           Householder–QL backward error, up to √N for the rounding of the N-term sums); the factor 1e3 covers the
 *           rounding already present in the kernels' analytic derivatives. An exact symmetry (J v = 0 analytically)
 *           lands at ~ε²λmax or at ~ε·λmax, far below; a genuinely informative direction lands far above.
 *   sloppy  ρ < sloppyThreshold (default 1e-6): determined, but only to ~10³ times the stiffest direction's error.
 *   stiff   otherwise.
 * Standard errors (Laplace approximation, covariance = I⁻¹): C̃ = Σ_{non-null k} v_k v_kᵀ / λ_k (the pseudo-inverse
 * over the non-null subspace), C = S C̃ S. A parameter whose unit vector projects onto the null space by more than
 * `nullComponentTol` (default 1e-3) is not identifiable: its standard error is null and a note says why.
 * Correlations r_ab = C_ab / √(C_aa C_bb) between identifiable parameters, reported when |r| > 0.9.
 * Explanations of null directions (first that applies):
 *   an offset parameter (E0, E0:<El>) dominates and the problem has no energy rows → "energy offset unconstrained";
 *   a direction dominated by one parameter whose Jacobian column is exactly zero → "does not affect any datum";
 *   a direction lying (overlap > 0.99) in the span of given exact symmetry tangents (e.g. the EAM gauges of
 *   gauge.ts) → the names of the symmetries it combines;
 *   offsets together with model parameters → per-atom constant terms of the model collinear with the offsets.
 */
import { UserError } from '../core/errors.ts';
import { symEigen } from '../linalg/eigen.ts';
import type { LeastSquaresProblem } from '../fit/problem.ts';
import { ROW_ENERGY, type DataRows } from '../fit/objective.ts';

export type DirectionKind = 'null' | 'sloppy' | 'stiff';

export interface FisherDirection {
  /** Eigenvalue of the scaled Fisher information Ĩ. */
  eigenvalue: number;
  kind: DirectionKind;
  /** Eigenvector entries (scaled coordinates), largest magnitude first, small ones dropped. */
  components: Record<string, number>;
  explanation?: string;
}

/** A known exact symmetry of the model: moving θ along `tangent` (parameter units, full vector) changes no datum. */
export interface Symmetry {
  name: string;
  tangent: Float64Array;
}

export interface SymmetryOverlap {
  name: string;
  /** Norm of the projection of the normalised (scaled) tangent onto the null space, in [0, 1]. */
  nullOverlap: number;
  /** Same onto the null + sloppy space. */
  sloppyOverlap: number;
}

export interface FisherOptions {
  /** Typical parameter sizes (parameter units): one number for all or per name; default 1. */
  typicalSize?: number | Record<string, number>;
  nullThreshold?: number;
  sloppyThreshold?: number;
  /** Eigenvector entries below this magnitude are dropped from `components` (default 0.05). */
  componentThreshold?: number;
  nullComponentTol?: number;
  correlationThreshold?: number;
  /** Parameters held fixed (excluded from the analysis), e.g. the pinned parameters of a gauge fixing. */
  fixed?: readonly string[];
  /** Known exact symmetries used to name null directions. */
  symmetries?: readonly Symmetry[];
}

export interface FisherResult {
  /** Analysed parameter names (the problem's minus `fixed`). */
  params: string[];
  /** Scale s_p of each analysed parameter. */
  scales: Record<string, number>;
  eigenvalues: number[];
  condition_number: number;
  sloppiness: number;
  null_threshold: number;
  directions: FisherDirection[];
  /** Laplace standard errors (parameter units); null when the parameter is not identifiable. */
  std_errors: Record<string, number | null>;
  correlations: { a: string; b: string; r: number }[];
  symmetries: SymmetryOverlap[];
  notes: string[];
}

/** The parts of a FitProblem the explanations use (absent for a plain LeastSquaresProblem). */
export type AnalysedProblem = LeastSquaresProblem & { readonly rows?: DataRows };

const EPS = 2 ** -52;
const isOffset = (name: string): boolean => name === 'E0' || name.startsWith('E0:');

function typicalOf(opt: FisherOptions['typicalSize'], name: string): number {
  if (opt === undefined) return 1;
  if (typeof opt === 'number') return opt;
  return opt[name] ?? 1;
}

export function fisherAnalysis(problem: AnalysedProblem, theta: ArrayLike<number>, opts: FisherOptions = {}): FisherResult {
  const Pall = problem.nParams;
  if (theta.length !== Pall) throw new UserError(`fisherAnalysis: expected ${Pall} parameters, got ${theta.length}`);
  const fixed = new Set(opts.fixed ?? []);
  for (const f of fixed) if (!problem.paramNames.includes(f)) throw new UserError(`fisherAnalysis: fixed parameter ${f} is not a parameter of the problem`);
  const idx = problem.paramNames.map((_, p) => p).filter((p) => !fixed.has(problem.paramNames[p]));
  const names = idx.map((p) => problem.paramNames[p]);
  const P = idx.length;
  const { J } = problem.residualsAndJacobian(Float64Array.from(theta));
  const N = problem.nResiduals;
  const s = Float64Array.from(idx, (p) => Math.max(Math.abs(theta[p]), typicalOf(opts.typicalSize, problem.paramNames[p])));
  for (let a = 0; a < P; a++) if (!(s[a] > 0) || !Number.isFinite(s[a])) throw new UserError(`fisherAnalysis: parameter ${names[a]} has scale ${s[a]}; give a positive typical size`);

  // scaled Gram matrix Ĩ = (J S)ᵀ (J S), and the column norms of J (to detect parameters that affect nothing)
  const G = new Float64Array(P * P);
  const colNorm2 = new Float64Array(P);
  const row = new Float64Array(P);
  for (let k = 0; k < N; k++) {
    for (let a = 0; a < P; a++) row[a] = J[k * Pall + idx[a]] * s[a];
    for (let a = 0; a < P; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      colNorm2[a] += ra * ra;
      for (let b = a; b < P; b++) G[a * P + b] += ra * row[b];
    }
  }
  for (let a = 0; a < P; a++) for (let b = a + 1; b < P; b++) G[b * P + a] = G[a * P + b];

  const eig = symEigen({ rows: P, cols: P, data: G });
  const order = Array.from({ length: P }, (_, c) => P - 1 - c); // descending
  const lam = order.map((c) => Math.max(eig.values[c], 0));
  const vec: Float64Array[] = order.map((c) => {
    const v = Float64Array.from({ length: P }, (_, r) => eig.vectors[r * P + c]);
    let big = 0;
    for (let r = 0; r < P; r++) if (Math.abs(v[r]) > Math.abs(v[big])) big = r;
    if (v[big] < 0) for (let r = 0; r < P; r++) v[r] = -v[r];
    return v;
  });
  const lmax = lam[0] ?? 0;
  const nullTol = opts.nullThreshold ?? 1e3 * EPS * Math.max(P, Math.sqrt(N));
  const sloppyTol = opts.sloppyThreshold ?? 1e-6;
  const kinds: DirectionKind[] = lam.map((l) => (lmax === 0 || l / lmax < nullTol ? 'null' : l / lmax < sloppyTol ? 'sloppy' : 'stiff'));
  const nullIdx = kinds.flatMap((k, c) => (k === 'null' ? [c] : []));
  const softIdx = kinds.flatMap((k, c) => (k !== 'stiff' ? [c] : []));
  const notes: string[] = [];

  // symmetry tangents in scaled coordinates (restricted to analysed parameters), normalised
  const syms = (opts.symmetries ?? []).map((sym) => {
    if (sym.tangent.length !== Pall) throw new UserError(`fisherAnalysis: symmetry ${sym.name} has ${sym.tangent.length} entries, expected ${Pall}`);
    const t = Float64Array.from(idx, (p, a) => sym.tangent[p] / s[a]);
    const n = Math.hypot(...t);
    if (n > 0) for (let a = 0; a < P; a++) t[a] /= n;
    return { name: sym.name, t, norm: n };
  });
  const overlapWith = (t: Float64Array, cols: number[]): number => {
    let q = 0;
    for (const c of cols) {
      let d = 0;
      for (let a = 0; a < P; a++) d += vec[c][a] * t[a];
      q += d * d;
    }
    return Math.sqrt(Math.min(q, 1));
  };
  const symmetries: SymmetryOverlap[] = syms.map((sy) => ({
    name: sy.name,
    nullOverlap: sy.norm > 0 ? overlapWith(sy.t, nullIdx) : 0,
    sloppyOverlap: sy.norm > 0 ? overlapWith(sy.t, softIdx) : 0,
  }));
  const symBasis = orthonormalBasis(syms.filter((sy) => sy.norm > 0).map((sy) => sy.t));

  // The null space is degenerate: its eigenvectors are an arbitrary rotation of it. Present it in a basis that
  // separates the known causes: unit vectors of parameters with zero Jacobian columns, then the known symmetries,
  // then an orthonormal complement; each vector's eigenvalue is its Rayleigh quotient (all ≈ 0).
  const maxCol = Math.sqrt(Math.max(0, ...colNorm2));
  if (nullIdx.length > 1) {
    const candidates: Float64Array[] = [];
    for (let a = 0; a < P; a++) if (Math.sqrt(colNorm2[a]) <= EPS * maxCol) candidates.push(Float64Array.from({ length: P }, (_, b) => (a === b ? 1 : 0)));
    for (const sy of syms) if (sy.norm > 0) candidates.push(sy.t);
    for (const c of nullIdx) candidates.push(vec[c]);
    const project = (t: Float64Array): Float64Array => {
      const out = new Float64Array(P);
      for (const c of nullIdx) {
        let d = 0;
        for (let a = 0; a < P; a++) d += vec[c][a] * t[a];
        for (let a = 0; a < P; a++) out[a] += d * vec[c][a];
      }
      return out;
    };
    const chosen = orthonormalBasis(candidates.map(project), 0.5, true).slice(0, nullIdx.length);
    if (chosen.length === nullIdx.length) {
      nullIdx.forEach((c, k) => {
        const v = chosen[k];
        let big = 0;
        for (let a = 0; a < P; a++) if (Math.abs(v[a]) > Math.abs(v[big])) big = a;
        if (v[big] < 0) for (let a = 0; a < P; a++) v[a] = -v[a];
        vec[c] = v;
        let q = 0;
        for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) q += v[a] * G[a * P + b] * v[b];
        lam[c] = Math.max(q, 0);
      });
    }
  }

  const ct = opts.componentThreshold ?? 0.05;
  const hasEnergyRows = problem.rows ? problem.rows.counts[ROW_ENERGY] > 0 : undefined;
  const directions: FisherDirection[] = lam.map((l, c) => {
    const v = vec[c];
    const ord = Array.from({ length: P }, (_, a) => a).sort((x, y) => Math.abs(v[y]) - Math.abs(v[x]));
    const components: Record<string, number> = {};
    for (const a of ord) if (a === ord[0] || Math.abs(v[a]) >= ct) components[names[a]] = v[a];
    const d: FisherDirection = { eigenvalue: l, kind: kinds[c], components };
    if (kinds[c] === 'null') d.explanation = explainNull(v, ord, names, colNorm2, maxCol, hasEnergyRows, syms, symBasis, ct);
    return d;
  });

  // Laplace covariance over the non-null subspace, back in parameter units
  const C = new Float64Array(P * P);
  lam.forEach((l, c) => {
    if (kinds[c] === 'null') return;
    const v = vec[c];
    for (let a = 0; a < P; a++) for (let b = 0; b < P; b++) C[a * P + b] += (v[a] * v[b]) / l;
  });
  const nullTolComp = opts.nullComponentTol ?? 1e-3;
  const identifiable = names.map((_, a) => {
    let q = 0;
    for (const c of nullIdx) q += vec[c][a] * vec[c][a];
    return Math.sqrt(q) <= nullTolComp;
  });
  const std_errors: Record<string, number | null> = {};
  const scales: Record<string, number> = {};
  names.forEach((n, a) => {
    scales[n] = s[a];
    std_errors[n] = identifiable[a] ? s[a] * Math.sqrt(C[a * P + a]) : null;
  });
  const unid = names.filter((_, a) => !identifiable[a]);
  if (unid.length) notes.push(`${nullIdx.length} null direction(s): ${unid.join(', ')} cannot be determined from these data (standard error null, infinite in the Laplace approximation)`);
  if (fixed.size) notes.push(`held fixed and not analysed: ${[...fixed].join(', ')}`);
  if (problem.rows === undefined) notes.push('plain least-squares problem: the numbers are calibrated only if the residuals are (Δ/σ) with the true σ');

  const rTol = opts.correlationThreshold ?? 0.9;
  const correlations: { a: string; b: string; r: number }[] = [];
  for (let a = 0; a < P; a++) {
    if (!identifiable[a]) continue;
    for (let b = a + 1; b < P; b++) {
      if (!identifiable[b]) continue;
      const r = C[a * P + b] / Math.sqrt(C[a * P + a] * C[b * P + b]);
      if (Math.abs(r) > rTol) correlations.push({ a: names[a], b: names[b], r });
    }
  }
  correlations.sort((x, y) => Math.abs(y.r) - Math.abs(x.r));

  const lmin = lam[P - 1] ?? 0;
  return {
    params: names,
    scales,
    eigenvalues: lam,
    condition_number: lmin > 0 ? lmax / lmin : Infinity,
    sloppiness: lmax > 0 ? lmin / lmax : 0,
    null_threshold: nullTol,
    directions,
    std_errors,
    correlations,
    symmetries,
    notes,
  };
}

/** Gram–Schmidt (twice) over the given vectors, dropping those whose new part is below `keep` (times their norm unless `absolute`). */
function orthonormalBasis(vs: Float64Array[], keep = 1e-8, absolute = false): Float64Array[] {
  const out: Float64Array[] = [];
  for (const v0 of vs) {
    const v = v0.slice();
    for (let pass = 0; pass < 2; pass++)
      for (const q of out) {
        let d = 0;
        for (let a = 0; a < v.length; a++) d += v[a] * q[a];
        for (let a = 0; a < v.length; a++) v[a] -= d * q[a];
      }
    const n = Math.hypot(...v);
    if (n > keep * (absolute ? 1 : Math.hypot(...v0))) out.push(v.map((x) => x / n));
  }
  return out;
}

function explainNull(
  v: Float64Array, ord: number[], names: string[], colNorm2: Float64Array, maxCol: number, hasEnergyRows: boolean | undefined,
  syms: { name: string; t: Float64Array; norm: number }[], symBasis: Float64Array[], ct: number,
): string | undefined {
  const top = ord[0];
  if (isOffset(names[top]) && hasEnergyRows === false) return `energy offset unconstrained: no absolute energies in the data (${names[top]})`;
  // "exactly zero" relative to the largest column: a column at rounding level of the others is as good as zero
  if (Math.abs(v[top]) > 0.99 && Math.sqrt(colNorm2[top]) <= EPS * maxCol) return `parameter ${names[top]} does not affect any datum`;
  if (symBasis.length) {
    let q = 0;
    for (const b of symBasis) {
      let d = 0;
      for (let a = 0; a < v.length; a++) d += v[a] * b[a];
      q += d * d;
    }
    if (Math.sqrt(q) > 0.99) {
      // name the symmetries this direction combines: least-squares coefficients on the (non-orthogonal) tangents
      const used = syms.filter((sy) => sy.norm > 0);
      const coef = leastSquaresCoefficients(used.map((sy) => sy.t), v);
      const big = Math.max(...coef.map(Math.abs));
      const named = used.filter((_, k) => Math.abs(coef[k]) >= 0.1 * big).map((sy) => sy.name);
      return named.join('; ');
    }
  }
  const offs = ord.filter((a) => isOffset(names[a]) && Math.abs(v[a]) >= ct);
  const model = ord.filter((a) => !isOffset(names[a]) && Math.abs(v[a]) >= ct);
  if (offs.length && model.length) {
    return `energy offsets ${offs.map((a) => names[a]).join(', ')} collinear with per-atom constant terms of the model (${model.map((a) => names[a]).join(', ')}): a constant added to each atom's energy trades off against the offsets`;
  }
  return undefined;
}

/** Coefficients c minimising |Σ c_k t_k − v| (normal equations; the tangents are few). */
function leastSquaresCoefficients(ts: Float64Array[], v: Float64Array): number[] {
  const K = ts.length;
  const A = new Float64Array(K * K), b = new Float64Array(K);
  for (let i = 0; i < K; i++) {
    for (let j = 0; j < K; j++) for (let a = 0; a < v.length; a++) A[i * K + j] += ts[i][a] * ts[j][a];
    for (let a = 0; a < v.length; a++) b[i] += ts[i][a] * v[a];
  }
  // Gauss–Jordan with partial pivoting; dependent tangents get coefficient 0
  const x = Array.from(b);
  const M = Array.from({ length: K }, (_, i) => Array.from(A.subarray(i * K, i * K + K)));
  const pivotOf: number[] = new Array(K).fill(-1);
  let r = 0;
  for (let c = 0; c < K && r < K; c++) {
    let piv = r;
    for (let i = r + 1; i < K; i++) if (Math.abs(M[i][c]) > Math.abs(M[piv][c])) piv = i;
    if (Math.abs(M[piv][c]) < 1e-12) continue;
    [M[r], M[piv]] = [M[piv], M[r]];
    [x[r], x[piv]] = [x[piv], x[r]];
    for (let i = 0; i < K; i++) {
      if (i === r) continue;
      const f = M[i][c] / M[r][c];
      for (let j = c; j < K; j++) M[i][j] -= f * M[r][j];
      x[i] -= f * x[r];
    }
    pivotOf[c] = r++;
  }
  return pivotOf.map((pr, c) => (pr < 0 ? 0 : x[pr] / M[pr][c]));
}
