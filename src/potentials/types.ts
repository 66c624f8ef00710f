/**
 * The model contract. A model is a JSON-serialisable spec (kind, elements, cutoff, named parameters) compiled
 * once into a kernel over typed arrays. Callers say what they want; kernels branch on the request once,
 * outside their loops.
 *
 * Outputs (internal units):
 * - energy (eV); forces (3 per atom, eV/Å); virial W (internal Voigt order xx yy zz yz xz xy, eV), W = −V σ,
 *   accumulated with the tally helpers of tally.ts; atomEnergies (eV).
 * - parameter derivatives, when `paramGradient` is set: dEnergy[p] = ∂E/∂θ_p; dForces[p*3N + 3i + a] = ∂F_ia/∂θ_p;
 *   dVirial[p*6 + v] = ∂W_v/∂θ_p, over the model's full parameter vector in `paramNames` order.
 * Species map to element indices through `elements` (atomic symbols); an atom whose species is not in
 * `elements` is a user error raised at evaluation.
 */
import type { NeighborList } from '../neighbors/types.ts';
import type { Structure } from '../structure/types.ts';

export interface EvalRequest {
  forces?: boolean;
  virial?: boolean;
  atomEnergies?: boolean;
  paramGradient?: boolean;
}

export interface EvalResult {
  energy: number;
  forces?: Float64Array;
  virial?: Float64Array;
  atomEnergies?: Float64Array;
  dEnergy?: Float64Array;
  dForces?: Float64Array;
  dVirial?: Float64Array;
}

/** A named, JSON-serialisable model description. Family-specific fields live beside these. */
export interface ModelSpecBase {
  kind: string;
  elements: string[];
  /** Outer cutoff (Å). */
  cutoff: number;
}

export interface CompiledModel<S extends ModelSpecBase = ModelSpecBase> {
  readonly spec: S;
  readonly cutoff: number;
  /** Which neighbor list the kernel walks. */
  readonly neighborList: 'half' | 'full';
  /** Names of the parameters, in the order of `parameters` and of all derivative outputs. */
  readonly paramNames: readonly string[];
  readonly parameters: Float64Array;
  /** Optional bounds per parameter (−∞/∞ when free). */
  readonly lower?: Float64Array;
  readonly upper?: Float64Array;
  /** True when energy, forces and virial are linear in the parameters (the linear solver applies). */
  readonly linearInParameters?: boolean;
  evaluate(s: Structure, nl: NeighborList, req: EvalRequest): EvalResult;
  /** The same model with a new parameter vector (tables recompiled); the original is unchanged. */
  withParameters(theta: ArrayLike<number>): CompiledModel<S>;
  /**
   * Optional parallel hook for the fitter's single pass over the data: an ordered stream whose k-th next() returns
   * exactly `evaluate(structures[k], lists[k], { forces, virial, paramGradient })`, computed ahead on worker threads;
   * undefined when not worthwhile (few atoms, one thread). Callers must close() it (in a finally).
   */
  designStream?(structures: readonly Structure[], lists: readonly NeighborList[], opts: { threads?: number }): EvalStream | undefined;
}

/** An ordered stream of evaluation results (CompiledModel.designStream). */
export interface EvalStream {
  next(): EvalResult;
  close(): void;
}
