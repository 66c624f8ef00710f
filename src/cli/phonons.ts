/**
 * `pesfit phonons`: harmonic phonons of a cubic crystal from finite-difference force constants (phonons/), e.g.
 *   pesfit phonons --potential Cu_u3.eam --structure fcc --a 3.615 --supercell 4 --path --dos
 *
 * The primitive cell of --structure (fcc or bcc; builders.ts primitive vectors) is repeated --supercell times along
 * each primitive vector; frequencies in THz. Always printed: the frequencies at the special points of the lattice
 * (fcc Γ X W K L, bcc Γ H N P) and the raw acoustic-sum-rule residual. --path adds the dispersion along the default
 * path (fcc Γ-X-W-K-Γ-L, bcc Γ-H-N-Γ-P) with --points points per segment; --dos the density of states on a
 * --mesh³ Γ-centred q-mesh with Gaussian broadening --sigma (THz), states per THz per primitive cell (∫ = 3n).
 * --json prints everything as one JSON object.
 */
import type { Command } from 'commander';
import { UserError } from '../core/errors.ts';
import { frequencies } from '../phonons/dynamical.ts';
import { phononDos } from '../phonons/dos.ts';
import { forceConstants } from '../phonons/force-constants.ts';
import { bandPath, SPECIAL_POINTS, specialPoint, type CubicLattice } from '../phonons/paths.ts';
import { bulk } from '../structure/builders.ts';
import { ELEMENTS_HELP, loadPotential, POTENTIAL_HELP, STYLE_HELP, type PotentialOptions } from './eval.ts';
import { crystalElement, positiveInt, positiveNumber } from './md.ts';
import { formatTable } from './table.ts';

interface PhononOptions extends PotentialOptions {
  structure: string;
  a: string;
  supercell: string;
  h: string;
  path?: boolean;
  points: string;
  dos?: boolean;
  mesh: string;
  sigma: string;
  json?: boolean;
}

const f4 = (x: number): string => x.toFixed(4);

export function runPhonons(o: PhononOptions): void {
  if (o.structure !== 'fcc' && o.structure !== 'bcc') throw new UserError(`--structure: phonon paths are defined for fcc and bcc, got '${o.structure}'`);
  const lattice: CubicLattice = o.structure;
  const a = positiveNumber(o.a, '--a');
  const n = positiveInt(o.supercell, '--supercell');
  const pot = loadPotential(o);
  const el = crystalElement(o.elements?.split(',').map((e) => e.trim()), pot.model.spec.elements);
  const prim = bulk(lattice, [el], a, { cubic: false });
  const fc = forceConstants(pot.model, prim, [n, n, n], { h: positiveNumber(o.h, '--h') });
  const special = Object.keys(SPECIAL_POINTS[lattice]).map((name) => ({ name, f: Array.from(frequencies(fc, specialPoint(lattice, name, a))) }));
  const out: Record<string, unknown> = {
    lattice, a, element: el, supercell: n, supercell_atoms: fc.M, sum_rule_residual_eV_per_A2: fc.sumRuleError,
    special_points_THz: Object.fromEntries(special.map((s) => [s.name, s.f])),
  };
  let pathRows: (string | number)[][] | undefined;
  if (o.path) {
    const p = bandPath(lattice, a, positiveInt(o.points, '--points'));
    const bands: number[][] = [];
    for (let k = 0; k < p.q.length / 3; k++) bands.push(Array.from(frequencies(fc, p.q.subarray(3 * k, 3 * k + 3))));
    out.path = { labels: p.labels, distance: Array.from(p.distance), frequencies_THz: bands };
    const label = new Map(p.labels.map((l) => [l.index, l.label]));
    pathRows = bands.map((f, k) => [label.get(k) ?? '', p.distance[k].toFixed(4), ...f.map(f4)]);
  }
  let dosRows: (string | number)[][] | undefined;
  if (o.dos) {
    const m = positiveInt(o.mesh, '--mesh');
    const d = phononDos(fc, { mesh: [m, m, m], sigma: positiveNumber(o.sigma, '--sigma') });
    out.dos = { frequency_THz: Array.from(d.f), states_per_THz: Array.from(d.g), mesh: [m, m, m] };
    dosRows = [];
    for (let k = 0; k < d.f.length; k += 10) dosRows.push([d.f[k].toFixed(3), d.g[k].toFixed(5)]);
  }
  if (o.json) {
    console.log(JSON.stringify(out, null, 2));
    return;
  }
  const modes = 3 * prim.species.length;
  const head = ['point', ...Array.from({ length: modes }, (_, k) => `ν${k + 1} (THz)`)];
  console.log(`phonons of ${lattice} ${el}, a = ${a} Å, ${n}x${n}x${n} primitive supercell (${fc.M} atoms); acoustic sum-rule residual ${fc.sumRuleError.toExponential(2)} eV/Å² (removed)`);
  console.log(formatTable(head, special.map((s) => [s.name === 'G' ? 'Γ' : s.name, ...s.f.map(f4)])));
  if (pathRows) console.log('\ndispersion (distance in Å⁻¹)\n' + formatTable(['point', 'distance', ...head.slice(1)], pathRows));
  if (dosRows) console.log('\ndensity of states (every 10th grid point)\n' + formatTable(['f (THz)', 'g (1/THz)'], dosRows));
}

export function registerPhononsCommand(program: Command): void {
  program
    .command('phonons')
    .description('phonon frequencies (THz) from finite-difference force constants: special points, dispersion along a path, density of states')
    .requiredOption('--potential <file>', POTENTIAL_HELP)
    .option('--style <style>', STYLE_HELP)
    .option('--elements <list>', ELEMENTS_HELP)
    .requiredOption('--structure <lattice>', 'fcc or bcc')
    .requiredOption('--a <Å>', 'conventional lattice constant (Å)')
    .option('--supercell <n>', 'repetitions of the primitive cell along each vector', '4')
    .option('--h <Å>', 'finite-difference displacement (Å)', '0.01')
    .option('--path', 'dispersion along the default high-symmetry path')
    .option('--points <n>', 'q-points per path segment', '20')
    .option('--dos', 'density of states')
    .option('--mesh <n>', 'q-mesh n×n×n for the DOS', '12')
    .option('--sigma <THz>', 'Gaussian broadening of the DOS (THz)', '0.1')
    .option('--json', 'print JSON')
    .action((opts: PhononOptions) => runPhonons(opts));
}
