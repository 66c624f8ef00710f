/**
 * Bootstrap over configurations: the spread of the fitted parameters when the training set is redrawn.
 *
 * Resampling n configurations with replacement is the same as giving configuration i the multiplicity c_i (how
 * often it was drawn, Σ c_i = n) in the loss: J_b(θ) = Σ_k c_{cfg(k)} r_k(θ)². `weightedProblem` wraps a
 * LeastSquaresProblem by scaling every residual row by √c of its configuration (rows → configuration given by
 * `rowConfig`, e.g. FitProblem.rows.config), so the existing solvers (fit/solvers.ts) refit it unchanged; each
 * replicate starts from the full-data optimum (warm start), and a linear model is solved in closed form.
 *
 * Block bootstrap for correlated data: configurations of a trajectory group (ordered by frame) are redrawn as
 * contiguous blocks of length b (moving-block bootstrap, Künsch 1989): ⌈n_g/b⌉ block starts drawn uniformly from
 * 0..n_g − b, the last block truncated so the group keeps n_g draws. b should be a few autocorrelation times
 * (correlated.ts). Configurations outside any block group are drawn independently (one pool).
 * Replicates whose solve does not end 'converged' or 'maxIterations' are dropped and counted.
 */
import { UserError } from '../core/errors.ts';
import { createRng, type Rng } from '../core/random.ts';
import type { LeastSquaresProblem, SolverStatus } from '../fit/problem.ts';
import { solve, type SolveOptions, type SolverMethod } from '../fit/solvers.ts';
import { makeEnsemble, type Ensemble } from './propagate.ts';

export interface BlockGroup {
  /** Configuration indices in trajectory order. */
  members: readonly number[];
  blockLength: number;
}

/** Multiplicities of one bootstrap replicate over nConfigs configurations. */
export function resampleCounts(rng: Rng, nConfigs: number, blocks: readonly BlockGroup[] = []): Int32Array {
  const counts = new Int32Array(nConfigs);
  const inBlock = new Uint8Array(nConfigs);
  for (const g of blocks) {
    const n = g.members.length;
    const b = Math.max(1, Math.min(g.blockLength, n));
    for (const m of g.members) {
      if (m < 0 || m >= nConfigs) throw new UserError(`block bootstrap: configuration ${m} out of range`);
      if (inBlock[m]) throw new UserError(`block bootstrap: configuration ${m} is in two block groups`);
      inBlock[m] = 1;
    }
    let drawn = 0;
    while (drawn < n) {
      const s = rng.int(n - b + 1);
      for (let t = 0; t < b && drawn < n; t++, drawn++) counts[g.members[s + t]]++;
    }
  }
  const pool: number[] = [];
  for (let i = 0; i < nConfigs; i++) if (!inBlock[i]) pool.push(i);
  for (let k = 0; k < pool.length; k++) counts[pool[rng.int(pool.length)]]++;
  return counts;
}

/** The problem with each residual row scaled by √(multiplicity of its configuration). */
export function weightedProblem(problem: LeastSquaresProblem, rowConfig: Int32Array, counts: Int32Array): LeastSquaresProblem {
  if (rowConfig.length !== problem.nResiduals) throw new UserError(`bootstrap: ${rowConfig.length} row owners for ${problem.nResiduals} residuals`);
  const s = Float64Array.from(rowConfig, (c) => Math.sqrt(counts[c]));
  const P = problem.nParams;
  return {
    nParams: P,
    nResiduals: problem.nResiduals,
    paramNames: problem.paramNames,
    lower: problem.lower,
    upper: problem.upper,
    residuals: (theta) => problem.residuals(theta).map((r, k) => r * s[k]),
    residualsAndJacobian(theta) {
      const { r, J } = problem.residualsAndJacobian(theta);
      const r2 = r.map((v, k) => v * s[k]);
      const J2 = new Float64Array(J.length);
      for (let k = 0; k < r.length; k++) for (let p = 0; p < P; p++) J2[k * P + p] = J[k * P + p] * s[k];
      return { r: r2, J: J2 };
    },
    lossTerms: problem.lossTerms?.bind(problem),
  };
}

export interface BootstrapOptions {
  replicates: number;
  seed?: number;
  method?: SolverMethod;
  /** Solver options (maxIterations, linear settings for a linear model, ...). */
  solve?: SolveOptions;
  blocks?: readonly BlockGroup[];
  onProgress?: (done: number, total: number) => void;
  shouldStop?: () => boolean;
}

export interface BootstrapResult {
  ensemble: Ensemble;
  /** Replicates attempted, and dropped because the solver failed. */
  attempted: number;
  failed: number;
  statuses: Record<string, number>;
  interrupted: boolean;
}

export function bootstrap(
  problem: LeastSquaresProblem, thetaHat: ArrayLike<number>, rowConfig: Int32Array, nConfigs: number, opts: BootstrapOptions,
): BootstrapResult {
  const rng = createRng(opts.seed ?? 1);
  const members: Float64Array[] = [];
  const statuses: Record<string, number> = {};
  let attempted = 0, interrupted = false;
  const ok: ReadonlySet<SolverStatus> = new Set(['converged', 'maxIterations']);
  for (let b = 0; b < opts.replicates; b++) {
    if (opts.shouldStop?.()) {
      interrupted = true;
      break;
    }
    const counts = resampleCounts(rng, nConfigs, opts.blocks);
    const res = solve(weightedProblem(problem, rowConfig, counts), thetaHat, opts.method ?? 'lm', opts.solve ?? {});
    attempted++;
    statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    if (ok.has(res.status) && res.params.every(Number.isFinite)) members.push(res.params);
    opts.onProgress?.(b + 1, opts.replicates);
  }
  return { ensemble: makeEnsemble(problem.paramNames, members), attempted, failed: attempted - members.length, statuses, interrupted };
}
