/**
 * Global search stages for bounded nonlinear least squares J(θ) = Σ_k r_k(θ)² (fit/problem.ts contract), both
 * reproducible from a seed (core/random.ts) and both requiring finite bounds on every parameter (the search space
 * is the box [lower, upper]):
 *
 * - `differentialEvolution`: DE (Storn & Price 1997) with binomial crossover and either the rand/1 mutation
 *   v = x_r1 + F (x_r2 − x_r3) or current-to-best/1, v = x_i + F (x_best − x_i) + F (x_r1 − x_r2); r1, r2, r3 distinct
 *   and ≠ i. The mutation factor F is drawn per generation from a range (dithering) unless fixed. Mutant components
 *   outside the box are redrawn uniformly inside it. A trial replaces its parent when its loss is not larger
 *   (non-finite losses count as +∞, so NaN regions are simply never selected). The initial population is a Latin
 *   hypercube over the box (θ0, when given, replaces member 0). Converged when the population's loss spread is small:
 *   std(J) ≤ atol + tol·|mean(J)| (the criterion of SciPy's differential_evolution). The best member is then
 *   polished with Levenberg–Marquardt (fit/lm.ts).
 *   Parameters in which the residuals are affine with a constant Jacobian column (energy offsets, which have no
 *   bounds) may be listed in `linearParams`: they are not searched but eliminated per candidate by linear least
 *   squares, δ = −(J_LᵀJ_L)⁻¹ J_Lᵀ r, r ← r + J_L δ, with J_L taken once from the Jacobian at the first member.
 * - `multiStartLm`: LM from θ0 (optional) and from Latin-hypercube points in the box; the best local result wins.
 *   Parameters listed in `linearParams` need no bounds: every start takes them from θ0 and LM fits them.
 *
 * Population vectors are Float64Array(nParams); losses are plain numbers in the units of J.
 */
import { UserError } from '../core/errors.ts';
import { cholesky, choleskySolve } from '../linalg/cholesky.ts';
import { createRng, type Rng } from '../core/random.ts';
import { levenbergMarquardt, type LmOptions } from './lm.ts';
import { project, sumSquares, type IterationRecord, type LeastSquaresProblem, type SolverProgress, type SolverResult, type SolverStatus } from './problem.ts';

/** Seed used when the caller gives none, so that runs are reproducible by default. */
export const DEFAULT_SEED = 20240601;

export type DeStrategy = 'rand1bin' | 'currentToBest1bin';

export interface DeOptions {
  /** Population size; default max(15, 10·P). */
  populationSize?: number;
  /** Maximum number of generations. */
  maxIterations?: number;
  strategy?: DeStrategy;
  /** Mutation factor F, or a range [lo, hi) from which F is drawn each generation (dithering). */
  mutation?: number | readonly [number, number];
  /** Crossover probability CR. */
  recombination?: number;
  /** Relative and absolute tolerance on the population's loss spread. */
  tol?: number;
  atol?: number;
  seed?: number;
  /** Indices of parameters the residuals are affine in (constant Jacobian columns, e.g. energy offsets): they need
   * no bounds and are solved for per candidate instead of searched. */
  linearParams?: readonly number[];
  /** Polish the best member with LM (default true); LM options may be given. */
  polish?: boolean | LmOptions;
  onIteration?: SolverProgress;
  shouldStop?: () => boolean;
}

export interface DeResult extends SolverResult {
  /** Status of the population stage alone (before polishing). */
  globalStatus: SolverStatus;
  /** Best loss of the population stage. */
  globalLoss: number;
  /** Whether the LM polish ran and its result was kept. */
  polished: boolean;
  /** Number of loss evaluations in the population stage. */
  evaluations: number;
  seed: number;
}

export interface MultiStartOptions {
  /** Number of Latin-hypercube starts (in addition to θ0 when given); default 10. */
  starts?: number;
  seed?: number;
  /** Parameters that need no bounds (e.g. energy offsets): every start takes them from θ0 (or 0) and LM fits them. */
  linearParams?: readonly number[];
  /** LM options for each local run (maxIterations, tolerances). */
  lm?: LmOptions;
  onIteration?: SolverProgress;
  shouldStop?: () => boolean;
}

export interface MultiStartRun {
  start: Float64Array;
  params: Float64Array;
  loss: number;
  status: SolverStatus;
  iterations: number;
}

export interface MultiStartResult extends SolverResult {
  runs: MultiStartRun[];
  /** Index into runs of the returned result. */
  best: number;
  seed: number;
}

