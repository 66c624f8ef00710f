/**
 * Streamed normal equations for models linear in their parameters (pair splines, SNAP; energy offsets are linear
 * too): A = Σ_k w_k j_k j_kᵀ, g = −Σ_k w_k j_k r0_k, c = Σ_k w_k r0_k² over the rows k of the objective
 * (objective.ts), accumulated one configuration at a time (its weighted rows come from the same
 * weightedConfigurationRows as the materialised problem) and handed to the dense back end in blocks of rows
 * (dsyrk), so no more than one block of rows per class is ever held. Memory: nClasses · P² doubles for the
 * accumulators plus nClasses · blockRows · P for the row buffers (P = 1596, 15 classes: 305 MB + 98 MB).
 *
 * Why classes: a σ or balance change rescales whole groups of rows by one factor. The rows are partitioned into
 * classes by (row kind, group when `perGroup`, CV fold, ratio ρ = w_k / noiseFactor_k = c_i τ_t / σ_k²) and every
 * class keeps its own (A, g, c, n) with the weights of the accumulation. Then
 *   - new weights w' (a new σ, per-group σ, the λ* factors of a CV training subset): if w'/w is one factor s per class
 *     (checked row by row, `classScales`), A' = Σ s_c A_c exactly — a σ round costs O(nClasses · P²), no data pass;
 *     otherwise `classScales` returns undefined and the caller re-accumulates.
 *   - the noise statistic S_t = Σ noiseFactor_k d_k² (objective.ts, noise.ts) at any θ is, per class, the quadratic
 *     form (θᵀA_cθ − 2θᵀg_c + c_c)/ρ_c (the offsets are parameters, so d_k = ŷ_k − y_k is affine in θ): the noise
 *     estimate needs no second pass over the data. Choosing this over a second streaming pass is what makes the
 *     sigma rounds O(P²)-cheap; the price is that rows of one kind with different ρ (other group weights or σ
 *     overrides) occupy separate classes. The quadratic form cancels digits when residuals are tiny against the
 *     references (total energies of −300 eV against meV residuals lose ~8 digits), so the few energy and stress rows
 *     are also kept explicitly (weighted J rows and r0; 854 x 1596 doubles = 11 MB for mlearn Si) and their S is
 *     summed row by row; force rows (references ~ residuals × 20) use the quadratic form.
 *   - CV: the training set of fold f is Σ_{c: fold ≠ f} s_c A_c.
 * Rows with zero weight cannot be rescaled or give S (their ρ is 0): callers use the materialised path for such data
 * (`hasZeroWeights`).
 *
 * The cache is keyed (for save/load, normal-cache.ts) by the data and the model's descriptor hyper-parameters; the
 * model is evaluated once, at θ = 0 (r0 is then the affine part of the residuals).
 */
import { getBackend, type LinalgBackend } from '../linalg/backend.ts';
import { mirrorUpper } from '../linalg/gram.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { CompiledModel } from '../potentials/types.ts';
import type { Dataset } from '../structure/types.ts';
import { normalRss, type NormalEquations } from './linear.ts';
import { evaluateConfiguration, ROW_FORCE, weightedConfigurationRows, type DataRows, type OffsetDesign } from './objective.ts';

export interface NormalClass {
  /** ROW_ENERGY, ROW_FORCE or ROW_STRESS. */
  kind: number;
  /** The rows' group, or '' when groups were merged (perGroup false). */
  group: string;
  /** CV fold of the rows' configurations (0 without folds). */
  fold: number;
  /** w_k / noiseFactor_k of its rows at accumulation. */
  ratio: number;
  ne: NormalEquations;
  /** Energy and stress classes: the weighted rows themselves (n x P row-major) and their r0. */
  explicit?: { J: Float64Array; r0: Float64Array };
}

export interface NormalCache {
  paramNames: string[];
  nModelParams: number;
  offsets: OffsetDesign;
  nFolds: number;
  perGroup: boolean;
  classes: NormalClass[];
  /** Per row of the accumulation's DataRows: its class. */
  rowClass: Int32Array;
  /** Per row: the weight at accumulation. */
  baseWeight: Float64Array;
}

