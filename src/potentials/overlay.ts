/**
 * Overlay (sum) of models, LAMMPS `pair_style hybrid/overlay`: E = Σ_c E_c, and likewise forces, virial and
 * per-atom energies (eV, eV/Å, eV internal Voigt). Typical use: SNAP + ZBL core repulsion (Ta06A.snap).
 *
 * Spec: {kind:'overlay', elements, cutoff, components}. Every component covers the same set of elements as the
 * overlay (atom types map by symbol; LAMMPS's NULL type mapping is not modelled). `cutoff` must be at least the
 * largest component cutoff; it is the cutoff of the one list the overlay is given.
 *
 * Neighbor lists: the overlay asks for a full list when any component walks a full list, else a half list, with
 * its own cutoff. Each component then gets that list unchanged when it walks the same kind and has the same
 * cutoff; otherwise a filtered copy made once per evaluation: entries beyond the component's cutoff are dropped,
 * and for a half-list component a full list is halved by keeping (i, j, shift) with i < j, and for i = j the one
 * shift of each ± pair whose first nonzero Cartesian component is positive (shifts of opposite images are exact
 * negatives, so exactly one is kept). This is the neighbor contract's half list up to which of ±shift a self
 * image keeps, which no kernel can tell apart.
 *
 * Parameters: the concatenation of the components' parameter vectors in component order, named `c<i>:<name>`
 * (i = 0-based component index); derivative outputs concatenate the same way (each component's dForces block is
 * contiguous in the contract's layout). Bounds: the components' (±∞ where a component has none).
 * linearInParameters: true when every component with parameters is linear (components without parameters add a
 * fixed baseline, which keeps the residuals affine).
 *
 * Components are compiled by a compiler passed in (the registry's compileModel), so this file does not import
 * the registry, which imports it.
 */
import { ConfigError, UserError } from '../core/errors.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { Structure } from '../structure/types.ts';
import type { ModelSpec } from './registry.ts';
import type { CompiledModel, EvalRequest, EvalResult, ModelSpecBase } from './types.ts';

export interface OverlaySpec extends ModelSpecBase {
  kind: 'overlay';
  components: ModelSpec[];
}

export type ComponentCompiler = (spec: ModelSpec) => CompiledModel<ModelSpec>;

/** Prefix of component i's parameter names. */
export function overlayParamPrefix(i: number): string {
  return `c${i}:`;
}

/** Structural checks shared by the registry's validation and the compiler (ConfigError with key paths). */
export function checkOverlaySpec(spec: OverlaySpec, path = 'spec'): void {
  if (spec.components.length === 0) throw new ConfigError(`${path}.components`, 'expected at least one component');
  const own = [...spec.elements].sort().join(',');
  spec.components.forEach((c, k) => {
    const theirs = [...c.elements].sort().join(',');
    if (theirs !== own)
      throw new ConfigError(`${path}.components[${k}].elements`, `a component covers the overlay's elements (${spec.elements.join(', ')}), got ${c.elements.join(', ')}`);
    if (c.cutoff > spec.cutoff)
      throw new ConfigError(`${path}.cutoff`, `the overlay's cutoff ${spec.cutoff} is below component ${k}'s cutoff ${c.cutoff}`);
  });
}

/** A copy of `nl` keeping entries with r² < cutoff² (a relative 1e-12 margin leaves the boundary to the kernel), halved when asked. */
function filterList(nl: NeighborList, s: Structure, cutoff: number, half: boolean): NeighborList {
  const x = s.positions, n = nl.nAtoms;
  const cutsq = cutoff * cutoff * (1 + 1e-12);
  const halve = half && !nl.half;
  const start = new Int32Array(n + 1);
  const js: number[] = [], shifts: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = nl.start[i]; k < nl.start[i + 1]; k++) {
      const j = nl.j[k];
      const sx = nl.shift[3 * k], sy = nl.shift[3 * k + 1], sz = nl.shift[3 * k + 2];
      if (halve) {
        if (j < i) continue;
        if (j === i && !(sx > 0 || (sx === 0 && (sy > 0 || (sy === 0 && sz > 0))))) continue;
      }
      const dx = x[3 * j] + sx - x[3 * i], dy = x[3 * j + 1] + sy - x[3 * i + 1], dz = x[3 * j + 2] + sz - x[3 * i + 2];
      if (dx * dx + dy * dy + dz * dz >= cutsq) continue;
      js.push(j);
      shifts.push(sx, sy, sz);
    }
    start[i + 1] = js.length;
  }
  return { nAtoms: n, cutoff, half: half || nl.half, start, j: Int32Array.from(js), shift: Float64Array.from(shifts) };
}

