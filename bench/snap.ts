/**
 * bench:snap — SNAP speed per atom (issue 6).
 *
 * (a) Design rows (descriptors B_i and their derivatives, i.e. the energy/force/virial rows the fitter needs) of the
 *     whole Si mlearn training set (../shared/data/mlearn/Si/training.json), with the published Zuo et al. Si SNAP
 *     hyperparameters (Si_Zuo_JPCA2020.snapparam: 2J=8, rcutfac 4.9) and the same with 2J=6; single-threaded
 *     (snapDesignRowsOf, on the calling thread) and on all cores (SnapWorkerPool, as designRowsBatch uses it). µs per
 *     atom of wall time (neighbor lists included), the serial run also in CPU time, and µs per neighbor pair (per
 *     atom / the training set's mean neighbor count inside the cutoff, printed). Both runs are warm: ≥1 s of work
 *     first, serially on the calling thread and on the pool's workers alike (each worker compiles its own code);
 *     the pool's start-up (workers loading tsx and the sources, plus a first small batch) is reported apart.
 * (b) The adjoint kernel (energy + forces, pair_style snap's algorithm) against LAMMPS's own SNAP code on the same
 *     cell, timed alternately: Debian's lmp has no ML-SNAP package, so LAMMPS runs SNAP through `pair_style kim` with
 *     the OpenKIM models SNAP_ThompsonSwilerTrott_2015_Ta (Ta06A, 2J=6) and SNAP_ZuoChenLi_2019_Si (2J=8), against
 *     pesfit with /usr/share/lammps/potentials/Ta06A.* and Si_Zuo_JPCA2020.* on the same (rattled) cell, written
 *     to a data file. LAMMPS: `run N` without integrator (atoms do not move, no neighbor rebuilds, skin 0), time
 *     per atom-step = Loop time / N / atoms; its "% CPU use" line gives the CPU-time equivalent. pesfit: median of
 *     samples after ≥1 s of warm-up, wall and CPU time (process.cpuUsage, one thread). Ratios pesfit/LAMMPS are
 *     printed in wall time and in CPU time (the CPU ratio is the meaningful one on a loaded shared machine).
 *     On the same cell, like for like with LAMMPS's per atom-step: pesfit's design rows (B, dB/dr and virial rows
 *     of every atom; SnapEngine.designRows on a prebuilt list, as LAMMPS reuses its list) on 1 thread, median of
 *     samples like the adjoint; and on all cores, a batch of 8 copies per worker of the cell (the cell itself and
 *     copies rattled with other seeds: a single structure is one task), warm, neighbor lists built in the workers.
 *     The older ratio of the serial training-set design rows to this LAMMPS time is kept for comparison (it is not
 *     like for like at 2J=6: Si at 4.9 Å has more neighbors than bcc Ta).
 * The 1-minute load average is printed with each section: on a shared machine all numbers move with it.
 * Kernels: the WASM SIMD ones when native/build/snap_kernels.wasm is built (npm run build:wasm), else the pure-TS
 * ones; PESFIT_SNAP_WASM=0 forces TS (for before/after comparisons). The choice is printed first.
 * Usage: node --import tsx bench/snap.ts [repeats=3] [threads=all cores]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRng } from '../src/core/random.ts';
import { readConfigurations } from '../src/io/formats.ts';
import { readSnapFiles } from '../src/io/lammps-snap.ts';
import { buildNeighborList } from '../src/neighbors/index.ts';
import { SnapEngine, snapCutoff } from '../src/potentials/snap/engine.ts';
import { SnapWorkerPool, snapDesignRowsOf } from '../src/potentials/snap/parallel.ts';
import { compileSnap } from '../src/potentials/snap/snap.ts';
import { snapColumnCount, type SnapSpec } from '../src/potentials/snap/spec.ts';
import { snapWasmAvailable } from '../src/potentials/snap/wasm.ts';
import { bulk, rattle, supercell } from '../src/structure/builders.ts';
import type { Structure } from '../src/structure/types.ts';

const POT = '/usr/share/lammps/potentials';
const TRAINING = new URL('../../shared/data/mlearn/Si/training.json', import.meta.url).pathname;
const repeats = Number(process.argv[2] ?? 3);
const threads = Number(process.argv[3] ?? availableParallelism());
/** Warm-up before any timed run (ms). */
const WARM_MS = 1000;

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
const load = (): string => `load ${loadavg()[0]!.toFixed(2)}`;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e3;
};

