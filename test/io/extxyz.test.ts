import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { formatExtxyz, parseExtxyz, readExtxyz, writeExtxyz } from '../../src/io/extxyz.ts';
import { ParseError } from '../../src/core/errors.ts';
import { V } from '../../src/core/voigt.ts';
import { DEFAULT_GROUP, type Configuration, type InfoValue } from '../../src/structure/types.ts';
import { ROOT } from '../helpers/external.ts';

const FIX = join(ROOT, 'test', 'fixtures', 'extxyz');

function close(a: number, b: number, rel = 1e-15): void {
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)), `${a} != ${b}`);
}

test('GAP conventions: force column, virial → stress with the cell volume, sigmas, info', () => {
  const [c] = readExtxyz(join(FIX, 'gap_style.extxyz'));
  assert.deepEqual([...c.structure.species], [14, 6]);
  assert.deepEqual([...c.structure.cell], [2, 0, 0, 1, 4, 0, 0, 0, 5]);
  assert.deepEqual(c.structure.pbc, [true, true, true]);
  assert.deepEqual([...c.structure.positions], [0, 0, 0, 1.5, 2, 2.5]);
  assert.deepEqual([...c.labels.forces!], [0.5, -0.25, 1, -0.5, 0.25, -1]);
  assert.equal(c.labels.energy, -10.5);
  // V = det(cell) = 40; σ = -W/V
  const s = c.labels.stress!;
  assert.equal(s[V.xx], -4 / 40);
  assert.equal(s[V.yy], -8 / 40);
  assert.equal(s[V.zz], 12 / 40);
  assert.equal(s[V.xy], -2 / 40);
  assert.equal(s[V.yz], -0);
  assert.equal(s[V.xz], -0);
  assert.equal(c.group, 'bulk strained');
  assert.equal(c.weight, 2.5);
  close(c.sigma!.energy!, 0.02 / Math.sqrt(2));
  assert.equal(c.sigma!.force, 0.1);
  close(c.sigma!.stress!, 0.8 / 40);
  assert.deepEqual(c.info, { cutoff: 5, kpts: [4, 4, 2], note: 'hello', is_relaxed: true });
  assert.deepEqual(c.source, { file: join(FIX, 'gap_style.extxyz'), frame: 0, line: 1 });
});

test('REF_ keys win over model predictions; Z column; 6-number stress; bracket pbc; free_energy only', () => {
  const cs = readExtxyz(join(FIX, 'ref_prefixed.extxyz'));
  assert.equal(cs.length, 2);
  const [a, b] = cs;
  assert.deepEqual([...a.structure.species], [8, 1, 1]);
  assert.deepEqual(a.structure.pbc, [true, false, true]);
  assert.equal(a.labels.energy, -12.25);
  assert.deepEqual([...a.labels.forces!], [1, 2, 3, -1, -2, -3, 0, 0, 0]);
  assert.deepEqual([...a.labels.stress!], [0.1, 0.2, 0.3, 0.04, 0.05, 0.06]);
  assert.deepEqual([...a.labels.atomEnergies!], [-4, -4.125, -4.125]);
  // The unused prediction keys are kept as info, the unused columns dropped.
  assert.equal(a.info.energy, -12);
  assert.deepEqual(a.info.stress, [9, 9, 9, 9, 9, 9, 9, 9, 9]);
  assert.equal(a.group, DEFAULT_GROUP);
  assert.equal(a.weight, 1);
  assert.equal(a.sigma, undefined);

  assert.deepEqual([...b.structure.species], [29]);
  assert.deepEqual(b.structure.pbc, [true, true, true]);
  assert.equal(b.labels.energy, -3.5);
  assert.equal(b.labels.freeEnergy, -3.5);
  assert.equal(b.labels.forces, undefined);
  assert.equal(b.group, 'fe_only');
  assert.deepEqual(b.source, { file: join(FIX, 'ref_prefixed.extxyz'), frame: 1, line: 7 });

  // Options override the defaults: the model predictions.
  const [m] = readExtxyz(join(FIX, 'ref_prefixed.extxyz'), { energyKey: 'energy', forcesKey: 'forces', stressKey: 'stress' });
  assert.equal(m.labels.energy, -12);
  assert.deepEqual([...m.labels.forces!], new Array(9).fill(9));
  assert.deepEqual([...m.labels.stress!], new Array(6).fill(9));
  assert.equal(m.info.REF_energy, -12.25);
});

