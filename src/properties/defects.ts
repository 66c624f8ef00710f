/**
 * Point and planar defects of one-element crystals, relaxed with relax.ts. Energies in eV, lengths in Å,
 * surface and fault energies in eV/Å² and J/m² (units.ts).
 *
 * - vacancyFormation(model, bulkCell, reps): the supercell `reps` of the given (equilibrium, zero-stress)
 *   conventional cell, one atom removed, positions relaxed at fixed cell:
 *   E_f = E(N−1) − (N−1)/N · E(N). The supercell size and atom count are part of the result because E_f converges
 *   with it. Default reps 4x4x4 (256 atoms for fcc).
 * - orientedCell(kind, element, a, plane): a bulk cell of fcc or bcc with cell rows v1, v2 in the given low-index
 *   plane (one atom per layer, v1 along x, v1 × v2 along +z) and v3 the primitive lattice vector to the next layer.
 *   Built as supercell(primitive, P) with the integer P = V·prim⁻¹, then rotated rigidly.
 * - surfaceEnergy(model, kind, element, a, plane): a slab of that cell, periodic in x and y, free in z, at
 *   least max(30 Å, 6 cutoffs) thick; γ = (E_slab − N e_bulk) / 2A, relaxed (all atoms) and unrelaxed.
 * - stackingFault(model, kind, element, a): generalized stacking-fault curve γ(t) on fcc (111) along [11-2] or
 *   bcc (110) along [1-11]: the upper half of the same kind of slab is shifted rigidly by t along the direction,
 *   x and y of every atom are held fixed and z relaxed (relaxation perpendicular to the fault only);
 *   γ(t) = (E(t) − E(0)) / A over one period of the in-plane lattice along that direction
 *   (fcc: a√6/2, three partial Burgers vectors a/√6; bcc: the Burgers vector a√3/2).
 *   Unstable stacking-fault energy: the maximum between t = 0 and the intrinsic fault (fcc) or half the period
 *   (bcc), refined by golden-section search; intrinsic stacking-fault energy (fcc): γ at the partial Burgers
 *   vector site with the lower energy of t = b_p and t = 2b_p (which one is the I2 fault depends on the ABC
 *   orientation of the slab).
 */
import { UserError } from '../core/errors.ts';
import { cross, inv3, mul3 } from '../core/mat3.ts';
import { evaluateStructure } from '../potentials/evaluate.ts';
import type { CompiledModel } from '../potentials/types.ts';
import { bulk, supercell } from '../structure/builders.ts';
import type { Structure } from '../structure/types.ts';
import { relaxPositions, type RelaxStatus } from './relax.ts';
import { J_PER_M2_PER_EV_A2 } from '../core/units.ts';

export interface VacancyResult {
  /** eV, relaxed. */
  formationEnergy: number;
  /** eV, atoms at their perfect-lattice sites. */
  unrelaxedFormationEnergy: number;
  supercell: [number, number, number];
  /** Atoms of the perfect supercell. */
  nAtoms: number;
  status: RelaxStatus;
  fmax: number;
}

export interface DefectRelaxOptions {
  /** eV/Å, default 1e-5. */
  fmax?: number;
}

export function vacancyFormation(
  model: CompiledModel,
  bulkCell: Structure,
  reps: [number, number, number] = [4, 4, 4],
  opts: DefectRelaxOptions = {},
): VacancyResult {
  if (!reps.every((r) => Number.isInteger(r) && r >= 1)) throw new UserError(`vacancy: supercell must be three positive integers, got ${reps.join('x')}`);
  const perfect = supercell(bulkCell, reps);
  const n = perfect.species.length;
  if (n < 2) throw new UserError('vacancy: the supercell has fewer than two atoms');
  const eBulk = evaluateStructure(model, perfect, {}).energy;
  const defect: Structure = {
    species: perfect.species.slice(1),
    positions: perfect.positions.slice(3),
    cell: perfect.cell,
    pbc: perfect.pbc,
  };
  const e0 = evaluateStructure(model, defect, {}).energy;
  const r = relaxPositions(model, defect, { fmax: opts.fmax ?? 1e-5 });
  const ref = ((n - 1) / n) * eBulk;
  return {
    formationEnergy: r.energy - ref,
    unrelaxedFormationEnergy: e0 - ref,
    supercell: [...reps],
    nAtoms: n,
    status: r.status,
    fmax: r.fmax,
  };
}

export type SurfacePlane = '100' | '110' | '111';
export type PlanarKind = 'fcc' | 'bcc';
export const SURFACE_PLANES: readonly SurfacePlane[] = ['100', '110', '111'];

