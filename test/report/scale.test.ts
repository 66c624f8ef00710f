import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decadeDomain, decadeTicks, niceTicks, paddedExtent, tickFormatter } from '../../src/report/scale.ts';
import { subsampleIndices } from '../../src/report/subsample.ts';
import { esc, fmtNum } from '../../src/report/escape.ts';

test('nice ticks are multiples of 1, 2 or 5 × 10^k inside the domain, formatted with the step decimals', () => {
  assert.deepEqual(niceTicks(0, 10, 5).ticks, [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(-0.31, 0.29, 5).ticks, [-0.3, -0.2, -0.1, 0, 0.1, 0.2]);
  const { ticks, step } = niceTicks(-4.23, -3.37, 5);
  assert.deepEqual(ticks.map(tickFormatter(ticks, step)), ['-4.2', '-4.0', '-3.8', '-3.6', '-3.4']);
  const small = niceTicks(-3e-5, 3e-5, 6);
  assert.deepEqual(small.ticks.map(tickFormatter(small.ticks, small.step)), ['-3e-5', '-2e-5', '-1e-5', '0', '1e-5', '2e-5', '3e-5']);
});

test('padded extent and decade domains', () => {
  assert.deepEqual(paddedExtent([[1, NaN, 3], [2]]), [1 - 0.08, 3 + 0.08]);
  assert.deepEqual(paddedExtent([[5]]), [4.5, 5.5]);
  assert.equal(paddedExtent([[NaN]]), undefined);
  assert.deepEqual(decadeDomain(0.03, 20), [0.01, 100]);
  assert.deepEqual(decadeDomain(10, 10), [10, 100]);
  assert.deepEqual(decadeTicks([1e-20, 1e4], 8), [-20, -17, -14, -11, -8, -5, -2, 1, 4]);
});

test('subsampling is deterministic, increasing, of the requested size and roughly uniform', () => {
  const a = subsampleIndices(30000, 20000);
  assert.equal(a.length, 20000);
  for (let i = 1; i < a.length; i++) assert.ok(a[i] > a[i - 1]);
  assert.deepEqual(subsampleIndices(30000, 20000), a);
  assert.deepEqual([...subsampleIndices(3, 10)], [0, 1, 2]);
  // interleaved x, y, z components are all represented about equally (no stride aliasing)
  const perComponent = [0, 0, 0];
  for (const i of subsampleIndices(30000, 10000)) perComponent[i % 3]++;
  for (const c of perComponent) assert.ok(Math.abs(c - 10000 / 3) < 200, `component count ${c}`);
});

test('escaping and number formatting', () => {
  assert.equal(esc(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(fmtNum(null), '—');
  assert.equal(fmtNum(0.000012345), '1.234e-5');
  assert.equal(fmtNum(1234.5678), '1235');
  assert.equal(fmtNum(-Infinity), '−∞');
});
