/**
 * The fitter's parallel hook for SNAP: a SYNCHRONOUS, ordered stream of per-configuration evaluations with design
 * rows, computed ahead on worker threads while the caller consumes them (the fitter runs synchronously, itself
 * inside a worker thread, so it cannot await a promise).
 *
 *   const stream = snapDesignStream(model, structures, lists);   // undefined: evaluate serially instead
 *   try { for (let i = 0; i < structures.length; i++) use(stream ? stream.next() : model.evaluate(...)); }
 *   finally { stream?.close(); }
 *
 * next() returns, for structure k = 0, 1, 2, ... in turn, exactly what `model.evaluate(structures[k], lists[k],
 * DESIGN_REQUEST)` returns on the calling thread: each worker compiles the same spec with compileSnap and evaluates
 * on a copy of the same neighbor list, the same code in the same order, so the numbers are equal bit for bit.
 * Memory stays bounded: at most `window` results (default 16 configurations) are computed ahead of the consumer,
 * counting those in flight; each worker holds at most two structures, the one it computes and the next, queued
 * (dynamic scheduling): a worker that finishes while the caller is busy with a result (next() not running, so
 * nothing dispatched) goes straight on to its queued structure instead of idling until the next call.
 *
 * Mechanism: each worker has its own MessageChannel; it posts the result (buffers transferred) and then bumps a
 * shared counter with Atomics.notify. The calling thread never returns to its event loop: it pulls messages with
 * receiveMessageOnPort and sleeps in Atomics.wait on the counter (it re-reads the counter before draining the ports,
 * so no wake-up is lost). A structure's error comes back as a message and is thrown (a UserError naming the
 * structure) by the next() that would return it; a worker that fails to load makes the next next() throw. Workers are unref'd and terminated by close().
 * Layouts of the results: see engine.ts (SnapDesignRows) and snap.ts (dEnergy[P], dForces[p·3N + 3i + a],
 * dVirial[p·6 + v]).
 */
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { UserError } from '../../core/errors.ts';
import type { NeighborList } from '../../neighbors/types.ts';
import type { Structure } from '../../structure/types.ts';
import type { CompiledModel, EvalRequest, EvalResult } from '../types.ts';
import type { SnapSpec } from './spec.ts';

/** What every stream result answers: energy, forces, virial and their parameter derivatives. */
export const DESIGN_REQUEST: EvalRequest = Object.freeze({ forces: true, virial: true, paramGradient: true });

export interface DesignStreamOptions {
  /** Worker threads (default: all cores). One thread means no stream (undefined). */
  threads?: number;
  /** Configurations computed ahead of the consumer, in flight included (default 16). */
  window?: number;
  /**
   * Below this many atoms in total the stream is not worth the workers' start-up (each loads tsx and compiles the
   * sources, ~1 s): snapDesignStream returns undefined (default 1000; 0 forces the stream).
   */
  minAtoms?: number;
}

/** Message from a stream worker: a result, or an error (id −1: the worker failed to start). */
export interface StreamReply {
  id: number;
  result?: EvalResult;
  error?: string;
}

/** Task for a stream worker. */
export interface StreamTask {
  id: number;
  structure: Structure;
  list: NeighborList;
}

export interface StreamWorkerData {
  spec: SnapSpec;
  port: MessagePort;
  counter: SharedArrayBuffer;
}

/** Structures a worker holds at once: the one it computes and one queued behind it. */
const QUEUE_DEPTH = 2;

/** Milliseconds of one Atomics.wait slice: only bounds the reaction to a lost notify, never the result. */
const WAIT_SLICE_MS = 200;

export class SnapDesignStream {
  readonly threads: number;
  private readonly workers: Worker[] = [];
  private readonly ports: MessagePort[] = [];
  /** Structures each worker holds (computing or queued on its port), at most QUEUE_DEPTH. */
  private readonly held: number[] = [];
  private readonly counter: Int32Array;
  /** Finished results by structure index; a string is that structure's error, thrown when its turn comes. */
  private readonly ready = new Map<number, EvalResult | string>();
  private cursor = 0;
  private submitted = 0;
  private closed = false;

