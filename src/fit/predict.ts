/**
 * Predicted labels of configurations for a fitted model plus its energy offsets (for metrics, residual tables,
 * parity plots). Offsets are a map from `E0` (per atom, global) or `E0:<El>` to eV.
 */
import { symbolOf } from '../core/elements.ts';
import type { PredictedLabels } from '../analysis/metrics.ts';
import { evaluateStructure } from '../potentials/evaluate.ts';
import type { CompiledModel } from '../potentials/types.ts';
import type { Configuration } from '../structure/types.ts';

export function offsetEnergy(c: Configuration, offsets: Record<string, number>): number {
  let e = 0;
  const n = c.structure.species.length;
  if (offsets.E0 !== undefined) e += n * offsets.E0;
  for (const z of c.structure.species) {
    const v = offsets[`E0:${symbolOf(z)}`];
    if (v !== undefined) e += v;
  }
  return e;
}

export function predictLabels(model: CompiledModel, offsets: Record<string, number>, configs: readonly Configuration[]): PredictedLabels[] {
  return configs.map((c) => {
    const r = evaluateStructure(model, c.structure, { forces: true, virial: true });
    return { energy: r.energy + offsetEnergy(c, offsets), forces: r.forces, stress: r.stress };
  });
}