/** In-plane v1, v2 and out-of-plane v3 in units of a (lattice vectors; one atom per layer). */
const PLANE_VECTORS: Readonly<Record<PlanarKind, Record<SurfacePlane, number[][]>>> = {
  fcc: {
    '100': [[0, 0.5, -0.5], [0, 0.5, 0.5], [0.5, 0.5, 0]],
    '110': [[-0.5, 0.5, 0], [0, 0, 1], [0.5, 0, 0.5]],
    '111': [[0.5, -0.5, 0], [0, 0.5, -0.5], [0, 0.5, 0.5]],
  },
  bcc: {
    '100': [[0, 1, 0], [0, 0, 1], [0.5, 0.5, 0.5]],
    '110': [[0, 0, 1], [0.5, -0.5, 0.5], [1, 0, 0]],
    '111': [[1, -1, 0], [0, 1, -1], [0.5, 0.5, -0.5]],
  },
};

function checkPlanarKind(kind: string): asserts kind is PlanarKind {
  if (kind !== 'fcc' && kind !== 'bcc') throw new UserError(`surfaces and stacking faults are built for fcc and bcc crystals, not ${kind}`);
}

/** Rotation taking v1 to +x and v1 × v2 to +z, as the 3x3 R with x' = x·R (columns e1, e2, e3). */
function planeRotation(v1: number[], v2: number[]): Float64Array {
  const n1 = Math.hypot(v1[0], v1[1], v1[2]);
  const e1 = v1.map((x) => x / n1);
  const c = cross(v1, v2);
  const nc = Math.hypot(c[0], c[1], c[2]);
  const e3 = c.map((x) => x / nc);
  const e2 = cross(e3, e1);
  return Float64Array.of(e1[0], e2[0], e3[0], e1[1], e2[1], e3[1], e1[2], e2[2], e3[2]);
}

export function orientedCell(kind: PlanarKind, element: string, a: number, plane: SurfacePlane): Structure {
  checkPlanarKind(kind);
  const vecs = PLANE_VECTORS[kind][plane];
  const prim = bulk(kind, [element], a, { cubic: false });
  const V = Float64Array.from(vecs.flat().map((x) => x * a));
  const P = Array.from(mul3(V, inv3(prim.cell)), (x) => Math.round(x));
  const sc = supercell(prim, P);
  const R = planeRotation(vecs[0], vecs[1]);
  const pos = new Float64Array(sc.positions.length);
  for (let i = 0; i < pos.length; i += 3) {
    for (let b = 0; b < 3; b++) pos[i + b] = sc.positions[i] * R[b] + sc.positions[i + 1] * R[3 + b] + sc.positions[i + 2] * R[6 + b];
  }
  return { species: sc.species, positions: pos, cell: mul3(sc.cell, R), pbc: [true, true, true] };
}

/** Slab of `layers` repeats of the oriented cell, periodic in x and y only. */
function slab(cell: Structure, layers: number): Structure {
  const s = supercell(cell, [1, 1, layers]);
  return { ...s, pbc: [true, true, false] };
}

function layerCount(model: CompiledModel, cell: Structure): number {
  const d = cell.cell[8];
  return Math.max(8, Math.ceil(Math.max(30, 6 * model.cutoff) / d));
}

function inPlaneArea(cell: ArrayLike<number>): number {
  return Math.abs(cell[0] * cell[4] - cell[1] * cell[3]);
}

export interface SurfaceResult {
  plane: SurfacePlane;
  /** eV/Å². */
  energy: number;
  /** J/m². */
  energyJm2: number;
  unrelaxedEnergy: number;
  unrelaxedEnergyJm2: number;
  layers: number;
  nAtoms: number;
  status: RelaxStatus;
}

export function surfaceEnergy(model: CompiledModel, kind: PlanarKind, element: string, a: number, plane: SurfacePlane, opts: DefectRelaxOptions = {}): SurfaceResult {
  const cell = orientedCell(kind, element, a, plane);
  const eBulk = evaluateStructure(model, cell, {}).energy / cell.species.length;
  const layers = layerCount(model, cell);
  const s = slab(cell, layers);
  const n = s.species.length;
  const area = inPlaneArea(s.cell);
  const e0 = evaluateStructure(model, s, {}).energy;
  const r = relaxPositions(model, s, { fmax: opts.fmax ?? 1e-5 });
  const g = (r.energy - n * eBulk) / (2 * area);
  const g0 = (e0 - n * eBulk) / (2 * area);
  return { plane, energy: g, energyJm2: g * J_PER_M2_PER_EV_A2, unrelaxedEnergy: g0, unrelaxedEnergyJm2: g0 * J_PER_M2_PER_EV_A2, layers, nAtoms: n, status: r.status };
}

export interface GsfOptions extends DefectRelaxOptions {
  /** Points over one period (multiple of 6 for fcc), default 24. */
  points?: number;
}

export interface GsfResult {
  plane: string;
  direction: string;
  /** Shift along the direction (Å), points + 1 values from 0 to the period. */
  shifts: Float64Array;
  /** γ(t) in eV/Å². */
  energies: Float64Array;
  /** Period of the curve (Å). */
  period: number;
  /** Unstable stacking-fault energy (eV/Å²) and its shift (Å). */
  usf: number;
  usfShift: number;
  /** Intrinsic stacking-fault energy (eV/Å², fcc only). */
  isf?: number;
  isfShift?: number;
  usfJm2: number;
  isfJm2?: number;
  layers: number;
  nAtoms: number;
  /** Worst relaxation status over the curve. */
  status: RelaxStatus;
}

