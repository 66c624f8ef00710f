/**
 * LAMMPS potential files by pair style ↔ model specs (potentials/registry.ts ModelSpec).
 *
 * readLammpsPotential(paths, style, elements?) reads what `pair_style <style>` + `pair_coeff * * <file> <elements>`
 * would read:
 * - eam: one or more funcfl files (one element each; LAMMPS's pair_coeff i i per type) → eam-table, style eam.
 * - eam/alloy, eam/fs: one setfl file → eam-table with all of the file's elements (atoms map to them by symbol).
 * - tersoff, sw: one parameter file → the triplets of `elements` (default: every element of the file, in order
 *   of first appearance). The tersoff style may carry LAMMPS's shift keyword, `tersoff shift 0.05` (Å), which
 *   becomes the spec's `shift`.
 * - table: `style` is the whole pair_style line, `table <linear|spline> <N>` (LAMMPS has no default N); one
 *   section per element pair, found by keyword "A-B" or "B-A" (what exportLammps writes), or the only section of
 *   a single-element file. `elements` is required.
 * - snap: either two files, `.snapcoeff` then `.snapparam` (the blocks of `elements` in that order, default all in
 *   file order), or one `.snap` include file (pair_style/pair_coeff lines, possibly hybrid/overlay with zbl), which
 *   gives a snap spec or an overlay of zbl + snap (io/lammps-snap.ts); `elements` must then be covered by it.
 * - lj/cut, morse, buck: no potential file; their numbers live on pair_coeff lines, read from LAMMPS input lines
 *   (a snippet, or pesfit's own lammps.in) by io/lammps-pair.ts parsePairCoeffInput. `style` may carry the global
 *   cutoff (`lj/cut 10`) when the lines have no pair_style; `elements` are types 1..n (default: pesfit's header).
 * `elements` must be chemical symbols; one the potential does not cover is a UserError naming the file. When a
 * file does not parse as the style says, the error adds the hint that the style may be wrong.
 *
 * exportLammps(spec, dir, basename) writes the family's LAMMPS files atomically into `dir` and returns the
 * pair_style / pair_coeff arguments for LAMMPS atom types 1..n = spec.elements in order:
 * - eam-table → setfl (`<basename>.eam.alloy`, or `.eam.fs` for style eam/fs). A funcfl-derived single-element
 *   spec (style eam) goes out as a funcfl file `<basename>.eam` with `pair_style eam` and `pair_coeff 1 1 <file>`,
 *   which LAMMPS reads back into exactly the spec's tables, rhomax included; when it cannot (several elements,
 *   whose cross pairs need not be LAMMPS's geometric mean of Z, or an r·φ < 0 that Z = sqrt(r·φ/27.2/0.529) cannot
 *   hold, e.g. after a fit) it goes out as eam/alloy with the same tables, where LAMMPS's rhomax is (nrho−1)·drho
 *   (differs only for densities beyond the last F node).
 * - eam-spline → tabulated onto a setfl / eam/fs file (potentials/eam.ts tabulateEam; grid options below).
 * - tersoff → `<basename>.tersoff`, `pair_style tersoff` (`tersoff shift δ` when the spec has a non-zero shift);
 *   sw → `<basename>.sw`.
 * - lj / morse / buckingham / pair-spline → io/lammps-pair.ts (analytic styles, or a table file
 *   `<basename>.table`), its pair_modify lines in `extra`.
 * - table → `<basename>.table` with one section per pair (keyword "A-B").
 * - snap → `<basename>.snapcoeff` + `<basename>.snapparam` (io/lammps-snap.ts), `pair_style snap`,
 *   `pair_coeff * * <basename>.snapcoeff <basename>.snapparam El…`.
 * - zbl → no file: `pair_style zbl inner outer`, one `pair_coeff a b Z_a Z_b` per type pair a ≤ b.
 * - overlay → `pair_style hybrid/overlay <sub-style args>…` with each component's pair_coeff lines carrying its
 *   sub-style name (and its 1-based occurrence when a sub-style repeats, as LAMMPS requires) and each `pair_modify
 *   X` turned into `pair_modify pair <sub-style> [k] X`. Components must list the overlay's elements in the same
 *   order (types are shared); their files are `<basename>.*`, or `<basename>.c<i>.*` when two components share a kind.
 */