/** Wall and CPU milliseconds of f(). */
function timed(f: () => void): { wall: number; cpu: number } {
  const w = performance.now();
  const c = cpuMs();
  f();
  return { wall: performance.now() - w, cpu: cpuMs() - c };
}

function withTwojmax(spec: SnapSpec, twojmax: number): SnapSpec {
  const s = { ...spec, twojmax };
  s.coefficients = spec.coefficients.map(() => new Array<number>(snapColumnCount(s)).fill(0));
  return s;
}

/** A started, warm pool: start-up (workers loading tsx and the sources, and a first small batch) in seconds. */
async function warmPool(spec: SnapSpec, warmSet: readonly Structure[]): Promise<{ pool: SnapWorkerPool; startup: number }> {
  const t0 = performance.now();
  const pool = new SnapWorkerPool(spec, threads);
  await pool.designRows(warmSet.slice(0, 4 * threads));
  const startup = (performance.now() - t0) / 1e3;
  const w = performance.now();
  while (performance.now() - w < WARM_MS) await pool.designRows(warmSet);
  return { pool, startup };
}

/** Mean number of neighbors inside the cutoff per atom. */
function meanNeighbors(structures: readonly Structure[], cutoff: number): number {
  let pairs = 0;
  let atoms = 0;
  for (const s of structures) {
    pairs += buildNeighborList(s, cutoff, { half: false }).start[s.species.length]!;
    atoms += s.species.length;
  }
  return pairs / atoms;
}

console.log(`SNAP kernels: ${snapWasmAvailable() ? 'WASM SIMD (native/build/snap_kernels.wasm)' : 'TypeScript'}`);

// ---- (a) design rows over the Si training set ----
const si = readSnapFiles(join(POT, 'Si_Zuo_JPCA2020.snapcoeff'), join(POT, 'Si_Zuo_JPCA2020.snapparam'));
const configs = readConfigurations(TRAINING).map((c) => c.structure);
const nAtoms = configs.reduce((a, s) => a + s.species.length, 0);
console.log(`SNAP design rows, Si mlearn training set: ${configs.length} structures, ${nAtoms} atoms; ${load()}`);
const rowsSerial = new Map<number, number>();
for (const twojmax of [8, 6]) {
  const spec = withTwojmax(si, twojmax);
  const engine = new SnapEngine({ ...spec, cutoff: snapCutoff(spec) });
  const nbrs = meanNeighbors(configs, engine.cutoff);
  const warm = performance.now();
  for (let k = 0; performance.now() - warm < WARM_MS; k = (k + 1) % configs.length) snapDesignRowsOf(engine, configs[k]!);
  const serial = timed(() => configs.forEach((s) => snapDesignRowsOf(engine, s)));
  const { pool, startup } = await warmPool(spec, configs.slice(0, 16 * threads));
  const t1 = performance.now();
  await pool.designRows(configs);
  const par = performance.now() - t1;
  await pool.close();
  rowsSerial.set(twojmax, (1e3 * serial.cpu) / nAtoms);
  const perAtom = (1e3 * serial.wall) / nAtoms;
  const perAtomPar = (1e3 * par) / nAtoms;
  console.log(
    `  2J=${twojmax}: 1 thread ${perAtom.toFixed(1)} µs/atom (CPU ${((1e3 * serial.cpu) / nAtoms).toFixed(1)}), ` +
      `${threads} threads ${perAtomPar.toFixed(1)} µs/atom (speed-up ${(serial.wall / par).toFixed(2)}x; pool start-up ${startup.toFixed(1)} s); ${load()}`,
  );
  console.log(
    `        per neighbor pair (${nbrs.toFixed(1)} neighbors/atom within ${engine.cutoff} Å): 1 thread ${(perAtom / nbrs).toFixed(2)} µs, ` +
      `${threads} threads ${(perAtomPar / nbrs).toFixed(2)} µs`,
  );
}

