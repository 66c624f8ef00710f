import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { detectVaspFormat, parseOutcar, parseVasprun, readVasp } from '../../src/io/vasp.ts';
import { ParseError } from '../../src/core/errors.ts';
import { V } from '../../src/core/voigt.ts';
import type { Configuration } from '../../src/structure/types.ts';
import { PYTHON, ROOT, hasAse, skipUnless } from '../helpers/external.ts';

const FIX = join(ROOT, 'test', 'fixtures', 'vasp');
const VASPRUN = join(FIX, 'vasprun_SiC_relax.xml');
const OUTCAR = join(FIX, 'OUTCAR_Si_relax');
// kbar per eV/Å³ (1 eV/Å³ = 160.21766208 GPa, as ASE), written out as an oracle independent of units.ts.
const KBAR = 1602.1766208;
const vasprunText = readFileSync(VASPRUN, 'utf8');
const outcarText = readFileSync(OUTCAR, 'utf8');

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** 1-based line of the first occurrence of `needle` (after `from`, a string occurring earlier) in `text`. */
function lineOf(text: string, needle: string, from = ''): number {
  const start = from ? text.indexOf(from) : 0;
  const at = text.indexOf(needle, start);
  assert.ok(at >= 0, `fixture lacks ${needle}`);
  return text.slice(0, at).split('\n').length;
}

function expectParseError(fn: () => unknown, pattern: RegExp, loc: { line?: number; frame?: number } = {}): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ParseError, `expected ParseError, got ${String(e)}`);
    assert.match(e.message, pattern);
    if (loc.line !== undefined) assert.equal(e.location.line, loc.line, e.message);
    if (loc.frame !== undefined) assert.equal(e.location.frame, loc.frame, e.message);
    return true;
  });
}

test('vasprun: species, cells, fractional → Cartesian positions, forces, stress sign/units by hand', () => {
  const c = parseVasprun(vasprunText, 'vasprun.xml');
  assert.equal(c.length, 3);
  for (const x of c) assert.deepEqual([...x.structure.species], [14, 14, 6]);
  assert.deepEqual([...c[1].structure.cell], [4.09, 0.01, 0, 0.49, 3.99, 0, 0.3, 0.21, 4.19]);
  // Step 1, atom 2: fractional (0.252, 0.25, 0.249) · basis rows.
  const x = [0.252 * 4.09 + 0.25 * 0.49 + 0.249 * 0.3, 0.252 * 0.01 + 0.25 * 3.99 + 0.249 * 0.21, 0.249 * 4.19];
  assert.ok(maxAbsDiff(c[1].structure.positions.subarray(6, 9), x) < 1e-15);
  assert.deepEqual([...c[2].labels.forces!.subarray(0, 3)], [0.0102, -0.004, 0.0031]);
  // Step 0 stress 3x3 kbar, compression positive: xx 12.34, yy 10.21, zz 8.76, xy 1.5, yz 2.25, xz -0.75.
  const s = c[0].labels.stress!;
  const want = { xx: -12.34 / KBAR, yy: -10.21 / KBAR, zz: -8.76 / KBAR, yz: -2.25 / KBAR, xz: 0.75 / KBAR, xy: -1.5 / KBAR };
  for (const [k, v] of Object.entries(want)) assert.ok(Math.abs(s[V[k as keyof typeof V]] - v) < 1e-18, k);
  assert.deepEqual(c[0].structure.pbc, [true, true, true]);
  assert.equal(c[0].group, 'vasp');
  assert.deepEqual(c[2].source, { file: 'vasprun.xml', frame: 2, line: lineOf(vasprunText, '<calculation>', '<i name="e_0_energy">    -20.23') });
});

