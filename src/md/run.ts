/**
 * The MD driver: init, then `steps` steps of an integrator, with thermo sampling, progress and frame callbacks, and
 * a final summary (energy drift of the conserved quantity, mean temperature, throughput).
 *
 * Sampling: a ThermoSample (time fs; potential, kinetic, total and conserved energy eV; temperature K; pressure
 * eV/Å³) is recorded at step 0 and every `thermoEvery` steps, plus the last step. `onFrame(state)` is called at
 * step 0 and every `frameEvery` steps (trajectory output, RDF accumulation): the state is live, copy what you keep.
 * `onProgress(sample, stepsPerSecond)` is called at every thermo sample. Time measured with performance.now()
 * around the steps only (init excluded).
 */
import { UserError } from '../core/errors.ts';
import { energyDrift, type DriftReport } from './drift.ts';
import type { Integrator } from './integrators.ts';
import { kineticEnergy, pressure, temperature, type MdState } from './state.ts';

export interface ThermoSample {
  step: number;
  time: number;
  potential: number;
  kinetic: number;
  total: number;
  conserved: number;
  temperature: number;
  pressure: number;
}

export interface MdRunOptions {
  steps: number;
  /** Thermo sampling interval in steps (default: steps/100, at least 1). */
  thermoEvery?: number;
  frameEvery?: number;
  onFrame?: (st: MdState) => void;
  onProgress?: (sample: ThermoSample, stepsPerSecond: number) => void;
  /** Skip init (the state's forces are already current, e.g. when continuing a run). */
  continueRun?: boolean;
}

export interface MdSummary {
  steps: number;
  seconds: number;
  stepsPerSecond: number;
  samples: ThermoSample[];
  /** Drift of the conserved quantity over the samples (NVE: the total energy). */
  drift: DriftReport;
  /** Mean temperature over the second half of the samples (K). */
  meanTemperature: number;
}

export function sample(st: MdState, integ: Integrator): ThermoSample {
  const ke = kineticEnergy(st);
  return {
    step: st.step, time: st.time, potential: st.potentialEnergy, kinetic: ke, total: ke + st.potentialEnergy,
    conserved: integ.conservedEnergy(st), temperature: temperature(st, ke), pressure: pressure(st, ke),
  };
}

export function runMd(st: MdState, integ: Integrator, o: MdRunOptions): MdSummary {
  if (!Number.isInteger(o.steps) || o.steps < 1) throw new UserError(`MD: steps must be a positive integer, got ${o.steps}`);
  const thermoEvery = o.thermoEvery ?? Math.max(1, Math.floor(o.steps / 100));
  if (!Number.isInteger(thermoEvery) || thermoEvery < 1) throw new UserError(`MD: thermo interval must be a positive integer, got ${thermoEvery}`);
  const frameEvery = o.frameEvery ?? 0;
  if (o.onFrame && (!Number.isInteger(frameEvery) || frameEvery < 1))
    throw new UserError(`MD: frame interval must be a positive integer, got ${frameEvery}`);
  if (!o.continueRun) integ.init(st);
  const samples: ThermoSample[] = [sample(st, integ)];
  o.onProgress?.(samples[0], 0);
  if (o.onFrame) o.onFrame(st);
  const t0 = performance.now();
  for (let k = 1; k <= o.steps; k++) {
    integ.step(st);
    if (!Number.isFinite(st.potentialEnergy)) throw new UserError(`MD: the potential energy became ${st.potentialEnergy} at step ${st.step} (time step too large?)`);
    if (o.onFrame && k % frameEvery === 0) o.onFrame(st);
    if (k % thermoEvery === 0 || k === o.steps) {
      const s = sample(st, integ);
      samples.push(s);
      o.onProgress?.(s, (k * 1000) / (performance.now() - t0));
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const half = samples.slice(Math.floor(samples.length / 2));
  return {
    steps: o.steps,
    seconds,
    stepsPerSecond: o.steps / seconds,
    samples,
    drift: energyDrift(samples.map((s) => s.time), samples.map((s) => s.conserved), st.masses.length),
    meanTemperature: half.reduce((a, s) => a + s.temperature, 0) / half.length,
  };
}
