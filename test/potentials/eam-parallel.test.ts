// Worker-thread EAM evaluation (parallel/eam-parallel.ts) against the serial table kernel: energies, forces, virials
// and per-atom energies agree to 1e-12 relative for eam, eam/alloy and eam/fs tables, with 2 and 3 threads, across
// neighbor-list changes; parameter-gradient requests fall back to the serial kernel.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { atomicNumber } from '../../src/core/elements.ts';
import { createRng } from '../../src/core/random.ts';
import { funcflToSpec, readFuncfl, readSetfl, setflToSpec } from '../../src/io/lammps-eam.ts';
import { buildNeighborList } from '../../src/neighbors/index.ts';
import { compileEamTable, type EamTableSpec } from '../../src/potentials/eam.ts';
import { createParallelEvaluator } from '../../src/potentials/parallel/eam-parallel.ts';
import type { EvalResult } from '../../src/potentials/types.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';
import { LAMMPS_POTENTIALS, hasLammps, skipUnless } from '../helpers/external.ts';

const POT = (f: string): string => join(LAMMPS_POTENTIALS, f);
const CASES: { name: string; elements: string[]; a: number; load: () => EamTableSpec }[] = [
  { name: 'Cu_u3 eam', elements: ['Cu'], a: 3.615, load: () => funcflToSpec([readFuncfl(POT('Cu_u3.eam'))]) },
  { name: 'CuNi eam/alloy', elements: ['Ni', 'Cu'], a: 3.56, load: () => setflToSpec(readSetfl(POT('CuNi.eam.alloy'), 'eam/alloy')) },
  { name: 'AlFe_mm eam/fs', elements: ['Al', 'Fe'], a: 3.9, load: () => setflToSpec(readSetfl(POT('AlFe_mm.eam.fs'), 'eam/fs')) },
];

function cells(elements: string[], a: number, seed: number): Structure[] {
  const rng = createRng(seed);
  const z = elements.map((e) => atomicNumber(e)!);
  const mix = (s: Structure): Structure => ({ ...s, species: Int32Array.from(s.species, () => z[rng.int(z.length)]) });
  return [
    randomStrain(mix(bulk('fcc', [elements[0]], a, { cubic: false })), 0.03, rng),
    randomStrain(rattle(mix(supercell(bulk('fcc', ['Cu'], a), [2, 2, 2])), 0.1, rng), 0.03, rng),
    randomStrain(rattle(mix(supercell(bulk('fcc', ['Cu'], a), [5, 4, 3])), 0.15, rng), 0.02, rng),
  ];
}

