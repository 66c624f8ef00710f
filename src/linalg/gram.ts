/**
 * Gram matrix G = AᵀA of a row-major rows x cols array, in pure TypeScript (the fallback of the native dsyrk).
 * Both triangles of the cols x cols row-major result are filled.
 *
 * Why blocked: a row-by-row rank-1 update (dense.ts accumulateNormal) streams the whole cols² triangle through
 * memory once per row. Here a block of BLOCK rows is first transposed into a contiguous by-column buffer, and each
 * G entry gets one short dot product per block; four j-columns share each load of column i.
 *
 * gramAccumulateUpper is the streamed form (the fallback of the addon's syrkAcc): G's upper triangle (j ≥ i) += AᵀA
 * in place, the strict lower triangle untouched; callers mirror once after the last block (mirrorUpper).
 */

const BLOCK = 128;

export function gramBlocked(a: Float64Array, rows: number, cols: number): Float64Array {
  if (a.length !== rows * cols) throw new Error(`gram: data length ${a.length} != ${rows} x ${cols}`);
  const G = new Float64Array(cols * cols);
  gramAccumulateUpper(G, a, rows, cols);
  mirrorUpper(G, cols);
  return G;
}

/** Copies the upper triangle of a row-major n x n matrix into its lower triangle. */
export function mirrorUpper(G: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) G[j * n + i] = G[i * n + j];
}

export function gramAccumulateUpper(G: Float64Array, a: Float64Array, rows: number, cols: number): void {
  if (a.length !== rows * cols) throw new Error(`gram: data length ${a.length} != ${rows} x ${cols}`);
  if (G.length !== cols * cols) throw new Error(`gram: accumulator length ${G.length} != ${cols} x ${cols}`);
  const T = new Float64Array(cols * BLOCK);
  for (let r0 = 0; r0 < rows; r0 += BLOCK) {
    const nb = Math.min(BLOCK, rows - r0);
    for (let r = 0; r < nb; r++) {
      const o = (r0 + r) * cols;
      for (let j = 0; j < cols; j++) T[j * nb + r] = a[o + j];
    }
    for (let i = 0; i < cols; i++) {
      const ti = i * nb, gi = i * cols;
      let j = i;
      for (; j + 3 < cols; j += 4) {
        const t0 = j * nb, t1 = t0 + nb, t2 = t1 + nb, t3 = t2 + nb;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let r = 0; r < nb; r++) {
          const x = T[ti + r];
          s0 += x * T[t0 + r];
          s1 += x * T[t1 + r];
          s2 += x * T[t2 + r];
          s3 += x * T[t3 + r];
        }
        G[gi + j] += s0;
        G[gi + j + 1] += s1;
        G[gi + j + 2] += s2;
        G[gi + j + 3] += s3;
      }
      for (; j < cols; j++) {
        const tj = j * nb;
        let s = 0;
        for (let r = 0; r < nb; r++) s += T[ti + r] * T[tj + r];
        G[gi + j] += s;
      }
    }
  }
}
