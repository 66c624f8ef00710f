// Tabulated EAM (eam, eam/alloy, eam/fs) against LAMMPS: the shared reference frames (LAMMPS 29Sep2021 run 0),
// live `lmp` runs on random cells, and finite differences for forces, stress and table-value derivatives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { checkDerivatives } from '../../src/analysis/check-derivatives.ts';
import { createRng, type Rng } from '../../src/core/random.ts';
import { readExtxyz } from '../../src/io/extxyz.ts';
import { funcflToSpec, readFuncfl, readSetfl, setflToSpec, specToSetfl, writeSetfl } from '../../src/io/lammps-eam.ts';
import { compileEamTable, eamTableFunctions, type EamTableSpec } from '../../src/potentials/eam.ts';
import { evaluateEam } from '../../src/potentials/eam-core.ts';
import { buildNeighborList } from '../../src/neighbors/index.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import type { CompiledModel } from '../../src/potentials/types.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';
import { LAMMPS_POTENTIALS, hasLammps, hasShared, sharedPath, skipUnless } from '../helpers/external.ts';
import { runLammps } from '../helpers/lammps.ts';
import { atomicNumber } from '../../src/core/elements.ts';

const POT = (f: string): string => join(LAMMPS_POTENTIALS, f);
const haveFiles = (): boolean => hasLammps();

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
};

function withSpecies(s: Structure, elements: string[], rng: Rng): Structure {
  const z = elements.map((e) => atomicNumber(e)!);
  return { ...s, species: Int32Array.from(s.species, () => z[rng.int(z.length)]) };
}

/** Random rattled, sheared cells of several sizes, including a one-atom cell smaller than any EAM cutoff. */
function randomCells(elements: string[], a: number, seed: number): Structure[] {
  const rng = createRng(seed);
  const one = randomStrain(bulk('fcc', [elements[0]], a, { cubic: false }), 0.04, rng);
  const cells = [
    one,
    randomStrain(rattle(withSpecies(bulk('fcc', ['Cu'], a), elements, rng), 0.1, rng), 0.05, rng),
    randomStrain(rattle(withSpecies(supercell(bulk('fcc', ['Cu'], a), [2, 2, 1]), elements, rng), 0.15, rng), 0.05, rng),
    randomStrain(rattle(withSpecies(supercell(bulk('fcc', ['Cu'], a), [2, 2, 2]), elements, rng), 0.1, rng), 0.03, rng),
  ];
  return cells;
}

interface Case {
  name: string;
  style: 'eam' | 'eam/alloy' | 'eam/fs';
  file: string;
  elements: string[];
  a: number;
  load: () => EamTableSpec;
}

const CASES: Case[] = [
  { name: 'Cu_u3 (eam)', style: 'eam', file: 'Cu_u3.eam', elements: ['Cu'], a: 3.615, load: () => funcflToSpec([readFuncfl(POT('Cu_u3.eam'))]) },
  { name: 'Cu_mishin1 (eam/alloy)', style: 'eam/alloy', file: 'Cu_mishin1.eam.alloy', elements: ['Cu'], a: 3.615, load: () => setflToSpec(readSetfl(POT('Cu_mishin1.eam.alloy'), 'eam/alloy')) },
  { name: 'CuNi (eam/alloy, 2 elements)', style: 'eam/alloy', file: 'CuNi.eam.alloy', elements: ['Ni', 'Cu'], a: 3.56, load: () => setflToSpec(readSetfl(POT('CuNi.eam.alloy'), 'eam/alloy')) },
  { name: 'AlFe_mm (eam/fs, 2 elements)', style: 'eam/fs', file: 'AlFe_mm.eam.fs', elements: ['Al', 'Fe'], a: 3.9, load: () => setflToSpec(readSetfl(POT('AlFe_mm.eam.fs'), 'eam/fs')) },
];

