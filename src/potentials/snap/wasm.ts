/**
 * The optional WebAssembly SIMD kernels of SNAP (native/wasm/snap_kernels.c, built by `npm run build:wasm` into
 * native/build/snap_kernels.wasm): U of all neighbors with the total, and per neighbor pair dU/dr contracted into
 * dB/dr (design rows) or dE/dr (adjoint). Two neighbors per call, one per SIMD lane, with the TypeScript's exact
 * arithmetic, so results equal the pure-TS kernels of sna.ts bit for bit (tests check 1e-12 relative).
 *
 * Loading: synchronous (WebAssembly.Module on the bytes), once per thread. Not used, and sna.ts runs its TS
 * kernels, when the file is absent or PESFIT_SNAP_WASM=0; a file that exists but does not compile is an error
 * (rebuild, delete it, or set PESFIT_SNAP_WASM=0).
 *
 * Memory: each SnaWasm owns one WebAssembly.Memory laid out from the module's __heap_base: fixed tables and
 * per-atom arrays first, then one block per neighbor pair (U of the pair, 4 f64 per jju: re lane 0, re lane 1,
 * im lane 0, im lane 1; then PRM_LEN f64 of parameters, layout in snap_kernels.c). Growing the neighbor capacity
 * grows the memory, which replaces every view: read the view fields after `reserve`, never keep them across it.
 * Units: as sna.ts (Å, U dimensionless, derivatives per Å).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The few WebAssembly JS API members used here: the project's lib (ES2022, @types/node 20) does not declare the
 * WebAssembly namespace, which Node has as a global.
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmModule {
  readonly __wasmModule?: never;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: { env: { memory: WasmMemory } }) => { readonly exports: object };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
export type { WasmModule };

/** Where build:wasm puts the module. */
export const SNAP_WASM_PATH = fileURLToPath(new URL('../../../native/build/snap_kernels.wasm', import.meta.url));

interface KernelExports {
  __heap_base: { readonly value: number };
  snap_prm_len(): number;
  snap_ui(
    J: number, blocks: number, rp: number, D: number, n: number, u: number, uStride: number, prm: number,
    prmStride: number, utR: number, utI: number, wself: number,
  ): void;
  snap_dbdr(
    J: number, blocks: number, rp: number, D: number, u: number, prm: number, d: number, zp: number, pair: number,
    nPair: number, out: number, nOut: number,
  ): void;
  snap_deidrj(
    J: number, blocks: number, rp: number, D: number, u: number, prm: number, d: number, ywR: number, ywI: number,
    out: number,
  ): void;
}

let cached: WasmModule | null | undefined;

/** The compiled module, or null when disabled (PESFIT_SNAP_WASM=0) or not built. */
export function snapWasmModule(): WasmModule | null {
  if (cached !== undefined) return cached;
  if (process.env.PESFIT_SNAP_WASM === '0' || !existsSync(SNAP_WASM_PATH)) return (cached = null);
  try {
    cached = new WA.Module(readFileSync(SNAP_WASM_PATH));
  } catch (e) {
    throw new Error(
      `${SNAP_WASM_PATH} does not compile (${e instanceof Error ? e.message : String(e)}): rebuild it with ` +
        '`npm run build:wasm`, delete it, or set PESFIT_SNAP_WASM=0',
    );
  }
  return cached;
}

/** Whether SNAP engines created now use the WASM kernels by default. */
export function snapWasmAvailable(): boolean {
  return snapWasmModule() !== null;
}

/** The tables of one Sna the kernels read (see sna.ts for their meaning). */
export interface SnaWasmTables {
  twojmax: number;
  idxuMax: number;
  nB: number;
  idxuBlock: Int32Array;
  rootpq: Float64Array;
  rootpqDim: number;
  /** dB/dr segment pairs, 5 int32 each. */
  pair: Int32Array;
  zpLength: number;
}

const PAGE = 65536;
const MIN_PAGES = 2;
const F64 = 8;

/** One instance of the kernels with its own memory, serving one Sna. */
export class SnaWasm {
  /** f64 per neighbor-pair block (U then parameters); the parameters of the pair start at 4·idxuMax. */
  readonly pairStride: number;
  /** Parameter f64 per neighbor pair (two lanes per value). */
  readonly prmLength: number;
  private readonly t: SnaWasmTables;
  private readonly ex: KernelExports;
  private readonly memory: WasmMemory;
  private readonly nOut: number;
  // byte offsets
  private readonly pBlocks: number;
  private readonly pRp: number;
  private readonly pPair: number;
  private readonly pZp: number;
  private readonly pYwR: number;
  private readonly pYwI: number;
  private readonly pUtR: number;
  private readonly pUtI: number;
  private readonly pD: number;
  private readonly pDb: number;
  private readonly pDe: number;
  private readonly pPairs: number;
  private capPairs = 0;

