/**
 * `pesfit demo [--out dir]`: fits a small spline-EAM potential for molybdenum to the bundled subset of the mlearn
 * DFT data (data/mlearn-Mo: 40 training and 23 test configurations of Zuo et al. 2020, BSD-3, see its README),
 * with σ estimated from the data (sigma: auto) and per-species energy offsets, and writes the usual fit outputs
 * (model.json, metrics.json, residuals.csv, fit-log.json, LAMMPS eam/alloy file + lammps.in, report.html) into
 * ./pesfit-demo-out or --out. The config is examples/demo-mo.yaml's content, built in here so the demo runs from
 * any directory. About 25 s of CPU on one core.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { finish, runInWorker, type FitJob } from './fit.ts';

export const DEMO_DATA_DIR = fileURLToPath(new URL('../../data/mlearn-Mo/', import.meta.url));

/** The demo's config (paths relative to the data directory). */
export const DEMO_CONFIG = {
  data: { train: ['train.xyz'], test: ['test.xyz'] },
  model: {
    kind: 'eam-spline',
    elements: ['Mo'],
    cutoff: 5.0,
    params: {
      F: { knots: { start: 0, stop: 10, count: 6 } },
      rho: { knots: { start: 2.0, count: 7 } },
      phi: { knots: { start: 2.0, count: 9 } },
    },
  },
  objective: { sigma: 'auto', energy_offset: 'per-species' },
  solver: { method: 'lm', max_iterations: 100 },
} as const;

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('fit a spline-EAM Mo potential to bundled DFT data (mlearn, Zuo et al. 2020) in about half a minute')
    .option('--out <dir>', 'output directory', 'pesfit-demo-out')
    .action(async (opts: { out: string }) => {
      const outDir = resolve(opts.out);
      console.error(`pesfit demo: fitting eam-spline Mo to ${DEMO_DATA_DIR} (40 train / 23 test configurations); outputs in ${outDir}`);
      const job: FitJob = { raw: DEMO_CONFIG, file: 'demo config (examples/demo-mo.yaml)', baseDir: DEMO_DATA_DIR, outDir, title: 'pesfit demo: spline EAM for Mo (mlearn data)' };
      finish(await runInWorker(job));
    });
}