  constructor(
    spec: SnapSpec,
    private readonly structures: readonly Structure[],
    private readonly lists: readonly NeighborList[],
    threads: number,
    private readonly window: number,
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new UserError(`threads must be a positive integer, got ${threads}`);
    if (!Number.isInteger(window) || window < 1) throw new UserError(`window must be a positive integer, got ${window}`);
    if (lists.length !== structures.length) throw new Error('internal error: one neighbor list per structure needed');
    this.threads = threads;
    const sab = new SharedArrayBuffer(4);
    this.counter = new Int32Array(sab);
    const entry = new URL('./design-stream-entry.mjs', import.meta.url);
    for (let t = 0; t < threads; t++) {
      const ch = new MessageChannel();
      const data: StreamWorkerData = { spec, port: ch.port2, counter: sab };
      const w = new Worker(entry, { workerData: data, transferList: [ch.port2] });
      w.unref();
      this.workers.push(w);
      this.ports.push(ch.port1);
      this.held.push(0);
    }
  }

  /** Results not yet taken by next(). */
  get remaining(): number {
    return this.structures.length - this.cursor;
  }

  /** The evaluation of the next structure (in input order); throws after the last one. */
  next(): EvalResult {
    if (this.closed) throw new Error('internal error: SnapDesignStream used after close()');
    const k = this.cursor;
    if (k >= this.structures.length) throw new Error('internal error: SnapDesignStream read past its last structure');
    this.dispatch();
    for (;;) {
      const seen = Atomics.load(this.counter, 0);
      this.drain();
      const r = this.ready.get(k);
      if (typeof r === 'string') {
        this.close();
        throw new UserError(`snap: structure ${k}: ${r}`);
      }
      if (r) {
        this.ready.delete(k);
        this.cursor++;
        // keep the workers busy while the caller uses this result
        this.dispatch();
        return r;
      }
      this.dispatch();
      Atomics.wait(this.counter, 0, seen, WAIT_SLICE_MS);
    }
  }

  /** Stops the workers (results not taken are dropped). Safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.ports) p.close();
    for (const w of this.workers) void w.terminate();
    this.ready.clear();
  }

  /** Gives the workers the next structures, up to QUEUE_DEPTH each, the emptiest first, as far as the window allows. */
  private dispatch(): void {
    const limit = Math.min(this.structures.length, this.cursor + this.window);
    for (let depth = 1; depth <= QUEUE_DEPTH; depth++)
      for (let w = 0; w < this.workers.length && this.submitted < limit; w++) {
        if (this.held[w]! >= depth) continue;
        const id = this.submitted++;
        const task: StreamTask = { id, structure: this.structures[id]!, list: this.lists[id]! };
        this.held[w]!++;
        this.ports[w]!.postMessage(task);
      }
  }

  private drain(): void {
    for (let w = 0; w < this.ports.length; w++) {
      for (let m = receiveMessageOnPort(this.ports[w]!); m; m = receiveMessageOnPort(this.ports[w]!)) {
        const reply = m.message as StreamReply;
        if (reply.id < 0) {
          this.close();
          throw new UserError(`snap: design-row worker failed: ${reply.error}`);
        }
        this.ready.set(reply.id, reply.error ?? reply.result!);
        this.held[w]!--;
      }
    }
  }
}

/**
 * The parallel design-row stream for `model` over `structures` (with their full neighbor lists), or undefined when
 * the model is not SNAP, one thread is asked for, or the data are too small to pay for the workers.
 */
export function snapDesignStream(
  model: CompiledModel, structures: readonly Structure[], lists: readonly NeighborList[], opts: DesignStreamOptions = {},
): SnapDesignStream | undefined {
  if (model.spec.kind !== 'snap') return undefined;
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new UserError(`threads must be a positive integer, got ${threads}`);
  let atoms = 0;
  for (const s of structures) atoms += s.species.length;
  if (threads === 1 || structures.length < 2 || atoms < (opts.minAtoms ?? 1000)) return undefined;
  return new SnapDesignStream(model.spec as SnapSpec, structures, lists, Math.min(threads, structures.length), opts.window ?? 16);
}
