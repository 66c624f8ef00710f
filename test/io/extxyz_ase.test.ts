// ASE 3.22 as the oracle for extxyz: what ASE reads from a file must be what pesfit reads, number for number,
// both for files written by others (ASE itself, the LAMMPS and GPAW references) and for files pesfit writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readExtxyz, writeExtxyz } from '../../src/io/extxyz.ts';
import { DEFAULT_GROUP, type Configuration, type InfoValue } from '../../src/structure/types.ts';
import { PYTHON, hasAse, hasShared, sharedPath, skipUnless } from '../helpers/external.ts';

interface AseFrame {
  numbers: number[];
  positions: number[][];
  cell: number[][];
  pbc: boolean[];
  info: Record<string, InfoValue>;
  results: { energy?: number; free_energy?: number; forces?: number[][]; stress?: number[]; energies?: number[] };
}

// Prints, per file, every frame as ASE reads it: info and the SinglePointCalculator results (stress in ASE's
// Voigt order xx yy zz yz xz xy). Python's float repr is the shortest round-trip text, so JSON is exact.
const SCRIPT = `
import json, sys
import numpy as np
import ase.io
def plain(v):
    if isinstance(v, np.ndarray): return v.tolist()
    if isinstance(v, np.generic): return v.item()
    return v
out = {}
for path in sys.argv[1:]:
    frames = []
    for a in ase.io.read(path, ':', format='extxyz'):
        res = {k: plain(v) for k, v in (a.calc.results.items() if a.calc is not None else [])}
        frames.append(dict(numbers=a.numbers.tolist(), positions=a.positions.tolist(), cell=a.cell[:].tolist(),
                           pbc=[bool(p) for p in a.pbc], info={k: plain(v) for k, v in a.info.items()}, results=res))
    out[path] = frames
print(json.dumps(out))
`;

