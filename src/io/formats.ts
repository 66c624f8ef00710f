/**
 * Data-file formats by name or file extension, and one entry point to read configurations from any of them and to
 * write them. Format names: extxyz, mlearn (pymatgen/mlearn JSON), vasprun, outcar, lammps-data (write only).
 */
import { basename } from 'node:path';
import { UserError } from '../core/errors.ts';
import type { Configuration } from '../structure/types.ts';
import { readExtxyz, writeExtxyz } from './extxyz.ts';
import { readMlearn, formatMlearn } from './mlearn.ts';
import { readVasp } from './vasp.ts';
import { formatLammpsData } from './lammps-data.ts';
import { writeAtomic } from './fs.ts';

export const READ_FORMATS = ['extxyz', 'mlearn', 'vasprun', 'outcar'] as const;
export const WRITE_FORMATS = ['extxyz', 'mlearn', 'lammps-data'] as const;
export type ReadFormat = (typeof READ_FORMATS)[number];
export type WriteFormat = (typeof WRITE_FORMATS)[number];

export type StressMode = 'full' | 'diagonal' | 'none';

export interface ReadOptions {
  format?: ReadFormat;
  /** Which stress components to keep (mlearn defaults to diagonal, others to full). */
  stress?: StressMode;
  /** Group given to every configuration read (overrides the file's config_type). */
  group?: string;
}

export function detectReadFormat(path: string): ReadFormat {
  const name = basename(path).toLowerCase();
  if (name.endsWith('.xyz') || name.endsWith('.extxyz')) return 'extxyz';
  if (name.endsWith('.json')) return 'mlearn';
  if (name.startsWith('vasprun') && name.endsWith('.xml')) return 'vasprun';
  if (name.startsWith('outcar')) return 'outcar';
  throw new UserError(`${path}: cannot tell the format from the file name; give it with --from (one of ${READ_FORMATS.join(', ')})`);
}

export function detectWriteFormat(path: string): WriteFormat {
  const name = basename(path).toLowerCase();
  if (name.endsWith('.xyz') || name.endsWith('.extxyz')) return 'extxyz';
  if (name.endsWith('.json')) return 'mlearn';
  if (name.endsWith('.data') || name.endsWith('.lmp')) return 'lammps-data';
  throw new UserError(`${path}: cannot tell the format from the file name; give it with --to (one of ${WRITE_FORMATS.join(', ')})`);
}

export function parseReadFormat(name: string): ReadFormat {
  if ((READ_FORMATS as readonly string[]).includes(name)) return name as ReadFormat;
  throw new UserError(`unknown input format '${name}' (expected one of ${READ_FORMATS.join(', ')})`);
}

export function parseWriteFormat(name: string): WriteFormat {
  if ((WRITE_FORMATS as readonly string[]).includes(name)) return name as WriteFormat;
  throw new UserError(`unknown output format '${name}' (expected one of ${WRITE_FORMATS.join(', ')})`);
}

/** Applies the stress mode to labels read from a file (mask off-diagonals, or drop stress). */
function applyStressMode(configs: Configuration[], mode: StressMode | undefined): void {
  if (!mode || mode === 'full') return;
  for (const c of configs) {
    if (!c.labels.stress) continue;
    if (mode === 'none') {
      delete c.labels.stress;
      delete c.labels.stressMask;
    } else {
      const m = c.labels.stressMask ?? Uint8Array.of(1, 1, 1, 1, 1, 1);
      c.labels.stressMask = Uint8Array.of(m[0], m[1], m[2], 0, 0, 0);
    }
  }
}

export function readConfigurations(path: string, opts: ReadOptions = {}): Configuration[] {
  const format = opts.format ?? detectReadFormat(path);
  let configs: Configuration[];
  switch (format) {
    case 'extxyz':
      configs = readExtxyz(path);
      break;
    case 'mlearn':
      configs = readMlearn(path, { stress: opts.stress ?? 'diagonal' });
      break;
    case 'vasprun':
    case 'outcar':
      configs = readVasp(path, format);
      break;
  }
  applyStressMode(configs, opts.stress);
  if (opts.group) for (const c of configs) c.group = opts.group;
  return configs;
}

export interface WriteOptions {
  format?: WriteFormat;
  /** Element order of LAMMPS atom types (lammps-data). */
  elements?: string[];
}

export function writeConfigurations(path: string, configs: Configuration[], opts: WriteOptions = {}): void {
  const format = opts.format ?? detectWriteFormat(path);
  switch (format) {
    case 'extxyz':
      writeExtxyz(path, configs);
      return;
    case 'mlearn':
      writeAtomic(path, formatMlearn(configs));
      return;
    case 'lammps-data': {
      if (configs.length !== 1) throw new UserError(`${path}: a LAMMPS data file holds one structure, got ${configs.length} configurations`);
      if (!opts.elements) throw new UserError(`${path}: writing a LAMMPS data file needs the element order of the atom types (--elements A,B,…)`);
      writeAtomic(path, formatLammpsData(configs[0].structure, { elements: opts.elements, atomStyle: "atomic" }));
      return;
    }
  }
}
