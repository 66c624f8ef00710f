// Analytic (Zhou–Johnson–Wadley 2004) EAM: exact derivatives by finite differences in all three embedding branches
// and for the alloy cross pair, the published Cu parameters' lattice constant and cohesive energy, and LAMMPS parity
// of the exported setfl tables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDerivatives } from '../../src/analysis/check-derivatives.ts';
import { atomicNumber } from '../../src/core/elements.ts';
import { createRng } from '../../src/core/random.ts';
import { specToSetfl, writeSetfl } from '../../src/io/lammps-eam.ts';
import {
  compileEamAnalytic, tabulateEamAnalytic, zhouCutoff, type EamAnalyticSpec, type ZhouElementParameters,
} from '../../src/potentials/eam-analytic.ts';
import { compileEamTable } from '../../src/potentials/eam.ts';
import { evaluateStructure } from '../../src/potentials/evaluate.ts';
import { bulk, randomStrain, rattle, supercell } from '../../src/structure/builders.ts';
import type { Structure } from '../../src/structure/types.ts';
import { hasLammps, skipUnless } from '../helpers/external.ts';
import { runLammps } from '../helpers/lammps.ts';

// Zhou, Johnson, Wadley, Phys. Rev. B 69, 144113 (2004), Table III, as transcribed in LAMMPS's
// tools/eam_database/EAM_code (entries Cu and Ni; the file's Fm4/beta1/ramda1 equal F3/beta/lambda there).
const CU: ZhouElementParameters = {
  re: 2.556162, fe: 1.554485, rhoe: 21.175871, rhos: 21.175395, alpha: 8.12762, beta: 4.334731, A: 0.39662,
  B: 0.548085, kappa: 0.308782, lambda: 0.756515, Fn0: -2.170269, Fn1: -0.263788, Fn2: 1.088878, Fn3: -0.817603,
  F0: -2.19, F1: 0, F2: 0.56183, F3: -2.100595, eta: 0.31049, Fe: -2.186568,
};
const NI: ZhouElementParameters = {
  re: 2.488746, fe: 2.007018, rhoe: 27.562015, rhos: 27.562031, alpha: 8.383453, beta: 4.471175, A: 0.429046,
  B: 0.633531, kappa: 0.443599, lambda: 0.820658, Fn0: -2.693513, Fn1: -0.076445, Fn2: 0.241442, Fn3: -2.375626,
  F0: -2.7, F1: 0, F2: 0.26539, F3: -0.152856, eta: 0.44547, Fe: -2.7,
};

const cuSpec = (): EamAnalyticSpec => ({
  kind: 'eam-analytic', elements: ['Cu'], cutoff: zhouCutoff([CU]), masses: [63.546], params: [CU],
});
const cuNiSpec = (): EamAnalyticSpec => ({
  kind: 'eam-analytic', elements: ['Cu', 'Ni'], cutoff: zhouCutoff([CU, NI]), masses: [63.546, 58.6934], params: [CU, NI],
});

function mixed(s: Structure, seed: number): Structure {
  const rng = createRng(seed);
  const z = [atomicNumber('Cu')!, atomicNumber('Ni')!];
  return { ...s, species: Int32Array.from(s.species, () => z[rng.int(2)]) };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let k = 0; k < a.length; k++) m = Math.max(m, Math.abs(a[k] - b[k]));
  return m;
};

test('published Cu parameters: E(a) of fcc has its minimum at 3.615 Å and E_c = −3.54 eV/atom', () => {
  const model = compileEamAnalytic(cuSpec());
  const e = (a: number): number => evaluateStructure(model, bulk('fcc', ['Cu'], a, { cubic: false }), {}).energy;
  // golden-section search for the minimum of E(a)
  let lo = 3.4, hi = 3.8;
  const g = (Math.sqrt(5) - 1) / 2;
  for (let it = 0; it < 60; it++) {
    const a1 = hi - g * (hi - lo), a2 = lo + g * (hi - lo);
    if (e(a1) < e(a2)) hi = a2;
    else lo = a1;
  }
  const a0 = (lo + hi) / 2;
  // the paper's Cu lattice constant is √2·re = 3.6150 Å and its cohesive energy 3.54 eV
  assert.ok(Math.abs(a0 - 3.615) < 2e-3, `minimum of E(a) at ${a0} Å`);
  assert.ok(Math.abs(e(a0) + 3.54) < 0.01, `E(a0) = ${e(a0)} eV/atom`);
});

test('forces, stress and all parameter derivatives equal finite differences (Cu and Cu–Ni, all F branches)', () => {
  const rng = createRng(7);
  const cases: { name: string; spec: EamAnalyticSpec; s: Structure }[] = [
    // one-atom cell smaller than the cutoff, near equilibrium (middle branch of F)
    { name: 'Cu 1 atom', spec: cuSpec(), s: randomStrain(bulk('fcc', ['Cu'], 3.61, { cubic: false }), 0.03, rng) },
    // expanded: ρ < 0.85 ρe (first branch); compressed: ρ ≥ 1.15 ρe (last branch)
    { name: 'Cu expanded', spec: cuSpec(), s: randomStrain(rattle(bulk('fcc', ['Cu'], 3.85), 0.08, rng), 0.02, rng) },
    { name: 'Cu compressed', spec: cuSpec(), s: randomStrain(rattle(bulk('fcc', ['Cu'], 3.42), 0.05, rng), 0.02, rng) },
    { name: 'Cu-Ni alloy', spec: cuNiSpec(), s: randomStrain(rattle(mixed(supercell(bulk('fcc', ['Cu'], 3.58), [1, 1, 2]), 3), 0.1, rng), 0.03, rng) },
  ];
  for (const c of cases) {
    const model = compileEamAnalytic(c.spec);
    for (const rep of checkDerivatives(model, c.s)) {
      assert.ok(rep.maxRelError < 1e-6, `${c.name}: ${rep.quantity} ${rep.maxRelError} at ${rep.worst}`);
    }
  }
});

