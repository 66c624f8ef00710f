import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParseError } from '../../src/core/errors.ts';
import { parseSnapCoeff, parseSnapParam, readSnapFiles, readSnapInclude, snapSpecFromFiles, writeSnapCoeff, writeSnapParam } from '../../src/io/lammps-snap.ts';
import type { OverlaySpec } from '../../src/potentials/overlay.ts';
import type { SnapSpec } from '../../src/potentials/snap/spec.ts';
import type { ZblSpec } from '../../src/potentials/zbl.ts';
import { LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';

const POT = (f: string) => join(LAMMPS_POTENTIALS, f);
const skipPots = skipUnless(existsSync(POT('Ta06A.snapcoeff')), `SNAP files in ${LAMMPS_POTENTIALS} (lammps-data)`);

/** Every shipped SNAP coefficient/parameter pair, by base name. */
function shippedPairs(): string[] {
  return readdirSync(LAMMPS_POTENTIALS)
    .filter((f) => f.endsWith('.snapcoeff') && existsSync(POT(f.replace(/coeff$/, 'param'))))
    .map((f) => f.slice(0, -'.snapcoeff'.length))
    .sort();
}

/**
 * Independent reading of a .snapcoeff file for the oracle: the data lines (comments dropped, blank lines skipped)
 * as arrays of words.
 */
function dataLines(text: string): string[][] {
  return text.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l.length > 0).map((l) => l.split(/\s+/));
}

function sameBits(a: number, b: number): boolean {
  return Object.is(a, b);
}

function assertSpecBitEqual(a: SnapSpec, b: SnapSpec, what: string): void {
  const { coefficients: ca, radelem: ra, wj: wa, ...restA } = a;
  const { coefficients: cb, radelem: rb, wj: wb, ...restB } = b;
  assert.deepEqual(restA, restB, what);
  for (const [x, y] of [[ra, rb], [wa, wb]]) assert.ok(x.every((v, k) => sameBits(v, y[k])), `${what}: radelem/wj`);
  assert.equal(ca.length, cb.length);
  ca.forEach((c, e) => {
    assert.equal(c.length, cb[e].length);
    c.forEach((v, k) => assert.ok(sameBits(v, cb[e][k]), `${what}: element ${e} coefficient ${k}: ${v} vs ${cb[e][k]}`));
  });
}

