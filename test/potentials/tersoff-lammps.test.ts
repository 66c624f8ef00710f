/**
 * Tersoff parity with LAMMPS 29 Sep 2021 (`pair_style tersoff`): the reference frame of
 * ../shared/reference/lammps/lammps_si_tersoff_sw.extxyz (potential=Si.tersoff), live `lmp` single points on
 * seeded random rattled and sheared cells (Si.tersoff; SiC.tersoff with random Si/C occupations; sizes from one
 * atom in a cell smaller than the cutoff to 64 atoms), the same with `pair_style tersoff shift ±0.05` (spec read by
 * readLammpsPotential from the style string), and the round trips of formatTersoffFile / exportLammps through lmp.
 * Targets: energy 1e-9 eV/atom, forces 1e-8 eV/Å, stress 1e-8 eV/Å³, per-atom energies 1e-9 eV.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { exportLammps, readLammpsPotential } from '../../src/io/lammps-potential.ts';
import { compileModel } from '../../src/potentials/registry.ts';
import { Rng } from '../../src/core/random.ts';
import { readExtxyz } from '../../src/io/extxyz.ts';
import { formatTersoffFile, readTersoffFile } from '../../src/io/lammps-tersoff.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { compileTersoff, type TersoffSpec } from '../../src/potentials/tersoff.ts';
import type { CompiledModel } from '../../src/potentials/types.ts';
import { bulk, rattle, randomStrain, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';
import { LAMMPS_POTENTIALS, hasLammps, hasShared, sharedPath, skipUnless } from '../helpers/external.ts';
import { runLammps } from '../helpers/lammps.ts';

const SI_FILE = join(LAMMPS_POTENTIALS, 'Si.tersoff');
const SIC_FILE = join(LAMMPS_POTENTIALS, 'SiC.tersoff');
const REF = ['reference', 'lammps', 'lammps_si_tersoff_sw.extxyz'];
const skipFiles = skipUnless(existsSync(SI_FILE) && existsSync(SIC_FILE), 'LAMMPS potential files (lammps-data)');
const skipLmp = skipFiles || skipUnless(hasLammps(), 'LAMMPS');
const skipRef = skipFiles || skipUnless(hasShared(...REF), '../shared reference data');

const TOL_E_PER_ATOM = 1e-9;
const TOL_F = 1e-8;
const TOL_S = 1e-8;
const TOL_EATOM = 1e-9;

function load(path: string, elements: string[]): TersoffSpec {
  return readTersoffFile(readFileSync(path, 'utf8'), path, elements);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

interface Reference {
  energy: number;
  forces: Float64Array;
  stress: Float64Array;
  atomEnergies?: Float64Array;
}

/** Compares pesfit with a reference; returns the errors for the message. */
function compare(model: CompiledModel, s: Structure, ref: Reference, what: string): string {
  const r = evaluateStructure(model, s, { forces: true, virial: true, atomEnergies: true });
  const n = s.species.length;
  const eErr = Math.abs(r.energy - ref.energy) / n;
  const fErr = maxAbsDiff(r.forces!, ref.forces);
  const sErr = maxAbsDiff(r.stress!, ref.stress);
  const aErr = ref.atomEnergies ? maxAbsDiff(r.atomEnergies!, ref.atomEnergies) : 0;
  const msg = `${what} (${n} atoms): dE/atom ${eErr.toExponential(2)} dF ${fErr.toExponential(2)} dS ${sErr.toExponential(2)} dEatom ${aErr.toExponential(2)}`;
  assert.ok(eErr < TOL_E_PER_ATOM, msg);
  assert.ok(fErr < TOL_F, msg);
  assert.ok(sErr < TOL_S, msg);
  assert.ok(aErr < TOL_EATOM, msg);
  return msg;
}

function lammps(s: Structure, elements: string[], coeff: string, files?: Record<string, string>, pairStyle = 'tersoff'): Reference {
  return runLammps({ structure: s, elements, pairStyle, pairCoeff: [coeff], files });
}