export interface AccumulateOptions {
  /** Fold per configuration; classes are then split by fold. */
  configFolds?: Int32Array;
  /** Split classes by group (needed for per-group σ estimation). */
  perGroup?: boolean;
  /** Rows per dsyrk call and per class buffer (default 512). */
  blockRows?: number;
  backend?: LinalgBackend;
  /**
   * Threads for the model's design rows (default all cores): a model with a designStream hook (SNAP:
   * potentials/snap/design-stream.ts, ≤ 16 configurations in memory) evaluates its configurations ahead on worker
   * threads, the same numbers as the serial path; other models, small data (< 1000 atoms) and threads = 1 evaluate
   * serially here.
   */
  threads?: number;
}

/** Relative tolerance under which two weight ratios count as equal (the weights are computed in a few roundings). */
const RATIO_TOL = 1e-12;

export function hasZeroWeights(rows: DataRows): boolean {
  return rows.weight.some((w) => !(w > 0));
}

interface Accumulator {
  cls: NormalClass;
  buf?: Float64Array;
  nb: number;
  keptJ?: number[];
  keptR?: number[];
}

export function accumulateNormalCache(
  model: CompiledModel, ds: Dataset, lists: NeighborList[], rows: DataRows, offsets: OffsetDesign, opts: AccumulateOptions = {},
): NormalCache {
  const be = opts.backend ?? getBackend();
  const Pm = model.paramNames.length, P = Pm + offsets.names.length;
  const B = opts.blockRows ?? 512;
  const perGroup = opts.perGroup ?? false;
  const model0 = model.withParameters(new Float64Array(Pm));
  const accs: Accumulator[] = [];
  const byKey = new Map<string, number[]>();
  const rowClass = new Int32Array(rows.nRows);
  const flush = (a: Accumulator) => {
    if (!a.nb) return;
    be.syrkAccumulate(a.cls.ne.A, a.nb * P === a.buf!.length ? a.buf! : a.buf!.subarray(0, a.nb * P), a.nb, P);
    a.nb = 0;
  };
  const classOf = (kind: number, group: string, fold: number, ratio: number): number => {
    const key = `${kind}\u0000${fold}\u0000${group}`;
    const list = byKey.get(key) ?? byKey.set(key, []).get(key)!;
    for (const idx of list) if (Math.abs(accs[idx].cls.ratio - ratio) <= RATIO_TOL * ratio) return idx;
    const keep = kind !== ROW_FORCE;
    accs.push({ cls: { kind, group, fold, ratio, ne: { A: new Float64Array(P * P), g: new Float64Array(P), c: 0, n: 0 } }, nb: 0, keptJ: keep ? [] : undefined, keptR: keep ? [] : undefined });
    list.push(accs.length - 1);
    return accs.length - 1;
  };
  // design rows computed ahead on worker threads when the model offers it and it is worthwhile (else evaluated here)
  const stream = model0.designStream?.(ds.configs.map((c) => c.structure), lists, { threads: opts.threads });
  try {
    ds.configs.forEach((c, i) => {
      const block = evaluateConfiguration(model0, c, lists[i], rows, i, true, stream?.next());
      const { r, J } = weightedConfigurationRows(block, rows, i, offsets, Pm);
      const fold = opts.configFolds?.[i] ?? 0;
      const group = perGroup ? c.group : '';
      for (let k = 0; k < block.n; k++) {
        const row = block.first + k;
        const idx = classOf(rows.kind[row], group, fold, rows.weight[row] / rows.noiseFactor[row]);
        rowClass[row] = idx;
        const a = accs[idx], ne = a.cls.ne;
        const jr = J!.subarray(k * P, (k + 1) * P), rk = r[k];
        ne.c += rk * rk;
        ne.n++;
        for (let p = 0; p < P; p++) ne.g[p] -= jr[p] * rk;
        if (a.keptJ) {
          for (let p = 0; p < P; p++) a.keptJ.push(jr[p]);
          a.keptR!.push(rk);
        }
        a.buf ??= new Float64Array(B * P);
        a.buf.set(jr, a.nb * P);
        if (++a.nb === B) flush(a);
      }
    });
  } finally {
    stream?.close();
  }
  for (const a of accs) {
    flush(a);
    a.buf = undefined;
    mirrorUpper(a.cls.ne.A, P);
    if (a.keptJ) a.cls.explicit = { J: Float64Array.from(a.keptJ), r0: Float64Array.from(a.keptR!) };
  }
  const folds = opts.configFolds;
  return {
    paramNames: [...model.paramNames, ...offsets.names],
    nModelParams: Pm,
    offsets,
    nFolds: folds && folds.length ? Math.max(...folds) + 1 : 1,
    perGroup,
    classes: accs.map((a) => a.cls),
    rowClass,
    baseWeight: rows.weight.slice(),
  };
}

