/**
 * One entry point for every solver of a LeastSquaresProblem (fit/problem.ts), chosen by name:
 *   'linear' → fit/linear.ts solveLinear (needs opts.linear; θ0 is unused: the solution is closed-form),
 *   'lm'     → fit/lm.ts levenbergMarquardt,
 *   'lbfgs'  → fit/lbfgsb.ts lbfgsb (bounded L-BFGS),
 *   'de'     → fit/de.ts differentialEvolution (finite bounds required; θ0 joins the initial population; the best
 *              member is polished by LM),
 *   'auto'   → 'linear' when the caller states the model is linear in its parameters (opts.modelIsLinear) and gives
 *              opts.linear, else 'lm'.
 * The common options (maxIterations, onIteration, shouldStop, seed) are passed to the chosen solver; options
 * specific to one solver go in its own field. The result says which method ran.
 */
import { UserError } from '../core/errors.ts';
import { differentialEvolution, type DeOptions } from './de.ts';
import { lbfgsb, type LbfgsOptions } from './lbfgsb.ts';
import { solveLinear, type LinearOptions } from './linear.ts';
import { levenbergMarquardt, type LmOptions } from './lm.ts';
import type { LeastSquaresProblem, SolverProgress, SolverResult } from './problem.ts';

export type SolverMethod = 'auto' | 'linear' | 'lm' | 'lbfgs' | 'de';

export const SOLVER_METHODS: readonly SolverMethod[] = ['auto', 'linear', 'lm', 'lbfgs', 'de'];

export interface SolveOptions {
  maxIterations?: number;
  onIteration?: SolverProgress;
  shouldStop?: () => boolean;
  /** Seed for stochastic solvers ('de'). */
  seed?: number;
  /** Linear-solver settings; required by 'linear', and what lets 'auto' pick it. */
  linear?: LinearOptions;
  /** The caller's statement that the residuals are affine in θ (e.g. a tabulated spline or SNAP model). */
  modelIsLinear?: boolean;
  lm?: LmOptions;
  lbfgs?: LbfgsOptions;
  de?: DeOptions;
}

export interface SolveResult extends SolverResult {
  /** The method that actually ran ('auto' resolved). */
  method: Exclude<SolverMethod, 'auto'>;
}

/** The concrete method 'auto' (or any method) resolves to for these options. */
export function resolveMethod(method: SolverMethod, opts: SolveOptions): Exclude<SolverMethod, 'auto'> {
  if (method === 'auto') return opts.modelIsLinear && opts.linear ? 'linear' : 'lm';
  return method;
}

export function solve(problem: LeastSquaresProblem, theta0: ArrayLike<number>, method: SolverMethod, opts: SolveOptions = {}): SolveResult {
  const common = { maxIterations: opts.maxIterations, onIteration: opts.onIteration, shouldStop: opts.shouldStop };
  const m = resolveMethod(method, opts);
  switch (m) {
    case 'linear': {
      if (!opts.linear) {
        throw new UserError("solver 'linear' needs a model that is linear in its parameters (tabulated splines, SNAP); use 'lm', 'lbfgs' or 'de' for this model");
      }
      if (opts.modelIsLinear === false) {
        throw new UserError("solver 'linear' was requested, but the model is not linear in its parameters; use 'lm', 'lbfgs' or 'de'");
      }
      const res = solveLinear(problem, opts.linear);
      if (res.history.length > 0) opts.onIteration?.(res.history[0]);
      return { ...res, method: m };
    }
    case 'lm':
      return { ...levenbergMarquardt(problem, theta0, { ...opts.lm, ...defined(common) }), method: m };
    case 'lbfgs':
      return { ...lbfgsb(problem, theta0, { ...opts.lbfgs, ...defined(common) }), method: m };
    case 'de':
      return { ...differentialEvolution(problem, { ...opts.de, ...defined({ ...common, seed: opts.seed }) }, theta0), method: m };
    default: {
      const unknown: never = m;
      throw new UserError(`unknown solver '${String(unknown)}'; expected one of ${SOLVER_METHODS.join(', ')}`);
    }
  }
}

/** Drops undefined entries so that they do not override a solver-specific option. */
function defined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
