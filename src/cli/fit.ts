/**
 * `pesfit fit <config.yaml>`: validate the config, read the data, fit, write the output directory, print a table of
 * metrics by group (train / test / cv) and the solver status.
 *
 * The fit runs in a worker thread so that Ctrl-C can reach it: the solvers are synchronous loops, and a signal
 * handler on the main thread sets a flag in shared memory that the worker's `shouldStop` reads. The solver then
 * stops with status 'interrupted' and the best parameters so far are written (a second Ctrl-C aborts at once,
 * writing nothing more). Progress (phase, iteration, loss by term) goes to stderr, live when stderr is a TTY, as
 * one final line otherwise.
 *
 * Exit codes (main.ts): 0 when the solver converged, and also for 'maxIterations' (the outputs are the best
 * parameters found and are written; a warning says to raise solver.max_iterations or continue with --resume);
 * 1 for 'interrupted' (outputs written, resume with --resume <dir>), 'stalled' and 'nonFinite' (outputs written
 * only if every parameter is finite), and for config/data errors; 2 for internal errors.
 */
import { Worker, type MessagePort } from 'node:worker_threads';
import { dirname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import { ConfigError, UserError } from '../core/errors.ts';
import type { Metrics, PredictedLabels } from '../analysis/metrics.ts';
import { loadData, resolveConfig, type ResolvedConfig } from '../config/load.ts';
import { readText } from '../io/fs.ts';
import { readModelJson } from '../io/model-json.ts';
import { exportLammps } from '../io/lammps-potential.ts';
import { residualTable, writeOutputs, type LammpsFiles } from '../fit/outputs.ts';
import { runFit, type FitRun, type MetricsSet } from '../fit/run.ts';
import type { IterationRecord, SolverStatus } from '../fit/problem.ts';
import { renderReport } from '../report/render.ts';
import type { PlotSeries, ReportData } from '../report/types.ts';
import type { Configuration } from '../structure/types.ts';
import { fmt, formatTable } from './table.ts';
import { VERSION } from './version.ts';

/** What the worker needs to run a fit: the parsed config object and where its relative paths start. */
export interface FitJob {
  raw: unknown;
  /** Config file name for messages ('' for built-in configs). */
  file: string;
  baseDir: string;
  /** Output directory overriding output.dir (absolute). */
  outDir?: string;
  /** Directory of a previous run whose model.json is the starting point. */
  resume?: string;
  title?: string;
}

export interface FitSummary {
  status: SolverStatus;
  message: string;
  method: string;
  iterations: number;
  metrics: MetricsSet;
  sigma: FitRun['sigma'];
  regularization: FitRun['regularization'];
  balanceCv?: FitRun['balanceCv'];
  /** Material-property targets and the fitted values (empty without objective.properties). */
  properties?: FitRun['properties'];
  outDir: string;
  written: string[];
  notes: string[];
}

type WorkerMessage =
  | { type: 'start'; text: string }
  | { type: 'progress'; phase: string; rec: IterationRecord }
  | { type: 'done'; summary: FitSummary }
  | { type: 'error'; message: string; user: boolean };

export function configFromYaml(path: string): FitJob {
  const text = readText(path);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.linePos?.[0]?.line;
    throw new ConfigError('', `YAML syntax error${line ? ` at line ${line}` : ''}: ${e.message.split('\n')[0]}`, path);
  }
  return { raw: doc.toJS(), file: path, baseDir: dirname(resolve(path)) };
}

function finite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

function series(configs: readonly Configuration[], preds: readonly PredictedLabels[]): PlotSeries {
  const eRef: number[] = [], ePred: number[] = [], group: string[] = [];
  const fRef: number[] = [], fPred: number[] = [], sRef: number[] = [], sPred: number[] = [];
  configs.forEach((c, i) => {
    const p = preds[i], L = c.labels, n = c.structure.species.length;
    if (L.energy !== undefined && p.energy !== undefined) {
      eRef.push(L.energy / n);
      ePred.push(p.energy / n);
      group.push(c.group);
    }
    if (L.forces && p.forces) for (let k = 0; k < L.forces.length; k++) (fRef.push(L.forces[k]), fPred.push(p.forces[k]));
    if (L.stress && p.stress) for (let k = 0; k < 6; k++) if (!L.stressMask || L.stressMask[k]) (sRef.push(L.stress[k]), sPred.push(p.stress[k]));
  });
  return { energyPerAtom: { ref: eRef, pred: ePred, group }, forces: { ref: fRef, pred: fPred }, stress: { ref: sRef, pred: sPred } };
}

