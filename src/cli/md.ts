/**
 * `pesfit md`: molecular dynamics of a crystal built on the fly (md/ integrators), e.g.
 *   pesfit md --potential Cu_u3.eam --structure fcc --a 3.615 --repeat 20 --temperature 1600 --steps 100 --dt 5
 *
 * Time step and damping times in fs, temperature K. Velocities are Maxwell–Boltzmann at --temperature with zero
 * total momentum (seeded, --seed). Masses: the potential file's (EAM) or standard atomic weights. Ensembles: nve
 * (velocity Verlet), nvt-langevin (BAOAB), nvt-nh (Nosé–Hoover chain, --chain). Progress (thermo lines) goes to
 * stderr every --thermo steps; the summary (energy drift of the conserved quantity in meV/atom/ps and its largest
 * deviation, mean temperature, steps/s and atom-steps/s, neighbor-list builds) to stdout, or as JSON with --json.
 * --traj file.extxyz writes a frame every --every steps (positions, forces, velocities in Å/fs as the `velocities`
 * column, energy, time in fs as `time`), streamed (appended frame by frame, so a long run can be watched);
 * --rdf file.csv writes g(r) averaged over the same frames. --threads N uses the worker-thread EAM evaluator.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../core/errors.ts';
import { createRng } from '../core/random.ts';
import { GPA_PER_EV_A3 } from '../core/units.ts';
import { formatExtxyz } from '../io/extxyz.ts';
import { writeAtomic } from '../io/fs.ts';
import { createForceField, type EvaluateFn } from '../md/forces.ts';
import { langevin, noseHoover, velocityVerlet, type Integrator } from '../md/integrators.ts';
import { atomMasses } from '../md/masses.ts';
import { createRdf, type RdfAccumulator } from '../md/rdf.ts';
import { runMd, type MdSummary } from '../md/run.ts';
import { createState, stateStructure, type MdState } from '../md/state.ts';
import { maxwellBoltzmann } from '../md/velocities.ts';
import { createParallelEvaluator, type ParallelEvaluator } from '../potentials/parallel/eam-parallel.ts';
import { bulk, supercell, type LatticeKind } from '../structure/builders.ts';
import type { Structure } from '../structure/types.ts';
import { ELEMENTS_HELP, loadPotential, POTENTIAL_HELP, STYLE_HELP, type PotentialOptions } from './eval.ts';

export const ENSEMBLES = ['nve', 'nvt-langevin', 'nvt-nh'] as const;
export type Ensemble = (typeof ENSEMBLES)[number];
const LATTICES: readonly LatticeKind[] = ['sc', 'bcc', 'fcc', 'hcp', 'diamond'];

export interface CrystalOptions extends PotentialOptions {
  structure: string;
  a: string;
  repeat?: string;
}

interface MdOptions extends CrystalOptions {
  temperature: string;
  steps: string;
  dt: string;
  ensemble: string;
  damping?: string;
  chain: string;
  skin: string;
  seed: string;
  threads: string;
  thermo?: string;
  traj?: string;
  every: string;
  rdf?: string;
  rdfCutoff: string;
  json?: boolean;
}

export function positiveNumber(v: string, name: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || !(x > 0)) throw new UserError(`${name}: expected a positive number, got '${v}'`);
  return x;
}

export function positiveInt(v: string, name: string): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 1) throw new UserError(`${name}: expected a positive integer, got '${v}'`);
  return x;
}

/** --repeat: one integer (n n n) or three comma-separated. */
export function parseRepeat(v: string | undefined, name = '--repeat'): [number, number, number] {
  if (v === undefined) return [1, 1, 1];
  const parts = v.split(',').map((p) => positiveInt(p.trim(), name));
  if (parts.length === 1) return [parts[0], parts[0], parts[0]];
  if (parts.length === 3) return [parts[0], parts[1], parts[2]];
  throw new UserError(`${name}: expected one integer or three separated by commas, got '${v}'`);
}

export function latticeKind(v: string): LatticeKind {
  if (!(LATTICES as readonly string[]).includes(v)) throw new UserError(`--structure: expected one of ${LATTICES.join(', ')}, got '${v}'`);
  return v as LatticeKind;
}

/** The crystal's element: the first of --elements, else the potential's only element. */
export function crystalElement(elements: readonly string[] | undefined, modelElements: readonly string[]): string {
  if (elements && elements.length > 0) return elements[0];
  if (modelElements.length === 1) return modelElements[0];
  throw new UserError(`the potential has several elements (${modelElements.join(', ')}): give --elements to choose the crystal's`);
}

