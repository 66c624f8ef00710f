/**
 * Deterministic subsampling of plot points: a uniformly random subset of k of n indices, returned in increasing
 * order (selection sampling, Knuth TAOCP vol. 2 Algorithm S) from a fixed seed, so the same data always give the
 * same picture. A random subset, not a stride: a stride through interleaved x,y,z force components can alias onto
 * one component.
 */
import { createRng } from '../core/random.ts';

/** Largest number of points drawn in one scatter plot (keeps the HTML a few MB at most). */
export const MAX_PLOT_POINTS = 20000;

export const SUBSAMPLE_SEED = 20240611;

/** Indices 0 ≤ i < n of a random k-subset in increasing order; all indices when k ≥ n. */
export function subsampleIndices(n: number, k: number, seed = SUBSAMPLE_SEED): Int32Array {
  if (k >= n) return Int32Array.from({ length: n }, (_, i) => i);
  const out = new Int32Array(k);
  const rng = createRng(seed);
  let chosen = 0;
  for (let i = 0; i < n && chosen < k; i++) {
    // select i with probability (still needed) / (still available)
    if (rng.float() * (n - i) < k - chosen) out[chosen++] = i;
  }
  return out;
}
