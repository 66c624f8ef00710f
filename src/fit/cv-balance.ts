/**
 * `objective.balance: cv` — the relative weights of the data types chosen by cross-validation over whole
 * configurations, on streamed normal equations (normal-equations.ts), jointly with 'auto' regularisation strengths.
 *
 * The weight of every row of type t is multiplied by m_t (m_F = 1: forces are the reference type). Candidates are
 * scored by
 *   score(m, λ) = Σ_t ln RMSE_t^CV(m, λ),   RMSE_t^CV = √(S_t / n_t)  over the out-of-fold residuals,
 * S_t = Σ noiseFactor_k d_k² the noise statistic of objective.ts (per-atom energy errors, forces, stresses), each
 * data type with rows counted once. The score is the log of the product of the per-type out-of-fold errors: it is
 * invariant to units and to σ, and to how many rows a type has (40,000 force rows do not outvote 200 energies), so
 * it needs no per-element constants. Why not the weighted held-out loss: that is the criterion of the weights being
 * chosen, and it always prefers the weighting that makes its own dominant type look good.
 *
 * Search: log-spaced multipliers (half decades, 10^-3 … 10^4 around the configured σ) for energy and, when stress rows
 * are fitted, stress, by coordinate descent (E, S, E), each sweep walking outwards from the current value until two
 * steps bring no improvement; for each multiplier the 'auto' strengths are scanned on a grid relative to the mean
 * diagonal of the model block of A (the whole grid first, then ±3 decades around the previous best), the fold
 * solutions at each grid point giving every type's out-of-fold RSS from the classes' quadratic forms (no data pass).
 * Cost: (number of multipliers) × (grid points) × (folds + 1) Cholesky factorisations of P × P.
 */
import { getBackend } from '../linalg/backend.ts';
import { operatorGram, solveWith } from './linear.ts';
import { classRss, combineNormal, type NormalCache } from './normal-equations.ts';
import { ROW_ENERGY, ROW_FORCE, ROW_STRESS, type SigmaSet } from './objective.ts';
import { regularizationOperator, ridgeMetricMean } from './regularization.ts';

export interface CvBalanceOptions {
  ridge: number | 'auto';
  smoothness: number | 'auto';
  /** Relative strength grid for 'auto' (× mean diagonal of the model block); default 10^-12 … 10^4, one per decade. */
  grid?: number[];
  /** Multiplier grid (default 10^-3 … 10^4 in half decades). */
  multipliers?: number[];
  onCandidate?: (c: CvCandidate) => void;
  /** Also weight groups within each type by their out-of-fold errors (the cache must have per-group classes). */
  perGroup?: boolean;
  /** Rounds of group reweighting with perGroup (default 3). */
  groupRounds?: number;
  /** Standardised ridge metric per model parameter (regularization.ts); plain ridge when omitted. */
  ridgeWeights?: ArrayLike<number>;
  /** Ridge metrics to choose from by the same CV score (undefined = plain ridge); overrides ridgeWeights. The
   * metric is chosen in the first search; the group rounds keep it. */
  ridgeWeightChoices?: (ArrayLike<number> | undefined)[];
}

export interface CvCandidate {
  multipliers: SigmaSet;
  ridge: number;
  smoothness: number;
  /** Out-of-fold RMSE per type (eV/atom with energy_normalization atoms, eV/Å, eV/Å³); NaN for types without rows. */
  cvRmse: SigmaSet;
  score: number;
}

export interface CvBalanceResult {
  best: CvCandidate;
  /** The best candidate of every multiplier tried, in search order. */
  tried: CvCandidate[];
  /** Σ_k w_k d_k² / n over all out-of-fold rows at the best candidate's weights (for a global σ scale). */
  weightedChi2PerRow: number;
  /** With perGroup: per group, the factor of its rows' weights within each type, (RMSE_t / RMSE_t,g)² from the
   * out-of-fold residuals (1 for types without rows in the group). */
  groupFactors?: Record<string, SigmaSet>;
  /** The ridge metric of the best candidate (undefined: plain ridge). */
  ridgeWeights?: ArrayLike<number>;
  /** With ridgeWeightChoices: the best score of each choice, in order. */
  metricScores?: number[];
}

export const DEFAULT_MULTIPLIERS = Array.from({ length: 15 }, (_, k) => 10 ** (-3 + k / 2));
const DEFAULT_CV_GRID = Array.from({ length: 17 }, (_, k) => 10 ** (-12 + k));

/** Strength grid points tried around the previous best, in decades either side. */
const NEAR_DECADES = 3;
/** Candidates without improvement after which a search direction stops. */
const STOP_AFTER = 2;

const KINDS: number[] = [ROW_ENERGY, ROW_FORCE, ROW_STRESS];

function setOf(v: number[]): SigmaSet {
  return { energy: v[ROW_ENERGY], force: v[ROW_FORCE], stress: v[ROW_STRESS] };
}

