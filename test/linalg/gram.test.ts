import { test } from 'node:test';
import assert from 'node:assert/strict';
import { zeros } from '../../src/linalg/dense.ts';
import { gramBlocked } from '../../src/linalg/gram.ts';

test('blocked Gram matrix equals the naive triple loop AᵀA (block edges and column remainders)', () => {
  let s = 3;
  const rnd = () => ((s = (1664525 * s + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (const [rows, cols] of [[1, 1], [5, 3], [129, 7], [300, 13], [256, 8], [0, 4]]) {
    const a = zeros(rows, cols);
    for (let i = 0; i < a.data.length; i++) a.data[i] = rnd();
    const g = gramBlocked(a.data, rows, cols);
    for (let i = 0; i < cols; i++)
      for (let j = 0; j < cols; j++) {
        let x = 0;
        for (let r = 0; r < rows; r++) x += a.data[r * cols + i] * a.data[r * cols + j];
        assert.ok(Math.abs(g[i * cols + j] - x) <= 1e-13 * Math.max(1, Math.abs(x)), `${rows}x${cols} G[${i}][${j}]`);
      }
  }
  assert.throws(() => gramBlocked(new Float64Array(5), 2, 3), /data length/);
});