function aseRead(paths: string[]): Record<string, AseFrame[]> {
  const r = spawnSync(PYTHON, ['-c', SCRIPT, ...paths], { encoding: 'utf8', timeout: 60000, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, AseFrame[]>;
}

/** Keys ASE leaves in info that pesfit turns into labels or configuration fields. */
const LABEL_KEYS = new Set(['energy', 'free_energy', 'stress', 'config_type', 'weight']);

function exact(ours: ArrayLike<number>, theirs: number[], what: string): void {
  assert.equal(ours.length, theirs.length, what);
  for (let i = 0; i < theirs.length; i++) assert.ok(Object.is(ours[i], theirs[i]), `${what}[${i}]: ${ours[i]} vs ${theirs[i]}`);
}

/** Compares every number exactly; returns the number of values compared. */
function compareWithAse(ours: Configuration[], ase: AseFrame[], file: string): number {
  assert.equal(ours.length, ase.length, `${file}: frame count`);
  let count = 0;
  for (let k = 0; k < ase.length; k++) {
    const c = ours[k], a = ase[k], w = `${file} frame ${k}`;
    exact(c.structure.species, a.numbers, `${w} species`);
    exact(c.structure.positions, a.positions.flat(), `${w} positions`);
    exact(c.structure.cell, a.cell.flat(), `${w} cell`);
    assert.deepEqual(c.structure.pbc, a.pbc, `${w} pbc`);
    count += 4 * c.structure.species.length + 9; // species, positions, cell
    assert.ok(Object.is(c.labels.energy, a.results.energy), `${w} energy: ${c.labels.energy} vs ${a.results.energy}`);
    assert.ok(Object.is(c.labels.freeEnergy, a.results.free_energy), `${w} free_energy`);
    assert.equal(c.labels.forces === undefined, a.results.forces === undefined, `${w} forces present`);
    if (a.results.forces) exact(c.labels.forces!, a.results.forces.flat(), `${w} forces`);
    assert.equal(c.labels.stress === undefined, a.results.stress === undefined, `${w} stress present`);
    if (a.results.stress) exact(c.labels.stress!, a.results.stress, `${w} stress`);
    assert.equal(c.labels.atomEnergies === undefined, a.results.energies === undefined, `${w} energies present`);
    if (a.results.energies) exact(c.labels.atomEnergies!, a.results.energies, `${w} energies`);
    count += 2 + (c.labels.forces?.length ?? 0) + (c.labels.stress?.length ?? 0) + (c.labels.atomEnergies?.length ?? 0);
    assert.equal(c.group, a.info.config_type ?? DEFAULT_GROUP, `${w} config_type`);
    assert.equal(c.weight, a.info.weight ?? 1, `${w} weight`);
    const rest = Object.fromEntries(Object.entries(a.info).filter(([key]) => !LABEL_KEYS.has(key)));
    assert.deepEqual(c.info, rest, `${w} info`);
  }
  return count;
}

const ase = skipUnless(hasAse(), 'ASE (/usr/bin/python3 with ase)');
const shared = ['ase_written_sample.extxyz', 'lammps/lammps_cu_eam.extxyz', 'gpaw_si_pbe.extxyz'];
const sharedSkip = ase || skipUnless(shared.every((f) => hasShared('reference', f)), '../shared/reference extxyz files');

test('shared reference files read as ASE reads them (ASE sample, LAMMPS Cu EAM, GPAW Si)', { skip: sharedSkip }, () => {
  const paths = shared.map((f) => sharedPath('reference', f));
  const theirs = aseRead(paths);
  const frames = paths.map((p) => readExtxyz(p));
  assert.deepEqual(frames.map((f) => f.length), [2, 3, 2]);
  let n = 0;
  for (let i = 0; i < paths.length; i++) n += compareWithAse(frames[i], theirs[paths[i]], shared[i]);
  console.log(`# ${n} numbers compared with ASE, all bit-identical`);
  // A few values checked by eye against the files themselves.
  assert.equal(frames[0][1].labels.freeEnergy, -43.25);
  assert.equal(frames[0][1].weight, 2.5);
  assert.equal(frames[1][0].labels.energy, -896.572154802182);
  assert.deepEqual(frames[1].map((c) => c.structure.species.length), [256, 256, 108]);
  assert.equal(frames[2][0].group, 'si_diamond_prim_rattled');
});

test('a multi-frame file written by pesfit reads identically in ASE', { skip: ase }, () => {
  let seed = 42;
  const rnd = (): number => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const configs: Configuration[] = [];
  const speciesSets = [[14, 6], [29, 28, 13], [1, 8], [74]];
  for (let k = 0; k < 8; k++) {
    const elems = speciesSets[k % speciesSets.length];
    const n = 3 + k;
    const species = Int32Array.from({ length: n }, (_, i) => elems[i % elems.length]);
    // triclinic cells: all off-diagonal entries non-zero
    const cell = Float64Array.from({ length: 9 }, (_, i) => (i % 4 === 0 ? 4 + 2 * rnd() : rnd() - 0.5));
    const positions = Float64Array.from({ length: 3 * n }, () => 6 * rnd());
    const forces = Float64Array.from({ length: 3 * n }, () => (rnd() - 0.5) * 10 ** Math.floor(-3 + 6 * rnd()));
    const atomEnergies = Float64Array.from({ length: n }, () => -3 - rnd());
    const stress = Float64Array.from({ length: 6 }, () => (rnd() - 0.5) * 0.1);
    const info: Record<string, InfoValue> = { index: k, source: `pesfit test frame ${k}`, kpts: [2, 2, 1 + k] };
    configs.push({
      structure: { species, positions, cell, pbc: k === 5 ? [true, true, false] : [true, true, true] },
      labels: {
        energy: -4 * n * (1 + rnd()),
        ...(k % 2 === 0 ? { freeEnergy: -4 * n * (1 + rnd()) } : {}),
        forces,
        stress,
        ...(k % 3 !== 1 ? { atomEnergies } : {}),
      },
      group: k % 2 === 0 ? 'bulk' : 'surface slab',
      weight: k % 4 === 0 ? 1 : 0.5 + rnd(),
      source: { file: 'generated', frame: k },
      info,
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-extxyz-ase-'));
  try {
    const path = join(dir, 'written.extxyz');
    writeExtxyz(path, configs);
    const theirs = aseRead([path])[path];
    const n = compareWithAse(configs, theirs, 'pesfit-written');
    console.log(`# ${n} numbers written by pesfit and read by ASE, all bit-identical`);
    // and pesfit reads the same file back to the same objects
    compareWithAse(readExtxyz(path), theirs, 'pesfit-written (re-read)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
