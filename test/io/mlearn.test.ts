import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatMlearn, parseMlearn, readMlearn } from '../../src/io/mlearn.ts';
import { ParseError } from '../../src/core/errors.ts';
import { V, VOIGT_LAMMPS } from '../../src/core/voigt.ts';
import type { Configuration } from '../../src/structure/types.ts';
import { ROOT, hasShared, sharedPath, skipUnless } from '../helpers/external.ts';

const FIX = join(ROOT, 'test', 'fixtures', 'mlearn');
// 1 eV/Å³ in kbar (CODATA 2014 as ASE: 160.21766208 GPa), written out here as an oracle independent of units.ts.
const KBAR = 1602.1766208;

type Raw = {
  structure: { lattice: { matrix: number[][] }; sites: { abc: number[]; xyz: number[] }[] };
  outputs: { energy: number; forces: number[][]; virial_stress: number[] };
  group: string;
};

function rawRecords(path: string): Raw[] {
  return JSON.parse(readFileSync(path, 'utf8')) as Raw[];
}

function countBy(configs: Configuration[]): Record<string, number> {
  const c: Record<string, number> = {};
  for (const x of configs) c[x.group] = (c[x.group] ?? 0) + 1;
  return c;
}

const TABLE = [
  { el: 'Si', split: 'training', n: 214, atoms: 13233, groups: { 'AIMD-NVT': 90, Elastic: 55, Surface: 12, Vacancy: 57 } },
  { el: 'Si', split: 'test', n: 25, atoms: 1525 },
  { el: 'Mo', split: 'training', n: 194, atoms: 10087, groups: { 'AIMD-NVT': 108, Elastic: 56, Surface: 9, Vacancy: 21 } },
  { el: 'Mo', split: 'test', n: 23, atoms: 1189 },
] as const;

for (const row of TABLE) {
  const rel = ['data', 'mlearn', row.el, `${row.split}.json`];
  test(`mlearn ${row.el}/${row.split}: counts and groups equal the data README table`, {
    skip: skipUnless(hasShared(...rel), `../shared/${rel.join('/')}`),
  }, () => {
    const configs = readMlearn(sharedPath(...rel));
    assert.equal(configs.length, row.n);
    assert.equal(configs.reduce((s, c) => s + c.structure.species.length, 0), row.atoms);
    if ('groups' in row) assert.deepEqual(countBy(configs), row.groups);
    const z = row.el === 'Si' ? 14 : 42;
    for (const c of configs) {
      assert.ok(c.structure.species.every((s) => s === z));
      assert.equal(c.labels.forces!.length, 3 * c.structure.species.length);
      assert.deepEqual([...c.labels.stressMask!], [1, 1, 1, 0, 0, 0]);
      assert.equal(typeof c.info.description, 'string');
    }
  });
}

test('mlearn Si training: stress conversion and lattice-row convention checked by hand against the raw JSON', {
  skip: skipUnless(hasShared('data', 'mlearn', 'Si', 'training.json'), '../shared/data/mlearn'),
}, () => {
  const path = sharedPath('data', 'mlearn', 'Si', 'training.json');
  const raw = rawRecords(path);
  const full = readMlearn(path, { stress: 'full' });
  // Record 0 (a Vacancy AIMD snapshot in a triclinic cell): VASP sign, kbar, xx yy zz xy yz zx.
  const vs = raw[0].outputs.virial_stress;
  const s = full[0].labels.stress!;
  const expected = { xx: -vs[0] / KBAR, yy: -vs[1] / KBAR, zz: -vs[2] / KBAR, xy: -vs[3] / KBAR, yz: -vs[4] / KBAR, xz: -vs[5] / KBAR };
  let maxErr = 0;
  for (const [k, v] of Object.entries(expected)) maxErr = Math.max(maxErr, Math.abs(s[V[k as keyof typeof V]] - v));
  assert.ok(maxErr < 1e-15, `stress max error ${maxErr}`);
  assert.equal(full[0].labels.stressMask, undefined);
  assert.equal(full[0].labels.energy, raw[0].outputs.energy);
  // Rows of lattice.matrix are cell vectors: xyz = abc · matrix for every site of every record.
  let maxPos = 0;
  for (let r = 0; r < raw.length; r++) {
    const m = raw[r].structure.lattice.matrix;
    const p = full[r].structure.positions;
    raw[r].structure.sites.forEach((site, i) => {
      for (let a = 0; a < 3; a++) {
        const x = site.abc[0] * m[0][a] + site.abc[1] * m[1][a] + site.abc[2] * m[2][a];
        maxPos = Math.max(maxPos, Math.abs(p[3 * i + a] - x));
      }
    });
  }
  assert.ok(maxPos < 1e-5, `xyz vs abc·matrix max deviation ${maxPos} Å`);
  // A user-chosen order (the Mo shear structures follow xy xz yz = LAMMPS order) moves only the shear slots.
  const lmp = readMlearn(path, { stress: 'full', stressOrder: VOIGT_LAMMPS })[0].labels.stress!;
  assert.equal(lmp[V.xz], -vs[4] / KBAR);
  assert.equal(lmp[V.yz], -vs[5] / KBAR);
  assert.equal(lmp[V.xx], s[V.xx]);
  // 'none' drops the stress.
  assert.equal(readMlearn(path, { stress: 'none' })[0].labels.stress, undefined);
});

