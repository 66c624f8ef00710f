/**
 * Molecular-dynamics state: explicit, flat and mutable in place (so a step allocates nothing).
 *
 * Layouts and units: positions Å, velocities Å/fs, forces eV/Å, all 3 per atom (atom-major, x y z); masses amu, one
 * per atom; potentialEnergy eV; virial W = −Vσ (eV, internal Voigt order xx yy zz yz xz xy, as potentials/types.ts);
 * time fs. `thermostat` holds the extended variables of a thermostat that has them (Nosé–Hoover: ξ_1..ξ_M then
 * v_ξ1..v_ξM, in 1 and 1/fs), empty otherwise. Positions are not wrapped between neighbor-list rebuilds, so they
 * move continuously (the list's image shifts stay valid); the force field wraps them when it rebuilds.
 *
 * Observables: kinetic energy ½Σ m v² (eV), temperature 2 KE / (N_dof k_B) with N_dof = 3N − 3 for periodic systems
 * whose total momentum is conserved (LAMMPS's default temperature compute), pressure
 * P = (2 KE + tr W) / (3 V) (eV/Å³; W = Σ r_ij f_ij, so tr W / 3V is the virial pressure), momentum Σ m v (amu·Å/fs).
 */
import { UserError } from '../core/errors.ts';
import { atomicMass } from '../core/elements.ts';
import { KB_EV_PER_K } from '../core/units.ts';
import { volume } from '../structure/cell.ts';
import type { Structure } from '../structure/types.ts';
import { EV_PER_AMU_A2_FS2 } from './md-units.ts';

export interface MdState {
  readonly species: Int32Array;
  readonly cell: Float64Array;
  readonly pbc: readonly [boolean, boolean, boolean];
  readonly positions: Float64Array;
  readonly velocities: Float64Array;
  forces: Float64Array;
  readonly masses: Float64Array;
  potentialEnergy: number;
  readonly virial: Float64Array;
  time: number;
  step: number;
  thermostat: Float64Array;
}

export interface StateOptions {
  /** Initial velocities (Å/fs, 3 per atom); zero by default. */
  velocities?: ArrayLike<number>;
  /** Mass per atom (amu); standard atomic weights of the species by default. */
  masses?: ArrayLike<number>;
}

/** A state at time 0 from a structure (positions and velocities copied; forces are filled by an integrator's init). */
export function createState(s: Structure, opts: StateOptions = {}): MdState {
  const n = s.species.length;
  const masses = opts.masses ? Float64Array.from(opts.masses) : Float64Array.from(s.species, (z) => atomicMass(z));
  if (masses.length !== n) throw new UserError(`MD: ${masses.length} masses for ${n} atoms`);
  for (let i = 0; i < n; i++) if (!(masses[i] > 0)) throw new UserError(`MD: atom ${i} has mass ${masses[i]}; masses must be positive`);
  const velocities = new Float64Array(3 * n);
  if (opts.velocities) {
    if (opts.velocities.length !== 3 * n) throw new UserError(`MD: ${opts.velocities.length} velocity components for ${n} atoms`);
    velocities.set(opts.velocities);
  }
  return {
    species: s.species, cell: s.cell.slice(), pbc: [...s.pbc] as [boolean, boolean, boolean], positions: s.positions.slice(),
    velocities, forces: new Float64Array(3 * n), masses, potentialEnergy: 0, virial: new Float64Array(6), time: 0, step: 0,
    thermostat: new Float64Array(0),
  };
}

/** The state's current geometry as a Structure (shares the positions array: copy it to keep a snapshot). */
export function stateStructure(st: MdState): Structure {
  return { species: st.species, positions: st.positions, cell: st.cell, pbc: st.pbc };
}

/** Kinetic energy (eV). */
export function kineticEnergy(st: MdState): number {
  const v = st.velocities, m = st.masses, n = m.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const vx = v[3 * i], vy = v[3 * i + 1], vz = v[3 * i + 2];
    s += m[i] * (vx * vx + vy * vy + vz * vz);
  }
  return 0.5 * s * EV_PER_AMU_A2_FS2;
}

/** Degrees of freedom used for the temperature: 3N − 3 (total momentum fixed), at least 1. */
export function degreesOfFreedom(st: MdState): number {
  return Math.max(1, 3 * st.masses.length - 3);
}

/** Instantaneous kinetic temperature (K). */
export function temperature(st: MdState, ke = kineticEnergy(st)): number {
  return (2 * ke) / (degreesOfFreedom(st) * KB_EV_PER_K);
}

/** Pressure (eV/Å³) from the kinetic energy and the virial; NaN for a structure that is not 3D periodic. */
export function pressure(st: MdState, ke = kineticEnergy(st)): number {
  if (!(st.pbc[0] && st.pbc[1] && st.pbc[2])) return NaN;
  const V = volume(stateStructure(st));
  return (2 * ke + st.virial[0] + st.virial[1] + st.virial[2]) / (3 * V);
}

/** Total momentum Σ m v (amu·Å/fs), 3 numbers. */
export function totalMomentum(st: MdState): Float64Array {
  const p = new Float64Array(3), v = st.velocities, m = st.masses;
  for (let i = 0; i < m.length; i++) for (let k = 0; k < 3; k++) p[k] += m[i] * v[3 * i + k];
  return p;
}
