import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParseError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/random.ts';
import { formatTersoffFile, readTersoffFile } from '../../src/io/lammps-tersoff.ts';
import { TERSOFF_FIELDS } from '../../src/potentials/tersoff.ts';
import { LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';

// Tersoff_2 Si values as in LAMMPS's Si.tersoff (Tersoff, PRB 38, 9902 (1988)), split over two lines as there
const SI_TEXT = `# Si parameters (test copy)

Si  Si   Si  3.0 1.0 1.3258 4.8381 2.0417 0.0000 22.956   # continues
             0.33675  1.3258  95.373  3.0  0.2  3.2394  3264.7
`;

const SIC_FILE = join(LAMMPS_POTENTIALS, 'SiC.tersoff');
const skipSiC = skipUnless(existsSync(SIC_FILE), 'LAMMPS potential files (lammps-data)');

function parseError(fn: () => unknown, line: number | undefined, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ParseError, String(e));
    assert.equal(e.location.line, line, e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('reads an entry continued over two lines, with comments and blank lines', () => {
  const spec = readTersoffFile(SI_TEXT, 'Si.tersoff', ['Si']);
  assert.equal(spec.kind, 'tersoff');
  assert.deepEqual(spec.elements, ['Si']);
  assert.equal(spec.triplets.length, 1);
  const t = spec.triplets[0];
  assert.deepEqual(t.elements, ['Si', 'Si', 'Si']);
  assert.deepEqual(
    [t.m, t.gamma, t.lambda3, t.c, t.d, t.costheta0, t.n, t.beta, t.lambda2, t.B, t.R, t.D, t.lambda1, t.A],
    [3, 1, 1.3258, 4.8381, 2.0417, 0, 22.956, 0.33675, 1.3258, 95.373, 3.0, 0.2, 3.2394, 3264.7],
  );
  assert.equal(spec.cutoff, 3.2);
});

test('SiC.tersoff: element subsets and orders select and order the triplets', { skip: skipSiC }, () => {
  const text = readFileSync(SIC_FILE, 'utf8');
  const si = readTersoffFile(text, SIC_FILE, ['Si']);
  assert.equal(si.triplets.length, 1);
  assert.equal(si.triplets[0].n, 0.78734);
  assert.equal(si.triplets[0].R, 2.85);
  assert.equal(si.cutoff, 3.0);
  const cs = readTersoffFile(text, SIC_FILE, ['C', 'Si']);
  assert.deepEqual(cs.triplets.map((t) => t.elements.join(' ')),
    ['C C C', 'C C Si', 'C Si C', 'C Si Si', 'Si C C', 'Si C Si', 'Si Si C', 'Si Si Si']);
  assert.equal(cs.triplets[3].A, 1597.3111);
  assert.equal(cs.triplets[0].beta, 0.00000015724);
});

test('format → read round trip is exact (file values and random 17-digit values)', { skip: skipSiC }, () => {
  const spec = readTersoffFile(readFileSync(SIC_FILE, 'utf8'), SIC_FILE, ['Si', 'C']);
  assert.deepEqual(readTersoffFile(formatTersoffFile(spec), 'out.tersoff', ['Si', 'C']), spec);
  const rng = new Rng(7);
  const noisy = {
    ...spec,
    triplets: spec.triplets.map((t) => {
      const c = { ...t };
      for (const f of TERSOFF_FIELDS) c[f] = t[f] * (1 + rng.uniform(0, 0.01));
      c.D = Math.min(c.D, c.R);
      return c;
    }),
  };
  const back = readTersoffFile(formatTersoffFile(noisy), 'out.tersoff', ['Si', 'C']);
  for (let k = 0; k < noisy.triplets.length; k++) {
    for (const f of TERSOFF_FIELDS) assert.equal(back.triplets[k][f], noisy.triplets[k][f]);
  }
});

test('located errors: word count, numbers, value checks, duplicates, missing triplets', () => {
  const line2 = 'Si Si Si 3 1 1.3258 4.8381 2.0417 0 22.956 0.33675 1.3258 95.373 3.0 0.2 3.2394 3264.7';
  parseError(() => readTersoffFile(`# c\n${line2} 7\n`, 'x.tersoff', ['Si']), 2, /18 words.*expected 17/);
  parseError(() => readTersoffFile(`# c\n\nSi Si Si 3 1 1.3258\n  4.8381\n`, 'x.tersoff', ['Si']), 3, /7 words when the file ends/);
  parseError(() => readTersoffFile(`\n${line2.replace('95.373', '95,373')}\n`, 'x.tersoff', ['Si']), 2, /B = "95,373" is not a number/);
  parseError(() => readTersoffFile(line2.replace('Si 3 1', 'Si 2 1'), 'x.tersoff', ['Si']), 1, /m = 2, expected 1 or 3/);
  parseError(() => readTersoffFile(line2.replace(' 3.0 0.2 ', ' 3.0 3.5 '), 'x.tersoff', ['Si']), 1, /D = 3.5 exceeds R = 3/);
  parseError(() => readTersoffFile(line2.replace('95.373', '-95.373'), 'x.tersoff', ['Si']), 1, /B = -95.373, expected ≥ 0/);
  parseError(() => readTersoffFile(`${line2}\n#\n${line2}\n`, 'x.tersoff', ['Si']), 3, /duplicate entry for Si Si Si \(first at line 1\)/);
  parseError(() => readTersoffFile(line2, 'x.tersoff', ['Si', 'C']), undefined, /missing entries for triplet\(s\) Si Si C, Si C Si, Si C C, C Si Si/);
  parseError(() => readTersoffFile(line2, 'x.tersoff', ['Xx']), undefined, /"Xx" is not a chemical symbol/);
  // entries for other elements are skipped, as LAMMPS does
  const other = line2.replace(/^Si Si Si/, 'Ge Ge Ge');
  assert.equal(readTersoffFile(`${other}\n${line2}\n`, 'x.tersoff', ['Si']).triplets.length, 1);
});