/** Throws a UserError naming every parameter without a finite box, telling the user to give bounds. */
export function requireFiniteBounds(problem: LeastSquaresProblem, method: string, exempt: readonly number[] = []): void {
  const bad: string[] = [];
  for (let p = 0; p < problem.nParams; p++) {
    if (exempt.includes(p)) continue;
    const lo = problem.lower[p], hi = problem.upper[p];
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) bad.push(`${problem.paramNames[p] ?? `#${p}`} [${lo}, ${hi}]`);
  }
  if (bad.length > 0) {
    throw new UserError(
      `${method} searches inside the parameter bounds, so every parameter needs finite lower < upper bounds; ` +
        `missing or empty for: ${bad.join(', ')}. Give lower and upper bounds for these parameters in the model spec.`,
    );
  }
}

/**
 * n points of a Latin hypercube in the box: along every dimension each of the n equal strata holds exactly one
 * point, placed uniformly within its stratum. Returns n vectors of length lower.length.
 */
export function latinHypercube(n: number, lower: Float64Array, upper: Float64Array, rng: Rng): Float64Array[] {
  const P = lower.length;
  const pts = Array.from({ length: n }, () => new Float64Array(P));
  for (let p = 0; p < P; p++) {
    const perm = rng.permutation(n);
    for (let i = 0; i < n; i++) pts[i][p] = lower[p] + ((perm[i] + rng.float()) / n) * (upper[p] - lower[p]);
  }
  return pts;
}

function lossOf(problem: LeastSquaresProblem, theta: Float64Array): { loss: number; r: Float64Array } {
  const r = problem.residuals(theta);
  const l = sumSquares(r);
  return { loss: Number.isFinite(l) ? l : Infinity, r };
}

/** Per-candidate elimination of the linear parameters L: constant columns J_L and the Cholesky factor of J_LᵀJ_L. */
interface LinearElimination {
  idx: readonly number[];
  cols: Float64Array; // nResiduals x |L|, row-major
  factor: { L: Float64Array; n: number };
}

function linearElimination(problem: LeastSquaresProblem, idx: readonly number[], theta: Float64Array): LinearElimination | undefined {
  if (idx.length === 0) return undefined;
  const P = problem.nParams, L = idx.length;
  const { J } = problem.residualsAndJacobian(theta);
  const N = J.length / P;
  const cols = new Float64Array(N * L);
  for (let k = 0; k < N; k++) for (let a = 0; a < L; a++) cols[k * L + a] = J[k * P + idx[a]];
  const G = new Float64Array(L * L);
  let dmax = 0;
  for (let k = 0; k < N; k++) for (let a = 0; a < L; a++) for (let b = 0; b < L; b++) G[a * L + b] += cols[k * L + a] * cols[k * L + b];
  for (let a = 0; a < L; a++) dmax = Math.max(dmax, G[a * L + a]);
  // a linear parameter no residual depends on would make G singular: a tiny ridge keeps it at its start value
  for (let a = 0; a < L; a++) G[a * L + a] += 1e-12 * (dmax || 1);
  const ch = cholesky({ rows: L, cols: L, data: G });
  if (!ch.ok) throw new UserError('the linear parameters given to differential evolution have linearly dependent Jacobian columns');
  return { idx, cols, factor: ch };
}

/** Loss at θ after setting θ's linear parameters (in place) to their least-squares values. */
function profiledLossOf(problem: LeastSquaresProblem, theta: Float64Array, lin: LinearElimination | undefined): { loss: number; r: Float64Array } {
  if (!lin) return lossOf(problem, theta);
  const r = problem.residuals(theta);
  const L = lin.idx.length, N = r.length;
  const rhs = new Float64Array(L);
  for (let k = 0; k < N; k++) for (let a = 0; a < L; a++) rhs[a] -= lin.cols[k * L + a] * r[k];
  const delta = choleskySolve(lin.factor, rhs);
  for (let a = 0; a < L; a++) theta[lin.idx[a]] += delta[a];
  for (let k = 0; k < N; k++) for (let a = 0; a < L; a++) r[k] += lin.cols[k * L + a] * delta[a];
  const l = sumSquares(r);
  return { loss: Number.isFinite(l) ? l : Infinity, r };
}

function termsOf(problem: LeastSquaresProblem, r: Float64Array, loss: number): Record<string, number> {
  return problem.lossTerms ? problem.lossTerms(r) : { total: loss };
}

/** The box used to place the initial population: linear parameters are pinned at their start values. */
function searchBox(bound: Float64Array, searched: Uint8Array, start: Float64Array): Float64Array {
  return Float64Array.from(bound, (v, p) => (searched[p] ? v : start[p]));
}

