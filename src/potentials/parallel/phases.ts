/**
 * The shared-memory EAM table evaluation split into phases, run by every thread (the main thread is thread 0,
 * worker threads 1..T−1) on the same SharedArrayBuffers; the coordinator (eam-parallel.ts) puts a barrier between
 * phases. Half neighbor list: each thread owns a block of rows (balanced by pair count) and scatters into its OWN
 * accumulation buffers, which are reduced over atom slices afterwards, so no two threads ever write one word.
 *
 *   DENSITY  zero own buffers; density pass over own rows → rhoT[k]
 *   EMBED    reduce rhoT[·] over own atom slice into rhoT[0]; fp and F(ρ) (energy into acc[k], F into aT[0])
 *   FORCES   pair pass over own rows → fT[k], aT[k], acc[k] (energy, virial)
 *   REDUCE   sum fT[·] and aT[·] over own atom slice into fT[0], aT[0]
 *
 * Layouts: x (3n, Å), el (n element indices), start/nbr/shift (the CSR half list of neighbors/types.ts),
 * rhoT (T·n), fp (n), fT (T·3n, eV/Å), aT (T·n, eV), acc (T·TABLE_ACC_SIZE: energy, virial internal Voigt),
 * rows (T+1 row bounds), slices (T+1 atom bounds). The arithmetic is eam.ts's table kernel, so results equal the
 * serial ones up to the order of floating-point sums.
 */
import { TABLE_ACC_SIZE, tableDensityRange, tableEmbedRange, tableForceRange, type TableKernel } from '../eam.ts';

export const PHASE_DENSITY = 1;
export const PHASE_EMBED = 2;
export const PHASE_FORCES = 3;
export const PHASE_REDUCE = 4;
/** Worker commands besides the phases. */
export const CMD_SETUP = 8;
export const CMD_EXIT = 9;

/** Control words (Int32Array over a SharedArrayBuffer). */
export const CTRL_GEN = 0;
export const CTRL_CMD = 1;
export const CTRL_FLAGS = 2;
/** Set to 1 by a worker whose phase threw (it still reports done, so the coordinator never waits forever). */
export const CTRL_ERROR = 3;
/**
 * Worker w (1..T−1) stores the generation it has finished in ctrl[CTRL_DONE_BASE + w]: the coordinator waits until
 * every slot equals the current generation, so a worker can never be counted twice or for another command.
 */
export const CTRL_DONE_BASE = 4;
/** Control words for T threads. */
export const ctrlSize = (T: number): number => CTRL_DONE_BASE + T;
export const FLAG_FORCES = 1;
export const FLAG_VIRIAL = 2;
export const FLAG_ATOM_ENERGIES = 4;

/** The shared arrays of one structure/neighbor-list layout (every field is backed by a SharedArrayBuffer). */
export interface SharedState {
  nThreads: number;
  n: number;
  x: Float64Array;
  el: Int32Array;
  start: Int32Array;
  nbr: Int32Array;
  shift: Float64Array;
  rhoT: Float64Array;
  fp: Float64Array;
  fT: Float64Array;
  aT: Float64Array;
  acc: Float64Array;
  rows: Int32Array;
  slices: Int32Array;
}

export function runPhase(t: TableKernel, st: SharedState, phase: number, flags: number, k: number): void {
  const n = st.n, r0 = st.rows[k], r1 = st.rows[k + 1], a0 = st.slices[k], a1 = st.slices[k + 1];
  const T = st.nThreads;
  const wantAtomE = (flags & FLAG_ATOM_ENERGIES) !== 0;
  switch (phase) {
    case PHASE_DENSITY: {
      const rho = st.rhoT.subarray(k * n, (k + 1) * n);
      rho.fill(0);
      st.fT.fill(0, 3 * k * n, 3 * (k + 1) * n);
      if (wantAtomE) st.aT.fill(0, k * n, (k + 1) * n);
      st.acc.fill(0, k * TABLE_ACC_SIZE, (k + 1) * TABLE_ACC_SIZE);
      tableDensityRange(t, st.el, st.x, st.start, st.nbr, st.shift, r0, r1, rho);
      return;
    }
    case PHASE_EMBED: {
      const rhoT = st.rhoT;
      for (let q = 1; q < T; q++) {
        const o = q * n;
        for (let i = a0; i < a1; i++) rhoT[i] += rhoT[o + i];
      }
      const atomE = wantAtomE ? st.aT : undefined;
      st.acc[k * TABLE_ACC_SIZE] = tableEmbedRange(t, st.el, rhoT, a0, a1, st.fp, atomE, 0);
      return;
    }
    case PHASE_FORCES: {
      const forces = st.fT.subarray(3 * k * n, 3 * (k + 1) * n);
      const atomE = wantAtomE ? st.aT.subarray(k * n, (k + 1) * n) : undefined;
      const acc = st.acc.subarray(k * TABLE_ACC_SIZE, (k + 1) * TABLE_ACC_SIZE);
      const wantF = (flags & (FLAG_FORCES | FLAG_VIRIAL)) !== 0;
      tableForceRange(t, st.el, st.x, st.start, st.nbr, st.shift, r0, r1, st.fp, forces, atomE, wantF, (flags & FLAG_VIRIAL) !== 0, acc);
      return;
    }
    case PHASE_REDUCE: {
      const fT = st.fT, aT = st.aT;
      for (let q = 1; q < T; q++) {
        const o = 3 * q * n;
        for (let i = 3 * a0; i < 3 * a1; i++) fT[i] += fT[o + i];
        if (wantAtomE) {
          const oa = q * n;
          for (let i = a0; i < a1; i++) aT[i] += aT[oa + i];
        }
      }
      return;
    }
    default:
      throw new Error(`internal error: unknown EAM phase ${phase}`);
  }
}