function lammpsOf(c: Case, s: Structure, elements: string[], pairCoeffFile: string, files?: Record<string, string>) {
  const coeff = c.style === 'eam' ? [`* * ${pairCoeffFile}`] : [`* * ${pairCoeffFile} ${elements.join(' ')}`];
  return runLammps({ structure: s, elements, pairStyle: c.style, pairCoeff: coeff, files });
}

function compare(label: string, ours: ReturnType<typeof evaluateStructure>, ref: { energy: number; forces: Float64Array; stress: Float64Array; atomEnergies?: Float64Array }, n: number) {
  const de = Math.abs(ours.energy - ref.energy) / n;
  const df = maxAbsDiff(ours.forces!, ref.forces);
  const ds = maxAbsDiff(ours.stress!, ref.stress);
  assert.ok(de < 1e-9, `${label}: energy differs by ${de} eV/atom`);
  assert.ok(df < 1e-8, `${label}: forces differ by ${df} eV/Å`);
  assert.ok(ds < 1e-8, `${label}: stress differs by ${ds} eV/Å³`);
  if (ref.atomEnergies && ours.atomEnergies) {
    const da = maxAbsDiff(ours.atomEnergies, ref.atomEnergies);
    assert.ok(da < 1e-8, `${label}: per-atom energies differ by ${da} eV`);
  }
  return { de, df, ds };
}

test('matches the shared LAMMPS reference frames (Cu_u3 eam, Cu_mishin1 eam/alloy incl. triclinic)', {
  skip: skipUnless(hasShared('reference', 'lammps', 'lammps_cu_eam.extxyz') && haveFiles(), 'shared reference + LAMMPS potentials'),
}, () => {
  const frames = readExtxyz(sharedPath('reference', 'lammps', 'lammps_cu_eam.extxyz'));
  assert.equal(frames.length, 3);
  const models: Record<string, CompiledModel> = {
    'Cu_u3.eam': compileEamTable(CASES[0].load()),
    'Cu_mishin1.eam.alloy': compileEamTable(CASES[1].load()),
  };
  for (const f of frames) {
    const model = models[String(f.info.potential)];
    assert.ok(model, `unknown potential ${String(f.info.potential)}`);
    const r = evaluateStructure(model, f.structure, { forces: true, virial: true, atomEnergies: true });
    const l = f.labels;
    compare(`${String(f.info.potential)} ${f.group}`, r, { energy: l.energy!, forces: l.forces!, stress: l.stress!, atomEnergies: l.atomEnergies }, f.structure.species.length);
  }
});

for (const c of CASES) {
  test(`live LAMMPS parity on random rattled/sheared cells: ${c.name}`, { skip: skipUnless(hasLammps(), 'LAMMPS (lmp)') }, () => {
    const model = compileEamTable(c.load());
    for (const s of randomCells(c.elements, c.a, 11)) {
      const r = evaluateStructure(model, s, { forces: true, virial: true, atomEnergies: true });
      compare(`${c.name} ${s.species.length} atoms`, r, lammpsOf(c, s, model.spec.elements, POT(c.file)), s.species.length);
    }
  });
}

test('export round trip: the setfl / eam/fs file pesfit writes, run in lmp, reproduces pesfit', { skip: skipUnless(hasLammps(), 'LAMMPS (lmp)') }, () => {
  for (const c of [CASES[1], CASES[2], CASES[3]]) {
    const spec = c.load();
    const text = writeSetfl(specToSetfl(spec));
    const model = compileEamTable(spec);
    const s = randomCells(c.elements, c.a, 5)[2];
    const r = evaluateStructure(model, s, { forces: true, virial: true, atomEnergies: true });
    compare(`${c.name} written`, r, lammpsOf(c, s, spec.elements, 'pesfit.eam', { 'pesfit.eam': text }), s.species.length);
  }
});

