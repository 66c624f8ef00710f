import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParseError, UserError } from '../../src/core/errors.ts';
import { exportPairToLammps, parsePairCoeffInput } from '../../src/io/lammps-pair.ts';
import { readLammpsPotential } from '../../src/io/lammps-potential.ts';
import { parseLammpsTable } from '../../src/io/lammps-table.ts';
import { compilePair, type PairSpec } from '../../src/potentials/pair.ts';
import { compilePairTable, type PairTableSpec } from '../../src/potentials/pair-table.ts';
import type { CutoffFunction } from '../../src/potentials/cutoff.ts';
import { evaluateStructure, type StructureResult } from '../../src/potentials/evaluate.ts';
import type { CompiledModel } from '../../src/potentials/types.ts';
import type { Structure } from '../../src/structure/types.ts';
import { hasLammps, skipUnless } from '../helpers/external.ts';
import { runLammps, type LammpsResult } from '../helpers/lammps.ts';
import { RC, SMOOTHSTEP_INNER, buckSpec, ljSpec, morseSpec, splineSpec, structuresAwayFromCutoff } from '../potentials/pair-fixtures.ts';

const skipLmp = skipUnless(hasLammps(), 'LAMMPS');

/** Rattled/strained 4- and 8-atom Cu-Ni cells and a one-atom Ni cell smaller than RC, pairs clear of RC. */
const STRUCTURES = structuresAwayFromCutoff(31, [RC], 1e-6);

interface Worst {
  e: number;
  f: number;
  s: number;
}

function compare(mine: StructureResult, lmp: LammpsResult, s: Structure, worst: Worst, what: string, tol = { e: 1e-9, f: 1e-8, s: 1e-8 }): void {
  const n = s.species.length;
  const de = Math.abs(mine.energy - lmp.energy) / n;
  let df = 0, ds = 0, da = 0;
  for (let k = 0; k < 3 * n; k++) df = Math.max(df, Math.abs(mine.forces![k] - lmp.forces[k]));
  for (let k = 0; k < 6; k++) ds = Math.max(ds, Math.abs(mine.stress![k] - lmp.stress[k]));
  for (let i = 0; i < n; i++) da = Math.max(da, Math.abs(mine.atomEnergies![i] - lmp.atomEnergies[i]));
  worst.e = Math.max(worst.e, de, da);
  worst.f = Math.max(worst.f, df);
  worst.s = Math.max(worst.s, ds);
  const msg = `${what} n=${n}: |dE|/atom ${de}, per-atom ${da}, |dF| ${df}, |dσ| ${ds}`;
  assert.ok(de < tol.e && da < tol.e && df < tol.f && ds < tol.s, msg);
}

function runExport(spec: PairSpec, s: Structure, opts = {}): { lmp: LammpsResult; files: Record<string, string> } {
  const ex = exportPairToLammps(spec, opts);
  const lmp = runLammps({ structure: s, elements: ex.elements, pairStyle: ex.pairStyle, pairCoeff: ex.pairCoeff, extra: ex.extra, files: ex.files });
  return { lmp, files: ex.files };
}

const REQ = { forces: true, virial: true, atomEnergies: true };

test('lj/cut, morse, buck exports: lmp equals pesfit (plain truncation and shift)', { skip: skipLmp }, () => {
  const worst: Worst = { e: 0, f: 0, s: 0 };
  for (const make of [ljSpec, morseSpec, buckSpec]) {
    for (const cut of ['none', 'shift'] as CutoffFunction[]) {
      const spec = make(cut);
      const ex = exportPairToLammps(spec);
      assert.equal(Object.keys(ex.files).length, 0, 'analytic export needs no file');
      const model = compilePair(spec);
      for (const s of STRUCTURES) {
        const { lmp } = runExport(spec, s);
        compare(evaluateStructure(model, s, REQ), lmp, s, worst, `${spec.kind} ${cut}`);
      }
    }
  }
  console.log(`analytic pair exports vs lmp: max |dE|/atom ${worst.e.toExponential(2)}, |dF| ${worst.f.toExponential(2)}, |dσ| ${worst.s.toExponential(2)}`);
});

