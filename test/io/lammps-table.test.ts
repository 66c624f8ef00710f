import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLammpsTable, parseLammpsTable } from '../../src/io/lammps-table.ts';
import { compilePairTable, type PairTableSpec, type TableSection, type TableStyle } from '../../src/potentials/pair-table.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { ParseError, UserError } from '../../src/core/errors.ts';
import { hasLammps, skipUnless } from '../helpers/external.ts';
import { runLammps } from '../helpers/lammps.ts';
import { RC, structuresAwayFromCutoff } from '../potentials/pair-fixtures.ts';

const skipLmp = skipUnless(hasLammps(), 'LAMMPS');

/** A smooth test pair curve (Morse-like with a tail), E and F = −E'. */
function curve(r: number, s: number): [number, number] {
  const u = Math.exp(-1.4 * (r - 2.6 * s));
  return [0.4 * (u * u - 2 * u) + 0.01 / r, 2 * 1.4 * 0.4 * (u * u - u) + 0.01 / (r * r)];
}

/** Sections for Cu-Cu, Cu-Ni, Ni-Ni in three layouts: r column only (uneven), R spacing, RSQ spacing with FPRIME. */
function sections(n: number, layout: 'column' | 'R' | 'RSQ', scale = [1, 1.02, 0.98]): TableSection[] {
  const lo = 1.5, hi = RC;
  return ['Cu-Cu', 'Cu-Ni', 'Ni-Ni'].map((keyword, k) => {
    const r = Array.from({ length: n }, (_, i) => {
      const t = i / (n - 1);
      if (layout === 'R') return lo + (hi - lo) * t;
      if (layout === 'RSQ') return Math.sqrt(lo * lo + (hi * hi - lo * lo) * t);
      return lo + (hi - lo) * (0.6 * t + 0.4 * t * t);
    });
    const ef = r.map((x) => curve(x, scale[k]));
    const sec: TableSection = { keyword, r, e: ef.map((v) => v[0]), f: ef.map((v) => v[1]) };
    if (layout !== 'column') sec.spacing = { kind: layout, lo, hi };
    if (layout === 'RSQ') {
      const h = 1e-6;
      sec.fprime = [(curve(lo + h, scale[k])[1] - curve(lo - h, scale[k])[1]) / (2 * h), (curve(hi + h, scale[k])[1] - curve(hi - h, scale[k])[1]) / (2 * h)];
    }
    return sec;
  });
}

test('format → parse round-trips every number exactly, with R/RSQ and FPRIME', () => {
  for (const layout of ['column', 'R', 'RSQ'] as const) {
    const secs = sections(37, layout);
    const back = parseLammpsTable(formatLammpsTable(secs, ['a comment']), 'x.table');
    assert.deepEqual(back, secs);
  }
});

test('malformed files are ParseErrors naming the line', () => {
  const ok = formatLammpsTable(sections(5, 'R').slice(0, 1));
  const lines = ok.split('\n');
  const at = (k: number) => lines.findIndex((l) => l.startsWith('N ')) + k;
  const bad = (edit: (ls: string[]) => void, re: RegExp) => {
    const ls = lines.slice();
    edit(ls);
    assert.throws(() => parseLammpsTable(ls.join('\n'), 't.table'), (e: unknown) => e instanceof ParseError && re.test(e.message));
  };
  bad((ls) => (ls[at(0)] = 'N 5 Q 1 2'), /t\.table:\d+: unknown table parameter "Q"/);
  bad((ls) => (ls[at(0)] = 'R 1 2'), /does not set N/);
  bad((ls) => (ls[at(1)] = '1 1.5 2 3'), /blank line/);
  bad((ls) => (ls[at(3)] = '2 1.5 x 3'), new RegExp(`t\\.table:${at(3) + 1}: expected e`));
  bad((ls) => ls.splice(at(5)), /file ends after 3 of 5 rows/);
  bad((ls) => (ls[at(5)] = ""), /expected "index r e f"/);
});

function tableModel(secs: TableSection[], style: TableStyle, tablength: number): PairTableSpec {
  return { kind: 'table', elements: ['Cu', 'Ni'], cutoff: RC, style, tablength, pairs: Object.fromEntries(secs.map((s) => [s.keyword, { table: s }])) };
}

test('a pair closer than the table inner radius is an error, as in LAMMPS', () => {
  const model = compilePairTable(tableModel(sections(50, 'R'), 'linear', 100));
  const s = { species: Int32Array.of(29, 29), positions: Float64Array.of(0, 0, 0, 1.2, 0, 0), cell: new Float64Array(9), pbc: [false, false, false] as [boolean, boolean, boolean] };
  assert.throws(() => evaluateStructure(model, s, {}), UserError);
});

test('the table model reproduces lmp pair_style table (linear/spline, r column/R/RSQ, FPRIME, file = internal grid)', { skip: skipLmp }, () => {
  // plain truncation at RC: keep pairs clear of it so that rounding cannot put a pair on different sides
  const structures = structuresAwayFromCutoff(21, [RC], 1e-6);
  const cases: [TableStyle, number, 'column' | 'R' | 'RSQ', number][] = [
    ['linear', 400, 'column', 1000],
    ['spline', 400, 'R', 1000],
    ['spline', 300, 'RSQ', 700],
    ['linear', 800, 'RSQ', 800], // LAMMPS "match": file values used directly
  ];
  let worst = { e: 0, f: 0, s: 0 };
  for (const [style, n, layout, tablength] of cases) {
    const secs = sections(n, layout);
    const spec = tableModel(secs, style, tablength);
    const model = compilePairTable(spec);
    const file = formatLammpsTable(secs);
    for (const s of structures) {
      const mine = evaluateStructure(model, s, { forces: true, virial: true });
      const lmp = runLammps({
        structure: s, elements: ['Cu', 'Ni'], pairStyle: `table ${style} ${tablength}`,
        pairCoeff: ['1 1 t.table Cu-Cu', '1 2 t.table Cu-Ni', '2 2 t.table Ni-Ni'], files: { 't.table': file },
      });
      const n = s.species.length;
      const de = Math.abs(mine.energy - lmp.energy) / n;
      const df = Math.max(...mine.forces!.map((v, k) => Math.abs(v - lmp.forces[k])));
      const ds = Math.max(...mine.stress!.map((v, k) => Math.abs(v - lmp.stress[k])));
      worst = { e: Math.max(worst.e, de), f: Math.max(worst.f, df), s: Math.max(worst.s, ds) };
      assert.ok(de < 1e-9 && df < 1e-8 && ds < 1e-8, `${style} ${layout} n=${n}: dE/atom ${de}, dF ${df}, dσ ${ds}`);
    }
  }
  console.log(`table model vs lmp: max |dE|/atom ${worst.e.toExponential(2)}, |dF| ${worst.f.toExponential(2)}, |dσ| ${worst.s.toExponential(2)}`);
});
