/**
 * `pesfit uq <fit output dir> --method mcmc|bootstrap|laplace`: a parameter ensemble of a finished fit and the
 * prediction spreads it implies. The likelihood is the fit's calibrated objective (uq/fit-dir.ts: balance 'none'
 * at the final σ), at temperature T = 1 or the natural T0 = J(θ̂)/N_params (`--temperature T0`, uq/mcmc.ts).
 *   mcmc      emcee stretch-move ensemble (uq/mcmc.ts): --walkers, --steps, --burn; the post-burn-in chain thinned
 *             evenly to --samples members; τ per parameter, acceptance, ESS in the summary
 *   bootstrap --samples refits on configurations redrawn with replacement (uq/bootstrap.ts), warm-started at θ̂
 *             (linear models solved in closed form at the fit's ridge/smoothness); T does not apply
 *   laplace   --samples draws from N(θ̂, T·(JᵀJ)⁻¹) (uq/laplace.ts)
 * Writes (atomically, io/fs.ts) into <dir>/uq/:
 *   ensemble.csv     one row per member, header = parameter names (model parameters, then energy offsets)
 *   predictions.csv  per configuration: set, file, frame, group, n_atoms, energy_per_atom_mean,
 *                    energy_per_atom_std (eV/atom), force_std_rms (eV/Å)
 *   summary.json     {method, temperature, n_samples, status, message, acceptance?, tau?: {p: τ}, ess?,
 *                    mean: {p}, std: {p}, laplace_std: {p}, trajectory_correlation: [{group, n, tau, ess, weight}]}
 * trajectory_correlation: τ of the energy residuals per group along its frames (uq/correlated.ts), with the 1/τ
 * down-weighting factor to apply to correlated MD groups.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../core/errors.ts';
import { writeAtomic } from '../io/fs.ts';
import { ROW_ENERGY } from '../fit/objective.ts';
import { bootstrap } from '../uq/bootstrap.ts';
import { groupCorrelations } from '../uq/correlated.ts';
import { loadFitDir, type FitDir } from '../uq/fit-dir.ts';
import { laplaceCovariance } from '../uq/laplace.ts';
import { ensembleSampler, flatSamples, logPosterior, naturalTemperature } from '../uq/mcmc.ts';
import { ensembleMoments, laplaceSamples, propagateConfigurations, type Ensemble } from '../uq/propagate.ts';
import type { Configuration } from '../structure/types.ts';
import { fmt, formatTable } from './table.ts';

export const UQ_METHODS = ['mcmc', 'bootstrap', 'laplace'] as const;
export type UqMethod = (typeof UQ_METHODS)[number];

export interface UqOptions {
  method: UqMethod;
  samples: number;
  walkers?: number;
  steps: number;
  burn?: number;
  seed: number;
  temperature: 'T0' | number;
  onProgress?: (text: string) => void;
}

export interface UqSummary {
  method: UqMethod;
  temperature: number;
  n_samples: number;
  status: string;
  message: string;
  acceptance?: number;
  tau?: Record<string, number>;
  ess?: number;
  mean: Record<string, number>;
  std: Record<string, number>;
  laplace_std: Record<string, number>;
  trajectory_correlation: { group: string; n: number; tau: number; ess: number; weight: number; reliable: boolean }[];
  written: string[];
}

function csvField(v: string | number): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function thinTo(e: Ensemble, n: number): Ensemble {
  if (e.n <= n) return e;
  const data = new Float64Array(n * e.P);
  for (let i = 0; i < n; i++) {
    const src = Math.floor((i * e.n) / n);
    data.set(e.data.subarray(src * e.P, (src + 1) * e.P), i * e.P);
  }
  return { ...e, n, data };
}

function energyResiduals(fd: FitDir): Float64Array {
  const p = fd.problem, rows = p.rows;
  const pred = p.predict(fd.theta);
  return Float64Array.from(fd.train, (c, i) => {
    const er = rows.energyRow[i];
    return er >= 0 && rows.kind[er] === ROW_ENERGY ? (pred[er] - rows.ref[er]) / c.structure.species.length : NaN;
  });
}

/** Builds the ensemble, propagates it and writes <dir>/uq/; returns the summary. */
export function runUq(dir: string, o: UqOptions): UqSummary {
  if (!UQ_METHODS.includes(o.method)) throw new UserError(`--method must be one of ${UQ_METHODS.join(', ')}, got ${o.method}`);
  if (!(Number.isInteger(o.samples) && o.samples >= 2)) throw new UserError(`--samples must be an integer ≥ 2, got ${o.samples}`);
  const fd = loadFitDir(dir);
  const { problem, theta } = fd;
  const names = problem.paramNames;
  const T = o.temperature === 'T0' ? naturalTemperature(problem, theta) : o.temperature;
  if (!(T > 0)) throw new UserError(`--temperature must be 1, T0 or a positive number, got ${o.temperature}`);
  const lap = laplaceCovariance(problem, theta, { temperature: T });
  let ensemble: Ensemble;
  let status = 'ok', message = '';
  const extra: Partial<UqSummary> = {};
  switch (o.method) {
    case 'laplace':
      ensemble = laplaceSamples(names, theta, lap.cov, o.samples, o.seed);
      message = lap.nNull ? `${lap.nNull} null direction(s) get no spread` : 'Gaussian at the optimum';
      break;
    case 'mcmc': {
      // walkers start in a ball of the Laplace widths; null directions get a small width of their own scale
      const scale = Float64Array.from(lap.std, (s, p) => (s > 0 ? s : 1e-3 * Math.max(Math.abs(theta[p]), 1)));
      const res = ensembleSampler(logPosterior(problem, { temperature: T }), theta, scale, {
        walkers: o.walkers, steps: o.steps, burn: o.burn, seed: o.seed,
        lower: problem.lower, upper: problem.upper,
        onProgress: (s, n, acc) => o.onProgress?.(`mcmc step ${s}/${n}, acceptance ${acc.toFixed(3)}`),
      });
      if (res.status === 'nonFinite') throw new UserError(`mcmc: ${res.message}`);
      const flat = flatSamples(res);
      ensemble = thinTo({ names, n: flat.n, P: flat.P, data: flat.data }, o.samples);
      status = res.status;
      message = res.message;
      extra.acceptance = res.acceptance;
      extra.tau = Object.fromEntries(names.map((n, p) => [n, res.autocorr[p]?.tau ?? NaN]));
      extra.ess = Math.min(...res.autocorr.map((a) => a.ess));
      break;
    }
    case 'bootstrap': {
      const method = fd.linear ? 'linear' : 'lm';
      const res = bootstrap(problem, theta, problem.rows.config, fd.train.length, {
        replicates: o.samples, seed: o.seed, method,
        solve: fd.linear ? { linear: { nModelParams: problem.nModelParams, ridge: fd.regularization.ridge, smoothness: fd.regularization.smoothness, ridgeWeights: fd.regularization.ridgeWeights } } : { maxIterations: fd.config.solver.maxIterations },
        onProgress: (d, n) => o.onProgress?.(`bootstrap replicate ${d}/${n}`),
      });
      if (res.ensemble.n < 2) throw new UserError(`bootstrap: only ${res.ensemble.n} of ${res.attempted} refits succeeded`);
      ensemble = res.ensemble;
      status = res.failed ? 'partial' : 'ok';
      message = `${res.ensemble.n} of ${res.attempted} refits kept (${Object.entries(res.statuses).map(([k, v]) => `${k} ${v}`).join(', ')})`;
      break;
    }
    default: {
      const never: never = o.method;
      throw new UserError(`unknown method ${String(never)}`);
    }
  }
  const m = ensembleMoments(ensemble);
  const modelAt = (t: Float64Array) => problem.modelAt(t);
  const sets: [string, Configuration[]][] = [['train', fd.train], ['test', fd.test]];
  const predRows: string[] = ['set,file,frame,group,n_atoms,energy_per_atom_mean,energy_per_atom_std,force_std_rms'];
  for (const [set, configs] of sets) {
    if (!configs.length) continue;
    const spreads = propagateConfigurations(ensemble, configs, modelAt, problem.nModelParams);
    configs.forEach((c, i) => {
      const s = spreads[i];
      predRows.push([set, c.source.file, c.source.frame, c.group, c.structure.species.length, s.energyPerAtomMean, s.energyPerAtomStd, s.forceStdRms].map(csvField).join(','));
    });
  }
  const corr = groupCorrelations(fd.train, energyResiduals(fd));
  const outDir = join(dir, 'uq');
  const written: string[] = [];
  const put = (name: string, content: string) => {
    const p = join(outDir, name);
    writeAtomic(p, content);
    written.push(p);
  };
  const ensRows = [names.map(csvField).join(',')];
  for (let i = 0; i < ensemble.n; i++) ensRows.push(Array.from(ensemble.data.subarray(i * ensemble.P, (i + 1) * ensemble.P), (v) => String(v)).join(','));
  put('ensemble.csv', ensRows.join('\n') + '\n');
  put('predictions.csv', predRows.join('\n') + '\n');
  const byName = (v: ArrayLike<number>) => Object.fromEntries(names.map((n, p) => [n, v[p]]));
  const summary: UqSummary = {
    method: o.method, temperature: T, n_samples: ensemble.n, status, message, ...extra,
    mean: byName(m.mean), std: byName(m.std), laplace_std: byName(lap.std),
    trajectory_correlation: corr.map((g) => ({ group: g.group, n: g.n, tau: g.tau, ess: g.ess, weight: g.weight, reliable: g.reliable })),
    written: [],
  };
  put('summary.json', JSON.stringify({ ...summary, written: undefined }, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2) + '\n');
  summary.written = written;
  return summary;
}

