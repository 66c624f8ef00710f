/**
 * Atomic masses (amu) per atom for dynamics: the potential's own masses when its spec carries them (LAMMPS EAM files
 * give one per element, and LAMMPS uses them, so trajectories agree with `lmp`), else standard atomic weights
 * (core/elements.ts).
 */
import { atomicMass, symbolOf } from '../core/elements.ts';
import type { ModelSpecBase } from '../potentials/types.ts';

export function atomMasses(species: Int32Array, spec?: ModelSpecBase): Float64Array {
  const own = spec && 'masses' in spec && Array.isArray((spec as { masses?: unknown }).masses) ? (spec as { masses: number[] }).masses : undefined;
  return Float64Array.from(species, (z) => {
    if (own && spec) {
      const k = spec.elements.indexOf(symbolOf(z));
      if (k >= 0 && own[k] > 0) return own[k];
    }
    return atomicMass(z);
  });
}