function reportData(run: FitRun, cfg: ResolvedConfig, title: string): ReportData {
  const used = run.sigma.rounds.length ? run.sigma.rounds[run.sigma.rounds.length - 1].used : run.sigma.value;
  return {
    title,
    createdAt: new Date().toISOString(),
    pesfitVersion: VERSION,
    config: cfg,
    model: { kind: run.model.spec.kind, elements: run.model.spec.elements, cutoff: run.model.cutoff, paramNames: run.paramNames, params: run.params },
    solver: { method: run.method, status: run.status, iterations: run.iterations, message: run.message, history: run.history },
    sigma: { ...used, estimates: run.sigma.mode === 'auto' ? run.sigma.value : undefined },
    metrics: {
      train: run.metrics.train, test: run.metrics.test ?? undefined, cv: run.metrics.cv ?? undefined,
      by_group: { train: run.metrics.by_group.train, test: run.test.length ? run.metrics.by_group.test : undefined },
    },
    parity: { train: series(run.train, run.predictions.train), test: run.test.length ? series(run.test, run.predictions.test) : undefined },
    residualTable: residualTable(run)
      .sort((a, b) => Math.abs(b.energyErrorPerAtom ?? 0) - Math.abs(a.energyErrorPerAtom ?? 0))
      .slice(0, 20)
      .map((r) => ({ config: `${r.set}: ${r.file} (frame ${r.frame})`, group: r.group, nAtoms: r.nAtoms, energyErrorPerAtom: r.energyErrorPerAtom, forceRmse: r.forceRmse, stressRmse: r.stressRmse })),
  };
}

/** Loads, fits and writes; runs inside the worker (or directly in tests). */
export interface FitHooks {
  onStart?: (text: string) => void;
  onIteration?: (phase: string, rec: IterationRecord) => void;
  shouldStop?: () => boolean;
}

export function executeFit(job: FitJob, hooks: FitHooks = {}): FitSummary {
  const base = resolveConfig(job.raw, job.file, job.baseDir);
  const cfg: ResolvedConfig = job.outDir ? { ...base, output: { dir: job.outDir } } : base;
  const data = loadData(cfg);
  const atoms = (cs: readonly Configuration[]) => cs.reduce((a, c) => a + c.structure.species.length, 0);
  hooks.onStart?.(`fitting ${cfg.model.kind} (${cfg.model.elements.join(', ')}) to ${data.train.length} training configurations (${atoms(data.train)} atoms)` +
    `${data.test.length ? `, testing on ${data.test.length}` : ''}; outputs in ${cfg.output.dir}`);
  let start: Record<string, number> | undefined;
  if (job.resume) {
    const prev = readModelJson(join(job.resume, 'model.json'));
    if (prev.model.spec.kind !== cfg.model.kind) throw new UserError(`--resume ${job.resume}: its model is ${prev.model.spec.kind}, the config's is ${cfg.model.kind}`);
    start = { ...Object.fromEntries(prev.model.paramNames.map((n, p) => [n, prev.model.parameters[p]])), ...prev.energyOffsets };
  }
  const run = runFit(cfg, data, { onIteration: hooks.onIteration, shouldStop: hooks.shouldStop, start });
  const notes: string[] = [];
  const dir = cfg.output.dir;
  const ok = finite(run.params);
  if (!ok) {
    notes.push('parameters are not finite: nothing written');
    return summary(run, dir, [], notes);
  }
  let lammps: LammpsFiles | undefined;
  const exp = exportLammps(run.model.spec, dir, 'pesfit');
  lammps = {
    lines: [
      `# pesfit ${VERSION}: LAMMPS atom types ${exp.elements.map((e, k) => `${k + 1}=${e}`).join(' ')}`,
      `pair_style ${exp.pairStyle}`,
      ...exp.pairCoeff.map((c) => `pair_coeff ${c}`),
      ...exp.extra,
    ],
    files: {},
  };
  const written = writeOutputs(dir, run, {
    provenance: { pesfit: VERSION, config: cfg.file || 'built-in', created: new Date().toISOString(), method: run.method },
    lammps,
    reportHtml: renderReport(reportData(run, cfg, job.title ?? `pesfit fit: ${cfg.model.kind} ${cfg.model.elements.join('-')}`)),
    config: cfg,
  });
  return summary(run, dir, [...exp.files, ...written], notes);
}

