import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderReport } from '../../src/report/render.ts';
import { MAX_PLOT_POINTS } from '../../src/report/subsample.ts';
import { checkTags } from './html-check.ts';
import { EVIL_GROUP, sampleReport } from './sample-data.ts';

const EXPECTED_PLOTS = [
  'parity-energy-train', 'parity-energy-test', 'parity-force-train', 'parity-force-test', 'parity-stress-train',
  'parity-stress-test', 'hist-energy', 'hist-force', 'hist-stress', 'loss-history',
];

function svgBlock(html: string, id: string): string {
  const start = html.indexOf(`<svg xmlns="http://www.w3.org/2000/svg" class="plot`, html.indexOf(`id="${id}"`) - 120);
  return html.slice(start, html.indexOf('</svg>', start) + 6);
}

test('the report is one well-formed HTML document with one <svg> per plot and no external resources', () => {
  const html = renderReport(sampleReport());
  const { problems, counts } = checkTags(html);
  assert.deepEqual(problems, []);
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.equal(counts.get('svg'), EXPECTED_PLOTS.length);
  const ids = [...html.matchAll(/<svg [^>]*data-plot="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(ids.sort(), [...EXPECTED_PLOTS].sort());
  // self-contained: no scripts, no links to anything outside the file
  assert.equal(counts.get('script'), undefined);
  assert.doesNotMatch(html, /\s(src|href)=/);
  assert.doesNotMatch(html, /url\(/);
  // every plot has axis labels with units (parity) and a legend
  for (const id of EXPECTED_PLOTS) {
    const svg = svgBlock(html, id);
    assert.match(svg, /class="axis-label-x"[^>]*>[^<]*\S/, id);
    assert.match(svg, /class="legend"/, id);
    assert.ok((svg.match(/class="tick-label-x"/g) ?? []).length >= 3, `${id} has x ticks`);
    assert.ok((svg.match(/class="tick-label-y"/g) ?? []).length >= 2, `${id} has y ticks`);
  }
  assert.match(svgBlock(html, 'parity-stress-train'), /reference stress component \(GPa\)/);
  assert.match(svgBlock(html, 'parity-energy-test'), /predicted energy \(eV\/atom\)/);
});

test('group names, titles and the config are escaped everywhere', () => {
  const d = sampleReport();
  const html = renderReport(d);
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<\/pre><script/);
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'));
  assert.ok(html.includes('<title>Cu EAM fit &lt;test &amp; check&gt;</title>'));
  // the injected group appears in the energy legend, the group tables and the residual table, always escaped
  const esc = EVIL_GROUP.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  assert.ok(html.split(esc).length - 1 >= 5);
});

test('scatter plots show at most MAX_PLOT_POINTS points, a deterministic subset of the data', () => {
  const d = sampleReport();
  const html = renderReport(d);
  const count = (id: string): number => (svgBlock(html, id).match(/<circle cx/g) ?? []).length;
  // 30,000 train force components are subsampled; the legend adds one dot per entry
  assert.equal(count('parity-force-train'), MAX_PLOT_POINTS + 1);
  assert.equal(count('parity-force-test'), 3000 + 1);
  assert.equal(count('parity-energy-train'), 200 + 4);
  assert.match(html, /20000 of 30000 \(a fixed random subset\) force components/);
  assert.equal(renderReport(sampleReport()), html);
});

test('the solver status is a warning box unless converged', () => {
  const ok = renderReport(sampleReport('converged'));
  assert.match(ok, /<div class="status ok" id="solver-status">/);
  assert.doesNotMatch(ok, /role="alert"/);
  for (const status of ['maxIterations', 'stalled', 'nonFinite', 'interrupted'] as const) {
    const html = renderReport(sampleReport(status));
    assert.match(html, /<div class="status warn" id="solver-status" role="alert"><div class="label">Warning: solver did not converge/);
    assert.ok(html.includes(`(status: ${status})`));
  }
});

test('tables carry units and convert to display units (meV/atom, GPa); missing values show a dash', () => {
  const d = sampleReport();
  const html = renderReport(d);
  // train energy RMSE 0.01 eV/atom = 10 meV/atom; stress RMSE 0.001 eV/Å³ = 0.1602 GPa (160.2177 GPa per eV/Å³)
  const row = html.match(/<tr><th scope="row">train<\/th>(.*?)<\/tr>/)![1];
  const cells = [...row.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]);
  assert.deepEqual(cells, ['200', '6400', '8', '10', '0.08', '0.1', '0.1282', '0.1602']);
  assert.match(html, /energy RMSE \(meV\/atom\)/);
  assert.match(html, /stress RMSE \(GPa\)/);
  assert.match(html, /<th scope="row">cross-validation<\/th>/);
  // residual row with stressRmse null
  assert.match(html, /frame 7\)<\/th><td>bulk<\/td><td>32<\/td><td>-20<\/td><td>0.15<\/td><td>—<\/td>/);
  // parameters: value and standard error, relative error |e/v|
  assert.match(html, /<th scope="row">phi_1<\/th><td>-0.034<\/td><td>0.0011<\/td><td>0.032<\/td>/);
});

test('a report without test data, history or stdErrors still renders every train plot', () => {
  const d = sampleReport();
  delete d.parity.test;
  delete d.metrics.test;
  delete d.metrics.by_group.test;
  delete d.model.stdErrors;
  delete d.residualTable;
  d.solver.history = [];
  const html = renderReport(d);
  const { problems, counts } = checkTags(html);
  assert.deepEqual(problems, []);
  assert.equal(counts.get('svg'), 6);
  assert.match(html, /No loss history/);
  assert.doesNotMatch(html, /standard error/);
});

test('non-finite values are left out of the plots and counted', () => {
  const d = sampleReport();
  const f = d.parity.train.stress;
  const ref = Array.from(f.ref);
  ref[0] = NaN;
  ref[1] = Infinity;
  d.parity.train.stress = { ref, pred: f.pred };
  const html = renderReport(d);
  assert.deepEqual(checkTags(html).problems, []);
  assert.match(html, /All 1198 stress components; 2 non-finite omitted\./);
  assert.doesNotMatch(svgBlock(html, 'parity-stress-train'), /NaN|Infinity/);
});