/** Three distinct indices in [0, n), all ≠ exclude (n ≥ 4). */
function pickThree(rng: Rng, n: number, exclude: number): [number, number, number] {
  let a: number, b: number, c: number;
  do a = rng.int(n); while (a === exclude);
  do b = rng.int(n); while (b === exclude || b === a);
  do c = rng.int(n); while (c === exclude || c === a || c === b);
  return [a, b, c];
}

export function differentialEvolution(problem: LeastSquaresProblem, opts: DeOptions = {}, theta0?: ArrayLike<number>): DeResult {
  const linear = opts.linearParams ?? [];
  for (const p of linear) {
    if (!Number.isInteger(p) || p < 0 || p >= problem.nParams) throw new RangeError(`linearParams index ${p} outside 0..${problem.nParams - 1}`);
  }
  if (new Set(linear).size >= problem.nParams) {
    throw new UserError('differential evolution has nothing to search: every parameter is linear; use the linear solver');
  }
  requireFiniteBounds(problem, 'differential evolution', linear);
  const P = problem.nParams;
  const { lower, upper } = problem;
  const searched = Uint8Array.from({ length: P }, (_, p) => (linear.includes(p) ? 0 : 1));
  const NP = Math.max(4, opts.populationSize ?? Math.max(15, 10 * P));
  const maxGen = opts.maxIterations ?? 1000;
  const strategy = opts.strategy ?? 'rand1bin';
  const mutation = opts.mutation ?? [0.5, 1];
  const CR = opts.recombination ?? 0.7;
  const tol = opts.tol ?? 0.01, atol = opts.atol ?? 0;
  const seed = opts.seed ?? DEFAULT_SEED;
  const rng = createRng(seed);

  // linear parameters start at θ0's values (or 0, or the nearest bound) before their first elimination
  const linStart = Float64Array.from({ length: P }, (_, p) => (theta0 ? theta0[p] : 0));
  project(linStart, lower, upper);
  const pop = latinHypercube(NP, searchBox(lower, searched, linStart), searchBox(upper, searched, linStart), rng);
  if (theta0) {
    pop[0].set(Float64Array.from(theta0));
    project(pop[0], lower, upper);
  }
  const lin = linearElimination(problem, linear, pop[0]);
  const losses = new Float64Array(NP);
  let evaluations = 0;
  let best = 0;
  let bestR: Float64Array = new Float64Array(0);
  for (let i = 0; i < NP; i++) {
    const e = profiledLossOf(problem, pop[i], lin);
    evaluations++;
    losses[i] = e.loss;
    if (i === 0 || e.loss < losses[best]) {
      best = i;
      bestR = e.r;
    }
  }
  const history: IterationRecord[] = [];
  const spread = () => {
    let mean = 0;
    for (let i = 0; i < NP; i++) mean += losses[i] / NP;
    let v = 0;
    for (let i = 0; i < NP; i++) v += (losses[i] - mean) ** 2 / NP;
    return { mean, std: Math.sqrt(v) };
  };
  const record = (generation: number) => {
    const { std } = spread();
    const rec: IterationRecord = { iteration: generation, loss: losses[best], terms: termsOf(problem, bestR, losses[best]), step: std };
    history.push(rec);
    opts.onIteration?.(rec);
  };
  const finish = (globalStatus: SolverStatus, generations: number, message: string): DeResult => {
    const params = pop[best].slice();
    const globalLoss = losses[best];
    const base = { globalStatus, globalLoss, evaluations, seed, history };
    const polishOpts = opts.polish ?? true;
    if (polishOpts === false || globalStatus === 'interrupted' || globalStatus === 'nonFinite') {
      return { ...base, params, status: globalStatus, iterations: generations, loss: globalLoss, message, polished: false };
    }
    const lmOpts: LmOptions = typeof polishOpts === 'object' ? polishOpts : {};
    const lm = levenbergMarquardt(problem, params, {
      ...lmOpts,
      shouldStop: lmOpts.shouldStop ?? opts.shouldStop,
      onIteration: (rec) => {
        lmOpts.onIteration?.(rec);
        // LM's iteration 0 is the best member already recorded; later ones continue the generation count
        if (rec.iteration === 0) return;
        const shifted = { ...rec, iteration: generations + rec.iteration };
        history.push(shifted);
        opts.onIteration?.(shifted);
      },
    });
    const kept = Number.isFinite(lm.loss) && lm.loss <= globalLoss;
    return {
      ...base,
      params: kept ? lm.params : params,
      status: kept ? lm.status : globalStatus,
      iterations: generations + lm.iterations,
      loss: kept ? lm.loss : globalLoss,
      message: `${message}; LM polish: ${lm.status} (${lm.message})${kept ? '' : ', not kept'}`,
      polished: kept,
    };
  };
  if (!Number.isFinite(losses[best])) return finish('nonFinite', 0, 'every member of the initial population has a non-finite loss');
  record(0);

  const trial = new Float64Array(P);
  for (let gen = 1; gen <= maxGen; gen++) {
    const F = typeof mutation === 'number' ? mutation : rng.uniform(mutation[0], mutation[1]);
    for (let i = 0; i < NP; i++) {
      if (opts.shouldStop?.()) return finish('interrupted', gen - 1, 'stopped on request');
      const [a, b, c] = pickThree(rng, NP, i);
      const xi = pop[i], xa = pop[a], xb = pop[b], xc = pop[c], xbest = pop[best];
      let jrand = rng.int(P);
      while (!searched[jrand]) jrand = (jrand + 1) % P;
      for (let p = 0; p < P; p++) {
        if (!searched[p]) {
          trial[p] = xi[p];
        } else if (p === jrand || rng.float() < CR) {
          let v = strategy === 'rand1bin' ? xa[p] + F * (xb[p] - xc[p]) : xi[p] + F * (xbest[p] - xi[p]) + F * (xa[p] - xb[p]);
          if (!(v >= lower[p] && v <= upper[p])) v = rng.uniform(lower[p], upper[p]);
          trial[p] = v;
        } else {
          trial[p] = xi[p];
        }
      }
      const e = profiledLossOf(problem, trial, lin);
      evaluations++;
      if (e.loss <= losses[i]) {
        xi.set(trial);
        losses[i] = e.loss;
        if (e.loss < losses[best] || i === best) {
          best = i;
          bestR = e.r;
        }
      }
    }
    record(gen);
    const { mean, std } = spread();
    if (Number.isFinite(std) && std <= atol + tol * Math.abs(mean)) {
      return finish('converged', gen, `population loss spread ${std.toExponential(2)} within tolerance after ${gen} generations (seed ${seed})`);
    }
  }
  return finish('maxIterations', maxGen, `reached ${maxGen} generations (seed ${seed})`);
}

