/**
 * LAMMPS oracles for the property tests: lattice constant by `fix box/relax` + `minimize`, and single points with
 * relaxed ions (`minimize` at fixed box) through test/helpers/lammps.ts. Potential files are named by absolute
 * path in pair_coeff; LAMMPS 29 Sep 2021 (Debian).
 */
import { parseThermo, runLammps, runLammpsScript, type LammpsResult } from '../helpers/lammps.ts';
import type { Structure } from '../../src/structure/types.ts';

export interface LammpsPotential {
  pairStyle: string;
  /** pair_coeff arguments, e.g. `* * /usr/share/lammps/potentials/Si.sw Si`. */
  pairCoeff: string;
  element: string;
  mass: number;
}

/** Equilibrium cubic lattice constant and energy per atom from box/relax of a 2x2x2 conventional supercell. */
export function lammpsLattice(p: LammpsPotential, lattice: 'fcc' | 'bcc' | 'diamond', guess: number): { a: number; energyPerAtom: number } {
  const script = [
    'units metal', 'atom_style atomic', 'boundary p p p',
    `lattice ${lattice} ${guess}`, 'region box block 0 2 0 2 0 2', 'create_box 1 box', 'create_atoms 1 box',
    `mass 1 ${p.mass}`, `pair_style ${p.pairStyle}`, `pair_coeff ${p.pairCoeff}`,
    'neigh_modify one 10000 page 100000',
    'thermo_style custom step pe lx press atoms', 'thermo_modify norm no format float %.17g',
    'fix relax all box/relax iso 0.0 vmax 0.001', 'min_style cg', 'minimize 0 1e-14 10000 100000',
    'unfix relax', 'run 0', '',
  ].join('\n');
  const t = parseThermo(runLammpsScript(script));
  return { a: t.Lx / 2, energyPerAtom: t.PotEng / t.Atoms };
}

/** Energy, forces and stress of `s` after LAMMPS relaxes the ions at fixed box (cg, force tolerance 1e-10). */
export function lammpsRelaxed(p: LammpsPotential, s: Structure): LammpsResult {
  return runLammps({
    structure: s, elements: [p.element], masses: [p.mass], pairStyle: p.pairStyle, pairCoeff: [p.pairCoeff],
    extra: ['min_style cg', 'min_modify dmax 0.05', 'minimize 0 1e-10 10000 100000'],
  });
}
