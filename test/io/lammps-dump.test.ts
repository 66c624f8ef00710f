import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParseError } from '../../src/core/errors.ts';
import { parseLammpsDump } from '../../src/io/lammps-dump.ts';
import { hasLammps, skipUnless } from '../helpers/external.ts';
import { runLammpsScriptWithOutputs } from '../helpers/lammps.ts';

// Two snapshots written by hand in LAMMPS's layout: orthogonal, then triclinic with unsorted ids and units/time.
const DUMP = `ITEM: TIMESTEP
0
ITEM: NUMBER OF ATOMS
3
ITEM: BOX BOUNDS pp pp ff
0.0 10.0
-1.0 9.0
2.0 12.5
ITEM: ATOMS id type x y z fx fy fz c_pe
1 1 0.5 0.25 3.0 0.1 -0.2 0.3 -3.5
2 2 1.5 1.25 4.0 -0.1 0.2 -0.3 -2.5
3 1 2.5 2.25 5.0 0 0 1e-3 -1.5
ITEM: UNITS
metal
ITEM: TIME
0.5
ITEM: TIMESTEP
100
ITEM: NUMBER OF ATOMS
3
ITEM: BOX BOUNDS xy xz yz pp pp pp
-1.5 12 1.5
-0.25 10 -3
0 8 -0.25
ITEM: ATOMS id type xs ys zs c_pe
3 1 0.5 0.5 0.5 -1.75
1 1 0 0 0 -1.25
2 2 1 0 0 -1.5
`;

test('parses snapshots, columns by name, sorts by id, converts triclinic bounds and scaled coordinates', () => {
  const frames = parseLammpsDump(DUMP, 'hand.dump');
  assert.equal(frames.length, 2);
  const [f0, f1] = frames;
  assert.equal(f0.timestep, 0);
  assert.equal(f0.nAtoms, 3);
  assert.deepEqual(f0.boundary, ['pp', 'pp', 'ff']);
  assert.deepEqual(f0.box, { xlo: 0, xhi: 10, ylo: -1, yhi: 9, zlo: 2, zhi: 12.5, xy: 0, xz: 0, yz: 0 });
  assert.deepEqual(f0.columnNames, ['id', 'type', 'x', 'y', 'z', 'fx', 'fy', 'fz', 'c_pe']);
  assert.deepEqual([...f0.columns.fz], [0.3, -0.3, 0.001]);
  assert.deepEqual([...f0.positions!], [0.5, 0.25, 3, 1.5, 1.25, 4, 2.5, 2.25, 5]);
  assert.equal(f0.line, 1);

  assert.equal(f1.timestep, 100);
  // Bounds → box (Howto triclinic): xy = 1.5, xz = -3, yz = -0.25;
  // xlo = -1.5 - min(0, 1.5, -3, -1.5) = 1.5, xhi = 12 - max(0, 1.5, -3, -1.5) = 10.5,
  // ylo = -0.25 - min(0, -0.25) = 0, yhi = 10 - 0 = 10.
  assert.deepEqual(f1.box, { xlo: 1.5, xhi: 10.5, ylo: 0, yhi: 10, zlo: 0, zhi: 8, xy: 1.5, xz: -3, yz: -0.25 });
  assert.deepEqual([...f1.columns.id], [1, 2, 3]);
  assert.deepEqual([...f1.columns.c_pe], [-1.25, -1.5, -1.75]);
  // Scaled (0.5, 0.5, 0.5) → lo + 0.5·(A + B + C) = (1.5 + 0.5·(9 + 1.5 − 3), 0.5·(10 − 0.25), 4).
  assert.deepEqual([...f1.positions!], [1.5, 0, 0, 10.5, 0, 0, 5.25, 4.875, 4]);
});

