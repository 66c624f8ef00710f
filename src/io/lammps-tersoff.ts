/**
 * LAMMPS `pair_style tersoff` parameter files ↔ TersoffSpec (potentials/tersoff.ts). Pure text in, text out.
 *
 * Format (as LAMMPS's reader): `#` starts a comment, blank lines are skipped; an entry is 17 whitespace-separated
 * words that may continue over several lines:
 *   element1 element2 element3 m gamma lambda3 c d costheta0 n beta lambda2 B R D lambda1 A
 * Units metal: lengths Å, energies (A, B) eV, lambda1..3 1/Å. Entries naming an element outside the requested
 * list are skipped (LAMMPS reads only the triplets of the elements given to pair_coeff); every triplet of the
 * requested elements must appear exactly once. Value checks are LAMMPS's: m is 1 or 3; c, d, n, beta, lambda2, B,
 * R, D, lambda1, A, gamma are ≥ 0; D ≤ R.
 * LAMMPS's `pair_style tersoff shift δ` keyword is not part of the file: the reader takes it as an option (it sets
 * the spec's `shift` and cutoff max(R + D) − δ) and the writer names it in the header comment.
 */
import { ParseError } from '../core/errors.ts';
import { atomicNumber } from '../core/elements.ts';
import { TERSOFF_FIELDS, type TersoffSpec, type TersoffTriplet } from '../potentials/tersoff.ts';

const WORDS_PER_ENTRY = 17;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const MUST_BE_NON_NEGATIVE = ['c', 'd', 'n', 'beta', 'lambda2', 'B', 'R', 'D', 'lambda1', 'A', 'gamma'] as const;

/** Splits the text into entries of words, each with the 1-based line where it starts. */
function entries(text: string, file: string): { line: number; words: string[] }[] {
  const lines = text.split(/\r?\n/);
  const out: { line: number; words: string[] }[] = [];
  let cur: { line: number; words: string[] } | null = null;
  for (let k = 0; k < lines.length; k++) {
    const hash = lines[k].indexOf('#');
    const body = hash >= 0 ? lines[k].slice(0, hash) : lines[k];
    const words = body.split(/\s+/).filter((w) => w.length > 0);
    if (words.length === 0) continue;
    if (!cur) cur = { line: k + 1, words: [] };
    cur.words.push(...words);
    if (cur.words.length > WORDS_PER_ENTRY) {
      throw new ParseError({ file, line: cur.line },
        `entry has ${cur.words.length} words by line ${k + 1}, expected ${WORDS_PER_ENTRY} (3 elements and 14 numbers)`);
    }
    if (cur.words.length === WORDS_PER_ENTRY) {
      out.push(cur);
      cur = null;
    }
  }
  if (cur) {
    throw new ParseError({ file, line: cur.line },
      `entry has ${cur.words.length} words when the file ends, expected ${WORDS_PER_ENTRY} (3 elements and 14 numbers)`);
  }
  return out;
}

/**
 * Reads a LAMMPS tersoff file for the given elements (the order of `elements` is the model's element order;
 * triplets come out in canonical order i, j, k over it). `file` names the source in error messages; `opts.shift`
 * is the pair_style's shift δ (Å) when it has one.
 */