function buildIntegrator(ens: Ensemble, o: MdOptions, ff: ReturnType<typeof createForceField>, dt: number, T: number, seed: number): Integrator {
  const damping = o.damping !== undefined ? positiveNumber(o.damping, '--damping') : 100 * dt;
  switch (ens) {
    case 'nve':
      return velocityVerlet(ff, dt);
    case 'nvt-langevin':
      return langevin(ff, dt, { temperature: T, damping, rng: createRng(seed + 1) });
    case 'nvt-nh':
      return noseHoover(ff, dt, { temperature: T, damping, chain: positiveInt(o.chain, '--chain') });
  }
}

function frameText(st: MdState, step: number): string {
  const s: Structure = { ...stateStructure(st), positions: st.positions.slice() };
  return formatExtxyz(
    [{ structure: s, labels: { energy: st.potentialEnergy, forces: st.forces }, group: 'md', weight: 1, source: { file: '', frame: step }, info: { time: st.time, step } }],
    { atomColumns: [[{ name: 'velocities', width: 3, values: st.velocities }]] },
  );
}

export async function runMdCommand(o: MdOptions): Promise<MdSummary> {
  const ens = o.ensemble as Ensemble;
  if (!ENSEMBLES.includes(ens)) throw new UserError(`--ensemble: expected one of ${ENSEMBLES.join(', ')}, got '${o.ensemble}'`);
  const T = Number(o.temperature);
  if (!Number.isFinite(T) || T < 0) throw new UserError(`--temperature: expected a number ≥ 0 (K), got '${o.temperature}'`);
  if (ens !== 'nve' && !(T > 0)) throw new UserError('--temperature must be positive for a thermostat');
  const steps = positiveInt(o.steps, '--steps');
  const dt = positiveNumber(o.dt, '--dt');
  const a = positiveNumber(o.a, '--a');
  const seed = Number(o.seed);
  if (!Number.isInteger(seed)) throw new UserError(`--seed: expected an integer, got '${o.seed}'`);
  const threads = positiveInt(o.threads, '--threads');
  const every = positiveInt(o.every, '--every');
  const skin = Number(o.skin);
  if (!Number.isFinite(skin) || skin < 0) throw new UserError(`--skin: expected a number ≥ 0 (Å), got '${o.skin}'`);
  const pot = loadPotential(o);
  const el = crystalElement(o.elements?.split(',').map((e) => e.trim()), pot.model.spec.elements);
  const s = supercell(bulk(latticeKind(o.structure), [el], a), parseRepeat(o.repeat));
  const n = s.species.length;
  const st = createState(s, { masses: atomMasses(s.species, pot.model.spec) });
  maxwellBoltzmann(st, T, createRng(seed));

  let pe: ParallelEvaluator | undefined;
  let evaluate: EvaluateFn | undefined;
  if (threads > 1) {
    pe = await createParallelEvaluator(pot.model, threads);
    evaluate = pe.evaluate.bind(pe);
  }
  try {
    const ff = createForceField(pot.model, { skin, evaluate });
    const integ = buildIntegrator(ens, o, ff, dt, T, seed);
    let rdf: RdfAccumulator | undefined;
    if (o.rdf) rdf = createRdf(positiveNumber(o.rdfCutoff, '--rdf-cutoff'), 200);
    if (o.traj) writeFileSync(o.traj, '');
    const onFrame = o.traj || rdf
      ? (x: MdState): void => {
          if (o.traj) appendFileSync(o.traj, frameText(x, x.step));
          rdf?.add(stateStructure(x));
        }
      : undefined;
    const thermoEvery = o.thermo !== undefined ? positiveInt(o.thermo, '--thermo') : Math.max(1, Math.floor(steps / 10));
    if (!o.json) console.error(`${n} atoms, ${ens}, dt ${dt} fs, ${steps} steps, T ${T} K; ${pot.model.spec.kind} potential ${o.potential}${threads > 1 ? `, ${threads} threads` : ''}`);
    if (!o.json) console.error('    step    time(ps)     T(K)       Epot(eV)         Etot(eV)     conserved(eV)    P(GPa)   steps/s');
    const sum = runMd(st, integ, {
      steps, thermoEvery, frameEvery: every, onFrame,
      onProgress: o.json ? undefined : (x, sps) =>
        console.error(
          `${String(x.step).padStart(8)} ${(x.time / 1000).toFixed(4).padStart(10)} ${x.temperature.toFixed(1).padStart(9)} ` +
            `${x.potential.toFixed(6).padStart(15)} ${x.total.toFixed(6).padStart(16)} ${x.conserved.toFixed(6).padStart(16)} ` +
            `${(x.pressure * GPA_PER_EV_A3).toFixed(3).padStart(9)} ${sps > 0 ? sps.toFixed(1).padStart(9) : ''}`,
        ),
    });
    if (o.rdf && rdf) {
      const r = rdf.result();
      const rows = ['r_A,g,coordination'];
      for (let k = 0; k < r.r.length; k++) rows.push(`${r.r[k]},${r.g[k]},${r.coordination[k]}`);
      writeAtomic(o.rdf, rows.join('\n') + '\n');
    }
    const report = {
      atoms: n, ensemble: ens, dt_fs: dt, steps, seconds: sum.seconds, steps_per_second: sum.stepsPerSecond,
      atom_steps_per_second: sum.stepsPerSecond * n, neighbor_builds: ff.builds, mean_temperature_K: sum.meanTemperature,
      drift_meV_per_atom_per_ps: sum.drift.slope, max_deviation_meV_per_atom: sum.drift.maxDeviation,
      final: sum.samples[sum.samples.length - 1],
    };
    if (o.json) console.log(JSON.stringify(report, null, 2));
    else {
      console.log(`${n} atoms, ${steps} steps of ${dt} fs (${ens}) in ${sum.seconds.toFixed(2)} s: ${sum.stepsPerSecond.toFixed(2)} steps/s, ${(sum.stepsPerSecond * n).toExponential(3)} atom-steps/s; ${ff.builds} neighbor-list builds`);
      console.log(`energy drift (${ens === 'nve' ? 'total energy' : 'conserved quantity'}): ${sum.drift.slope.toExponential(3)} meV/atom/ps (linear fit over ${sum.drift.span.toFixed(3)} ps), max deviation ${sum.drift.maxDeviation.toFixed(4)} meV/atom`);
      console.log(`mean temperature (second half): ${sum.meanTemperature.toFixed(1)} K`);
      if (o.traj) console.log(`trajectory: ${o.traj} (every ${every} steps)`);
      if (o.rdf) console.log(`g(r): ${o.rdf}`);
    }
    return sum;
  } finally {
    await pe?.close();
  }
}

