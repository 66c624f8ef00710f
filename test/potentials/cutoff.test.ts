import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCutoff, cutoffCoefficients, cutoffContinuity, type CutoffFunction } from '../../src/potentials/cutoff.ts';
import { UserError } from '../../src/core/errors.ts';

const RC = 5;
const FORMS: CutoffFunction[] = [
  'none', 'shift', 'shifted-force', { kind: 'cosine', inner: 4 }, { kind: 'smoothstep', inner: 3.5 }, { kind: 'x4', h: 0.7 },
];

/** A smooth test radial function with its derivative. */
const phi = (r: number) => Math.exp(-0.8 * r) * Math.cos(1.3 * r);
const dphi = (r: number) => -0.8 * phi(r) - 1.3 * Math.exp(-0.8 * r) * Math.sin(1.3 * r);

/** (Lφ)(r) and (Lφ)'(r) from the coefficients. */
function cut(f: CutoffFunction, r: number): [number, number] {
  const c = compileCutoff(f, RC);
  const co = new Float64Array(5);
  cutoffCoefficients(c, r, co);
  return [co[0] * phi(r) + co[2] * phi(RC) + co[3] * dphi(RC), co[1] * phi(r) + co[0] * dphi(r) + co[4] * dphi(RC)];
}

test('(Lφ)\' equals the central difference of Lφ everywhere inside the cutoff', () => {
  for (const f of FORMS) {
    let worst = 0;
    for (let r = 1.013; r < RC - 0.01; r += 0.0173) {
      const h = 1e-5;
      const num = (cut(f, r + h)[0] - cut(f, r - h)[0]) / (2 * h);
      worst = Math.max(worst, Math.abs(num - cut(f, r)[1]));
    }
    assert.ok(worst < 1e-9, `${JSON.stringify(f)}: ${worst}`);
  }
});

test('each form has the continuity it states at the cutoff (one-sided derivatives vanish up to that order)', () => {
  // derivatives of Lφ at r_c from the left by one-sided differences of the analytic (Lφ)'
  for (const f of FORMS) {
    const order = cutoffContinuity(f);
    const v = cut(f, RC - 1e-9)[0];
    if (order >= 0) assert.ok(Math.abs(v) < 1e-8, `${JSON.stringify(f)}: value ${v}`);
    else assert.ok(Math.abs(v) > 1e-3, 'plain truncation jumps');
    const d1 = cut(f, RC - 1e-7)[1];
    if (order >= 1) assert.ok(Math.abs(d1) < 1e-6, `${JSON.stringify(f)}: first derivative ${d1}`);
    else assert.ok(Math.abs(d1) > 1e-3, `${JSON.stringify(f)}: first derivative should not vanish`);
    // second derivative from the analytic first derivative
    const h = 1e-4;
    const d2 = (cut(f, RC - h)[1] - cut(f, RC - 2 * h)[1]) / h;
    if (order >= 2) assert.ok(Math.abs(d2) < 1e-3, `${JSON.stringify(f)}: second derivative ${d2}`);
    else if (order === 1) assert.ok(Math.abs(d2) > 1e-2, `${JSON.stringify(f)}: second derivative should not vanish (${d2})`);
    assert.deepEqual(cut(f, RC), [0, 0]);
    assert.deepEqual(cut(f, RC + 0.3), [0, 0]);
  }
});

test('switching forms leave φ unchanged below their inner radius and stay within [0, 1]', () => {
  const co = new Float64Array(5);
  for (const f of FORMS.slice(3)) {
    const c = compileCutoff(f, RC);
    for (let r = 0.5; r < RC; r += 0.01) {
      cutoffCoefficients(c, r, co);
      assert.ok(co[0] >= 0 && co[0] <= 1, `${JSON.stringify(f)} r=${r}: ${co[0]}`);
    }
  }
  cutoffCoefficients(compileCutoff({ kind: 'cosine', inner: 4 }, RC), 3.9, co);
  assert.deepEqual([co[0], co[1]], [1, 0]);
  cutoffCoefficients(compileCutoff({ kind: 'cosine', inner: 4 }, RC), 4.5, co);
  assert.ok(Math.abs(co[0] - 0.5) < 1e-15);
});

test('invalid cutoff geometry is a user error', () => {
  assert.throws(() => compileCutoff({ kind: 'cosine', inner: 6 }, RC), UserError);
  assert.throws(() => compileCutoff({ kind: 'x4', h: 0 }, RC), UserError);
});
