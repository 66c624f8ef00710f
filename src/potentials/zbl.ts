/**
 * Ziegler-Biersack-Littmark universal screened nuclear repulsion with LAMMPS `pair_style zbl inner outer`
 * semantics (src/pair_zbl.cpp), over a half neighbor list. No fit parameters.
 *
 * For a pair of elements (a, b) with nuclear charges Z_a, Z_b (spec `z`, default the atomic numbers):
 *   E_ZBL(r) = (Z_a Z_b e²/(4πε0)) / r · φ(r/a_s),   a_s = 0.46850 / (Z_a^0.23 + Z_b^0.23) Å,
 *   φ(x) = 0.02817 e^{−0.20162x} + 0.28022 e^{−0.40290x} + 0.50986 e^{−0.94229x} + 0.18175 e^{−3.19980x}
 * (the constants of LAMMPS's pair_zbl_const.h; e²/(4πε0) is LAMMPS's metal-units qqr2e, eV·Å).
 * The pair energy for r < outer is
 *   φ_pair(r) = E_ZBL(r) + C + [r > inner] t³ (A/3 + B t/4),   t = r − inner,
 * with A, B, C chosen (from E_ZBL and its first two derivatives at r_c = outer, t_c = outer − inner) so that the
 * energy and its first two derivatives vanish at outer:
 *   A = (−3E' + t_c E'')/t_c²,  B = (2E' − t_c E'')/t_c³,  C = −E + t_c E'/2 − t_c² E''/12.
 * Note C shifts the energy at every r < outer, inside `inner` too, as LAMMPS does. Distances compare as r²
 * against inner² and outer² exactly as LAMMPS does (r² > inner² switches on, r² < outer² interacts).
 * Spec: `cutoff` must equal `outer` (Å); `inner` in (0, outer]. Forces on j: −φ_pair'(r) d/r (tally.ts).
 * Per-atom energies split each pair half and half.
 */
import { ConfigError, UserError } from '../core/errors.ts';
import { atomicNumber } from '../core/elements.ts';
import { LAMMPS_QQR2E_METAL } from '../core/units.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { Structure } from '../structure/types.ts';
import { elementIndexOf, speciesToElements } from './pair.ts';
import { tallyPairForce, tallyPairVirial } from './tally.ts';
import type { CompiledModel, EvalRequest, EvalResult, ModelSpecBase } from './types.ts';

export interface ZblSpec extends ModelSpecBase {
  kind: 'zbl';
  /** Inner switching distance (Å). */
  inner: number;
  /** Outer cutoff (Å), equal to `cutoff`. */
  outer: number;
  /** Nuclear charge per element (in `elements` order); default the atomic numbers. */
  z?: number[];
}

/** The universal screening function's constants (LAMMPS pair_zbl_const.h, from ZBL 1985). */
const ZBL_P = 0.23;
const ZBL_A0 = 0.4685;
const ZBL_C = [0.02817, 0.28022, 0.50986, 0.18175] as const;
const ZBL_D = [0.20162, 0.4029, 0.94229, 3.1998] as const;

/** Per element pair: the four exponents d_k/a_s (1/Å), Z_a Z_b e²/(4πε0), and the switching coefficients. */
interface ZblPair {
  d: Float64Array;
  zze: number;
  sw1: number;
  sw2: number;
  sw3: number;
  sw4: number;
  sw5: number;
}

function eZbl(p: ZblPair, r: number): number {
  const sum = ZBL_C[0] * Math.exp(-p.d[0] * r) + ZBL_C[1] * Math.exp(-p.d[1] * r) + ZBL_C[2] * Math.exp(-p.d[2] * r) + ZBL_C[3] * Math.exp(-p.d[3] * r);
  return (p.zze * sum) / r;
}

/** dE_ZBL/dr. */
function dZbl(p: ZblPair, r: number): number {
  let sum = 0, sumP = 0;
  for (let k = 0; k < 4; k++) {
    const e = ZBL_C[k] * Math.exp(-p.d[k] * r);
    sum += e;
    sumP -= p.d[k] * e;
  }
  const rinv = 1 / r;
  return p.zze * (sumP - sum * rinv) * rinv;
}

/** d²E_ZBL/dr². */
function d2Zbl(p: ZblPair, r: number): number {
  let sum = 0, sumP = 0, sumPP = 0;
  for (let k = 0; k < 4; k++) {
    const e = ZBL_C[k] * Math.exp(-p.d[k] * r);
    sum += e;
    sumP += e * p.d[k];
    sumPP += e * p.d[k] * p.d[k];
  }
  const rinv = 1 / r;
  return p.zze * (sumPP + 2 * sumP * rinv + 2 * sum * rinv * rinv) * rinv;
}

