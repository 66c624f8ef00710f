import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exportPairToLammps } from '../../src/io/lammps-pair.ts';
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
