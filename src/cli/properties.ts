/**
 * `pesfit properties`: material properties of a one-element crystal for a potential (LAMMPS file or model.json):
 * equilibrium lattice constant(s), cohesive energy, E–V curve with a Birch–Murnaghan fit, relaxed-ion elastic
 * constants (6x6 and cubic or hexagonal averages) with a Cauchy-relation report, relaxed vacancy formation energy,
 * and on request surface energies and the generalized stacking-fault curve (src/properties/).
 *
 * --json prints one object. Units: lengths Å, energies eV (ecoh eV/atom, positive when bound), elastic constants
 * and moduli GPa, surface and fault energies J/m² (and eV/Å² under *_ev_a2). Keys: element, structure, a0,
 * (hcp: c, c_over_a), ecoh, e_atom, isolated_atom_energy, volume_per_atom, c11, c12, c44 (hcp also c13, c33, c66),
 * bulk_modulus (Voigt), elastic_constants (6x6, internal Voigt order xx yy zz yz xz xy), cauchy, eos, evac and
 * vacancy (with its supercell), surfaces, gsf; statuses of every relaxation.
 */
import type { Command } from 'commander';
import { UserError } from '../core/errors.ts';
import { VOIGT_ASE } from '../core/voigt.ts';
import { bulk } from '../structure/builders.ts';
import { energyVolumeCurve } from '../properties/eos.ts';
import { bulkModulusVoigt, cauchyReport, cubicConstants, elasticConstants, hexagonalConstants } from '../properties/elastic.ts';
import { CRYSTAL_KINDS, equilibriumLattice, type CrystalKind } from '../properties/lattice.ts';
import { J_PER_M2_PER_EV_A2 } from '../core/units.ts';
import { SURFACE_PLANES, stackingFault, surfaceEnergy, vacancyFormation } from '../properties/defects.ts';
import { ELEMENTS_HELP, loadPotential, POTENTIAL_HELP, STYLE_HELP, parseElements, type PotentialOptions } from './eval.ts';
import { fmt, formatTable } from './table.ts';

export interface PropertiesOptions extends PotentialOptions {
  structure: string;
  a0?: string;
  json?: boolean;
  vacancy?: boolean;
  vacancySize?: string;
  surfaces?: boolean;
  gsf?: boolean;
  strain?: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json | undefined };

function positiveNumber(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!(x > 0) || !Number.isFinite(x)) throw new UserError(`${name}: expected a positive number, got '${v}'`);
  return x;
}

function parseSize(v: string | undefined, kind: CrystalKind): [number, number, number] {
  if (v === undefined) return kind === 'hcp' ? [5, 5, 3] : kind === 'diamond' ? [3, 3, 3] : [4, 4, 4];
  const parts = v.split(/[x,]/).map((p) => Number(p.trim()));
  const reps = parts.length === 1 ? [parts[0], parts[0], parts[0]] : parts;
  if (reps.length !== 3 || !reps.every((r) => Number.isInteger(r) && r >= 1))
    throw new UserError(`--vacancy-size: expected n or nxnxn with positive integers, got '${v}'`);
  return [reps[0], reps[1], reps[2]];
}