export function registerMdCommand(program: Command): void {
  program
    .command('md')
    .description('molecular dynamics of a crystal: NVE (velocity Verlet), Langevin or Nosé–Hoover NVT; prints progress, energy drift and speed')
    .requiredOption('--potential <file>', POTENTIAL_HELP)
    .option('--style <style>', STYLE_HELP)
    .option('--elements <list>', ELEMENTS_HELP)
    .requiredOption('--structure <lattice>', `crystal: ${LATTICES.join(', ')}`)
    .requiredOption('--a <Å>', 'lattice constant (Å)')
    .option('--repeat <n>', 'repetitions of the conventional cell: n or n1,n2,n3', '1')
    .requiredOption('--temperature <K>', 'initial (and thermostat) temperature (K)')
    .option('--steps <n>', 'number of steps', '100')
    .option('--dt <fs>', 'time step (fs)', '1')
    .option('--ensemble <name>', ENSEMBLES.join(' | '), 'nve')
    .option('--damping <fs>', 'thermostat damping time (fs); default 100·dt')
    .option('--chain <M>', 'Nosé–Hoover chain length', '3')
    .option('--skin <Å>', 'neighbor-list skin (Å)', '1')
    .option('--seed <n>', 'random seed (velocities, Langevin noise)', '1')
    .option('--threads <n>', 'threads for the EAM evaluator (eam-table models)', '1')
    .option('--thermo <n>', 'progress line every n steps (default steps/10)')
    .option('--traj <file.extxyz>', 'write trajectory frames')
    .option('--every <n>', 'frame interval for --traj and --rdf (steps)', '10')
    .option('--rdf <file.csv>', 'write g(r) averaged over the frames')
    .option('--rdf-cutoff <Å>', 'largest r of g(r) (Å)', '6')
    .option('--json', 'print the summary as JSON')
    .action(async (opts: MdOptions) => {
      await runMdCommand(opts);
    });
}
