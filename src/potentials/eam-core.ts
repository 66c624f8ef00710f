/**
 * The EAM kernel shared by every EAM family (tabulated LAMMPS files, splines, analytic forms).
 *
 *   E = Σ_i F_{a(i)}(ρ_i) + Σ_{pairs i<j} φ_{a(i)a(j)}(r_ij),   ρ_i = Σ_{j≠i} ρ_{a(i)←a(j)}(r_ij)
 *
 * where a(i) is atom i's element index and ρ_{α←β}(r) is the density an atom of element β contributes at an atom
 * of element α (eam/alloy: depends on β only; eam/fs: on both). A family supplies its functions through
 * `EamFunctions`; the kernel walks a HALF neighbor list in two passes, as LAMMPS does: densities, then
 * fp_i = F'(ρ_i), then pair forces along each separation d = r_ij (vector from i to j):
 *   ∂E/∂r_ij = ψ' = fp_i ρ'_{i←j}(r) + fp_j ρ'_{j←i}(r) + φ'(r),  force on j = −ψ' d/r, on i the opposite,
 * tallied with tally.ts (virial W_ab += d_a f_b, W = −Vσ). Per-atom energies: F_i + ½ Σ_j φ_ij.
 *
 * Parameter derivatives (req.paramGradient), exact, by forward propagation of the chain rule:
 *   ∂ρ_i/∂θ   from the density functions' parameter weights (dense N×P array `dRho`),
 *   ∂fp_i/∂θ = F''(ρ_i) ∂ρ_i/∂θ + ∂F'/∂θ|_ρ,   ∂E/∂θ = Σ_i (F'_i ∂ρ_i/∂θ + ∂F/∂θ|_ρ) + Σ_pairs ∂φ/∂θ,
 *   ∂ψ'/∂θ  = ∂fp_i/∂θ ρ'_{i←j} + ∂fp_j/∂θ ρ'_{j←i} + fp_i ∂ρ'_{i←j}/∂θ + fp_j ∂ρ'_{j←i}/∂θ + ∂φ'/∂θ,
 * each pair's ∂ψ'/∂θ being tallied into dForces (P × 3N) and dVirial (P × 6) like ψ' itself.
 * Memory is O(N·P): meant for fitting-size structures.
 */
import { UserError } from '../core/errors.ts';
import { symbolOf } from '../core/elements.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { Structure } from '../structure/types.ts';
import { tallyPairForce, tallyPairVirial } from './tally.ts';
import type { EvalRequest, EvalResult } from './types.ts';

/**
 * The functions of one EAM model. Output slots: `out[0]` value, `out[1]` first derivative, and for `embed`
 * `out[2]` = second derivative. Gradient methods write parameter indices into `idx` and, for entry k,
 * w[2k] = ∂value/∂θ_idx[k], w[2k+1] = ∂(first derivative)/∂θ_idx[k]; they return the entry count
 * (≤ maxGradEntries; an index may repeat, weights then add).
 */
export interface EamFunctions {
  readonly nEl: number;
  readonly nParams: number;
  readonly cutoff: number;
  readonly maxGradEntries: number;
  embed(el: number, rho: number, out: Float64Array): void;
  /** Density at an atom of element `center` due to a neighbor of element `nb` at distance r. */
  density(center: number, nb: number, r: number, out: Float64Array): void;
  pair(a: number, b: number, r: number, out: Float64Array): void;
  embedGrad(el: number, rho: number, idx: Int32Array, w: Float64Array): number;
  densityGrad(center: number, nb: number, r: number, idx: Int32Array, w: Float64Array): number;
  pairGrad(a: number, b: number, r: number, idx: Int32Array, w: Float64Array): number;
}

/** Element index of every atom (by atomic number); a UserError names an element the model lacks. */
export function elementIndices(s: Structure, elements: readonly string[]): Int32Array {
  const byZ = new Map<number, number>();
  const n = s.species.length;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const z = s.species[i];
    let e = byZ.get(z);
    if (e === undefined) {
      const sym = symbolOf(z);
      e = elements.indexOf(sym);
      if (e < 0) throw new UserError(`atom ${i} is ${sym}, but the EAM model only has elements ${elements.join(', ')}`);
      byZ.set(z, e);
    }
    out[i] = e;
  }
  return out;
}