const STATUS_RANK: Record<RelaxStatus, number> = { converged: 0, maxIterations: 1, stalled: 2, nonFinite: 3 };
const GOLDEN = (Math.sqrt(5) - 1) / 2;

export function stackingFault(model: CompiledModel, kind: PlanarKind, element: string, a: number, opts: GsfOptions = {}): GsfResult {
  checkPlanarKind(kind);
  const plane: SurfacePlane = kind === 'fcc' ? '111' : '110';
  const cell = orientedCell(kind, element, a, plane);
  const layers = layerCount(model, cell);
  const s = slab(cell, layers);
  const n = s.species.length;
  const area = inPlaneArea(s.cell);
  // Fault direction in the rotated frame: fcc [11-2] = v1 + 2 v2, bcc [1-11] ∥ v2 (period a√3/2).
  const c = s.cell;
  const dirVec = kind === 'fcc' ? [c[0] + 2 * c[3], c[1] + 2 * c[4], 0] : [c[3], c[4], 0];
  const period = Math.hypot(dirVec[0], dirVec[1]);
  const ux = dirVec[0] / period, uy = dirVec[1] / period;
  // Upper half: atoms above the middle between layer layers/2 − 1 and layers/2.
  const zCut = (Math.floor(layers / 2) - 0.5) * cell.cell[8] + Math.min(...Array.from({ length: n }, (_, i) => s.positions[3 * i + 2]));
  const fixed = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) fixed[3 * i] = fixed[3 * i + 1] = 1;
  let status: RelaxStatus = 'converged';
  const relaxedEnergy = (t: number): number => {
    const pos = s.positions.slice();
    for (let i = 0; i < n; i++)
      if (pos[3 * i + 2] > zCut) {
        pos[3 * i] += t * ux;
        pos[3 * i + 1] += t * uy;
      }
    const r = relaxPositions(model, { ...s, positions: pos }, { fmax: opts.fmax ?? 1e-5, fixed });
    if (STATUS_RANK[r.status] > STATUS_RANK[status]) status = r.status;
    return r.energy;
  };
  const e0 = relaxedEnergy(0);
  const energyAt = (t: number): number => (relaxedEnergy(t) - e0) / area;
  const points = opts.points ?? 24;
  if (!(Number.isInteger(points) && points >= 6 && (kind !== 'fcc' || points % 6 === 0)))
    throw new UserError(`GSF: points must be an integer ≥ 6${kind === 'fcc' ? ' and a multiple of 6' : ''}, got ${points}`);
  const shifts = new Float64Array(points + 1), energies = new Float64Array(points + 1);
  for (let k = 0; k <= points; k++) {
    shifts[k] = (k * period) / points;
    energies[k] = k === 0 ? 0 : energyAt(shifts[k]);
  }
  // The unstable fault is the maximum on the path from the perfect crystal to the intrinsic fault: (0, b_p) when
  // the fault sits at b_p, else (2b_p, period), the same path taken backwards; bcc: (0, period/2].
  let isf: number | undefined, isfShift: number | undefined, kFrom: number, kTo: number;
  if (kind === 'fcc') {
    const k1 = points / 3, k2 = (2 * points) / 3;
    const first = energies[k1] <= energies[k2];
    isf = first ? energies[k1] : energies[k2];
    isfShift = first ? shifts[k1] : shifts[k2];
    [kFrom, kTo] = first ? [0, k1] : [k2, points];
  } else [kFrom, kTo] = [0, Math.floor(points / 2) + 1];
  let kMax = kFrom + 1;
  for (let k = kFrom + 1; k < kTo; k++) if (energies[k] > energies[kMax]) kMax = k;
  let lo = shifts[Math.max(kMax - 1, 0)], hi = shifts[Math.min(kMax + 1, points)];
  let x1 = hi - GOLDEN * (hi - lo), x2 = lo + GOLDEN * (hi - lo);
  let f1 = energyAt(x1), f2 = energyAt(x2);
  while (hi - lo > 1e-4 * period) {
    if (f1 > f2) {
      hi = x2; x2 = x1; f2 = f1;
      x1 = hi - GOLDEN * (hi - lo);
      f1 = energyAt(x1);
    } else {
      lo = x1; x1 = x2; f1 = f2;
      x2 = lo + GOLDEN * (hi - lo);
      f2 = energyAt(x2);
    }
  }
  const usfShift = f1 > f2 ? x1 : x2;
  const usf = Math.max(f1, f2, energies[kMax]);
  return {
    plane: kind === 'fcc' ? '(111)' : '(110)',
    direction: kind === 'fcc' ? '[11-2]' : '[1-11]',
    shifts, energies, period, usf, usfShift: usf === energies[kMax] ? shifts[kMax] : usfShift,
    isf, isfShift, usfJm2: usf * J_PER_M2_PER_EV_A2, isfJm2: isf === undefined ? undefined : isf * J_PER_M2_PER_EV_A2,
    layers, nAtoms: n, status,
  };
}
