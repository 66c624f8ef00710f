/**
 * Worker-thread side of design-stream.ts: compiles workerData.spec once with compileSnap, then answers each
 * StreamTask {id, structure, list} on its port with {id, result} (model.evaluate with DESIGN_REQUEST, the same call
 * the serial fitter makes; result buffers transferred) or {id, error}, and after each reply bumps the shared counter
 * and wakes the coordinator, which is blocked in Atomics.wait and reads the port synchronously.
 */
import { workerData } from 'node:worker_threads';
import { DESIGN_REQUEST, type StreamReply, type StreamTask, type StreamWorkerData } from './design-stream.ts';
import { compileSnap } from './snap.ts';

export function runDesignStreamWorker(): void {
  const { spec, port, counter } = workerData as StreamWorkerData;
  const ctr = new Int32Array(counter);
  const reply = (msg: StreamReply, transfer: ArrayBuffer[]): void => {
    port.postMessage(msg, transfer);
    Atomics.add(ctr, 0, 1);
    Atomics.notify(ctr, 0);
  };
  let model: ReturnType<typeof compileSnap>;
  try {
    model = compileSnap(spec);
  } catch (e) {
    reply({ id: -1, error: e instanceof Error ? e.message : String(e) }, []);
    return;
  }
  port.on('message', (task: StreamTask) => {
    try {
      const result = model.evaluate(task.structure, task.list, DESIGN_REQUEST);
      const transfer: ArrayBuffer[] = [];
      for (const a of [result.forces, result.virial, result.atomEnergies, result.dEnergy, result.dForces, result.dVirial])
        if (a && a.byteLength === a.buffer.byteLength && !transfer.includes(a.buffer as ArrayBuffer)) transfer.push(a.buffer as ArrayBuffer);
      reply({ id: task.id, result }, transfer);
    } catch (e) {
      reply({ id: task.id, error: e instanceof Error ? e.message : String(e) }, []);
    }
  });
}
