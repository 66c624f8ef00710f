/**
 * Runs LAMMPS (`lmp`, serial) on a Structure for parity tests: a `run 0` single point returning energy, forces,
 * stress and per-atom energies in pesfit's conventions and in the ORIGINAL structure's frame and atom order.
 *
 * What it does: writes the data file (src/io/lammps-data.ts; the structure is rotated into LAMMPS's
 * lower-triangular frame, with rotation R, x_lmp = x·R) and an input script into a fresh temporary directory,
 * runs `lmp -in in.run -log log.lammps -screen none` there, parses the thermo line of the log and the dump, and
 * removes the directory.
 *
 * Conversions:
 * - energy: thermo `pe` (eV; metal units, `thermo_modify norm no`).
 * - forces: dump fx fy fz (eV/Å), rows sorted by id = original atom index + 1, rotated back: F = F_lmp·Rᵀ.
 * - stress: thermo pxx pyy pzz pxy pxz pyz is the pressure tensor in bar, positive in compression; with no
 *   velocities (run 0 from read_data) it is the virial part only. σ_ASE = −P / LAMMPS_NKTV2P_BAR_PER_EV_A3,
 *   reordered VOIGT_LAMMPS → internal, rotated back: σ = R σ_lmp Rᵀ. LAMMPS divides by its box volume, which
 *   for non-periodic directions is the enclosing box of the data file, so stresses only mean something for
 *   fully periodic structures.
 * - atomEnergies: `compute pe/atom` (eV).
 * Numbers are printed with %.17g (thermo_modify / dump_modify format float), so nothing is lost to printing.
 *
 * Small periodic cells: LAMMPS builds periodic images as ghost atoms, and its communication repeats swaps over
 * several box lengths when the ghost cutoff (pair cutoff + skin) exceeds the box, so no `comm_modify cutoff` or
 * replication is needed in serial: a one-atom fcc cell of 2.55 Å with Cu_u3 (cutoff 4.95 Å + 1 Å skin) is tested.
 * What does need raising is the per-atom neighbor limit: each image is a separate neighbor, hence
 * `neigh_modify one 10000 page 100000` (LAMMPS's defaults are 2000 and 100000).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LAMMPS_NKTV2P_BAR_PER_EV_A3 } from '../../src/core/units.ts';
import { VOIGT_LAMMPS, toInternal } from '../../src/core/voigt.ts';
import { buildLammpsData } from '../../src/io/lammps-data.ts';
import { parseLammpsDump } from '../../src/io/lammps-dump.ts';
import { vectorsFromLammps, voigtFromLammps } from '../../src/io/lammps-frame.ts';
import type { Structure } from '../../src/structure/types.ts';
import { LMP } from './external.ts';

export interface LammpsRunOptions {
  structure: Structure;
  /** Element symbols in LAMMPS type order (type k+1 = elements[k]); pair_coeff must name them in that order. */
  elements: string[];
  /** Mass per type (amu); standard atomic weights by default. */
  masses?: number[];
  pairStyle: string;
  /** Full `pair_coeff` argument strings, one per command (e.g. `* * Cu_u3.eam`). */
  pairCoeff: string[];
  /** Extra input lines placed after pair_coeff and before the run (pair_modify, neigh_modify, ...). */
  extra?: string[];
  /** Files written into the run's directory (name → content), so pair_coeff can name them. */
  files?: Record<string, string>;
}

export interface LammpsResult {
  /** Potential energy (eV). */
  energy: number;
  /** Forces (eV/Å), 3 per atom, original frame and atom order. */
  forces: Float64Array;
  /** ASE-sign stress (eV/Å³), internal Voigt order (xx yy zz yz xz xy), original frame. */
  stress: Float64Array;
  /** Per-atom energies (eV), compute pe/atom. */
  atomEnergies: Float64Array;
  /** LAMMPS box volume (Å³). */
  volume: number;
}

export interface ScriptRun {
  log: string;
  /** Contents of the requested output files (name → text). */
  outputs: Record<string, string>;
}

const LOG = 'log.lammps';

/**
 * Runs an input script in a temporary directory holding `files`; returns the log and the requested output
 * files. Throws with LAMMPS's ERROR line when lmp fails. The directory is always removed.
 */