export function evaluateEam(
  fns: EamFunctions, elements: readonly string[], s: Structure, nl: NeighborList, req: EvalRequest,
): EvalResult {
  if (!nl.half) throw new Error('internal error: the EAM kernel walks a half neighbor list');
  if (req.paramGradient) return evaluateEamGradient(fns, elements, s, nl, req);
  const n = s.species.length;
  const el = elementIndices(s, elements);
  const x = s.positions, start = nl.start, nbr = nl.j, shift = nl.shift;
  const cut2 = fns.cutoff * fns.cutoff;
  const rho = new Float64Array(n);
  const fp = new Float64Array(n);
  const tmp = new Float64Array(3);
  const wantF = req.forces === true || req.virial === true;
  const forces = req.forces ? new Float64Array(3 * n) : undefined;
  const virial = req.virial ? new Float64Array(6) : undefined;
  const atomE = req.atomEnergies ? new Float64Array(n) : undefined;

  for (let i = 0; i < n; i++) {
    const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2], ei = el[i];
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = nbr[k];
      const dx = x[3 * j] + shift[3 * k] - xi, dy = x[3 * j + 1] + shift[3 * k + 1] - yi, dz = x[3 * j + 2] + shift[3 * k + 2] - zi;
      const r2 = dx * dx + dy * dy + dz * dz;
      if (r2 >= cut2) continue;
      const r = Math.sqrt(r2), ej = el[j];
      fns.density(ei, ej, r, tmp);
      rho[i] += tmp[0];
      fns.density(ej, ei, r, tmp);
      rho[j] += tmp[0];
    }
  }
  let energy = 0;
  for (let i = 0; i < n; i++) {
    fns.embed(el[i], rho[i], tmp);
    energy += tmp[0];
    fp[i] = tmp[1];
    if (atomE) atomE[i] += tmp[0];
  }
  for (let i = 0; i < n; i++) {
    const xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2], ei = el[i], fpi = fp[i];
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = nbr[k];
      const dx = x[3 * j] + shift[3 * k] - xi, dy = x[3 * j + 1] + shift[3 * k + 1] - yi, dz = x[3 * j + 2] + shift[3 * k + 2] - zi;
      const r2 = dx * dx + dy * dy + dz * dz;
      if (r2 >= cut2) continue;
      const r = Math.sqrt(r2), ej = el[j];
      fns.pair(ei, ej, r, tmp);
      const phi = tmp[0];
      energy += phi;
      if (atomE) {
        atomE[i] += 0.5 * phi;
        atomE[j] += 0.5 * phi;
      }
      if (!wantF) continue;
      const phip = tmp[1];
      fns.density(ei, ej, r, tmp);
      const rhoJIp = tmp[1];
      fns.density(ej, ei, r, tmp);
      const psip = fpi * rhoJIp + fp[j] * tmp[1] + phip;
      const c = -psip / r;
      const fx = c * dx, fy = c * dy, fz = c * dz;
      if (forces) tallyPairForce(forces, i, j, fx, fy, fz);
      if (virial) tallyPairVirial(virial, dx, dy, dz, fx, fy, fz);
    }
  }
  const out: EvalResult = { energy };
  if (forces) out.forces = forces;
  if (virial) out.virial = virial;
  if (atomE) out.atomEnergies = atomE;
  return out;
}