test('no Lattice: zero cell, non-periodic; per-atom energies', () => {
  const [c] = readExtxyz(join(FIX, 'molecule.extxyz'));
  assert.deepEqual([...c.structure.cell], new Array(9).fill(0));
  assert.deepEqual(c.structure.pbc, [false, false, false]);
  assert.deepEqual([...c.structure.species], [8, 1, 1]);
  assert.deepEqual([...c.labels.atomEnergies!], [-7.1, -3.55, -3.55]);
  assert.equal(c.labels.stress, undefined);
});

test('energy and free_energy both kept; 9-number stress symmetrised; comment-line syntax variants', () => {
  const text =
    '1\n' +
    `Lattice = "3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3 free_energy=-2.5 energy=-2.25 ` +
    `stress={0.1 0.02 0.03 0.04 0.2 0.06 0.05 0.08 0.3} name='it''s' path="a \\"b\\" c" pbc="T F T" flag\n` +
    'Fe 0 0 0\n';
  const [c] = parseExtxyz(text, 'inline.xyz');
  assert.equal(c.labels.energy, -2.25);
  assert.equal(c.labels.freeEnergy, -2.5);
  assert.deepEqual(c.structure.pbc, [true, false, true]);
  const s = c.labels.stress!;
  assert.equal(s[V.xy], (0.02 + 0.04) / 2);
  assert.equal(s[V.xz], (0.03 + 0.05) / 2);
  assert.equal(s[V.yz], (0.06 + 0.08) / 2);
  assert.equal(c.info.name, 'its');
  assert.equal(c.info.path, 'a "b" c');
  assert.equal(c.info.flag, true);
});

// ---------------------------------------------------------------- errors: one per kind, each naming the line

function throwsAt(text: string, line: number, pattern: RegExp, frame?: number): void {
  assert.throws(
    () => parseExtxyz(text, 'bad.xyz'),
    (e: unknown) => {
      assert.ok(e instanceof ParseError, `expected ParseError, got ${String(e)}`);
      assert.equal(e.location.file, 'bad.xyz');
      assert.equal(e.location.line, line, e.message);
      if (frame !== undefined) assert.equal(e.location.frame, frame, e.message);
      assert.match(e.message, new RegExp(`^bad\\.xyz:${line} `));
      assert.match(e.message, pattern);
      return true;
    },
  );
}

const H = 'Lattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:forces:R:3';
const ATOM = 'Cu 0 0 0 0.1 0.2 0.3';

test('error: empty file', () => {
  throwsAt('', 1, /empty file/);
  throwsAt('\n  \n\n', 1, /empty file/);
});

test('error: non-integer or negative atom count', () => {
  throwsAt(`2.5\n${H}\n${ATOM}\n`, 1, /atom count.*'2\.5'/);
  throwsAt(`1\n${H}\n${ATOM}\nabc\n`, 4, /atom count.*'abc'/, 1);
  throwsAt(`-3\n${H}\n`, 1, /negative atom count -3/);
});

