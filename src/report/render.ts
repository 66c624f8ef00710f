/**
 * renderReport: one self-contained HTML document (inline CSS and SVG, no scripts, no external resources) from a
 * ReportData. Sections: solver status (a warning box unless converged), model and noise levels, metrics tables
 * (overall and per group), parity plots (energy per atom coloured by group, force and stress components; train and
 * test on a shared domain per quantity), error histograms, loss history by term on a log scale, parameters with
 * standard errors, per-configuration residuals, and the configuration in a collapsible block.
 *
 * Scatter plots show at most MAX_PLOT_POINTS points per series (a fixed-seed random subset, see subsample.ts);
 * histograms and the tables use every value.
 */
import { ENERGY_ERROR, ENERGY_PER_ATOM, FORCE, STRESS, type DisplayQuantity } from './display-units.ts';
import { esc } from './escape.ts';
import { histogramPlot, logLinePlot, parityPlot, type ScatterSeries } from './plots.ts';
import { paddedExtent } from './scale.ts';
import { MAX_PLOT_POINTS, subsampleIndices } from './subsample.ts';
import { paletteColor } from './svg.ts';
import { REPORT_CSS } from './style.ts';
import { metricsTable, parameterTable, residualTable, sigmaTable } from './tables.ts';
import type { ParityValues, PlotSeries, ReportData } from './types.ts';

type SetName = 'train' | 'test';
type QuantityKey = 'energy' | 'force' | 'stress';

const SET_COLOR: Record<SetName, string> = { train: paletteColor(0), test: paletteColor(1) };

interface QuantityInfo {
  key: QuantityKey;
  title: string;
  axis: string;
  value: DisplayQuantity;
  error: DisplayQuantity;
  pick: (p: PlotSeries) => ParityValues;
  what: string;
}

const QUANTITIES: readonly QuantityInfo[] = [
  { key: 'energy', title: 'Energy per atom', axis: 'energy', value: ENERGY_PER_ATOM, error: ENERGY_ERROR, pick: (p) => p.energyPerAtom, what: 'configurations' },
  { key: 'force', title: 'Force components', axis: 'force component', value: FORCE, error: FORCE, pick: (p) => p.forces, what: 'force components' },
  { key: 'stress', title: 'Stress components', axis: 'stress component', value: STRESS, error: STRESS, pick: (p) => p.stress, what: 'stress components' },
];

function sets(d: ReportData): [SetName, PlotSeries][] {
  const out: [SetName, PlotSeries][] = [['train', d.parity.train]];
  if (d.parity.test) out.push(['test', d.parity.test]);
  return out;
}

/** The shown subset of one set's values, converted to display units, and the count of non-finite pairs dropped. */
function shownValues(v: ParityValues, q: DisplayQuantity): { idx: Int32Array; x: Float64Array; y: Float64Array; dropped: number } {
  const n = Math.min(v.ref.length, v.pred.length);
  const finite: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(v.ref[i]) && Number.isFinite(v.pred[i])) finite.push(i);
  const pick = subsampleIndices(finite.length, MAX_PLOT_POINTS);
  const idx = Int32Array.from(pick, (k) => finite[k]);
  return {
    idx,
    x: Float64Array.from(idx, (i) => v.ref[i] * q.factor),
    y: Float64Array.from(idx, (i) => v.pred[i] * q.factor),
    dropped: n - finite.length,
  };
}

function countNote(total: number, shown: number, dropped: number, what: string): string {
  let s = `${shown === total ? `All ${total}` : `${shown} of ${total} (a fixed random subset)`} ${what}`;
  if (dropped) s += `; ${dropped} non-finite omitted`;
  return s + '.';
}

function parityFigures(d: ReportData, q: QuantityInfo, groupColor: Map<string, string>): string {
  const shown = sets(d).map(([name, p]) => ({ name, p, s: shownValues(q.pick(p), q.value) }));
  const domain = paddedExtent(shown.flatMap(({ s }) => [s.x, s.y]));
  return shown
    .map(({ name, p, s }) => {
      const id = `parity-${q.key}-${name}`;
      const total = s.idx.length === 0 ? 0 : Math.min(q.pick(p).ref.length, q.pick(p).pred.length) - s.dropped;
      if (!domain || s.idx.length === 0) return `<figure id="${id}-empty"><figcaption>${esc(`${q.title} (${name}): no data.`)}</figcaption></figure>`;
      let series: ScatterSeries[];
      if (q.key === 'energy') {
        const byGroup = new Map<string, { x: number[]; y: number[] }>();
        s.idx.forEach((i, k) => {
          const g = p.energyPerAtom.group[i] ?? '';
          const b = byGroup.get(g) ?? byGroup.set(g, { x: [], y: [] }).get(g)!;
          b.x.push(s.x[k]);
          b.y.push(s.y[k]);
        });
        series = [...byGroup.keys()].sort().map((g) => ({ label: g, color: groupColor.get(g)!, ...byGroup.get(g)! }));
      } else {
        series = [{ label: name, color: SET_COLOR[name], x: s.x, y: s.y }];
      }
      const svg = parityPlot({
        id,
        title: `${q.title} (${name})`,
        xLabel: `reference ${q.axis} (${q.value.unit})`,
        yLabel: `predicted ${q.axis} (${q.value.unit})`,
        domain,
        series,
      });
      return `<figure>${svg}<figcaption>${esc(countNote(total, s.idx.length, s.dropped, q.what))}</figcaption></figure>`;
    })
    .join('');
}

function errors(v: ParityValues, factor: number): Float64Array {
  const n = Math.min(v.ref.length, v.pred.length);
  return Float64Array.from({ length: n }, (_, i) => (v.pred[i] - v.ref[i]) * factor);
}

