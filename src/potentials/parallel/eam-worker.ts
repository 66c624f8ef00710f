/**
 * Worker-thread side of eam-parallel.ts. The worker receives its kernel tables and control words in workerData,
 * then loops: wait for the generation counter to change, run the commanded phase (phases.ts) on the shared arrays,
 * store the finished generation in its own done slot and wake the coordinator. New shared arrays (a new neighbor list or atom count) arrive as a
 * message on `port`, read synchronously (receiveMessageOnPort) on CMD_SETUP, because the worker never returns to
 * its event loop while serving. A phase that throws sets CTRL_ERROR (the coordinator raises it) and still counts as
 * done.
 */
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import type { TableKernel } from '../eam.ts';
import { CMD_EXIT, CMD_SETUP, CTRL_CMD, CTRL_DONE_BASE, CTRL_ERROR, CTRL_FLAGS, CTRL_GEN, runPhase, type SharedState } from './phases.ts';

export interface WorkerInit {
  kernel: TableKernel;
  ctrl: Int32Array;
  port: MessagePort;
  index: number;
}

export function runWorker(): void {
  const init = workerData as WorkerInit;
  const { kernel, ctrl, port, index } = init;
  let state: SharedState | undefined;
  let gen = Atomics.load(ctrl, CTRL_GEN);
  parentPort?.postMessage('ready');
  for (;;) {
    // a wake-up counts only when the generation really moved on
    while (Atomics.load(ctrl, CTRL_GEN) === gen) Atomics.wait(ctrl, CTRL_GEN, gen);
    gen = Atomics.load(ctrl, CTRL_GEN);
    const cmd = Atomics.load(ctrl, CTRL_CMD);
    if (cmd === CMD_EXIT) break;
    try {
      if (cmd === CMD_SETUP) {
        const msg = receiveMessageOnPort(port);
        if (!msg) throw new Error('internal error: EAM worker setup without a message');
        state = msg.message as SharedState;
      } else {
        if (!state) throw new Error('internal error: EAM worker phase before setup');
        runPhase(kernel, state, cmd, Atomics.load(ctrl, CTRL_FLAGS), index);
      }
    } catch (e) {
      Atomics.store(ctrl, CTRL_ERROR, 1);
      console.error(`EAM worker ${index}: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    }
    Atomics.store(ctrl, CTRL_DONE_BASE + index, gen);
    Atomics.notify(ctrl, CTRL_DONE_BASE + index);
  }
  port.close();
}
