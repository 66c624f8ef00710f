import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDerivatives, formatDerivativeReports, type DerivativeReport } from '../../src/analysis/check-derivatives.ts';
import type { CompiledModel, EvalRequest, EvalResult, ModelSpecBase } from '../../src/potentials/types.ts';
import type { NeighborList } from '../../src/neighbors/types.ts';
import type { Structure } from '../../src/structure/types.ts';
import { tallyPairForce, tallyPairVirial } from '../../src/potentials/tally.ts';

/**
 * Test-local model: φ(r) = A exp(−b r²) for r < rc (smooth enough at rc = 3.5 for b = 1, and tests keep pairs away
 * from it), with parameters A and b. `bug` injects a deliberate error into one derivative.
 */
type Bug = 'none' | 'force' | 'virial' | 'dEnergy' | 'dForces' | 'dVirial';
interface GaussSpec extends ModelSpecBase {
  kind: 'test-gauss';
  A: number;
  b: number;
}

function gaussModel(A: number, b: number, bug: Bug): CompiledModel<GaussSpec> {
  const spec: GaussSpec = { kind: 'test-gauss', elements: ['Ar'], cutoff: 3.5, A, b };
  const rc = spec.cutoff;
  return {
    spec,
    cutoff: rc,
    neighborList: 'half',
    paramNames: ['A:Ar-Ar', 'b:Ar-Ar'],
    parameters: Float64Array.of(A, b),
    withParameters: (t: ArrayLike<number>) => gaussModel(t[0], t[1], bug),
    evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
      const n = s.species.length;
      const forces = new Float64Array(3 * n);
      const virial = new Float64Array(6);
      const dEnergy = new Float64Array(2);
      const dForces = new Float64Array(2 * 3 * n);
      const dVirial = new Float64Array(12);
      let energy = 0;
      const x = s.positions;
      for (let i = 0; i < n; i++) {
        for (let k = nl.start[i]; k < nl.start[i + 1]; k++) {
          const j = nl.j[k];
          const dx = x[3 * j] + nl.shift[3 * k] - x[3 * i];
          const dy = x[3 * j + 1] + nl.shift[3 * k + 1] - x[3 * i + 1];
          const dz = x[3 * j + 2] + nl.shift[3 * k + 2] - x[3 * i + 2];
          const r2 = dx * dx + dy * dy + dz * dz;
          if (r2 >= rc * rc) continue;
          const e = Math.exp(-b * r2);
          energy += A * e;
          // f on j = −φ'(r) d/r = 2 A b e d
          const g = 2 * A * b * e;
          const gf = bug === 'force' ? 1.001 * g : g;
          tallyPairForce(forces, i, j, gf * dx, gf * dy, gf * dz);
          const gv = bug === 'virial' ? 1.001 * g : g;
          tallyPairVirial(virial, dx, dy, dz, gv * dx, gv * dy, gv * dz);
          dEnergy[0] += e;
          dEnergy[1] += -A * r2 * e * (bug === 'dEnergy' ? 1.001 : 1);
          // ∂g/∂A = 2 b e; ∂g/∂b = 2 A e (1 − b r²)
          const gA = 2 * b * e;
          const gb = 2 * A * e * (1 - b * r2);
          const gbf = bug === 'dForces' ? 1.001 * gb : gb;
          const dF0 = dForces.subarray(0, 3 * n), dF1 = dForces.subarray(3 * n);
          tallyPairForce(dF0, i, j, gA * dx, gA * dy, gA * dz);
          tallyPairForce(dF1, i, j, gbf * dx, gbf * dy, gbf * dz);
          const gbv = bug === 'dVirial' ? 1.001 * gb : gb;
          tallyPairVirial(dVirial.subarray(0, 6), dx, dy, dz, gA * dx, gA * dy, gA * dz);
          tallyPairVirial(dVirial.subarray(6), dx, dy, dz, gbv * dx, gbv * dy, gbv * dz);
        }
      }
      const r: EvalResult = { energy };
      if (req.forces) r.forces = forces;
      if (req.virial) r.virial = virial;
      if (req.paramGradient) Object.assign(r, { dEnergy, dForces, dVirial });
      return r;
    },
  };
}

/** A sheared, 3-atom triclinic cell (smaller than the cutoff along c) with irregular positions. */
function shearedCell(): Structure {
  return {
    species: Int32Array.of(18, 18, 18),
    positions: Float64Array.of(0.1, 0.2, 0.05, 1.3, 0.9, 0.7, 0.4, 1.8, 1.1),
    cell: Float64Array.of(2.9, 0.1, 0.0, 0.7, 2.6, 0.2, 0.3, -0.4, 2.2),
    pbc: [true, true, true],
  };
}

function byQuantity(reports: DerivativeReport[]): Record<string, DerivativeReport> {
  return Object.fromEntries(reports.map((r) => [r.quantity, r]));
}

test('a correct model passes every check with small relative errors', () => {
  const reports = checkDerivatives(gaussModel(1.3, 0.9, 'none'), shearedCell());
  assert.deepEqual(reports.map((r) => r.quantity), ['forces', 'stress', 'dEnergy', 'dForces', 'dVirial']);
  for (const r of reports) assert.ok(r.maxRelError < 1e-8, formatDerivativeReports(reports));
});

test('a non-periodic cluster compares the virial with −∂E/∂ε', () => {
  const s: Structure = {
    species: Int32Array.of(18, 18, 18, 18),
    positions: Float64Array.of(0, 0, 0, 1.1, 0.2, 0, 0.3, 1.2, 0.1, 0.5, 0.4, 1.0),
    cell: new Float64Array(9),
    pbc: [false, false, false],
  };
  const reports = checkDerivatives(gaussModel(1.3, 0.9, 'none'), s);
  for (const r of reports) assert.ok(r.maxRelError < 1e-8, formatDerivativeReports(reports));
});

test('each deliberate derivative bug is reported as a large error in the right quantity', () => {
  // a wrong force (virial) also makes its own parameter differences disagree with the correct dForces (dVirial)
  const cases: [Bug, string[]][] = [
    ['force', ['forces', 'dForces']],
    ['virial', ['stress', 'dVirial']],
    ['dEnergy', ['dEnergy']],
    ['dForces', ['dForces']],
    ['dVirial', ['dVirial']],
  ];
  for (const [bug, quantities] of cases) {
    const q = byQuantity(checkDerivatives(gaussModel(1.3, 0.9, bug), shearedCell()));
    for (const [name, r] of Object.entries(q)) {
      if (quantities.includes(name)) assert.ok(r.maxRelError > 1e-4, `${bug}: ${name} ${r.maxRelError}`);
      else assert.ok(r.maxRelError < 1e-8, `${bug}: ${name} should pass, got ${r.maxRelError}`);
    }
  }
  const q = byQuantity(checkDerivatives(gaussModel(1.3, 0.9, 'dForces'), shearedCell()));
  assert.match(q.dForces.worst, /^dForces\[b:Ar-Ar\] atom \d [xyz]$/);
});

test('params: false skips the parameter checks', () => {
  const reports = checkDerivatives(gaussModel(1.3, 0.9, 'dEnergy'), shearedCell(), { params: false });
  assert.deepEqual(reports.map((r) => r.quantity), ['forces', 'stress']);
});
