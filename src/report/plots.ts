/**
 * The report's three plot types as self-contained SVG strings: parity (predicted vs reference on equal axes with
 * the y = x line), error histograms (fraction of values per bin, several series overlaid), and loss history
 * (lines on a log10 y axis). Inputs are already in display units; non-finite values are skipped.
 *
 * Pixel mapping (linear axes): a value v on a domain [lo, hi] lands at x = x0 + (v − lo)/(hi − lo)·(x1 − x0) and
 * y = y1 − (v − lo)/(hi − lo)·(y1 − y0) with the plot area of svg.ts; a log axis maps log10(v) the same way.
 */
import { esc, px } from './escape.ts';
import { decadeDomain, decadeTicks, linear, niceTicks, paddedExtent, tickFormatter } from './scale.ts';
import { axes, legend, plotArea, svgOpen, type Frame, type LegendEntry, type Tick } from './svg.ts';

/** Parity plots: a 300 × 300 px square plot area with the legend in the right margin. */
export const PARITY_FRAME: Frame = { width: 520, height: 380, left: 78, right: 142, top: 30, bottom: 50 };
export const HISTOGRAM_FRAME: Frame = { width: 520, height: 300, left: 78, right: 142, top: 30, bottom: 50 };
export const LOSS_FRAME: Frame = { width: 700, height: 340, left: 78, right: 152, top: 30, bottom: 50 };

export const POINT_RADIUS = 2;
const MARKER_LIMIT = 60;
const MIN_BINS = 10;
const MAX_BINS = 60;
/** Histogram range: these quantiles of the pooled values, so a few outliers do not squash the picture. */
const HIST_QUANTILE = 0.005;

export interface ScatterSeries {
  label: string;
  color: string;
  /** Reference values (x). */
  x: ArrayLike<number>;
  /** Predicted values (y). */
  y: ArrayLike<number>;
}

export interface ParitySpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  /** Common x and y domain (e.g. `paddedExtent` of every value shown for this quantity, train and test). */
  domain: [number, number];
  series: readonly ScatterSeries[];
}

function linearTicks(lo: number, hi: number, map: (v: number) => number, target: number): Tick[] {
  const { ticks, step } = niceTicks(lo, hi, target);
  const f = tickFormatter(ticks, step);
  return ticks.map((v) => ({ pos: map(v), label: esc(f(v)) }));
}

export function parityPlot(s: ParitySpec): string {
  const f = PARITY_FRAME;
  const a = plotArea(f);
  const [lo, hi] = s.domain;
  const X = linear(lo, hi, a.x0, a.x1);
  const Y = linear(lo, hi, a.y1, a.y0);
  const out: string[] = [svgOpen(f, s.id, 'parity', s.title)];
  out.push(axes(f, linearTicks(lo, hi, X, 5), linearTicks(lo, hi, Y, 5), s.xLabel, s.yLabel));
  out.push(`<line class="diagonal" x1="${a.x0}" y1="${a.y1}" x2="${a.x1}" y2="${a.y0}" stroke="#555" stroke-dasharray="4 3"/>`);
  for (const ser of s.series) {
    out.push(`<g class="points" data-series="${esc(ser.label)}" fill="${ser.color}" fill-opacity="0.7">`);
    for (let i = 0; i < ser.x.length; i++) {
      const x = ser.x[i], y = ser.y[i];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      out.push(`<circle cx="${px(X(x))}" cy="${px(Y(y))}" r="${POINT_RADIUS}"/>`);
    }
    out.push('</g>');
  }
  const entries: LegendEntry[] = s.series.map((ser) => ({ label: ser.label, color: ser.color, mark: 'dot' }));
  entries.push({ label: 'y = x', color: '#555', mark: 'dash' });
  out.push(legend(f, entries));
  out.push('</svg>');
  return out.join('');
}

export interface HistogramSeries {
  label: string;
  color: string;
  values: ArrayLike<number>;
}

export interface HistogramSpec {
  id: string;
  title: string;
  xLabel: string;
  series: readonly HistogramSeries[];
}

export interface HistogramResult {
  svg: string;
  /** Per series, the number of finite values outside the plotted range (beyond the pooled 0.5 % / 99.5 % quantiles). */
  outside: number[];
  /** Bin edges, nBins + 1 values. */
  edges: number[];
  /** Per series, the fraction of its finite values in each bin. */
  fractions: number[][];
}

function quantileSorted(s: Float64Array, q: number): number {
  const t = q * (s.length - 1);
  const i = Math.floor(t);
  return i + 1 < s.length ? s[i] + (t - i) * (s[i + 1] - s[i]) : s[i];
}

