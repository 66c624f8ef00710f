/**
 * zod validation failures → ConfigError with the key path of the first problem (`objective.sigmaa`) and the file.
 * For a union (e.g. `sigma: auto | {energy, ...}`) the alternative that got furthest explains the failure.
 */
import type { z } from 'zod';
import { ConfigError } from '../core/errors.ts';

type Issue = z.core.$ZodIssue;

function depth(issues: readonly Issue[]): number {
  return Math.max(0, ...issues.map((i) => i.path.length + (i.code === 'invalid_type' || i.code === 'invalid_value' ? 0 : 0.5)));
}

function explain(issue: Issue, prefix: PropertyKey[]): { path: string; detail: string } {
  const path = [...prefix, ...issue.path];
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    const best = issue.errors.reduce((a, b) => (depth(b) > depth(a) ? b : a));
    if (best.length > 0 && depth(best) > 0) return explain(best[0], path);
    return { path: path.map(String).join('.'), detail: `invalid value (${issue.message})` };
  }
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys;
    return { path: [...path, keys[0]].map(String).join('.'), detail: `unknown key${keys.length > 1 ? `s (${keys.join(', ')})` : ''}` };
  }
  return { path: path.map(String).join('.'), detail: issue.message };
}

export function zodToConfigError(err: z.ZodError, file: string, prefix = ''): ConfigError {
  const issue = err.issues[0];
  const { path, detail } = explain(issue, prefix ? prefix.split('.') : []);
  return new ConfigError(path, detail, file);
}
