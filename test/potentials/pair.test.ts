import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDerivatives, formatDerivativeReports } from '../../src/analysis/check-derivatives.ts';
import { compilePair, type PairSpec } from '../../src/potentials/pair.ts';
import type { CutoffFunction } from '../../src/potentials/cutoff.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { createRng } from '../../src/core/random.ts';
import type { Structure } from '../../src/structure/types.ts';
import { UserError, ConfigError } from '../../src/core/errors.ts';
import { RC, COSINE_INNER, SMOOTHSTEP_INNER, ljSpec, morseSpec, buckSpec, splineSpec, testStructures, structuresAwayFromCutoff } from './pair-fixtures.ts';

const CUTOFFS: CutoffFunction[] = [
  'none', 'shift', 'shifted-force', { kind: 'cosine', inner: COSINE_INNER }, { kind: 'smoothstep', inner: SMOOTHSTEP_INNER },
  { kind: 'x4', h: 0.8 },
];

for (const [name, make] of [['lj', ljSpec], ['morse', morseSpec], ['buckingham', buckSpec], ['pair-spline', splineSpec]] as const) {
  test(`${name}: forces, stress and parameter derivatives agree with finite differences for every cutoff function`, () => {
    // central differences need pairs 1.5 position steps away from the points where a form is not smooth
    const structures = structuresAwayFromCutoff(11, [RC, COSINE_INNER, SMOOTHSTEP_INNER], 1.5e-3);
    const worst: Record<string, number> = {};
    for (const cut of CUTOFFS) {
      const model = compilePair(make(cut));
      for (const s of structures) {
        const reports = checkDerivatives(model, s);
        for (const r of reports) {
          worst[r.quantity] = Math.max(worst[r.quantity] ?? 0, r.maxRelError);
          assert.ok(r.maxRelError < 1e-6, `${name} ${JSON.stringify(cut)} n=${s.species.length}\n${formatDerivativeReports(reports)}`);
        }
      }
    }
    console.log(`${name} worst maxRelError: ${Object.entries(worst).map(([q, v]) => `${q} ${v.toExponential(1)}`).join(', ')}`);
  });
}

test('energy equals an independent brute-force sum over pairs and images (non-periodic and periodic)', () => {
  const rng = createRng(5);
  const phi = (r: number, D: number, a: number, r0: number) => D * (Math.exp(-2 * a * (r - r0)) - 2 * Math.exp(-a * (r - r0)));
  const params: Record<string, [number, number, number]> = { '29-29': [0.34, 1.36, 2.87], '28-29': [0.4, 1.4, 2.75], '29-28': [0.4, 1.4, 2.75], '28-28': [0.42, 1.38, 2.78] };
  const model = compilePair(morseSpec('shift'));
  const s = testStructures(3)[1];
  // periodic: sum over images within a generous range, each unordered pair once (½ Σ_i Σ_j,image)
  let e = 0;
  const n = s.species.length;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      for (let a = -3; a <= 3; a++)
        for (let b = -3; b <= 3; b++)
          for (let c = -3; c <= 3; c++) {
            if (i === j && a === 0 && b === 0 && c === 0) continue;
            const d = [0, 1, 2].map((k) => s.positions[3 * j + k] + a * s.cell[k] + b * s.cell[3 + k] + c * s.cell[6 + k] - s.positions[3 * i + k]);
            const r = Math.hypot(d[0], d[1], d[2]);
            if (r >= RC) continue;
            const [D, al, r0] = params[`${s.species[i]}-${s.species[j]}`];
            e += 0.5 * (phi(r, D, al, r0) - phi(RC, D, al, r0));
          }
  const res = evaluateStructure(model, s, { atomEnergies: true });
  assert.ok(Math.abs(res.energy - e) < 1e-11 * Math.abs(e), `${res.energy} vs ${e}`);
  const sumAtoms = res.atomEnergies!.reduce((x, y) => x + y, 0);
  assert.ok(Math.abs(sumAtoms - res.energy) < 1e-11);
  void rng;
});

test('LJ dimer: minimum −ε at 2^(1/6) σ, zero at σ', () => {
  const model = compilePair({ kind: 'lj', elements: ['Ar'], cutoff: 10, cutoff_function: 'none', pairs: { 'Ar-Ar': { epsilon: 0.0104, sigma: 3.4 } } });
  const dimer = (r: number): Structure => ({ species: Int32Array.of(18, 18), positions: Float64Array.of(0, 0, 0, 0, 0, r), cell: new Float64Array(9), pbc: [false, false, false] });
  const rmin = Math.pow(2, 1 / 6) * 3.4;
  const res = evaluateStructure(model, dimer(rmin), { forces: true });
  assert.ok(Math.abs(res.energy + 0.0104) < 1e-15);
  assert.ok(Math.abs(res.forces![5]) < 1e-15);
  assert.ok(Math.abs(evaluateStructure(model, dimer(3.4), {}).energy) < 1e-16);
});

test('translation and periodic-image invariance', () => {
  const model = compilePair(ljSpec({ kind: 'smoothstep', inner: 4.4 }));
  const s = testStructures(2)[0];
  const e0 = evaluateStructure(model, s, {}).energy;
  const shifted = { ...s, positions: s.positions.map((v, k) => v + [0.37, -1.2, 2.1][k % 3] + (k < 3 ? s.cell[3 + k] : 0)) };
  const e1 = evaluateStructure(model, shifted, {}).energy;
  assert.ok(Math.abs(e0 - e1) < 1e-12 * Math.abs(e0));
});

test('errors: missing pair, unknown pair key, and an atom of an element outside the model', () => {
  const spec = ljSpec('none') as Extract<PairSpec, { kind: 'lj' }>;
  const { 'Ni-Cu': _omit, ...rest } = spec.pairs;
  assert.throws(() => compilePair({ ...spec, pairs: rest }), (e: unknown) => e instanceof ConfigError && /Cu-Ni/.test(e.message));
  assert.throws(() => compilePair({ ...spec, pairs: { ...spec.pairs, 'Cu-Fe': { epsilon: 1, sigma: 1 } } }), ConfigError);
  const model = compilePair(spec);
  const s: Structure = { species: Int32Array.of(29, 26), positions: Float64Array.of(0, 0, 0, 2, 0, 0), cell: new Float64Array(9), pbc: [false, false, false] };
  assert.throws(() => evaluateStructure(model, s, {}), (e: unknown) => e instanceof UserError && /Fe/.test(e.message));
});

test('parameter names and withParameters round trip', () => {
  const model = compilePair(morseSpec('none'));
  assert.deepEqual(model.paramNames.slice(0, 4), ['D0:Cu-Cu', 'alpha:Cu-Cu', 'r0:Cu-Cu', 'D0:Cu-Ni']);
  const m2 = model.withParameters(model.parameters.map((v) => v * 1.1));
  assert.ok(Math.abs(m2.parameters[4] - 1.54) < 1e-12);
  const sp = compilePair(splineSpec('none'));
  assert.equal(sp.paramNames[9], 'phi:Cu-Ni[0]');
  assert.equal(sp.paramNames.length, 9 + 8 + 9);
});
