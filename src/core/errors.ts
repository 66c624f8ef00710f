/**
 * Typed errors. Every error a user can cause says where (file and line or frame, or config key path) and what
 * was expected. The CLI maps UserError subclasses to exit code 1 and anything else to exit code 2.
 */

/** An error caused by the user's input (file, config, arguments): exit code 1. */
export class UserError extends Error {
  override name = 'UserError';
}

/** A location in an input file. `line` is 1-based; `frame` is 0-based. */
export interface FileLocation {
  file: string;
  line?: number;
  frame?: number;
}

export function formatLocation(loc: FileLocation): string {
  let s = loc.file;
  if (loc.line !== undefined) s += `:${loc.line}`;
  if (loc.frame !== undefined) s += ` (frame ${loc.frame})`;
  return s;
}

/** Malformed input file: names the file, line or frame, and what was expected. */
export class ParseError extends UserError {
  override name = 'ParseError';
  constructor(
    readonly location: FileLocation,
    readonly detail: string,
  ) {
    super(`${formatLocation(location)}: ${detail}`);
  }
}

/** Invalid configuration: names the key path (e.g. `objective.sigma.energy`). */
export class ConfigError extends UserError {
  override name = 'ConfigError';
  constructor(
    readonly keyPath: string,
    readonly detail: string,
    readonly file?: string,
  ) {
    super(`${file ? file + ': ' : ''}${keyPath || '(root)'}: ${detail}`);
  }
}

/** Throws an internal error (exit code 2) if `cond` is false. For invariants, not user input. */
export function invariant(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`internal error: ${message}`);
}
