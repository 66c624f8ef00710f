/**
 * Neighbor-list benchmark: the 32,000-atom fcc Cu cell of LAMMPS bench/in.eam (a = 3.615 Å, 20x20x20
 * conventional cells; ../shared/reference/lammps/inputs/in.cu_bench_u3) with the Cu_u3 cutoff 4.95 Å plus the
 * 1.0 Å skin of that input. Warms up for at least a second (V8 tiers up late, see docs/toolchain.md), then
 * reports the median of repeated half and full list builds: time, pairs, ns/pair and memory; then the same builds
 * through one reused builder (createNeighborBuilder, as MD rebuilds: no allocation once warm).
 *
 * LAMMPS side by side (when `lmp` and Cu_u3.eam are installed): the same input with a rebuild forced on every
 * step (`neigh_modify every 1 delay 0 check no`) for a few steps; the "Neigh" row of its timing breakdown divided
 * by the number of builds is LAMMPS's time per half-list build (binning included; ghost-atom communication is
 * timed separately under "Comm" and not counted).
 *
 * Usage: npm run bench:neighbors [-- --runs 7 --no-lammps]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildNeighborList, createNeighborBuilder } from '../src/neighbors/index.ts';
import type { NeighborList } from '../src/neighbors/types.ts';
import { bulk, supercell } from '../src/structure/builders.ts';

const A_CU = 3.615;
const REPEAT = 20;
const CUTOFF_CU_U3 = 4.95;
const SKIN = 1.0;
const LAMMPS_STEPS = 20;
const POTENTIAL = '/usr/share/lammps/potentials/Cu_u3.eam';
const MIB = 1024 * 1024;

function arg(name: string): string | undefined {
  const k = process.argv.indexOf(name);
  return k >= 0 ? process.argv[k + 1] : undefined;
}
const runs = Math.max(5, Number(arg('--runs') ?? 7));
const withLammps = !process.argv.includes('--no-lammps');

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : 0.5 * (s[m - 1] + s[m]);
}

function listBytes(nl: NeighborList): number {
  return nl.start.byteLength + nl.j.byteLength + nl.shift.byteLength;
}

const s = supercell(bulk('fcc', ['Cu'], A_CU), [REPEAT, REPEAT, REPEAT]);
const cutoff = CUTOFF_CU_U3 + SKIN;
const n = s.species.length;
console.log(`fcc Cu ${REPEAT}x${REPEAT}x${REPEAT}: ${n} atoms, cutoff ${CUTOFF_CU_U3} + skin ${SKIN} = ${cutoff} Å`);

const warmStart = performance.now();
let warmBuilds = 0;
while (performance.now() - warmStart < 1000 || warmBuilds < 4) {
  buildNeighborList(s, cutoff, { half: warmBuilds % 2 === 0 });
  warmBuilds++;
}
console.log(`warm-up: ${warmBuilds} builds in ${((performance.now() - warmStart) / 1000).toFixed(2)} s`);

const results: Record<'half' | 'full', { ms: number; pairs: number; bytes: number }> = {
  half: { ms: 0, pairs: 0, bytes: 0 },
  full: { ms: 0, pairs: 0, bytes: 0 },
};
for (const kind of ['half', 'full'] as const) {
  const times: number[] = [];
  let last: NeighborList | undefined;
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    last = buildNeighborList(s, cutoff, { half: kind === 'half' });
    times.push(performance.now() - t0);
  }
  const nl = last!;
  const ms = median(times);
  results[kind] = { ms, pairs: nl.j.length, bytes: listBytes(nl) };
  console.log(
    `${kind} list: median ${ms.toFixed(1)} ms of ${runs} (min ${Math.min(...times).toFixed(1)}, max ${Math.max(...times).toFixed(1)}), ` +
      `${nl.j.length} entries (${(nl.j.length / n).toFixed(2)} per atom), ${((ms * 1e6) / nl.j.length).toFixed(1)} ns/entry, ` +
      `list ${(listBytes(nl) / MIB).toFixed(1)} MiB`,
  );
}
const builder = createNeighborBuilder();
const reuseMs: Record<'half' | 'full', number> = { half: 0, full: 0 };
for (const kind of ['half', 'full'] as const) {
  const times: number[] = [];
  builder.build(s, cutoff, { half: kind === 'half' });
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    builder.build(s, cutoff, { half: kind === 'half' });
    times.push(performance.now() - t0);
  }
  reuseMs[kind] = median(times);
  console.log(`${kind} list, reused builder: median ${reuseMs[kind].toFixed(1)} ms of ${runs} (min ${Math.min(...times).toFixed(1)})`);
}
const mem = process.memoryUsage();
console.log(`process memory: rss ${(mem.rss / MIB).toFixed(0)} MiB, heap used ${(mem.heapUsed / MIB).toFixed(0)} MiB, typed arrays ${(mem.arrayBuffers / MIB).toFixed(0)} MiB`);

function lammpsNeighborBuild(): { msPerBuild: number; builds: number } | string {
  const probe = spawnSync('lmp', ['-h'], { encoding: 'utf8' });
  if (probe.status !== 0) return 'lmp not found';
  if (!existsSync(POTENTIAL)) return `${POTENTIAL} not found (apt-get install lammps-data)`;
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-bench-'));
  try {
    const input = [
      'units metal',
      'atom_style atomic',
      `lattice fcc ${A_CU}`,
      `region box block 0 ${REPEAT} 0 ${REPEAT} 0 ${REPEAT}`,
      'create_box 1 box',
      'create_atoms 1 box',
      'pair_style eam',
      `pair_coeff 1 1 ${POTENTIAL}`,
      'velocity all create 1600.0 376847 loop geom',
      `neighbor ${SKIN} bin`,
      'neigh_modify every 1 delay 0 check no',
      'fix 1 all nve',
      'timestep 0.005',
      'thermo 100',
      `run ${LAMMPS_STEPS}`,
      '',
    ].join('\n');
    writeFileSync(join(dir, 'in.bench'), input);
    const r = spawnSync('lmp', ['-in', 'in.bench', '-log', 'none'], { cwd: dir, encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
    if (r.status !== 0) return `lmp failed: ${r.stderr || r.stdout}`;
    const neigh = /^Neigh\s*\|\s*([\d.eE+-]+)\s*\|\s*([\d.eE+-]+)/m.exec(r.stdout);
    const builds = /Neighbor list builds\s*=\s*(\d+)/.exec(r.stdout);
    if (!neigh || !builds) return 'could not find the Neigh timing or the build count in the LAMMPS output';
    const nb = Number(builds[1]);
    return { msPerBuild: (Number(neigh[2]) * 1000) / nb, builds: nb };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (withLammps) {
  const l = lammpsNeighborBuild();
  if (typeof l === 'string') console.log(`LAMMPS comparison skipped: ${l}`);
  else {
    console.log(`LAMMPS (lmp, serial, ${l.builds} forced rebuilds): ${l.msPerBuild.toFixed(1)} ms per half-list build`);
    console.log(`ratio pesfit half / LAMMPS: ${(results.half.ms / l.msPerBuild).toFixed(2)} (reused builder: ${(reuseMs.half / l.msPerBuild).toFixed(2)})`);
  }
}