test('Si.tersoff: the LAMMPS reference frame (rattled 64-atom diamond)', { skip: skipRef }, () => {
  const model = compileTersoff(load(SI_FILE, ['Si']));
  const frames = readExtxyz(sharedPath(...REF)).filter((c) => c.info.potential === 'Si.tersoff');
  assert.equal(frames.length, 1);
  const c = frames[0];
  const l = c.labels;
  console.log('# ' + compare(model, c.structure, { energy: l.energy!, forces: l.forces!, stress: l.stress!, atomEnergies: l.atomEnergies }, 'reference frame'));
});

/** Seeded random cells: rattled and sheared, from one atom (cell smaller than the cutoff) to 64 atoms. */
function siCells(rng: Rng): [string, Structure][] {
  return [
    ['1-atom fcc (a 3.7)', randomStrain(bulk('fcc', ['Si'], 3.7, { cubic: false }), 0.05, rng)],
    ['1-atom bcc (a 3.05)', randomStrain(bulk('bcc', ['Si'], 3.05, { cubic: false }), 0.05, rng)],
    ['2-atom diamond (a 5.2)', randomStrain(rattle(bulk('diamond', ['Si'], 5.2, { cubic: false }), 0.1, rng), 0.05, rng)],
    ['2-atom diamond (a 4.4)', randomStrain(rattle(bulk('diamond', ['Si'], 4.4, { cubic: false }), 0.1, rng), 0.05, rng)],
    ['8-atom diamond', randomStrain(rattle(bulk('diamond', ['Si'], 5.431), 0.15, rng), 0.05, rng)],
    ['64-atom diamond', randomStrain(rattle(supercell(bulk('diamond', ['Si'], 5.431), [2, 2, 2]), 0.2, rng), 0.04, rng)],
  ];
}

test('Si.tersoff: live lmp parity on random rattled, sheared cells', { skip: skipLmp }, () => {
  const model = compileTersoff(load(SI_FILE, ['Si']));
  for (const [what, s] of siCells(new Rng(101))) {
    console.log('# ' + compare(model, s, lammps(s, ['Si'], `* * ${SI_FILE} Si`), what));
  }
});

function randomOccupation(s: Structure, rng: Rng): Structure {
  return { ...s, species: Int32Array.from(s.species, () => (rng.float() < 0.5 ? 6 : 14)) };
}

test('SiC.tersoff: live lmp parity with random Si/C occupations', { skip: skipLmp }, () => {
  const rng = new Rng(202);
  const cells: [string, Structure][] = [
    ['1-atom fcc C (a 3.0)', { ...randomStrain(bulk('fcc', ['C'], 3.0, { cubic: false }), 0.05, rng) }],
    ['2-atom zincblende SiC', randomStrain(rattle(bulk('zincblende', ['Si', 'C'], 4.36, { cubic: false }), 0.1, rng), 0.05, rng)],
    ['8-atom random (a 4.6)', randomOccupation(randomStrain(rattle(bulk('diamond', ['Si'], 4.6), 0.15, rng), 0.05, rng), rng)],
    ['64-atom random (a 4.8)', randomOccupation(randomStrain(rattle(supercell(bulk('diamond', ['Si'], 4.8), [2, 2, 2]), 0.15, rng), 0.04, rng), rng)],
  ];
  // element orders [Si, C] and [C, Si] must give the same numbers: each maps types in its own order
  for (const elements of [['Si', 'C'], ['C', 'Si']]) {
    const model = compileTersoff(load(SIC_FILE, elements));
    for (const [what, s] of cells) {
      console.log('# ' + compare(model, s, lammps(s, elements, `* * ${SIC_FILE} ${elements.join(' ')}`), `${what} [${elements}]`));
    }
  }
});

