/**
 * Radial distribution function g(r), averaged over frames.
 *
 * For each frame, every pair i ≠ j (all periodic images) with r < rmax is counted in bins of width Δr = rmax/nbins
 * (a half neighbor list at rmax counts each unordered pair once; it is added twice). Normalisation (ideal gas → 1):
 *   g(r_k) = H_k / (N_frames · N · ρ · V_shell,k),  ρ = N/V,  V_shell,k = 4π/3 (r_{k+1}³ − r_k³),
 * where H_k counts ordered pairs. The running coordination number n(r) = ρ Σ_{k' ≤ k} g_k' V_shell,k' counts the
 * mean number of neighbours within r (12 at the first fcc shell). Single-species g(r) over all atoms; only for 3D
 * periodic cells (ρ needs a volume).
 */
import { UserError } from '../core/errors.ts';
import { buildNeighborList } from '../neighbors/index.ts';
import { volume } from '../structure/cell.ts';
import type { Structure } from '../structure/types.ts';

export interface Rdf {
  /** Bin centres (Å). */
  r: Float64Array;
  g: Float64Array;
  /** Cumulative coordination number at the bin's upper edge. */
  coordination: Float64Array;
  frames: number;
}

export interface RdfAccumulator {
  add(s: Structure): void;
  result(): Rdf;
}

export function createRdf(rmax: number, nbins: number): RdfAccumulator {
  if (!(rmax > 0) || !Number.isFinite(rmax)) throw new UserError(`RDF: rmax must be positive, got ${rmax}`);
  if (!Number.isInteger(nbins) || nbins < 1) throw new UserError(`RDF: bin count must be a positive integer, got ${nbins}`);
  const dr = rmax / nbins;
  const hist = new Float64Array(nbins);
  let frames = 0, nAtoms = 0, volSum = 0;
  return {
    add(s) {
      if (!(s.pbc[0] && s.pbc[1] && s.pbc[2])) throw new UserError('RDF: the structure must be periodic in 3D');
      const n = s.species.length;
      if (frames > 0 && n !== nAtoms) throw new UserError(`RDF: frame ${frames} has ${n} atoms, expected ${nAtoms}`);
      nAtoms = n;
      const nl = buildNeighborList(s, rmax, { half: true });
      const x = s.positions;
      for (let i = 0; i < n; i++) {
        const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];
        for (let k = nl.start[i]; k < nl.start[i + 1]; k++) {
          const j = nl.j[k];
          const dx = x[3 * j] + nl.shift[3 * k] - xi, dy = x[3 * j + 1] + nl.shift[3 * k + 1] - yi, dz = x[3 * j + 2] + nl.shift[3 * k + 2] - zi;
          const b = Math.floor(Math.sqrt(dx * dx + dy * dy + dz * dz) / dr);
          if (b < nbins) hist[b] += 2;
        }
      }
      volSum += volume(s);
      frames++;
    },
    result() {
      if (frames === 0) throw new UserError('RDF: no frames were added');
      const rho = nAtoms / (volSum / frames);
      const r = new Float64Array(nbins), g = new Float64Array(nbins), coordination = new Float64Array(nbins);
      let cum = 0;
      for (let k = 0; k < nbins; k++) {
        const lo = k * dr, hi = lo + dr;
        const shell = ((4 * Math.PI) / 3) * (hi * hi * hi - lo * lo * lo);
        r[k] = lo + 0.5 * dr;
        g[k] = hist[k] / (frames * nAtoms * rho * shell);
        cum += hist[k] / (frames * nAtoms);
        coordination[k] = cum;
      }
      return { r, g, coordination, frames };
    },
  };
}
