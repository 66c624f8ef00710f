import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRng } from '../../src/core/random.ts';
import { buildLammpsData } from '../../src/io/lammps-data.ts';
import { parseLammpsDump } from '../../src/io/lammps-dump.ts';
import { vectorsFromLammps, vectorsToLammps } from '../../src/io/lammps-frame.ts';
import { funcflToSpec, readFuncfl } from '../../src/io/lammps-eam.ts';
import { compileEamTable } from '../../src/potentials/eam.ts';
import { bulk, supercell } from '../../src/structure/builders.ts';
import { createForceField } from '../../src/md/forces.ts';
import { velocityVerlet } from '../../src/md/integrators.ts';
import { FS_PER_PS } from '../../src/md/md-units.ts';
import { runMd } from '../../src/md/run.ts';
import { createState } from '../../src/md/state.ts';
import { maxwellBoltzmann } from '../../src/md/velocities.ts';
import { hasLammps, LAMMPS_POTENTIALS, skipUnless } from '../helpers/external.ts';
import { runLammpsScriptWithOutputs } from '../helpers/lammps.ts';

const CU_U3 = join(LAMMPS_POTENTIALS, 'Cu_u3.eam');
const STEPS = 20;

test('20 NVE steps of 256-atom Cu_u3 at 1200 K match LAMMPS fix nve from the same velocities', { skip: skipUnless(hasLammps() && existsSync(CU_U3), 'lmp with Cu_u3.eam') }, () => {
  const spec = funcflToSpec([readFuncfl(CU_U3)]);
  const model = compileEamTable(spec);
  const s = supercell(bulk('fcc', ['Cu'], 3.615), [4, 4, 4]);
  // the masses LAMMPS takes from the funcfl file (pair_coeff overrides the data file's)
  const st = createState(s, { masses: Array.from(s.species, () => spec.masses[0]) });
  maxwellBoltzmann(st, 1200, createRng(42));
  const data = buildLammpsData(s, { elements: ['Cu'], masses: spec.masses, atomStyle: 'atomic' });
  // LAMMPS metal velocities are Å/ps
  const vl = vectorsToLammps(st.velocities, data.frame.rotation);
  const vel = ['', 'Velocities', ''];
  for (let i = 0; i < s.species.length; i++) vel.push(`${i + 1} ${vl[3 * i] * FS_PER_PS} ${vl[3 * i + 1] * FS_PER_PS} ${vl[3 * i + 2] * FS_PER_PS}`);
  const script = [
    'units metal', 'atom_style atomic', 'boundary p p p', 'read_data data.cu', 'pair_style eam', `pair_coeff * * ${CU_U3}`,
    'neighbor 1.0 bin', 'neigh_modify every 1 delay 0 check yes', 'timestep 0.001', 'fix 1 all nve',
    `dump 1 all custom ${STEPS} dump.md id xu yu zu`, 'dump_modify 1 sort id format float %.17g', 'thermo_style custom step pe ke etotal',
    'thermo_modify format float %.17g', `run ${STEPS}`, '',
  ].join('\n');
  const out = runLammpsScriptWithOutputs(script, { 'data.cu': data.text + vel.join('\n') + '\n' }, ['dump.md']);
  const frames = parseLammpsDump(out.outputs['dump.md'], 'dump.md');
  const last = frames[frames.length - 1];
  assert.equal(last.timestep, STEPS);
  // LAMMPS's frame positions are the wrapped input positions: compare displacements from step 0
  const x0l = frames[0].positions!;
  const dl = vectorsFromLammps(last.positions!.map((v, k) => v - x0l[k]), data.frame.rotation);

  const x0 = st.positions.slice();
  runMd(st, velocityVerlet(createForceField(model, { skin: 1.0 }), 1), { steps: STEPS });
  let err = 0, moved = 0;
  for (let k = 0; k < x0.length; k++) {
    const d = st.positions[k] - x0[k];
    err = Math.max(err, Math.abs(d - dl[k]));
    moved = Math.max(moved, Math.abs(d));
  }
  console.log(`after ${STEPS} steps: largest displacement ${moved.toFixed(3)} Å, max |pesfit − LAMMPS| ${err.toExponential(2)} Å`);
  assert.ok(moved > 0.05);
  assert.ok(err < 1e-8, `max position difference ${err}`);
});
