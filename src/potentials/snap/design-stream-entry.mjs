// Worker-thread entry of design-stream.ts: tsx's loader does not reach worker threads, so this plain module
// registers it and loads the TypeScript worker (see docs/toolchain.md). A failure to load is reported to the
// coordinator as a reply with id -1, since it never listens for the worker's 'error' event.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

try {
  const { runDesignStreamWorker } = await tsImport('./design-stream-worker.ts', import.meta.url);
  runDesignStreamWorker();
} catch (e) {
  workerData.port.postMessage({ id: -1, error: String((e && e.stack) || e) });
  const counter = new Int32Array(workerData.counter);
  Atomics.add(counter, 0, 1);
  Atomics.notify(counter, 0);
}