test('table exports (pair-spline, smooth and shifted-force cutoffs): lmp equals pesfit, and re-reading the file reproduces lmp', { skip: skipLmp }, () => {
  const worst: Worst = { e: 0, f: 0, s: 0 };
  const worstRoundTrip: Worst = { e: 0, f: 0, s: 0 };
  const cases: PairSpec[] = [
    splineSpec('none'),
    ljSpec({ kind: 'smoothstep', inner: SMOOTHSTEP_INNER }),
    morseSpec('shifted-force'),
    buckSpec({ kind: 'x4', h: 0.8 }),
  ];
  for (const spec of cases) {
    const model = compilePair(spec);
    const ex = exportPairToLammps(spec);
    const [style, , n] = ex.pairStyle.split(' ');
    assert.equal(style, 'table');
    // the exported file, read back into pesfit's LAMMPS-table model
    const fileName = Object.keys(ex.files)[0];
    const sections = parseLammpsTable(ex.files[fileName], fileName);
    const tableSpec: PairTableSpec = {
      kind: 'table', elements: spec.elements, cutoff: spec.cutoff, style: 'spline', tablength: Number(n),
      pairs: Object.fromEntries(sections.map((t) => [t.keyword, { table: t }])),
    };
    const tableModel: CompiledModel = compilePairTable(tableSpec);
    // the 8-atom two-element cell and the one-atom cell (the 4-atom cell adds little but lmp time)
    for (const s of STRUCTURES.slice(1)) {
      const lmp = runLammps({ structure: s, elements: ex.elements, pairStyle: ex.pairStyle, pairCoeff: ex.pairCoeff, extra: ex.extra, files: ex.files });
      compare(evaluateStructure(model, s, REQ), lmp, s, worst, `${spec.kind} ${JSON.stringify(spec.cutoff_function)}`);
      compare(evaluateStructure(tableModel, s, REQ), lmp, s, worstRoundTrip, `table re-read ${spec.kind}`, { e: 1e-12, f: 1e-11, s: 1e-12 });
    }
  }
  console.log(`table exports vs pesfit: max |dE|/atom ${worst.e.toExponential(2)}, |dF| ${worst.f.toExponential(2)}, |dσ| ${worst.s.toExponential(2)}`);
  console.log(`re-read table model vs lmp: max |dE|/atom ${worstRoundTrip.e.toExponential(2)}, |dF| ${worstRoundTrip.f.toExponential(2)}, |dσ| ${worstRoundTrip.s.toExponential(2)}`);
});

test('export lines: element types in model order, shortest round-trip numbers, shift flag', () => {
  const ex = exportPairToLammps(morseSpec('shift'));
  assert.deepEqual(ex.elements, ['Cu', 'Ni']);
  assert.equal(ex.pairStyle, 'morse 5.5');
  assert.deepEqual(ex.pairCoeff, ['1 1 0.34 1.36 2.87', '1 2 0.4 1.4 2.75', '2 2 0.42 1.38 2.78']);
  assert.deepEqual(ex.extra, ['pair_modify shift yes']);
  const t = exportPairToLammps(ljSpec('none'), { forceTable: true, tablength: 100, tableFile: 'x.table' });
  assert.equal(t.pairStyle, 'table spline 100');
  assert.deepEqual(t.pairCoeff, ['1 1 x.table Cu-Cu', '1 2 x.table Cu-Ni', '2 2 x.table Ni-Ni']);
});