test('vasprun energies: free energy, and no-entropy/sigma→0 immune to the VASP 5 swap in the step <energy>', () => {
  const c = parseVasprun(vasprunText, 'vasprun.xml');
  // The fixture writes the step-level e_wo_entrp/e_0_energy swapped (as VASP 5.x does) and a -0.2 eV vdW term
  // that only the step-level block contains; the true values are e_fr + (scstep e_wo - scstep e_fr) etc.
  const free = [-20.1, -20.25, -20.3];
  c.forEach((x, k) => {
    assert.equal(x.labels.energy, free[k]);
    assert.equal(x.labels.freeEnergy, free[k]);
    assert.ok(Math.abs(x.labels.energyNoEntropy! - (free[k] + 0.02)) < 1e-12);
    assert.ok(Math.abs((x.info.energy_sigma0 as number) - (free[k] + 0.01)) < 1e-12);
  });
});

test('OUTCAR: species from TITEL and ions per type, lattice, forces, stress order, energies by hand', () => {
  const c = parseOutcar(outcarText, 'OUTCAR', { group: 'relax' });
  assert.equal(c.length, 2);
  assert.deepEqual([...c[0].structure.species], [14, 14]);
  assert.deepEqual([...c[1].structure.cell], [0, 2.725, 2.725, 2.725, 0, 2.725, 2.725, 2.725, 0]);
  assert.deepEqual([...c[1].structure.positions], [0.001, 0, -0.001, 1.3625, 1.3489, 1.3761]);
  assert.deepEqual([...c[0].labels.forces!], [-0.012345, 0.023456, -0.034567, 0.012345, -0.023456, 0.034567]);
  // "in kB  -9.34455 -8.12345 -7.54321 1.23456 -0.54321 0.98765" = xx yy zz xy yz zx, compression positive.
  const s = c[0].labels.stress!;
  const want = { xx: 9.34455 / KBAR, yy: 8.12345 / KBAR, zz: 7.54321 / KBAR, xy: -1.23456 / KBAR, yz: 0.54321 / KBAR, xz: -0.98765 / KBAR };
  for (const [k, v] of Object.entries(want)) assert.ok(Math.abs(s[V[k as keyof typeof V]] - v) < 1e-18, k);
  assert.equal(c[0].labels.energy, -10.84645972);
  assert.equal(c[0].labels.freeEnergy, -10.84645972);
  assert.equal(c[0].labels.energyNoEntropy, -10.83645972);
  assert.equal(c[0].info.energy_sigma0, -10.84145972);
  assert.equal(c[1].labels.energy, -10.86012345);
  assert.equal(c[1].group, 'relax');
  assert.equal(c[1].source.frame, 1);
  assert.equal(c[1].source.line, lineOf(outcarText, ' POSITION', 'Iteration      2'));
});

test('readVasp chooses the reader by file name, then by content', () => {
  assert.equal(readVasp(VASPRUN).length, 3);
  assert.equal(readVasp(OUTCAR).length, 2);
  assert.equal(readVasp(OUTCAR, 'outcar', { group: 'g' })[0].group, 'g');
  assert.equal(detectVaspFormat('/x/run1.xml', vasprunText), 'vasprun');
  assert.equal(detectVaspFormat('/x/step1.out', outcarText), 'outcar');
  assert.throws(() => detectVaspFormat('/x/data.txt', 'hello'), /cannot tell/);
});