function summary(run: FitRun, outDir: string, written: string[], notes: string[]): FitSummary {
  return {
    status: run.status, message: run.message, method: run.method, iterations: run.iterations, metrics: run.metrics,
    sigma: run.sigma, regularization: run.regularization, balanceCv: run.balanceCv, properties: run.properties, outDir, written, notes,
  };
}

/** Entry of the worker thread (see runInWorker). */
export function workerMain(data: { job: FitJob; flag: SharedArrayBuffer }, port: MessagePort): void {
  const flag = new Int32Array(data.flag);
  try {
    const s = executeFit(data.job, {
      onStart: (text) => port.postMessage({ type: 'start', text } satisfies WorkerMessage),
      onIteration: (phase, rec) => port.postMessage({ type: 'progress', phase, rec } satisfies WorkerMessage),
      shouldStop: () => Atomics.load(flag, 0) !== 0,
    });
    port.postMessage({ type: 'done', summary: s } satisfies WorkerMessage);
  } catch (e) {
    const user = e instanceof UserError;
    port.postMessage({ type: 'error', message: user ? (e as Error).message : String((e as Error)?.stack ?? e), user } satisfies WorkerMessage);
  }
}

// tsx does not reach worker threads by itself: the worker loads this module through tsx's tsImport.
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
import(workerData.tsxApi)
  .then(({ tsImport }) => tsImport(workerData.module, workerData.module))
  .then((m) => m.workerMain(workerData, parentPort))
  .catch((e) => parentPort.postMessage({ type: 'error', message: String((e && e.stack) || e), user: false }));
