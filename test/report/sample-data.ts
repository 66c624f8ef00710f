/**
 * A synthetic ReportData for the report tests: seeded random reference values with small prediction errors, three
 * ordinary groups and one whose name is an HTML injection attempt, 30,000 training force components (so the
 * scatter plot must subsample) and a loss history with energy, force and stress terms.
 */
import { createRng } from '../../src/core/random.ts';
import type { Metrics } from '../../src/analysis/metrics.ts';
import type { PlotSeries, ReportData } from '../../src/report/types.ts';

export const EVIL_GROUP = '<script>alert("x")</script>';
export const GROUPS = ['bulk', 'surface', 'vacancy', EVIL_GROUP];

function series(seed: number, nConf: number, nForce: number, nStress: number): PlotSeries {
  const rng = createRng(seed);
  const eRef = Array.from({ length: nConf }, () => rng.uniform(-4.2, -3.4));
  const fRef = Array.from({ length: nForce }, () => rng.normal(0, 1.5));
  const sRef = Array.from({ length: nStress }, () => rng.normal(0, 0.02));
  return {
    energyPerAtom: { ref: eRef, pred: eRef.map((e) => e + rng.normal(0, 0.01)), group: eRef.map((_, i) => GROUPS[i % GROUPS.length]) },
    forces: { ref: Float64Array.from(fRef), pred: Float64Array.from(fRef, (f) => f + rng.normal(0, 0.1)) },
    stress: { ref: sRef, pred: sRef.map((s) => s + rng.normal(0, 0.001)) },
  };
}

function metrics(nConf: number, scale: number): Metrics {
  return {
    n_configs: nConf,
    n_atoms: nConf * 32,
    energy_mae_per_atom: 0.008 * scale,
    energy_rmse_per_atom: 0.01 * scale,
    force_mae: 0.08 * scale,
    force_rmse: 0.1 * scale,
    stress_mae: 0.0008 * scale,
    stress_rmse: 0.001 * scale,
  };
}

export function sampleReport(status: ReportData['solver']['status'] = 'converged'): ReportData {
  const history = Array.from({ length: 25 }, (_, k) => {
    const e = 5 * Math.exp(-0.4 * k) + 0.01, f = 20 * Math.exp(-0.3 * k) + 0.2, s = 1 * Math.exp(-0.5 * k) + 0.001;
    return { iteration: k, loss: e + f + s, terms: { energy: e, force: f, stress: s } };
  });
  return {
    title: 'Cu EAM fit <test & check>',
    createdAt: '2024-06-11T12:00:00Z',
    pesfitVersion: '0.1.0',
    config: { model: { kind: 'eam-spline', elements: ['Cu'] }, note: '</pre><script>bad()</script>' },
    model: {
      kind: 'eam-spline',
      elements: ['Cu'],
      cutoff: 5.5,
      paramNames: ['phi_0', 'phi_1', 'rho_0', 'F_0', 'F_1'],
      params: [0.12, -0.034, 1.5, -2.1, 0.00012],
      stdErrors: [0.003, 0.0011, 0.02, 0.05, 0.00004],
    },
    solver: { method: 'levenberg-marquardt', status, iterations: 24, message: 'relative loss change below 1e-10', history },
    sigma: { energy: 0.005, force: 0.1, stress: 0.001, estimates: { energy: 0.0098, force: 0.1002, stress: 0.00097 } },
    metrics: {
      train: metrics(200, 1),
      test: metrics(40, 1.2),
      cv: metrics(200, 1.1),
      by_group: {
        train: Object.fromEntries(GROUPS.map((g) => [g, metrics(50, 1)])),
        test: Object.fromEntries(GROUPS.map((g) => [g, metrics(10, 1.2)])),
      },
    },
    parity: { train: series(1, 200, 30000, 1200), test: series(2, 40, 3000, 240) },
    residualTable: [
      { config: 'data/train.xyz (frame 3)', group: EVIL_GROUP, nAtoms: 32, energyErrorPerAtom: 0.03, forceRmse: 0.2, stressRmse: 0.002 },
      { config: 'data/train.xyz (frame 7)', group: 'bulk', nAtoms: 32, energyErrorPerAtom: -0.02, forceRmse: 0.15, stressRmse: null },
    ],
  };
}
