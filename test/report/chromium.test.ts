import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { skipUnless } from '../helpers/external.ts';
import { renderReport } from '../../src/report/render.ts';
import { decodePng } from './png.ts';
import { sampleReport } from './sample-data.ts';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars'];

function chromium(args: string[]): string {
  const r = spawnSync(CHROMIUM, [...FLAGS, ...args], { encoding: 'utf8', timeout: 60000, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const skip = skipUnless(existsSync(CHROMIUM), 'chromium');

test('headless Chromium lays out every plot with a non-empty box and draws a non-blank page', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-report-'));
  try {
    const html = renderReport(sampleReport('stalled'));
    // The report has no scripts; this test copy appends one that records each plot's rendered box and the number
    // of drawn circles, which --dump-dom then prints.
    const probe =
      '<script>const out=[...document.querySelectorAll("svg.plot")].map(s=>{const b=s.getBoundingClientRect();' +
      'const p=s.querySelector(".points,.bars,.line");const q=p?p.getBBox():{width:0,height:0};' +
      'return {id:s.id,w:b.width,h:b.height,pw:q.width,ph:q.height,circles:s.querySelectorAll("circle").length}});' +
      'const pre=document.createElement("pre");pre.id="probe";pre.textContent=JSON.stringify(out);document.body.append(pre);</script>';
    writeFileSync(join(dir, 'probe.html'), html.replace('</body>', `${probe}</body>`));
    writeFileSync(join(dir, 'report.html'), html);
    const dom = chromium(['--dump-dom', `file://${join(dir, 'probe.html')}`]);
    const json = dom.match(/<pre id="probe">([^<]*)<\/pre>/)![1].replace(/&quot;/g, '"');
    const boxes: { id: string; w: number; h: number; pw: number; ph: number; circles: number }[] = JSON.parse(json);
    assert.equal(boxes.length, 10);
    for (const b of boxes) {
      assert.ok(b.w > 300 && b.h > 200, `${b.id} box ${b.w}x${b.h}`);
      assert.ok(b.pw > 50 && b.ph > 50, `${b.id} data extent ${b.pw}x${b.ph}`);
    }
    assert.equal(boxes.find((b) => b.id === 'parity-force-train')!.circles, 20001);
    // the escaped script in a group name stayed text: the parsed DOM has exactly one script (the probe)
    assert.equal((dom.match(/<script>/g) ?? []).length, 1);
    assert.match(dom, /Warning: solver did not converge \(status: stalled\)/);

    const png = join(dir, 'shot.png');
    chromium([`--screenshot=${png}`, '--window-size=1200,2400', `file://${join(dir, 'report.html')}`]);
    const img = decodePng(readFileSync(png));
    assert.equal(img.width, 1200);
    let ink = 0;
    const colours = new Set<number>();
    for (let i = 0; i < img.width * img.height; i++) {
      const r = img.rgba[4 * i], g = img.rgba[4 * i + 1], b = img.rgba[4 * i + 2];
      if (r < 230 || g < 230 || b < 230) ink++;
      colours.add((r << 16) | (g << 8) | b);
    }
    // text, tables, frames and thousands of points: several percent of the page is ink, in many colours
    assert.ok(ink / (img.width * img.height) > 0.03, `ink fraction ${ink / (img.width * img.height)}`);
    assert.ok(colours.size > 50, `${colours.size} colours`);
    // the warning box (#fdecec background) is on screen near the top
    let warnPixels = 0;
    for (let i = 0; i < img.width * 300; i++) if (img.rgba[4 * i] === 0xfd && img.rgba[4 * i + 1] === 0xec && img.rgba[4 * i + 2] === 0xec) warnPixels++;
    assert.ok(warnPixels > 10000, `warning box pixels ${warnPixels}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
