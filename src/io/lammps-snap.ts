/**
 * LAMMPS SNAP potential files ↔ SnapSpec (potentials/snap/spec.ts), with LAMMPS's ML-SNAP reading rules
 * (pair_snap.cpp read_files) and the `.snap` include files that set a SNAP model up (optionally overlaid with ZBL).
 *
 * .snapcoeff: comments run from '#' to the end of a line. The first line with words is `nelements ncoeff`; then,
 * for each element, a line `El radelem wj` (radius in Å, weight dimensionless) followed by exactly ncoeff lines
 * of one number each (β0, β1..βK, then the quadratic terms). Blank lines are allowed only before the counts line
 * (LAMMPS reads the blocks line by line). ncoeff must be 1 + K (+ K(K+1)/2 with quadraticflag 1), K the number of
 * bispectrum components of twojmax, times nelements³ with chemflag 1 (explicit multi-element SNAP).
 * .snapparam: one `keyword value` per line; rcutfac and twojmax are required; rfac0 (0.99363), rmin0 (0),
 * switchflag (1), bzeroflag (1), quadraticflag (0), chemflag (0), bnormflag (0), wselfallflag (0) are optional
 * with those defaults; chunksize and parallelthresh only tune LAMMPS's performance and are ignored;
 * switchinnerflag 1 with sinner/dinner is not supported (error). Any other keyword is an error, as in LAMMPS.
 * Flags are 0 or 1. Quotes around words are dropped, as LAMMPS's tokenizer does.
 *
 * readSnapFiles(coeffPath, paramPath, elements?) takes the blocks of `elements` in that order (LAMMPS's
 * pair_coeff element list), default all blocks in file order; with chemflag every element of the file must be
 * used (LAMMPS's rule). spec.cutoff = max over element pairs of rcutfac·(radelem_a + radelem_b).
 *
 * writeSnapCoeff / writeSnapParam write the layout of the shipped Zuo et al. files: a `# DATE: … UNITS: metal`
 * header line (LAMMPS checks UNITS), a comment, a blank line, then the counts line, per-element line and one
 * coefficient per line, numbers in the shortest form that reads back to the same double (−0 kept), so a round
 * trip is bit-exact. The parameter file lists every classic keyword explicitly (no reliance on defaults) and
 * chemflag / bnormflag / wselfallflag only when set, which older LAMMPS versions do not know.
 *
 * readSnapInclude(path) reads a `.snap` include (LAMMPS input lines): `variable name equal|index|string value`,
 * `${name}` / `$x` substitution, `&` continuation, `pair_style snap` or `pair_style hybrid/overlay zbl inner outer
 * snap`, and the matching pair_coeff lines (`* * [snap] coeff param El…`, `I J zbl Zi Zj`). Files named on
 * pair_coeff resolve against the include's directory first, then the working directory. It returns the SnapSpec,
 * or an overlay {zbl, snap} in pair_style order. NULL element mappings and other sub-styles are not supported.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { ParseError } from '../core/errors.ts';
import { atomicNumber } from '../core/elements.ts';
import type { ModelSpec } from '../potentials/registry.ts';
import type { OverlaySpec } from '../potentials/overlay.ts';
import { snapDescriptorCount, type SnapSpec } from '../potentials/snap/spec.ts';
import type { ZblSpec } from '../potentials/zbl.ts';
import { readText } from './fs.ts';

/** Words of a line after dropping its comment; quotes separate words like blanks (LAMMPS's tokenizer). */
function words(line: string): string[] {
  const hash = line.indexOf('#');
  const body = hash >= 0 ? line.slice(0, hash) : line;
  return body.split(/["'\s]+/).filter((w) => w.length > 0);
}

const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INT = /^[+-]?\d+$/;

function parseFloatWord(w: string, file: string, line: number, what: string): number {
  if (!FLOAT.test(w)) throw new ParseError({ file, line }, `expected ${what} (a number), got "${w}"`);
  return Number(w);
}

function parseIntWord(w: string, file: string, line: number, what: string): number {
  if (!INT.test(w)) throw new ParseError({ file, line }, `expected ${what} (an integer), got "${w}"`);
  return Number(w);
}

/** One element block of a .snapcoeff file. */
export interface SnapCoeffBlock {
  element: string;
  radelem: number;
  wj: number;
  coefficients: number[];
  /** 1-based line of the `El radelem wj` line. */
  line: number;
}

export interface SnapCoeffFile {
  nelements: number;
  ncoeff: number;
  /** 1-based line of the counts line. */
  countsLine: number;
  blocks: SnapCoeffBlock[];
}

/** Parses .snapcoeff text (see the file comment); `file` names it in errors. */
export function parseSnapCoeff(text: string, file: string): SnapCoeffFile {
  const lines = text.split(/\r?\n/);
  // the newline ending the last line does not start another line
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  let k = 0;
  while (k < lines.length && words(lines[k]).length === 0) k++;
  if (k === lines.length) throw new ParseError({ file, line: lines.length }, 'no "nelements ncoeff" line: the file has no data');
  const head = words(lines[k]);
  const countsLine = k + 1;
  if (head.length !== 2) throw new ParseError({ file, line: countsLine }, `expected "nelements ncoeff" (two integers), got "${lines[k].trim()}"`);
  const nelements = parseIntWord(head[0], file, countsLine, 'the number of elements');
  const ncoeff = parseIntWord(head[1], file, countsLine, 'the number of coefficients per element');
  if (nelements < 1 || ncoeff < 1) throw new ParseError({ file, line: countsLine }, `expected positive counts, got ${nelements} elements, ${ncoeff} coefficients`);
  k++;
  const blocks: SnapCoeffBlock[] = [];
  for (let e = 0; e < nelements; e++) {
    if (k >= lines.length) throw new ParseError({ file, line: lines.length }, `the file ends before element block ${e + 1} of ${nelements}`);
    const w = words(lines[k]);
    const line = k + 1;
    if (w.length !== 3) throw new ParseError({ file, line }, `expected the element line "El radelem wj" of block ${e + 1} of ${nelements}, got "${lines[k].trim()}"`);
    const element = w[0];
    if (blocks.some((b) => b.element === element)) throw new ParseError({ file, line }, `element ${element} has a second block`);
    const radelem = parseFloatWord(w[1], file, line, `the radius of ${element}`);
    const wj = parseFloatWord(w[2], file, line, `the weight of ${element}`);
    k++;
    const coefficients: number[] = [];
    for (let c = 0; c < ncoeff; c++, k++) {
      if (k >= lines.length) throw new ParseError({ file, line: lines.length }, `the file ends inside element ${element}'s block: expected ${ncoeff} coefficients, found ${c}`);
      const cw = words(lines[k]);
      if (cw.length !== 1) throw new ParseError({ file, line: k + 1 }, `expected one coefficient (number ${c + 1} of ${ncoeff} for ${element}), got "${lines[k].trim()}"`);
      coefficients.push(parseFloatWord(cw[0], file, k + 1, `coefficient ${c + 1} of ${element}`));
    }
    blocks.push({ element, radelem, wj, coefficients, line });
  }
  for (; k < lines.length; k++)
    if (words(lines[k]).length > 0) throw new ParseError({ file, line: k + 1 }, `unexpected data after the ${nelements} element block(s) (is nelements or ncoeff on line ${countsLine} too small?)`);
  return { nelements, ncoeff, countsLine, blocks };
}

/** The .snapparam settings of a SnapSpec. */
export type SnapParams = Pick<SnapSpec, 'twojmax' | 'rcutfac' | 'rfac0' | 'rmin0' | 'switchflag' | 'bzeroflag' | 'quadratic' | 'wselfallflag' | 'chemflag' | 'bnormflag'>;

const FLAG_KEYS = { switchflag: 'switchflag', bzeroflag: 'bzeroflag', quadraticflag: 'quadratic', chemflag: 'chemflag', bnormflag: 'bnormflag', wselfallflag: 'wselfallflag' } as const;
const IGNORED_KEYS = ['chunksize', 'parallelthresh'];

/** Parses .snapparam text (see the file comment). */
export function parseSnapParam(text: string, file: string): SnapParams {
  const p: SnapParams = {
    twojmax: NaN, rcutfac: NaN, rfac0: 0.99363, rmin0: 0, switchflag: true, bzeroflag: true, quadratic: false, wselfallflag: false, chemflag: false, bnormflag: false,
  };
  const lines = text.split(/\r?\n/);
  const seen = new Map<string, number>();
  lines.forEach((raw, idx) => {
    const w = words(raw);
    if (w.length === 0) return;
    const line = idx + 1;
    const key = w[0];
    if (key === 'sinner' || key === 'dinner')
      throw new ParseError({ file, line }, `${key} (the inner switching of switchinnerflag) is not supported by pesfit`);
    if (w.length !== 2) throw new ParseError({ file, line }, `expected "keyword value", got "${raw.trim()}"`);
    const val = w[1];
    if (seen.has(key)) throw new ParseError({ file, line }, `keyword ${key} repeats line ${seen.get(key)}`);
    seen.set(key, line);
    if (key === 'rcutfac' || key === 'rfac0' || key === 'rmin0') {
      p[key] = parseFloatWord(val, file, line, key);
    } else if (key === 'twojmax') {
      p.twojmax = parseIntWord(val, file, line, key);
      if (p.twojmax < 0) throw new ParseError({ file, line }, `twojmax must be ≥ 0, got ${p.twojmax}`);
    } else if (key in FLAG_KEYS) {
      const v = parseIntWord(val, file, line, `${key} (0 or 1)`);
      if (v !== 0 && v !== 1) throw new ParseError({ file, line }, `${key} must be 0 or 1, got ${v}`);
      p[FLAG_KEYS[key as keyof typeof FLAG_KEYS]] = v === 1;
    } else if (key === 'switchinnerflag') {
      const v = parseIntWord(val, file, line, 'switchinnerflag (0 or 1)');
      if (v !== 0) throw new ParseError({ file, line }, 'switchinnerflag 1 (inner switching with sinner/dinner) is not supported by pesfit');
    } else if (IGNORED_KEYS.includes(key)) {
      parseIntWord(val, file, line, key);
    } else {
      throw new ParseError({ file, line }, `unknown SNAP parameter "${key}" (expected rcutfac, twojmax, rfac0, rmin0, ${Object.keys(FLAG_KEYS).join(', ')}, switchinnerflag, ${IGNORED_KEYS.join(', ')})`);
    }
  });
  for (const req of ['rcutfac', 'twojmax'] as const)
    if (!seen.has(req)) throw new ParseError({ file }, `the required keyword ${req} is missing`);
  if (!(p.rcutfac > 0)) throw new ParseError({ file, line: seen.get('rcutfac') }, `rcutfac must be positive, got ${p.rcutfac}`);
  return p;
}

/** Coefficients per element that LAMMPS expects for these settings with `nFileElements` element blocks. */
export function snapCoefficientCount(p: Pick<SnapParams, 'twojmax' | 'quadratic' | 'chemflag'>, nFileElements: number): number {
  const k = snapDescriptorCount(p.twojmax) * (p.chemflag ? nFileElements ** 3 : 1);
  return 1 + k + (p.quadratic ? (k * (k + 1)) / 2 : 0);
}

/** A SnapSpec from parsed files; `elements` selects and orders the blocks (default: file order). */
export function snapSpecFromFiles(coeff: SnapCoeffFile, params: SnapParams, coeffFile: string, paramFile: string, elements?: readonly string[]): SnapSpec {
  const expected = snapCoefficientCount(params, coeff.nelements);
  if (coeff.ncoeff !== expected) {
    throw new ParseError({ file: coeffFile, line: coeff.countsLine },
      `${coeff.ncoeff} coefficients per element do not match ${paramFile} (twojmax ${params.twojmax}, quadraticflag ${params.quadratic ? 1 : 0}, chemflag ${params.chemflag ? 1 : 0}: expected ${expected})`);
  }
  const names = elements ? [...elements] : coeff.blocks.map((b) => b.element);
  const blocks = names.map((el) => {
    const b = coeff.blocks.find((x) => x.element === el);
    if (!b) throw new ParseError({ file: coeffFile, line: coeff.countsLine }, `element ${el} not found (the file has ${coeff.blocks.map((x) => x.element).join(', ')})`);
    if (atomicNumber(el) === undefined) throw new ParseError({ file: coeffFile, line: b.line }, `"${el}" is not a chemical element symbol`);
    return b;
  });
  if (new Set(names).size !== names.length) throw new ParseError({ file: coeffFile }, `elements ${names.join(', ')} repeat an element`);
  if (params.chemflag && names.length !== coeff.nelements)
    throw new ParseError({ file: paramFile }, `with chemflag 1 every element of ${coeffFile} (${coeff.blocks.map((x) => x.element).join(', ')}) must be used, got ${names.join(', ')}`);
  const radelem = blocks.map((b) => b.radelem);
  return {
    kind: 'snap',
    elements: names,
    cutoff: params.rcutfac * 2 * Math.max(...radelem),
    ...params,
    radelem,
    wj: blocks.map((b) => b.wj),
    coefficients: blocks.map((b) => b.coefficients.slice()),
  };
}

/** Reads a .snapcoeff + .snapparam pair into a SnapSpec (see the file comment). */
export function readSnapFiles(coeffPath: string, paramPath: string, elements?: readonly string[]): SnapSpec {
  const coeff = parseSnapCoeff(readText(coeffPath), coeffPath);
  const params = parseSnapParam(readText(paramPath), paramPath);
  return snapSpecFromFiles(coeff, params, coeffPath, paramPath, elements);
}

// ---------------------------------------------------------------- writing

/** Shortest decimal that reads back to the same double, keeping the sign of −0. */
export function formatExact(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`internal error: cannot write non-finite number ${x} to a SNAP file`);
  return Object.is(x, -0) ? '-0' : String(x);
}

export interface SnapWriteOptions {
  /** DATE of the header line (default today, YYYY-MM-DD). */
  date?: string;
  /** Comment lines after the header (without '#'). */
  comments?: string[];
}

function header(opts: SnapWriteOptions, what: string): string[] {
  const date = opts.date ?? new Date().toISOString().slice(0, 10);
  const extra = opts.comments ?? [what];
  return [`# DATE: ${date} UNITS: metal CONTRIBUTOR: pesfit`, ...extra.map((c) => `# ${c}`), ''];
}

/** .snapcoeff text of a spec (see the file comment). */
export function writeSnapCoeff(spec: SnapSpec, opts: SnapWriteOptions = {}): string {
  const n = spec.elements.length;
  const ncoeff = snapCoefficientCount(spec, n);
  const out = header(opts, `SNAP coefficients written by pesfit (${spec.elements.join(' ')}; twojmax ${spec.twojmax}${spec.quadratic ? ', quadratic' : ''})`);
  out.push(`${n} ${ncoeff}`);
  spec.elements.forEach((el, e) => {
    const c = spec.coefficients[e];
    if (!c || c.length !== ncoeff) throw new Error(`internal error: element ${el} has ${c?.length ?? 0} SNAP coefficients, expected ${ncoeff}`);
    out.push(`${el} ${formatExact(spec.radelem[e])} ${formatExact(spec.wj[e])}`);
    for (const x of c) out.push(formatExact(x));
  });
  return out.join('\n') + '\n';
}

/** .snapparam text of a spec (see the file comment). */
export function writeSnapParam(spec: SnapSpec, opts: SnapWriteOptions = {}): string {
  const f = (b: boolean) => (b ? '1' : '0');
  const out = header(opts, `SNAP parameters written by pesfit (${spec.elements.join(' ')})`);
  out.push(
    `rcutfac ${formatExact(spec.rcutfac)}`,
    `twojmax ${spec.twojmax}`,
    `rfac0 ${formatExact(spec.rfac0)}`,
    `rmin0 ${formatExact(spec.rmin0)}`,
    `switchflag ${f(spec.switchflag)}`,
    `bzeroflag ${f(spec.bzeroflag)}`,
    `quadraticflag ${f(spec.quadratic)}`,
  );
  if (spec.chemflag) out.push('chemflag 1');
  if (spec.bnormflag) out.push('bnormflag 1');
  if (spec.wselfallflag) out.push('wselfallflag 1');
  return out.join('\n') + '\n';
}

// ---------------------------------------------------------------- .snap include files

interface Command {
  words: string[];
  line: number;
}

/** LAMMPS input commands of a text: comments dropped, `&` continuations joined, variables substituted. */
function inputCommands(text: string, file: string): Command[] {
  const vars = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  const cmds: Command[] = [];
  for (let k = 0; k < lines.length; k++) {
    const line = k + 1;
    let body = lines[k].replace(/#.*/, '').trimEnd();
    while (body.endsWith('&') && k + 1 < lines.length) body = body.slice(0, -1) + ' ' + lines[++k].replace(/#.*/, '').trimEnd();
    body = body.replace(/\$\{([^}]*)\}|\$([A-Za-z0-9_])/g, (_m, long: string | undefined, short: string | undefined) => {
      const name = long ?? short!;
      const v = vars.get(name);
      if (v === undefined) throw new ParseError({ file, line }, `variable ${name} is used before it is defined`);
      return v;
    });
    const w = body.split(/["'\s]+/).filter((x) => x.length > 0);
    if (w.length === 0) continue;
    if (w[0] === 'variable') {
      if (w.length < 4) throw new ParseError({ file, line }, `expected "variable name style value", got "${body.trim()}"`);
      const [, name, style, value] = w;
      if (style !== 'equal' && style !== 'index' && style !== 'string')
        throw new ParseError({ file, line }, `variable style ${style} is not supported here (expected equal, index or string)`);
      if (style === 'equal' && !FLOAT.test(value)) throw new ParseError({ file, line }, `equal-style variable ${name} = "${value}": only plain numbers are supported`);
      // LAMMPS keeps the first definition of an index variable (command-line -var wins); equal redefines
      if (style === 'index' && vars.has(name)) continue;
      vars.set(name, value);
      continue;
    }
    cmds.push({ words: w, line });
  }
  return cmds;
}

function resolveFile(name: string, baseDir: string): string {
  if (isAbsolute(name)) return name;
  const near = join(baseDir, name);
  return existsSync(near) ? near : name;
}

/** Types a pair_coeff type range names (1-based in, 0-based out): "*", "n", "n*", "*n", "m*n". */
function typeRange(w: string, ntypes: number, file: string, line: number): number[] {
  const m = /^(\d*)\*(\d*)$/.exec(w);
  let lo: number, hi: number;
  if (m) {
    lo = m[1] ? Number(m[1]) : 1;
    hi = m[2] ? Number(m[2]) : ntypes;
  } else if (/^\d+$/.test(w)) {
    lo = hi = Number(w);
  } else throw new ParseError({ file, line }, `expected an atom type or range, got "${w}"`);
  if (lo < 1 || hi > ntypes || lo > hi) throw new ParseError({ file, line }, `type range ${w} is outside 1..${ntypes}`);
  return Array.from({ length: hi - lo + 1 }, (_, k) => lo - 1 + k);
}

/** Reads a `.snap` include file into the model it sets up (see the file comment). */
export function readSnapInclude(path: string): ModelSpec {
  const file = path;
  const cmds = inputCommands(readText(path), file);
  const base = dirname(path);
  const styleCmd = cmds.filter((c) => c.words[0] === 'pair_style');
  if (styleCmd.length !== 1) throw new ParseError({ file, line: styleCmd[1]?.line }, `expected one pair_style command, found ${styleCmd.length}`);
  for (const c of cmds)
    if (c.words[0] !== 'pair_style' && c.words[0] !== 'pair_coeff')
      throw new ParseError({ file, line: c.line }, `command ${c.words[0]} is not supported in a SNAP include (expected variable, pair_style, pair_coeff)`);
  const sw = styleCmd[0].words, sline = styleCmd[0].line;
  const hybrid = sw[1] === 'hybrid/overlay';
  const subStyles: { name: string; args: string[] }[] = [];
  if (hybrid) {
    for (let k = 2; k < sw.length;) {
      const name = sw[k];
      if (name === 'zbl') {
        subStyles.push({ name, args: sw.slice(k + 1, k + 3) });
        k += 3;
      } else if (name === 'snap') {
        subStyles.push({ name, args: [] });
        k += 1;
      } else throw new ParseError({ file, line: sline }, `sub-style ${name} of hybrid/overlay is not supported (expected zbl and snap)`);
    }
  } else if (sw[1] === 'snap' || sw[1] === 'zbl') {
    subStyles.push({ name: sw[1], args: sw.slice(2) });
  } else throw new ParseError({ file, line: sline }, `pair_style ${sw[1] ?? '(none)'} is not a SNAP setup (expected snap or hybrid/overlay zbl … snap)`);
  if (new Set(subStyles.map((s) => s.name)).size !== subStyles.length) throw new ParseError({ file, line: sline }, 'a sub-style appears twice');
  const snapStyle = subStyles.find((s) => s.name === 'snap');
  if (!snapStyle) throw new ParseError({ file, line: sline }, 'no snap style in pair_style');
  if (snapStyle.args.length > 0) throw new ParseError({ file, line: sline }, `pair_style snap takes no arguments, got ${snapStyle.args.join(' ')}`);

  // pair_coeff: the snap line maps types to elements; zbl lines give charges per type
  const coeffs = cmds.filter((c) => c.words[0] === 'pair_coeff').map((c) => {
    const w = c.words.slice(1);
    if (w.length < 3) throw new ParseError({ file, line: c.line }, 'expected "pair_coeff I J [style] args"');
    let style: string;
    let args: string[];
    if (hybrid) {
      style = w[2];
      args = w.slice(3);
      if (!subStyles.some((s) => s.name === style)) throw new ParseError({ file, line: c.line }, `pair_coeff names style ${style}, which pair_style does not list`);
    } else {
      style = subStyles[0].name;
      args = w.slice(2);
    }
    return { I: w[0], J: w[1], style, args, line: c.line };
  });
  const snapCoeffs = coeffs.filter((c) => c.style === 'snap');
  if (snapCoeffs.length !== 1) throw new ParseError({ file, line: snapCoeffs[1]?.line }, `expected one pair_coeff line for snap, found ${snapCoeffs.length}`);
  const sc = snapCoeffs[0];
  if (sc.I !== '*' || sc.J !== '*' || sc.args.length < 3)
    throw new ParseError({ file, line: sc.line }, 'expected "pair_coeff * * [snap] file.snapcoeff file.snapparam El…"');
  const elements = sc.args.slice(2);
  if (elements.includes('NULL')) throw new ParseError({ file, line: sc.line }, 'NULL type mappings are not supported');
  const coeffPath = resolveFile(sc.args[0], base), paramPath = resolveFile(sc.args[1], base);
  const ntypes = elements.length;
  // LAMMPS's snap element list may repeat a symbol for several types; pesfit's models map atoms by element
  if (new Set(elements).size !== ntypes) throw new ParseError({ file, line: sc.line }, `types map to repeated elements (${elements.join(' ')}): not supported`);
  const snap = readSnapFiles(coeffPath, paramPath, elements);

  const zblStyle = subStyles.find((s) => s.name === 'zbl');
  if (!zblStyle) return snap;
  if (zblStyle.args.length !== 2) throw new ParseError({ file, line: sline }, `pair_style zbl takes "inner outer", got "${zblStyle.args.join(' ')}"`);
  const inner = parseFloatWord(zblStyle.args[0], file, sline, 'the zbl inner distance');
  const outer = parseFloatWord(zblStyle.args[1], file, sline, 'the zbl outer distance');
  if (!(inner > 0 && inner <= outer)) throw new ParseError({ file, line: sline }, `zbl needs 0 < inner ≤ outer, got ${inner} ${outer}`);
  const z: (number | undefined)[] = new Array(ntypes).fill(undefined);
  const mixed: { a: number; b: number; za: number; zb: number; line: number }[] = [];
  for (const c of coeffs.filter((x) => x.style === 'zbl')) {
    if (c.args.length !== 2) throw new ParseError({ file, line: c.line }, `expected "pair_coeff I J zbl Zi Zj", got ${c.args.length} values`);
    const zi = parseFloatWord(c.args[0], file, c.line, 'Z_i'), zj = parseFloatWord(c.args[1], file, c.line, 'Z_j');
    for (const a of typeRange(c.I, ntypes, file, c.line))
      for (const b of typeRange(c.J, ntypes, file, c.line)) {
        if (b < a) continue;
        if (a === b) {
          if (zi !== zj) throw new ParseError({ file, line: c.line }, `type ${a + 1} with itself needs Zi = Zj, got ${zi} and ${zj}`);
          z[a] = zi;
        } else mixed.push({ a, b, za: zi, zb: zj, line: c.line });
      }
  }
  z.forEach((v, t) => {
    if (v === undefined) throw new ParseError({ file }, `no "pair_coeff ${t + 1} ${t + 1} zbl Z Z" line for type ${t + 1} (${elements[t]})`);
  });
  for (const m of mixed)
    if (m.za !== z[m.a] || m.zb !== z[m.b])
      throw new ParseError({ file, line: m.line }, `mixed zbl charges ${m.za} ${m.zb} for types ${m.a + 1} ${m.b + 1} differ from the per-type charges ${z[m.a]} ${z[m.b]}: not supported`);
  const zbl: ZblSpec = { kind: 'zbl', elements: [...elements], cutoff: outer, inner, outer, z: z as number[] };
  const components = subStyles.map((s) => (s.name === 'zbl' ? zbl : snap)) as ModelSpec[];
  const overlay: OverlaySpec = { kind: 'overlay', elements: [...elements], cutoff: Math.max(outer, snap.cutoff), components };
  return overlay as ModelSpec;
}