test('mlearn Mo training: writer round trip reproduces the raw file values', {
  skip: skipUnless(hasShared('data', 'mlearn', 'Mo', 'training.json'), '../shared/data/mlearn'),
}, () => {
  const path = sharedPath('data', 'mlearn', 'Mo', 'training.json');
  const raw = rawRecords(path);
  const configs = readMlearn(path, { stress: 'full' }).slice(0, 20);
  const written = JSON.parse(formatMlearn(configs)) as Raw[];
  let maxRel = 0;
  for (let r = 0; r < configs.length; r++) {
    assert.equal(written[r].outputs.energy, raw[r].outputs.energy);
    // JSON has no -0, so compare numerically (0 == -0) rather than with deepEqual.
    assert.ok(written[r].outputs.forces.flat().every((v, k) => v === raw[r].outputs.forces.flat()[k]));
    assert.ok(written[r].structure.lattice.matrix.flat().every((v, k) => v === raw[r].structure.lattice.matrix.flat()[k]));
    assert.equal(written[r].group, raw[r].group);
    raw[r].outputs.virial_stress.forEach((v, k) => {
      maxRel = Math.max(maxRel, Math.abs(written[r].outputs.virial_stress[k] - v) / Math.max(1, Math.abs(v)));
    });
  }
  assert.ok(maxRel < 1e-13, `virial_stress relative error after round trip ${maxRel}`);
});

test('mlearn fixture: species, abc fallback, default group, null stress', () => {
  const c = readMlearn(join(FIX, 'valid.json'), { stress: 'full' });
  assert.equal(c.length, 2);
  assert.deepEqual([...c[0].structure.species], [14, 14]);
  assert.deepEqual([...c[1].structure.species], [14, 6, 6]);
  assert.equal(c[0].group, 'Elastic');
  assert.equal(c[1].group, 'default');
  assert.equal(c[1].labels.stress, undefined);
  // abc (0.5, 0.5, 0) · matrix = (2.325, 2.175, 0), up to rounding of the products.
  [2.325, 2.175, 0].forEach((x, a) => assert.ok(Math.abs(c[1].structure.positions[6 + a] - x) < 1e-15));
  assert.deepEqual([...c[0].structure.cell], [0, 2.7, 2.7, 2.7, 0, 2.7, 2.7, 2.7, 0]);
  assert.equal(c[0].info.tag, 'train');
  assert.deepEqual(c[0].source, { file: join(FIX, 'valid.json'), frame: 0 });
  // 12.5 kbar compressive xx → -12.5/1602.1766208 eV/Å³; xy is the fourth value in VOIGT_VASP order.
  assert.equal(c[0].labels.stress![V.xx], -12.5 / KBAR);
  assert.equal(c[0].labels.stress![V.xy], -1.5 / KBAR);
  assert.equal(c[0].labels.stress![V.yz], 2.25 / KBAR);
  assert.equal(c[0].labels.stress![V.xz], -3.0 / KBAR);
});

test('mlearn round trip: parse → format → parse is exact', () => {
  const text = readFileSync(join(FIX, 'valid.json'), 'utf8');
  const a = parseMlearn(text, 'valid.json', { stress: 'full' });
  const b = parseMlearn(formatMlearn(a), 'out.json', { stress: 'full' });
  assert.equal(b.length, a.length);
  for (let i = 0; i < a.length; i++) {
    assert.deepEqual(b[i].structure, a[i].structure);
    assert.deepEqual(b[i].labels, a[i].labels);
    assert.equal(b[i].group, a[i].group);
    assert.deepEqual(b[i].info, a[i].info);
  }
  assert.equal(formatMlearn([]), '[]\n');
});

