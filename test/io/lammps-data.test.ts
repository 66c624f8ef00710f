import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParseError, UserError } from '../../src/core/errors.ts';
import { buildLammpsData, formatLammpsData, parseLammpsData, writeLammpsData } from '../../src/io/lammps-data.ts';
import type { Structure } from '../../src/structure/types.ts';
import { hasLammps, skipUnless } from '../helpers/external.ts';
import { runLammpsScriptWithOutputs } from '../helpers/lammps.ts';

/** A rotated triclinic Si–C cell with awkward numbers (not lower-triangular, positions outside the cell). */
const SIC: Structure = {
  species: Int32Array.of(14, 6, 14, 6, 6),
  positions: Float64Array.of(0.1, 0.2, 0.3, 1.234567890123456, -0.5, 2.2, 3.3, 4.4, -1.1, 7.000000000000001, 0.3, 0.7, 2, 2, 2),
  cell: Float64Array.of(4.1, 0.3, -0.2, 1.7, 3.9, 0.4, -0.6, 1.1, 5.3),
  pbc: [true, true, true],
};

test('the data file has the header, tilt line, masses and atoms of the rotated structure', () => {
  const { text, frame, types } = buildLammpsData(SIC, { elements: ['Si', 'C'], atomStyle: 'atomic' });
  const lines = text.split('\n');
  assert.ok(lines.includes('5 atoms'));
  assert.ok(lines.includes('2 atom types'));
  assert.ok(lines.some((l) => l.endsWith(' xy xz yz')));
  // Standard atomic weights in type order.
  const m = lines.indexOf('Masses');
  assert.deepEqual(lines.slice(m + 2, m + 4), ['1 28.085', '2 12.011']);
  assert.deepEqual([...types], [1, 2, 1, 2, 2]);
  const a = lines.indexOf('Atoms # atomic');
  const atoms = lines.slice(a + 2, a + 7).map((l) => l.split(' ').map(Number));
  atoms.forEach((t, i) => {
    assert.deepEqual(t.slice(0, 2), [i + 1, types[i]]);
    // Full precision: the text reads back to the exact doubles of the frame.
    assert.deepEqual(t.slice(2), [...frame.positions.subarray(3 * i, 3 * i + 3)]);
  });
  // Orthogonal boxes get no tilt line; masses can be given.
  const ortho = formatLammpsData(
    { ...SIC, cell: Float64Array.of(5, 0, 0, 0, 6, 0, 0, 0, 7) },
    { elements: ['C', 'Si'], masses: [12, 28], atomStyle: 'atomic' },
  );
  assert.ok(!ortho.includes('xy xz yz'));
  assert.match(ortho, /\n1 12\n2 28\n/);
});

test('unknown species, bad element lists and mass counts are user errors', () => {
  assert.throws(() => formatLammpsData(SIC, { elements: ['Si'], atomStyle: 'atomic' }), (e: unknown) => e instanceof UserError && /atom 1 is C/.test(e.message));
  assert.throws(() => formatLammpsData(SIC, { elements: ['Si', 'Xx'], atomStyle: 'atomic' }), /unknown element symbol "Xx"/);
  assert.throws(() => formatLammpsData(SIC, { elements: ['Si', 'C', 'Si'], atomStyle: 'atomic' }), /appears twice/);
  assert.throws(() => formatLammpsData(SIC, { elements: ['Si', 'C'], masses: [28], atomStyle: 'atomic' }), /1 masses given for 2/);
});

test('writeLammpsData writes the same text atomically', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-data-'));
  try {
    const path = join(dir, 'sub', 'x.data');
    const d = writeLammpsData(path, SIC, { elements: ['Si', 'C'], atomStyle: 'atomic' });
    assert.equal(readFileSync(path, 'utf8'), d.text);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parseLammpsData errors name the line and what was expected', () => {
  const good = formatLammpsData(SIC, { elements: ['Si', 'C'], atomStyle: 'atomic' });
  const cases: [string, RegExp][] = [
    [good.replace('5 atoms\n', ''), /expected an "N atoms" header/],
    [good.replace(/\n[^\n]* zlo zhi/, ''), /expected "zlo zhi" box bounds/],
    [good.replace(/\n5 2 [^\n]*\n/, '\n'), /section Atoms ended after 4 of 5 lines/],
    [good.replace(/\n3 1 ([^ ]+) /, '\n3 1 $1x '), /expected a number for a coordinate/],
    [good.replace(/\n2 2 ([^ ]+ [^ ]+) [^\n]+/, '\n2 2 $1'), /expected "id type x y z \[ix iy iz\]"/],
    [good.replace(/\n4 2 /, '\n4 3 '), /atom type 3 is outside 1..2/],
    [good.replace('Masses', 'Pair Coeffs'), /section "Pair Coeffs" is not supported/],
  ];
  for (const [text, re] of cases) {
    assert.throws(() => parseLammpsData(text, 'bad.data'), (e: unknown) => {
      assert.ok(e instanceof ParseError, String(e));
      assert.match(e.message, re);
      assert.match(e.message, /^bad\.data:\d+/);
      return true;
    });
  }
});

test('round trip through LAMMPS: read_data then write_data gives back the box, masses and positions', { skip: skipUnless(hasLammps(), 'LAMMPS') }, () => {
  const structures: [Structure, string[]][] = [
    [SIC, ['Si', 'C']],
    // Slab (periodic a, b) and cluster: non-periodic directions use boundary f.
    [{ ...SIC, pbc: [true, true, false] }, ['Si', 'C']],
    [{ ...SIC, pbc: [false, false, false] }, ['C', 'Si']],
  ];
  for (const [s, elements] of structures) {
    const d = buildLammpsData(s, { elements, atomStyle: 'atomic' });
    const boundary = d.frame.boundary.map((p) => (p ? 'p' : 'f')).join(' ');
    const script = `units metal\natom_style atomic\nboundary ${boundary}\nread_data in.data\nwrite_data out.data\n`;
    const { outputs } = runLammpsScriptWithOutputs(script, { 'in.data': d.text }, ['out.data']);
    const back = parseLammpsData(outputs['out.data'], 'out.data');
    const mine = parseLammpsData(d.text, 'in.data');
    const b0 = d.frame.box;
    for (const k of Object.keys(b0) as (keyof typeof b0)[]) {
      assert.ok(Math.abs(back.box[k] - b0[k]) <= 1e-14 * (1 + Math.abs(b0[k])), `${k}: ${back.box[k]} vs ${b0[k]}`);
      assert.equal(mine.box[k], b0[k]);
    }
    assert.deepEqual([...back.masses], [...mine.masses]);
    assert.deepEqual([...back.types], [...d.types]);
    assert.deepEqual([...back.ids], [1, 2, 3, 4, 5]);
    let worst = 0;
    for (let k = 0; k < back.positions.length; k++) worst = Math.max(worst, Math.abs(back.positions[k] - d.frame.positions[k]));
    // write_data prints 16 digits after the point (%-1.16e), so ~1e-15 of a few Å.
    assert.ok(worst < 1e-13, `positions differ by ${worst}`);
    // Atoms were already in the box: LAMMPS did not remap any.
    assert.ok(back.images.every((x) => x === 0));
  }
});
