/**
 * Unit conversions the property reports need beyond core/units.ts (candidates to move there).
 */
import { GPA_PER_EV_A3 } from '../core/units.ts';

/**
 * J/m² per eV/Å², for surface and stacking-fault energies. eV/Å² = (eV/Å³)·Å and 1 GPa·Å = 1e9 Pa · 1e-10 m =
 * 0.1 J/m², so the factor is GPA_PER_EV_A3 / 10 (16.021766208, the same CODATA 2014 eV as the stress unit).
 */
export const J_PER_M2_PER_EV_A2 = GPA_PER_EV_A3 / 10;
