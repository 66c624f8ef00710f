/**
 * EAM gauges (issue acceptance): the exact gauge tangents annihilate the Jacobian (independent check J·t ≈ 0), the
 * Fisher null directions of a spline EAM on energies and forces are exactly the gauges and are named, and
 * fixGauge gives a spec with identical energies, forces and stresses whose Fisher spectrum has no null direction.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CubicSpline, compileEamSpline, type EamSplineSpec } from '../../src/potentials/eam-spline.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import type { CompiledModel } from '../../src/potentials/types.ts';
import { bulk, rattle, randomStrain, supercell } from '../../src/structure/builders.ts';
import { createRng } from '../../src/core/random.ts';
import { DEFAULT_OBJECTIVE, makeFitProblem, type ObjectiveSettings } from '../../src/fit/objective.ts';
import { fisherAnalysis } from '../../src/analysis/fisher.ts';
import { eamGaugeTangents, exactEamGauges, fixGauge } from '../../src/analysis/gauge.ts';
import type { Configuration, Structure } from '../../src/structure/types.ts';

const RK = [2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0];
const CU: EamSplineSpec = {
  kind: 'eam-spline', elements: ['Cu'], cutoff: 5.0,
  // F's knots lie within the densities of the data (ρ ≈ 29–40 here): knots beyond them would leave F's shape
  // there unprobed, extra (genuine) null directions
  F: [{ knots: [28, 31, 34, 37, 40], values: [-2.8, -2.9, -2.92, -2.88, -2.8] }],
  rho: [{ knots: RK, values: [3.0, 2.0, 1.3, 0.8, 0.4, 0.15] }],
  phi: [{ knots: RK, values: [1.2, 0.1, -0.12, -0.08, -0.03, -0.01] }],
} as EamSplineSpec;

// two-element alloy; the Ni density has fewer knots than the pair functions (a subset: the gauge stays exact)
const CUNI: EamSplineSpec = {
  kind: 'eam-spline', elements: ['Cu', 'Ni'], cutoff: 5.0,
  F: [CU.F[0], { knots: [28, 32, 36, 40], values: [-3.0, -3.1, -3.05, -2.9] }],
  rho: [CU.rho[0], { knots: [2.0, 3.0, 4.0, 5.0], values: [3.4, 1.5, 0.5] }],
  phi: [CU.phi[0], { knots: RK, values: [1.0, 0.05, -0.1, -0.07, -0.02, -0.01] }, { knots: RK, values: [1.4, 0.15, -0.14, -0.09, -0.04, -0.01] }],
} as EamSplineSpec;

function cells(n: number, seed: number, alloy: boolean): Structure[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => {
    let s = bulk('fcc', ['Cu'], 3.615 * (0.96 + 0.08 * rng.float()));
    if (i % 2) s = supercell(s, [2, 1, 1]);
    s = rattle(randomStrain(s, 0.03, rng), 0.12, rng);
    return alloy ? { ...s, species: s.species.map((z, k) => (k % 3 === 1 ? 28 : z)) } : s;
  });
}

function label(model: CompiledModel, structures: Structure[]): Configuration[] {
  return structures.map((s, i) => {
    const r = evaluateStructure(model, s, { forces: true, virial: true });
    return { structure: s, labels: { energy: r.energy, forces: r.forces, stress: r.stress }, group: 'g', weight: 1, source: { file: 'synthetic', frame: i }, info: {} };
  });
}

const SETTINGS: ObjectiveSettings = { ...DEFAULT_OBJECTIVE, balance: 'none', energyOffset: 'per-species' };

function withOffsets(model: CompiledModel, nOff: number): Float64Array {
  return Float64Array.from([...model.parameters, ...new Array<number>(nOff).fill(0)]);
}

for (const [label_, spec, alloy] of [['Cu', CU, false], ['Cu-Ni alloy', CUNI, true]] as const) {
  test(`${label_}: exact gauge tangents annihilate the Jacobian; the approximate density scale does not`, () => {
    const model = compileEamSpline(spec);
    const prob = makeFitProblem(model, { configs: label(model, cells(4, 1, alloy)) }, SETTINGS);
    const theta = withOffsets(model, prob.offsets.names.length);
    const { J } = prob.residualsAndJacobian(theta);
    const P = prob.nParams, N = prob.nResiduals;
    let jn = 0;
    for (const v of J) jn = Math.max(jn, Math.abs(v));
    const gauges = eamGaugeTangents(spec, prob.paramNames);
    const rel = (t: Float64Array): number => {
      let worst = 0;
      for (let k = 0; k < N; k++) {
        let s = 0;
        for (let p = 0; p < P; p++) s += J[k * P + p] * t[p];
        worst = Math.max(worst, Math.abs(s));
      }
      return worst / (jn * Math.max(...t.map(Math.abs)));
    };
    for (const g of gauges) {
      const r = rel(g.tangent);
      if (g.exact) assert.ok(r < 1e-12, `${g.name}: |J t| relative ${r}`);
      else assert.ok(r > 1e-6, `${g.name} is flagged approximate but |J t| relative ${r}`);
    }
    assert.equal(gauges.filter((g) => g.exact).length, 2 * spec.elements.length);
  });

  test(`${label_}: Fisher null directions are the EAM gauges, named; fixGauge keeps predictions and removes them`, () => {
    const model = compileEamSpline(spec);
    const configs = label(model, cells(6, 2, alloy));
    const prob = makeFitProblem(model, { configs }, SETTINGS);
    const theta = withOffsets(model, prob.offsets.names.length);
    const symmetries = exactEamGauges(spec, prob.paramNames);
    const fa = fisherAnalysis(prob, theta, { symmetries });
    const nulls = fa.directions.filter((d) => d.kind === 'null');
    assert.equal(nulls.length, 2 * spec.elements.length, JSON.stringify(fa.eigenvalues.map((l) => l / fa.eigenvalues[0])));
    for (const d of nulls) assert.match(d.explanation ?? '', /EAM gauge|energy-offset gauge/);
    assert.ok(nulls.some((d) => /EAM gauge \(g_Cu\): F_Cu − gρ, φ_Cu-Cu \+ 2g ρ_Cu/.test(d.explanation!)));
    for (const s of fa.symmetries) assert.ok(s.nullOverlap > 1 - 1e-9, `${s.name}: overlap ${s.nullOverlap}`);

    const fixedG = fixGauge(spec, { offsets: 'per-species', densityScale: { distance: 2.5 }, referenceDensity: 33 });
    // canonical conditions hold
    const tmp = new Float64Array(3);
    new CubicSpline(fixedG.spec.rho[0].knots, fixedG.spec.rho[0].values, true).evaluate(2.5, tmp);
    assert.ok(Math.abs(tmp[0] - 1) < 1e-14);
    fixedG.spec.F.forEach((t, a) => {
      new CubicSpline(t.knots, t.values, false).evaluate(33 * fixedG.densityScale[a], tmp);
      assert.ok(Math.abs(tmp[1]) < 1e-12, `F'(ρ̄) = ${tmp[1]}`);
      assert.equal(t.values[0], 0);
    });
    // identical predictions on fresh rattled cells (energies up to the constants moved into the offsets)
    const m2 = compileEamSpline(fixedG.spec);
    let worst = 0;
    for (const s of cells(5, 3, alloy)) {
      const a = evaluateStructure(model, s, { forces: true, virial: true });
      const b = evaluateStructure(m2, s, { forces: true, virial: true });
      let shift = 0;
      for (const z of s.species) shift += fixedG.offsetShift[z === 29 ? 'E0:Cu' : 'E0:Ni'] ?? 0;
      worst = Math.max(worst, Math.abs(b.energy + shift - a.energy));
      a.forces!.forEach((f, k) => (worst = Math.max(worst, Math.abs(b.forces![k] - f))));
      a.stress!.forEach((v, k) => (worst = Math.max(worst, Math.abs(b.stress![k] - v))));
    }
    assert.ok(worst < 1e-10, `largest change ${worst}`);
    // the canonical spec with its pinned parameters has no null direction left
    const prob2 = makeFitProblem(m2, { configs }, SETTINGS);
    const theta2 = Float64Array.from([...m2.parameters, ...prob2.offsets.names.map((n) => fixedG.offsetShift[n] ?? 0)]);
    const fb = fisherAnalysis(prob2, theta2, { fixed: fixedG.fixed });
    assert.equal(fb.directions.filter((d) => d.kind === 'null').length, 0, JSON.stringify(fb.eigenvalues.map((l) => l / fb.eigenvalues[0])));
    assert.ok(Object.values(fb.std_errors).every((v) => v !== null && Number.isFinite(v)));
    const approx = eamGaugeTangents(spec, prob.paramNames).filter((g) => !g.exact);
    const fs = fisherAnalysis(prob, theta, { symmetries: approx });
    console.log(`# ${label_}: density-scale tangent overlap with null+sloppy space ${fs.symmetries.map((s) => s.sloppyOverlap.toFixed(3)).join(', ')}; λmin/λmax after fixing ${fb.sloppiness.toExponential(2)}; max prediction change ${worst.toExponential(2)}`);
  });
}

test('fixGauge refuses the embedding gauge when a density has knots the pair function lacks', () => {
  const bad: EamSplineSpec = { ...CU, rho: [{ knots: [2.0, 2.7, 3.4, 5.0], values: [3.0, 1.5, 0.5] }] };
  assert.throws(() => fixGauge(bad), /not representable/);
  const prob = makeFitProblem(compileEamSpline(bad), { configs: label(compileEamSpline(bad), cells(2, 4, false)) }, SETTINGS);
  const g = eamGaugeTangents(bad, prob.paramNames).find((t) => t.name.startsWith('EAM gauge (g_Cu)'))!;
  assert.equal(g.exact, false);
  assert.match(g.why ?? '', /not a subset/);
});