test('pair_coeff reading: lines pesfit exports (with its type header) read back into the same spec', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-paircoeff-'));
  try {
    for (const spec of [ljSpec('none'), ljSpec('shift'), morseSpec('none'), morseSpec('shift'), buckSpec('none'), buckSpec('shift')]) {
      const ex = exportPairToLammps(spec);
      const lines = [
        `# pesfit test: LAMMPS atom types ${ex.elements.map((e, k) => `${k + 1}=${e}`).join(' ')}`,
        `pair_style ${ex.pairStyle}`, ...ex.pairCoeff.map((c) => `pair_coeff ${c}`), ...ex.extra,
      ].join('\n');
      const path = join(dir, 'lines.in');
      writeFileSync(path, lines);
      const style = ex.pairStyle.split(' ')[0];
      // the export prints shortest round-trip numbers, so the parameters come back bit for bit (keys "A-B" in
      // type order, where the fixture may name a pair "B-A")
      const same = (back: unknown): void => {
        const b = back as PairSpec, label = `${spec.kind} ${JSON.stringify(spec.cutoff_function)}`;
        assert.deepEqual({ ...b, pairs: {} }, { ...spec, pairs: {} }, label);
        const p = spec.pairs as Record<string, unknown>;
        for (const [key, v] of Object.entries(b.pairs)) assert.deepEqual(v, p[key] ?? p[key.split('-').reverse().join('-')], `${label} ${key}`);
        assert.equal(Object.keys(b.pairs).length, Object.keys(spec.pairs).length);
      };
      same(readLammpsPotential(path, style));
      same(readLammpsPotential(path, style, spec.elements));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('pair_coeff reading: LAMMPS snippets with ranges, continuations, comments and lj/cut mixing', () => {
  const text = [
    'units metal  # ignored', 'pair_style lj/cut 8.0', 'pair_coeff * * 0.1 2.0', 'pair_coeff 2 2 0.4 &', '  3.0 8.0',
    'pair_modify mix arithmetic shift yes', 'run 0',
  ].join('\n');
  const spec = parsePairCoeffInput(text, 'in.lj', 'lj/cut', ['Ar', 'Kr']);
  assert.equal(spec.kind, 'lj');
  assert.equal(spec.cutoff, 8);
  assert.equal(spec.cutoff_function, 'shift');
  // pair_coeff * * sets every pair, 1-2 included: LAMMPS mixes only pairs never set
  assert.deepEqual(spec.pairs, { 'Ar-Ar': { epsilon: 0.1, sigma: 2 }, 'Ar-Kr': { epsilon: 0.1, sigma: 2 }, 'Kr-Kr': { epsilon: 0.4, sigma: 3 } });
  const mixed = parsePairCoeffInput('pair_coeff 1 1 0.1 2.0\npair_coeff 2 2 0.4 3.0\n', 'in.lj', 'lj/cut 6', ['Ar', 'Kr']);
  assert.deepEqual(mixed.pairs['Ar-Kr'], { epsilon: Math.sqrt(0.04), sigma: Math.sqrt(6) });
  const arith = parsePairCoeffInput('pair_modify mix arithmetic\npair_coeff 1 1 0.1 2.0\npair_coeff 2 2 0.4 3.0\n', 'x', 'lj/cut 6', ['Ar', 'Kr']);
  assert.deepEqual(arith.pairs['Ar-Kr'], { epsilon: Math.sqrt(0.04), sigma: 2.5 });
  const buck = parsePairCoeffInput('pair_style buck 7\npair_coeff 2 1 1000 0.3 10\npair_coeff 1* 1 500 0.25 5\npair_coeff 2 2 800 0.2 1 7\n', 'in.b', 'buck', ['O', 'Mg']);
  assert.deepEqual(buck.pairs, { 'O-O': { A: 500, rho: 0.25, C: 5 }, 'O-Mg': { A: 1000, rho: 0.3, C: 10 }, 'Mg-Mg': { A: 800, rho: 0.2, C: 1 } });
});

test('pair_coeff reading: errors name the file and line or what is missing', () => {
  const pe = (f: () => unknown, re: RegExp): void => {
    assert.throws(f, (e: unknown) => e instanceof ParseError && re.test(e.message));
  };
  const ue = (f: () => unknown, re: RegExp): void => {
    assert.throws(f, (e: unknown) => e instanceof UserError && re.test(e.message));
  };
  pe(() => parsePairCoeffInput('pair_style lj/cut 5\npair_coeff 1 1 0.1\n', 'a.in', 'lj/cut', ['Ar']), /a\.in.*2.*epsilon sigma/s);
  pe(() => parsePairCoeffInput('pair_style lj/cut 5\npair_coeff 1 3 0.1 2\n', 'a.in', 'lj/cut', ['Ar', 'Kr']), /1\.\.2/);
  pe(() => parsePairCoeffInput('pair_style morse 5\npair_coeff 1 1 0.1 x 2\n', 'a.in', 'morse', ['Ar']), /alpha/);
  pe(() => parsePairCoeffInput('pair_style morse 5\npair_coeff 1 1 0.1 1 2 4\n', 'a.in', 'morse', ['Ar']), /own cutoff 4/);
  pe(() => parsePairCoeffInput('pair_style lj/cut 5\npair_coeff 1 1 1 1 1\n', 'a.in', 'morse', ['Ar']), /pair_style morse/);
  ue(() => parsePairCoeffInput('pair_style morse 5\n', 'a.in', 'morse', ['Ar']), /no pair_coeff lines.*model\.json/);
  ue(() => parsePairCoeffInput('pair_style morse 5\npair_coeff 1 1 1 1 1\npair_coeff 2 2 1 1 1\n', 'a.in', 'morse', ['Ar', 'Kr']), /types 1 2 \(Ar-Kr\)/);
  ue(() => parsePairCoeffInput('pair_coeff 1 1 1 1\n', 'a.in', 'lj/cut', ['Ar']), /global cutoff/);
  ue(() => parsePairCoeffInput('pair_style lj/cut 5\npair_coeff 1 1 1 1\n', 'a.in', 'lj/cut'), /--elements/);
});
