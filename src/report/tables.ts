/**
 * HTML tables of the report: error metrics (overall and per group), noise levels σ, fitted parameters with standard
 * errors, and per-configuration residuals. Values arrive in internal units and are shown in the display units of
 * display-units.ts (energy errors meV/atom, forces eV/Å, stresses GPa), with the unit in every column header.
 */
import type { Metrics } from '../analysis/metrics.ts';
import { ENERGY_ERROR, FORCE, STRESS } from './display-units.ts';
import { esc, fmtNum } from './escape.ts';
import type { ReportModel, ReportSigma, ResidualRow } from './types.ts';

/** Largest number of residual rows shown (the caller orders them, e.g. worst first). */
export const MAX_RESIDUAL_ROWS = 500;

function scaled(v: number | null | undefined, factor: number): number | null {
  return v === null || v === undefined ? null : v * factor;
}

function table(cls: string, head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th scope="col">${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${c}</th>` : `<td>${c}</td>`)).join('')}</tr>`).join('');
  return `<table class="${cls}"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

const METRIC_HEAD = [
  '',
  'configs',
  'atoms',
  `energy MAE (${ENERGY_ERROR.unit})`,
  `energy RMSE (${ENERGY_ERROR.unit})`,
  `force MAE (${FORCE.unit})`,
  `force RMSE (${FORCE.unit})`,
  `stress MAE (${STRESS.unit})`,
  `stress RMSE (${STRESS.unit})`,
];

function metricCells(name: string, m: Metrics): string[] {
  return [
    esc(name),
    String(m.n_configs),
    String(m.n_atoms),
    fmtNum(scaled(m.energy_mae_per_atom, ENERGY_ERROR.factor)),
    fmtNum(scaled(m.energy_rmse_per_atom, ENERGY_ERROR.factor)),
    fmtNum(scaled(m.force_mae, FORCE.factor)),
    fmtNum(scaled(m.force_rmse, FORCE.factor)),
    fmtNum(scaled(m.stress_mae, STRESS.factor)),
    fmtNum(scaled(m.stress_rmse, STRESS.factor)),
  ];
}

/** One row per named metrics object (e.g. train, test, cv, or one per group). */
export function metricsTable(rows: readonly [string, Metrics][], firstHeader: string): string {
  return table('metrics', [esc(firstHeader), ...METRIC_HEAD.slice(1)], rows.map(([n, m]) => metricCells(n, m)));
}

export function sigmaTable(s: ReportSigma): string {
  const head = ['', `energy (${ENERGY_ERROR.unit})`, `force (${FORCE.unit})`, `stress (${STRESS.unit})`];
  const row = (name: string, v: { energy: number; force: number; stress: number }): string[] => [
    name,
    fmtNum(v.energy * ENERGY_ERROR.factor),
    fmtNum(v.force * FORCE.factor),
    fmtNum(v.stress * STRESS.factor),
  ];
  const rows = [row('σ used in the objective', s)];
  if (s.estimates) rows.push(row('σ estimated from residuals', s.estimates));
  return table('sigma', head, rows);
}

export function parameterTable(m: ReportModel): string {
  const hasErr = m.stdErrors !== undefined;
  const head = ['parameter', 'value', ...(hasErr ? ['standard error', 'relative error'] : [])];
  const rows = m.paramNames.map((name, i) => {
    const v = m.params[i];
    const cells = [esc(name), fmtNum(v, 6)];
    if (hasErr) {
      const e = m.stdErrors![i];
      cells.push(fmtNum(e, 3), v !== 0 && Number.isFinite(e) ? fmtNum(Math.abs(e / v), 2) : '—');
    }
    return cells;
  });
  return table('params', head, rows);
}

export function residualTable(rows: readonly ResidualRow[]): string {
  const head = ['configuration', 'group', 'atoms', `energy error (${ENERGY_ERROR.unit})`, `force RMSE (${FORCE.unit})`, `stress RMSE (${STRESS.unit})`];
  const body = rows.slice(0, MAX_RESIDUAL_ROWS).map((r) => [
    esc(r.config),
    esc(r.group),
    String(r.nAtoms),
    fmtNum(scaled(r.energyErrorPerAtom, ENERGY_ERROR.factor)),
    fmtNum(scaled(r.forceRmse, FORCE.factor)),
    fmtNum(scaled(r.stressRmse, STRESS.factor)),
  ]);
  const note = rows.length > MAX_RESIDUAL_ROWS ? `<p class="note">First ${MAX_RESIDUAL_ROWS} of ${rows.length} rows shown.</p>` : '';
  return table('residuals', head, body) + note;
}