`;

function termLine(t: Record<string, number>): string {
  return Object.entries(t).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
}

/** Runs a fit job in a worker with Ctrl-C → interrupt; prints progress to stderr. */
export async function runInWorker(job: FitJob): Promise<FitSummary> {
  const flag = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { job, flag, tsxApi: import.meta.resolve('tsx/esm/api'), module: pathToFileURL(new URL(import.meta.url).pathname).href },
  });
  const tty = process.stderr.isTTY === true;
  let last: { phase: string; rec: IterationRecord } | undefined;
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      Atomics.store(new Int32Array(flag), 0, 1);
      process.stderr.write('\ninterrupt: stopping the solver and writing the best parameters (Ctrl-C again to abort)\n');
    } else {
      void worker.terminate();
    }
  };
  process.on('SIGINT', onSigint);
  try {
    return await new Promise<FitSummary>((resolvePromise, reject) => {
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'start') process.stderr.write(`pesfit: ${m.text}\n`);
        else if (m.type === 'progress') {
          last = m;
          if (tty) process.stderr.write(`\r\x1b[K${m.phase}  iteration ${m.rec.iteration}  loss ${fmt(m.rec.loss)} (${termLine(m.rec.terms)})`);
        } else if (m.type === 'done') resolvePromise(m.summary);
        else reject(m.user ? new UserError(m.message) : new Error(m.message));
      });
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new UserError(interrupts > 1 ? 'aborted: nothing more was written' : `fit worker exited with code ${code}`)));
    });
  } finally {
    process.off('SIGINT', onSigint);
    if (last) process.stderr.write(`${tty ? '\r\x1b[K' : ''}${last.phase}: final iteration ${last.rec.iteration}, loss ${fmt(last.rec.loss)} (${termLine(last.rec.terms)})\n`);
    await worker.terminate();
  }
}

function metricRow(name: string, m: Metrics): (string | number)[] {
  const e = (x: number | null) => (x === null ? '-' : fmt(x * 1000));
  const v = (x: number | null) => (x === null ? '-' : fmt(x));
  return [name, m.n_configs, e(m.energy_mae_per_atom), e(m.energy_rmse_per_atom), v(m.force_mae), v(m.force_rmse), v(m.stress_mae === null ? null : m.stress_mae), v(m.stress_rmse)];
}

export function formatSummary(s: FitSummary): string {
  const rows: (string | number)[][] = [];
  const add = (set: string, all: Metrics | null, groups?: Record<string, Metrics>) => {
    if (!all) return;
    rows.push(metricRow(`${set}`, all));
    for (const [g, m] of Object.entries(groups ?? {})) rows.push(metricRow(`  ${set}/${g}`, m));
  };
  add('train', s.metrics.train, s.metrics.by_group.train);
  add('test', s.metrics.test, s.metrics.by_group.test);
  add('cv', s.metrics.cv);
  const out = [
    formatTable(['set/group', 'configs', 'E MAE meV/at', 'E RMSE meV/at', 'F MAE eV/Å', 'F RMSE eV/Å', 'S MAE eV/Å³', 'S RMSE eV/Å³'], rows),
    '',
  ];
  if (s.properties?.length) {
    // value − target in units of the target's σ says at a glance which targets the fit could not meet
    const prows = s.properties.map((p) => [`${p.property} ${p.structure} ${p.element}`, p.unit, fmt(p.target), fmt(p.value), fmt(p.error), fmt(p.error / p.sigma, 3)]);
    out.push(formatTable(['property', 'unit', 'target', 'fitted', 'error', 'error/σ'], prows), '');
  }
  const sig = s.sigma.rounds.length ? s.sigma.rounds[s.sigma.rounds.length - 1].used : s.sigma.value;
  if (s.balanceCv) {
    const b = s.balanceCv.best;
    out.push(`balance (cv, ${s.balanceCv.candidates} candidates): weight multipliers energy ${fmt(b.multipliers.energy)}, stress ${fmt(b.multipliers.stress)} (force 1); out-of-fold RMSE energy ${fmt(b.cvRmse.energy)}, force ${fmt(b.cvRmse.force)}, stress ${fmt(b.cvRmse.stress)}`);
    const ms = s.balanceCv.metricScores;
    if (ms) out.push(`ridge metric (standardize auto, by the same cv score): ${s.regularization.standardized ? 'standardised columns' : 'plain'} (score plain ${ms.plain.toFixed(3)}, standardised ${ms.standardized.toFixed(3)})`);
  }
  const sigmaHow = s.balanceCv && s.sigma.mode === 'auto'
    ? 'auto: balance cv, scaled to out-of-fold χ²/row = 1'
    : s.sigma.mode === 'auto' ? `auto, ${s.sigma.rounds.length} rounds${s.sigma.selfConsistent ? '' : ', NOT self-consistent'}` : s.sigma.mode;
  out.push(`sigma (${sigmaHow}): energy ${fmt(sig.energy)} eV/atom, force ${fmt(sig.force)} eV/Å, stress ${fmt(sig.stress)} eV/Å³`);
  if (s.method === 'linear') out.push(`regularisation: ridge ${fmt(s.regularization.ridge)}${s.regularization.standardized ? ' (standardised columns)' : ''}, smoothness ${fmt(s.regularization.smoothness)}${s.regularization.selectedBy ? ` (chosen by ${s.regularization.selectedBy})` : ''}`);
  const total = s.sigma.rounds.length > 1 ? ` in total over ${s.sigma.rounds.length} σ rounds` : '';
  out.push(`solver ${s.method}: ${s.status} after ${s.iterations} iteration(s)${total} (${s.message})`);
  for (const n of s.notes) out.push(`note: ${n}`);
  if (s.written.length) out.push(`outputs in ${relative(process.cwd(), s.outDir) || '.'}/`);
  return out.join('\n');
}

/** Prints the summary and turns the status into the exit behaviour documented above. */
export function finish(s: FitSummary): void {
  console.log(formatSummary(s));
  switch (s.status) {
    case 'converged':
      return;
    case 'maxIterations':
      console.error(`pesfit: warning: the solver stopped at solver.max_iterations before converging; raise it or continue with --resume ${s.outDir}`);
      return;
    case 'interrupted':
      throw new UserError(`interrupted: the best parameters so far are in ${s.outDir}; continue with --resume ${s.outDir}`);
    case 'stalled':
      throw new UserError(`the solver stalled (${s.message}); try another starting point, solver.method, or regularisation`);
    case 'nonFinite':
      throw new UserError(`the fit produced non-finite values (${s.message}); check the starting parameters and the data (e.g. atoms closer than the first spline knot)`);
  }
}

export function registerFitCommand(program: Command): void {
  program
    .command('fit')
    .description('fit a potential as a YAML config describes; writes model.json, metrics, LAMMPS files and a report')
    .argument('<config>', 'YAML config file (see examples/README.md)')
    .option('--out <dir>', 'output directory (overrides output.dir)')
    .option('--resume <dir>', "start from the model.json of a previous run's output directory")
    .action(async (config: string, opts: { out?: string; resume?: string }) => {
      const job: FitJob = { ...configFromYaml(config), outDir: opts.out ? resolve(opts.out) : undefined, resume: opts.resume ? resolve(opts.resume) : undefined };
      // validate here first: config errors appear before any worker starts (data errors come from the worker)
      resolveConfig(job.raw, job.file, job.baseDir);
      finish(await runInWorker(job));
    });
}
