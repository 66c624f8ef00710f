/**
 * Export of pair models (potentials/pair.ts) to LAMMPS input lines: pair_style, pair_coeff, pair_modify, and the
 * files they name. LAMMPS atom types are the model's elements in order (type k+1 = elements[k]).
 *
 * - lj / morse / buckingham with cutoff_function 'none' or 'shift' → `lj/cut`, `morse`, `buck` with one global
 *   cutoff and one pair_coeff per element pair (same formulas and parameter order as pair.ts), plus
 *   `pair_modify shift yes` for 'shift'. Numbers are printed in shortest round-trip form.
 * - everything else (pair-spline, smooth cutoffs, shifted force) → `pair_style table spline N` with one section
 *   per element pair, sampled exactly from pair.ts's pairCurve at N points evenly spaced in r² (keyword RSQ,
 *   inner² … cutoff²) with FPRIME end slopes. Why this design: LAMMPS always re-tabulates on N points evenly
 *   spaced in r²; with the file on exactly those points its internal values equal ours, and its spline style is a
 *   cubic spline in r² through them with exact end slopes, whose error falls like Δ⁴ for smooth functions (Δ³ near
 *   the knots of a pair-spline, where φ''' jumps). Measured against pesfit (test/io/lammps-pair.test.ts):
 *   N = 20000 gives ≤ 1e-11 eV/Å for smooth forms; pair-spline needs N = 60000 for ≤ 1e-9 eV/Å per pair, hence the
 *   defaults. The last point takes the limit from inside the cutoff (pairCurve is 0 at r_c).
 * The table's inner radius (LAMMPS refuses shorter pairs) defaults to the first knot (pair-spline) or 0.35 r_c.
 *
 * Reading (parsePairCoeffInput): the reverse for lj/cut, morse and buck, from LAMMPS input lines (a snippet, or the
 * lammps.in pesfit writes): `pair_style <style> <rc>`, `pair_coeff I J <coefficients> [rc_IJ]` (I, J types or
 * LAMMPS ranges `*`, `n*`, `*n`, `m*n`), `pair_modify shift yes|no` and, for lj/cut, `pair_modify mix
 * geometric|arithmetic` (LAMMPS mixes missing lj/cut I≠J pairs, geometric by default; morse and buck need every
 * pair). Other commands are ignored; `#` comments and `&` continuations are honoured. Types 1..n are `elements`
 * in order, or, when not given, those of pesfit's header comment `# ... LAMMPS atom types 1=Cu 2=Ni`. One cutoff:
 * a pair_coeff cutoff different from the global one cannot be represented and is refused.
 */
import { ParseError, UserError } from '../core/errors.ts';
import { pairCurve, type BuckinghamPair, type LennardJonesPair, type MorsePair, type PairSpec } from '../potentials/pair.ts';
import type { TableSection } from '../potentials/pair-table.ts';
import { formatLammpsTable } from './lammps-table.ts';

export interface LammpsPairExport {
  /** Element symbols in LAMMPS type order. */
  elements: string[];
  pairStyle: string;
  /** pair_coeff argument strings (without the command name). */
  pairCoeff: string[];
  /** Extra input lines (pair_modify). */
  extra: string[];
  /** Files the pair_coeff lines name (file name → content). */
  files: Record<string, string>;
}

export interface PairExportOptions {
  /** Always export as a table, even when LAMMPS has the analytic style. */
  forceTable?: boolean;
  /** Table file name written into `files` (default pesfit_pair.table). */
  tableFile?: string;
  /** Table length N (file points = LAMMPS internal points). */
  tablength?: number;
  /** Inner radius (Å) of the table. */
  inner?: number;
}

const g = (v: number) => String(v);

/** Largest double below r: pairCurve is 0 at r ≥ r_c, and the table needs the limit from inside. */
function below(r: number): number {
  return r * (1 - 2 ** -52);
}

/**
 * dF/dr (F = −E') for the FPRIME end slopes, by differences of the analytic F: central (Richardson) at the inner
 * radius, one-sided second order at the cutoff (from inside). Only LAMMPS's spline end conditions use these.
 */