export function formatUqSummary(s: UqSummary): string {
  const names = Object.keys(s.std);
  const out = [`${s.method} ensemble of ${s.n_samples} members at T = ${fmt(s.temperature)}: ${s.status} (${s.message})`];
  if (s.acceptance !== undefined) out.push(`acceptance ${s.acceptance.toFixed(3)}, min ESS ${fmt(s.ess)}`);
  out.push('');
  out.push(formatTable(['parameter', 'mean', 'std', 'Laplace std', ...(s.tau ? ['τ'] : [])], names.map((n) => [
    n, fmt(s.mean[n]), fmt(s.std[n]), fmt(s.laplace_std[n]), ...(s.tau ? [fmt(s.tau[n])] : []),
  ])));
  const corr = s.trajectory_correlation.filter((g) => g.tau > 1.5);
  if (corr.length) {
    out.push('');
    out.push('correlated groups (energy residual τ > 1.5 frames): down-weight each configuration by 1/τ');
    for (const g of corr) out.push(`  ${g.group}: ${g.n} configurations, τ ${fmt(g.tau)}, ESS ${fmt(g.ess)}, weight ${fmt(g.weight)}${g.reliable ? '' : ' (series short for τ)'}`);
  }
  if (s.written.length) out.push(`\nwrote ${s.written.join(', ')}`);
  return out.join('\n');
}

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`${name} must be a positive integer, got ${v}`);
    return n;
  };
}

