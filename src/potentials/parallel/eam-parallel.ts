/**
 * Multi-threaded EAM evaluation (worker_threads + SharedArrayBuffer) for tabulated EAM models (kind 'eam-table').
 *
 *   const pe = await createParallelEvaluator(model, 2);
 *   const r = pe.evaluate(s, nl, { forces: true });   // same EvalResult as model.evaluate, synchronous
 *   await pe.close();
 *
 * nThreads counts the calling thread, which does its share of every phase: nThreads − 1 workers are started.
 * Scheme (phases.ts): a half neighbor list split into row blocks of equal pair count; each thread scatters densities,
 * forces and per-atom energies into its own buffer, reduced over atom slices between phases; Atomics barriers
 * (generation counter + one done slot per worker) separate the four phases. A new neighbor list object (an MD rebuild) is copied
 * into the shared list arrays in place when it fits their capacity, which grows geometrically (×1.5) otherwise; the
 * shared arrays are reallocated (and re-sent to the workers) only then or when the atom count changes. Workers
 * keep views of the same SharedArrayBuffers, and the Atomics of the next command order the copy before their reads.
 * Positions and element indices are copied in on every call, in the spatially sorted order of eam.ts's `localLayout` when the list's atom order is not
 * local (forces and per-atom energies mapped back). Results are plain (non-shared) arrays equal to the serial kernel's up to summation order.
 * Requests with paramGradient, and full neighbor lists, go to the serial model.evaluate.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { UserError } from '../../core/errors.ts';
import type { NeighborList } from '../../neighbors/types.ts';
import type { Structure } from '../../structure/types.ts';
import { elementIndices } from '../eam-core.ts';
import { TABLE_ACC_SIZE, localLayout, tableKernelData, type EamTableSpec, type LocalLayout, type TableKernel } from '../eam.ts';
import type { CompiledModel, EvalRequest, EvalResult, ModelSpecBase } from '../types.ts';
import {
  CMD_EXIT, CMD_SETUP, CTRL_CMD, CTRL_DONE_BASE, CTRL_ERROR, CTRL_FLAGS, CTRL_GEN, ctrlSize, FLAG_ATOM_ENERGIES, FLAG_FORCES,
  FLAG_VIRIAL, PHASE_DENSITY, PHASE_EMBED, PHASE_FORCES, PHASE_REDUCE, runPhase, type SharedState,
} from './phases.ts';

export interface ParallelEvaluator {
  readonly nThreads: number;
  evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult;
  /** Stops the workers; the evaluator must not be used afterwards. */
  close(): Promise<void>;
}

const f64 = (len: number): Float64Array => new Float64Array(new SharedArrayBuffer(8 * Math.max(len, 1)), 0, len);
const i32 = (len: number): Int32Array => new Int32Array(new SharedArrayBuffer(4 * Math.max(len, 1)), 0, len);

/** Row bounds splitting the CSR rows into `T` blocks of about equal pair count. */
function rowBlocks(start: Int32Array, n: number, T: number, out: Int32Array): void {
  const total = start[n];
  out[0] = 0;
  let i = 0;
  for (let k = 1; k < T; k++) {
    const target = (total * k) / T;
    while (i < n && start[i] < target) i++;
    out[k] = i;
  }
  out[T] = n;
}

/** Growth factor of the shared list arrays when a new list does not fit. */
const LIST_GROWTH = 1.5;

/** Shared arrays for n atoms with room for `capacity` list entries (the list itself is copied by fillList). */
function newState(T: number, n: number, capacity: number): SharedState {
  const st: SharedState = {
    nThreads: T, n, x: f64(3 * n), el: i32(n), start: i32(n + 1), nbr: i32(capacity), shift: f64(3 * capacity),
    rhoT: f64(T * n), fp: f64(n), fT: f64(3 * T * n), aT: f64(T * n), acc: f64(T * TABLE_ACC_SIZE),
    rows: i32(T + 1), slices: i32(T + 1),
  };
  for (let k = 0; k <= T; k++) st.slices[k] = Math.round((n * k) / T);
  return st;
}

/** Copies the CSR list (relabelled when `lay`) into the shared arrays, which must have room; new row blocks. */
function fillList(st: SharedState, nl: NeighborList, lay: LocalLayout | null): void {
  const n = st.n, src = lay ?? nl, P = src.start[n];
  st.start.set(src.start.subarray(0, n + 1));
  st.nbr.set(src.j.subarray(0, P));
  st.shift.set(src.shift.subarray(0, 3 * P));
  rowBlocks(st.start, n, st.nThreads, st.rows);
}

/** The first n·w entries of a shared per-atom array (w per atom), in the original atom order. */
function unpermute(src: Float64Array, w: number, n: number, lay: LocalLayout | null): Float64Array {
  if (!lay) return src.slice(0, w * n);
  const out = new Float64Array(w * n), perm = lay.perm;
  for (let a = 0; a < n; a++) for (let d = 0; d < w; d++) out[w * perm[a] + d] = src[w * a + d];
  return out;
}

