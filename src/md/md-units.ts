/**
 * Unit constants of molecular dynamics and lattice dynamics in pesfit's internal units (Å, eV, amu, fs, K).
 *
 * Derivation: 1 amu·Å²/fs² = 1.66053906660e-27 kg · 1e-20 m² / 1e-30 s² = 1.66053906660e-17 J
 * = 1.66053906660e-17 / 1.602176634e-19 eV = 103.6427 eV. LAMMPS metal units (time in ps) use
 * mvv2e = 1.0364269e-4 eV per amu·Å²/ps², i.e. the same number divided by (1000 fs/ps)²; we take LAMMPS's digits
 * (core/units.ts MVV2E_METAL) so trajectories agree with `lmp` to round-off rather than to 1e-7 relative.
 */
import { MVV2E_METAL } from '../core/units.ts';

/** fs per ps. */
export const FS_PER_PS = 1000;
/** eV per amu·Å²/fs²: kinetic energy ½·m[amu]·v²[Å²/fs²] times this is in eV (103.64269). */
export const EV_PER_AMU_A2_FS2 = MVV2E_METAL * FS_PER_PS * FS_PER_PS;
/** Å/fs² per eV/(Å·amu): acceleration a = F/m · this (1/103.64269). */
export const ACCEL_A_FS2_PER_EV_A_AMU = 1 / EV_PER_AMU_A2_FS2;
/** THz per fs⁻¹ (a frequency of 1 per fs is 1000 THz). */
export const THZ_PER_INV_FS = 1000;