function expectParseError(fn: () => unknown, pattern: RegExp, loc: { line?: number; frame?: number }): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ParseError, `expected ParseError, got ${String(e)}`);
    assert.match(e.message, pattern);
    if (loc.line !== undefined) assert.equal(e.location.line, loc.line);
    if (loc.frame !== undefined) assert.equal(e.location.frame, loc.frame);
    return true;
  });
}

test('mlearn errors from fixture files name the file and line', () => {
  expectParseError(() => readMlearn(join(FIX, 'bad_syntax.json')), /bad_syntax\.json:3: invalid JSON.*expected a value, found ","/, { line: 3 });
  expectParseError(() => readMlearn(join(FIX, 'nan.json')), /nan\.json:5: invalid JSON.*found "NaN".*NaN\/Infinity/, { line: 5 });
  expectParseError(() => readMlearn(join(FIX, 'not_a_list.json')), /expected a JSON list of records, found an object/, { line: 1 });
  expectParseError(() => parseMlearn('[{"structure": 1}]\n]', 'x.json'), /x\.json:2: invalid JSON.*expected end of file/, { line: 2 });
  expectParseError(() => parseMlearn('[{"a": "unterminated', 'x.json'), /x\.json:1: .*expected a closing quote, found end of file/, { line: 1 });
});

test('mlearn errors on bad records name the record and key path', () => {
  const base = JSON.parse(readFileSync(join(FIX, 'valid.json'), 'utf8')) as Record<string, any>[];
  const bad = (edit: (r: Record<string, any>[]) => void): string => {
    const copy = structuredClone(base);
    edit(copy);
    return JSON.stringify(copy);
  };
  const cases: [string, (r: Record<string, any>[]) => void, RegExp][] = [
    ['forces rows', (r) => r[1].outputs.forces.pop(), /record 1: outputs\.forces has 2 rows, expected 3 \(num_atoms\)/],
    ['missing energy', (r) => delete r[0].outputs.energy, /record 0: outputs\.energy is missing/],
    ['missing outputs', (r) => delete r[1].outputs, /record 1: outputs is missing/],
    ['missing lattice', (r) => delete r[0].structure.lattice, /record 0: structure\.lattice is missing/],
    ['string number', (r) => (r[1].outputs.forces[2][1] = '0.1'), /record 1: outputs\.forces\[2\]\[1\] must be a finite number, found the string "0\.1"/],
    ['short xyz', (r) => r[0].structure.sites[1].xyz.pop(), /record 0: structure\.sites\[1\]\.xyz has 2 values, expected 3/],
    ['stress length', (r) => r[0].outputs.virial_stress.push(1), /record 0: outputs\.virial_stress has 7 values, expected 6/],
    ['unknown element', (r) => (r[1].structure.sites[2].species[0].element = 'Xx'), /record 1: structure\.sites\[2\]\.species\[0\]\.element is 'Xx', not a known element/],
    ['num_atoms', (r) => (r[0].num_atoms = 3), /record 0: structure\.sites has 2 sites, expected 3 \(num_atoms\)/],
    ['record not object', (r) => (r[1] = [1, 2]), /record 1: \(record\) must be an object, found a list/],
    ['lattice rows', (r) => r[1].structure.lattice.matrix.pop(), /record 1: structure\.lattice\.matrix has 2 rows, expected 3/],
  ];
  for (const [name, edit, pattern] of cases) {
    const frame = Number(/record (\d)/.exec(pattern.source)![1]);
    try {
      parseMlearn(bad(edit), 'bad.json');
      assert.fail(`${name}: no error`);
    } catch (e) {
      assert.ok(e instanceof ParseError, `${name}: ${String(e)}`);
      assert.match(e.message, pattern, name);
      assert.match(e.message, /^bad\.json \(frame \d\): /, name);
      assert.equal(e.location.frame, frame, name);
    }
  }
});

test('mlearn writer refuses configurations it cannot represent', () => {
  const [c] = parseMlearn(readFileSync(join(FIX, 'valid.json'), 'utf8'), 'valid.json');
  assert.throws(() => formatMlearn([{ ...c, labels: { ...c.labels, forces: undefined } }]), /configuration 0 .*needs forces/);
  const flat = { ...c, structure: { ...c.structure, cell: new Float64Array(9) } };
  assert.throws(() => formatMlearn([flat]), /needs a periodic cell/);
});