test('error: truncated frame', () => {
  // end of file inside frame 1 (0-based): the count line of that frame is named
  throwsAt(`1\n${H}\n${ATOM}\n3\n${H}\n${ATOM}\n${ATOM}\n`, 4, /end of file after 2 atom lines, expected 3/, 1);
  // the next frame's count line where an atom line was expected
  throwsAt(`3\n${H}\n${ATOM}\n${ATOM}\n1\n${H}\n${ATOM}\n`, 5, /2 atom lines, expected 3.*next frame's atom count/, 0);
  throwsAt(`2\n${H}\n${ATOM}\n\n${ATOM}\n`, 4, /blank line after 1 atom lines, expected 2/);
  throwsAt(`2\n`, 1, /expected the comment line/);
});

test('error: missing Properties or pos', () => {
  throwsAt(`1\nLattice="3 0 0 0 3 0 0 0 3" energy=1\nCu 0 0 0\n`, 2, /missing Properties/);
  throwsAt(`1\nProperties=species:S:1:position:R:3\nCu 0 0 0\n`, 2, /no pos column/);
  throwsAt(`1\nProperties=species:S:1:pos:R\nCu 0 0 0\n`, 2, /name:type:count/);
  throwsAt(`1\nProperties=pos:R:3\n0 0 0\n`, 2, /neither a species/);
});

test('error: wrong column count', () => {
  throwsAt(`2\n${H}\n${ATOM}\nCu 0 0 0 0.1 0.2\n`, 4, /6 columns, expected 7 \(species:S:1 pos:R:3 forces:R:3\)/);
});

test('error: non-numeric field names the column', () => {
  throwsAt(`2\n${H}\n${ATOM}\nCu 0 x 0 0.1 0.2 0.3\n`, 4, /column pos\[1\]: 'x' is not a number/);
  throwsAt(`1\n${H} energy=abc\n${ATOM}\n`, 2, /key energy: 'abc' is not a number/);
  throwsAt(`1\n${H.replace('forces:R:3', 'tag:I:1')}\nCu 0 0 0 1.5\n`, 3, /column tag: '1\.5' is not an integer/);
});

test('error: NaN and Inf values', () => {
  throwsAt(`1\n${H}\nCu 0 0 0 nan 0 0\n`, 3, /column forces\[0\]: non-finite value 'nan'/);
  throwsAt(`1\n${H}\nCu 0 0 -Infinity 0 0 0\n`, 3, /column pos\[2\]: non-finite value '-Infinity'/);
  throwsAt(`1\n${H}\nCu 0 0 0 0 inf 0\n`, 3, /column forces\[1\]: non-finite value 'inf'/);
  throwsAt(`1\n${H} energy=NaN\n${ATOM}\n`, 2, /key energy: non-finite value 'NaN'/);
});

test('error: unknown element symbol', () => {
  throwsAt(`1\n${H}\nXx 0 0 0 0 0 0\n`, 3, /column species: unknown element 'Xx'/);
});

test('error: malformed Lattice', () => {
  throwsAt(`1\nLattice="3 0 0 0 3 0 0 3" Properties=species:S:1:pos:R:3\nCu 0 0 0\n`, 2, /Lattice has 8 numbers, expected 9/);
  throwsAt(`1\nLattice="3 0 0 0 3 0 0 x 3" Properties=species:S:1:pos:R:3\nCu 0 0 0\n`, 2, /key Lattice: 'x' is not a number/);
});

test('error: unbalanced quotes and brackets', () => {
  throwsAt(`1\nLattice="3 0 0 0 3 0 0 0 3 Properties=species:S:1:pos:R:3\nCu 0 0 0\n`, 2, /unbalanced " opened at column 9/);
  throwsAt(`1\nProperties=species:S:1:pos:R:3 pbc=[T, T, T\nCu 0 0 0\n`, 2, /unbalanced \[ opened at column 36/);
});

test('error: virial or virial_sigma without a cell; bad stress length; duplicate key; pbc without Lattice', () => {
  const P = 'Properties=species:S:1:pos:R:3';
  throwsAt(`1\n${P} virial="1 0 0 0 1 0 0 0 1"\nCu 0 0 0\n`, 2, /virial needs a Lattice/);
  throwsAt(`1\n${P} virial_sigma=0.1\nCu 0 0 0\n`, 2, /virial_sigma needs a Lattice/);
  throwsAt(`1\n${H} stress="1 2 3 4 5"\n${ATOM}\n`, 2, /stress has 5 numbers, expected 9 .* or 6/);
  throwsAt(`1\n${H} energy=1 energy=2\n${ATOM}\n`, 2, /key energy appears twice/);
  throwsAt(`1\n${P} pbc="T T T"\nCu 0 0 0\n`, 2, /periodic but there is no Lattice/);
  throwsAt(`1\n${H} stress_mask="1 1 1 0 0"\n${ATOM}\n`, 2, /stress_mask.*expected 6 flags/);
});

// ---------------------------------------------------------------- writer

/** Doubles spread over the whole exponent range, with signed zero and the extremes. */
function randomDouble(rng: () => number): number {
  const r = rng();
  if (r < 0.02) return -0;
  if (r < 0.04) return 5e-324;
  if (r < 0.05) return -1.7976931348623157e308;
  const e = Math.floor(rng() * 40) - 20;
  return (rng() - 0.5) * 10 ** (r < 0.1 ? Math.floor(rng() * 600) - 300 : e);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomConfig(rng: () => number, k: number): Configuration {
  const n = 1 + Math.floor(rng() * 6);
  const arr = (m: number) => Float64Array.from({ length: m }, () => randomDouble(rng));
  const periodic = k % 4 !== 3;
  const cell = periodic ? Float64Array.from([3 + rng(), rng(), rng(), rng(), 4 + rng(), rng(), rng(), rng(), 5 + rng()]) : new Float64Array(9);
  const info: Record<string, InfoValue> = {};
  if (rng() < 0.7) info.temperature = randomDouble(rng);
  if (rng() < 0.7) info.source = `run ${k} "quoted" {x} [y] a=b c\\d`;
  if (rng() < 0.7) info.kpts = [4, 4, Math.floor(rng() * 9) + 1];
  if (rng() < 0.7) info.relaxed = rng() < 0.5;
  if (rng() < 0.5) info.flags = [true, false, true];
  const c: Configuration = {
    structure: {
      species: Int32Array.from({ length: n }, () => 1 + Math.floor(rng() * 118)),
      positions: arr(3 * n),
      cell,
      pbc: periodic ? [true, rng() < 0.5, true] : [false, false, false],
    },
    labels: {},
    group: k % 3 === 0 ? DEFAULT_GROUP : `group ${k} 'x'`,
    weight: k % 2 === 0 ? 1 : rng() * 5,
    source: { file: 'x', frame: k },
    info,
  };
  if (rng() < 0.8) c.labels.energy = randomDouble(rng);
  // The reader takes free_energy as the energy when no energy is given, so freeEnergy alone does not round-trip.
  if (c.labels.energy !== undefined && rng() < 0.5) c.labels.freeEnergy = randomDouble(rng);
  if (rng() < 0.3) c.labels.energyNoEntropy = randomDouble(rng);
  if (rng() < 0.8) c.labels.forces = arr(3 * n);
  if (rng() < 0.5) c.labels.atomEnergies = arr(n);
  if (rng() < 0.7) c.labels.stress = arr(6);
  if (c.labels.stress && rng() < 0.5) c.labels.stressMask = Uint8Array.of(1, 1, 1, 0, 0, 0);
  if (rng() < 0.5) c.sigma = periodic ? { energy: rng(), force: rng(), stress: rng() } : { energy: rng(), force: rng() };
  return c;
}

function sameBits(a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined, what: string): void {
  assert.equal(a === undefined, b === undefined, what);
  if (!a || !b) return;
  assert.equal(a.length, b.length, what);
  for (let i = 0; i < a.length; i++) assert.ok(Object.is(a[i], b[i]), `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('reading what we write gives bit-identical doubles (random data, 200 frames)', () => {
  const rng = mulberry32(12345);
  const cs = Array.from({ length: 200 }, (_, k) => randomConfig(rng, k));
  const back = parseExtxyz(formatExtxyz(cs), 'roundtrip.xyz');
  assert.equal(back.length, cs.length);
  let maxSigmaRel = 0;
  for (let k = 0; k < cs.length; k++) {
    const a = cs[k], b = back[k];
    sameBits(a.structure.species, b.structure.species, 'species');
    sameBits(a.structure.positions, b.structure.positions, 'positions');
    sameBits(a.structure.cell, b.structure.cell, 'cell');
    assert.deepEqual(b.structure.pbc, a.structure.pbc);
    for (const key of ['energy', 'freeEnergy', 'energyNoEntropy'] as const)
      assert.ok(Object.is(a.labels[key], b.labels[key]), `${key} frame ${k}`);
    sameBits(a.labels.forces, b.labels.forces, 'forces');
    sameBits(a.labels.atomEnergies, b.labels.atomEnergies, 'atomEnergies');
    sameBits(a.labels.stress, b.labels.stress, 'stress');
    sameBits(a.labels.stressMask, b.labels.stressMask, 'stressMask');
    assert.equal(b.group, a.group);
    assert.ok(Object.is(b.weight, a.weight));
    assert.deepEqual(b.info, a.info);
    assert.equal(b.sigma === undefined, a.sigma === undefined);
    if (a.sigma && b.sigma) {
      assert.equal(b.sigma.force, a.sigma.force);
      for (const key of ['energy', 'stress'] as const) {
        assert.equal(a.sigma[key] === undefined, b.sigma[key] === undefined);
        if (a.sigma[key] !== undefined) {
          const rel = Math.abs(a.sigma[key]! - b.sigma[key]!) / a.sigma[key]!;
          maxSigmaRel = Math.max(maxSigmaRel, rel);
        }
      }
    }
  }
  // sigmas go through x·√N / √N and x·V / V: at most a couple of ulps
  assert.ok(maxSigmaRel <= 4.5e-16, `sigma round trip relative error ${maxSigmaRel}`);
});

test('writeExtxyz writes atomically and reads back; writer refuses non-finite numbers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-extxyz-'));
  try {
    const cs = readExtxyz(join(FIX, 'gap_style.extxyz'));
    const path = join(dir, 'out', 'a.extxyz');
    writeExtxyz(path, cs);
    const back = readExtxyz(path);
    sameBits(back[0].labels.stress, cs[0].labels.stress, 'stress');
    sameBits(back[0].labels.forces, cs[0].labels.forces, 'forces');
    assert.deepEqual(back[0].info, cs[0].info);
    const bad = { ...cs[0], labels: { ...cs[0].labels, energy: NaN } };
    assert.throws(() => formatExtxyz([bad]), /configuration 0: energy is NaN/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parses 13,000 atoms in well under a second', () => {
  const rng = mulberry32(7);
  const frames: string[] = [];
  for (let f = 0; f < 100; f++) {
    frames.push('130', `${H} energy=${-500 * rng()} stress="1 2 3 2 4 5 3 5 6" config_type=bulk pbc="T T T"`);
    for (let i = 0; i < 130; i++)
      frames.push(`Si ${rng() * 10} ${rng() * 10} ${rng() * 10} ${rng() - 0.5} ${rng() - 0.5} ${rng() - 0.5}`);
  }
  const text = frames.join('\n') + '\n';
  parseExtxyz(text, 'warmup.xyz');
  const t0 = performance.now();
  const cs = parseExtxyz(text, 'big.xyz');
  const ms = performance.now() - t0;
  assert.equal(cs.length, 100);
  console.log(`# parsed 13000 atoms in ${ms.toFixed(1)} ms`);
  assert.ok(ms < 1000, `took ${ms} ms`);
});

test('Windows line endings and blank lines between frames', () => {
  const text = `1\r\n${H} energy=-1.5 pbc="T T T"\r\nCu 0 0 0 0.1 0.2 0.3\r\n\r\n1\r\n${H}\r\nNi 1 1 1 0 0 0\r\n`;
  const cs = parseExtxyz(text, 'crlf.xyz');
  assert.equal(cs.length, 2);
  assert.equal(cs[0].labels.energy, -1.5);
  assert.deepEqual([...cs[0].labels.forces!], [0.1, 0.2, 0.3]);
  assert.deepEqual([...cs[1].structure.species], [28]);
  assert.equal(cs[1].source.line, 5);
});
