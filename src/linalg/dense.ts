/**
 * Dense matrices: row-major Float64Array with explicit shape. Plain data; all operations are free functions.
 * Element (i, j) of an r x c matrix is data[i * c + j].
 */

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Matrix {
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function fromRows(rows: ArrayLike<number>[]): Matrix {
  const r = rows.length, c = r ? rows[0].length : 0;
  const m = zeros(r, c);
  rows.forEach((row, i) => {
    if (row.length !== c) throw new Error(`row ${i} has ${row.length} entries, expected ${c}`);
    m.data.set(Array.from(row), i * c);
  });
  return m;
}

export function identity(n: number): Matrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

export function transpose(a: Matrix): Matrix {
  const t = zeros(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  return t;
}

/** C = A B. */
export function matmul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`matmul: ${a.rows}x${a.cols} times ${b.rows}x${b.cols}`);
  const c = zeros(a.rows, b.cols);
  const n = b.cols, K = a.cols, A = a.data, B = b.data, C = c.data;
  for (let i = 0; i < a.rows; i++) {
    const ci = i * n;
    for (let k = 0; k < K; k++) {
      const aik = A[i * K + k];
      if (aik === 0) continue;
      const bk = k * n;
      for (let j = 0; j < n; j++) C[ci + j] += aik * B[bk + j];
    }
  }
  return c;
}

/** y = A x. */
export function matvec(a: Matrix, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(a.rows);
  const A = a.data, c = a.cols;
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let j = 0; j < c; j++) s += A[i * c + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** y = Aᵀ x. */
export function matTvec(a: Matrix, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(a.cols);
  const A = a.data, c = a.cols;
  for (let i = 0; i < a.rows; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    for (let j = 0; j < c; j++) y[j] += A[i * c + j] * xi;
  }
  return y;
}

/**
 * Accumulates G += Aᵀ diag(w) A and g += Aᵀ diag(w) b for a block of rows (streamed normal equations).
 * `a` is rows x n row-major; G is n x n (upper and lower filled at the end by `symmetrize`).
 */
export function accumulateNormal(G: Float64Array, g: Float64Array, a: Float64Array, b: ArrayLike<number>, w: ArrayLike<number> | undefined, rows: number, n: number): void {
  for (let r = 0; r < rows; r++) {
    const wr = w ? w[r] : 1;
    if (wr === 0) continue;
    const o = r * n;
    const br = b[r] * wr;
    for (let i = 0; i < n; i++) {
      const ai = a[o + i];
      if (ai === 0) continue;
      g[i] += ai * br;
      const s = ai * wr;
      const gi = i * n;
      for (let j = i; j < n; j++) G[gi + j] += s * a[o + j];
    }
  }
}

/** Copies the upper triangle of a square n x n array into the lower one. */
export function symmetrize(G: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) G[j * n + i] = G[i * n + j];
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}
