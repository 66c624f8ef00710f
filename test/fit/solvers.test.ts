import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveMethod, solve, SOLVER_METHODS, type SolverMethod } from '../../src/fit/solvers.ts';
import { levenbergMarquardt } from '../../src/fit/lm.ts';
import { lbfgsb } from '../../src/fit/lbfgsb.ts';
import { differentialEvolution } from '../../src/fit/de.ts';
import { solveLinear, type LinearOptions } from '../../src/fit/linear.ts';
import { createRng } from '../../src/core/random.ts';
import { UserError } from '../../src/core/errors.ts';
import type { LeastSquaresProblem } from '../../src/fit/problem.ts';

/** r = Aθ − b: linear in θ, with a unique least-squares solution; bounded box for DE. */
function linearProblem(): LeastSquaresProblem {
  const n = 3, m = 12;
  const rng = createRng(2);
  const A = Float64Array.from({ length: m * n }, () => rng.normal());
  const b = Float64Array.from({ length: m }, () => rng.normal());
  const f = (th: Float64Array) => {
    const r = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      let s = -b[k];
      for (let p = 0; p < n; p++) s += A[k * n + p] * th[p];
      r[k] = s;
    }
    return r;
  };
  return {
    nParams: n, nResiduals: m, paramNames: ['x', 'y', 'z'],
    lower: new Float64Array(n).fill(-10), upper: new Float64Array(n).fill(10),
    residuals: f, residualsAndJacobian: (th) => ({ r: f(th), J: A }),
  };
}
const LINEAR: LinearOptions = { nModelParams: 3, ridge: 0, smoothness: 0 };
const THETA0 = [0.5, -0.5, 1];

test('each method dispatches to its solver with the same result as a direct call', () => {
  const p = linearProblem();
  const lm = solve(p, THETA0, 'lm');
  assert.equal(lm.method, 'lm');
  assert.deepEqual([...lm.params], [...levenbergMarquardt(p, THETA0).params]);
  const lb = solve(p, THETA0, 'lbfgs');
  assert.equal(lb.method, 'lbfgs');
  assert.deepEqual([...lb.params], [...lbfgsb(p, THETA0).params]);
  const de = solve(p, THETA0, 'de', { seed: 8, de: { polish: false, maxIterations: 30 } });
  assert.equal(de.method, 'de');
  assert.deepEqual([...de.params], [...differentialEvolution(p, { seed: 8, polish: false, maxIterations: 30 }, THETA0).params]);
  const lin = solve(p, THETA0, 'linear', { linear: LINEAR, modelIsLinear: true });
  assert.equal(lin.method, 'linear');
  assert.deepEqual([...lin.params], [...solveLinear(p, LINEAR).params]);
  // all four reach the same least-squares solution (independent methods agreeing)
  for (const r of [lm, lb]) {
    const err = Math.max(...[...r.params].map((v, i) => Math.abs(v - lin.params[i])));
    assert.ok(err < 1e-7, `${r.method}: ${err}`);
  }
});

test("'auto' picks linear only for a linear model with linear options, else LM", () => {
  assert.equal(resolveMethod('auto', { linear: LINEAR, modelIsLinear: true }), 'linear');
  assert.equal(resolveMethod('auto', { linear: LINEAR }), 'lm');
  assert.equal(resolveMethod('auto', { modelIsLinear: true }), 'lm');
  assert.equal(resolveMethod('auto', {}), 'lm');
  for (const m of SOLVER_METHODS.filter((x) => x !== 'auto')) assert.equal(resolveMethod(m, {}), m);
  const p = linearProblem();
  assert.equal(solve(p, THETA0, 'auto', { linear: LINEAR, modelIsLinear: true }).method, 'linear');
  assert.equal(solve(p, THETA0, 'auto').method, 'lm');
});

test('common options reach the solver; misuse is a UserError', () => {
  const p = linearProblem();
  for (const m of ['lm', 'lbfgs'] as const) {
    const seen: number[] = [];
    const r = solve(p, THETA0, m, { maxIterations: 1, onIteration: (rec) => seen.push(rec.iteration) });
    assert.ok(r.iterations <= 1, `${m}: ${r.iterations}`);
    assert.deepEqual(seen.slice(0, 1), [0]);
    const s = solve(p, THETA0, m, { shouldStop: () => true });
    assert.equal(s.status, 'interrupted');
  }
  const d = solve(p, THETA0, 'de', { maxIterations: 2, de: { polish: false } });
  assert.equal(d.status, 'maxIterations');
  assert.throws(() => solve(p, THETA0, 'linear'), UserError);
  assert.throws(() => solve(p, THETA0, 'linear', { linear: LINEAR, modelIsLinear: false }), UserError);
  assert.throws(() => solve(p, THETA0, 'newton' as SolverMethod), UserError);
  const unbounded = { ...p, lower: new Float64Array(3).fill(-Infinity) };
  assert.throws(() => solve(unbounded, THETA0, 'de'), /bounds/);
});