export function registerUqCommand(program: Command): void {
  program
    .command('uq')
    .description('uncertainty of a fit: parameter ensemble (MCMC, bootstrap or Laplace) and the prediction spreads it implies; writes <dir>/uq/')
    .argument('<dir>', 'output directory of pesfit fit')
    .option('--method <method>', `one of ${UQ_METHODS.join(', ')}`, 'mcmc')
    .option('--samples <n>', 'ensemble members written and propagated', positiveInt('--samples'), 200)
    .option('--walkers <n>', 'MCMC walkers (even, ≥ 2·parameters; default max(2P, 16))', positiveInt('--walkers'))
    .option('--steps <n>', 'MCMC steps per walker', positiveInt('--steps'), 2000)
    .option('--burn <n>', 'MCMC burn-in steps (default steps/4)', (v: string) => Number(v))
    .option('--seed <n>', 'random seed', (v: string) => Number(v), 1)
    .option('--temperature <T>', "1, T0 (natural temperature 2L0/N_params) or a positive number", '1')
    .option('--json', 'print the summary as JSON')
    .action((dir: string, opts: { method: string; samples: number; walkers?: number; steps: number; burn?: number; seed: number; temperature: string; json?: boolean }) => {
      const T = opts.temperature === 'T0' ? 'T0' : Number(opts.temperature);
      const s = runUq(dir, {
        method: opts.method as UqMethod, samples: opts.samples, walkers: opts.walkers, steps: opts.steps, burn: opts.burn, seed: opts.seed, temperature: T,
        onProgress: process.stderr.isTTY ? (t) => process.stderr.write(`\r\x1b[K${t}`) : undefined,
      });
      if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      console.log(opts.json ? JSON.stringify(s, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2) : formatUqSummary(s));
    });
}