function forceSlope(spec: PairSpec, a: string, b: string, r: number): number {
  const h = 1e-4 * Math.max(r, 1);
  const f = pairCurve(spec, a, b, [r - h, r + h, r - h / 2, r + h / 2]).f;
  return (4 * ((f[3] - f[2]) / h) - (f[1] - f[0]) / (2 * h)) / 3;
}
function forceSlopeBelow(spec: PairSpec, a: string, b: string, r: number): number {
  const h = 1e-4 * r;
  const f = pairCurve(spec, a, b, [below(r), r - h, r - 2 * h]).f;
  return (3 * f[0] - 4 * f[1] + f[2]) / (2 * h);
}

/** Table sections (one per element pair, keyword A-B) sampled from the model, on LAMMPS's own grid. */
export function pairTableSections(spec: PairSpec, tablength: number, inner: number): TableSection[] {
  const rc = spec.cutoff;
  if (!(inner > 0 && inner < rc)) throw new UserError(`table export: inner radius ${inner} must lie in (0, cutoff ${rc})`);
  const n = tablength;
  // the radii LAMMPS recomputes from RSQ lo hi (pair_table.cpp read_table), so the samples sit where it looks
  const r = Array.from({ length: n }, (_, i) => Math.sqrt(inner * inner + ((rc * rc - inner * inner) * i) / (n - 1)));
  const rEval = r.map((x) => (x >= rc ? below(rc) : x));
  const sections: TableSection[] = [];
  const els = spec.elements;
  for (let a = 0; a < els.length; a++) {
    for (let b = a; b < els.length; b++) {
      const { e, f } = pairCurve(spec, els[a], els[b], rEval);
      sections.push({
        keyword: `${els[a]}-${els[b]}`,
        spacing: { kind: 'RSQ', lo: inner, hi: rc },
        fprime: [forceSlope(spec, els[a], els[b], inner), forceSlopeBelow(spec, els[a], els[b], rc)],
        r,
        e: Array.from(e),
        f: Array.from(f),
      });
    }
  }
  return sections;
}

function analyticStyle(spec: PairSpec): string | undefined {
  if (spec.cutoff_function !== 'none' && spec.cutoff_function !== 'shift') return undefined;
  switch (spec.kind) {
    case 'lj':
      return 'lj/cut';
    case 'morse':
      return 'morse';
    case 'buckingham':
      return 'buck';
    case 'pair-spline':
      return undefined;
  }
}

function coeffValues(spec: PairSpec, key: string): number[] {
  const els = key.split('-');
  const pairs = spec.pairs as unknown as Record<string, Record<string, number>>;
  const entry = pairs[key] ?? pairs[`${els[1]}-${els[0]}`];
  switch (spec.kind) {
    case 'lj':
      return [entry.epsilon, entry.sigma];
    case 'morse':
      return [entry.D0, entry.alpha, entry.r0];
    case 'buckingham':
      return [entry.A, entry.rho, entry.C];
    default:
      throw new Error(`internal error: no analytic coefficients for ${spec.kind}`);
  }
}

export function exportPairToLammps(spec: PairSpec, opts: PairExportOptions = {}): LammpsPairExport {
  const els = spec.elements;
  const style = opts.forceTable ? undefined : analyticStyle(spec);
  if (style) {
    const pairCoeff: string[] = [];
    for (let a = 0; a < els.length; a++)
      for (let b = a; b < els.length; b++) {
        pairCoeff.push(`${a + 1} ${b + 1} ${coeffValues(spec, `${els[a]}-${els[b]}`).map(g).join(' ')}`);
      }
    return {
      elements: [...els],
      pairStyle: `${style} ${g(spec.cutoff)}`,
      pairCoeff,
      extra: spec.cutoff_function === 'shift' ? ['pair_modify shift yes'] : [],
      files: {},
    };
  }
  const n = opts.tablength ?? (spec.kind === 'pair-spline' ? 60000 : 20000);
  const inner = opts.inner ?? (spec.kind === 'pair-spline' ? Math.min(...Object.values(spec.pairs).map((p) => p.knots[0])) : 0.35 * spec.cutoff);
  const file = opts.tableFile ?? 'pesfit_pair.table';
  const sections = pairTableSections(spec, n, inner);
  const pairCoeff: string[] = [];
  let k = 0;
  for (let a = 0; a < els.length; a++) for (let b = a; b < els.length; b++, k++) pairCoeff.push(`${a + 1} ${b + 1} ${file} ${sections[k].keyword}`);
  const header = [`pesfit ${spec.kind} model (${els.join(' ')}), cutoff ${spec.cutoff} A, cutoff_function ${JSON.stringify(spec.cutoff_function)}`,
    `use with: pair_style table spline ${n}`];
  return { elements: [...els], pairStyle: `table spline ${n}`, pairCoeff, extra: [], files: { [file]: formatLammpsTable(sections, header) } };
}