function histogramFigure(d: ReportData, q: QuantityInfo): string {
  const series = sets(d).map(([name, p]) => ({ label: name, color: SET_COLOR[name], values: errors(q.pick(p), q.error.factor) }));
  const id = `hist-${q.key}`;
  const h = histogramPlot({ id, title: `${q.title}: error distribution`, xLabel: `predicted − reference ${q.axis} (${q.error.unit})`, series });
  if (!h) return `<figure id="${id}-empty"><figcaption>${esc(`${q.title}: no errors to show.`)}</figcaption></figure>`;
  const out = series.map((s, j) => (h.outside[j] ? `${h.outside[j]} ${s.label} values outside the plotted range` : '')).filter(Boolean);
  const cap = out.length ? `Range: central 99 % of all values; ${out.join(', ')}.` : 'All values within the plotted range.';
  return `<figure>${h.svg}<figcaption>${esc(cap)}</figcaption></figure>`;
}

function lossFigure(d: ReportData): string {
  const hist = d.solver.history;
  const x = hist.map((h) => h.iteration);
  const terms = [...new Set(hist.flatMap((h) => Object.keys(h.terms)))].sort();
  const svg = logLinePlot({
    id: 'loss-history',
    title: 'Loss history',
    xLabel: 'iteration',
    yLabel: 'loss J (dimensionless)',
    series: [
      { label: 'total', color: '#222', x, y: hist.map((h) => h.loss) },
      ...terms.map((t, i) => ({ label: t, color: paletteColor(i), x, y: hist.map((h) => h.terms[t] ?? NaN), dashed: true })),
    ],
  });
  if (!svg) return '<p class="note">No loss history with positive values was recorded.</p>';
  return `<figure>${svg}<figcaption>Total loss and its terms per iteration; zero or missing values are not drawn.</figcaption></figure>`;
}

function statusBox(d: ReportData): string {
  const s = d.solver;
  const ok = s.status === 'converged';
  const label = ok ? 'Solver converged' : `Warning: solver did not converge (status: ${s.status})`;
  return (
    `<div class="status ${ok ? 'ok' : 'warn'}" id="solver-status"${ok ? '' : ' role="alert"'}>` +
    `<div class="label">${esc(label)}</div>` +
    `<div>${esc(`method ${s.method}, ${s.iterations} iterations`)}${s.message ? `: ${esc(s.message)}` : ''}</div></div>`
  );
}

function configText(config: unknown): string {
  if (typeof config === 'string') return config;
  try {
    return JSON.stringify(config, (_k, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v), 2) ?? String(config);
  } catch {
    // a cyclic or BigInt-holding object: show what String gives rather than fail the whole report
    return String(config);
  }
}

function groupColors(d: ReportData): Map<string, string> {
  const names = new Set<string>();
  for (const [, p] of sets(d)) for (const g of p.energyPerAtom.group) names.add(g);
  return new Map([...names].sort().map((g, i) => [g, paletteColor(i)]));
}

export function renderReport(d: ReportData): string {
  const m = d.model;
  const metricsRows: [string, NonNullable<ReportData['metrics']['test']>][] = [['train', d.metrics.train]];
  if (d.metrics.test) metricsRows.push(['test', d.metrics.test]);
  if (d.metrics.cv) metricsRows.push(['cross-validation', d.metrics.cv]);
  const colors = groupColors(d);
  const parts: string[] = [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="generator" content="pesfit ${esc(d.pesfitVersion)}">`,
    `<title>${esc(d.title)}</title><style>${REPORT_CSS}</style></head><body>`,
    `<header><h1>${esc(d.title)}</h1><p class="meta">${esc(`Created ${d.createdAt} by pesfit ${d.pesfitVersion}`)}</p></header>`,
    statusBox(d),
    '<section id="model"><h2>Model and noise levels</h2><dl class="facts">',
    `<dt>kind</dt><dd>${esc(m.kind)}</dd><dt>elements</dt><dd>${esc(m.elements.join(', '))}</dd>`,
    `<dt>cutoff</dt><dd>${esc(`${m.cutoff} Å`)}</dd><dt>parameters</dt><dd>${m.paramNames.length}</dd></dl>`,
    sigmaTable(d.sigma),
    '</section>',
    '<section id="metrics"><h2>Errors</h2>',
    metricsTable(metricsRows, 'set'),
    '<h3>Training set by group</h3>',
    metricsTable(Object.entries(d.metrics.by_group.train), 'group'),
  ];
  if (d.metrics.by_group.test) parts.push('<h3>Test set by group</h3>', metricsTable(Object.entries(d.metrics.by_group.test), 'group'));
  parts.push('</section><section id="parity"><h2>Parity plots</h2>');
  for (const q of QUANTITIES) parts.push(`<h3>${esc(q.title)}</h3><div class="plots">${parityFigures(d, q, colors)}</div>`);
  parts.push('</section><section id="histograms"><h2>Error distributions</h2><div class="plots">');
  for (const q of QUANTITIES) parts.push(histogramFigure(d, q));
  parts.push('</div></section><section id="loss"><h2>Optimisation</h2>', lossFigure(d), '</section>');
  parts.push('<section id="parameters"><h2>Parameters</h2>', parameterTable(m), '</section>');
  if (d.residualTable) parts.push('<section id="residuals"><h2>Residuals by configuration</h2>', residualTable(d.residualTable), '</section>');
  if (d.config !== undefined) {
    parts.push(`<section id="config"><h2>Configuration</h2><details><summary>Show the resolved configuration</summary><pre>${esc(configText(d.config))}</pre></details></section>`);
  }
  parts.push('</body></html>\n');
  return parts.join('');
}