/**
 * Per class, the factor s_c with weight_k = s_c · baseWeight_k for all its rows; NaN entries of `weight` mark rows
 * left out (a class with no remaining rows gets scale 0). Undefined when some class's rows do not share one factor:
 * the new weights are not expressible by the cache.
 */
export function classScales(cache: NormalCache, weight: Float64Array): Float64Array | undefined {
  if (weight.length !== cache.baseWeight.length) throw new Error(`classScales: ${weight.length} weights for ${cache.baseWeight.length} rows`);
  const s = new Float64Array(cache.classes.length).fill(NaN);
  for (let k = 0; k < weight.length; k++) {
    const w = weight[k];
    if (Number.isNaN(w)) continue;
    const c = cache.rowClass[k];
    const f = w / cache.baseWeight[k];
    if (Number.isNaN(s[c])) s[c] = f;
    else if (!(Math.abs(f - s[c]) <= RATIO_TOL * Math.abs(s[c]))) return undefined;
  }
  return s.map((v) => (Number.isNaN(v) ? 0 : v));
}

/** Σ s_c (A_c, g_c, c_c) over the classes `select` keeps (all when omitted); n counts their rows. */
export function combineNormal(cache: NormalCache, scales: Float64Array, select?: (c: NormalClass) => boolean): NormalEquations {
  const P = cache.paramNames.length;
  const A = new Float64Array(P * P), g = new Float64Array(P);
  let c = 0, n = 0;
  cache.classes.forEach((cls, idx) => {
    const s = scales[idx];
    if ((select && !select(cls)) || s === 0) return;
    const ne = cls.ne;
    for (let i = 0; i < P * P; i++) A[i] += s * ne.A[i];
    for (let p = 0; p < P; p++) g[p] += s * ne.g[p];
    c += s * ne.c;
    n += ne.n;
  });
  return { A, g, c, n };
}

/** Σ_k w_k (J_k θ + r0_k)² over a class's rows at its accumulation weights: row by row when the rows are kept. */
export function classRss(cls: NormalClass, theta: ArrayLike<number>): number {
  const ex = cls.explicit;
  if (!ex) return normalRss(cls.ne, theta);
  const P = theta.length;
  let s = 0;
  for (let k = 0; k < ex.r0.length; k++) {
    let v = ex.r0[k];
    const o = k * P;
    for (let p = 0; p < P; p++) v += ex.J[o + p] * theta[p];
    s += v * v;
  }
  return s;
}

/** Weighted loss Σ w_k r_k² per row kind at θ (the loss terms of the history), from the classes' quadratic forms. */
export function lossByKind(cache: NormalCache, scales: Float64Array, theta: ArrayLike<number>, select?: (c: NormalClass) => boolean): [number, number, number] {
  const t: [number, number, number] = [0, 0, 0];
  cache.classes.forEach((cls, idx) => {
    if ((select && !select(cls)) || scales[idx] === 0) return;
    t[cls.kind] += scales[idx] * classRss(cls, theta);
  });
  return t;
}