test('forces and stress equal finite differences of the energy (all table styles, one-atom cell too)', () => {
  if (!haveFiles()) return;
  for (const c of CASES) {
    const model = compileEamTable(c.load());
    const cells = randomCells(c.elements, c.a, 3);
    for (const s of [cells[0], cells[2]]) {
      // the LAMMPS interpolant is only C¹ (its second derivative jumps at grid nodes), so the finite differences
      // need steps well below the grid spacing
      for (const rep of checkDerivatives(model, s, { params: false, h: 1e-5, hStrain: 1e-6 })) {
        assert.ok(rep.maxRelError < 1e-6, `${c.name} ${s.species.length} atoms: ${rep.quantity} ${rep.maxRelError} at ${rep.worst}`);
      }
    }
  }
});

test('table-value derivatives dE, dF, dW equal finite differences (random subset of parameters)', () => {
  if (!haveFiles()) return;
  for (const c of [CASES[0], CASES[2], CASES[3]]) {
    const model = compileEamTable(c.load());
    const rng = createRng(21);
    const s = randomCells(c.elements, c.a, 9)[1];
    const n = s.species.length;
    const ref = evaluateStructure(model, s, { forces: true, virial: true, paramGradient: true });
    const P = model.paramNames.length;
    // parameters that matter here: those with a nonzero energy or force derivative, plus random others
    const active: number[] = [];
    for (let p = 0; p < P; p++) if (ref.dEnergy![p] !== 0) active.push(p);
    assert.ok(active.length > 20, 'some table values must influence the energy');
    const picks = Array.from({ length: 24 }, () => active[rng.int(active.length)]);
    picks.push(rng.int(P));
    // as checkDerivatives: max abs error over the picked parameters / max |finite-difference value|, per quantity
    const err = { e: 0, f: 0, w: 0 }, mag = { e: 0, f: 0, w: 0 };
    for (const p of picks) {
      const h = 1e-6 * Math.max(1, Math.abs(model.parameters[p])); // small: F(ρ) is only C¹ across ρ grid nodes
      const at = (t: number) => {
        const th = model.parameters.slice();
        th[p] += t;
        return evaluateStructure(model.withParameters(th), s, { forces: true, virial: true });
      };
      const [a, b, a2, b2] = [at(h), at(-h), at(h / 2), at(-h / 2)];
      const d = (x: number, y: number, x2: number, y2: number) => (4 * (x2 - y2) / h - (x - y) / (2 * h)) / 3;
      const ne = d(a.energy, b.energy, a2.energy, b2.energy);
      mag.e = Math.max(mag.e, Math.abs(ne));
      err.e = Math.max(err.e, Math.abs(ne - ref.dEnergy![p]));
      for (let k = 0; k < 3 * n; k++) {
        const num = d(a.forces![k], b.forces![k], a2.forces![k], b2.forces![k]);
        mag.f = Math.max(mag.f, Math.abs(num));
        err.f = Math.max(err.f, Math.abs(num - ref.dForces![p * 3 * n + k]));
      }
      for (let v = 0; v < 6; v++) {
        const num = d(a.virial![v], b.virial![v], a2.virial![v], b2.virial![v]);
        mag.w = Math.max(mag.w, Math.abs(num));
        err.w = Math.max(err.w, Math.abs(num - ref.dVirial![p * 6 + v]));
      }
    }
    for (const q of ['e', 'f', 'w'] as const) {
      assert.ok(err[q] / mag[q] < 1e-6, `${c.name}: d${q} relative error ${err[q] / mag[q]} (max ${mag[q]})`);
    }
  }
});

test('the specialised table kernel equals the generic EAM kernel over EamTableFunctions to 1e-12', () => {
  if (!haveFiles()) return;
  for (const c of CASES) {
    const spec = c.load();
    const model = compileEamTable(spec), fns = eamTableFunctions(spec);
    for (const s of randomCells(c.elements, c.a, 29)) {
      const nl = buildNeighborList(s, model.cutoff, { half: true });
      const req = { forces: true, virial: true, atomEnergies: true };
      const a = model.evaluate(s, nl, req), b = evaluateEam(fns, spec.elements, s, nl, req);
      const rel = (x: ArrayLike<number>, y: ArrayLike<number>) => maxAbsDiff(x, y) / Math.max(...Array.from(y, Math.abs), 1e-300);
      const errs = [Math.abs(a.energy - b.energy) / Math.abs(b.energy), rel(a.forces!, b.forces!), rel(a.virial!, b.virial!), rel(a.atomEnergies!, b.atomEnergies!)];
      assert.ok(Math.max(...errs) < 1e-12, `${c.name} ${s.species.length} atoms: ${errs.join(', ')}`);
    }
  }
});