function evaluateEamGradient(
  fns: EamFunctions, elements: readonly string[], s: Structure, nl: NeighborList, req: EvalRequest,
): EvalResult {
  const n = s.species.length, P = fns.nParams, n3 = 3 * n;
  const el = elementIndices(s, elements);
  const x = s.positions, start = nl.start, nbr = nl.j, shift = nl.shift;
  const cut2 = fns.cutoff * fns.cutoff;
  const rho = new Float64Array(n), fp = new Float64Array(n);
  const dRho = new Float64Array(n * P), dFp = new Float64Array(n * P);
  const dE = new Float64Array(P), dF = new Float64Array(P * n3), dW = new Float64Array(P * 6);
  const forces = new Float64Array(n3), virial = new Float64Array(6);
  const atomE = req.atomEnergies ? new Float64Array(n) : undefined;
  const tmp = new Float64Array(3);
  const idx = new Int32Array(fns.maxGradEntries), w = new Float64Array(2 * fns.maxGradEntries);

  for (let i = 0; i < n; i++) {
    const ei = el[i];
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = nbr[k];
      const dx = x[3 * j] + shift[3 * k] - x[3 * i], dy = x[3 * j + 1] + shift[3 * k + 1] - x[3 * i + 1], dz = x[3 * j + 2] + shift[3 * k + 2] - x[3 * i + 2];
      const r2 = dx * dx + dy * dy + dz * dz;
      if (r2 >= cut2) continue;
      const r = Math.sqrt(r2), ej = el[j];
      fns.density(ei, ej, r, tmp);
      rho[i] += tmp[0];
      fns.density(ej, ei, r, tmp);
      rho[j] += tmp[0];
      let c = fns.densityGrad(ei, ej, r, idx, w);
      for (let q = 0; q < c; q++) dRho[i * P + idx[q]] += w[2 * q];
      c = fns.densityGrad(ej, ei, r, idx, w);
      for (let q = 0; q < c; q++) dRho[j * P + idx[q]] += w[2 * q];
    }
  }
  let energy = 0;
  for (let i = 0; i < n; i++) {
    fns.embed(el[i], rho[i], tmp);
    energy += tmp[0];
    fp[i] = tmp[1];
    if (atomE) atomE[i] += tmp[0];
    const f1 = tmp[1], f2 = tmp[2], o = i * P;
    for (let q = 0; q < P; q++) {
      const g = dRho[o + q];
      if (g === 0) continue;
      dE[q] += f1 * g;
      dFp[o + q] += f2 * g;
    }
    const c = fns.embedGrad(el[i], rho[i], idx, w);
    for (let q = 0; q < c; q++) {
      dE[idx[q]] += w[2 * q];
      dFp[o + idx[q]] += w[2 * q + 1];
    }
  }
  for (let i = 0; i < n; i++) {
    const ei = el[i], fpi = fp[i], oi = i * P;
    for (let k = start[i]; k < start[i + 1]; k++) {
      const j = nbr[k];
      const dx = x[3 * j] + shift[3 * k] - x[3 * i], dy = x[3 * j + 1] + shift[3 * k + 1] - x[3 * i + 1], dz = x[3 * j + 2] + shift[3 * k + 2] - x[3 * i + 2];
      const r2 = dx * dx + dy * dy + dz * dz;
      if (r2 >= cut2) continue;
      const r = Math.sqrt(r2), ej = el[j], fpj = fp[j], oj = j * P;
      fns.pair(ei, ej, r, tmp);
      const phi = tmp[0], phip = tmp[1];
      energy += phi;
      if (atomE) {
        atomE[i] += 0.5 * phi;
        atomE[j] += 0.5 * phi;
      }
      fns.density(ei, ej, r, tmp);
      const rhoJIp = tmp[1]; // derivative of the density at i due to j
      fns.density(ej, ei, r, tmp);
      const rhoIJp = tmp[1];
      const psip = fpi * rhoJIp + fpj * rhoIJp + phip;
      const c0 = -psip / r;
      tallyPairForce(forces, i, j, c0 * dx, c0 * dy, c0 * dz);
      tallyPairVirial(virial, dx, dy, dz, c0 * dx, c0 * dy, c0 * dz);

      // ∂ψ'/∂θ through fp_i and fp_j (dense), then the direct terms (sparse); each tallied as −(∂ψ'/∂θ) d/r
      const ir = -1 / r;
      const wxx = dx * dx, wyy = dy * dy, wzz = dz * dz, wyz = dy * dz, wxz = dx * dz, wxy = dx * dy;
      const bj = 3 * j, bi = 3 * i;
      for (let q = 0; q < P; q++) {
        const a = dFp[oi + q], b = dFp[oj + q];
        if (a === 0 && b === 0) continue;
        const c = (a * rhoJIp + b * rhoIJp) * ir;
        addPairTangent(dF, dW, q, n3, bi, bj, c, dx, dy, dz, wxx, wyy, wzz, wyz, wxz, wxy);
      }
      let cnt = fns.pairGrad(ei, ej, r, idx, w);
      for (let q = 0; q < cnt; q++) {
        dE[idx[q]] += w[2 * q];
        addPairTangent(dF, dW, idx[q], n3, bi, bj, w[2 * q + 1] * ir, dx, dy, dz, wxx, wyy, wzz, wyz, wxz, wxy);
      }
      cnt = fns.densityGrad(ei, ej, r, idx, w);
      for (let q = 0; q < cnt; q++) {
        addPairTangent(dF, dW, idx[q], n3, bi, bj, fpi * w[2 * q + 1] * ir, dx, dy, dz, wxx, wyy, wzz, wyz, wxz, wxy);
      }
      cnt = fns.densityGrad(ej, ei, r, idx, w);
      for (let q = 0; q < cnt; q++) {
        addPairTangent(dF, dW, idx[q], n3, bi, bj, fpj * w[2 * q + 1] * ir, dx, dy, dz, wxx, wyy, wzz, wyz, wxz, wxy);
      }
    }
  }
  const out: EvalResult = { energy, dEnergy: dE, dForces: dF, dVirial: dW };
  if (req.forces) out.forces = forces;
  if (req.virial) out.virial = virial;
  if (atomE) out.atomEnergies = atomE;
  return out;
}

/** Tallies the tangent c·d (force on j; −c·d on i) of parameter q into dForces and dVirial. */
function addPairTangent(
  dF: Float64Array, dW: Float64Array, q: number, n3: number, bi: number, bj: number, c: number,
  dx: number, dy: number, dz: number,
  wxx: number, wyy: number, wzz: number, wyz: number, wxz: number, wxy: number,
): void {
  const o = q * n3;
  const fx = c * dx, fy = c * dy, fz = c * dz;
  dF[o + bj] += fx;
  dF[o + bj + 1] += fy;
  dF[o + bj + 2] += fz;
  dF[o + bi] -= fx;
  dF[o + bi + 1] -= fy;
  dF[o + bi + 2] -= fz;
  const v = q * 6;
  dW[v] += c * wxx;
  dW[v + 1] += c * wyy;
  dW[v + 2] += c * wzz;
  dW[v + 3] += c * wyz;
  dW[v + 4] += c * wxz;
  dW[v + 5] += c * wxy;
}