/** Pair styles whose parameters live on pair_coeff lines, and the pesfit kind of each. */
export const PAIR_COEFF_STYLES = { 'lj/cut': 'lj', morse: 'morse', buck: 'buckingham' } as const;
export type PairCoeffStyle = keyof typeof PAIR_COEFF_STYLES;

const COEFF_NAMES: Record<PairCoeffStyle, readonly string[]> = {
  'lj/cut': ['epsilon', 'sigma'],
  morse: ['D0', 'alpha', 'r0'],
  buck: ['A', 'rho', 'C'],
};

/** LAMMPS type range (`3`, `*`, `2*`, `*2`, `1*3`) as 1-based [lo, hi] within 1..n. */
function typeRange(tok: string, n: number, where: () => ParseError): [number, number] {
  const m = /^(\d*)(\*?)(\d*)$/.exec(tok);
  if (!m || (m[2] === '' && (m[1] === '' || m[3] !== ''))) throw where();
  const lo = m[2] === '' ? Number(m[1]) : m[1] === '' ? 1 : Number(m[1]);
  const hi = m[2] === '' ? Number(m[1]) : m[3] === '' ? n : Number(m[3]);
  if (!(lo >= 1 && hi <= n && lo <= hi)) throw where();
  return [lo, hi];
}

