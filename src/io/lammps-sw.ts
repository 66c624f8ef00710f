/**
 * LAMMPS `pair_style sw` parameter files ↔ SwSpec (potentials/sw.ts).
 *
 * Format (LAMMPS PotentialFileReader semantics): `#` starts a comment; blank lines are skipped; an entry is 14
 * words, `Ei Ej Ek ε σ a λ γ cosθ0 A B p q tol`, and may continue over several lines (Si.sw does). Units are
 * LAMMPS metal (ε in eV, σ in Å); a `UNITS:` tag on the first line other than `metal` is refused, since pesfit
 * does not convert energies. As LAMMPS, every value except cosθ0 must be ≥ 0, every ordered triplet of the
 * chosen elements must appear exactly once, and entries naming other elements are skipped.
 *
 * readSwFile(text, file, elements?) parses; `elements` picks and orders the model's elements as a pair_coeff
 * line would (default: all elements in order of first appearance). ParseErrors name the file, the entry's first
 * line and what was expected. formatSwFile(spec) writes every number in shortest round-trip form, and refuses a
 * spec LAMMPS would read differently from pesfit (negative values, or asymmetric entries: swLammpsAsymmetries).
 */
import { ParseError, UserError } from '../core/errors.ts';
import { atomicNumber } from '../core/elements.ts';
import { SW_FIELDS, swCutoff, swLammpsAsymmetries, type SwEntry, type SwSpec } from '../potentials/sw.ts';
import { readText, writeAtomic } from './fs.ts';

const WORDS_PER_ENTRY = 3 + SW_FIELDS.length + 1;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const FILE_FIELDS = [...SW_FIELDS, 'tol'] as const;

interface RawEntry {
  words: string[];
  line: number;
}

/** Groups the words of the file into 14-word entries, each with the line it starts on. */
function entriesOf(text: string, file: string): RawEntry[] {
  const lines = text.split(/\r?\n/);
  const out: RawEntry[] = [];
  let cur: RawEntry | undefined;
  for (let ln = 0; ln < lines.length; ln++) {
    const hash = lines[ln].indexOf('#');
    const body = hash >= 0 ? lines[ln].slice(0, hash) : lines[ln];
    const words = body.split(/\s+/).filter((w) => w.length > 0);
    if (words.length === 0) continue;
    if (!cur) cur = { words: [], line: ln + 1 };
    cur.words.push(...words);
    if (cur.words.length > WORDS_PER_ENTRY)
      throw new ParseError({ file, line: cur.line },
        `entry has ${cur.words.length} words by line ${ln + 1}, expected ${WORDS_PER_ENTRY} (3 elements and 11 numbers)`);
    if (cur.words.length === WORDS_PER_ENTRY) {
      out.push(cur);
      cur = undefined;
    }
  }
  if (cur)
    throw new ParseError({ file, line: cur.line },
      `incomplete entry at end of file: ${cur.words.length} words, expected ${WORDS_PER_ENTRY} (3 elements and 11 numbers)`);
  return out;
}

function checkUnits(text: string, file: string): void {
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  const m = /UNITS:\s*(\S+)/.exec(first);
  if (m && m[1] !== 'metal')
    throw new ParseError({ file, line: 1 }, `UNITS: ${m[1]}, expected metal (pesfit reads SW files in eV and Å only)`);
}

export function readSwFile(text: string, file: string, elements?: readonly string[]): SwSpec {
  checkUnits(text, file);
  const raw = entriesOf(text, file);
  const chosen: string[] = elements ? [...elements] : [];
  if (!elements) for (const r of raw) for (const s of r.words.slice(0, 3)) if (!chosen.includes(s)) chosen.push(s);
  for (const s of chosen)
    if (atomicNumber(s) === undefined)
      throw new ParseError({ file }, `element '${s}' is not a chemical symbol (pesfit maps atoms to elements by symbol)`);
  if (chosen.length === 0) throw new ParseError({ file }, 'no Stillinger-Weber entries found');

  const entries: SwEntry[] = [];
  const firstLine = new Map<string, number>();
  for (const r of raw) {
    const names = r.words.slice(0, 3);
    if (!names.every((s) => chosen.includes(s))) continue;
    const key = names.join('-');
    const prev = firstLine.get(key);
    if (prev !== undefined) throw new ParseError({ file, line: r.line }, `duplicate entry ${key} (first at line ${prev})`);
    firstLine.set(key, r.line);
    const v: number[] = [];
    for (let f = 0; f < FILE_FIELDS.length; f++) {
      const w = r.words[3 + f];
      if (!NUMBER.test(w))
        throw new ParseError({ file, line: r.line }, `entry ${key}: ${FILE_FIELDS[f]} is '${w}', expected a number`);
      const x = Number(w);
      if (FILE_FIELDS[f] !== 'costheta0' && x < 0)
        throw new ParseError({ file, line: r.line }, `entry ${key}: ${FILE_FIELDS[f]} is ${x}, expected ≥ 0 (as LAMMPS)`);
      v.push(x);
    }
    entries.push({
      elements: [names[0], names[1], names[2]],
      epsilon: v[0], sigma: v[1], a: v[2], lambda: v[3], gamma: v[4], costheta0: v[5],
      A: v[6], B: v[7], p: v[8], q: v[9], tol: v[10],
    });
  }
  for (const a of chosen)
    for (const b of chosen)
      for (const c of chosen)
        if (!firstLine.has(`${a}-${b}-${c}`))
          throw new ParseError({ file }, `missing entry ${a} ${b} ${c} (every ordered triplet of ${chosen.join(' ')} is needed)`);
  return { kind: 'sw', elements: chosen, cutoff: swCutoff(entries), entries };
}

export function loadSwFile(path: string, elements?: readonly string[]): SwSpec {
  return readSwFile(readText(path), path, elements);
}

/** The LAMMPS file text of a spec; a UserError if LAMMPS would not reproduce pesfit's model from it. */
export function formatSwFile(spec: SwSpec): string {
  const asym = swLammpsAsymmetries(spec);
  if (asym.length > 0)
    throw new UserError(`sw: LAMMPS would evaluate this model differently (it needs symmetric entries):\n  ${asym.join('\n  ')}`);
  const lines = [
    '# UNITS: metal  Stillinger-Weber parameters written by pesfit',
    '# Ei Ej Ek  epsilon sigma a lambda gamma costheta0 A B p q tol',
  ];
  for (const e of spec.entries) {
    const nums = FILE_FIELDS.map((f) => {
      const v = e[f];
      if (!Number.isFinite(v) || (f !== 'costheta0' && v < 0))
        throw new UserError(`sw: ${f}:${e.elements.join('-')} is ${v}; LAMMPS needs a finite value${f === 'costheta0' ? '' : ' ≥ 0'}`);
      return String(v);
    });
    lines.push(`${e.elements.join(' ')} ${nums.join(' ')}`);
  }
  return lines.join('\n') + '\n';
}

export function writeSwFile(path: string, spec: SwSpec): void {
  writeAtomic(path, formatSwFile(spec));
}
