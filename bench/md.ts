/**
 * bench:md — the LAMMPS bench/in.eam setup (/work/shared/reference/lammps/inputs/in.cu_bench_u3): 32,000 atoms of fcc
 * Cu (a = 3.615 Å, 20×20×20 conventional cells), pair_style eam Cu_u3.eam, velocities at 1600 K, NVE, dt 5 fs,
 * 100 steps, neighbor skin 1 Å (`neighbor 1.0 bin`, LAMMPS re-checks every step after a delay of 5; pesfit checks
 * every step, rebuilding when an atom moved more than skin/2, which is LAMMPS's criterion too).
 *
 * Measured alternately in one run, `repeats` rounds of: LAMMPS `lmp -in` (serial, OMP_NUM_THREADS=1; its "Loop time"
 * for the 100 steps), pesfit serial, pesfit with the worker-thread EAM evaluator (`threads` threads including the main
 * one). The pesfit time is the runMd loop (100 steps, force evaluation at step 0 excluded, as LAMMPS's setup is
 * excluded from its loop time; neighbor-list rebuilds included). One warm-up run of each pesfit variant precedes the
 * rounds (V8 warm-up, see docs/toolchain.md). Reports median seconds, atom-steps/s and the ratio pesfit/LAMMPS, and
 * the ratio of the fastest runs (on a shared machine the minimum is the least disturbed measurement).
 * Usage: node --import tsx bench/md.ts [repeats=2] [threads=2]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../src/core/random.ts';
import { funcflToSpec, readFuncfl } from '../src/io/lammps-eam.ts';
import { createForceField } from '../src/md/forces.ts';
import { velocityVerlet } from '../src/md/integrators.ts';
import { atomMasses } from '../src/md/masses.ts';
import { runMd } from '../src/md/run.ts';
import { createState } from '../src/md/state.ts';
import { maxwellBoltzmann } from '../src/md/velocities.ts';
import { compileEamTable } from '../src/potentials/eam.ts';
import { createParallelEvaluator } from '../src/potentials/parallel/eam-parallel.ts';
import { bulk, supercell } from '../src/structure/builders.ts';

const POT = '/usr/share/lammps/potentials/Cu_u3.eam';
const STEPS = 100, DT = 5, T = 1600, SKIN = 1.0;
const repeats = Number(process.argv[2] ?? 2);
const threads = Number(process.argv[3] ?? 2);

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};

function lammpsSeconds(dir: string): number {
  const script = [
    'units metal', 'atom_style atomic', 'lattice fcc 3.615', 'region box block 0 20 0 20 0 20', 'create_box 1 box',
    'create_atoms 1 box', 'pair_style eam', `pair_coeff 1 1 ${POT}`, 'velocity all create 1600.0 376847 loop geom',
    'neighbor 1.0 bin', 'neigh_modify every 1 delay 5 check yes', 'fix 1 all nve', 'timestep 0.005', 'thermo 50',
    `run ${STEPS}`, '',
  ].join('\n');
  writeFileSync(join(dir, 'in.bench'), script);
  const r = spawnSync('lmp', ['-in', 'in.bench', '-log', 'log.bench', '-screen', 'none'], {
    cwd: dir, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (r.status !== 0) throw new Error(`lmp failed: ${r.stderr}`);
  const m = /^Loop time of ([\d.eE+-]+)/m.exec(readFileSync(join(dir, 'log.bench'), 'utf8'));
  if (!m) throw new Error('no "Loop time" line in the LAMMPS log');
  return Number(m[1]);
}

const s = supercell(bulk('fcc', ['Cu'], 3.615), [20, 20, 20]);
const N = s.species.length;
const spec = funcflToSpec([readFuncfl(POT)]);
const model = compileEamTable(spec);
const pe = await createParallelEvaluator(model, threads);

function pesfitSeconds(parallel: boolean): { seconds: number; builds: number; drift: number } {
  const st = createState(s, { masses: atomMasses(s.species, spec) });
  maxwellBoltzmann(st, T, createRng(376847));
  const ff = createForceField(model, { skin: SKIN, evaluate: parallel ? pe.evaluate.bind(pe) : undefined, virial: false });
  const sum = runMd(st, velocityVerlet(ff, DT), { steps: STEPS, thermoEvery: 50 });
  return { seconds: sum.seconds, builds: ff.builds, drift: sum.drift.maxDeviation };
}

pesfitSeconds(false);
pesfitSeconds(true);
const dir = mkdtempSync(join(tmpdir(), 'pesfit-bench-md-'));
const ours: number[] = [], par: number[] = [], lmp: number[] = [];
let builds = 0, dev = 0;
const load0 = loadavg()[0];
try {
  for (let k = 0; k < repeats; k++) {
    lmp.push(lammpsSeconds(dir));
    const a = pesfitSeconds(false);
    ours.push(a.seconds);
    builds = a.builds;
    dev = a.drift;
    par.push(pesfitSeconds(true).seconds);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await pe.close();
}
const a = median(ours), b = median(lmp), c = median(par);
const rate = (t: number): string => `${((N * STEPS) / t / 1e6).toFixed(3)}e6 atom-steps/s`;
console.log(`${N} atoms, ${STEPS} NVE steps of ${DT} fs at ${T} K, skin ${SKIN} Å; load average ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`);
console.log(`pesfit serial:     ${a.toFixed(3)} s (${rate(a)}; ${builds} neighbor-list builds; max |ΔE| ${dev.toFixed(3)} meV/atom); runs ${ours.map((x) => x.toFixed(2)).join(' ')}`);
console.log(`pesfit ${threads} threads:  ${c.toFixed(3)} s (${rate(c)}); runs ${par.map((x) => x.toFixed(2)).join(' ')}`);
console.log(`LAMMPS serial:     ${b.toFixed(3)} s (${rate(b)}); runs ${lmp.map((x) => x.toFixed(2)).join(' ')}`);
console.log(`ratio pesfit serial / LAMMPS serial: ${(a / b).toFixed(2)}x (goal ≤ 1.5x)`);
console.log(`ratio pesfit ${threads} threads / LAMMPS serial: ${(c / b).toFixed(2)}x`);
const best = (v: number[]): number => Math.min(...v);
console.log(`fastest runs: serial / LAMMPS ${(best(ours) / best(lmp)).toFixed(2)}x, ${threads} threads / LAMMPS ${(best(par) / best(lmp)).toFixed(2)}x`);