/**
 * @param baseScales the class scales of the weights without multipliers (balance none, configured σ)
 */
export function selectBalanceByCv(cache: NormalCache, baseScales: Float64Array, opts: CvBalanceOptions): CvBalanceResult {
  if (cache.nFolds < 2) throw new Error('internal error: balance cv needs a cache with CV folds');
  if (opts.perGroup && !cache.perGroup) throw new Error('internal error: balance cv per group needs a cache with per-group classes');
  // the ridge metric: each choice gets a full multiplier search, the best score wins
  const choices = opts.ridgeWeightChoices ?? [opts.ridgeWeights];
  const searches = choices.map((w) => searchMultipliers(cache, baseScales, { ...opts, ridgeWeights: w }));
  const k = searches.reduce((b, r, i) => (r.best.score < searches[b].best.score ? i : b), 0);
  let res = searches[k];
  let tried = searches.flatMap((r) => r.tried);
  const chosen = { ridgeWeights: choices[k], metricScores: opts.ridgeWeightChoices ? searches.map((r) => r.best.score) : undefined };
  opts = { ...opts, ridgeWeights: choices[k] };
  if (!opts.perGroup) return { ...res, tried, ...chosen };
  // heteroscedastic groups: reweight each (type, group) by its out-of-fold error relative to its type's, then search
  // the type multipliers again; a few rounds settle the factors (they enter only as ratios)
  const q = new Float64Array(cache.classes.length).fill(1);
  let factors: Record<string, SigmaSet> = {};
  for (let round = 0; round < (opts.groupRounds ?? 3); round++) {
    const scales = Float64Array.from(cache.classes, (c, i) => baseScales[i] * q[i] * multiplierOf(res.best, c.kind));
    const S = new Map<string, number>(), N = new Map<string, number>();
    const St = [0, 0, 0], Nt = [0, 0, 0];
    for (let f = 0; f < cache.nFolds; f++) {
      const th = foldSolution(cache, scales, f, res.best.ridge, res.best.smoothness, opts.ridgeWeights);
      if (!th) return { ...res, tried, groupFactors: factors, ...chosen };
      cache.classes.forEach((c, i) => {
        if (c.fold !== f || !(baseScales[i] > 0)) return;
        const v = classRss(c, th) / c.ratio, key = `${c.kind}\u0000${c.group}`;
        S.set(key, (S.get(key) ?? 0) + v);
        N.set(key, (N.get(key) ?? 0) + c.ne.n);
        St[c.kind] += v;
        Nt[c.kind] += c.ne.n;
      });
    }
    factors = {};
    cache.classes.forEach((c, i) => {
      const key = `${c.kind}\u0000${c.group}`, sg = S.get(key) ?? 0, ng = N.get(key) ?? 0;
      const ratio = ng > 0 && sg > 0 && St[c.kind] > 0 ? (St[c.kind] / Nt[c.kind]) / (sg / ng) : 1;
      q[i] = ratio;
      const f = (factors[c.group] ??= { energy: 1, force: 1, stress: 1 });
      if (c.kind === ROW_ENERGY) f.energy = ratio;
      else if (c.kind === ROW_FORCE) f.force = ratio;
      else f.stress = ratio;
    });
    res = searchMultipliers(cache, Float64Array.from(baseScales, (b, i) => b * q[i]), opts);
    tried = tried.concat(res.tried);
  }
  return { ...res, tried, groupFactors: factors, ...chosen };
}

function multiplierOf(c: CvCandidate, kind: number): number {
  return kind === ROW_ENERGY ? c.multipliers.energy : kind === ROW_FORCE ? c.multipliers.force : c.multipliers.stress;
}

/** θ fitted without fold f at the given class scales and absolute strengths. */
function foldSolution(cache: NormalCache, scales: Float64Array, f: number, ridge: number, smoothness: number, ridgeWeights?: ArrayLike<number>): Float64Array | undefined {
  const P = cache.paramNames.length;
  const { Or, Os } = regularizationGrams(cache, ridgeWeights);
  return solveWith(combineNormal(cache, scales, (c) => c.fold !== f), Or, Os, ridge, smoothness, P, getBackend());
}

function regularizationGrams(cache: NormalCache, ridgeWeights?: ArrayLike<number>): { Or: Float64Array; Os: Float64Array } {
  const P = cache.paramNames.length, Pm = cache.nModelParams;
  const ridgeOp = regularizationOperator(P, Pm, cache.paramNames, { ridge: 1, smoothness: 0, ridgeWeights });
  const smoothOp = regularizationOperator(P, Pm, cache.paramNames, { ridge: 0, smoothness: 1 });
  return { Or: operatorGram(ridgeOp.R, ridgeOp.rows, P), Os: operatorGram(smoothOp.R, smoothOp.rows, P) };
}

