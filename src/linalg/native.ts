/**
 * Loader of the optional OpenBLAS/LAPACKE addon native/build/pesfit_linalg.node (built by `npm run build:native`
 * from native/pesfit_linalg.c). Loads at most once; when the file is missing or fails to load (no library, other
 * Node ABI) it returns null and keeps the reason, so callers fall back to the pure-TypeScript kernels.
 *
 * The raw functions take row-major Float64Array data with explicit shapes and return LAPACK's `info` untouched;
 * shape checks, status handling and the typed results live in backend.ts. See the C file's header for each call.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface NativeLinalg {
  gram(a: Float64Array, rows: number, cols: number): Float64Array;
  atb(a: Float64Array, rows: number, cols: number, b: Float64Array): Float64Array;
  syevd(a: Float64Array, n: number): { info: number; values: Float64Array; vectors: Float64Array };
  potrf(a: Float64Array, n: number): { info: number; l: Float64Array };
  potrs(l: Float64Array, n: number, b: Float64Array): Float64Array;
  gels(a: Float64Array, rows: number, cols: number, b: Float64Array): { info: number; x: Float64Array; residualNorm: number; rDiagonal: Float64Array };
  gesdd(a: Float64Array, rows: number, cols: number): { info: number; u: Float64Array; s: Float64Array; vt: Float64Array };
  /** In place: upper triangle of g (cols x cols) += AᵀA. */
  syrkAcc(g: Float64Array, a: Float64Array, rows: number, cols: number): void;
  potri(l: Float64Array, n: number): { info: number; inv: Float64Array };
}

export const NATIVE_ADDON_PATH = fileURLToPath(new URL('../../native/build/pesfit_linalg.node', import.meta.url));

const EXPORTS = ['gram', 'atb', 'syevd', 'potrf', 'potrs', 'gels', 'gesdd', 'syrkAcc', 'potri'] as const;

let loaded: { addon: NativeLinalg | null; error?: string } | undefined;

function load(): { addon: NativeLinalg | null; error?: string } {
  if (!existsSync(NATIVE_ADDON_PATH)) return { addon: null, error: `${NATIVE_ADDON_PATH} not found (run \`npm run build:native\`)` };
  try {
    const mod: unknown = createRequire(import.meta.url)(NATIVE_ADDON_PATH);
    const missing = EXPORTS.filter((k) => typeof (mod as Record<string, unknown>)?.[k] !== 'function');
    if (missing.length) return { addon: null, error: `${NATIVE_ADDON_PATH} lacks ${missing.join(', ')} (stale build?)` };
    return { addon: mod as NativeLinalg };
  } catch (e) {
    return { addon: null, error: `${NATIVE_ADDON_PATH} failed to load: ${(e as Error).message}` };
  }
}

/** The addon, or null when it is not built or does not load. */
export function loadNativeLinalg(): NativeLinalg | null {
  loaded ??= load();
  return loaded.addon;
}

/** Why the addon is unavailable (undefined when it loaded or was not tried yet). */
export function nativeLinalgError(): string | undefined {
  return loaded?.error;
}
