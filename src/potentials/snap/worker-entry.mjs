// Worker-thread entry: tsx's loader does not reach worker threads, so this plain module registers it and loads the
// TypeScript worker (see docs/toolchain.md).
import { tsImport } from 'tsx/esm/api';

const { runSnapWorker } = await tsImport('./snap-worker.ts', import.meta.url);
runSnapWorker();