function searchMultipliers(cache: NormalCache, baseScales: Float64Array, opts: CvBalanceOptions): CvBalanceResult {
  const be = getBackend();
  const P = cache.paramNames.length, Pm = cache.nModelParams;
  const { Or, Os } = regularizationGrams(cache, opts.ridgeWeights);
  const n = [0, 0, 0];
  cache.classes.forEach((c, i) => { if (baseScales[i] > 0) n[c.kind] += c.ne.n; });
  const present = KINDS.filter((t) => n[t] > 0);
  const gridRel = opts.grid ?? DEFAULT_CV_GRID;
  const mults = opts.multipliers ?? DEFAULT_MULTIPLIERS;

  const scalesFor = (m: number[]) => Float64Array.from(cache.classes, (c, i) => baseScales[i] * m[c.kind]);
  /** The best strengths for multipliers m, with per-type out-of-fold RMSE; `near`: only grid points within
   * 10^±NEAR_DECADES of this relative strength (the previous best: the optimum moves little between neighbours). */
  const evaluate = (m: number[], near?: { ridge: number; smoothness: number }): CvCandidate & { chi2: number; rel: { ridge: number; smoothness: number } } => {
    const scales = scalesFor(m);
    const full = combineNormal(cache, scales);
    let meanDiag = 0;
    for (let p = 0; p < Pm; p++) meanDiag += full.A[p * P + p] / Math.max(Pm, 1);
    const scale = meanDiag || 1, ridgeScale = scale / ridgeMetricMean(opts.ridgeWeights, Pm);
    const around = (c: number | undefined) => (c === undefined ? gridRel : gridRel.filter((v) => Math.abs(Math.log10(v / c)) <= NEAR_DECADES + 1e-9));
    const ridges = opts.ridge === 'auto' ? around(near?.ridge).map((v) => v * ridgeScale) : [opts.ridge];
    const smooths = opts.smoothness === 'auto' ? around(near?.smoothness).map((v) => v * scale) : [opts.smoothness];
    const folds = Array.from({ length: cache.nFolds }, (_, f) => combineNormal(cache, scales, (c) => c.fold !== f));
    let best: (CvCandidate & { chi2: number; rel: { ridge: number; smoothness: number } }) | undefined;
    for (const lr of ridges) {
      for (const ls of smooths) {
        const S = [0, 0, 0];
        let chi2 = 0, rows = 0, ok = true;
        for (let f = 0; f < cache.nFolds && ok; f++) {
          const th = solveWith(folds[f], Or, Os, lr, ls, P, be);
          if (!th || !th.every(Number.isFinite)) { ok = false; break; }
          cache.classes.forEach((c, i) => {
            if (c.fold !== f || !(baseScales[i] > 0)) return;
            const rss = classRss(c, th);
            S[c.kind] += rss / c.ratio;
            chi2 += scales[i] * rss;
            rows += c.ne.n;
          });
        }
        if (!ok) continue;
        const rmse = [0, 1, 2].map((t) => (n[t] ? Math.sqrt(S[t] / n[t]) : NaN));
        const score = present.reduce((s, t) => s + Math.log(rmse[t]), 0);
        if (!best || score < best.score) {
          best = { multipliers: setOf(m), ridge: lr, smoothness: ls, cvRmse: setOf(rmse), score, chi2: chi2 / rows, rel: { ridge: lr / ridgeScale, smoothness: ls / scale } };
        }
      }
    }
    if (!best) throw new Error('internal error: balance cv found no solvable candidate');
    return best;
  };

  const tried: CvCandidate[] = [];
  let cur = [1, 1, 1];
  let best = evaluate(cur);
  tried.push(best);
  opts.onCandidate?.(best);
  // outwards from the current multiplier in both directions, stopping a direction after STOP_AFTER candidates
  // without improvement (the score is unimodal in practice; the grid's ends bound the search)
  const sweep = (t: number) => {
    const k0 = mults.findIndex((v) => Math.abs(v - cur[t]) <= 1e-12 * v);
    const start = k0 >= 0 ? k0 : mults.findIndex((v) => v >= cur[t]);
    for (const dir of [1, -1]) {
      let worse = 0;
      for (let k = start + dir; k >= 0 && k < mults.length && worse < STOP_AFTER; k += dir) {
        const m = [...cur];
        m[t] = mults[k];
        const c = evaluate(m, best.rel);
        tried.push(c);
        opts.onCandidate?.(c);
        if (c.score < best.score) {
          best = c;
          worse = 0;
        } else worse++;
      }
    }
    cur = [best.multipliers.energy, best.multipliers.force, best.multipliers.stress];
  };
  const order = present.includes(ROW_STRESS) ? [ROW_ENERGY, ROW_STRESS, ROW_ENERGY] : [ROW_ENERGY];
  for (const t of order) if (present.includes(t)) sweep(t);
  const { chi2, rel: _rel, ...plain } = best;
  return { best: plain, tried, weightedChi2PerRow: chi2 };
}
