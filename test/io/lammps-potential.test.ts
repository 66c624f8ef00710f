import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { UserError } from '../../src/core/errors.ts';
import { createRng } from '../../src/core/random.ts';
import { readExtxyz } from '../../src/io/extxyz.ts';
import { exportLammps, readLammpsPotential, styleFromFileName } from '../../src/io/lammps-potential.ts';
import { tabulateEam } from '../../src/potentials/eam.ts';
import { eamSplineFunctions, type EamSplineSpec } from '../../src/potentials/eam-spline.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { compileModel, type ModelSpec } from '../../src/potentials/registry.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';
import type { Configuration, Structure } from '../../src/structure/types.ts';
import { hasLammps, hasShared, LAMMPS_POTENTIALS, sharedPath, skipUnless } from '../helpers/external.ts';
import { runLammps } from '../helpers/lammps.ts';
import { ljSpec, morseSpec, splineSpec } from '../potentials/pair-fixtures.ts';

const POT = (f: string) => join(LAMMPS_POTENTIALS, f);
const havePots = existsSync(POT('Si.sw')) && existsSync(POT('Cu_u3.eam'));
const REF = ['reference', 'lammps', 'lammps_cu_eam.extxyz'], REF_SI = ['reference', 'lammps', 'lammps_si_tersoff_sw.extxyz'];

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
}

/** pesfit's prediction for a LAMMPS reference frame; returns the energy, force and stress differences. */
function parity(spec: ModelSpec, c: Configuration): { e: number; f: number; s: number } {
  const r = evaluateStructure(compileModel(spec), c.structure, { forces: true, virial: true });
  return { e: Math.abs(r.energy - c.labels.energy!), f: maxDiff(r.forces!, c.labels.forces!), s: maxDiff(r.stress!, c.labels.stress!) };
}

test('each file style reads into a spec that reproduces the LAMMPS reference frames',
  { skip: skipUnless(havePots && hasShared(...REF) && hasShared(...REF_SI), 'LAMMPS potentials and ../shared reference') }, () => {
    const cu = readExtxyz(sharedPath(...REF));
    const si = readExtxyz(sharedPath(...REF_SI));
    const cases: [ModelSpec, Configuration][] = [
      [readLammpsPotential(POT('Cu_u3.eam'), 'eam', ['Cu']), cu[0]],
      [readLammpsPotential(POT('Cu_mishin1.eam.alloy'), 'eam/alloy', ['Cu']), cu[1]],
      [readLammpsPotential(POT('Cu_mishin1.eam.alloy'), 'eam/alloy'), cu[2]],
      [readLammpsPotential(POT('Si.tersoff'), 'tersoff'), si[0]],
      [readLammpsPotential(POT('Si.sw'), 'sw', ['Si']), si[1]],
    ];
    for (const [spec, c] of cases) {
      const d = parity(spec, c);
      // stress: LAMMPS's nktv2p differs from ASE's by 7e-8 relative (the reference divides by LAMMPS's)
      assert.ok(d.e < 1e-9 && d.f < 1e-9 && d.s < 1e-9, `${spec.kind} ${String(c.info.potential)}: ${JSON.stringify(d)}`);
    }
  });

function userErrorOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof UserError, `expected a UserError, got ${String(e)}`);
    return e.message;
  }
  assert.fail('expected an error');
}

test('style, element and file errors are clear UserErrors', { skip: skipUnless(havePots, 'LAMMPS potentials') }, () => {
  assert.match(userErrorOf(() => readLammpsPotential(POT('Si.sw'), 'tersoff')), /Si\.sw.*\n.*pair_style tersoff.*suggests style sw/s);
  assert.match(userErrorOf(() => readLammpsPotential(POT('Cu_u3.eam'), 'eam/alloy')), /pair_style eam\/alloy.*suggests style eam/s);
  assert.match(userErrorOf(() => readLammpsPotential(POT('Si.sw'), 'sw', ['C'])), /element C is not in the potential/);
  assert.match(userErrorOf(() => readLammpsPotential(POT('Cu_mishin1.eam.alloy'), 'eam/alloy', ['Ni'])), /element Ni is not in the potential/);
  assert.match(userErrorOf(() => readLammpsPotential(POT('Si.sw'), 'meam')), /unknown pair style 'meam'/);
  // snap is a file style now: a file of another style fails with the style hint
  assert.match(userErrorOf(() => readLammpsPotential(POT('Si.sw'), 'snap')), /read as pair_style snap.*suggests style sw/s);
  assert.match(userErrorOf(() => readLammpsPotential(POT('Si.sw'), 'table')), /table <linear\|spline> <N>/);
  assert.match(userErrorOf(() => readLammpsPotential(POT('Si.sw'), 'lj/cut')), /model\.json/);
  assert.match(userErrorOf(() => readLammpsPotential('/nonexistent/x.sw', 'sw')), /no such file/);
});