/** Input lines with comments removed and `&` continuations joined, each with its first line number. */
function inputLines(text: string): { words: string[]; line: number }[] {
  const out: { words: string[]; line: number }[] = [];
  let acc = '', first = 0;
  text.split(/\r?\n/).forEach((raw, k) => {
    const body = raw.replace(/#.*/, '').trimEnd();
    if (acc === '') first = k + 1;
    if (body.endsWith('&')) {
      acc += body.slice(0, -1) + ' ';
      return;
    }
    acc += body;
    const words = acc.trim().split(/\s+/).filter((w) => w.length > 0);
    if (words.length > 0) out.push({ words, line: first });
    acc = '';
  });
  return out;
}

/** Elements from pesfit's header comment "LAMMPS atom types 1=Cu 2=Ni", or undefined. */
function headerElements(text: string): string[] | undefined {
  const m = /LAMMPS atom types((?:\s+\d+=[A-Z][a-z]?)+)/.exec(text);
  if (!m) return undefined;
  const pairs = m[1].trim().split(/\s+/).map((w) => w.split('='));
  return pairs.every(([k], i) => Number(k) === i + 1) ? pairs.map(([, e]) => e) : undefined;
}

/**
 * A pair model from LAMMPS input lines for pair style lj/cut, morse or buck (see the file comment). `style` may
 * carry the global cutoff (`lj/cut 10`), used when the text has no pair_style line.
 */
export function parsePairCoeffInput(text: string, file: string, style: string, elements?: readonly string[]): PairSpec {
  const styleWords = style.trim().split(/\s+/);
  const name = styleWords[0] as PairCoeffStyle;
  if (!(name in PAIR_COEFF_STYLES)) throw new UserError(`no pair_coeff reader for pair style ${styleWords[0]} (have ${Object.keys(PAIR_COEFF_STYLES).join(', ')})`);
  const lines = inputLines(text);
  if (!lines.some((l) => l.words[0] === 'pair_coeff')) {
    throw new UserError(`${file}: no pair_coeff lines for ${name} (lj/cut, morse and buck are read from LAMMPS input lines; or give a model.json)`);
  }
  const els = elements ? [...elements] : headerElements(text);
  if (!els || els.length === 0) throw new UserError(`${file}: give the elements of LAMMPS types 1..n in order (--elements A,B)`);
  const n = els.length, nc = COEFF_NAMES[name].length;
  let cutoff = styleWords.length > 1 ? Number(styleWords[1]) : NaN;
  let shift = false, mix: 'geometric' | 'arithmetic' = 'geometric';
  const coeff = new Map<string, { v: number[]; cut?: number; line: number }>();
  for (const { words, line } of lines) {
    const err = (what: string): ParseError => new ParseError({ file, line }, what);
    const cmd = words[0];
    if (cmd === 'pair_style') {
      if (words[1] !== name) throw err(`expected pair_style ${name}, got "${words.slice(1).join(' ')}"`);
      cutoff = Number(words[2]);
      if (!(cutoff > 0) || words.length !== 3) throw err(`expected "pair_style ${name} <global cutoff>"`);
    } else if (cmd === 'pair_modify') {
      for (let k = 1; k < words.length; k += 2) {
        const key = words[k], val = words[k + 1];
        if (key === 'shift' && (val === 'yes' || val === 'no')) shift = val === 'yes';
        else if (key === 'mix' && (val === 'geometric' || val === 'arithmetic')) mix = val;
        else if (key === 'mix') throw err(`pair_modify mix ${val ?? ''}: only geometric and arithmetic are read`);
        else throw err(`pair_modify ${key} ${val ?? ''}: only "shift yes|no" and "mix geometric|arithmetic" are read`);
      }
    } else if (cmd === 'pair_coeff') {
      if (words.length !== 3 + nc && words.length !== 4 + nc) {
        throw err(`expected "pair_coeff I J ${COEFF_NAMES[name].join(' ')} [cutoff]" for ${name}, got ${words.length - 1} arguments`);
      }
      const bad = (): ParseError => err(`pair_coeff types "${words[1]} ${words[2]}" are not types or ranges within 1..${n} (${els.join(' ')})`);
      const [i0, i1] = typeRange(words[1], n, bad), [j0, j1] = typeRange(words[2], n, bad);
      const nums = words.slice(3).map((w) => Number(w));
      nums.forEach((v, k) => {
        if (!Number.isFinite(v)) throw err(`expected a number for ${k < nc ? COEFF_NAMES[name][k] : 'the cutoff'}, got "${words[3 + k]}"`);
      });
      for (let i = i0; i <= i1; i++)
        for (let j = Math.max(j0, i); j <= j1; j++) coeff.set(`${i} ${j}`, { v: nums.slice(0, nc), cut: nums[nc], line });
      // LAMMPS swaps plain numbers I > J (pair_coeff 2 1 sets 1 2); ranges set only J ≥ I
      if (i0 === i1 && j0 === j1 && i0 > j0) coeff.set(`${j0} ${i0}`, { v: nums.slice(0, nc), cut: nums[nc], line });
    }
  }
  if (!(cutoff > 0)) throw new UserError(`${file}: no global cutoff (a "pair_style ${name} <cutoff>" line, or --style "${name} <cutoff>")`);
  const pairs: Record<string, Record<string, number>> = {};
  for (let i = 1; i <= n; i++)
    for (let j = i; j <= n; j++) {
      const key = `${els[i - 1]}-${els[j - 1]}`;
      let c = coeff.get(`${i} ${j}`);
      if (c?.cut !== undefined && c.cut !== cutoff) {
        throw new ParseError({ file, line: c.line }, `pair ${key} has its own cutoff ${c.cut} ≠ the global ${cutoff}: pesfit models have one cutoff`);
      }
      if (!c) {
        const ci = coeff.get(`${i} ${i}`), cj = coeff.get(`${j} ${j}`);
        if (name !== 'lj/cut' || !ci || !cj) throw new UserError(`${file}: no pair_coeff for types ${i} ${j} (${key})`);
        const eps = Math.sqrt(ci.v[0] * cj.v[0]);
        const sig = mix === 'geometric' ? Math.sqrt(ci.v[1] * cj.v[1]) : 0.5 * (ci.v[1] + cj.v[1]);
        c = { v: [eps, sig], line: 0 };
      }
      pairs[key] = Object.fromEntries(COEFF_NAMES[name].map((p, k) => [p, c!.v[k]]));
    }
  const common = { elements: els, cutoff, cutoff_function: shift ? ('shift' as const) : ('none' as const) };
  switch (name) {
    case 'lj/cut':
      return { kind: 'lj', ...common, pairs: pairs as unknown as Record<string, LennardJonesPair> };
    case 'morse':
      return { kind: 'morse', ...common, pairs: pairs as unknown as Record<string, MorsePair> };
    case 'buck':
      return { kind: 'buckingham', ...common, pairs: pairs as unknown as Record<string, BuckinghamPair> };
  }
}