function parseError(text: string): ParseError {
  try {
    parseLammpsDump(text, 'bad.dump');
  } catch (e) {
    assert.ok(e instanceof ParseError, `expected a ParseError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ParseError');
}

test('malformed and truncated dumps give ParseErrors with the line and what was expected', () => {
  const lines = DUMP.split('\n');
  const cases: [string, number, RegExp][] = [
    // Truncated inside the atom lines of the first frame.
    [lines.slice(0, 11).join('\n'), 12, /frame has 2 atom lines, expected 3/],
    // Truncated after the header.
    [lines.slice(0, 4).join('\n'), 5, /ITEM: BOX BOUNDS.*truncated/],
    // Wrong item order.
    [lines.slice(2).join('\n'), 1, /expected "ITEM: TIMESTEP"/],
    // A non-numeric value.
    [DUMP.replace('1 1 0.5 0.25 3.0', '1 1 0.5 abc 3.0'), 10, /expected a number for column y, found "abc"/],
    // A missing column.
    [DUMP.replace('2 2 1.5 1.25 4.0 -0.1 0.2 -0.3 -2.5', '2 2 1.5 1.25 4.0 -0.1 0.2 -0.3'), 11, /expected 9 columns/],
    // Non-integer atom count.
    [DUMP.replace('NUMBER OF ATOMS\n3', 'NUMBER OF ATOMS\n3.5'), 4, /expected an integer number of atoms/],
    // Box bounds line with one number.
    [DUMP.replace('-1.0 9.0', '-1.0'), 7, /expected 2 numbers on box bounds line 2/],
    // An atom line where the next ITEM starts (count larger than the lines given).
    [DUMP.replace('NUMBER OF ATOMS\n3', 'NUMBER OF ATOMS\n4'), 13, /expected atom line 4 of 4/],
    // Duplicate ids.
    [DUMP.replace('3 1 2.5 2.25 5.0', '2 1 2.5 2.25 5.0'), 12, /duplicate atom id 2/],
  ];
  for (const [text, line, re] of cases) {
    const e = parseError(text);
    assert.equal(e.location.file, 'bad.dump');
    assert.equal(e.location.line, line, `${e.message}`);
    assert.match(e.message, re);
  }
  // The second frame's errors carry its frame index.
  const e = parseError(DUMP.replace('-0.25 10 -3', '-0.25 10'));
  assert.equal(e.location.frame, 1);
  assert.match(e.message, /expected 3 numbers on box bounds line 2/);
});

test('reads a dump written by LAMMPS itself (triclinic box, scaled and Cartesian coordinates)', { skip: skipUnless(hasLammps(), 'LAMMPS') }, () => {
  // LAMMPS creates a known triclinic box and atoms; the dump must give back that box and the atoms' positions.
  const script = [
    'units metal',
    'atom_style atomic',
    'region b prism 0.5 8.5 -1 6 2 9 1.25 -2.5 0.75 units box',
    'create_box 2 b',
    'create_atoms 2 single 4.0 2.0 5.0 units box',
    'create_atoms 1 single 1.0 0.5 3.0 units box',
    'mass * 1.0',
    'write_dump all custom dump.txt id type x y z xs ys zs modify format float %.17g',
    '',
  ].join('\n');
  const { outputs } = runLammpsScriptWithOutputs(script, {}, ['dump.txt']);
  const [f] = parseLammpsDump(outputs['dump.txt'], 'dump.txt');
  assert.deepEqual(f.box, { xlo: 0.5, xhi: 8.5, ylo: -1, yhi: 6, zlo: 2, zhi: 9, xy: 1.25, xz: -2.5, yz: 0.75 });
  assert.deepEqual([...f.columns.type], [2, 1]);
  const expected = [4, 2, 5, 1, 0.5, 3];
  for (let k = 0; k < 6; k++) assert.ok(Math.abs(f.positions![k] - expected[k]) < 1e-12);
  // Scaled coordinates converted with the parsed box agree with the Cartesian ones.
  const { xs, ys, zs } = f.columns;
  for (let i = 0; i < 2; i++) {
    const x = f.box.xlo + xs[i] * (f.box.xhi - f.box.xlo) + ys[i] * f.box.xy + zs[i] * f.box.xz;
    const y = f.box.ylo + ys[i] * (f.box.yhi - f.box.ylo) + zs[i] * f.box.yz;
    assert.ok(Math.abs(x - f.columns.x[i]) < 1e-12 && Math.abs(y - f.columns.y[i]) < 1e-12);
  }
});