/** Histogram of each series over shared bins; undefined when no series has a finite value. */
export function histogramPlot(s: HistogramSpec): HistogramResult | undefined {
  const pooled: number[] = [];
  let nMax = 0;
  const finite = s.series.map((ser) => {
    const v: number[] = [];
    for (let i = 0; i < ser.values.length; i++) if (Number.isFinite(ser.values[i])) v.push(ser.values[i]);
    nMax = Math.max(nMax, v.length);
    for (const x of v) pooled.push(x);
    return v;
  });
  if (pooled.length === 0) return undefined;
  const sorted = Float64Array.from(pooled).sort();
  const dom = paddedExtent([[quantileSorted(sorted, HIST_QUANTILE), quantileSorted(sorted, 1 - HIST_QUANTILE)]])!;
  // Rice rule, clamped: enough bins to show the shape, few enough that test sets of ~100 values are not all noise
  const nBins = Math.min(MAX_BINS, Math.max(MIN_BINS, Math.ceil(2 * Math.cbrt(nMax))));
  const width = (dom[1] - dom[0]) / nBins;
  const edges = Array.from({ length: nBins + 1 }, (_, k) => dom[0] + k * width);
  const outside: number[] = [];
  const fractions = finite.map((v) => {
    const c = new Array<number>(nBins).fill(0);
    let out = 0;
    for (const x of v) {
      if (x < dom[0] || x > dom[1]) {
        out++;
        continue;
      }
      c[Math.min(nBins - 1, Math.floor((x - dom[0]) / width))]++;
    }
    outside.push(out);
    return c.map((k) => (v.length ? k / v.length : 0));
  });
  const f = HISTOGRAM_FRAME;
  const a = plotArea(f);
  const yMax = Math.max(...fractions.flat(), 1e-12) * 1.08;
  const X = linear(dom[0], dom[1], a.x0, a.x1);
  const Y = linear(0, yMax, a.y1, a.y0);
  const out: string[] = [svgOpen(f, s.id, 'histogram', s.title)];
  out.push(axes(f, linearTicks(dom[0], dom[1], X, 5), linearTicks(0, yMax, Y, 4), s.xLabel, 'fraction of values per bin'));
  s.series.forEach((ser, j) => {
    let d = `M${px(X(edges[0]))} ${px(Y(0))}`;
    for (let k = 0; k < nBins; k++) d += `V${px(Y(fractions[j][k]))}H${px(X(edges[k + 1]))}`;
    d += `V${px(Y(0))}Z`;
    out.push(`<path class="bars" data-series="${esc(ser.label)}" d="${d}" fill="${ser.color}" fill-opacity="0.3" stroke="${ser.color}" stroke-width="1.5"/>`);
  });
  const zero = X(0);
  if (zero > a.x0 && zero < a.x1) out.push(`<line class="zero" x1="${px(zero)}" x2="${px(zero)}" y1="${a.y0}" y2="${a.y1}" stroke="#555" stroke-dasharray="4 3"/>`);
  out.push(legend(f, s.series.map((ser) => ({ label: ser.label, color: ser.color, mark: 'box' as const }))));
  out.push('</svg>');
  return { svg: out.join(''), outside, edges, fractions };
}

export interface LineSeries {
  label: string;
  color: string;
  x: readonly number[];
  y: readonly number[];
  dashed?: boolean;
}

export interface LossSpec {
  id: string;
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
}

/** Lines on a log10 y axis over whole decades; non-positive values break the line. Undefined without positive data. */
export function logLinePlot(s: LossSpec): string | undefined {
  let yLo = Infinity, yHi = -Infinity, xLo = Infinity, xHi = -Infinity;
  for (const ser of s.series) {
    ser.x.forEach((x, i) => {
      const y = ser.y[i];
      if (!(y > 0) || !Number.isFinite(y) || !Number.isFinite(x)) return;
      yLo = Math.min(yLo, y);
      yHi = Math.max(yHi, y);
      xLo = Math.min(xLo, x);
      xHi = Math.max(xHi, x);
    });
  }
  if (yLo > yHi) return undefined;
  if (xLo === xHi) {
    xLo -= 1;
    xHi += 1;
  }
  const f = LOSS_FRAME;
  const a = plotArea(f);
  const yDom = decadeDomain(yLo, yHi);
  const X = linear(xLo, xHi, a.x0, a.x1);
  const Y = linear(Math.log10(yDom[0]), Math.log10(yDom[1]), a.y1, a.y0);
  const { ticks, step } = niceTicks(xLo, xHi, 6);
  // iterations are integers: never label a fractional tick
  const xTicks = ticks.filter((t) => step >= 1 || Number.isInteger(t));
  const fx = tickFormatter(xTicks, Math.max(1, step));
  const yTicks: Tick[] = decadeTicks(yDom).map((k) => ({ pos: Y(k), label: `10<tspan dy="-5" font-size="9">${k}</tspan>` }));
  const out: string[] = [svgOpen(f, s.id, 'loss', s.title)];
  out.push(axes(f, xTicks.map((t) => ({ pos: X(t), label: esc(fx(t)) })), yTicks, s.xLabel, s.yLabel));
  for (const ser of s.series) {
    let d = '';
    let pen = false;
    const marks: string[] = [];
    ser.x.forEach((x, i) => {
      const y = ser.y[i];
      if (!(y > 0) || !Number.isFinite(y) || !Number.isFinite(x)) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${px(X(x))} ${px(Y(Math.log10(y)))}`;
      pen = true;
      if (ser.x.length <= MARKER_LIMIT) marks.push(`<circle cx="${px(X(x))}" cy="${px(Y(Math.log10(y)))}" r="2.5"/>`);
    });
    const dash = ser.dashed ? ' stroke-dasharray="5 3"' : '';
    out.push(`<g class="line" data-series="${esc(ser.label)}" fill="${ser.color}">`);
    if (d) out.push(`<path d="${d}" fill="none" stroke="${ser.color}" stroke-width="2"${dash}/>`);
    out.push(marks.join(''), '</g>');
  }
  out.push(legend(f, s.series.map((ser) => ({ label: ser.label, color: ser.color, mark: ser.dashed ? 'dash' as const : 'line' as const }))));
  out.push('</svg>');
  return out.join('');
}