// ---- (b) adjoint energy + forces vs LAMMPS (pair_style kim) on the same cell, and design rows on that cell ----
function writeData(path: string, s: Structure): void {
  const c = s.cell;
  if (c[1] !== 0 || c[2] !== 0 || c[3] !== 0 || c[5] !== 0 || c[6] !== 0 || c[7] !== 0) throw new Error('bench cells are orthogonal');
  const lines = ['# pesfit bench:snap', '', `${s.species.length} atoms`, '1 atom types', '',
    `0 ${c[0]} xlo xhi`, `0 ${c[4]} ylo yhi`, `0 ${c[8]} zlo zhi`, '', 'Atoms # atomic', ''];
  for (let i = 0; i < s.species.length; i++)
    lines.push(`${i + 1} 1 ${s.positions[3 * i]} ${s.positions[3 * i + 1]} ${s.positions[3 * i + 2]}`);
  writeFileSync(path, lines.join('\n') + '\n');
}

/** LAMMPS µs per atom-step (wall, and wall × CPU use). */
function lammps(dir: string, kimModel: string, el: string, steps: number, nAt: number): { wall: number; cpu: number } {
  const script = [
    `kim init ${kimModel} metal`, 'atom_style atomic', 'boundary p p p', 'read_data cell.data', `kim interactions ${el}`,
    'mass 1 1.0', 'neighbor 0.0 bin', 'neigh_modify every 1000000 delay 0 check no', 'thermo 0', `run ${steps}`, '',
  ].join('\n');
  writeFileSync(join(dir, 'in.bench'), script);
  const r = spawnSync('lmp', ['-in', 'in.bench', '-log', 'log.bench', '-screen', 'none'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`lmp failed (${r.status}): ${r.stderr || readFileSync(join(dir, 'log.bench'), 'utf8').slice(-500)}`);
  const log = readFileSync(join(dir, 'log.bench'), 'utf8');
  const loop = /Loop time of ([\d.eE+-]+) on 1 procs for (\d+) steps with (\d+) atoms/.exec(log);
  const cpu = /([\d.]+)% CPU use/.exec(log);
  if (!loop || !cpu) throw new Error('no Loop time / CPU use line in the LAMMPS log');
  const wall = (1e6 * Number(loop[1])) / Number(loop[2]) / nAt;
  return { wall, cpu: (wall * Number(cpu[1])) / 100 };
}

interface Case {
  name: string;
  spec: SnapSpec;
  kim: string;
  el: string;
  /** The cell, rattled with the given seed. */
  cellOf: (seed: number) => Structure;
  seed: number;
  steps: number;
}
const CASES: Case[] = [
  {
    name: 'Ta06A (2J=6), bcc 4x4x4',
    spec: readSnapFiles(join(POT, 'Ta06A.snapcoeff'), join(POT, 'Ta06A.snapparam')),
    kim: 'SNAP_ThompsonSwilerTrott_2015_Ta__MO_359768485367_000', el: 'Ta',
    cellOf: (seed) => rattle(supercell(bulk('bcc', ['Ta'], 3.316), [4, 4, 4]), 0.05, createRng(seed)), seed: 1, steps: 100,
  },
  {
    name: 'Zuo Si (2J=8), diamond 2x2x2',
    spec: si, kim: 'SNAP_ZuoChenLi_2019_Si__MO_869330304805_000', el: 'Si',
    cellOf: (seed) => rattle(supercell(bulk('diamond', ['Si'], 5.43), [2, 2, 2]), 0.05, createRng(seed)), seed: 2, steps: 30,
  },
];

/** Median µs per atom (wall, CPU) of 5 samples of f after warm-up; `n` atoms per call. */
function samples(f: () => void, n: number, out: { wall: number[]; cpu: number[] }): void {
  for (let k = 0; k < 5; k++) {
    const t = timed(f);
    out.wall.push((1e3 * t.wall) / n);
    out.cpu.push((1e3 * t.cpu) / n);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'pesfit-bench-snap-'));
try {
  for (const c of CASES) {
    const model = compileSnap(c.spec);
    const engine = new SnapEngine({ ...c.spec, cutoff: snapCutoff(c.spec) });
    const s = c.cellOf(c.seed);
    const n = s.species.length;
    const nl = buildNeighborList(s, model.cutoff, { half: false });
    writeData(join(dir, 'cell.data'), s);
    const kernel = (): void => void model.evaluate(s, nl, { forces: true });
    const rowsKernel = (): void => void engine.designRows(s, nl);
    for (const f of [kernel, rowsKernel]) {
      const w = performance.now();
      while (performance.now() - w < WARM_MS) f();
    }
    const adj = { wall: [] as number[], cpu: [] as number[] };
    const rows = { wall: [] as number[], cpu: [] as number[] };
    const lw: number[] = [];
    const lc: number[] = [];
    for (let r = 0; r < repeats; r++) {
      samples(kernel, n, adj);
      samples(rowsKernel, n, rows);
      const l = lammps(dir, c.kim, c.el, c.steps, n);
      lw.push(l.wall);
      lc.push(l.cpu);
    }
    const [aw, ac, bw, bc] = [median(adj.wall), median(adj.cpu), median(lw), median(lc)];
    const [rw, rc] = [median(rows.wall), median(rows.cpu)];
    // all cores: 8 copies of the cell per worker, the first the cell itself
    const batch = Array.from({ length: 8 * threads }, (_, k) => (k === 0 ? s : c.cellOf(1000 * c.seed + k)));
    const { pool } = await warmPool(c.spec, batch);
    const t1 = performance.now();
    await pool.designRows(batch);
    const par = (1e3 * (performance.now() - t1)) / (n * batch.length);
    await pool.close();
    const nbrs = nl.start[n]! / n;
    console.log(`\nAdjoint energy+forces, ${c.name}, ${n} atoms, ${nbrs.toFixed(1)} neighbors/atom; ${load()}`);
    console.log(`  pesfit ${aw.toFixed(1)} µs/atom (CPU ${ac.toFixed(1)}); LAMMPS (kim) ${bw.toFixed(1)} µs/atom-step (CPU ${bc.toFixed(1)})`);
    console.log(`  ratio pesfit-adjoint/LAMMPS: ${(aw / bw).toFixed(2)} wall, ${(ac / bc).toFixed(2)} CPU`);
    const tj = c.spec.twojmax;
    const rowsTs = rowsSerial.get(tj);
    if (rowsTs !== undefined)
      console.log(`  ratio pesfit-design-rows (Si training set, 2J=${tj}, 1 thread, CPU)/LAMMPS adjoint: ${(rowsTs / bc).toFixed(2)}`);
    console.log(
      `  design rows on this cell: 1 thread ${rw.toFixed(1)} µs/atom (CPU ${rc.toFixed(1)}; ${(rw / nbrs).toFixed(2)} µs/pair), ` +
        `${threads} threads ${par.toFixed(1)} µs/atom (${batch.length} copies; speed-up ${(rw / par).toFixed(2)}x); ${load()}`,
    );
    console.log(
      `  ratio pesfit-design-rows (this cell)/LAMMPS adjoint: 1 thread ${(rw / bw).toFixed(2)} wall, ${(rc / bc).toFixed(2)} CPU; ` +
        `${threads} threads ${(par / bw).toFixed(2)} wall (LAMMPS on 1 process)`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