function zblPair(za: number, zb: number, inner: number, outer: number): ZblPair {
  const ainv = (Math.pow(za, ZBL_P) + Math.pow(zb, ZBL_P)) / ZBL_A0;
  const p: ZblPair = { d: Float64Array.from(ZBL_D, (d) => d * ainv), zze: za * zb * LAMMPS_QQR2E_METAL, sw1: 0, sw2: 0, sw3: 0, sw4: 0, sw5: 0 };
  const tc = outer - inner;
  const fc = eZbl(p, outer), fcp = dZbl(p, outer), fcpp = d2Zbl(p, outer);
  const a = (-3 * fcp + tc * fcpp) / (tc * tc);
  const b = (2 * fcp - tc * fcpp) / (tc * tc * tc);
  p.sw1 = a;
  p.sw2 = b;
  p.sw3 = a / 3;
  p.sw4 = b / 4;
  p.sw5 = -fc + (tc / 2) * fcp - ((tc * tc) / 12) * fcpp;
  return p;
}

/** Nuclear charges of the spec's elements (the given `z`, else atomic numbers). */
export function zblCharges(spec: ZblSpec): number[] {
  if (spec.z !== undefined) return [...spec.z];
  return spec.elements.map((e) => atomicNumber(e)!);
}

function checkSpec(spec: ZblSpec): void {
  if (!(spec.inner > 0)) throw new ConfigError('inner', `expected a positive inner distance, got ${spec.inner}`);
  if (!(spec.outer >= spec.inner)) throw new ConfigError('outer', `outer (${spec.outer}) must not be below inner (${spec.inner})`);
  if (spec.cutoff !== spec.outer) throw new ConfigError('cutoff', `a zbl model's cutoff is its outer distance (${spec.outer}), got ${spec.cutoff}`);
  if (spec.z !== undefined) {
    if (spec.z.length !== spec.elements.length) throw new ConfigError('z', `expected ${spec.elements.length} charges (one per element), got ${spec.z.length}`);
    spec.z.forEach((z, k) => {
      if (!(z > 0)) throw new ConfigError(`z[${k}]`, `expected a positive nuclear charge, got ${z}`);
    });
  }
}

export function compileZbl(spec: ZblSpec): CompiledModel<ZblSpec> {
  checkSpec(spec);
  const map = elementIndexOf(spec.elements);
  const ne = spec.elements.length;
  const z = zblCharges(spec);
  const pairs: ZblPair[] = [];
  for (let a = 0; a < ne; a++) for (let b = 0; b < ne; b++) pairs.push(zblPair(z[a], z[b], spec.inner, spec.outer));
  const innerSq = spec.inner * spec.inner, outerSq = spec.outer * spec.outer, inner = spec.inner;
  const model: CompiledModel<ZblSpec> = {
    spec,
    cutoff: spec.cutoff,
    neighborList: 'half',
    paramNames: [],
    parameters: new Float64Array(0),
    linearInParameters: true,
    evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
      const el = speciesToElements(s, map, spec.elements);
      const n = s.species.length, x = s.positions;
      const forces = req.forces ? new Float64Array(3 * n) : undefined;
      const virial = req.virial ? new Float64Array(6) : undefined;
      const atomE = req.atomEnergies ? new Float64Array(n) : undefined;
      let energy = 0;
      for (let i = 0; i < n; i++) {
        for (let k = nl.start[i]; k < nl.start[i + 1]; k++) {
          const j = nl.j[k];
          const dx = x[3 * j] + nl.shift[3 * k] - x[3 * i];
          const dy = x[3 * j + 1] + nl.shift[3 * k + 1] - x[3 * i + 1];
          const dz = x[3 * j + 2] + nl.shift[3 * k + 2] - x[3 * i + 2];
          const rsq = dx * dx + dy * dy + dz * dz;
          if (rsq >= outerSq) continue;
          const p = pairs[el[i] * ne + el[j]];
          const r = Math.sqrt(rsq);
          let e = eZbl(p, r) + p.sw5;
          let dedr = dZbl(p, r);
          if (rsq > innerSq) {
            const t = r - inner;
            e += t * t * t * (p.sw3 + p.sw4 * t);
            dedr += t * t * (p.sw1 + p.sw2 * t);
          }
          energy += e;
          if (atomE) {
            atomE[i] += 0.5 * e;
            atomE[j] += 0.5 * e;
          }
          const g = -dedr / r;
          if (forces) tallyPairForce(forces, i, j, g * dx, g * dy, g * dz);
          if (virial) tallyPairVirial(virial, dx, dy, dz, g * dx, g * dy, g * dz);
        }
      }
      const res: EvalResult = { energy };
      if (forces) res.forces = forces;
      if (virial) res.virial = virial;
      if (atomE) res.atomEnergies = atomE;
      if (req.paramGradient) {
        res.dEnergy = new Float64Array(0);
        res.dForces = new Float64Array(0);
        res.dVirial = new Float64Array(0);
      }
      return res;
    },
    withParameters(theta: ArrayLike<number>): CompiledModel<ZblSpec> {
      if (theta.length !== 0) throw new UserError(`a zbl model has no parameters, got ${theta.length}`);
      return model;
    },
  };
  return model;
}
