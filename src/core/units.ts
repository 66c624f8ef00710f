/**
 * Units and physical constants, each named once. pesfit works internally in LAMMPS/ASE "metal" units:
 * length Å, energy eV, force eV/Å, stress eV/Å³, mass amu, time fs, temperature K.
 * Conversions happen only at the edges (readers, writers, reports), always through these names.
 */

/** GPa per eV/Å³ (CODATA 2014, as ASE: 1 eV/Å³ = 160.21766208 GPa). */
export const GPA_PER_EV_A3 = 160.21766208;
/** kbar per eV/Å³ (VASP and mlearn print stress in kbar). */
export const KBAR_PER_EV_A3 = 1602.1766208;
/** bar per eV/Å³, ASE's value. */
export const BAR_PER_EV_A3 = 1.6021766208e6;
/** bar per eV/Å³, LAMMPS metal units' `nktv2p`; differs from ASE's by 7e-8 relative. */
export const LAMMPS_NKTV2P_BAR_PER_EV_A3 = 1.6021765e6;
/** Boltzmann constant in eV/K. */
export const KB_EV_PER_K = 8.617333262e-5;
/** Hartree in eV and Bohr in Å, the values LAMMPS uses to convert funcfl Z(r) (pair_eam.cpp: 27.2 and 0.529). */
export const LAMMPS_FUNCFL_HARTREE_EV = 27.2;
export const LAMMPS_FUNCFL_BOHR_A = 0.529;
/** LAMMPS metal-units mvv2e: converts amu·Å²/fs² to eV. */
export const MVV2E_METAL = 1.0364269e-4;
/** LAMMPS metal-units ftm2v: converts eV/(Å·amu) to Å/fs². */
export const FTM2V_METAL = 1.0 / 1.0364269e-4;
