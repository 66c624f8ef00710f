import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ParseError, UserError } from '../../src/core/errors.ts';
import { formatSwFile, readSwFile } from '../../src/io/lammps-sw.ts';
import type { SwSpec } from '../../src/potentials/sw.ts';
import { LAMMPS_POTENTIALS, hasLammps, skipUnless } from '../helpers/external.ts';

// Si.sw as LAMMPS ships it: one entry continued over two lines, comments, a DATE/UNITS header
const SI_SW = `# DATE: 2007-06-11 UNITS: metal CONTRIBUTOR: Aidan Thompson
# Stillinger-Weber parameters for various elements and mixtures

# format of a single entry (one or more lines):
#   element 1, element 2, element 3,
#   epsilon, sigma, a, lambda, gamma, costheta0, A, B, p, q, tol

Si Si Si 2.1683  2.0951  1.80  21.0  1.20  -0.333333333333
         7.049556277  0.6022245584  4.0  0.0 0.0   # trailing comment
`;

function parseError(fn: () => unknown, line: number | undefined, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ParseError, String(e));
    assert.equal(e.location.file, 'x.sw');
    assert.equal(e.location.line, line);
    assert.match(e.detail, pattern);
    return true;
  });
}

test('reads an entry spread over two lines with comments', () => {
  const spec = readSwFile(SI_SW, 'Si.sw');
  assert.equal(spec.kind, 'sw');
  assert.deepEqual(spec.elements, ['Si']);
  assert.equal(spec.entries.length, 1);
  const e = spec.entries[0];
  assert.deepEqual(e.elements, ['Si', 'Si', 'Si']);
  assert.deepEqual(
    [e.epsilon, e.sigma, e.a, e.lambda, e.gamma, e.costheta0, e.A, e.B, e.p, e.q, e.tol],
    [2.1683, 2.0951, 1.8, 21.0, 1.2, -0.333333333333, 7.049556277, 0.6022245584, 4.0, 0.0, 0.0],
  );
  assert.equal(spec.cutoff, 1.8 * 2.0951);
});

test('element selection skips other entries, orders elements as given, and needs every triplet', { skip: skipUnless(existsSync(join(LAMMPS_POTENTIALS, 'GaN.sw')), 'lammps-data GaN.sw') }, () => {
  const text = readFileSync(join(LAMMPS_POTENTIALS, 'GaN.sw'), 'utf8');
  const both = readSwFile(text, 'GaN.sw', ['N', 'Ga']);
  assert.deepEqual(both.elements, ['N', 'Ga']);
  assert.equal(both.entries.length, 8);
  const ga = readSwFile(text, 'GaN.sw', ['Ga']);
  assert.equal(ga.entries.length, 1);
  assert.equal(ga.cutoff, 2.1 * 1.6);
  const all = readSwFile(text, 'GaN.sw');
  assert.deepEqual(all.elements, ['Ga', 'N']);
  const gaNN = all.entries.find((e) => e.elements.join(' ') === 'Ga N N')!;
  assert.equal(gaNN.epsilon, 2.17);
  assert.equal(gaNN.sigma, 1.695);
  const missing = text.split('\n').filter((l) => !/^N\s+Ga\s+N\s/.test(l)).join('\n');
  assert.throws(() => readSwFile(missing, 'x.sw'), (e: unknown) => e instanceof ParseError && /missing entry N Ga N/.test(e.message));
});

