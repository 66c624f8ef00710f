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
/**
 * e²/(4πε0) in eV·Å as LAMMPS metal units define it (update.cpp: force->qqr2e = 14.399645, qelectron = 1).
 * Derivation: e²/(4πε0·1 Å) in eV is e/(4πε0·1e-10 m) in volts = 1.602176634e-19 / (4π · 8.8541878128e-12 ·
 * 1e-10) = 14.3996454784; LAMMPS keeps 8 digits. Coulomb-like terms (ZBL) must use LAMMPS's value, not CODATA's,
 * for parity with it (they differ by 3e-8 relative).
 */
export const LAMMPS_QQR2E_METAL = 14.399645;
/**
 * J/m² per eV/Å², for surface and stacking-fault energies. eV/Å² = (eV/Å³)·Å and 1 GPa·Å = 1e9 Pa · 1e-10 m =
 * 0.1 J/m², so the factor is GPA_PER_EV_A3 / 10 = 16.021766208 (the same CODATA 2014 eV as the stress unit).
 */
export const J_PER_M2_PER_EV_A2 = GPA_PER_EV_A3 / 10;
