/**
 * bench:eam — the 32,000-atom Cu_u3 cell of LAMMPS's bench/in.eam (fcc a = 3.615 Å, 20×20×20, pair_style eam):
 * energy + forces per step, pesfit's kernel vs LAMMPS's serial "Pair" time, measured alternately in one run.
 *
 * pesfit: the half neighbor list is built once outside the timing (its build time is reported separately); the
 * kernel (evaluate with {forces}) is timed after ≥1 s of warm-up, median of the repeats.
 * LAMMPS: `run 20` on the same cell (no velocities, no thermo output), per-step Pair time from its timing
 * breakdown ("Pair | min avg max ..." avg / 20); median of the repeats.
 * Usage: node --import tsx bench/eam.ts [repeats=5]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { funcflToSpec, readFuncfl } from '../src/io/lammps-eam.ts';
import { buildNeighborList } from '../src/neighbors/index.ts';
import { compileEamTable } from '../src/potentials/eam.ts';
import { bulk, supercell } from '../src/structure/builders.ts';

const POT = '/usr/share/lammps/potentials/Cu_u3.eam';
const STEPS = 20;
const repeats = Number(process.argv[2] ?? 5);

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
const kernel = (): number => {
  const t = performance.now();
  model.evaluate(s, nl, { forces: true });
  return (performance.now() - t) / 1e3;
};
t0 = performance.now();
while (performance.now() - t0 < 1500) kernel();

const dir = mkdtempSync(join(tmpdir(), 'pesfit-bench-eam-'));
const ours: number[] = [], lmp: number[] = [];
try {
  for (let k = 0; k < repeats; k++) {
    lmp.push(lammpsPairSeconds(dir));
    ours.push(kernel());
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const a = median(ours), b = median(lmp);
console.log(`atoms ${s.species.length}, half-list pairs ${nl.j.length}`);
console.log(`pesfit neighbor list build (once): ${(tList * 1e3).toFixed(1)} ms`);
console.log(`pesfit EAM energy+forces: ${(a * 1e3).toFixed(1)} ms/step (median of ${repeats})`);
console.log(`LAMMPS pair eam (serial):  ${(b * 1e3).toFixed(1)} ms/step (median of ${repeats})`);
console.log(`ratio pesfit / LAMMPS: ${(a / b).toFixed(2)}x`);
