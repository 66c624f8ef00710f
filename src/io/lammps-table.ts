/**
 * LAMMPS `pair_style table` files: text ↔ TableSection[] (potentials/pair-table.ts).
 *
 * Format (LAMMPS pair_table doc): blank lines and lines starting with '#' between sections are skipped; a section
 * is a keyword line, a parameter line `N n [R lo hi | RSQ lo hi] [FPRIME fplo fphi]`, ONE line that LAMMPS skips
 * unread (we require it to be blank, since a data row there would be silently lost by LAMMPS), then n rows
 * `index r e f` (r in Å, e in eV, f = −dE/dr in eV/Å). BITMAP tables are not supported.
 * Numbers are written in the shortest form that round-trips a double, so nothing is lost to printing.
 */
import { ParseError } from '../core/errors.ts';
import type { TableSection } from '../potentials/pair-table.ts';
import { readText, writeAtomic } from './fs.ts';

function num(tok: string | undefined, file: string, line: number, what: string): number {
  const v = tok === undefined ? NaN : Number(tok);
  if (tok === undefined || tok === '' || !Number.isFinite(v)) {
    throw new ParseError({ file, line }, `expected ${what}, got ${tok === undefined ? 'end of line' : JSON.stringify(tok)}`);
  }
  return v;
}

function parseParams(text: string, file: string, line: number, keyword: string): Omit<TableSection, 'r' | 'e' | 'f'> & { n: number } {
  const tok = text.trim().split(/\s+/);
  let n = 0;
  const sec: Omit<TableSection, 'r' | 'e' | 'f'> & { n: number } = { keyword, n: 0 };
  for (let k = 0; k < tok.length; k++) {
    const w = tok[k];
    if (w === 'N') {
      n = num(tok[++k], file, line, 'the number of points after N');
      if (!Number.isInteger(n) || n < 2) throw new ParseError({ file, line }, `N must be an integer ≥ 2, got ${tok[k]}`);
    } else if (w === 'R' || w === 'RSQ') {
      const lo = num(tok[++k], file, line, `${w} lo`), hi = num(tok[++k], file, line, `${w} hi`);
      sec.spacing = { kind: w, lo, hi };
    } else if (w === 'FPRIME') {
      sec.fprime = [num(tok[++k], file, line, 'FPRIME fplo'), num(tok[++k], file, line, 'FPRIME fphi')];
    } else if (w === 'BITMAP') {
      throw new ParseError({ file, line }, 'BITMAP tables are not supported');
    } else {
      throw new ParseError({ file, line }, `unknown table parameter ${JSON.stringify(w)} (expected N, R, RSQ or FPRIME)`);
    }
  }
  if (n === 0) throw new ParseError({ file, line }, `table ${keyword}: the parameter line does not set N`);
  sec.n = n;
  return sec;
}

/** Parses every section of a table file. */
export function parseLammpsTable(text: string, file: string): TableSection[] {
  const lines = text.split(/\r?\n/);
  const out: TableSection[] = [];
  let i = 0;
  while (i < lines.length) {
    const raw = lines[i].trim();
    if (raw === '' || raw.startsWith('#')) {
      i++;
      continue;
    }
    const keyword = raw.split(/\s+/)[0];
    const keyLine = i + 1;
    if (i + 1 >= lines.length) throw new ParseError({ file, line: keyLine }, `section ${keyword}: missing parameter line`);
    const head = parseParams(lines[i + 1].replace(/#.*/, ''), file, i + 2, keyword);
    if (i + 2 >= lines.length || lines[i + 2].trim() !== '') {
      throw new ParseError({ file, line: i + 3 }, `section ${keyword}: expected a blank line after the parameter line (LAMMPS skips that line unread)`);
    }
    i += 3;
    const r: number[] = [], e: number[] = [], f: number[] = [];
    for (let k = 0; k < head.n; k++, i++) {
      if (i >= lines.length) throw new ParseError({ file, line: i + 1 }, `section ${keyword}: file ends after ${k} of ${head.n} rows`);
      const tok = lines[i].replace(/#.*/, '').trim().split(/\s+/);
      if (tok.length < 4) throw new ParseError({ file, line: i + 1 }, `section ${keyword}: expected "index r e f", got ${JSON.stringify(lines[i])}`);
      num(tok[0], file, i + 1, 'the row index');
      r.push(num(tok[1], file, i + 1, 'r'));
      e.push(num(tok[2], file, i + 1, 'e'));
      f.push(num(tok[3], file, i + 1, 'f'));
    }
    const { n: _n, ...rest } = head;
    out.push({ ...rest, r, e, f });
  }
  return out;
}

export function readLammpsTable(path: string): TableSection[] {
  return parseLammpsTable(readText(path), path);
}

/** Formats sections as a table file; `comment` lines are prefixed with '# '. */
export function formatLammpsTable(sections: readonly TableSection[], comment: string[] = []): string {
  const out: string[] = comment.map((c) => `# ${c}`);
  for (const s of sections) {
    const n = s.r.length;
    if (s.e.length !== n || s.f.length !== n) throw new Error(`table ${s.keyword}: r, e, f lengths differ`);
    let params = `N ${n}`;
    if (s.spacing) params += ` ${s.spacing.kind} ${s.spacing.lo} ${s.spacing.hi}`;
    if (s.fprime) params += ` FPRIME ${s.fprime[0]} ${s.fprime[1]}`;
    out.push('', s.keyword, params, '');
    for (let k = 0; k < n; k++) out.push(`${k + 1} ${s.r[k]} ${s.e[k]} ${s.f[k]}`);
  }
  out.push('');
  return out.join('\n');
}

export function writeLammpsTable(path: string, sections: readonly TableSection[], comment: string[] = []): void {
  writeAtomic(path, formatLammpsTable(sections, comment));
}
