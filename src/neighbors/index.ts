/**
 * Neighbor-list entry point. The cell-list builder (celllist.ts) handles every case (triclinic, small cells,
 * free and mixed boundaries, unwrapped atoms); brute.ts stays as the test oracle. `buildNeighborList` returns an
 * independent list; `createNeighborBuilder()` returns a builder that reuses its buffers across builds (MD), whose
 * lists stay valid until its next build.
 */
import type { Structure } from '../structure/types.ts';
import { cellListNeighborList } from './celllist.ts';

export { createNeighborBuilder, type NeighborBuilder } from './celllist.ts';
import type { NeighborList, NeighborOptions } from './types.ts';

export type { NeighborList, NeighborOptions } from './types.ts';

export function buildNeighborList(s: Structure, cutoff: number, opts: NeighborOptions): NeighborList {
  return cellListNeighborList(s, cutoff, opts);
}
