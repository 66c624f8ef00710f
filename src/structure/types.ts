/**
 * The data model: plain typed data, no behaviour attached.
 *
 * - Structure: atoms and cell. `species` holds atomic numbers; `positions` is Cartesian, 3 per atom (Å);
 *   `cell` is row-major 3x3 whose rows are the cell vectors (Å); `pbc` says which cell vectors are periodic.
 *   A non-periodic structure may have a zero cell.
 * - Labels: reference data, in internal units (eV, eV/Å, eV/Å³). `stress` is the ASE stress
 *   σ = (1/V) ∂E/∂ε in internal Voigt order (xx yy zz yz xz xy), tensile positive. A virial given in a file
 *   (W = -V σ) is converted to stress at the reader. `stressMask` marks trusted components (1) when only some are.
 * - Configuration: a structure with its labels, its group (config_type), weight, optional per-configuration
 *   sigmas, and where it came from.
 * - Dataset: configurations; groups and splits are derived from them (see dataset.ts).
 */

export interface Structure {
  readonly species: Int32Array;
  readonly positions: Float64Array;
  readonly cell: Float64Array;
  readonly pbc: readonly [boolean, boolean, boolean];
}

export interface Labels {
  /** Total energy (eV) the forces belong to: VASP free energy (TOTEN) when read from VASP. */
  energy?: number;
  /** Free energy (eV) when the source gives it separately from `energy`. */
  freeEnergy?: number;
  /** VASP "energy without entropy" (eV), kept so a user can choose. */
  energyNoEntropy?: number;
  /** Forces, 3 per atom (eV/Å). */
  forces?: Float64Array;
  /** ASE-sign stress, internal Voigt order, eV/Å³. */
  stress?: Float64Array;
  /** 1 where the stress component (internal Voigt order) is trusted, 0 where it must be ignored. */
  stressMask?: Uint8Array;
  /** Per-atom energies (eV). */
  atomEnergies?: Float64Array;
}

/** Per-configuration noise levels (GAP's energy_sigma, force_sigma, virial_sigma converted to stress). */
export interface Sigmas {
  /** eV per atom. */
  energy?: number;
  /** eV/Å per component. */
  force?: number;
  /** eV/Å³ per component. */
  stress?: number;
}

export interface Source {
  file: string;
  /** 0-based index of the frame/record in the file. */
  frame: number;
  /** 1-based line where the frame starts, for text formats. */
  line?: number;
}

export type InfoValue = string | number | boolean | number[] | string[] | boolean[];

export interface Configuration {
  readonly structure: Structure;
  readonly labels: Labels;
  /** config_type / mlearn group; "default" when the file gives none. */
  group: string;
  /** Plain user weight of the configuration (1 unless the file or config says otherwise). */
  weight: number;
  sigma?: Sigmas;
  source: Source;
  /** Other key=value metadata from the file, kept for round trips. */
  info: Record<string, InfoValue>;
}

export interface Dataset {
  readonly configs: Configuration[];
}

export const DEFAULT_GROUP = 'default';

export function nAtoms(s: Structure): number {
  return s.species.length;
}