import { tabulateEamAnalytic } from '../potentials/eam-analytic.ts';
import { UserError, ParseError } from '../core/errors.ts';
import { atomicMass, atomicNumber } from '../core/elements.ts';
import { tabulateEam, type EamTableSpec } from '../potentials/eam.ts';
import { eamSplineFunctions, type EamSplineSpec } from '../potentials/eam-spline.ts';
import type { PairTableSpec, TableSection, TableStyle } from '../potentials/pair-table.ts';
import type { ModelSpec } from '../potentials/registry.ts';
import type { OverlaySpec } from '../potentials/overlay.ts';
import { join } from 'node:path';
import { funcflToSpec, parseFuncfl, parseSetfl, setflToSpec, specToFuncfl, specToSetfl, writeFuncfl, writeSetfl } from './lammps-eam.ts';
import { PAIR_COEFF_STYLES, exportPairToLammps, parsePairCoeffInput, type PairCoeffStyle } from './lammps-pair.ts';
import { formatSwFile, readSwFile } from './lammps-sw.ts';
import { formatLammpsTable, parseLammpsTable } from './lammps-table.ts';
import { formatTersoffFile, readTersoffFile } from './lammps-tersoff.ts';
import { readSnapFiles, readSnapInclude, writeSnapCoeff, writeSnapParam } from './lammps-snap.ts';
import { zblCharges } from '../potentials/zbl.ts';
import { readText, writeAtomic } from './fs.ts';

/** Pair styles with a potential file pesfit reads. */
export const FILE_STYLES = ['eam', 'eam/alloy', 'eam/fs', 'tersoff', 'sw', 'table', 'snap'] as const;
export type FileStyle = (typeof FILE_STYLES)[number];

/** The style a potential file's name suggests (LAMMPS's naming habits), or undefined. */
export function styleFromFileName(path: string): FileStyle | undefined {
  const p = path.toLowerCase();
  if (p.endsWith('.eam.alloy') || p.endsWith('.setfl')) return 'eam/alloy';
  if (p.endsWith('.eam.fs')) return 'eam/fs';
  if (p.endsWith('.eam')) return 'eam';
  if (p.endsWith('.tersoff')) return 'tersoff';
  if (p.endsWith('.sw')) return 'sw';
  if (p.endsWith('.snap') || p.endsWith('.snapcoeff') || p.endsWith('.snapparam')) return 'snap';
  return undefined;
}

interface ParsedStyle {
  name: FileStyle | PairCoeffStyle;
  table?: { style: TableStyle; tablength: number };
  /** tersoff: LAMMPS's `shift δ` keyword (Å). */
  shift?: number;
}

function parseStyle(style: string): ParsedStyle {
  const words = style.trim().split(/\s+/);
  const name = words[0];
  if (name in PAIR_COEFF_STYLES) {
    if (words.length > 2 || (words.length === 2 && !(Number(words[1]) > 0)))
      throw new UserError(`style ${name} takes at most its global cutoff here, e.g. "${name} 10", got "${style}"`);
    return { name: name as PairCoeffStyle };
  }
  if (!(FILE_STYLES as readonly string[]).includes(name))
    throw new UserError(`unknown pair style '${name}' (expected one of ${FILE_STYLES.join(', ')}, or a model.json)`);
  if (name === 'table') {
    const tstyle = words[1], n = Number(words[2]);
    if ((tstyle !== 'linear' && tstyle !== 'spline') || !Number.isInteger(n) || n < 2 || words.length > 3)
      throw new UserError(`style table needs the pair_style arguments, e.g. "table spline 1000" (table <linear|spline> <N>), got "${style}"`);
    return { name, table: { style: tstyle, tablength: n } };
  }
  if (name === 'tersoff' && words.length > 1) {
    const delta = Number(words[2]);
    if (words[1] !== 'shift' || words.length !== 3 || words[2] === '' || !Number.isFinite(delta))
      throw new UserError(`style tersoff takes only LAMMPS's shift keyword here, e.g. "tersoff shift 0.05" (Å), got "${style}"`);
    return { name, shift: delta };
  }
  if (words.length > 1) throw new UserError(`pair style ${name} takes no arguments here, got "${style}"`);
  return { name: name as FileStyle };
}

function checkSymbols(elements: readonly string[]): void {
  for (const e of elements) if (atomicNumber(e) === undefined) throw new UserError(`'${e}' is not a chemical element symbol`);
  if (new Set(elements).size !== elements.length) throw new UserError(`elements ${elements.join(', ')} repeat an element`);
}

