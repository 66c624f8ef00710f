/**
 * Display units of the report. Values arrive in internal units (eV, Å, eV/Å³) and are converted only here, at the
 * edge, into the units fitting papers report: meV/atom for energy errors, GPa for stresses.
 */
import { GPA_PER_EV_A3 } from '../core/units.ts';

/** meV per eV. */
export const MEV_PER_EV = 1000;

export interface DisplayQuantity {
  /** Multiplies an internal value into the display unit. */
  factor: number;
  unit: string;
}

export const ENERGY_PER_ATOM: DisplayQuantity = { factor: 1, unit: 'eV/atom' };
export const ENERGY_ERROR: DisplayQuantity = { factor: MEV_PER_EV, unit: 'meV/atom' };
export const FORCE: DisplayQuantity = { factor: 1, unit: 'eV/Å' };
export const STRESS: DisplayQuantity = { factor: GPA_PER_EV_A3, unit: 'GPa' };
