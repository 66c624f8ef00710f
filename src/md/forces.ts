/**
 * Forces for MD: a compiled model plus a neighbor list with a skin (Verlet list), rebuilt only when needed.
 *
 * The list is built at cutoff + skin (neighbors/index.ts); kernels skip pairs beyond their own cutoff (the
 * neighbor-list contract of neighbors/types.ts; pair, table, EAM, Tersoff and SW kernels all test r < cutoff). It
 * stays valid while no atom has moved more than skin/2 since the build (two atoms then approach by at most one
 * skin), so it is rebuilt when the largest displacement exceeds skin/2 — checked every step, O(N), no allocation.
 * At a rebuild positions are wrapped into the cell along periodic directions (as LAMMPS does at re-neighboring) so
 * coordinates stay bounded in long runs; between rebuilds they move continuously and the list's image shifts hold.
 * Rebuilds go through one reusable builder (neighbors/celllist.ts `createNeighborBuilder`): its buffers, and hence
 * the list's arrays, are reused, so a rebuild allocates nothing once warm; the previous list is dead after a
 * rebuild, and `list` always returns the current one. The structure view and displacement reference are kept too.
 *
 * `evaluate` can be replaced by another evaluator with the same contract (e.g. the worker-thread EAM evaluator of
 * potentials/parallel), which must return fresh arrays or arrays it will not overwrite before the next call.
 */
import { UserError } from '../core/errors.ts';
import { inv3 } from '../core/mat3.ts';
import { createNeighborBuilder } from '../neighbors/index.ts';
import type { NeighborList } from '../neighbors/types.ts';
import type { CompiledModel, EvalRequest, EvalResult } from '../potentials/types.ts';
import type { Structure } from '../structure/types.ts';
import { stateStructure, type MdState } from './state.ts';

export type EvaluateFn = (s: Structure, nl: NeighborList, req: EvalRequest) => EvalResult;

export interface ForceFieldOptions {
  /** Neighbor skin (Å), default 1 (LAMMPS's metal default for `neighbor ... bin`). */
  skin?: number;
  /** Evaluator replacing model.evaluate (same contract). */
  evaluate?: EvaluateFn;
  /** Also compute the virial (for the pressure); default true. */
  virial?: boolean;
}

export interface ForceField {
  readonly model: CompiledModel;
  readonly skin: number;
  /** Fills state.forces, state.potentialEnergy and state.virial at the state's positions. */
  compute(st: MdState): void;
  /** Number of neighbor-list builds so far. */
  readonly builds: number;
  /** The current list (undefined before the first compute). */
  readonly list: NeighborList | undefined;
}

export function createForceField(model: CompiledModel, opts: ForceFieldOptions = {}): ForceField {
  const skin = opts.skin ?? 1.0;
  if (!(skin >= 0) || !Number.isFinite(skin)) throw new UserError(`neighbor skin must be finite and ≥ 0 Å, got ${skin}`);
  const evaluate: EvaluateFn = opts.evaluate ?? ((s, nl, req) => model.evaluate(s, nl, req));
  const req: EvalRequest = { forces: true, virial: opts.virial ?? true };
  const half = model.neighborList === 'half';
  const limit2 = (0.5 * skin) * (0.5 * skin);
  const builder = createNeighborBuilder();
  let nl: NeighborList | undefined;
  let ref = new Float64Array(0);
  // the state's arrays are fixed for its lifetime: one structure view per state, not one per step
  let view: Structure | undefined;
  let viewOf: MdState | undefined;
  let builds = 0;

  function wrapInto(st: MdState): void {
    const x = st.positions, c = st.cell, pbc = st.pbc;
    if (!(pbc[0] || pbc[1] || pbc[2])) return;
    const inv = inv3(c);
    for (let i = 0; i < x.length; i += 3) {
      const px = x[i], py = x[i + 1], pz = x[i + 2];
      const fa = px * inv[0] + py * inv[3] + pz * inv[6];
      const fb = px * inv[1] + py * inv[4] + pz * inv[7];
      const fc = px * inv[2] + py * inv[5] + pz * inv[8];
      const ma = pbc[0] ? Math.floor(fa) : 0, mb = pbc[1] ? Math.floor(fb) : 0, mc = pbc[2] ? Math.floor(fc) : 0;
      if (ma === 0 && mb === 0 && mc === 0) continue;
      x[i] -= ma * c[0] + mb * c[3] + mc * c[6];
      x[i + 1] -= ma * c[1] + mb * c[4] + mc * c[7];
      x[i + 2] -= ma * c[2] + mb * c[5] + mc * c[8];
    }
  }

  function needsRebuild(x: Float64Array): boolean {
    if (!nl || ref.length !== x.length) return true;
    for (let k = 0; k < x.length; k += 3) {
      const dx = x[k] - ref[k], dy = x[k + 1] - ref[k + 1], dz = x[k + 2] - ref[k + 2];
      if (dx * dx + dy * dy + dz * dz > limit2) return true;
    }
    return false;
  }

  return {
    model,
    skin,
    get builds() {
      return builds;
    },
    get list() {
      return nl;
    },
    compute(st: MdState): void {
      if (viewOf !== st || !view || view.positions !== st.positions) {
        view = stateStructure(st);
        viewOf = st;
      }
      const s = view;
      if (needsRebuild(st.positions)) {
        wrapInto(st);
        nl = builder.build(s, model.cutoff + skin, { half });
        if (ref.length !== st.positions.length) ref = new Float64Array(st.positions.length);
        ref.set(st.positions);
        builds++;
      }
      const r = evaluate(s, nl!, req);
      if (!r.forces) throw new Error('internal error: the model returned no forces');
      st.forces = r.forces;
      st.potentialEnergy = r.energy;
      if (r.virial) st.virial.set(r.virial);
    },
  };
}
