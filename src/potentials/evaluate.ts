/**
 * Evaluates a compiled model on a structure: builds the neighbor list the model asks for, calls the kernel,
 * and adds the derived stress (ASE sign, σ = −W/V) for periodic structures.
 */
import { buildNeighborList } from '../neighbors/index.ts';
import { volume, isFullyPeriodic } from '../structure/cell.ts';
import type { Structure } from '../structure/types.ts';
import { stressFromVirial } from './tally.ts';
import type { CompiledModel, EvalRequest, EvalResult } from './types.ts';

export interface StructureResult extends EvalResult {
  /** ASE stress (eV/Å³, internal Voigt), present when the virial was requested and the cell is 3D periodic. */
  stress?: Float64Array;
}

export function evaluateStructure(model: CompiledModel, s: Structure, req: EvalRequest): StructureResult {
  const nl = buildNeighborList(s, model.cutoff, { half: model.neighborList === 'half' });
  const r: StructureResult = model.evaluate(s, nl, req);
  if (r.virial && isFullyPeriodic(s)) r.stress = stressFromVirial(r.virial, volume(s));
  return r;
}