export async function createParallelEvaluator(model: CompiledModel<ModelSpecBase>, nThreads: number): Promise<ParallelEvaluator> {
  if (model.spec.kind !== 'eam-table') {
    throw new UserError(`parallel evaluation is implemented for kind 'eam-table' models, not '${model.spec.kind}'`);
  }
  if (!Number.isInteger(nThreads) || nThreads < 1) throw new UserError(`nThreads must be a positive integer, got ${nThreads}`);
  const spec = model.spec as EamTableSpec;
  const kernel: TableKernel = tableKernelData(spec);
  const T = nThreads;
  const ctrl = i32(ctrlSize(T));
  const workers: Worker[] = [];
  const ports: MessagePort[] = [];
  const entry = new URL('./worker-entry.mjs', import.meta.url);
  try {
    await Promise.all(
      Array.from({ length: T - 1 }, (_, w) => {
        const { port1, port2 } = new MessageChannel();
        const worker = new Worker(entry, {
          workerData: { kernel, ctrl, port: port2, index: w + 1 },
          transferList: [port2],
        });
        workers.push(worker);
        ports.push(port1);
        return new Promise<void>((resolve, reject) => {
          worker.once('message', () => resolve());
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new Error(`EAM worker exited during start-up (code ${code})`)));
        });
      }),
    );
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  for (const w of workers) {
    w.removeAllListeners('exit');
    w.removeAllListeners('error');
    w.unref();
  }

  let state: SharedState | undefined;
  let stateNl: NeighborList | undefined;
  let lay: LocalLayout | null = null;
  let closed = false;

  /** Runs one command on the workers and (for phases) thread 0's share here, then waits for all workers. */
  const command = (cmd: number, flags: number): void => {
    Atomics.store(ctrl, CTRL_CMD, cmd);
    Atomics.store(ctrl, CTRL_FLAGS, flags);
    const gen = (Atomics.add(ctrl, CTRL_GEN, 1) + 1) | 0; // int32 wrap-around as stored
    Atomics.notify(ctrl, CTRL_GEN);
    if (cmd === CMD_EXIT) return; // workers leave their loop without reporting
    let own: unknown;
    try {
      if (cmd !== CMD_SETUP && state) runPhase(kernel, state, cmd, flags, 0);
    } catch (e) {
      own = e;
    }
    // always wait: the workers must be idle before anything else touches the shared arrays
    for (let w = 1; w <= workers.length; w++) {
      for (let d = Atomics.load(ctrl, CTRL_DONE_BASE + w); d !== gen; d = Atomics.load(ctrl, CTRL_DONE_BASE + w)) {
        Atomics.wait(ctrl, CTRL_DONE_BASE + w, d);
      }
    }
    if (own !== undefined) throw own;
    if (Atomics.load(ctrl, CTRL_ERROR) !== 0) throw new Error('internal error: an EAM worker thread failed (see its message above)');
  };

  return {
    nThreads: T,
    evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
      if (closed) throw new Error('internal error: parallel evaluator used after close()');
      if (req.paramGradient || !nl.half) return model.evaluate(s, nl, req);
      const n = s.species.length;
      const el = elementIndices(s, spec.elements);
      if (!state || stateNl !== nl || state.n !== n) {
        lay = localLayout(nl, s.positions);
        const P = nl.start[n];
        if (!state || state.n !== n || state.nbr.length < P) {
          const grown = state && state.n === n ? Math.ceil(LIST_GROWTH * P) : P;
          state = newState(T, n, grown);
          for (const p of ports) p.postMessage(state);
          command(CMD_SETUP, 0);
        }
        // the workers are idle between commands: refilling the arrays they view is safe
        fillList(state, nl, lay);
        stateNl = nl;
      }
      if (lay) {
        const perm = lay.perm, x = state.x, e = state.el, xs = s.positions;
        for (let a = 0; a < n; a++) {
          const o = perm[a];
          x[3 * a] = xs[3 * o];
          x[3 * a + 1] = xs[3 * o + 1];
          x[3 * a + 2] = xs[3 * o + 2];
          e[a] = el[o];
        }
      } else {
        state.x.set(s.positions);
        state.el.set(el);
      }
      const flags = (req.forces ? FLAG_FORCES : 0) | (req.virial ? FLAG_VIRIAL : 0) | (req.atomEnergies ? FLAG_ATOM_ENERGIES : 0);
      command(PHASE_DENSITY, flags);
      command(PHASE_EMBED, flags);
      command(PHASE_FORCES, flags);
      if (req.forces || req.atomEnergies) command(PHASE_REDUCE, flags);
      const acc = state.acc;
      let energy = 0;
      const virial = new Float64Array(6);
      for (let k = 0; k < T; k++) {
        energy += acc[k * TABLE_ACC_SIZE];
        for (let v = 0; v < 6; v++) virial[v] += acc[k * TABLE_ACC_SIZE + 1 + v];
      }
      const out: EvalResult = { energy };
      if (req.forces) out.forces = unpermute(state.fT, 3, n, lay);
      if (req.virial) out.virial = virial;
      if (req.atomEnergies) out.atomEnergies = unpermute(state.aT, 1, n, lay);
      return out;
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      // ref again so the event loop stays alive until the workers have exited
      const exits = workers.map((w) => {
        w.ref();
        return new Promise<void>((resolve) => w.once('exit', () => resolve()));
      });
      command(CMD_EXIT, 0);
      for (const p of ports) p.close();
      await Promise.all(exits);
    },
  };
}
