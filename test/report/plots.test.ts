import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramPlot, logLinePlot, parityPlot } from '../../src/report/plots.ts';
import { paddedExtent } from '../../src/report/scale.ts';
import { checkTags } from './html-check.ts';

// The pixel layout promised by plots.ts/svg.ts, restated here: plot area x ∈ [78, 520 − 142], y ∈ [30, 380 − 50].
const X0 = 78, X1 = 378, Y0 = 30, Y1 = 330;

function attrs(tag: string): Record<string, string> {
  return Object.fromEntries([...tag.matchAll(/([\w-]+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

test('parity points land at the pixel positions of the documented linear map', () => {
  const ref = [0, 10, 2.5, 7.25];
  const pred = [1, 9, 5, 7.5];
  // domain: data extent [0, 10] padded by 4 % of the span on each side
  const lo = -0.4, hi = 10.4;
  assert.deepEqual(paddedExtent([ref, pred]), [lo, hi]);
  const svg = parityPlot({ id: 'p', title: 't', xLabel: 'x', yLabel: 'y', domain: [lo, hi], series: [{ label: 'a', color: '#000', x: ref, y: pred }] });
  assert.deepEqual(checkTags(svg).problems, []);
  const pts = [...svg.slice(0, svg.indexOf('class="legend"')).matchAll(/<circle [^>]*>/g)].map((m) => attrs(m[0]));
  assert.equal(pts.length, ref.length);
  let maxErr = 0;
  pts.forEach((p, i) => {
    const ex = X0 + ((ref[i] - lo) / (hi - lo)) * (X1 - X0);
    const ey = Y1 - ((pred[i] - lo) / (hi - lo)) * (Y1 - Y0);
    maxErr = Math.max(maxErr, Math.abs(Number(p.cx) - ex), Math.abs(Number(p.cy) - ey));
  });
  assert.ok(maxErr <= 0.005, `max pixel error ${maxErr}`);
  // the y = x line runs corner to corner of the square plot area
  const diag = attrs(svg.match(/<line class="diagonal"[^>]*>/)![0]);
  assert.deepEqual([diag.x1, diag.y1, diag.x2, diag.y2].map(Number), [X0, Y1, X1, Y0]);
});

test('tick labels read back the data values at their pixel positions', () => {
  const lo = -3.71, hi = 12.9;
  const svg = parityPlot({ id: 'p', title: 't', xLabel: 'x', yLabel: 'y', domain: [lo, hi], series: [] });
  const xs = [...svg.matchAll(/<text class="tick-label-x" x="([^"]+)"[^>]*>([^<]+)</g)].map((m) => [Number(m[1]), Number(m[2])]);
  const ys = [...svg.matchAll(/<text class="tick-label-y" x="[^"]+" y="([^"]+)"[^>]*>([^<]+)</g)].map((m) => [Number(m[1]), Number(m[2])]);
  assert.ok(xs.length >= 3 && ys.length >= 3);
  for (const [pos, v] of xs) assert.ok(Math.abs(pos - (X0 + ((v - lo) / (hi - lo)) * (X1 - X0))) < 0.006, `x tick ${v}`);
  for (const [pos, v] of ys) assert.ok(Math.abs(pos - (Y1 - ((v - lo) / (hi - lo)) * (Y1 - Y0))) < 0.006, `y tick ${v}`);
  // nice ticks: equally spaced by 1, 2 or 5 × 10^k, all inside the domain
  const vals = xs.map(([, v]) => v);
  const step = vals[1] - vals[0];
  assert.ok([1, 2, 5].some((m) => Math.abs(step / 10 ** Math.floor(Math.log10(step)) - m) < 1e-9));
  assert.ok(vals[0] >= lo && vals[vals.length - 1] <= hi);
});

test('histogram fractions equal brute-force bin counts', () => {
  const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 1.7) * 3 + (i % 7) * 0.1);
  values.push(1e3); // an outlier outside the central 99 %
  const h = histogramPlot({ id: 'h', title: 't', xLabel: 'x', series: [{ label: 'a', color: '#000', values }] })!;
  assert.deepEqual(checkTags(h.svg).problems, []);
  const e = h.edges;
  const nb = e.length - 1;
  let inside = 0;
  for (let k = 0; k < nb; k++) {
    const c = values.filter((v) => v >= e[k] && (k === nb - 1 ? v <= e[k + 1] : v < e[k + 1])).length;
    inside += c;
    assert.ok(Math.abs(h.fractions[0][k] - c / values.length) < 1e-12, `bin ${k}`);
  }
  assert.equal(h.outside[0], values.length - inside);
  assert.ok(h.outside[0] >= 1);
  assert.equal(histogramPlot({ id: 'h', title: 't', xLabel: 'x', series: [{ label: 'a', color: '#000', values: [NaN] }] }), undefined);
});

test('loss history uses a log axis over whole decades; non-positive values break the line', () => {
  const svg = logLinePlot({
    id: 'l', title: 't', xLabel: 'iteration', yLabel: 'loss',
    series: [{ label: 'total', color: '#000', x: [0, 1, 2, 3, 4], y: [50, 5, 0, 0.5, 0.05] }],
  })!;
  assert.deepEqual(checkTags(svg).problems, []);
  // domain [1e-2, 1e2]: 4 decades over the LOSS_FRAME area y ∈ [30, 290], x ∈ [78, 548]
  const d = svg.match(/<path d="([^"]+)"/)![1];
  const moves = [...d.matchAll(/([ML])([\d.]+) ([\d.]+)/g)].map((m) => [m[1], Number(m[2]), Number(m[3])] as const);
  assert.deepEqual(moves.map((m) => m[0]), ['M', 'L', 'M', 'L']);
  const ys = [50, 5, 0.5, 0.05], xs = [0, 1, 3, 4];
  moves.forEach(([, x, y], i) => {
    assert.ok(Math.abs(x - (78 + (xs[i] / 4) * 470)) < 0.006);
    assert.ok(Math.abs(y - (290 - ((Math.log10(ys[i]) + 2) / 4) * 260)) < 0.006);
  });
  assert.equal((svg.match(/class="tick-label-y"/g) ?? []).length, 5);
  assert.match(svg, /10<tspan dy="-5" font-size="9">-2<\/tspan>/);
});

test('the tag checker itself catches malformed markup', () => {
  assert.notDeepEqual(checkTags('<div><span></div>').problems, []);
  assert.notDeepEqual(checkTags('<p>a < b</p>').problems, []);
  assert.notDeepEqual(checkTags('<svg><g></svg>').problems, []);
  assert.deepEqual(checkTags('<!DOCTYPE html><p>a<br><svg><circle r="1"/></svg></p>').problems, []);
});
