/**
 * Shared fixtures of the pair-potential tests: two-element (Cu, Ni) specs of every pair form with a common
 * cutoff RC, seeded rattled and strained cells (4 and 8 atoms, and a one-atom cell smaller than RC), and the
 * distance of the closest pair to given radii (differences and parity need pairs away from non-smooth points).
 */
import type { PairSpec } from '../../src/potentials/pair.ts';
import type { CutoffFunction } from '../../src/potentials/cutoff.ts';
import { bulk, rattle, randomStrain, supercell } from '../../src/structure/builders.ts';
import { createRng } from '../../src/core/random.ts';
import type { Structure } from '../../src/structure/types.ts';
import { bruteForceNeighborList } from '../../src/neighbors/brute.ts';

export const RC = 5.5;
export const COSINE_INNER = 4.6, SMOOTHSTEP_INNER = 4.4;

export function ljSpec(cut: CutoffFunction): PairSpec {
  return {
    kind: 'lj', elements: ['Cu', 'Ni'], cutoff: RC, cutoff_function: cut,
    pairs: { 'Cu-Cu': { epsilon: 0.12, sigma: 2.3 }, 'Ni-Cu': { epsilon: 0.09, sigma: 2.2 }, 'Ni-Ni': { epsilon: 0.15, sigma: 2.25 } },
  };
}
export function morseSpec(cut: CutoffFunction): PairSpec {
  return {
    kind: 'morse', elements: ['Cu', 'Ni'], cutoff: RC, cutoff_function: cut,
    pairs: { 'Cu-Cu': { D0: 0.34, alpha: 1.36, r0: 2.87 }, 'Cu-Ni': { D0: 0.4, alpha: 1.4, r0: 2.75 }, 'Ni-Ni': { D0: 0.42, alpha: 1.38, r0: 2.78 } },
  };
}
export function buckSpec(cut: CutoffFunction): PairSpec {
  return {
    kind: 'buckingham', elements: ['Cu', 'Ni'], cutoff: RC, cutoff_function: cut,
    pairs: { 'Cu-Cu': { A: 900, rho: 0.3, C: 12 }, 'Cu-Ni': { A: 1100, rho: 0.29, C: 10 }, 'Ni-Ni': { A: 1000, rho: 0.31, C: 14 } },
  };
}
export function splineSpec(cut: CutoffFunction): PairSpec {
  const knots = [1.8, 2.2, 2.6, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5];
  const morse = (D: number, a: number, r0: number) => knots.map((r) => D * (Math.exp(-2 * a * (r - r0)) - 2 * Math.exp(-a * (r - r0))));
  return {
    kind: 'pair-spline', elements: ['Cu', 'Ni'], cutoff: RC, cutoff_function: cut,
    pairs: {
      'Cu-Cu': { knots, phi: morse(0.34, 1.36, 2.87) },
      'Cu-Ni': { knots: knots.slice(1), phi: morse(0.4, 1.4, 2.75).slice(1) },
      'Ni-Ni': { knots, phi: morse(0.42, 1.38, 2.78) },
    },
  };
}

/** Rattled, randomly strained two-element fcc cells of several sizes, and a one-atom cell smaller than RC. */
export function testStructures(seed: number): Structure[] {
  const rng = createRng(seed);
  const fcc = bulk('fcc', ['Cu'], 3.6);
  const mixed = (s: Structure) => ({ ...s, species: s.species.map((z, i) => (i % 3 === 1 ? 28 : z)) });
  const prim = bulk('fcc', ['Ni'], 3.55, { cubic: false });
  return [
    rattle(randomStrain(mixed(fcc), 0.04, rng), 0.1, rng),
    rattle(randomStrain(mixed(supercell(fcc, [2, 1, 1])), 0.04, rng), 0.12, rng),
    randomStrain(prim, 0.05, rng),
  ];
}

/**
 * Smallest |r − r_k| over all pairs and the radii r_k where a cutoff form is not smooth (RC for truncation, the
 * inner radius of the C1 cosine): central differences are only accurate away from such points.
 */
export function gapToCutoff(s: Structure, radii: number[]): number {
  const nl = bruteForceNeighborList(s, RC + 0.1, { half: true });
  let gap = Infinity;
  for (let i = 0; i < nl.nAtoms; i++)
    for (let k = nl.start[i]; k < nl.start[i + 1]; k++) {
      const j = nl.j[k];
      const d = [0, 1, 2].map((a) => s.positions[3 * j + a] + nl.shift[3 * k + a] - s.positions[3 * i + a]);
      for (const rk of radii) gap = Math.min(gap, Math.abs(Math.hypot(d[0], d[1], d[2]) - rk));
    }
  return gap;
}

/** The first seeded set of testStructures (from `seed` on) with no pair within `gap` of any of `radii`. */
export function structuresAwayFromCutoff(seed: number, radii: number[], gap: number): Structure[] {
  for (let k = seed; k < seed + 200; k++) {
    const set = testStructures(k);
    if (set.every((s) => gapToCutoff(s, radii) > gap)) return set;
  }
  throw new Error('no seed gives structures away from the cutoff');
}

