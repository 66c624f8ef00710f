/**
 * Correlated training data: snapshots of one MD trajectory are not independent, so a fit that counts each as a
 * new datum over-states its information (standard errors too small by ~√τ).
 *
 * Per trajectory group (Configuration.group; frames ordered by source file, then source.frame) the residual
 * series e_t (by default the energy error per atom, predicted − reference, eV/atom) gives the integrated
 * autocorrelation time τ_int (autocorr.ts, Sokal window) and the effective sample size ESS = n/τ_int.
 *
 * Down-weighting rule (documented choice): every configuration of a group with τ_int > 1 gets its weight multiplied
 * by 1/τ_int, so the group's summed weight equals its ESS and its rows contribute the information of ESS
 * independent configurations; groups with τ_int ≤ 1 (or too short to estimate) keep weight 1. Apply it as the
 * group `weight` of the config (objective.groups.<g>.weight) or per configuration, and refit. For the variance
 * estimates themselves prefer the block bootstrap (bootstrap.ts) with blocks of ≈ 2τ frames.
 */
import { UserError } from '../core/errors.ts';
import type { Configuration } from '../structure/types.ts';
import { integratedTime } from './autocorr.ts';

export interface GroupCorrelation {
  group: string;
  n: number;
  tau: number;
  ess: number;
  /** Weight factor 1/τ for each configuration of the group (1 when τ ≤ 1). */
  weight: number;
  reliable: boolean;
  /** Configuration indices in trajectory order. */
  members: number[];
}

/** Indices of each group's configurations, ordered by (source file, frame). */
export function trajectoryOrder(configs: readonly Configuration[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  configs.forEach((c, i) => {
    const list = out.get(c.group) ?? [];
    list.push(i);
    out.set(c.group, list);
  });
  for (const list of out.values()) {
    list.sort((a, b) => {
      const fa = configs[a].source.file, fb = configs[b].source.file;
      return fa < fb ? -1 : fa > fb ? 1 : configs[a].source.frame - configs[b].source.frame;
    });
  }
  return out;
}

/** τ, ESS and weight factor per group from one residual value per configuration (NaN = no datum: skipped). */
export function groupCorrelations(configs: readonly Configuration[], residual: ArrayLike<number>): GroupCorrelation[] {
  if (residual.length !== configs.length) throw new UserError(`groupCorrelations: ${residual.length} residuals for ${configs.length} configurations`);
  const out: GroupCorrelation[] = [];
  for (const [group, members] of trajectoryOrder(configs)) {
    const used = members.filter((i) => Number.isFinite(residual[i]));
    const series = used.map((i) => residual[i]);
    if (series.length < 3) {
      out.push({ group, n: series.length, tau: 1, ess: series.length, weight: 1, reliable: false, members: used });
      continue;
    }
    const r = integratedTime(series);
    out.push({ group, n: series.length, tau: r.tau, ess: r.ess, weight: r.tau > 1 ? 1 / r.tau : 1, reliable: r.reliable, members: used });
  }
  return out;
}

/** Configuration weights after the down-weighting rule (a new array; the configurations are not modified). */
export function downWeights(configs: readonly Configuration[], corr: readonly GroupCorrelation[]): Float64Array {
  const w = Float64Array.from(configs, (c) => c.weight);
  const byGroup = new Map(corr.map((g) => [g.group, g.weight]));
  configs.forEach((c, i) => (w[i] *= byGroup.get(c.group) ?? 1));
  return w;
}