test('export round trip: formatTersoffFile run in lmp reproduces pesfit (perturbed SiC parameters)', { skip: skipLmp }, () => {
  const base = compileTersoff(load(SIC_FILE, ['Si', 'C']));
  const rng = new Rng(303);
  // perturb every parameter by up to ±2 % so that the written numbers are not the file's short decimals
  const theta = base.parameters.map((v) => v * (1 + rng.uniform(-0.02, 0.02)));
  // keep D ≤ R (LAMMPS requires it; 2 % perturbations cannot break it here, checked anyway)
  const model = base.withParameters(theta);
  for (const t of model.spec.triplets) assert.ok(t.D <= t.R);
  const text = formatTersoffFile(model.spec);
  const cells: [string, Structure][] = [
    ['8-atom random', randomOccupation(randomStrain(rattle(bulk('diamond', ['Si'], 4.6), 0.12, rng), 0.05, rng), rng)],
    ['2-atom zincblende', randomStrain(rattle(bulk('zincblende', ['Si', 'C'], 4.36, { cubic: false }), 0.1, rng), 0.05, rng)],
  ];
  for (const [what, s] of cells) {
    console.log('# ' + compare(model, s, lammps(s, ['Si', 'C'], '* * pesfit.tersoff Si C', { 'pesfit.tersoff': text }), `round trip ${what}`));
  }
  // Si.tersoff (m = 3, continuation lines in the original) written and run the same way
  const si = compileTersoff(load(SI_FILE, ['Si']));
  const siTheta = si.parameters.map((v) => v * (1 + rng.uniform(-0.01, 0.01)));
  const si2 = si.withParameters(siTheta);
  const s = randomStrain(rattle(bulk('diamond', ['Si'], 5.431), 0.12, rng), 0.05, rng);
  console.log('# ' + compare(si2, s, lammps(s, ['Si'], '* * pesfit.tersoff Si', { 'pesfit.tersoff': formatTersoffFile(si2.spec) }), 'round trip Si'));
});

test('shift ±0.05: live lmp parity with pair_style tersoff shift δ (SiC, random occupations, 1 to 64 atoms)', { skip: skipLmp }, () => {
  const rng = new Rng(404);
  const cells: [string, Structure][] = [
    ['1-atom fcc C (a 3.0)', randomStrain(bulk('fcc', ['C'], 3.0, { cubic: false }), 0.05, rng)],
    ['1-atom bcc Si (a 3.05)', randomStrain(bulk('bcc', ['Si'], 3.05, { cubic: false }), 0.05, rng)],
    ['2-atom zincblende SiC', randomStrain(rattle(bulk('zincblende', ['Si', 'C'], 4.36, { cubic: false }), 0.1, rng), 0.05, rng)],
    ['8-atom random (a 4.6)', randomOccupation(randomStrain(rattle(bulk('diamond', ['Si'], 4.6), 0.15, rng), 0.05, rng), rng)],
    ['64-atom random (a 4.8)', randomOccupation(randomStrain(rattle(supercell(bulk('diamond', ['Si'], 4.8), [2, 2, 2]), 0.15, rng), 0.04, rng), rng)],
  ];
  for (const delta of [0.05, -0.05]) {
    const style = `tersoff shift ${delta}`;
    const spec = readLammpsPotential(SIC_FILE, style, ['Si', 'C']);
    assert.equal(spec.kind === 'tersoff' && spec.shift, delta);
    const model = compileModel(spec);
    for (const [what, s] of cells) {
      console.log('# ' + compare(model, s, lammps(s, ['Si', 'C'], `* * ${SIC_FILE} Si C`, undefined, style), `${what}, shift ${delta}`));
    }
  }
});

test('shift: exportLammps writes pair_style tersoff shift δ and lmp reproduces pesfit (perturbed SiC)', { skip: skipLmp }, () => {
  const rng = new Rng(505);
  const base = compileTersoff({ ...load(SIC_FILE, ['Si', 'C']), shift: -0.05 });
  const model = base.withParameters(base.parameters.map((v) => v * (1 + rng.uniform(-0.02, 0.02))));
  assert.equal(model.spec.shift, -0.05);
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-tersoff-shift-'));
  try {
    const ex = exportLammps(model.spec, dir, 'pesfit');
    assert.equal(ex.pairStyle, 'tersoff shift -0.05');
    const files = Object.fromEntries(ex.files.map((f) => [basename(f), readFileSync(f, 'utf8')]));
    const s = randomOccupation(randomStrain(rattle(bulk('diamond', ['Si'], 4.6), 0.12, rng), 0.05, rng), rng);
    const ref = runLammps({ structure: s, elements: ex.elements, pairStyle: ex.pairStyle, pairCoeff: ex.pairCoeff, files });
    console.log('# ' + compare(model, s, ref, 'exported shift -0.05'));
    // and the written file read back through the style string gives the same model
    const back = compileModel(readLammpsPotential(ex.files[0], ex.pairStyle, ex.elements));
    assert.deepEqual(Array.from(back.parameters), Array.from(model.parameters));
    assert.equal(back.cutoff, model.cutoff);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