function requireCovered(elements: readonly string[] | undefined, covered: readonly string[], file: string): void {
  for (const e of elements ?? [])
    if (!covered.includes(e)) throw new UserError(`${file}: element ${e} is not in the potential (it has ${covered.join(', ')})`);
}

/**
 * Elements of a tersoff (17 words per entry) or sw (14 words) file in order of first appearance; entries may
 * continue over several lines, so the words are counted, not the lines.
 */
function fileElements(text: string, wordsPerEntry: number): string[] {
  const words = text.split(/\r?\n/).flatMap((l) => l.replace(/#.*/, '').split(/\s+/).filter((w) => w.length > 0));
  const out: string[] = [];
  for (let k = 0; k + 2 < words.length; k += wordsPerEntry) for (const w of words.slice(k, k + 3)) if (!out.includes(w)) out.push(w);
  return out;
}

function tableSpec(sections: TableSection[], elements: readonly string[], t: { style: TableStyle; tablength: number }, file: string): PairTableSpec {
  const pairs: PairTableSpec['pairs'] = {};
  let cutoff = 0;
  for (let a = 0; a < elements.length; a++)
    for (let b = a; b < elements.length; b++) {
      const k1 = `${elements[a]}-${elements[b]}`, k2 = `${elements[b]}-${elements[a]}`;
      let sec = sections.find((s) => s.keyword === k1) ?? sections.find((s) => s.keyword === k2);
      if (!sec && elements.length === 1 && sections.length === 1) sec = sections[0];
      if (!sec)
        throw new UserError(`${file}: no table section for element pair ${k1} (sections are named after the pair, "${k1}"; found ${sections.map((s) => s.keyword).join(', ')})`);
      pairs[k1] = { table: sec };
      const last = sec.spacing ? sec.spacing.hi : sec.r[sec.r.length - 1];
      cutoff = Math.max(cutoff, last);
    }
  return { kind: 'table', elements: [...elements], cutoff, style: t.style, tablength: t.tablength, pairs };
}

/**
 * Reads a LAMMPS potential file (several funcfl files for style eam) into a spec; see the file comment.
 * `style` is the pair_style name (for table the whole line).
 */
export function readLammpsPotential(paths: string | readonly string[], style: string, elements?: readonly string[]): ModelSpec {
  const files = typeof paths === 'string' ? [paths] : [...paths];
  if (files.length === 0) throw new UserError('no potential file given');
  const st = parseStyle(style);
  if (elements) checkSymbols(elements);
  if (st.name === 'snap' && files.length > 2) throw new UserError(`style snap reads a .snapcoeff and a .snapparam file, or one .snap include, got ${files.length} files`);
  if (st.name in PAIR_COEFF_STYLES) {
    if (files.length > 1) throw new UserError(`style ${st.name} reads one file of input lines, got ${files.length} files`);
    return parsePairCoeffInput(readText(files[0]), files[0], style, elements);
  }
  if (st.name !== 'eam' && st.name !== 'snap' && files.length > 1) throw new UserError(`style ${st.name} reads one file, got ${files.length}`);
  const file = files[0];
  const texts = files.map(readText);
  try {
    switch (st.name) {
      case 'eam': {
        const spec = funcflToSpec(files.map((f, k) => parseFuncfl(texts[k], f)));
        requireCovered(elements, spec.elements, files.join(', '));
        return spec;
      }
      case 'eam/alloy':
      case 'eam/fs': {
        const spec: EamTableSpec = setflToSpec(parseSetfl(texts[0], file, st.name));
        requireCovered(elements, spec.elements, file);
        return spec;
      }
      case 'tersoff': {
        const covered = fileElements(texts[0], 17);
        requireCovered(elements, covered, file);
        return readTersoffFile(texts[0], file, elements ?? covered, { shift: st.shift });
      }
      case 'sw': {
        if (elements) {
          const covered = fileElements(texts[0], 14);
          requireCovered(elements, covered, file);
        }
        return readSwFile(texts[0], file, elements);
      }
      case 'table': {
        if (!elements || elements.length === 0) throw new UserError(`${file}: a table potential needs the elements (--elements A,B)`);
        return tableSpec(parseLammpsTable(texts[0], file), elements, st.table!, file);
      }
      case 'snap': {
        if (files.length === 2) return readSnapFiles(files[0], files[1], elements);
        const spec = readSnapInclude(file);
        requireCovered(elements, spec.elements, file);
        return spec;
      }
      default:
        // lj/cut, morse and buck returned above, before any file was read as a potential file
        throw new Error(`internal error: pair style ${st.name} reached the file readers`);
    }
  } catch (e) {
    if (e instanceof ParseError) {
      const guess = styleFromFileName(file);
      const hint = guess && guess !== st.name ? `; the file name suggests style ${guess}` : '';
      throw new UserError(`${e.message}\n  (read as pair_style ${st.name}: is that the file's style?${hint})`);
    }
    throw e;
  }
}

export interface LammpsExport {
  /** Element symbols in LAMMPS type order (type k+1 = elements[k]). */
  elements: string[];
  /** Paths of the files written. */
  files: string[];
  /** pair_style arguments (without the command name). */
  pairStyle: string;
  /** pair_coeff argument strings (without the command name), file names relative to `dir`. */
  pairCoeff: string[];
  /** Further input lines (pair_modify) the model needs. */
  extra: string[];
}

export interface ExportOptions {
  /** eam-spline tabulation: points of F(ρ) and of ρ(r), r·φ(r) (default 10000 each). */
  nrho?: number;
  nr?: number;
  /** eam-spline: largest tabulated density (default: the largest last F knot; F is linear beyond it anyway). */
  rhomax?: number;
}

function eamSplineTable(spec: EamSplineSpec, o: ExportOptions): EamTableSpec {
  const rhomax = o.rhomax ?? Math.max(...spec.F.map((t) => t.knots[t.knots.length - 1]));
  if (!(rhomax > 0)) throw new UserError(`eam-spline export: rhomax must be positive, got ${rhomax}`);
  const masses = spec.masses ?? spec.elements.map((e) => atomicMass(atomicNumber(e)!));
  return tabulateEam(eamSplineFunctions(spec), [...spec.elements], spec.cutoff, {
    style: spec.fs ? 'eam/fs' : 'eam/alloy', masses, nrho: o.nrho ?? 10000, rhomax, nr: o.nr ?? 10000,
  });
}

/** Writes the LAMMPS files of a spec into `dir` (see the file comment) and returns how to use them. */
export function exportLammps(spec: ModelSpec, dir: string, basename: string, opts: ExportOptions = {}): LammpsExport {
  const els = [...spec.elements];
  const all = `* * `;
  const write = (name: string, text: string): string => {
    const p = join(dir, name);
    writeAtomic(p, text);
    return p;
  };
  switch (spec.kind) {
    case 'eam-table':
    case 'eam-spline':
    case 'eam-analytic': {
      if (spec.kind === 'eam-table' && spec.style === 'eam' && els.length === 1 && spec.rphi[0].every((v) => v >= 0)) {
        const name = `${basename}.eam`;
        const path = write(name, writeFuncfl(specToFuncfl(spec, `pesfit eam model (${els[0]}), pair_style eam`)));
        return { elements: els, files: [path], pairStyle: 'eam', pairCoeff: [`1 1 ${name}`], extra: [] };
      }
      const table = spec.kind === 'eam-table' ? spec
        : spec.kind === 'eam-spline' ? eamSplineTable(spec, opts)
        : tabulateEamAnalytic(spec, { nr: opts.nr, nrho: opts.nrho, rhomax: opts.rhomax });
      const setfl = specToSetfl(table);
      const name = `${basename}.${setfl.style === 'eam/fs' ? 'eam.fs' : 'eam.alloy'}`;
      const path = write(name, writeSetfl(setfl));
      return { elements: els, files: [path], pairStyle: setfl.style, pairCoeff: [`${all}${name} ${els.join(' ')}`], extra: [] };
    }
    case 'tersoff': {
      const name = `${basename}.tersoff`;
      const path = write(name, formatTersoffFile(spec));
      const pairStyle = spec.shift ? `tersoff shift ${spec.shift}` : 'tersoff';
      return { elements: els, files: [path], pairStyle, pairCoeff: [`${all}${name} ${els.join(' ')}`], extra: [] };
    }
    case 'sw': {
      const name = `${basename}.sw`;
      const path = write(name, formatSwFile(spec));
      return { elements: els, files: [path], pairStyle: 'sw', pairCoeff: [`${all}${name} ${els.join(' ')}`], extra: [] };
    }
    case 'lj':
    case 'morse':
    case 'buckingham':
    case 'pair-spline': {
      const ex = exportPairToLammps(spec, { tableFile: `${basename}.table` });
      const files = Object.entries(ex.files).map(([name, text]) => write(name, text));
      return { elements: ex.elements, files, pairStyle: ex.pairStyle, pairCoeff: ex.pairCoeff, extra: ex.extra };
    }
    case 'table': {
      const name = `${basename}.table`;
      const sections: TableSection[] = [];
      const pairCoeff: string[] = [];
      for (let a = 0; a < els.length; a++)
        for (let b = a; b < els.length; b++) {
          const key = `${els[a]}-${els[b]}`;
          const entry = spec.pairs[key] ?? spec.pairs[`${els[b]}-${els[a]}`];
          if (!entry) throw new UserError(`table export: no table for element pair ${key}`);
          sections.push({ ...entry.table, keyword: key });
          pairCoeff.push(`${a + 1} ${b + 1} ${name} ${key}${entry.cutoff !== undefined ? ` ${entry.cutoff}` : ''}`);
        }
      const path = write(name, formatLammpsTable(sections, [`pesfit table model (${els.join(' ')})`, `use with: pair_style table ${spec.style} ${spec.tablength}`]));
      return { elements: els, files: [path], pairStyle: `table ${spec.style} ${spec.tablength}`, pairCoeff, extra: [] };
    }
    case 'snap': {
      const coeff = `${basename}.snapcoeff`, param = `${basename}.snapparam`;
      const files = [write(coeff, writeSnapCoeff(spec)), write(param, writeSnapParam(spec))];
      return { elements: els, files, pairStyle: 'snap', pairCoeff: [`${all}${coeff} ${param} ${els.join(' ')}`], extra: [] };
    }
    case 'zbl': {
      const z = zblCharges(spec);
      const pairCoeff: string[] = [];
      for (let a = 0; a < els.length; a++) for (let b = a; b < els.length; b++) pairCoeff.push(`${a + 1} ${b + 1} ${z[a]} ${z[b]}`);
      return { elements: els, files: [], pairStyle: `zbl ${spec.inner} ${spec.outer}`, pairCoeff, extra: [] };
    }
    case 'overlay':
      return exportOverlay(spec, dir, basename, opts);
    default: {
      const never: never = spec;
      throw new UserError(`no LAMMPS export for model kind ${(never as { kind: string }).kind}`);
    }
  }
}

/** hybrid/overlay export of an overlay spec (see the file comment). */
function exportOverlay(spec: OverlaySpec, dir: string, basename: string, opts: ExportOptions): LammpsExport {
  const els = [...spec.elements];
  const kinds = spec.components.map((c) => c.kind);
  const subs = spec.components.map((c, i) => {
    if (c.elements.join(' ') !== els.join(' '))
      throw new UserError(`overlay export: component ${i} (${c.kind}) lists elements ${c.elements.join(' ')}, the overlay ${els.join(' ')}; LAMMPS types are shared, so the order must match`);
    const unique = kinds.filter((k) => k === c.kind).length === 1;
    return exportLammps(c, dir, unique ? basename : `${basename}.c${i}`, opts);
  });
  const names = subs.map((x) => x.pairStyle.trim().split(/\s+/)[0]);
  if (names.includes('hybrid/overlay') || names.includes('hybrid')) throw new UserError('overlay export: nested hybrid styles are not supported by LAMMPS');
  const pairCoeff: string[] = [];
  const extra: string[] = [];
  subs.forEach((x, i) => {
    const repeated = names.filter((n) => n === names[i]).length > 1;
    const tag = repeated ? `${names[i]} ${names.slice(0, i + 1).filter((n) => n === names[i]).length}` : names[i];
    for (const c of x.pairCoeff) {
      const w = c.trim().split(/\s+/);
      pairCoeff.push([w[0], w[1], tag, ...w.slice(2)].join(' '));
    }
    for (const line of x.extra) {
      const w = line.trim().split(/\s+/);
      if (w[0] !== 'pair_modify') throw new UserError(`overlay export: cannot place component ${i}'s input line "${line}" under hybrid/overlay`);
      extra.push(['pair_modify', 'pair', tag, ...w.slice(1)].join(' '));
    }
  });
  return { elements: els, files: subs.flatMap((x) => x.files), pairStyle: `hybrid/overlay ${subs.map((x) => x.pairStyle).join(' ')}`, pairCoeff, extra };
}