test('malformed files: ParseErrors name the line and what was expected', () => {
  const good = 'Si Si Si 2.1683 2.0951 1.80 21.0 1.20 -0.333333333333 7.049556277 0.6022245584 4.0 0.0 0.0';
  parseError(() => readSwFile(`# c\n${good.replace('21.0', 'x21')}\n`, 'x.sw'), 2, /lambda is 'x21', expected a number/);
  parseError(() => readSwFile(`\n${good}\n${good}\n`, 'x.sw'), 3, /duplicate entry Si-Si-Si \(first at line 2\)/);
  parseError(() => readSwFile(`${good} 1.0\n`, 'x.sw'), 1, /15 words .* expected 14/);
  parseError(() => readSwFile(`# a\nSi Si Si 2.1683 2.0951\n1.80 21.0\n`, 'x.sw'), 2, /incomplete entry at end of file: 7 words/);
  parseError(() => readSwFile(good.replace('1.20 -0.33', '-1.20 -0.33'), 'x.sw'), 1, /gamma is -1.2, expected ≥ 0/);
  parseError(() => readSwFile(`# UNITS: real\n${good}`, 'x.sw'), 1, /UNITS: real, expected metal/);
  parseError(() => readSwFile(good.replace(/Si/g, 'Qq'), 'x.sw'), undefined, /'Qq' is not a chemical symbol/);
  parseError(() => readSwFile('# nothing\n', 'x.sw'), undefined, /no Stillinger-Weber entries/);
  // a negative cosθ0 is normal; the value is kept exactly
  assert.equal(readSwFile(good, 'x.sw').entries[0].costheta0, -0.333333333333);
});

test('formatSwFile round-trips every number exactly and refuses what LAMMPS would read differently', () => {
  const spec: SwSpec = readSwFile(SI_SW, 'Si.sw');
  const odd = { ...spec, entries: [{ ...spec.entries[0], epsilon: 0.1 + 0.2, sigma: 2 / 3, q: 1e-7, A: 1.2345678901234567e21 }] };
  const back = readSwFile(formatSwFile(odd), 'written.sw');
  assert.deepEqual(back.entries, odd.entries);
  assert.deepEqual(back.elements, odd.elements);
  assert.throws(() => formatSwFile({ ...spec, entries: [{ ...spec.entries[0], p: -1 }] }), (e: unknown) => e instanceof UserError && /p:Si-Si-Si is -1/.test(e.message));
  const two: SwSpec = readSwFile(
    ['Ga Ga Ga', 'N N N', 'Ga Ga N', 'Ga N N', 'N Ga Ga', 'N Ga N', 'N N Ga', 'Ga N Ga']
      .map((t) => `${t} 1.2 2.1 1.6 32.5 1.2 -0.3333 7.917 0.72 4.0 0.0 0.0`).join('\n'),
    'x.sw',
  );
  assert.equal(formatSwFile(two).split('\n').filter((l) => l && !l.startsWith('#')).length, 8);
  const asym = { ...two, entries: two.entries.map((e) => (e.elements.join('') === 'GaNGa' ? { ...e, lambda: 30 } : e.elements.join('') === 'NGaGa' ? { ...e, sigma: 2 } : e)) };
  assert.throws(() => formatSwFile(asym), (e: unknown) => e instanceof UserError && /lambda: Ga-Ga-N = 32.5 but Ga-N-Ga = 30/.test(e.message) && /sigma: Ga-N-N = 2.1 but N-Ga-Ga = 2/.test(e.message));
});

test('LAMMPS reads the header pesfit writes', { skip: skipUnless(hasLammps(), 'LAMMPS') }, async () => {
  const { runLammps } = await import('../helpers/lammps.ts');
  const spec = readSwFile(SI_SW, 'Si.sw');
  const s = { species: Int32Array.of(14, 14), positions: Float64Array.of(0, 0, 0, 1.3, 1.4, 1.2), cell: Float64Array.of(0, 2.7, 2.7, 2.7, 0, 2.7, 2.7, 2.7, 0), pbc: [true, true, true] as const };
  const r = runLammps({ structure: s, elements: ['Si'], pairStyle: 'sw', pairCoeff: ['* * pesfit.sw Si'], files: { 'pesfit.sw': formatSwFile(spec) } });
  assert.ok(Number.isFinite(r.energy) && r.energy < 0);
});
