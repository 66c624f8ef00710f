/**
 * Cell operations on Structure: volume, fractional coordinates, wrapping, strain. Pure functions returning new
 * arrays; the input structure is never mutated.
 */
import { det3, inv3, mul3 } from '../core/mat3.ts';
import type { Structure } from './types.ts';

export function volume(s: Structure): number {
  return Math.abs(det3(s.cell));
}

export function isPeriodic(s: Structure): boolean {
  return s.pbc[0] || s.pbc[1] || s.pbc[2];
}

export function isFullyPeriodic(s: Structure): boolean {
  return s.pbc[0] && s.pbc[1] && s.pbc[2];
}

/** Fractional coordinates f with x = f·cell (3 per atom). */
export function fractional(s: Structure): Float64Array {
  const inv = inv3(s.cell);
  const n = s.species.length;
  const f = new Float64Array(3 * n);
  const p = s.positions;
  for (let i = 0; i < n; i++) {
    const x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
    f[3 * i] = x * inv[0] + y * inv[3] + z * inv[6];
    f[3 * i + 1] = x * inv[1] + y * inv[4] + z * inv[7];
    f[3 * i + 2] = x * inv[2] + y * inv[5] + z * inv[8];
  }
  return f;
}

/** Cartesian positions from fractional ones: x = f·cell. */
export function cartesian(frac: ArrayLike<number>, cell: ArrayLike<number>): Float64Array {
  const n = frac.length / 3;
  const x = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    const a = frac[3 * i], b = frac[3 * i + 1], c = frac[3 * i + 2];
    x[3 * i] = a * cell[0] + b * cell[3] + c * cell[6];
    x[3 * i + 1] = a * cell[1] + b * cell[4] + c * cell[7];
    x[3 * i + 2] = a * cell[2] + b * cell[5] + c * cell[8];
  }
  return x;
}

/** Wraps atoms into the cell along periodic directions. */
export function wrap(s: Structure): Structure {
  const f = fractional(s);
  for (let i = 0; i < f.length; i++) {
    if (s.pbc[i % 3]) f[i] -= Math.floor(f[i]);
  }
  return { ...s, positions: cartesian(f, s.cell) };
}

/**
 * Applies a homogeneous deformation x → x·(I + ε) (row-vector convention) to positions and cell, where `eps` is
 * a row-major 3x3 (symmetric for a pure strain). With this convention σ_ab = (1/V) ∂E/∂ε_ab.
 */
export function deform(s: Structure, eps: ArrayLike<number>): Structure {
  const f = Float64Array.of(1 + eps[0], eps[1], eps[2], eps[3], 1 + eps[4], eps[5], eps[6], eps[7], 1 + eps[8]);
  const cell = mul3(s.cell, f);
  const n = s.species.length;
  const pos = new Float64Array(3 * n);
  const p = s.positions;
  for (let i = 0; i < n; i++) {
    const x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
    pos[3 * i] = x * f[0] + y * f[3] + z * f[6];
    pos[3 * i + 1] = x * f[1] + y * f[4] + z * f[7];
    pos[3 * i + 2] = x * f[2] + y * f[5] + z * f[8];
  }
  return { species: s.species, positions: pos, cell, pbc: s.pbc };
}

/** Deep copy (typed arrays copied). */
export function cloneStructure(s: Structure): Structure {
  return { species: s.species.slice(), positions: s.positions.slice(), cell: s.cell.slice(), pbc: [...s.pbc] as [boolean, boolean, boolean] };
}