  // views (replaced when the memory grows)
  /** Neighbor-pair blocks: U, then the parameters (write with sna.ts's layout). */
  pairs!: Float64Array;
  zp!: Float64Array;
  ywR!: Float64Array;
  ywI!: Float64Array;
  utR!: Float64Array;
  utI!: Float64Array;
  /** dB/dr of the last pair: 2(3k + c) + lane, k ≤ nB. */
  dbdr!: Float64Array;
  /** dE/dr of the last pair: 2c + lane. */
  deidrj!: Float64Array;

  constructor(module: WasmModule, t: SnaWasmTables) {
    this.t = t;
    const nu = t.idxuMax;
    this.nOut = 3 * (t.nB + 1);
    // The layout needs __heap_base, known only after instantiation: instantiate on the module's own minimum (2
    // pages as build-wasm.mjs links it: the default 64 KiB stack and the static data), then grow.
    this.memory = new WA.Memory({ initial: MIN_PAGES });
    const inst = new WA.Instance(module, { env: { memory: this.memory } });
    this.ex = inst.exports as unknown as KernelExports;
    this.prmLength = this.ex.snap_prm_len();
    this.pairStride = 4 * nu + this.prmLength;
    let at = (this.ex.__heap_base.value + 15) & ~15;
    const take = (bytes: number): number => {
      const p = at;
      at = (at + bytes + 15) & ~15;
      return p;
    };
    this.pBlocks = take(4 * (t.twojmax + 1));
    this.pRp = take(F64 * t.rootpq.length);
    this.pPair = take(4 * t.pair.length);
    this.pZp = take(F64 * t.zpLength);
    this.pYwR = take(F64 * nu);
    this.pYwI = take(F64 * nu);
    this.pUtR = take(F64 * nu);
    this.pUtI = take(F64 * nu);
    this.pD = take(F64 * 12 * nu);
    this.pDb = take(F64 * 2 * this.nOut);
    this.pDe = take(F64 * 6);
    this.pPairs = at;
    this.reserve(32);
    new Int32Array(this.memory.buffer, this.pBlocks, t.twojmax + 1).set(t.idxuBlock);
    new Float64Array(this.memory.buffer, this.pRp, t.rootpq.length).set(t.rootpq);
    new Int32Array(this.memory.buffer, this.pPair, t.pair.length).set(t.pair);
  }

  /** Makes room for n neighbors (grows the memory and replaces the views if needed). */
  reserve(n: number): void {
    const pairs = (n + 1) >> 1;
    if (pairs <= this.capPairs) return;
    const cap = Math.max(pairs, 2 * this.capPairs);
    const bytes = this.pPairs + F64 * cap * this.pairStride;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE));
    this.capPairs = cap;
    const buf = this.memory.buffer;
    const nu = this.t.idxuMax;
    this.pairs = new Float64Array(buf, this.pPairs, cap * this.pairStride);
    this.zp = new Float64Array(buf, this.pZp, this.t.zpLength);
    this.ywR = new Float64Array(buf, this.pYwR, nu);
    this.ywI = new Float64Array(buf, this.pYwI, nu);
    this.utR = new Float64Array(buf, this.pUtR, nu);
    this.utI = new Float64Array(buf, this.pUtI, nu);
    this.dbdr = new Float64Array(buf, this.pDb, 2 * this.nOut);
    this.deidrj = new Float64Array(buf, this.pDe, 6);
  }

  /** U of the n neighbors whose parameters are set, and the total with self weight wself into utR/utI. */
  computeUi(n: number, wself: number): void {
    const t = this.t;
    // strides in f64, as the C pointer arithmetic counts them
    this.ex.snap_ui(
      t.twojmax, this.pBlocks, this.pRp, t.rootpqDim, n, this.pPairs, this.pairStride, this.pPairs + F64 * 4 * t.idxuMax,
      this.pairStride, this.pUtR, this.pUtI, wself,
    );
  }

  /** dB/dr of neighbors 2p and 2p+1 into `dbdr` (zp must hold the atom's weighted Z). */
  computeDbidrj(p: number): void {
    const t = this.t;
    const u = this.pPairs + F64 * p * this.pairStride;
    this.ex.snap_dbdr(
      t.twojmax, this.pBlocks, this.pRp, t.rootpqDim, u, u + F64 * 4 * t.idxuMax, this.pD, this.pZp, this.pPair,
      t.pair.length / 5, this.pDb, this.nOut,
    );
  }

  /** dE/dr of neighbors 2p and 2p+1 into `deidrj` (ywR/ywI must hold the atom's 2·halfW·Y). */
  computeDeidrj(p: number): void {
    const t = this.t;
    const u = this.pPairs + F64 * p * this.pairStride;
    this.ex.snap_deidrj(
      t.twojmax, this.pBlocks, this.pRp, t.rootpqDim, u, u + F64 * 4 * t.idxuMax, this.pD, this.pYwR, this.pYwI,
      this.pDe,
    );
  }
}
