/**
 * bench:eam — the 32,000-atom Cu_u3 cell of LAMMPS's bench/in.eam (fcc a = 3.615 Å, 20×20×20, pair_style eam):
 * energy + forces per step, pesfit's kernel vs LAMMPS's serial "Pair" time, measured alternately in one run.
 *
 * pesfit: the half neighbor list is built once outside the timing (its build time is reported separately). The
 * kernel (evaluate with {forces}) is timed after ≥1 s of warm-up; a sample is the mean of STEPS calls, the result the
 * median of the samples; serially and through the worker-thread evaluator (potentials/parallel, `threads` threads
 * including the main one; its one-time copy of a new neighbor list into shared memory is reported separately).
 * LAMMPS walks a list with its 1 Å skin (neighbor 1.0 bin), i.e. ~1.7x more candidate pairs than pesfit's
 * skin-free list; the serial kernel is therefore also timed on a list with the same skin ("skin 1 Å").
 * LAMMPS: `run 20` on the same cell (no velocities, no thermo output), per-step Pair time from its timing
 * breakdown ("Pair | min avg max ..." avg / 20); median of the repeats.
 * The machine's 1-minute load average is printed: on a shared machine the ratios move with it.
 * Usage: node --import tsx bench/eam.ts [repeats=5] [threads=2]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { funcflToSpec, readFuncfl } from '../src/io/lammps-eam.ts';
import { buildNeighborList } from '../src/neighbors/index.ts';
import { compileEamTable } from '../src/potentials/eam.ts';
import { createParallelEvaluator } from '../src/potentials/parallel/eam-parallel.ts';
import { bulk, supercell } from '../src/structure/builders.ts';

const POT = '/usr/share/lammps/potentials/Cu_u3.eam';
const STEPS = 20;
const repeats = Number(process.argv[2] ?? 5);
const threads = Number(process.argv[3] ?? 2);

const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)];
};

function lammpsPairSeconds(dir: string): number {
  const script = [
    'units metal', 'atom_style atomic', 'lattice fcc 3.615', 'region box block 0 20 0 20 0 20', 'create_box 1 box',
    'create_atoms 1 box', 'pair_style eam', `pair_coeff 1 1 ${POT}`, 'neighbor 1.0 bin',
    'neigh_modify every 1 delay 5 check yes', 'fix 1 all nve', 'timestep 0.005', 'thermo 0', `run ${STEPS}`, '',
  ].join('\n');
  writeFileSync(join(dir, 'in.bench'), script);
  const r = spawnSync('lmp', ['-in', 'in.bench', '-log', 'log.bench', '-screen', 'none'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lmp failed: ${r.stderr}`);
  const log = readFileSync(join(dir, 'log.bench'), 'utf8');
  const m = /^Pair\s*\|\s*([\d.eE+-]+)\s*\|\s*([\d.eE+-]+)/m.exec(log);
  if (!m) throw new Error('no Pair line in the LAMMPS timing breakdown');
  return Number(m[2]) / STEPS;
}

const s = supercell(bulk('fcc', ['Cu'], 3.615), [20, 20, 20]);
const model = compileEamTable(funcflToSpec([readFuncfl(POT)]));
let t0 = performance.now();
const nl = buildNeighborList(s, model.cutoff, { half: true });
const tList = (performance.now() - t0) / 1e3;
const nlSkin = buildNeighborList(s, model.cutoff + 1.0, { half: true });
// one sample = the mean over STEPS calls, the same span LAMMPS's per-step Pair time averages over
const kernel = (): number => {
  const t = performance.now();
  for (let k = 0; k < STEPS; k++) model.evaluate(s, nl, { forces: true });
  return (performance.now() - t) / 1e3 / STEPS;
};
const pe = await createParallelEvaluator(model, threads);
t0 = performance.now();
pe.evaluate(s, nl, { forces: true });
const tSetup = (performance.now() - t0) / 1e3;
const kernelSkin = (): number => {
  const t = performance.now();
  for (let k = 0; k < STEPS; k++) model.evaluate(s, nlSkin, { forces: true });
  return (performance.now() - t) / 1e3 / STEPS;
};
const parallel = (): number => {
  const t = performance.now();
  for (let k = 0; k < STEPS; k++) pe.evaluate(s, nl, { forces: true });
  return (performance.now() - t) / 1e3 / STEPS;
};
t0 = performance.now();
while (performance.now() - t0 < 1500) {
  kernel();
  parallel();
}

const dir = mkdtempSync(join(tmpdir(), 'pesfit-bench-eam-'));
const ours: number[] = [], par: number[] = [], lmp: number[] = [], skin: number[] = [];
const load0 = loadavg()[0];
try {
  for (let k = 0; k < repeats; k++) {
    lmp.push(lammpsPairSeconds(dir));
    ours.push(kernel());
    par.push(parallel());
    skin.push(kernelSkin());
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  await pe.close();
}
const a = median(ours), b = median(lmp), c = median(par), d = median(skin);
console.log(`atoms ${s.species.length}, half-list pairs ${nl.j.length}; load average ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`);
console.log(`pesfit neighbor list build (once): ${(tList * 1e3).toFixed(1)} ms`);
console.log(`pesfit EAM energy+forces, serial: ${(a * 1e3).toFixed(1)} ms/step (median of ${repeats})`);
console.log(`pesfit EAM energy+forces, ${threads} threads: ${(c * 1e3).toFixed(1)} ms/step (first call with a new list ${(tSetup * 1e3).toFixed(1)} ms)`);
console.log(`LAMMPS pair eam (serial):  ${(b * 1e3).toFixed(1)} ms/step (median of ${repeats})`);
console.log(`pesfit EAM energy+forces, serial, skin 1 Å (${nlSkin.j.length} pairs): ${(d * 1e3).toFixed(1)} ms/step`);
console.log(`ratio pesfit serial / LAMMPS serial: ${(a / b).toFixed(2)}x (skin 1 Å like LAMMPS: ${(d / b).toFixed(2)}x)`);
console.log(`ratio pesfit ${threads} threads / LAMMPS serial: ${(c / b).toFixed(2)}x`);
