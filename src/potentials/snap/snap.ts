/**
 * The compiled SNAP model (kind 'snap'): linear or quadratic SNAP with LAMMPS pair_style snap semantics
 * (see engine.ts for the energy expression, neighbor selection and layouts; spec.ts for the spec).
 *
 * Parameters: all coefficients, element by element in `elements` order, each in .snapcoeff order. Names:
 * `<El>:b0` (constant), `<El>:B<k>` (linear, k = 1..K as LAMMPS numbers compute sna/atom columns),
 * `<El>:B<k>*B<l>` (quadratic, k ≤ l; the diagonal column is ½B_k²). The model is linear in its parameters.
 * Units: Å, eV; virial W = −Vσ in internal Voigt order. Full neighbor list.
 *
 * Without `paramGradient` the kernel is the adjoint one of pair_style snap (one pass per atom). With it, the exact
 * design rows are computed (engine.designRows) and energy, forces and virial are their contraction with the
 * parameters, so both paths are independent ways to the same numbers.
 */
import type { NeighborList } from '../../neighbors/types.ts';
import type { Structure } from '../../structure/types.ts';
import type { CompiledModel, EvalRequest, EvalResult } from '../types.ts';
import { SnapEngine, snapCutoff, validateSnapSpec, type SnapDesignRows } from './engine.ts';
import { snapColumnCount, snapDescriptorCount, type SnapSpec } from './spec.ts';
import { snapDesignStream } from './design-stream.ts';

export type { SnapSpec } from './spec.ts';
export { snapColumnCount, snapDescriptorCount } from './spec.ts';

/** Parameter names of a spec, in parameter order. */
export function snapParamNames(spec: SnapSpec): string[] {
  const K = snapDescriptorCount(spec.twojmax);
  const names: string[] = [];
  for (const el of spec.elements) {
    names.push(`${el}:b0`);
    for (let k = 1; k <= K; k++) names.push(`${el}:B${k}`);
    if (spec.quadratic)
      for (let k = 1; k <= K; k++) for (let l = k; l <= K; l++) names.push(`${el}:B${k}*B${l}`);
  }
  return names;
}

export function compileSnap(spec: SnapSpec): CompiledModel<SnapSpec> {
  validateSnapSpec(spec);
  const cutoff = snapCutoff(spec);
  const fixedSpec: SnapSpec = { ...spec, cutoff, coefficients: spec.coefficients.map((c) => [...c]) };
  const engine = new SnapEngine(fixedSpec);
  const names = snapParamNames(fixedSpec);
  const theta = Float64Array.from(fixedSpec.coefficients.flat());
  const model: CompiledModel<SnapSpec> = {
    spec: fixedSpec,
    cutoff,
    neighborList: 'full',
    paramNames: names,
    parameters: theta,
    linearInParameters: true,
    evaluate: (s, nl, req) => evaluateSnap(engine, theta, s, nl, req),
    designStream: (structures, lists, opts) => snapDesignStream(model, structures, lists, opts),
    withParameters(values) {
      if (values.length !== names.length) throw new Error(`snap: expected ${names.length} parameters, got ${values.length}`);
      const ncol = snapColumnCount(fixedSpec);
      const coefficients = fixedSpec.elements.map((_, e) => Array.from({ length: ncol }, (_, c) => values[e * ncol + c]!));
      return compileSnap({ ...fixedSpec, coefficients });
    },
  };
  return model;
}

function evaluateSnap(engine: SnapEngine, theta: Float64Array, s: Structure, nl: NeighborList, req: EvalRequest): EvalResult {
  if (!req.paramGradient) {
    const r = engine.evaluate(s, nl, theta, !!req.forces, !!req.virial);
    const out: EvalResult = { energy: r.energy };
    if (req.forces) out.forces = r.forces;
    if (req.virial) out.virial = r.virial;
    if (req.atomEnergies) out.atomEnergies = r.atomEnergies;
    return out;
  }
  const rows = engine.designRows(s, nl);
  const out = contractRows(rows, theta, s.species.length);
  if (!req.forces) delete out.forces;
  if (!req.virial) delete out.virial;
  if (req.atomEnergies) out.atomEnergies = engine.atomEnergiesFromDescriptors(s, rows.descriptors, theta);
  out.dEnergy = rows.energy;
  out.dForces = rows.forces;
  out.dVirial = rows.virial;
  return out;
}

/** Energy, forces and virial of a linear-in-parameters model from its design rows. */
function contractRows(rows: SnapDesignRows, theta: Float64Array, nAtoms: number): EvalResult {
  const P = theta.length;
  const n3 = 3 * nAtoms;
  let energy = 0;
  const forces = new Float64Array(n3);
  const virial = new Float64Array(6);
  for (let p = 0; p < P; p++) {
    const t = theta[p]!;
    if (t === 0) continue;
    energy += t * rows.energy[p]!;
    const o = p * n3;
    for (let a = 0; a < n3; a++) forces[a] += t * rows.forces[o + a]!;
    for (let v = 0; v < 6; v++) virial[v] += t * rows.virial[6 * p + v]!;
  }
  return { energy, forces, virial };
}
