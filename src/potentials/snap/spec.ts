/**
 * The SNAP model spec (LAMMPS `pair_style snap` conventions, src/ML-SNAP) and its column counts.
 *
 * Per atom i of element e: E_i = β0_e + Σ_k β_{e,k} B_{i,k} (+ Σ_{k≤l} α_{e,kl} B_{i,k} B_{i,l} with the
 * LAMMPS quadratic convention: diagonal terms carry ½). B_{i,k} is the bispectrum component k of the density of
 * neighbors of i, ordered as LAMMPS orders its idxb list for `twojmax`. Lengths Å, energies eV.
 * `cutoff` = max over element pairs of rcutfac·(radelem_a + radelem_b), the largest pair cutoff (LAMMPS rcut_ij).
 */
import type { ModelSpecBase } from '../types.ts';

export interface SnapSpec extends ModelSpecBase {
  kind: 'snap';
  twojmax: number;
  rcutfac: number;
  /** default 0.99363 */
  rfac0: number;
  /** default 0 */
  rmin0: number;
  /** per element, in `elements` order */
  radelem: number[];
  /** per element */
  wj: number[];
  /** default true */
  switchflag: boolean;
  /** default true */
  bzeroflag: boolean;
  /** quadraticflag, default false */
  quadratic: boolean;
  /** default false */
  wselfallflag: boolean;
  /** default false (error 'not supported' if true and not implemented) */
  chemflag: boolean;
  /** default false */
  bnormflag: boolean;
  /** per element, in LAMMPS .snapcoeff order: [β0, β_1..β_K] (+ the K(K+1)/2 quadratic terms when quadratic) */
  coefficients: number[][];
}

/**
 * Number of bispectrum components K for a given twojmax (LAMMPS idxb count, no chemflag): triples
 * (j1, j2, j) with 0 ≤ j2 ≤ j1 ≤ twojmax, |j1−j2| ≤ j ≤ min(twojmax, j1+j2), j ≡ j1+j2 (mod 2), j ≥ j1.
 */
export function snapDescriptorCount(twojmax: number): number {
  let n = 0;
  for (let j1 = 0; j1 <= twojmax; j1++)
    for (let j2 = 0; j2 <= j1; j2++)
      for (let j = j1 - j2; j <= Math.min(twojmax, j1 + j2); j += 2) if (j >= j1) n++;
  return n;
}

/** Coefficients per element: 1 + K, or 1 + K + K(K+1)/2 with quadratic terms. */
export function snapColumnCount(spec: Pick<SnapSpec, 'twojmax' | 'quadratic'>): number {
  const k = snapDescriptorCount(spec.twojmax);
  return spec.quadratic ? 1 + k + (k * (k + 1)) / 2 : 1 + k;
}