/** max |a − b| / max |b| (1 when b is all zero, i.e. then an absolute difference). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, m = 0;
  for (let k = 0; k < b.length; k++) {
    d = Math.max(d, Math.abs(a[k] - b[k]));
    m = Math.max(m, Math.abs(b[k]));
  }
  return d / (m > 0 ? m : 1);
}

function assertSame(label: string, p: EvalResult, s: EvalResult): number {
  const errs = [
    Math.abs(p.energy - s.energy) / Math.abs(s.energy),
    relDiff(p.forces!, s.forces!),
    relDiff(p.virial!, s.virial!),
    relDiff(p.atomEnergies!, s.atomEnergies!),
  ];
  const worst = Math.max(...errs);
  assert.ok(worst < 1e-12, `${label}: parallel differs from serial (energy, forces, virial, atom energies) ${errs.join(', ')}`);
  return worst;
}

test('parallel evaluation equals the serial kernel (eam, eam/alloy, eam/fs; 2 and 3 threads)', { skip: skipUnless(hasLammps(), 'LAMMPS potentials') }, async () => {
  let worst = 0;
  for (const c of CASES) {
    const model = compileEamTable(c.load());
    for (const T of [2, 3]) {
      const pe = await createParallelEvaluator(model, T);
      try {
        for (const s of cells(c.elements, c.a, 17 + T)) {
          const nl = buildNeighborList(s, model.cutoff, { half: true });
          const req = { forces: true, virial: true, atomEnergies: true };
          const serial = model.evaluate(s, nl, req);
          // twice with one list (shared arrays reused), energy-only in between (flags change)
          worst = Math.max(worst, assertSame(`${c.name} ${s.species.length} atoms, ${T} threads`, pe.evaluate(s, nl, req), serial));
          assert.ok(Math.abs(pe.evaluate(s, nl, {}).energy - serial.energy) <= 1e-12 * Math.abs(serial.energy));
          worst = Math.max(worst, assertSame(`${c.name} repeat`, pe.evaluate(s, nl, req), serial));
        }
      } finally {
        await pe.close();
      }
    }
  }
  console.log(`# worst relative difference parallel vs serial: ${worst.toExponential(2)}`);
});

test('parallel evaluation of a large shuffled cell (spatially sorted layout) equals the serial kernel', { skip: skipUnless(hasLammps(), 'LAMMPS potentials') }, async () => {
  const rng = createRng(8);
  const base = rattle(supercell(bulk('fcc', ['Cu'], 3.615), [16, 16, 10]), 0.1, rng);
  const n = base.species.length, perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const k = rng.int(i + 1);
    [perm[i], perm[k]] = [perm[k], perm[i]];
  }
  const s: Structure = { ...base, positions: Float64Array.from({ length: 3 * n }, (_, q) => base.positions[3 * perm[Math.floor(q / 3)] + (q % 3)]) };
  const model = compileEamTable(CASES[0].load());
  const nl = buildNeighborList(s, model.cutoff, { half: true });
  const req = { forces: true, virial: true, atomEnergies: true };
  const pe = await createParallelEvaluator(model, 2);
  try {
    assertSame(`shuffled ${n} atoms`, pe.evaluate(s, nl, req), model.evaluate(s, nl, req));
  } finally {
    await pe.close();
  }
});

test('parallel evaluator: parameter gradients fall back to the serial kernel; other kinds are refused', { skip: skipUnless(hasLammps(), 'LAMMPS potentials') }, async () => {
  const model = compileEamTable(CASES[0].load());
  const s = cells(['Cu'], 3.615, 4)[1];
  const nl = buildNeighborList(s, model.cutoff, { half: true });
  const pe = await createParallelEvaluator(model, 2);
  try {
    const a = pe.evaluate(s, nl, { forces: true, paramGradient: true });
    const b = model.evaluate(s, nl, { forces: true, paramGradient: true });
    assert.deepEqual(a.dEnergy, b.dEnergy);
  } finally {
    await pe.close();
  }
  const other = { ...model, spec: { ...model.spec, kind: 'eam-spline' } } as unknown as typeof model;
  await assert.rejects(createParallelEvaluator(other, 2), /eam-table/);
});

test('parallel evaluator: successive lists of one atom count (smaller, then larger) are refilled in place or grown', { skip: skipUnless(hasLammps(), 'LAMMPS potentials') }, async () => {
  const model = compileEamTable(CASES[0].load());
  const rng = createRng(23);
  const base = rattle(supercell(bulk('fcc', ['Cu'], 3.615), [4, 4, 4]), 0.1, rng);
  const req = { forces: true, virial: true, atomEnergies: true };
  const pe = await createParallelEvaluator(model, 2);
  try {
    // list cutoffs with skins 1, 0.3 (fewer entries: refilled in place), 0 and 2 Å (more entries: grown); each
    // list for new positions, as in MD between rebuilds
    for (const [k, skin] of [1, 0.3, 0, 2, 0.5].entries()) {
      const s = rattle(base, 0.05, rng);
      const nl = buildNeighborList(s, model.cutoff + skin, { half: true });
      assertSame(`list ${k} (skin ${skin} Å)`, pe.evaluate(s, nl, req), model.evaluate(s, nl, req));
    }
  } finally {
    await pe.close();
  }
});
