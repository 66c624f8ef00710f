/**
 * VASP output readers: vasprun.xml and OUTCAR. Every ionic step becomes one Configuration
 * (source.frame = 0-based ionic step, source.line = where the step starts), group "vasp" unless opts.group.
 *
 * Units and signs: positions Å (Cartesian), forces eV/Å, energies eV. VASP prints stress in kbar with the
 * compression-positive sign; labels.stress = -value / KBAR_PER_EV_A3 (ASE sign, tensile positive), internal
 * Voigt order. OUTCAR's "in kB" line is in VOIGT_VASP order (xx yy zz xy yz zx); vasprun gives a full 3x3.
 *
 * Energies (both files), what we take:
 *   labels.energy = labels.freeEnergy = the free energy TOTEN (e_fr_energy), the energy the forces and stress
 *     are derivatives of;
 *   labels.energyNoEntropy = "energy without entropy" (e_wo_entrp);
 *   info.energy_sigma0 = VASP's sigma→0 extrapolation (e_0_energy, "energy(sigma->0)"), not a label.
 * vasprun.xml: VASP 5.x writes e_wo_entrp and e_0_energy swapped in the step-level <energy> block (VASP forum
 * t=16942, fixed in VASP 6), while the last electronic <scstep>'s <energy> is right but lacks vdW corrections.
 * So, independent of the version: energyNoEntropy = e_fr_energy(step) + [e_wo_entrp - e_fr_energy](last scstep),
 * and likewise for e_0_energy (the correction ASE applies). Without an <scstep> energy neither is set.
 *
 * vasprun.xml is read with a small purpose-built XML tokenizer (elements, attributes, text, comments; the bulky
 * <eigenvalues>, <dos>, <projected> blocks are skipped unread). Errors name the file and line, and the ionic step.
 */
import { ParseError, UserError } from '../core/errors.ts';
import { atomicNumber } from '../core/elements.ts';
import { KBAR_PER_EV_A3 } from '../core/units.ts';
import { VOIGT_VASP, fullToVoigt, toInternal } from '../core/voigt.ts';
import type { Configuration, Labels } from '../structure/types.ts';
import { cartesian } from '../structure/cell.ts';
import { basename } from 'node:path';
import { readText } from './fs.ts';

export type VaspFormat = 'vasprun' | 'outcar';

export interface VaspOptions {
  /** Group of every configuration (default 'vasp'). */
  group?: string;
}

export const VASP_DEFAULT_GROUP = 'vasp';

/** Reads a vasprun.xml or OUTCAR; the format comes from the file name (vasprun*.xml, *OUTCAR*) or its content. */
export function readVasp(path: string, format?: VaspFormat, opts: VaspOptions = {}): Configuration[] {
  const text = readText(path);
  const fmt = format ?? detectVaspFormat(path, text);
  return fmt === 'vasprun' ? parseVasprun(text, path, opts) : parseOutcar(text, path, opts);
}

export function detectVaspFormat(path: string, text: string): VaspFormat {
  const name = basename(path);
  if (/^vasprun.*\.xml$/i.test(name)) return 'vasprun';
  if (/OUTCAR/i.test(name)) return 'outcar';
  const head = text.slice(0, 4096);
  if (head.includes('<modeling>')) return 'vasprun';
  if (/^\s*vasp\.\d/.test(head)) return 'outcar';
  throw new UserError(`${path}: cannot tell whether this is a vasprun.xml or an OUTCAR (name it vasprun*.xml or OUTCAR*)`);
}

// ---------------------------------------------------------------------------------------------------------
// Shared helpers

/** Parses whitespace-separated numbers, or throws naming the line; catches Fortran overflow fields (****). */
function numbers(s: string, n: number, file: string, line: number, what: string): number[] {
  const tok = s.trim().split(/\s+/).filter((t) => t.length > 0);
  const bad = tok.find((t) => !/^[-+]?(\d+\.?\d*|\.\d+)([eEdD][-+]?\d+)?$/.test(t));
  if (bad !== undefined) {
    const why = /\*/.test(bad) ? ' (a Fortran overflow field: the value did not fit its print format)' : '';
    throw new ParseError({ file, line }, `${what}: expected ${n} numbers, found '${bad}'${why}`);
  }
  if (tok.length !== n) throw new ParseError({ file, line }, `${what}: expected ${n} numbers, found ${tok.length}`);
  return tok.map((t) => Number(t.replace(/[dD]/, 'e')));
}

