import { test } from 'node:test';
import assert from 'node:assert/strict';
import { naturalSpline, splineBasis, splineEval } from '../../src/potentials/spline.ts';

const X = [0.5, 1.1, 1.4, 2.2, 3.0, 3.3, 4.1];
const Y = X.map((x) => Math.sin(x) + 0.3 * x * x);

test('interpolates the knots, has zero curvature at the ends, and reproduces straight lines exactly', () => {
  const sp = naturalSpline(X, Y);
  const out = new Float64Array(2);
  X.forEach((x, k) => {
    splineEval(sp, x, out);
    assert.ok(Math.abs(out[0] - Y[k]) < 1e-14);
  });
  assert.equal(sp.m[0], 0);
  assert.equal(sp.m[X.length - 1], 0);
  const line = naturalSpline(X, X.map((x) => 2 - 0.7 * x));
  for (let r = 0; r < 5; r += 0.13) {
    splineEval(line, r, out);
    assert.ok(Math.abs(out[0] - (2 - 0.7 * r)) < 1e-14 && Math.abs(out[1] + 0.7) < 1e-14);
  }
});

test('is C2 at interior knots (one-sided second derivatives agree) and converges to a smooth function', () => {
  const sp = naturalSpline(X, Y);
  const out = new Float64Array(2);
  const d = (r: number) => (splineEval(sp, r, out), out[1]);
  for (const x of X.slice(1, -1)) {
    const h = 1e-6;
    const left = (d(x) - d(x - h)) / h, right = (d(x + h) - d(x)) / h;
    assert.ok(Math.abs(left - right) < 1e-4, `${x}: ${left} vs ${right}`);
  }
  const fine = Array.from({ length: 201 }, (_, k) => 1 + (2 * k) / 200);
  const f = naturalSpline(fine, fine.map(Math.sin));
  splineEval(f, 2.0037, out);
  assert.ok(Math.abs(out[0] - Math.sin(2.0037)) < 1e-8 && Math.abs(out[1] - Math.cos(2.0037)) < 1e-6);
});

test('derivative equals the central difference of the value, including the linear extensions', () => {
  const sp = naturalSpline(X, Y);
  const out = new Float64Array(2);
  for (let r = -0.3; r < 4.8; r += 0.0371) {
    const h = 1e-6;
    splineEval(sp, r + h, out);
    const p = out[0];
    splineEval(sp, r - h, out);
    const m = out[0];
    splineEval(sp, r, out);
    assert.ok(Math.abs((p - m) / (2 * h) - out[1]) < 1e-7, `r=${r}`);
  }
});

test('basis: ∂s/∂y_k and ∂s\'/∂y_k equal differences in the knot values (s is linear in y)', () => {
  const n = X.length;
  const sp = naturalSpline(X, Y);
  const val = new Float64Array(n), der = new Float64Array(n), out = new Float64Array(2), o2 = new Float64Array(2);
  for (const r of [0.2, 0.5, 0.77, 1.4, 2.9, 3.31, 4.1, 4.6]) {
    splineBasis(sp, r, val, der);
    splineEval(sp, r, out);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const y2 = Y.slice();
      y2[k] += 1;
      splineEval(naturalSpline(X, y2), r, o2);
      assert.ok(Math.abs(o2[0] - out[0] - val[k]) < 1e-12, `value r=${r} k=${k}`);
      assert.ok(Math.abs(o2[1] - out[1] - der[k]) < 1e-12, `slope r=${r} k=${k}`);
      sum += val[k] * Y[k];
    }
    assert.ok(Math.abs(sum - out[0]) < 1e-12);
  }
});
