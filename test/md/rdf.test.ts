import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bulk, supercell } from '../../src/structure/builders.ts';
import { createRdf } from '../../src/md/rdf.ts';
import { energyDrift } from '../../src/md/drift.ts';
import { createRng } from '../../src/core/random.ts';
import type { Structure } from '../../src/structure/types.ts';

test('RDF of perfect fcc: peaks only at the shells a/√2·√k, coordination 12, 6, 24, 12, 24', () => {
  const a = 3.615;
  const s = supercell(bulk('fcc', ['Cu'], a), [3, 3, 3]);
  const rdf = createRdf(6, 600);
  rdf.add(s);
  rdf.add(s);
  const r = rdf.result();
  const shells = [1, 2, 3, 4, 5].map((k) => (a / Math.SQRT2) * Math.sqrt(k));
  const counts = [12, 6, 24, 12, 24];
  let cum = 0;
  shells.forEach((r0, k) => {
    cum += counts[k];
    const bin = Math.floor(r0 / 0.01);
    // the coordination just past the shell, and no neighbours between shells
    assert.equal(Math.round(r.coordination[bin + 1] * 1e9) / 1e9, cum, `shell ${k + 1} at ${r0}`);
    assert.ok(r.g[bin] > 10, `a peak at ${r0}`);
  });
  for (let k = 0; k < r.g.length; k++) {
    const near = shells.some((r0) => Math.abs(r.r[k] - r0) < 0.011);
    if (!near) assert.equal(r.g[k], 0, `g(${r.r[k]}) = ${r.g[k]}`);
  }
  assert.equal(r.frames, 2);
});

test('RDF of an ideal gas (uniform random points) tends to 1', () => {
  const rng = createRng(3);
  const L = 20, n = 2000;
  const pos = Float64Array.from({ length: 3 * n }, () => rng.uniform(0, L));
  const s: Structure = { species: new Int32Array(n).fill(18), positions: pos, cell: Float64Array.of(L, 0, 0, 0, L, 0, 0, 0, L), pbc: [true, true, true] };
  const rdf = createRdf(6, 12);
  rdf.add(s);
  const r = rdf.result();
  // bins beyond 2 Å hold thousands of pairs: Poisson noise of a few %
  for (let k = 4; k < 12; k++) assert.ok(Math.abs(r.g[k] - 1) < 0.06, `g(${r.r[k]}) = ${r.g[k]}`);
});

test('energy drift: slope of a linear ramp in meV/atom/ps and the max deviation', () => {
  const t = Float64Array.from({ length: 11 }, (_, k) => 100 * k); // fs
  const e = Float64Array.from(t, (x) => -100 + 2e-3 * (x / 1000) * 10); // 2e-3 eV/ps/10 atoms… over 10 atoms
  const d = energyDrift(t, e, 10);
  assert.ok(Math.abs(d.slope - 2) < 1e-9, `slope ${d.slope}`);
  assert.ok(Math.abs(d.maxDeviation - 2) < 1e-9);
  assert.ok(d.residualRms < 1e-9);
  assert.equal(d.span, 1);
});
