/**
 * Linear fits on streamed normal equations (normal-equations.ts): the weights of the moment (σ, per-group σ, the λ*
 * factors of a training subset) become class scales, then solveNormal (linear.ts) solves, with CV selection over the
 * cache's folds when a strength is 'auto' and `useFolds` is set. Loss and its terms come from the classes' quadratic
 * forms (energy and stress rows exactly, row by row), so no pass over the data is made here.
 */
import { solveNormal, type LinearResult, type Strength } from './linear.ts';
import { combineNormal, lossByKind, type NormalCache, type NormalClass } from './normal-equations.ts';
import { buildRows, type DataRows, type ObjectiveSettings } from './objective.ts';
import type { Dataset } from '../structure/types.ts';

export interface StreamedOptions {
  ridge: Strength;
  smoothness: Strength;
  grid?: number[];
  /** Select 'auto' strengths by CV over the cache's folds (else GCV). */
  useFolds?: boolean;
  /** Standardised ridge metric per model parameter (regularization.ts); plain ridge when omitted. */
  ridgeWeights?: ArrayLike<number>;
  /** Only these classes form the training set (CV refits); all when omitted. */
  select?: (c: NormalClass) => boolean;
}

/** Solves at the given class scales. */
export function solveFromCache(cache: NormalCache, scales: Float64Array, opts: StreamedOptions): LinearResult {
  const ne = combineNormal(cache, scales, opts.select);
  const auto = opts.ridge === 'auto' || opts.smoothness === 'auto';
  const foldNormals = auto && opts.useFolds && cache.nFolds > 1
    ? Array.from({ length: cache.nFolds }, (_, f) => combineNormal(cache, scales, (c) => c.fold === f && (!opts.select || opts.select(c))))
    : undefined;
  const sol = solveNormal(ne, cache.paramNames, { nModelParams: cache.nModelParams, ridge: opts.ridge, smoothness: opts.smoothness, grid: opts.grid, ridgeWeights: opts.ridgeWeights }, foldNormals);
  if (sol.status === 'nonFinite' && !sol.params.some((v) => v !== 0)) return { ...sol, iterations: 0, loss: NaN, history: [] };
  const [energy, force, stress] = lossByKind(cache, scales, sol.params, opts.select);
  const loss = energy + force + stress;
  return { ...sol, iterations: 1, loss, history: [{ iteration: 1, loss, terms: { energy, force, stress } }] };
}

/**
 * Weights of the full data set's rows under `settings` restricted to the configurations `keep` marks (NaN for rows of
 * dropped configurations): the weights the materialised fit of that subset would use (λ* counts of the subset).
 */
export function subsetWeights(ds: Dataset, full: DataRows, keep: readonly boolean[], settings: ObjectiveSettings): Float64Array {
  const idx = ds.configs.map((_, i) => i).filter((i) => keep[i]);
  const sub = buildRows({ configs: idx.map((i) => ds.configs[i]) }, settings);
  const w = new Float64Array(full.nRows).fill(NaN);
  idx.forEach((i, j) => {
    const n = full.configStart[i + 1] - full.configStart[i];
    if (sub.configStart[j + 1] - sub.configStart[j] !== n) throw new Error(`subsetWeights: configuration ${i} has ${n} rows in the full set, ${sub.configStart[j + 1] - sub.configStart[j]} in the subset`);
    w.set(sub.weight.subarray(sub.configStart[j], sub.configStart[j + 1]), full.configStart[i]);
  });
  return w;
}