/** Runs ASE 3.22 on a fixture and returns per-frame JSON (ASE Voigt order xx yy zz yz xz xy for stress). */
function aseFrames(path: string, format: string): { symbols: string[]; cell: number[]; positions: number[]; forces: number[]; stress: number[]; free: number; energy: number }[] {
  const script = `
import json, sys
from ase.io import read
out = []
for a in read(sys.argv[1], index=':', format=sys.argv[2]):
    out.append(dict(symbols=a.get_chemical_symbols(), cell=a.cell.array.ravel().tolist(),
        positions=a.positions.ravel().tolist(), forces=a.get_forces().ravel().tolist(),
        stress=a.get_stress().tolist(), free=a.get_potential_energy(force_consistent=True),
        energy=a.get_potential_energy()))
print(json.dumps(out))
`;
  const r = spawnSync(PYTHON, ['-c', script, path, format], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function compareWithAse(ours: Configuration[], ase: ReturnType<typeof aseFrames>): Record<string, number> {
  assert.equal(ours.length, ase.length);
  const err = { cell: 0, positions: 0, forces: 0, stress: 0, free: 0, sigma0: 0 };
  ours.forEach((c, k) => {
    const a = ase[k];
    assert.equal(c.structure.species.length, a.symbols.length);
    err.cell = Math.max(err.cell, maxAbsDiff(c.structure.cell, a.cell));
    err.positions = Math.max(err.positions, maxAbsDiff(c.structure.positions, a.positions));
    err.forces = Math.max(err.forces, maxAbsDiff(c.labels.forces!, a.forces));
    err.stress = Math.max(err.stress, maxAbsDiff(c.labels.stress!, a.stress));
    err.free = Math.max(err.free, Math.abs(c.labels.freeEnergy! - a.free));
    err.sigma0 = Math.max(err.sigma0, Math.abs((c.info.energy_sigma0 as number) - a.energy));
  });
  return err;
}

test('vasprun and OUTCAR agree with ASE 3.22 readers (independent oracle)', { skip: skipUnless(hasAse(), 'ASE (/usr/bin/python3 -c "import ase")') }, () => {
  const tol = { cell: 1e-12, positions: 1e-12, forces: 1e-12, stress: 1e-15, free: 1e-12, sigma0: 1e-12 };
  for (const [path, fmt, ours] of [
    [VASPRUN, 'vasp-xml', parseVasprun(vasprunText, VASPRUN)],
    [OUTCAR, 'vasp-out', parseOutcar(outcarText, OUTCAR)],
  ] as const) {
    const err = compareWithAse(ours, aseFrames(path, fmt));
    console.log(`# ${fmt} vs ASE max abs errors: ${JSON.stringify(err)}`);
    for (const [k, v] of Object.entries(err)) assert.ok(v <= tol[k as keyof typeof tol], `${fmt} ${k}: ${v}`);
  }
  // Symbols in the same order as ASE's.
  const a = aseFrames(VASPRUN, 'vasp-xml')[0].symbols;
  assert.deepEqual(a, ['Si', 'Si', 'C']);
});

// ----- errors -----

test('vasprun truncated during an ionic step: step without forces is an error naming the step', () => {
  const cut = vasprunText.indexOf('<varray name="forces"', vasprunText.indexOf('<i name="e_0_energy">    -20.09'));
  const text = vasprunText.slice(0, cut);
  const line = lineOf(text, '<calculation>', '<i name="e_0_energy">    -20.23');
  expectParseError(() => parseVasprun(text, 'vasprun.xml'), /ionic step 2 .*has no <varray name="forces">: the file is truncated/, { line, frame: 2 });
  // Truncated in the middle of the forces block: wrong number of rows, flagged as truncated.
  const mid = vasprunText.slice(0, vasprunText.indexOf('<v>      -0.00410000'));
  expectParseError(() => parseVasprun(mid, 'vasprun.xml'), /ionic step 2 .*forces.* has 1 rows, expected 3 \(the file is truncated\)/, { frame: 2 });
});

test('vasprun wrong force count, non-numeric values, unknown element, malformed XML', () => {
  const dropped = vasprunText.replace('   <v>      -0.02100000       0.04020000      -0.00510000 </v>\n', '');
  expectParseError(() => parseVasprun(dropped, 'v.xml'), /ionic step 1 .*<varray name="forces"> has 2 rows, expected 3/, { frame: 1 });
  const star = vasprunText.replace('0.04020000', '**********');
  expectParseError(() => parseVasprun(star, 'v.xml'), /ionic step 1 .*forces.* row 1: expected 3 numbers, found '\*+' \(a Fortran overflow field/, { line: lineOf(star, '**********') });
  const word = vasprunText.replace('-20.25000000', 'abc');
  expectParseError(() => parseVasprun(word, 'v.xml'), /<i name="e_fr_energy">: expected 1 numbers, found 'abc'/, { line: lineOf(word, 'abc </i>') });
  const el = vasprunText.replace('<rc><c>C </c><c>   2</c></rc>', '<rc><c>Qq</c><c>   2</c></rc>');
  expectParseError(() => parseVasprun(el, 'v.xml'), /'Qq' is not a known element symbol/, { line: lineOf(el, 'Qq') });
  const bad = vasprunText.replace('  </varray>\n  <energy>', '  </varrey>\n  <energy>');
  expectParseError(() => parseVasprun(bad, 'v.xml'), /invalid XML: <\/varrey> closes <varray>/, { line: lineOf(bad, '</varrey>') });
  expectParseError(() => parseVasprun('<?xml version="1.0"?>\n<other/>', 'v.xml'), /<modeling> root/);
});

test('OUTCAR truncated: stress without forces, cut force block, forces without energy', () => {
  const afterStress = outcarText.slice(0, outcarText.indexOf('external pressure =       -1.80'));
  expectParseError(() => parseOutcar(afterStress, 'OUTCAR'), /ionic step 1 has a stress line but no POSITION TOTAL-FORCE block: the file is truncated/, { line: lineOf(outcarText, '  in kB      -2.01234'), frame: 1 });
  const midBlock = outcarText.slice(0, outcarText.indexOf('      1.36250'));
  expectParseError(() => parseOutcar(midBlock, 'OUTCAR'), /ionic step 1: POSITION TOTAL-FORCE block has 1 atom lines, expected 2 \(ions per type\): the file is truncated/, { frame: 1 });
  const noEnergy = outcarText.slice(0, outcarText.indexOf('  FREE ENERGIE', outcarText.indexOf('1.36250')));
  expectParseError(() => parseOutcar(noEnergy, 'OUTCAR'), /ionic step 1 has forces but no 'free  energy   TOTEN' line after them: the file is truncated/, { frame: 1, line: lineOf(outcarText, ' POSITION', 'Iteration      2') });
  expectParseError(() => parseOutcar(outcarText.slice(0, outcarText.indexOf('Iteration      1')), 'OUTCAR'), /no ionic step/);
});

test('OUTCAR wrong number of force lines and overflow fields name the line', () => {
  const extra = outcarText.replace(
    '      1.36250      1.34890      1.37610         0.006123     -0.011728      0.017284\n',
    '      1.36250      1.34890      1.37610         0.006123     -0.011728      0.017284\n      2.00000      2.00000      2.00000         0.000000      0.000000      0.000000\n',
  );
  expectParseError(() => parseOutcar(extra, 'OUTCAR'), /ionic step 1: POSITION TOTAL-FORCE block has more than 2 atom lines/, { line: lineOf(extra, '      2.00000      2.00000'), frame: 1 });
  const three = outcarText.replace('ions per type =               2', 'ions per type =               3');
  expectParseError(() => parseOutcar(three, 'OUTCAR'), /ionic step 0: POSITION TOTAL-FORCE block has 2 atom lines, expected 3/, { frame: 0 });
  const overflow = outcarText.replace('-0.011728', '*********');
  expectParseError(() => parseOutcar(overflow, 'OUTCAR'), /ionic step 1, atom 1: position and force: expected 6 numbers, found '\*+' \(a Fortran overflow field/, { line: lineOf(overflow, '*********') });
  const stress = outcarText.replace('-8.12345', '********');
  expectParseError(() => parseOutcar(stress, 'OUTCAR'), /stress 'in kB' line .*found '\*+' \(a Fortran overflow/, { line: lineOf(stress, '********') });
  const energy = outcarText.replace('-10.86012345 eV', '************ eV');
  expectParseError(() => parseOutcar(energy, 'OUTCAR'), /free  energy   TOTEN: expected 1 numbers, found '\*+'/, { line: lineOf(energy, '************ eV') });
  const types = outcarText.replace('ions per type =               2', 'ions per type =               1   1');
  expectParseError(() => parseOutcar(types, 'OUTCAR'), /'ions per type' lists 2 types but the POTCAR TITEL lines name 1 \(Si\)/);
});
