/**
 * `pesfit diagnose <fit output dir> [--json]`: identifiability of a finished fit. Rebuilds the fit's calibrated
 * objective (uq/fit-dir.ts: balance 'none' at the final σ) and runs the Fisher analysis (analysis/fisher.ts) at
 * the fitted parameters.
 *
 * Text: a table of the eigenvalues of the scaled Fisher information (descending) with kind (stiff / sloppy / null)
 * and the named combination (largest eigenvector entries), the condition number and sloppiness, Laplace standard
 * errors per parameter, correlations with |r| > 0.9, and notes.
 * JSON: {"eigenvalues": [...], "condition_number", "sloppiness", "directions": [{"eigenvalue", "kind",
 * "components": {<param>: weight}, "explanation"?}], "std_errors": {<param>: value | null}, "correlations":
 * [{"a", "b", "r"}], "params", "scales", "null_threshold", "symmetries", "notes", "sigma"} (non-finite numbers as
 * null).
 */
import type { Command } from 'commander';
import type { FisherResult } from '../analysis/fisher.ts';
import { loadFitDir } from '../uq/fit-dir.ts';
import { fmt, formatTable } from './table.ts';

export interface DiagnoseOptions {
  json?: boolean;
}

function combination(components: Record<string, number>, max = 4): string {
  const e = Object.entries(components);
  const shown = e.slice(0, max).map(([n, w]) => `${w >= 0 ? '+' : '−'}${fmt(Math.abs(w), 2)}·${n}`);
  return shown.join(' ').replace(/^\+/, '') + (e.length > max ? ` … (${e.length - max} more)` : '');
}

export function formatDiagnosis(f: FisherResult): string {
  const out: string[] = [];
  out.push(`scaled Fisher information of ${f.params.length} parameters: condition number ${fmt(f.condition_number)}, sloppiness λmin/λmax ${fmt(f.sloppiness)}`);
  out.push('');
  out.push(formatTable(['#', 'eigenvalue', 'kind', 'direction (scaled parameters)'], f.directions.map((d, k) => [
    k + 1, fmt(d.eigenvalue), d.kind, combination(d.components) + (d.explanation ? `  [${d.explanation}]` : ''),
  ])));
  out.push('');
  out.push(formatTable(['parameter', 'scale', 'std error', 'relative'], f.params.map((p) => {
    const s = f.std_errors[p];
    return [p, fmt(f.scales[p]), s === null ? 'not identifiable' : fmt(s), s === null ? '-' : fmt(s / f.scales[p])];
  })));
  if (f.correlations.length) {
    out.push('');
    out.push('strong correlations (|r| > 0.9):');
    for (const c of f.correlations) out.push(`  ${c.a} ~ ${c.b}: r = ${c.r.toFixed(4)}`);
  }
  for (const n of f.notes) out.push(`note: ${n}`);
  return out.join('\n');
}

function json(v: unknown): string {
  return JSON.stringify(v, (_, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2);
}

export function runDiagnose(dir: string, opts: DiagnoseOptions = {}): void {
  const fd = loadFitDir(dir);
  const f = fd.fisher();
  if (opts.json) {
    console.log(json({
      eigenvalues: f.eigenvalues, condition_number: f.condition_number, sloppiness: f.sloppiness, directions: f.directions,
      std_errors: f.std_errors, correlations: f.correlations, params: f.params, scales: f.scales, null_threshold: f.null_threshold,
      symmetries: f.symmetries, notes: f.notes, sigma: fd.sigma,
    }));
    return;
  }
  console.log(`fit in ${dir}: ${fd.model.spec.kind} (${fd.model.spec.elements.join(', ')}), ${fd.train.length} training configurations, ` +
    `σ = ${fmt(fd.sigma.energy)} eV/atom, ${fmt(fd.sigma.force)} eV/Å, ${fmt(fd.sigma.stress)} eV/Å³`);
  console.log(formatDiagnosis(f));
}

export function registerDiagnoseCommand(program: Command): void {
  program
    .command('diagnose')
    .description('identifiability of a fit: Fisher spectrum with stiff/sloppy/null directions, Laplace standard errors, strong correlations')
    .argument('<dir>', 'output directory of pesfit fit (needs config.json, model.json, metrics.json, fit-log.json)')
    .option('--json', 'print the analysis as JSON')
    .action((dir: string, opts: DiagnoseOptions) => runDiagnose(dir, opts));
}
