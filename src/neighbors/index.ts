/**
 * Neighbor-list entry point: picks the builder. (Brute force until the cell-list builder lands.)
 */
import type { Structure } from '../structure/types.ts';
import { bruteForceNeighborList } from './brute.ts';
import type { NeighborList, NeighborOptions } from './types.ts';

export type { NeighborList, NeighborOptions } from './types.ts';

export function buildNeighborList(s: Structure, cutoff: number, opts: NeighborOptions): NeighborList {
  return bruteForceNeighborList(s, cutoff, opts);
}
