/**
 * Tokenizer for key=value comment lines (the extxyz second line), format-agnostic: it returns strings, the
 * caller decides what they mean.
 *
 * Grammar (what ASE's `key_val_str_to_dict` accepts, minus its silent recoveries):
 * - pairs are separated by whitespace; `key=value`, `key = value`, or a bare `key` (a flag, value '' and bare=true);
 * - a key or value is a run of non-space characters in which `"..."`, `'...'`, `{...}` and `[...]` delimit
 *   segments that may contain spaces (the delimiters themselves are dropped, as ASE does); a backslash copies
 *   the next character verbatim (so `\"` is a quote inside a quoted value);
 * - an unclosed quote or bracket is an error (ASE would swallow the rest of the line).
 * Errors go through `fail(detail)`, which the caller turns into a located ParseError.
 */

export interface KeyValue {
  key: string;
  /** The value with delimiters removed; '' for a bare flag. */
  value: string;
  /** True for a bare `key` without `=`. */
  bare: boolean;
  /** 1-based column where the key starts, for error messages. */
  column: number;
}

const CLOSING: Readonly<Record<string, string>> = { '"': '"', "'": "'", '{': '}', '[': ']' };

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v';
}

export function tokenizeKeyValues(line: string, fail: (detail: string) => never): KeyValue[] {
  const n = line.length;
  let i = 0;
  const out: KeyValue[] = [];

  // Reads one token starting at i; keys stop at '=', values do not (ASE joins `a=b=c` into value `b=c`).
  const readToken = (isKey: boolean): string => {
    let s = '';
    while (i < n) {
      const c = line[i];
      if (isSpace(c) || (isKey && c === '=')) break;
      if (c === '\\') {
        if (i + 1 < n) s += line[i + 1];
        i += 2;
        continue;
      }
      const close = CLOSING[c];
      if (close !== undefined) {
        const start = i;
        i++;
        let closed = false;
        while (i < n) {
          const d = line[i];
          if (d === '\\' && i + 1 < n) {
            s += line[i + 1];
            i += 2;
            continue;
          }
          if (d === close) {
            closed = true;
            i++;
            break;
          }
          s += d;
          i++;
        }
        if (!closed) fail(`unbalanced ${c} opened at column ${start + 1}: expected a closing ${close}`);
        continue;
      }
      s += c;
      i++;
    }
    return s;
  };

  const skipSpace = (): void => {
    while (i < n && isSpace(line[i])) i++;
  };

  for (;;) {
    skipSpace();
    if (i >= n) break;
    const column = i + 1;
    if (line[i] === '=') fail(`expected a key before '=' at column ${column}`);
    const key = readToken(true);
    skipSpace();
    if (i < n && line[i] === '=') {
      i++;
      skipSpace();
      if (i >= n) fail(`key ${key} at column ${column} has '=' but no value`);
      const value = readToken(false);
      out.push({ key, value, bare: false, column });
    } else {
      out.push({ key, value: '', bare: true, column });
    }
  }
  return out;
}

/** Splits a value into its items on whitespace and commas (ASE's `[^\s,]+`), e.g. "1, 2 3" → ["1","2","3"]. */
export function splitItems(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === ',' || isSpace(c)) {
      if (cur !== '') out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur !== '') out.push(cur);
  return out;
}

/** Quotes a key or string value for writing when it would not survive `tokenizeKeyValues` as a bare token. */
export function quoteIfNeeded(s: string): string {
  if (s !== '' && !/[\s"'{}[\]=\\,]/.test(s)) return s;
  return '"' + s.replace(/[\\"]/g, (m) => '\\' + m) + '"';
}
