/**
 * Worker-thread side of parallel.ts: builds one SnapEngine from workerData.spec, then answers each task message
 * {id, structure} with {id, rows} (the structure's design rows and descriptors, computed exactly as the serial
 * snapDesignRowsOf does; buffers transferred, not copied) or {id, error}. The pool terminates it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Structure } from '../../structure/types.ts';
import { SnapEngine } from './engine.ts';
import { snapDesignRowsOf } from './parallel.ts';
import type { SnapSpec } from './spec.ts';

export interface SnapTask {
  id: number;
  structure: Structure;
}

export function runSnapWorker(): void {
  const port = parentPort;
  if (!port) throw new Error('internal error: snap worker started outside a worker thread');
  const engine = new SnapEngine((workerData as { spec: SnapSpec }).spec);
  port.on('message', (msg: SnapTask) => {
    try {
      const rows = snapDesignRowsOf(engine, msg.structure);
      const buffers = [rows.energy, rows.forces, rows.virial, rows.descriptors].map((a) => a.buffer as ArrayBuffer);
      port.postMessage({ id: msg.id, rows }, buffers);
    } catch (e) {
      port.postMessage({ id: msg.id, error: e instanceof Error ? e.message : String(e) });
    }
  });
}