function stressFromKbar(voigtVasp: ArrayLike<number>): Float64Array {
  const s = toInternal(voigtVasp, VOIGT_VASP);
  for (let k = 0; k < 6; k++) s[k] = -s[k] / KBAR_PER_EV_A3;
  return s;
}

function symbolToZ(sym: string, file: string, line: number, what: string): number {
  const z = atomicNumber(sym);
  if (z === undefined || z === 0) throw new ParseError({ file, line }, `${what}: '${sym}' is not a known element symbol`);
  return z;
}

// ---------------------------------------------------------------------------------------------------------
// XML tokenizer (enough for vasprun.xml: no DTD, no namespaces)

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
  /** 1-based line of the opening tag. */
  line: number;
  /** False when the file ended before the closing tag (truncated run). */
  closed: boolean;
}

/** Elements whose content vasprun readers never need: skipped unparsed, as they are most of a large file. */
const SKIP = new Set(['eigenvalues', 'dos', 'projected', 'eigenvalues_kpoints_opt', 'projected_kpoints_opt', 'dielectricfunction', 'partial']);

function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) => {
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'amp') return '&';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

function parseXml(text: string, file: string): XmlNode {
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '', line: 1, closed: true };
  const stack: XmlNode[] = [root];
  let pos = 0;
  let line = 1;
  const advance = (to: number): void => {
    for (let k = pos; k < to; k++) if (text.charCodeAt(k) === 10) line++;
    pos = to;
  };
  const fail = (msg: string): never => {
    throw new ParseError({ file, line }, `invalid XML: ${msg}`);
  };
  while (pos < text.length) {
    const lt = text.indexOf('<', pos);
    const top = stack[stack.length - 1];
    if (lt < 0) {
      top.text += decodeEntities(text.slice(pos));
      advance(text.length);
      break;
    }
    if (lt > pos) {
      top.text += decodeEntities(text.slice(pos, lt));
      advance(lt);
    }
    if (text.startsWith('<!--', pos)) {
      const end = text.indexOf('-->', pos);
      advance(end < 0 ? text.length : end + 3);
      continue;
    }
    if (text.startsWith('<?', pos) || text.startsWith('<!', pos)) {
      const end = text.indexOf('>', pos);
      advance(end < 0 ? text.length : end + 1);
      continue;
    }
    const gt = text.indexOf('>', pos);
    if (gt < 0) {
      advance(text.length);
      break;
    }
    const tag = text.slice(pos + 1, gt);
    const tagLine = line;
    advance(gt + 1);
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (top.name !== name) fail(`</${name}> closes <${top.name}> opened at line ${top.line}`);
      stack.pop();
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const m = /^([A-Za-z_][\w.:-]*)/.exec(body);
    if (!m) fail(`malformed tag <${tag.slice(0, 40)}>`);
    const node: XmlNode = { name: m![1], attrs: {}, children: [], text: '', line: tagLine, closed: true };
    const attrRe = /([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
    for (let a = attrRe.exec(body); a !== null; a = attrRe.exec(body)) node.attrs[a[1]] = decodeEntities(a[2] ?? a[3]);
    top.children.push(node);
    if (selfClosing) continue;
    if (SKIP.has(node.name)) {
      const end = text.indexOf(`</${node.name}>`, pos);
      if (end < 0) {
        node.closed = false;
        advance(text.length);
        break;
      }
      advance(end + node.name.length + 3);
      continue;
    }
    stack.push(node);
  }
  for (let k = 1; k < stack.length; k++) stack[k].closed = false;
  return root;
}

function child(n: XmlNode, name: string, attrName?: string): XmlNode | undefined {
  return n.children.find((c) => c.name === name && (attrName === undefined || c.attrs.name === attrName));
}

function children(n: XmlNode, name: string, attrName?: string): XmlNode[] {
  return n.children.filter((c) => c.name === name && (attrName === undefined || c.attrs.name === attrName));
}

// ---------------------------------------------------------------------------------------------------------
// vasprun.xml

export function parseVasprun(text: string, file: string, opts: VaspOptions = {}): Configuration[] {
  const doc = parseXml(text, file);
  const modeling = child(doc, 'modeling');
  if (!modeling) throw new ParseError({ file, line: 1 }, 'expected a vasprun.xml with a <modeling> root element');
  const species = vasprunSpecies(modeling, file);
  const n = species.length;
  const steps = children(modeling, 'calculation');
  if (steps.length === 0) {
    throw new ParseError({ file, line: modeling.line }, 'no <calculation> (ionic step) found: the run wrote no results');
  }
  const group = opts.group ?? VASP_DEFAULT_GROUP;
  return steps.map((calc, k): Configuration => {
    const where = `ionic step ${k} (<calculation> at line ${calc.line})`;
    const missing = (what: string): never => {
      const hint = calc.closed ? '' : ': the file is truncated (the run stopped during this step)';
      throw new ParseError({ file, line: calc.line, frame: k }, `${where} has no ${what}${hint}`);
    };
    const vectors = (node: XmlNode | undefined, rows: number, what: string): Float64Array => {
      if (!node) return missing(what);
      const vs = children(node, 'v');
      if (vs.length !== rows) {
        const hint = node.closed ? '' : ' (the file is truncated)';
        throw new ParseError({ file, line: node.line, frame: k }, `${where}: ${what} has ${vs.length} rows, expected ${rows}${hint}`);
      }
      const out = new Float64Array(3 * rows);
      vs.forEach((v, i) => out.set(numbers(v.text, 3, file, v.line, `${where}: ${what} row ${i}`), 3 * i));
      return out;
    };
    const structure = child(calc, 'structure') ?? missing('<structure>');
    const crystal = child(structure, 'crystal') ?? missing('<structure><crystal>');
    const cell = vectors(child(crystal, 'varray', 'basis'), 3, '<varray name="basis">');
    const frac = vectors(child(structure, 'varray', 'positions'), n, '<varray name="positions">');
    const forces = vectors(child(calc, 'varray', 'forces'), n, '<varray name="forces">');
    const stressNode = child(calc, 'varray', 'stress');
    const energy = child(calc, 'energy') ?? missing('<energy> (step-level energies)');
    const value = (e: XmlNode, name: string): number | undefined => {
      const i = child(e, 'i', name);
      return i === undefined ? undefined : numbers(i.text, 1, file, i.line, `${where}: <i name="${name}">`)[0];
    };
    const eFree = value(energy, 'e_fr_energy') ?? missing('<i name="e_fr_energy"> in its <energy>');
    const labels: Labels = { energy: eFree, freeEnergy: eFree, forces };
    const info: Record<string, number> = {};
    const scEnergies = children(calc, 'scstep').map((s) => child(s, 'energy')).filter((e) => e !== undefined);
    const last = scEnergies[scEnergies.length - 1];
    if (last) {
      const fr = value(last, 'e_fr_energy'), wo = value(last, 'e_wo_entrp'), e0 = value(last, 'e_0_energy');
      if (fr !== undefined && wo !== undefined) labels.energyNoEntropy = eFree + (wo - fr);
      if (fr !== undefined && e0 !== undefined) info.energy_sigma0 = eFree + (e0 - fr);
    }
    if (stressNode) {
      const full = vectors(stressNode, 3, '<varray name="stress">');
      const s = fullToVoigt(full);
      for (let c = 0; c < 6; c++) s[c] = -s[c] / KBAR_PER_EV_A3;
      labels.stress = s;
    }
    return {
      structure: { species: species.slice(), positions: cartesian(frac, cell), cell, pbc: [true, true, true] },
      labels,
      group,
      weight: 1,
      source: { file, frame: k, line: calc.line },
      info,
    };
  });
}

function vasprunSpecies(modeling: XmlNode, file: string): Int32Array {
  const atominfo = child(modeling, 'atominfo');
  const array = atominfo && child(atominfo, 'array', 'atoms');
  const set = array && child(array, 'set');
  if (!atominfo || !array || !set) {
    throw new ParseError({ file, line: (atominfo ?? modeling).line }, 'expected <atominfo><array name="atoms"><set> listing the atoms');
  }
  const rows = children(set, 'rc');
  if (rows.length === 0) throw new ParseError({ file, line: set.line }, '<atominfo> lists no atoms');
  const declared = child(atominfo, 'atoms');
  if (declared && Number(declared.text.trim()) !== rows.length) {
    throw new ParseError({ file, line: declared.line }, `<atoms> says ${declared.text.trim()} atoms but the atom list has ${rows.length}`);
  }
  return Int32Array.from(rows, (rc) => {
    const c = child(rc, 'c');
    if (!c) throw new ParseError({ file, line: rc.line }, 'expected <rc><c>element</c>...');
    return symbolToZ(c.text.trim(), file, c.line, 'atominfo element');
  });
}

// ---------------------------------------------------------------------------------------------------------
// OUTCAR

interface OutcarStep {
  line: number;
  cell: Float64Array;
  positions: Float64Array;
  forces: Float64Array;
  stress?: Float64Array;
  free?: number;
  noEntropy?: number;
  sigma0?: number;
}

export function parseOutcar(text: string, file: string, opts: VaspOptions = {}): Configuration[] {
  const lines = text.split(/\r?\n/);
  const titel: string[] = [];
  const potcar: string[] = [];
  let counts: number[] | undefined;
  let countsLine = 0;
  let cell: Float64Array | undefined;
  let pendingStress: { values: Float64Array; line: number } | undefined;
  const steps: OutcarStep[] = [];
  let species: Int32Array | undefined;

  const speciesOrFail = (line: number): Int32Array => {
    if (species) return species;
    if (!counts) throw new ParseError({ file, line }, "no 'ions per type' line before the first ionic step");
    const names = titel.length > 0 ? titel : potcar.slice(0, Math.ceil(potcar.length / 2));
    if (names.length !== counts.length) {
      throw new ParseError({ file, line: countsLine }, `'ions per type' lists ${counts.length} types but the POTCAR TITEL lines name ${names.length} (${names.join(' ')})`);
    }
    const z: number[] = [];
    names.forEach((sym, t) => {
      for (let i = 0; i < counts![t]; i++) z.push(symbolToZ(sym, file, countsLine, 'POTCAR species'));
    });
    species = Int32Array.from(z);
    return species;
  };

  for (let i = 0; i < lines.length; i++) {
    const L = lines[i];
    const ln = i + 1;
    if (L.includes('TITEL  =')) {
      titel.push(potcarSymbol(L.split('=')[1] ?? '', file, ln));
    } else if (/^\s*POTCAR:/.test(L)) {
      potcar.push(potcarSymbol(L.replace(/^\s*POTCAR:/, ''), file, ln));
    } else if (L.includes('ions per type =')) {
      const rest = L.split('=')[1];
      counts = numbers(rest, rest.trim().split(/\s+/).length, file, ln, "'ions per type'");
      countsLine = ln;
    } else if (L.includes('direct lattice vectors')) {
      const c = new Float64Array(9);
      for (let r = 0; r < 3; r++) {
        const row = lines[i + 1 + r];
        if (row === undefined) throw new ParseError({ file, line: ln + 1 + r }, 'direct lattice vectors: file ends before 3 rows');
        c.set(numbers(row, 6, file, ln + 1 + r, `direct lattice vectors row ${r} (3 direct + 3 reciprocal components)`).slice(0, 3), 3 * r);
      }
      cell = c;
      i += 3;
    } else if (/^\s*in kB\s/.test(L)) {
      pendingStress = { values: stressFromKbar(numbers(L.replace(/^\s*in kB/, ''), 6, file, ln, "stress 'in kB' line (xx yy zz xy yz zx)")), line: ln };
    } else if (/^\s*POSITION\s+TOTAL-FORCE/.test(L)) {
      const k = steps.length;
      const sp = speciesOrFail(ln);
      if (!cell) throw new ParseError({ file, line: ln, frame: k }, "ionic step 0: no 'direct lattice vectors' before the first POSITION block");
      const n = sp.length;
      const positions = new Float64Array(3 * n);
      const forces = new Float64Array(3 * n);
      // Layout: header, dashes, n rows "x y z fx fy fz", dashes.
      for (let a = 0; a < n; a++) {
        const li = i + 2 + a;
        const row = lines[li];
        if (row === undefined || /^\s*-{10,}/.test(row) || row.trim() === '') {
          const atEnd = lines.slice(li).every((r) => r.trim() === '');
          throw new ParseError({ file, line: li + 1, frame: k }, `ionic step ${k}: POSITION TOTAL-FORCE block has ${a} atom lines, expected ${n} (ions per type)${atEnd ? ': the file is truncated' : ''}`);
        }
        const v = numbers(row, 6, file, li + 1, `ionic step ${k}, atom ${a}: position and force`);
        positions.set(v.slice(0, 3), 3 * a);
        forces.set(v.slice(3, 6), 3 * a);
      }
      const end = lines[i + 2 + n];
      if (end !== undefined && !/^\s*-{10,}/.test(end)) {
        throw new ParseError({ file, line: i + 3 + n, frame: k }, `ionic step ${k}: POSITION TOTAL-FORCE block has more than ${n} atom lines (ions per type), expected a dashed line`);
      }
      steps.push({ line: ln, cell: cell.slice(), positions, forces, stress: pendingStress?.values });
      pendingStress = undefined;
      i += 2 + n;
    } else if (L.includes('free  energy   TOTEN')) {
      const step = openStep(steps, file, ln, 'free energy TOTEN');
      step.free = numbers(L.split('=')[1]?.replace(/eV\s*$/, '') ?? '', 1, file, ln, 'free  energy   TOTEN')[0];
    } else if (L.includes('energy  without entropy')) {
      const step = openStep(steps, file, ln, 'energy without entropy');
      const m = /entropy\s*=(.*?)energy\(sigma->0\)\s*=(.*)$/.exec(L);
      if (!m) throw new ParseError({ file, line: ln }, "expected 'energy  without entropy= <E>  energy(sigma->0) = <E0>'");
      step.noEntropy = numbers(m[1], 1, file, ln, 'energy without entropy')[0];
      step.sigma0 = numbers(m[2], 1, file, ln, 'energy(sigma->0)')[0];
    }
  }
  if (steps.length === 0) {
    const hint = pendingStress ? `: a stress line at line ${pendingStress.line} but no forces, the file is truncated` : '';
    throw new ParseError({ file }, `no ionic step ('POSITION  TOTAL-FORCE (eV/Angst)' block) found${hint}`);
  }
  if (pendingStress) {
    throw new ParseError({ file, line: pendingStress.line, frame: steps.length }, `ionic step ${steps.length} has a stress line but no POSITION TOTAL-FORCE block: the file is truncated`);
  }
  const group = opts.group ?? VASP_DEFAULT_GROUP;
  return steps.map((s, k): Configuration => {
    if (s.free === undefined) {
      throw new ParseError({ file, line: s.line, frame: k }, `ionic step ${k} has forces but no 'free  energy   TOTEN' line after them: the file is truncated`);
    }
    const labels: Labels = { energy: s.free, freeEnergy: s.free, forces: s.forces };
    if (s.noEntropy !== undefined) labels.energyNoEntropy = s.noEntropy;
    if (s.stress) labels.stress = s.stress;
    return {
      structure: { species: species!.slice(), positions: s.positions, cell: s.cell, pbc: [true, true, true] },
      labels,
      group,
      weight: 1,
      source: { file, frame: k, line: s.line },
      info: s.sigma0 === undefined ? {} : { energy_sigma0: s.sigma0 },
    };
  });
}

/** The step an energy line belongs to: the last one, which must not have that energy yet. */
function openStep(steps: OutcarStep[], file: string, line: number, what: string): OutcarStep {
  const s = steps[steps.length - 1];
  if (!s) throw new ParseError({ file, line }, `'${what}' line before any POSITION TOTAL-FORCE block`);
  if ((what.startsWith('free') ? s.free : s.noEntropy) !== undefined) {
    throw new ParseError({ file, line, frame: steps.length - 1 }, `second '${what}' line for ionic step ${steps.length - 1}: expected a POSITION TOTAL-FORCE block first`);
  }
  return s;
}

/** Element of a POTCAR title such as "PAW_PBE Si 05Jan2001", "PAW_PBE Mo_pv 08Apr2002", "PAW_PBE H1.25 07Sep2000". */
function potcarSymbol(title: string, file: string, line: number): string {
  const parts = title.trim().split(/\s+/);
  const raw = parts.length >= 2 ? parts[1] : parts[0] ?? '';
  const sym = raw.split('_')[0].replace(/[^A-Za-z]/g, '');
  symbolToZ(sym, file, line, `POTCAR title '${title.trim()}'`);
  return sym;
}