/** Computes the properties and returns the JSON object printed by --json. */
export function computeProperties(o: PropertiesOptions): Record<string, Json | undefined> {
  if (!(CRYSTAL_KINDS as readonly string[]).includes(o.structure))
    throw new UserError(`--structure: expected one of ${CRYSTAL_KINDS.join(', ')}, got '${o.structure}'`);
  const kind = o.structure as CrystalKind;
  const pot = loadPotential(o);
  const els = parseElements(o.elements) ?? pot.model.spec.elements;
  if (els.length !== 1)
    throw new UserError(`properties are computed for one-element crystals: give --elements with one symbol (the potential has ${pot.model.spec.elements.join(', ')})`);
  const el = els[0];
  const model = pot.model;
  const lat = equilibriumLattice(model, kind, el, { guess: positiveNumber(o.a0, '--a0') });
  // Elastic constants on the conventional cell (cubic axes along x y z; hcp c along z).
  const cell = kind === 'hcp' ? lat.structure : bulk(kind, [el], lat.a);
  const el6 = elasticConstants(model, cell, { strain: positiveNumber(o.strain, '--strain') });
  const C = Array.from(el6.cGPa);
  const out: Record<string, Json | undefined> = {
    element: el,
    structure: kind,
    potential: o.potential,
    a0: lat.a,
    c: lat.c,
    c_over_a: lat.cOverA,
    ecoh: lat.cohesiveEnergy,
    e_atom: lat.energyPerAtom,
    isolated_atom_energy: lat.isolatedAtomEnergy,
    volume_per_atom: lat.volumePerAtom,
    lattice_status: lat.status,
  };
  if (kind === 'hcp') {
    const h = hexagonalConstants(C);
    Object.assign(out, { c11: h.c11, c12: h.c12, c13: h.c13, c33: h.c33, c44: h.c44, c66: h.c66 });
  } else {
    const cub = cubicConstants(C);
    Object.assign(out, { c11: cub.c11, c12: cub.c12, c44: cub.c44 });
  }
  out.bulk_modulus = bulkModulusVoigt(C);
  out.elastic_constants = { order: [...VOIGT_ASE], gpa: [0, 1, 2, 3, 4, 5].map((i) => C.slice(6 * i, 6 * i + 6)), strain: el6.strain, status: el6.status };
  if (kind !== 'hcp') {
    const ca = cauchyReport(C, el6.asymmetryGPa);
    out.cauchy = { c12_minus_c44: ca.c12MinusC44, relative: ca.relative, tolerance: ca.tolerance, holds: ca.holds, message: ca.message };
  }
  const eos = energyVolumeCurve(model, cell);
  out.eos = {
    v0: eos.fit.v0, e0: eos.fit.e0, b0: eos.fit.b0GPa, b0_prime: eos.fit.b0Prime, rms: eos.fit.rms,
    volumes: Array.from(eos.volumes), energies: Array.from(eos.energies), status: eos.status,
  };
  if (o.vacancy !== false) {
    const v = vacancyFormation(model, cell, parseSize(o.vacancySize, kind));
    out.evac = v.formationEnergy;
    out.vacancy = { evac: v.formationEnergy, unrelaxed: v.unrelaxedFormationEnergy, supercell: v.supercell, n_atoms: v.nAtoms, status: v.status };
  }
  if (o.surfaces) {
    if (kind !== 'fcc' && kind !== 'bcc') throw new UserError(`--surfaces: built for fcc and bcc, not ${kind}`);
    out.surfaces = Object.fromEntries(SURFACE_PLANES.map((p) => {
      const s = surfaceEnergy(model, kind, el, lat.a, p);
      return [p, { gamma: s.energyJm2, gamma_ev_a2: s.energy, unrelaxed: s.unrelaxedEnergyJm2, layers: s.layers, status: s.status }];
    }));
  }
  if (o.gsf) {
    if (kind !== 'fcc' && kind !== 'bcc') throw new UserError(`--gsf: built for fcc (111) and bcc (110), not ${kind}`);
    const g = stackingFault(model, kind, el, lat.a);
    out.gsf = {
      plane: g.plane, direction: g.direction, usf: g.usfJm2, usf_ev_a2: g.usf, usf_shift: g.usfShift, isf: g.isfJm2, isf_ev_a2: g.isf,
      isf_shift: g.isfShift, period: g.period, shifts: Array.from(g.shifts), energies_j_m2: Array.from(g.energies, (e) => e * J_PER_M2_PER_EV_A2),
      layers: g.layers, status: g.status,
    };
  }
  return out;
}