function parseErrorOf(f: () => unknown): ParseError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof ParseError, `expected a ParseError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ParseError');
}

test('every shipped SNAP coeff/param pair reads, matches an independent reading, and round-trips bit-exactly', { skip: skipPots }, () => {
  const names = shippedPairs();
  assert.ok(names.length >= 15, `found ${names.length} SNAP pairs`);
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-snap-'));
  try {
    for (const name of names) {
      const coeffPath = POT(`${name}.snapcoeff`), paramPath = POT(`${name}.snapparam`);
      const spec = readSnapFiles(coeffPath, paramPath);
      // oracle: the counts line and the per-element blocks of the raw data lines
      const raw = dataLines(readFileSync(coeffPath, 'utf8'));
      const [nel, ncoeff] = raw[0].map(Number);
      assert.equal(spec.elements.length, nel, name);
      for (let e = 0; e < nel; e++) {
        const head = raw[1 + e * (ncoeff + 1)];
        assert.deepEqual([spec.elements[e], spec.radelem[e], spec.wj[e]], [head[0], Number(head[1]), Number(head[2])], name);
        const values = raw.slice(2 + e * (ncoeff + 1), 2 + e * (ncoeff + 1) + ncoeff).map((w) => Number(w[0]));
        assert.deepEqual(spec.coefficients[e], values, `${name} ${spec.elements[e]}`);
      }
      assert.equal(spec.cutoff, spec.rcutfac * 2 * Math.max(...spec.radelem));
      // round trip through our writer (files on disk, read back with the reader)
      writeFileSync(join(dir, 'x.snapcoeff'), writeSnapCoeff(spec));
      writeFileSync(join(dir, 'x.snapparam'), writeSnapParam(spec));
      assertSpecBitEqual(readSnapFiles(join(dir, 'x.snapcoeff'), join(dir, 'x.snapparam')), spec, name);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Ta06A and the Zuo files: documented values, defaults, quadratic and chemflag counts', { skip: skipPots }, () => {
  const ta = readSnapFiles(POT('Ta06A.snapcoeff'), POT('Ta06A.snapparam'));
  assert.deepEqual([ta.elements, ta.twojmax, ta.rcutfac, ta.rfac0, ta.rmin0, ta.radelem, ta.wj], [['Ta'], 6, 4.67637, 0.99363, 0, [0.5], [1]]);
  assert.deepEqual([ta.switchflag, ta.bzeroflag, ta.quadratic, ta.chemflag, ta.bnormflag, ta.wselfallflag], [true, false, false, false, false, false]);
  assert.equal(ta.coefficients[0].length, 31);
  assert.equal(ta.coefficients[0][0], -2.92477);
  assert.equal(ta.cutoff, 4.67637);
  const q = readSnapFiles(POT('Si_Zuo_JPCA2020.quadratic.snapcoeff'), POT('Si_Zuo_JPCA2020.quadratic.snapparam'));
  // twojmax 8: K = 55 bispectrum components, 1 + 55 + 55·56/2 = 1596 coefficients
  assert.deepEqual([q.quadratic, q.twojmax, q.coefficients[0].length], [true, 8, 1596]);
  const inp = readSnapFiles(POT('InP_JCPA2020.snapcoeff'), POT('InP_JCPA2020.snapparam'));
  // explicit multi-element: K = 30 for twojmax 6, times 2³ element triples
  assert.deepEqual([inp.chemflag, inp.bnormflag, inp.wselfallflag, inp.elements, inp.coefficients[1].length], [true, true, true, ['In', 'P'], 241]);
  assert.equal(inp.cutoff, 1.0 * 2 * 3.82945); // the larger radius, P's
  // with chemflag LAMMPS requires every element of the file
  assert.match(parseErrorOf(() => readSnapFiles(POT('InP_JCPA2020.snapcoeff'), POT('InP_JCPA2020.snapparam'), ['P'])).message, /chemflag 1 every element/);
  // element selection and order follow the given list
  const wbe = readSnapFiles(POT('WBe_Wood_PRB2019.snapcoeff'), POT('WBe_Wood_PRB2019.snapparam'), ['Be', 'W']);
  const wbeFile = readSnapFiles(POT('WBe_Wood_PRB2019.snapcoeff'), POT('WBe_Wood_PRB2019.snapparam'));
  assert.deepEqual(wbe.elements, ['Be', 'W']);
  assert.deepEqual(wbe.coefficients, [wbeFile.coefficients[1], wbeFile.coefficients[0]]);
});

test('written files follow the layout of the shipped Zuo files line by line', { skip: skipPots }, () => {
  const shipped = readFileSync(POT('Mo_Zuo_JPCA2020.snapcoeff'), 'utf8');
  const spec = readSnapFiles(POT('Mo_Zuo_JPCA2020.snapcoeff'), POT('Mo_Zuo_JPCA2020.snapparam'));
  const ours = writeSnapCoeff(spec, { date: '2024-01-01' });
  // same data lines: counts, element line, one number per line with the same values
  const a = dataLines(shipped), b = dataLines(ours);
  assert.equal(b.length, a.length);
  assert.deepEqual(b[0], a[0]);
  assert.deepEqual(b[1], a[1]);
  a.slice(2).forEach((w, k) => {
    assert.equal(b[k + 2].length, 1);
    assert.equal(Number(b[k + 2][0]), Number(w[0]));
  });
  // header: comment lines with the UNITS tag LAMMPS checks, then a blank line, as in the shipped file
  const lines = ours.split('\n');
  assert.match(lines[0], /^# DATE: 2024-01-01 UNITS: metal /);
  assert.match(lines[1], /^# /);
  assert.equal(lines[2], '');
  assert.equal(lines[3], '1 31');
  assert.equal(lines[4], 'Mo 0.5 1');
  const param = writeSnapParam(spec, { date: '2024-01-01' });
  const pw = dataLines(param);
  assert.deepEqual(pw, [['rcutfac', '4.6'], ['twojmax', '6'], ['rfac0', '0.99363'], ['rmin0', '0'], ['switchflag', '1'], ['bzeroflag', '0'], ['quadraticflag', '0']]);
  // every keyword of the shipped parameter file is in ours with the same value
  for (const [k, v] of dataLines(readFileSync(POT('Mo_Zuo_JPCA2020.snapparam'), 'utf8'))) assert.deepEqual(pw.find((w) => w[0] === k), [k, v]);
});

test('negative zero and tiny coefficients survive a round trip', () => {
  const spec: SnapSpec = {
    kind: 'snap', elements: ['Ta', 'W'], cutoff: 2 * 4.7 * 0.55, twojmax: 2, rcutfac: 4.7, rfac0: 0.99363, rmin0: 0, radelem: [0.5, 0.55], wj: [1, 0.9],
    switchflag: true, bzeroflag: true, quadratic: false, wselfallflag: false, chemflag: false, bnormflag: false,
    coefficients: [[-0, 1e-300, -2.5e-7, 0.1 + 0.2, 1 / 3, -1e21], [5e-324, 123456789.123456789, -0, 1, 2, 3]],
  };
  const c = parseSnapCoeff(writeSnapCoeff(spec), 'mem.snapcoeff');
  const p = parseSnapParam(writeSnapParam(spec), 'mem.snapparam');
  assertSpecBitEqual(snapSpecFromFiles(c, p, 'mem.snapcoeff', 'mem.snapparam'), spec, 'synthetic');
});

const PARAM = 'rcutfac 4.7\ntwojmax 2\n';
// twojmax 2: K = 5, so 6 coefficients per element
const COEFF = '# c\n\n1 6\nTa 0.5 1\n1\n2\n3 # trailing comment\n4\n5\n6\n';

test('malformed SNAP files give ParseErrors with file and line', () => {
  const ok = snapSpecFromFiles(parseSnapCoeff(COEFF, 'c'), parseSnapParam(PARAM, 'p'), 'c', 'p');
  assert.deepEqual(ok.coefficients, [[1, 2, 3, 4, 5, 6]]);
  const cases: [() => unknown, RegExp, string, number | undefined][] = [
    [() => parseSnapParam('rcutfac 4.7\ntwojmax 2\nfancyflag 1\n', 'p'), /unknown SNAP parameter "fancyflag"/, 'p', 3],
    [() => parseSnapParam('rcutfac 4.7\n# no twojmax\n', 'p'), /twojmax is missing/, 'p', undefined],
    [() => parseSnapParam('rcutfac 4.7 5\ntwojmax 2\n', 'p'), /keyword value/, 'p', 1],
    [() => parseSnapParam('rcutfac 4.7\ntwojmax 2.5\n', 'p'), /twojmax \(an integer\)/, 'p', 2],
    [() => parseSnapParam('rcutfac 4.7\ntwojmax 2\nbzeroflag 2\n', 'p'), /0 or 1/, 'p', 3],
    [() => parseSnapParam('rcutfac 4.7\ntwojmax 2\nswitchinnerflag 1\n', 'p'), /not supported/, 'p', 3],
    [() => parseSnapCoeff('# c\n\n1 6 7\n', 'c'), /nelements ncoeff/, 'c', 3],
    [() => parseSnapCoeff(COEFF.replace('Ta 0.5 1', 'Ta 0.5'), 'c'), /element line/, 'c', 4],
    [() => parseSnapCoeff(COEFF.replace('4\n', '4 4\n'), 'c'), /one coefficient \(number 4 of 6 for Ta\)/, 'c', 8],
    [() => parseSnapCoeff(COEFF.replace('5\n6\n', ''), 'c'), /ends inside element Ta's block: expected 6 coefficients, found 4/, 'c', 8],
    [() => parseSnapCoeff(COEFF.replace('2\n', 'x2\n'), 'c'), /coefficient 2 of Ta/, 'c', 6],
    [() => parseSnapCoeff(COEFF + '7\n', 'c'), /unexpected data/, 'c', 11],
    // wrong count for twojmax / quadraticflag: reported at the counts line
    [() => snapSpecFromFiles(parseSnapCoeff(COEFF, 'c'), parseSnapParam('rcutfac 4.7\ntwojmax 2\nquadraticflag 1\n', 'p'), 'c', 'p'), /expected 21/, 'c', 3],
    [() => snapSpecFromFiles(parseSnapCoeff(COEFF, 'c'), parseSnapParam('rcutfac 4.7\ntwojmax 4\n', 'p'), 'c', 'p'), /twojmax 4.*expected 15/, 'c', 3],
    // missing element
    [() => snapSpecFromFiles(parseSnapCoeff(COEFF, 'c'), parseSnapParam(PARAM, 'p'), 'c', 'p', ['W']), /element W not found \(the file has Ta\)/, 'c', 3],
  ];
  for (const [f, re, file, line] of cases) {
    const e = parseErrorOf(f);
    assert.match(e.message, re);
    assert.equal(e.location.file, file, e.message);
    assert.equal(e.location.line, line, e.message);
  }
});

test('.snap include files: SNAP alone, and hybrid/overlay with ZBL (Ta06A, WBe, InP)', { skip: skipPots }, () => {
  const ta = readSnapInclude(POT('Ta06A.snap')) as unknown as OverlaySpec;
  assert.equal(ta.kind, 'overlay');
  assert.deepEqual(ta.elements, ['Ta']);
  const [zbl, snap] = ta.components as unknown as [ZblSpec, SnapSpec];
  assert.deepEqual(zbl, { kind: 'zbl', elements: ['Ta'], cutoff: 4.8, inner: 4, outer: 4.8, z: [73] });
  assertSpecBitEqual(snap, readSnapFiles(POT('Ta06A.snapcoeff'), POT('Ta06A.snapparam'), ['Ta']), 'Ta06A');
  assert.equal(ta.cutoff, 4.8);
  const wbe = readSnapInclude(POT('WBe_Wood_PRB2019.snap')) as unknown as OverlaySpec;
  assert.deepEqual((wbe.components[0] as unknown as ZblSpec).z, [74, 4]);
  assert.deepEqual(wbe.elements, ['W', 'Be']);
  // index-style variables
  const inp = readSnapInclude(POT('InP_JCPA2020.snap')) as unknown as OverlaySpec;
  assert.deepEqual((inp.components[0] as unknown as ZblSpec).z, [49, 15]);
  assert.equal((inp.components[0] as unknown as ZblSpec).outer, 4.2);
  for (const name of ['Si_Zuo_JPCA2020', 'Mo_Zuo_JPCA2020.quadratic', 'Mo_Chen_PRM2017']) {
    const s = readSnapInclude(POT(`${name}.snap`)) as unknown as SnapSpec;
    assert.equal(s.kind, 'snap', name);
    assertSpecBitEqual(s, readSnapFiles(POT(`${name}.snapcoeff`), POT(`${name}.snapparam`)), name);
  }
  // a table sub-style (W + He) is outside what pesfit models: a located error
  const e = parseErrorOf(() => readSnapInclude(POT('W_2940_2017_2_He_JW2013.snap')));
  assert.match(e.message, /sub-style table/);
  assert.equal(e.location.line, 10);
});

test('.snap include errors: undefined variable, missing zbl type, mixed charges', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-snapinc-'));
  try {
    writeFileSync(join(dir, 'x.snapcoeff'), COEFF);
    writeFileSync(join(dir, 'x.snapparam'), PARAM);
    const inc = (body: string) => {
      const p = join(dir, 'x.snap');
      writeFileSync(p, body);
      return () => readSnapInclude(p);
    };
    const ok = inc('variable zi equal 1.5\npair_style hybrid/overlay &\n  zbl ${zi} 4 snap\npair_coeff * * zbl 73 73\npair_coeff * * snap x.snapcoeff x.snapparam Ta\n')() as unknown as OverlaySpec;
    assert.deepEqual(ok.components[0], { kind: 'zbl', elements: ['Ta'], cutoff: 4, inner: 1.5, outer: 4, z: [73] });
    assert.equal(parseErrorOf(inc('pair_style hybrid/overlay zbl ${zi} 4 snap\n')).location.line, 1);
    assert.match(parseErrorOf(inc('pair_style hybrid/overlay zbl 1 4 snap\npair_coeff * * snap x.snapcoeff x.snapparam Ta\n')).message, /no "pair_coeff 1 1 zbl Z Z" line/);
    assert.match(parseErrorOf(inc('pair_style snap\nmass 1 180.9\npair_coeff * * x.snapcoeff x.snapparam Ta\n')).message, /command mass is not supported/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