test('every parameter: ∂E/∂θ equals a finite difference relative to its own size (Cu–Ni, three densities)', () => {
  const rng = createRng(12);
  const model = compileEamAnalytic(cuNiSpec());
  for (const a of [3.45, 3.58, 3.8]) {
    const s = rattle(mixed(bulk('fcc', ['Cu'], a), 5), 0.08, rng);
    const ref = evaluateStructure(model, s, { paramGradient: true });
    model.paramNames.forEach((name, p) => {
      const h = 1e-5 * Math.max(1, Math.abs(model.parameters[p]));
      const at = (t: number): number => {
        const th = model.parameters.slice();
        th[p] += t;
        return evaluateStructure(model.withParameters(th), s, {}).energy;
      };
      const num = (4 * (at(h / 2) - at(-h / 2)) / h - (at(h) - at(-h)) / (2 * h)) / 3;
      const err = Math.abs(num - ref.dEnergy![p]);
      // 1e-8 absolute: the round-off of the difference quotient (ε·|E|/h)
      assert.ok(err <= 1e-6 * Math.abs(num) + 1e-8, `a=${a} ${name}: analytic ${ref.dEnergy![p]} vs ${num}`);
    });
  }
});

test('exported setfl (eam/alloy) run in lmp reproduces the analytic evaluation', { skip: skipUnless(hasLammps(), 'LAMMPS (lmp)') }, () => {
  const rng = createRng(31);
  for (const spec of [cuSpec(), cuNiSpec()]) {
    const table = tabulateEamAnalytic(spec);
    const text = writeSetfl(specToSetfl(table));
    const analytic = compileEamAnalytic(spec), tab = compileEamTable(table);
    const s = randomStrain(rattle(mixed(supercell(bulk('fcc', ['Cu'], 3.6), [2, 2, 2]), spec.elements.length === 1 ? 0 : 9), 0.12, rng), 0.03, rng);
    const sCu = spec.elements.length === 1 ? { ...s, species: s.species.map(() => atomicNumber('Cu')!) } : s;
    const n = sCu.species.length;
    const ours = evaluateStructure(analytic, sCu, { forces: true, virial: true });
    const lmp = runLammps({ structure: sCu, elements: spec.elements, pairStyle: 'eam/alloy', pairCoeff: [`* * pesfit.eam.alloy ${spec.elements.join(' ')}`], files: { 'pesfit.eam.alloy': text } });
    // pesfit's table kernel on the same tables equals LAMMPS to rounding: isolates the tabulation error
    const viaTable = evaluateStructure(tab, sCu, { forces: true, virial: true });
    assert.ok(Math.abs(viaTable.energy - lmp.energy) / n < 1e-9, `table vs lmp energy ${(viaTable.energy - lmp.energy) / n}`);
    const de = Math.abs(ours.energy - lmp.energy) / n;
    const df = maxAbsDiff(ours.forces!, lmp.forces);
    const ds = maxAbsDiff(ours.stress!, lmp.stress);
    console.log(`# ${spec.elements.join('')}: analytic vs lmp(setfl) energy ${de.toExponential(2)} eV/atom, forces ${df.toExponential(2)} eV/Å, stress ${ds.toExponential(2)} eV/Å³`);
    assert.ok(de < 1e-6, `${spec.elements.join('')}: energy differs by ${de} eV/atom`);
    assert.ok(df < 1e-5, `${spec.elements.join('')}: forces differ by ${df} eV/Å`);
    assert.ok(ds < 1e-6, `${spec.elements.join('')}: stress differs by ${ds} eV/Å³`);
  }
});

test('an inconsistent analytic spec is a ConfigError naming the key', () => {
  assert.throws(() => compileEamAnalytic({ ...cuNiSpec(), params: [CU] }), /params/);
  assert.throws(() => compileEamAnalytic({ ...cuSpec(), params: [{ ...CU, re: -1 }] }), /params\[0\]\.re/);
  assert.throws(() => compileEamAnalytic({ ...cuSpec(), rhoLow: [0.85, 0.9] }), /rhoLow/);
});

test('the registry compiles eam-analytic specs and names bad keys', async () => {
  const { compileModel, validateSpec } = await import('../../src/potentials/registry.ts');
  const s = mixed(supercell(bulk('fcc', ['Cu'], 3.6), [2, 1, 1]), 3);
  const direct = compileEamAnalytic(cuNiSpec());
  const viaRegistry = compileModel(cuNiSpec());
  const a = evaluateStructure(direct, s, { forces: true }), b = evaluateStructure(viaRegistry, s, { forces: true });
  assert.equal(a.energy, b.energy);
  assert.deepEqual([...a.forces!], [...b.forces!]);
  const bad = { ...cuSpec(), params: [{ ...CU, rhoe: 'x' }] };
  assert.throws(() => validateSpec(bad), /spec\.params\[0\]\.rhoe/);
});