function num(v: Json | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function formatText(p: Record<string, Json | undefined>): string {
  const rows: (string | number)[][] = [];
  const add = (name: string, v: Json | undefined, unit: string, digits = 6) => {
    const x = num(v);
    if (x !== undefined) rows.push([name, fmt(x, digits), unit]);
  };
  add('a0', p.a0, 'Å', 8);
  add('c', p.c, 'Å', 8);
  add('c/a', p.c_over_a, '', 6);
  add('cohesive energy', p.ecoh, 'eV/atom');
  add('volume', p.volume_per_atom, 'Å³/atom');
  for (const k of ['c11', 'c12', 'c13', 'c33', 'c44', 'c66']) add(k.toUpperCase(), p[k], 'GPa', 5);
  add('bulk modulus', p.bulk_modulus, 'GPa', 5);
  const eos = p.eos as Record<string, Json> | undefined;
  if (eos) {
    add('BM3 B0', eos.b0, 'GPa', 5);
    add("BM3 B0'", eos.b0_prime, '', 4);
    add('BM3 V0', eos.v0, 'Å³/atom');
  }
  const vac = p.vacancy as Record<string, Json> | undefined;
  if (vac) add(`vacancy formation (${(vac.supercell as number[]).join('x')}, ${String(vac.n_atoms)} atoms)`, vac.evac, 'eV', 5);
  const surf = p.surfaces as Record<string, Record<string, Json>> | undefined;
  if (surf) for (const [plane, s] of Object.entries(surf)) add(`surface (${plane})`, s.gamma, 'J/m²', 5);
  const gsf = p.gsf as Record<string, Json> | undefined;
  if (gsf) {
    add(`unstable SF ${String(gsf.plane)}${String(gsf.direction)}`, gsf.usf, 'J/m²', 4);
    add(`intrinsic SF ${String(gsf.plane)}`, gsf.isf, 'J/m²', 4);
  }
  const lines = [`${String(p.structure)} ${String(p.element)} with ${String(p.potential)}`, '', formatTable(['property', 'value', 'unit'], rows)];
  const cauchy = p.cauchy as Record<string, Json> | undefined;
  if (cauchy) lines.push('', String(cauchy.message));
  return lines.join('\n');
}

export function runProperties(o: PropertiesOptions): void {
  const p = computeProperties(o);
  console.log(o.json ? JSON.stringify(p, null, 2) : formatText(p));
}

export function registerPropertiesCommand(program: Command): void {
  program
    .command('properties')
    .description(
      'material properties of a one-element crystal: lattice constant(s), cohesive energy, E–V curve with a ' +
        'Birch–Murnaghan fit, relaxed-ion elastic constants with a Cauchy-relation check, relaxed vacancy ' +
        'formation energy; optionally surface energies (100) (110) (111) and the stacking-fault curve.\n' +
        'Units: Å, eV (ecoh eV/atom, positive), GPa, J/m².',
    )
    .requiredOption('--potential <file>', POTENTIAL_HELP)
    .option('--style <style>', STYLE_HELP)
    .option('--elements <list>', ELEMENTS_HELP)
    .requiredOption('--structure <kind>', `crystal structure: ${CRYSTAL_KINDS.join(', ')}`)
    .option('--a0 <angstrom>', 'starting lattice constant a (Å); default: scanned from the energy')
    .option('--strain <delta>', 'finite strain for the elastic constants (default 1e-4)')
    .option('--vacancy-size <n|nxnxn>', 'vacancy supercell in conventional cells (default 4x4x4; diamond 3x3x3; hcp 5x5x3)')
    .option('--no-vacancy', 'skip the vacancy formation energy')
    .option('--surfaces', 'add surface energies of the (100), (110) and (111) slabs (fcc, bcc)')
    .option('--gsf', 'add the generalized stacking-fault curve: fcc (111)[11-2], bcc (110)[1-11]')
    .option('--json', 'print JSON instead of a table')
    .action((opts: PropertiesOptions) => runProperties(opts));
}
