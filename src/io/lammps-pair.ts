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
 */
import { UserError } from '../core/errors.ts';
import { pairCurve, type PairSpec } from '../potentials/pair.ts';
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