function lammpsOn(exp: ReturnType<typeof exportLammps>, s: Structure) {
  const files: Record<string, string> = {};
  for (const p of exp.files) files[basename(p)] = readFileSync(p, 'utf8');
  return runLammps({ structure: s, elements: exp.elements, pairStyle: exp.pairStyle, pairCoeff: exp.pairCoeff, extra: exp.extra, files });
}

function cells(elements: string[], seed: number): Structure {
  const rng = createRng(seed);
  const s = randomStrain(rattle(supercell(bulk(elements[0] === 'Si' ? 'diamond' : 'fcc', [elements[0]], elements[0] === 'Si' ? 5.43 : 3.6), [2, 2, 2]), 0.08, rng), 0.02, rng);
  if (elements.length === 1) return s;
  return { ...s, species: Int32Array.from(s.species, (z, i) => (i % 3 === 0 ? 28 : z)) };
}

test('exported files run in LAMMPS and give pesfit\'s numbers', { skip: skipUnless(hasLammps() && havePots, 'LAMMPS (lmp) and its potentials') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-export-'));
  try {
    const RK = [2.0, 2.6, 3.2, 3.8, 4.4, 5.0];
    const spline: EamSplineSpec = {
      kind: 'eam-spline', elements: ['Cu', 'Ni'], cutoff: 5.0, masses: [63.546, 58.6934],
      F: [{ knots: [0, 0.5, 1, 1.5, 2.5], values: [0, -1.2, -2.0, -2.4, -2.5] }, { knots: [0, 0.6, 1.2, 2, 3], values: [0, -1.5, -2.3, -2.6, -2.4] }],
      rho: [0, 1].map((q) => ({ knots: RK, values: [0.6 + 0.05 * q, 0.35, 0.18, 0.07, 0.02] })),
      phi: [0, 1, 2].map((q) => ({ knots: RK, values: [1.5 + 0.1 * q, 0.2, -0.1, -0.05, -0.01] })),
    };
    // [spec, pesfit model whose numbers LAMMPS must reproduce, tolerance (eV, eV/Å)]
    const tabulated = tabulateEam(eamSplineFunctions(spline), ['Cu', 'Ni'], 5.0, { style: 'eam/alloy', masses: spline.masses!, nrho: 10000, rhomax: 3, nr: 10000 });
    const cases: [string, ModelSpec, ModelSpec, number][] = [
      ['sw', readLammpsPotential(POT('Si.sw'), 'sw'), readLammpsPotential(POT('Si.sw'), 'sw'), 1e-9],
      ['tersoff', readLammpsPotential(POT('Si.tersoff'), 'tersoff'), readLammpsPotential(POT('Si.tersoff'), 'tersoff'), 1e-9],
      ['eam', readLammpsPotential(POT('Cu_u3.eam'), 'eam'), readLammpsPotential(POT('Cu_u3.eam'), 'eam'), 1e-9],
      ['eam-spline', spline, tabulated, 1e-9],
      ['eam-spline-vs-spline', spline, spline, 1e-5],
      ['lj', ljSpec('shift') as ModelSpec, ljSpec('shift') as ModelSpec, 1e-9],
      ['pair-spline', splineSpec('none') as ModelSpec, splineSpec('none') as ModelSpec, 1e-7],
    ];
    for (const [name, spec, ref, tol] of cases) {
      const exp = exportLammps(spec, dir, `m_${name.replace(/\W/g, '_')}`);
      for (const f of exp.files) assert.ok(existsSync(f), f);
      const s = cells(spec.elements, 5);
      const l = lammpsOn(exp, s);
      const p = evaluateStructure(compileModel(ref), s, { forces: true, virial: true });
      const de = Math.abs(l.energy - p.energy), df = maxDiff(l.forces, p.forces!);
      assert.ok(de < tol * s.species.length && df < tol, `${name}: |ΔE| ${de}, max |ΔF| ${df} (tol ${tol})`);
    }
    // a table file written by the export reads back as a 'table' model that equals LAMMPS on it
    const exp = exportLammps(splineSpec('none') as ModelSpec, dir, 'tab');
    const table = readLammpsPotential(exp.files[0], exp.pairStyle, ['Cu', 'Ni']);
    assert.equal(table.kind, 'table');
    const s = cells(['Cu', 'Ni'], 6);
    const l = lammpsOn(exp, s);
    const p = evaluateStructure(compileModel(table), s, { forces: true, virial: true });
    assert.ok(Math.abs(l.energy - p.energy) < 1e-9 && maxDiff(l.forces, p.forces!) < 1e-9, `table: ${l.energy} vs ${p.energy}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------- zbl, overlay and snap (issue 6, part 2)

const ZBL_CUNI: ModelSpec = { kind: 'zbl', elements: ['Cu', 'Ni'], cutoff: 3.2, inner: 1.6, outer: 3.2, z: [29, 27.5] };

test('zbl and an overlay of zbl + morse exported to LAMMPS (hybrid/overlay) give pesfit\'s numbers', { skip: skipUnless(hasLammps(), 'LAMMPS (lmp)') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-export-zbl-'));
  try {
    const overlay: ModelSpec = { kind: 'overlay', elements: ['Cu', 'Ni'], cutoff: 5.5, components: [ZBL_CUNI, morseSpec('shift') as ModelSpec] };
    const exp = exportLammps(overlay, dir, 'ov');
    assert.equal(exp.pairStyle, 'hybrid/overlay zbl 1.6 3.2 morse 5.5');
    assert.deepEqual(exp.pairCoeff.slice(0, 3), ['1 1 zbl 29 29', '1 2 zbl 29 27.5', '2 2 zbl 27.5 27.5']);
    assert.deepEqual(exp.extra, ['pair_modify pair morse shift yes']);
    for (const [spec, e] of [[ZBL_CUNI, exportLammps(ZBL_CUNI, dir, 'z')], [overlay, exp]] as const) {
      // compressed cells so that pairs fall below inner, between inner and outer, and beyond
      for (const seed of [11, 12]) {
        const rng = createRng(seed);
        const base = supercell(bulk('fcc', ['Cu'], 3.3), [2, 2, 2]);
        const s = rattle(randomStrain({ ...base, species: Int32Array.from(base.species, (z, i) => (i % 3 === 0 ? 28 : z)) }, 0.03, rng), 0.25, rng);
        const l = lammpsOn(e, s);
        const p = evaluateStructure(compileModel(spec), s, { forces: true, virial: true, atomEnergies: true });
        const d = { e: Math.abs(l.energy - p.energy) / s.species.length, f: maxDiff(l.forces, p.forces!), s: maxDiff(l.stress, p.stress!), ea: maxDiff(l.atomEnergies, p.atomEnergies!) };
        assert.ok(d.e < 1e-9 && d.f < 1e-8 && d.s < 1e-8 && d.ea < 1e-9, `${spec.kind}: ${JSON.stringify(d)}`);
        console.log(`# ${spec.kind} export vs lmp (seed ${seed}): ${JSON.stringify(d)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snap: read as a coeff/param pair or a .snap include; export writes files that read back bit-exactly', { skip: skipUnless(existsSync(POT('Ta06A.snap')), 'SNAP files of lammps-data') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-export-snap-'));
  try {
    const pairRead = readLammpsPotential([POT('Mo_Zuo_JPCA2020.snapcoeff'), POT('Mo_Zuo_JPCA2020.snapparam')], 'snap');
    assert.equal(pairRead.kind, 'snap');
    assert.deepEqual(readLammpsPotential(POT('Mo_Zuo_JPCA2020.snap'), 'snap'), pairRead);
    assert.equal(styleFromFileName(POT('Ta06A.snap')), 'snap');
    assert.equal(styleFromFileName('x.snapcoeff'), 'snap');
    const exp = exportLammps(pairRead, dir, 'mo');
    assert.equal(exp.pairStyle, 'snap');
    assert.deepEqual(exp.pairCoeff, ['* * mo.snapcoeff mo.snapparam Mo']);
    assert.deepEqual(readLammpsPotential(exp.files, 'snap', ['Mo']), pairRead);
    // Ta06A: hybrid/overlay zbl + snap; the exported lines, written as an include, read back to the same model
    const ta = readLammpsPotential(POT('Ta06A.snap'), 'snap', ['Ta']);
    assert.equal(ta.kind, 'overlay');
    const tx = exportLammps(ta, dir, 'ta');
    assert.equal(tx.pairStyle, 'hybrid/overlay zbl 4 4.8 snap');
    assert.deepEqual(tx.pairCoeff, ['1 1 zbl 73 73', '* * snap ta.snapcoeff ta.snapparam Ta']);
    const include = join(dir, 'ta.snap');
    writeFileSync(include, [`pair_style ${tx.pairStyle}`, ...tx.pairCoeff.map((c) => `pair_coeff ${c}`)].join('\n') + '\n');
    assert.deepEqual(readLammpsPotential(include, 'snap'), ta);
    assert.match(userErrorOf(() => readLammpsPotential(POT('Ta06A.snap'), 'snap', ['W'])), /element W is not in the potential/);
    assert.match(userErrorOf(() => readLammpsPotential([POT('Ta06A.snapparam'), POT('Ta06A.snapcoeff')], 'snap')), /Ta06A\.snapparam:6: expected the number of elements/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tersoff style string: "tersoff shift δ" sets the spec\'s shift and cutoff; malformed shift keywords are UserErrors', { skip: skipUnless(existsSync(POT('SiC.tersoff')), 'LAMMPS potentials') }, () => {
  const plain = readLammpsPotential(POT('SiC.tersoff'), 'tersoff', ['Si', 'C']);
  const shifted = readLammpsPotential(POT('SiC.tersoff'), '  tersoff   shift -0.05 ', ['Si', 'C']);
  assert.ok(plain.kind === 'tersoff' && shifted.kind === 'tersoff');
  assert.equal(plain.shift, undefined);
  assert.equal(shifted.shift, -0.05);
  // the largest R + D of SiC.tersoff is 2.85 + 0.15 (Si-Si-Si); pairs interact while |r| − 0.05 < 3.0
  assert.equal(plain.cutoff, 3.0);
  assert.equal(shifted.cutoff, 3.05);
  assert.deepEqual(shifted.triplets, plain.triplets);
  for (const bad of ['tersoff shift', 'tersoff shift x', 'tersoff 0.05', 'tersoff shift 0.05 1', 'tersoff shift 4'])
    assert.match(userErrorOf(() => readLammpsPotential(POT('SiC.tersoff'), bad, ['Si', 'C'])), /shift/, bad);
});

test('eam export: a funcfl-derived Cu_u3 spec goes out as funcfl with pair_style eam and lmp gives pesfit\'s numbers', { skip: skipUnless(hasLammps() && havePots, 'LAMMPS (lmp) and its potentials') }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-funcfl-'));
  try {
    const spec = readLammpsPotential(POT('Cu_u3.eam'), 'eam', ['Cu']);
    assert.ok(spec.kind === 'eam-table' && spec.style === 'eam');
    const model = compileModel(spec);
    const exp = exportLammps(spec, dir, 'cu');
    assert.equal(exp.pairStyle, 'eam');
    assert.deepEqual(exp.pairCoeff, ['1 1 cu.eam']);
    assert.deepEqual(exp.files.map((f) => basename(f)), ['cu.eam']);
    // read back as pair_style eam: the same LAMMPS tables (sqrt then square of r·φ costs a few ulps)
    const back = readLammpsPotential(exp.files[0], 'eam', ['Cu']);
    assert.ok(back.kind === 'eam-table' && back.style === 'eam');
    assert.equal(back.rhomax, spec.rhomax);
    let worst = 0;
    for (const key of ['F', 'rho', 'rphi'] as const)
      spec[key][0].forEach((v, m) => (worst = Math.max(worst, Math.abs(back[key][0][m] - v) / Math.max(1, Math.abs(v)))));
    assert.ok(worst < 1e-13, `largest relative table difference ${worst}`);
    const rng = createRng(17);
    const structures: [string, Structure][] = [
      ['rattled 32-atom fcc', randomStrain(rattle(supercell(bulk('fcc', ['Cu'], 3.615), [2, 2, 2]), 0.1, rng), 0.02, rng)],
      ['1-atom fcc cell (a 2.55) smaller than the cutoff', randomStrain(bulk('fcc', ['Cu'], 2.55, { cubic: false }), 0.03, rng)],
    ];
    for (const [what, s] of structures) {
      const l = lammpsOn(exp, s);
      const p = evaluateStructure(model, s, { forces: true, virial: true });
      const n = s.species.length;
      const de = Math.abs(l.energy - p.energy) / n, df = maxDiff(l.forces, p.forces!), ds = maxDiff(l.stress, p.stress!);
      console.log(`# funcfl export, ${what}: dE/atom ${de.toExponential(2)} dF ${df.toExponential(2)} dS ${ds.toExponential(2)}`);
      // stress: LAMMPS's nktv2p differs from ASE's by 7e-8 relative, the helper divides by LAMMPS's own
      assert.ok(de < 1e-9 && df < 1e-9 && ds < 1e-9, what);
    }
    // an r·φ < 0 cannot be a funcfl Z(r): the spec goes out as eam/alloy, still with pesfit's numbers
    const negative = { ...spec, rphi: [spec.rphi[0].map((v, m) => (m * spec.dr > 4 ? v - 0.01 : v))] };
    const alloy = exportLammps(negative, dir, 'neg');
    assert.equal(alloy.pairStyle, 'eam/alloy');
    const s = structures[0][1];
    const l = lammpsOn(alloy, s);
    const p = evaluateStructure(compileModel(negative), s, { forces: true });
    assert.ok(Math.abs(l.energy - p.energy) < 1e-9 * s.species.length && maxDiff(l.forces, p.forces!) < 1e-9, 'eam/alloy fallback');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