function addInto(target: Float64Array, src: Float64Array | undefined, offset = 0): void {
  if (!src) return;
  for (let k = 0; k < src.length; k++) target[offset + k] += src[k];
}

function fromComponents(spec: OverlaySpec, parts: CompiledModel<ModelSpec>[]): CompiledModel<OverlaySpec> {
  const listKind: 'half' | 'full' = parts.some((p) => p.neighborList === 'full') ? 'full' : 'half';
  const counts = parts.map((p) => p.parameters.length);
  const offsets = counts.map((_, k) => counts.slice(0, k).reduce((a, b) => a + b, 0));
  const P = counts.reduce((a, b) => a + b, 0);
  const paramNames = parts.flatMap((p, k) => p.paramNames.map((nm) => `${overlayParamPrefix(k)}${nm}`));
  const parameters = new Float64Array(P);
  parts.forEach((p, k) => parameters.set(p.parameters, offsets[k]));
  const hasBounds = parts.some((p) => p.lower || p.upper);
  let lower: Float64Array | undefined, upper: Float64Array | undefined;
  if (hasBounds) {
    lower = new Float64Array(P).fill(-Infinity);
    upper = new Float64Array(P).fill(Infinity);
    parts.forEach((p, k) => {
      if (p.lower) lower!.set(p.lower, offsets[k]);
      if (p.upper) upper!.set(p.upper, offsets[k]);
    });
  }
  const linear = parts.every((p) => p.parameters.length === 0 || p.linearInParameters === true);

  const model: CompiledModel<OverlaySpec> = {
    spec,
    cutoff: spec.cutoff,
    neighborList: listKind,
    paramNames,
    parameters,
    ...(lower ? { lower, upper } : {}),
    linearInParameters: linear,
    evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
      const n = s.species.length;
      const forces = req.forces ? new Float64Array(3 * n) : undefined;
      const virial = req.virial ? new Float64Array(6) : undefined;
      const atomE = req.atomEnergies ? new Float64Array(n) : undefined;
      const grad = !!req.paramGradient;
      const dEnergy = grad ? new Float64Array(P) : undefined;
      const dForces = grad ? new Float64Array(P * 3 * n) : undefined;
      const dVirial = grad ? new Float64Array(P * 6) : undefined;
      let energy = 0;
      parts.forEach((p, c) => {
        const wantHalf = p.neighborList === 'half';
        const same = wantHalf === nl.half && p.cutoff === nl.cutoff;
        const list = same ? nl : filterList(nl, s, p.cutoff, wantHalf);
        const r = p.evaluate(s, list, req);
        energy += r.energy;
        if (forces) addInto(forces, r.forces);
        if (virial) addInto(virial, r.virial);
        if (atomE) addInto(atomE, r.atomEnergies);
        if (grad && counts[c] > 0) {
          addInto(dEnergy!, r.dEnergy, offsets[c]);
          addInto(dForces!, r.dForces, offsets[c] * 3 * n);
          addInto(dVirial!, r.dVirial, offsets[c] * 6);
        }
      });
      const res: EvalResult = { energy };
      if (forces) res.forces = forces;
      if (virial) res.virial = virial;
      if (atomE) res.atomEnergies = atomE;
      if (grad) {
        res.dEnergy = dEnergy;
        res.dForces = dForces;
        res.dVirial = dVirial;
      }
      return res;
    },
    withParameters(theta: ArrayLike<number>): CompiledModel<OverlaySpec> {
      if (theta.length !== P) throw new UserError(`the overlay model has ${P} parameters, got ${theta.length}`);
      const next = parts.map((p, k) => (counts[k] === 0 ? p : p.withParameters(Array.prototype.slice.call(theta, offsets[k], offsets[k] + counts[k]) as number[])));
      return fromComponents({ ...spec, components: next.map((p) => p.spec) }, next);
    },
  };
  return model;
}

/** Compiles every component with `compile` and sums them (see the file comment). */
export function compileOverlay(spec: OverlaySpec, compile: ComponentCompiler): CompiledModel<OverlaySpec> {
  checkOverlaySpec(spec);
  return fromComponents(spec, spec.components.map((c) => compile(c)));
}
