import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDataset } from '../../src/analysis/datacheck.ts';
import { readConfigurations } from '../../src/io/formats.ts';
import { KBAR_PER_EV_A3 } from '../../src/core/units.ts';
import type { Configuration } from '../../src/structure/types.ts';
import { hasShared, sharedPath, skipUnless } from '../helpers/external.ts';

const SI = ['data', 'mlearn', 'Si', 'training.json'];

function cloneConfig(c: Configuration, edit: (c: Configuration) => void): Configuration {
  const copy: Configuration = {
    ...c,
    structure: { ...c.structure, positions: c.structure.positions.slice(), cell: c.structure.cell.slice() },
    labels: { ...c.labels, forces: c.labels.forces?.slice(), stress: c.labels.stress?.slice() },
    source: { ...c.source },
    info: { ...c.info },
  };
  edit(copy);
  return copy;
}

test('mlearn Si training set: group table without false alarms', { skip: skipUnless(hasShared(...SI), '../shared/data/mlearn') }, () => {
  const configs = readConfigurations(sharedPath(...SI));
  const r = checkDataset({ configs });
  assert.deepEqual(r.warnings.map((w) => w.message), []);
  assert.equal(r.total.configs, 214);
  assert.equal(r.total.atoms, 13233);
  const groups = Object.fromEntries(r.groups.map((g) => [g.group, g.configs]));
  assert.deepEqual(groups, { 'AIMD-NVT': 90, Elastic: 55, Surface: 12, Vacancy: 57 });
  // strained pairs exist in the Elastic group and are thermodynamically consistent
  assert.ok(r.stressConsistency && r.stressConsistency.pairs > 10);
  assert.ok(Math.abs(r.stressConsistency!.ratio - 1) < 0.2, `ratio ${r.stressConsistency!.ratio}`);
});

for (const el of ['Si', 'Mo']) {
  const file = ['data', 'mlearn', el, 'training.json'];
  test(`${el}: flipped stress sign and kbar labelled eV/Å³ are both flagged; the file itself is clean`, { skip: skipUnless(hasShared(...file), '../shared/data/mlearn') }, () => {
  const configs = readConfigurations(sharedPath(...file));
  assert.deepEqual(checkDataset({ configs }).warnings, []);
  const flipped = configs.map((c) => cloneConfig(c, (d) => d.labels.stress!.forEach((v, k, a) => (a[k] = -v))));
  const rf = checkDataset({ configs: flipped });
  assert.ok(rf.warnings.some((w) => w.kind === 'stress-sign'), JSON.stringify(rf.warnings));
  const kbar = configs.map((c) => cloneConfig(c, (d) => d.labels.stress!.forEach((v, k, a) => (a[k] = v * KBAR_PER_EV_A3))));
  const rk = checkDataset({ configs: kbar });
  assert.ok(rk.warnings.some((w) => w.kind === 'stress-unit'), JSON.stringify(rk.warnings));
  assert.ok(!rk.warnings.some((w) => w.kind === 'stress-sign'));
  });
}

function cube(n: number, a: number, z = 14): Configuration {
  const species = new Int32Array(n * n * n).fill(z);
  const pos = new Float64Array(3 * n * n * n);
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let l = 0; l < n; l++) pos.set([i * a, j * a, l * a], 3 * k++);
  return {
    structure: { species, positions: pos, cell: Float64Array.of(n * a, 0, 0, 0, n * a, 0, 0, 0, n * a), pbc: [true, true, true] },
    labels: { energy: -5 * n ** 3, forces: new Float64Array(3 * n ** 3) },
    group: 'g', weight: 1, source: { file: 'synthetic', frame: 0 }, info: {},
  };
}

test('synthetic problems: duplicates, net force, short distance, energy outlier', () => {
  const configs: Configuration[] = [];
  for (let f = 0; f < 8; f++) {
    configs.push(cloneConfig(cube(3, 2.5), (c) => {
      c.source.frame = f;
      // distinct, small displacements and energies so these are not duplicates
      c.structure.positions[0] += 0.01 * f;
      (c.labels as { energy: number }).energy = -5 * 27 + 0.01 * f;
    }));
  }
  configs.push(cloneConfig(configs[0], (c) => (c.source.frame = 100))); // duplicate of frame 0
  configs.push(cloneConfig(configs[1], (c) => { c.source.frame = 101; c.structure.positions[0] += 1.7; })); // atom 0 at 0.01+1.7, near atom at 2.5 → 0.79 Å
  configs.push(cloneConfig(configs[2], (c) => { c.source.frame = 102; c.structure.positions[4] += 0.02; c.labels.forces![0] = 3.0; })); // net force 3 eV/Å
  configs.push(cloneConfig(configs[3], (c) => { c.source.frame = 103; c.structure.positions[4] += 0.03; (c.labels as { energy: number }).energy += 27 * 2.0; })); // +2 eV/atom
  const r = checkDataset({ configs });
  const kinds = (k: string) => r.warnings.filter((w) => w.kind === k);
  assert.equal(kinds('duplicate').length, 1);
  assert.deepEqual(kinds('duplicate')[0].where.sort(), ['synthetic#0', 'synthetic#100']);
  assert.deepEqual(kinds('short-distance').map((w) => w.where[0]), ['synthetic#101']);
  assert.deepEqual(kinds('net-force').map((w) => w.where[0]), ['synthetic#102']);
  assert.deepEqual(kinds('energy-outlier').map((w) => w.where[0]), ['synthetic#103']);
});