export function runLammpsScriptWithOutputs(script: string, files: Record<string, string> = {}, outputs: string[] = []): ScriptRun {
  const dir = mkdtempSync(join(tmpdir(), 'pesfit-lmp-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    writeFileSync(join(dir, 'in.run'), script);
    const r = spawnSync(LMP, ['-in', 'in.run', '-log', LOG, '-screen', 'none'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      // One thread: the test machine is shared.
      env: { ...process.env, OMP_NUM_THREADS: '1' },
    });
    let log = '';
    try {
      log = readFileSync(join(dir, LOG), 'utf8');
    } catch {
      // No log at all: lmp did not start; the spawn error below says why.
    }
    if (r.error || r.status !== 0 || /^ERROR/m.test(log)) {
      const err = log.split('\n').filter((l) => l.startsWith('ERROR') || l.startsWith('Last command'));
      throw new Error(
        `lmp failed (status ${r.status ?? 'none'}${r.error ? `, ${r.error.message}` : ''}): ` +
          (err.join(' | ') || (r.stderr ?? '').slice(-2000) || log.slice(-2000)),
      );
    }
    const out: Record<string, string> = {};
    for (const name of outputs) out[name] = readFileSync(join(dir, name), 'utf8');
    return { log, outputs: out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs an input script (with `files` beside it) and returns the log text. */
export function runLammpsScript(script: string, files: Record<string, string> = {}): string {
  return runLammpsScriptWithOutputs(script, files).log;
}

/** Thermo values of the last thermo line printed under the header that starts with `Step`, by header name. */
export function parseThermo(log: string): Record<string, number> {
  const lines = log.split('\n');
  let header: string[] | undefined;
  let values: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].trim().split(/\s+/);
    if (t[0] === 'Step') {
      header = t;
      values = undefined;
      // Data lines follow until "Loop time".
      for (let k = i + 1; k < lines.length && !lines[k].startsWith('Loop time'); k++) {
        const v = lines[k].trim().split(/\s+/);
        if (v.length === t.length && v.every((x) => Number.isFinite(Number(x)))) values = v;
      }
    }
  }
  if (!header || !values) throw new Error('no thermo output found in the LAMMPS log');
  const out: Record<string, number> = {};
  header.forEach((h, k) => (out[h] = Number(values![k])));
  return out;
}

/** A `run 0` single point of `opts.structure` (see the file comment for conventions). */
export function runLammps(opts: LammpsRunOptions): LammpsResult {
  const data = buildLammpsData(opts.structure, { elements: opts.elements, masses: opts.masses, atomStyle: 'atomic' });
  const boundary = data.frame.boundary.map((p) => (p ? 'p' : 'f')).join(' ');
  const dump = 'dump.pesfit';
  const script = [
    'units metal',
    'atom_style atomic',
    `boundary ${boundary}`,
    'read_data data.pesfit',
    `pair_style ${opts.pairStyle}`,
    ...opts.pairCoeff.map((c) => `pair_coeff ${c}`),
    'neighbor 1.0 bin',
    'neigh_modify one 10000 page 100000',
    ...(opts.extra ?? []),
    'compute pesfit_pe all pe/atom',
    'thermo_style custom step pe vol pxx pyy pzz pxy pxz pyz',
    'thermo_modify norm no format float %.17g',
    `dump pesfit all custom 1 ${dump} id type fx fy fz c_pesfit_pe`,
    'dump_modify pesfit sort id format float %.17g',
    'run 0',
    '',
  ].join('\n');
  const run = runLammpsScriptWithOutputs(script, { ...opts.files, 'data.pesfit': data.text }, [dump]);
  const thermo = parseThermo(run.log);
  const frames = parseLammpsDump(run.outputs[dump], dump);
  const f = frames[frames.length - 1];
  const n = opts.structure.species.length;
  if (!f || f.nAtoms !== n) throw new Error(`LAMMPS dump has ${f?.nAtoms ?? 0} atoms, expected ${n}`);
  const fl = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    fl[3 * i] = f.columns.fx[i];
    fl[3 * i + 1] = f.columns.fy[i];
    fl[3 * i + 2] = f.columns.fz[i];
  }
  const pLmp = ['Pxx', 'Pyy', 'Pzz', 'Pxy', 'Pxz', 'Pyz'].map((k) => -thermo[k] / LAMMPS_NKTV2P_BAR_PER_EV_A3);
  return {
    energy: thermo.PotEng,
    forces: vectorsFromLammps(fl, data.frame.rotation),
    stress: voigtFromLammps(toInternal(pLmp, VOIGT_LAMMPS), data.frame.rotation),
    atomEnergies: f.columns.c_pesfit_pe.slice(),
    volume: thermo.Volume,
  };
}