test('one-element cells of every element of a model (uniform path), with and without a list skin, equal the generic kernel to 1e-12', () => {
  if (!haveFiles()) return;
  const rng = createRng(53);
  for (const c of CASES) {
    const spec = c.load();
    const model = compileEamTable(spec), fns = eamTableFunctions(spec);
    for (const el of c.elements) {
      const s = randomStrain(rattle(supercell(bulk('fcc', [el], c.a), [2, 2, 2]), 0.12, rng), 0.04, rng);
      for (const skin of [0, 1.0]) {
        const nl = buildNeighborList(s, model.cutoff + skin, { half: true });
        const req = { forces: true, virial: true, atomEnergies: true };
        const a = model.evaluate(s, nl, req), b = evaluateEam(fns, spec.elements, s, nl, req);
        const rel = (x: ArrayLike<number>, y: ArrayLike<number>) => maxAbsDiff(x, y) / Math.max(...Array.from(y, Math.abs), 1e-300);
        const errs = [Math.abs(a.energy - b.energy) / Math.abs(b.energy), rel(a.forces!, b.forces!), rel(a.virial!, b.virial!), rel(a.atomEnergies!, b.atomEnergies!)];
        assert.ok(Math.max(...errs) < 1e-12, `${c.name}, ${el} only, skin ${skin}: ${errs.join(', ')}`);
      }
    }
  }
});

test('large shuffled cells (evaluated in a spatially sorted order) equal the generic kernel to 1e-12', () => {
  if (!haveFiles()) return;
  const rng = createRng(41);
  // 10,240 atoms in random order: mean neighbor index distance ~n/3, beyond the kernel's locality budget
  const base = rattle(withSpecies(supercell(bulk('fcc', ['Cu'], 3.56), [16, 16, 10]), ['Ni', 'Cu'], rng), 0.1, rng);
  const n = base.species.length, perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const k = rng.int(i + 1);
    [perm[i], perm[k]] = [perm[k], perm[i]];
  }
  const s: Structure = {
    ...base,
    species: Int32Array.from(perm, (o) => base.species[o]),
    positions: Float64Array.from({ length: 3 * n }, (_, q) => base.positions[3 * perm[Math.floor(q / 3)] + (q % 3)]),
  };
  const spec = CASES[2].load();
  const model = compileEamTable(spec);
  const nl = buildNeighborList(s, model.cutoff, { half: true });
  const req = { forces: true, virial: true, atomEnergies: true };
  const a = model.evaluate(s, nl, req), b = evaluateEam(eamTableFunctions(spec), spec.elements, s, nl, req);
  const again = model.evaluate(s, nl, req); // cached layout
  const rel = (x: ArrayLike<number>, y: ArrayLike<number>) => maxAbsDiff(x, y) / Math.max(...Array.from(y, Math.abs));
  for (const r of [a, again]) {
    const errs = [Math.abs(r.energy - b.energy) / Math.abs(b.energy), rel(r.forces!, b.forces!), rel(r.virial!, b.virial!), rel(r.atomEnergies!, b.atomEnergies!)];
    assert.ok(Math.max(...errs) < 1e-12, `shuffled ${n} atoms: ${errs.join(', ')}`);
  }
});

test('an element the model lacks is a user error naming it', () => {
  if (!haveFiles()) return;
  const model = compileEamTable(CASES[0].load());
  const s = bulk('fcc', ['Ni'], 3.52);
  assert.throws(() => evaluateStructure(model, s, { forces: true }), /Ni/);
});
