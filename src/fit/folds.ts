/**
 * Cross-validation folds over whole configurations: a configuration's energy, forces and stress always fall in one
 * fold. K-fold assigns configurations to folds by a seeded shuffle, stratified so each group spreads over the folds;
 * leave-one-group-out makes one fold per group.
 */
import { UserError } from '../core/errors.ts';
import { createRng } from '../core/random.ts';
import type { Dataset } from '../structure/types.ts';

export type FoldSpec = { folds: number; seed?: number } | { by: 'group' };

/** Fold index per configuration. */
export function assignFolds(ds: Dataset, spec: FoldSpec): Int32Array {
  const M = ds.configs.length;
  const out = new Int32Array(M);
  if ('by' in spec) {
    const groups = [...new Set(ds.configs.map((c) => c.group))].sort();
    if (groups.length < 2) throw new UserError(`validation.cv.by: group needs at least two groups, the training data have one (${groups[0]})`);
    const idx = new Map(groups.map((g, k) => [g, k]));
    ds.configs.forEach((c, i) => (out[i] = idx.get(c.group)!));
    return out;
  }
  const k = spec.folds;
  if (!Number.isInteger(k) || k < 2) throw new UserError(`validation.cv.folds: expected an integer ≥ 2, got ${k}`);
  if (k > M) throw new UserError(`validation.cv.folds: ${k} folds but only ${M} configurations`);
  // seeded shuffle per group, then deal round-robin so every group spreads over the folds
  const rng = createRng(spec.seed ?? 12345);
  const byGroup = new Map<string, number[]>();
  ds.configs.forEach((c, i) => (byGroup.get(c.group) ?? byGroup.set(c.group, []).get(c.group)!).push(i));
  let next = 0;
  for (const g of [...byGroup.keys()].sort()) {
    const list = byGroup.get(g)!;
    rng.shuffle(list);
    for (const i of list) out[i] = next++ % k;
  }
  return out;
}

/** Splits a data set by a fold assignment. */
export function splitByFold(ds: Dataset, folds: Int32Array, f: number): { train: Dataset; test: Dataset } {
  return {
    train: { configs: ds.configs.filter((_, i) => folds[i] !== f) },
    test: { configs: ds.configs.filter((_, i) => folds[i] === f) },
  };
}