export function multiStartLm(problem: LeastSquaresProblem, theta0: ArrayLike<number> | undefined, opts: MultiStartOptions = {}): MultiStartResult {
  const linear = opts.linearParams ?? [];
  requireFiniteBounds(problem, 'multi-start LM', linear);
  const seed = opts.seed ?? DEFAULT_SEED;
  const rng = createRng(seed);
  const P = problem.nParams;
  const searched = Uint8Array.from({ length: P }, (_, p) => (linear.includes(p) ? 0 : 1));
  const linStart = Float64Array.from({ length: P }, (_, p) => (theta0 ? theta0[p] : 0));
  project(linStart, problem.lower, problem.upper);
  const starts = latinHypercube(opts.starts ?? 10, searchBox(problem.lower, searched, linStart), searchBox(problem.upper, searched, linStart), rng);
  if (theta0) starts.unshift(Float64Array.from(theta0));
  const runs: MultiStartRun[] = [];
  let bestIdx = -1;
  let bestResult: SolverResult | undefined;
  let total = 0;
  for (const start of starts) {
    if (opts.shouldStop?.()) break;
    const offset = total;
    const res = levenbergMarquardt(problem, start, {
      ...opts.lm,
      shouldStop: opts.shouldStop,
      // one cumulative iteration count over all local runs
      onIteration: opts.onIteration ? (rec) => opts.onIteration!({ ...rec, iteration: offset + rec.iteration }) : undefined,
    });
    total += res.iterations + 1;
    runs.push({ start, params: res.params, loss: res.loss, status: res.status, iterations: res.iterations });
    const usable = res.status !== 'nonFinite' && Number.isFinite(res.loss);
    if (usable && (!bestResult || res.loss < bestResult.loss)) {
      bestResult = res;
      bestIdx = runs.length - 1;
    }
    if (res.status === 'interrupted') break;
  }
  const interrupted = runs.length < starts.length || runs.some((r) => r.status === 'interrupted');
  if (!bestResult) {
    return {
      params: Float64Array.from(theta0 ?? starts[0]), status: interrupted ? 'interrupted' : 'nonFinite', iterations: total, loss: NaN,
      message: interrupted ? 'stopped on request before any local run finished' : 'every local run hit non-finite residuals',
      history: [], runs, best: -1, seed,
    };
  }
  const nConv = runs.filter((r) => r.status === 'converged').length;
  return {
    params: bestResult.params,
    status: interrupted ? 'interrupted' : bestResult.status,
    iterations: total,
    loss: bestResult.loss,
    message: `best of ${runs.length} LM runs (${nConv} converged, seed ${seed}): ${bestResult.message}`,
    history: bestResult.history,
    runs,
    best: bestIdx,
    seed,
  };
}
