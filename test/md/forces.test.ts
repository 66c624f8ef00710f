// MD force field (md/forces.ts) with its reusable neighbor builder: along a hot NVE trajectory with a small skin
// (many rebuilds, positions wrapped at each), the forces, energy and virial at every step equal a fresh evaluation
// on a skin-free list built from scratch (the oracle), and the neighbor list is rebuilt only when needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { createRng } from '../../src/core/random.ts';
import { funcflToSpec, readFuncfl } from '../../src/io/lammps-eam.ts';
import { createForceField } from '../../src/md/forces.ts';
import { velocityVerlet } from '../../src/md/integrators.ts';
import { atomMasses } from '../../src/md/masses.ts';
import { createState, stateStructure } from '../../src/md/state.ts';
import { maxwellBoltzmann } from '../../src/md/velocities.ts';
import { buildNeighborList } from '../../src/neighbors/index.ts';
import { compileEamTable } from '../../src/potentials/eam.ts';
import { createParallelEvaluator } from '../../src/potentials/parallel/eam-parallel.ts';
import { bulk, rattle, supercell } from '../../src/structure/builders.ts';
import { LAMMPS_POTENTIALS, hasLammps, skipUnless } from '../helpers/external.ts';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let k = 0; k < b.length; k++) d = Math.max(d, Math.abs(a[k] - b[k]));
  return d;
}

test('forces along an MD run with list reuse equal fresh skin-free evaluations (serial and 2 threads)', { skip: skipUnless(hasLammps(), 'LAMMPS potentials') }, async () => {
  const spec = funcflToSpec([readFuncfl(join(LAMMPS_POTENTIALS, 'Cu_u3.eam'))]);
  const model = compileEamTable(spec);
  const pe = await createParallelEvaluator(model, 2);
  try {
    for (const parallel of [false, true]) {
      const rng = createRng(41);
      const s0 = rattle(supercell(bulk('fcc', ['Cu'], 3.615), [4, 4, 4]), 0.05, rng);
      const st = createState(s0, { masses: atomMasses(s0.species, spec) });
      maxwellBoltzmann(st, 2500, rng);
      const ff = createForceField(model, { skin: 0.3, evaluate: parallel ? pe.evaluate.bind(pe) : undefined });
      const integ = velocityVerlet(ff, 2);
      integ.init(st);
      let worstF = 0, worstE = 0, worstW = 0;
      for (let step = 0; step < 40; step++) {
        integ.step(st);
        const s = stateStructure(st);
        const ref = model.evaluate(s, buildNeighborList(s, model.cutoff, { half: true }), { forces: true, virial: true });
        worstF = Math.max(worstF, maxAbsDiff(st.forces, ref.forces!));
        worstE = Math.max(worstE, Math.abs(st.potentialEnergy - ref.energy));
        worstW = Math.max(worstW, maxAbsDiff(st.virial, ref.virial!));
      }
      const label = parallel ? '2 threads' : 'serial';
      assert.ok(worstF < 1e-11, `${label}: forces differ by ${worstF} eV/Å`);
      assert.ok(worstE < 1e-9, `${label}: energies differ by ${worstE} eV`);
      assert.ok(worstW < 1e-9, `${label}: virials differ by ${worstW} eV`);
      // 2500 K and a 0.3 Å skin: several rebuilds, but not one per step
      assert.ok(ff.builds > 2 && ff.builds < 40, `${label}: ${ff.builds} builds in 40 steps`);
      console.log(`# ${label}: ${ff.builds} builds; max |ΔF| ${worstF.toExponential(2)} eV/Å, |ΔE| ${worstE.toExponential(2)} eV, |ΔW| ${worstW.toExponential(2)} eV`);
    }
  } finally {
    await pe.close();
  }
});