export function readTersoffFile(text: string, file: string, elements: readonly string[], opts: { shift?: number } = {}): TersoffSpec {
  const index = new Map<string, number>();
  for (const el of elements) {
    if (atomicNumber(el) === undefined) throw new ParseError({ file }, `requested element "${el}" is not a chemical symbol`);
    if (index.has(el)) throw new ParseError({ file }, `requested element ${el} is listed twice`);
    index.set(el, index.size);
  }
  const ne = elements.length;
  if (ne === 0) throw new ParseError({ file }, 'no elements requested');
  const found: (TersoffTriplet | undefined)[] = new Array(ne * ne * ne);
  const foundLine: number[] = new Array(ne * ne * ne);
  for (const { line, words } of entries(text, file)) {
    const values: number[] = [];
    for (let w = 3; w < WORDS_PER_ENTRY; w++) {
      if (!NUMBER.test(words[w])) {
        const name = w === 3 ? 'm' : TERSOFF_FIELDS[w - 4];
        throw new ParseError({ file, line }, `${name} = "${words[w]}" is not a number (word ${w + 1} of the entry)`);
      }
      values.push(Number(words[w]));
    }
    const ids = [index.get(words[0]), index.get(words[1]), index.get(words[2])];
    if (ids.some((v) => v === undefined)) continue;
    const tr: TersoffTriplet = {
      elements: [words[0], words[1], words[2]],
      m: values[0],
      gamma: 0, lambda3: 0, c: 0, d: 0, costheta0: 0, n: 0, beta: 0, lambda2: 0, B: 0, R: 0, D: 0, lambda1: 0, A: 0,
    };
    TERSOFF_FIELDS.forEach((f, q) => (tr[f] = values[q + 1]));
    const label = tr.elements.join(' ');
    if (tr.m !== 1 && tr.m !== 3) throw new ParseError({ file, line }, `${label}: m = ${words[3]}, expected 1 or 3`);
    for (const f of MUST_BE_NON_NEGATIVE) {
      if (tr[f] < 0) throw new ParseError({ file, line }, `${label}: ${f} = ${tr[f]}, expected ≥ 0`);
    }
    if (tr.D > tr.R) throw new ParseError({ file, line }, `${label}: D = ${tr.D} exceeds R = ${tr.R}, expected D ≤ R`);
    const t = (ids[0]! * ne + ids[1]!) * ne + ids[2]!;
    if (found[t]) {
      throw new ParseError({ file, line }, `duplicate entry for ${label} (first at line ${foundLine[t]})`);
    }
    found[t] = tr;
    foundLine[t] = line;
  }
  const triplets: TersoffTriplet[] = [];
  const missing: string[] = [];
  for (let i = 0; i < ne; i++)
    for (let j = 0; j < ne; j++)
      for (let k = 0; k < ne; k++) {
        const tr = found[(i * ne + j) * ne + k];
        if (tr) triplets.push(tr);
        else missing.push(`${elements[i]} ${elements[j]} ${elements[k]}`);
      }
  if (missing.length > 0) {
    throw new ParseError({ file }, `missing entries for triplet(s) ${missing.join(', ')} (expected all ${ne ** 3} triplets of ${elements.join(', ')})`);
  }
  let cutoff = 0;
  for (const tr of triplets) cutoff = Math.max(cutoff, tr.R + tr.D);
  if (opts.shift === undefined) return { kind: 'tersoff', elements: [...elements], cutoff, triplets };
  if (!Number.isFinite(opts.shift) || !(cutoff - opts.shift > 0)) {
    throw new ParseError({ file }, `shift ${opts.shift} Å: expected a finite number below the largest R + D (${cutoff} Å)`);
  }
  // pairs interact while |r| + shift < R + D
  return { kind: 'tersoff', elements: [...elements], cutoff: cutoff - opts.shift, triplets, shift: opts.shift };
}

/** Writes a spec as a LAMMPS tersoff file, one entry per line, numbers in shortest round-trip form. */
export function formatTersoffFile(spec: TersoffSpec): string {
  const style = spec.shift ? `tersoff shift ${spec.shift}` : 'tersoff';
  const lines = [
    `# Tersoff parameters for ${spec.elements.join(' ')}, written by pesfit (pair_style ${style}, units metal)`,
    `# element1 element2 element3 m ${TERSOFF_FIELDS.join(' ')}`,
  ];
  for (const tr of spec.triplets) {
    const nums = [tr.m, ...TERSOFF_FIELDS.map((f) => tr[f])].map((v) => {
      if (!Number.isFinite(v)) throw new Error(`internal error: non-finite tersoff value ${v} for ${tr.elements.join(' ')}`);
      return String(v);
    });
    lines.push([...tr.elements, ...nums].join(' '));
  }
  return lines.join('\n') + '\n';
}
