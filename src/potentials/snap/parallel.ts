/**
 * SNAP design rows (and per-atom descriptors) of many structures on worker threads.
 *
 *   const rows = await designRowsBatch(spec, structures, { threads: 2 });   // rows[k] of structures[k]
 *
 * Each structure goes whole to one worker (dynamic scheduling: a worker holds two structures, the one it computes
 * and the next, queued, and gets another each time it returns one, so it never sits idle while this thread is
 * busy or slow to answer), which builds the full neighbor list and runs SnapEngine.designRows, the same code in the same order as the
 * serial path, so the results equal `snapDesignRowsOf` bit for bit. `threads` counts workers (default: the number
 * of cores); threads = 1, or a single structure, runs serially on the calling thread without workers. Structures
 * are copied to the workers; the result arrays are transferred back. Layouts: see engine.ts (SnapDesignRows).
 * A structure that fails (e.g. an element not in the model) rejects the batch with its index in the message.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { UserError } from '../../core/errors.ts';
import { buildNeighborList } from '../../neighbors/index.ts';
import type { Structure } from '../../structure/types.ts';
import { SnapEngine, snapCutoff, type SnapDesignRows } from './engine.ts';
import type { SnapSpec } from './spec.ts';

export interface SnapBatchOptions {
  /** Worker threads (default: all cores). */
  threads?: number;
}

/** Design rows of one structure with its own full neighbor list at the model cutoff (the unit of work). */
export function snapDesignRowsOf(engine: SnapEngine, s: Structure): SnapDesignRows {
  return engine.designRows(s, buildNeighborList(s, engine.cutoff, { half: false }));
}

function withCutoff(spec: SnapSpec): SnapSpec {
  return { ...spec, cutoff: snapCutoff(spec) };
}

/** A pool of SNAP workers for one spec, reusable across batches. */
export class SnapWorkerPool {
  readonly threads: number;
  private readonly workers: Worker[];
  private busy = false;

  constructor(spec: SnapSpec, threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new UserError(`threads must be a positive integer, got ${threads}`);
    // validates the spec here, where the error is a plain UserError, rather than in every worker
    new SnapEngine(withCutoff(spec));
    this.threads = threads;
    const entry = new URL('./worker-entry.mjs', import.meta.url);
    this.workers = Array.from({ length: threads }, () => new Worker(entry, { workerData: { spec: withCutoff(spec) } }));
  }

  /** Design rows of every structure, in input order. One batch at a time. */
  designRows(structures: readonly Structure[]): Promise<SnapDesignRows[]> {
    if (this.busy) return Promise.reject(new Error('internal error: SnapWorkerPool runs one batch at a time'));
    this.busy = true;
    const out: (SnapDesignRows | undefined)[] = new Array(structures.length);
    let next = 0;
    let done = 0;
    return new Promise<SnapDesignRows[]>((resolve, reject) => {
      const cleanups: (() => void)[] = [];
      const finish = (err?: Error): void => {
        for (const c of cleanups) c();
        this.busy = false;
        if (err) reject(err);
        else resolve(out as SnapDesignRows[]);
      };
      if (structures.length === 0) return finish();
      let failed = false;
      const send = (w: Worker): void => {
        if (next < structures.length) {
          w.postMessage({ id: next, structure: structures[next] });
          next++;
        }
      };
      for (const w of this.workers) {
        const onMessage = (msg: { id: number; rows?: SnapDesignRows; error?: string }): void => {
          if (failed) return;
          if (msg.error !== undefined) {
            failed = true;
            return finish(new UserError(`snap: structure ${msg.id}: ${msg.error}`));
          }
          out[msg.id] = msg.rows;
          done++;
          if (done === structures.length) return finish();
          send(w);
        };
        const onError = (e: Error): void => {
          if (failed) return;
          failed = true;
          finish(e);
        };
        w.on('message', onMessage);
        w.on('error', onError);
        cleanups.push(() => {
          w.off('message', onMessage);
          w.off('error', onError);
        });
        send(w);
      }
      // a second task queued on each worker, so a worker never waits for this thread to answer its last result
      for (const w of this.workers) send(w);
    });
  }

  /** Stops the workers; the pool must not be used afterwards. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** Design rows of many structures on `threads` worker threads (default all cores); equal to the serial results. */
export async function designRowsBatch(
  spec: SnapSpec, structures: readonly Structure[], opts: SnapBatchOptions = {},
): Promise<SnapDesignRows[]> {
  const requested = opts.threads ?? availableParallelism();
  if (!Number.isInteger(requested) || requested < 1) throw new UserError(`threads must be a positive integer, got ${requested}`);
  const threads = Math.min(requested, Math.max(1, structures.length));
  if (threads <= 1) {
    const engine = new SnapEngine(withCutoff(spec));
    return structures.map((s) => snapDesignRowsOf(engine, s));
  }
  const pool = new SnapWorkerPool(spec, threads);
  try {
    return await pool.designRows(structures);
  } finally {
    await pool.close();
  }
}
