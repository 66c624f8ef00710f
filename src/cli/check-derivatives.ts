/**
 * `pesfit check-derivatives`: compares a potential's analytic forces, stress and (with --params) parameter
 * derivatives with finite differences of its energy (analysis/check-derivatives.ts) on one structure, from a data
 * file or built from a lattice, and prints the worst relative error per quantity with PASS/FAIL at --tol.
 * A FAIL exits with code 1 (a UserError), so scripts and CI can rely on it.
 *
 * Default steps: those of checkDerivatives, except for tabulated models (eam-table, table), whose interpolants
 * are only C¹ across grid nodes: there a step straddling a node picks up the jump of the second derivative, so
 * the defaults shrink to 1e-5 Å, strain 1e-6 and relative parameter step 1e-6.
 */
import type { Command } from 'commander';
import { checkDerivatives, type CheckOptions, type DerivativeReport } from '../analysis/check-derivatives.ts';
import { UserError } from '../core/errors.ts';
import { createRng } from '../core/random.ts';
import { parseReadFormat, readConfigurations } from '../io/formats.ts';
import { bulk, rattle, supercell, type LatticeKind } from '../structure/builders.ts';
import type { Structure } from '../structure/types.ts';
import { checkCoverage, ELEMENTS_HELP, loadPotential, parseElements, POTENTIAL_HELP, STYLE_HELP, type PotentialOptions } from './eval.ts';
import { formatTable } from './table.ts';

const LATTICES: readonly LatticeKind[] = ['sc', 'bcc', 'fcc', 'hcp', 'diamond', 'rocksalt', 'zincblende'];

interface CheckCliOptions extends PotentialOptions {
  data?: string;
  from?: string;
  frame: string;
  structure?: string;
  a?: string;
  repeat: string;
  rattle: string;
  seed: string;
  params?: boolean;
  tol: string;
  h?: string;
  hStrain?: string;
  hParam?: string;
  json?: boolean;
}

function positiveNumber(v: string, opt: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new UserError(`${opt}: expected a positive number, got '${v}'`);
  return x;
}

function nonNegativeNumber(v: string, opt: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new UserError(`${opt}: expected a number ≥ 0, got '${v}'`);
  return x;
}

function integer(v: string, opt: string, min: number): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < min) throw new UserError(`${opt}: expected an integer ≥ ${min}, got '${v}'`);
  return x;
}

function buildStructure(o: CheckCliOptions, modelElements: readonly string[]): Structure {
  if (o.data !== undefined) {
    if (o.structure !== undefined) throw new UserError('give either --data or --structure, not both');
    const configs = readConfigurations(o.data, { format: o.from ? parseReadFormat(o.from) : undefined });
    const k = integer(o.frame, '--frame', 0);
    if (k >= configs.length) throw new UserError(`--frame ${k}: ${o.data} has ${configs.length} configurations`);
    return configs[k].structure;
  }
  if (o.structure === undefined) throw new UserError('give a structure: --data <file> or --structure <lattice> --a <Å>');
  if (!(LATTICES as readonly string[]).includes(o.structure))
    throw new UserError(`--structure: expected one of ${LATTICES.join(', ')}, got '${o.structure}'`);
  if (o.a === undefined) throw new UserError('--structure needs the lattice constant --a <Å>');
  const a = positiveNumber(o.a, '--a');
  const n = integer(o.repeat, '--repeat', 1);
  const kind = o.structure as LatticeKind;
  const two = kind === 'rocksalt' || kind === 'zincblende';
  const els = (parseElements(o.elements) ?? modelElements).slice(0, two ? 2 : 1);
  if (two && els.length < 2) throw new UserError(`--structure ${kind} needs two elements (--elements A,B)`);
  const s = supercell(bulk(kind, els, a), [n, n, n]);
  const amp = nonNegativeNumber(o.rattle, '--rattle');
  return amp > 0 ? rattle(s, amp, createRng(integer(o.seed, '--seed', 0))) : s;
}

export interface CheckOutcome {
  reports: DerivativeReport[];
  tol: number;
  pass: boolean;
}

function formatReports(out: CheckOutcome): string {
  return formatTable(
    ['quantity', 'max abs error', 'max rel error', 'worst entry', 'result'],
    out.reports.map((r) => [r.quantity, r.maxAbsError.toExponential(2), r.maxRelError.toExponential(2), r.worst, r.maxRelError <= out.tol ? 'PASS' : 'FAIL']),
  );
}

export function runCheckDerivatives(o: CheckCliOptions): CheckOutcome {
  const tol = positiveNumber(o.tol, '--tol');
  const { model } = loadPotential(o);
  const s = buildStructure(o, model.spec.elements);
  checkCoverage(model, [{ structure: s, labels: {}, group: '', weight: 1, source: { file: o.data ?? `--structure ${o.structure}`, frame: 0 }, info: {} }], o.potential);
  const tabulated = model.spec.kind === 'eam-table' || model.spec.kind === 'table';
  const opts: CheckOptions = {
    params: o.params === true,
    h: o.h !== undefined ? positiveNumber(o.h, '--h') : tabulated ? 1e-5 : undefined,
    hStrain: o.hStrain !== undefined ? positiveNumber(o.hStrain, '--h-strain') : tabulated ? 1e-6 : undefined,
    hParam: o.hParam !== undefined ? positiveNumber(o.hParam, '--h-param') : tabulated ? 1e-6 : undefined,
  };
  const reports = checkDerivatives(model, s, opts);
  const pass = reports.every((r) => r.maxRelError <= tol);
  const out: CheckOutcome = { reports, tol, pass };
  if (o.json) console.log(JSON.stringify({ potential: o.potential, kind: model.spec.kind, atoms: s.species.length, tol, pass, reports }, null, 2));
  else {
    console.log(`${o.potential} (${model.spec.kind}), ${s.species.length} atoms, tolerance ${tol} on the relative error`);
    console.log(formatReports(out));
    console.log(pass ? 'PASS' : 'FAIL');
  }
  if (!pass) {
    const bad = reports.filter((r) => !(r.maxRelError <= tol)).map((r) => `${r.quantity} ${r.maxRelError.toExponential(2)}`);
    throw new UserError(`derivative check failed (relative error above ${tol}): ${bad.join(', ')}`);
  }
  return out;
}

export function registerCheckDerivativesCommand(program: Command): void {
  program
    .command('check-derivatives')
    .description(
      'compare a potential\'s forces, stress and (with --params) parameter derivatives with Richardson-extrapolated ' +
        'finite differences of its energy; prints the worst relative error per quantity and exits 1 if one exceeds --tol',
    )
    .requiredOption('--potential <file>', POTENTIAL_HELP)
    .option('--style <style>', STYLE_HELP)
    .option('--elements <list>', ELEMENTS_HELP + '; also the element(s) of --structure (default: the model\'s first)')
    .option('--data <file>', 'take the structure from this data file')
    .option('--from <format>', 'data format if the file name does not tell (extxyz, mlearn, vasprun, outcar)')
    .option('--frame <index>', 'which configuration of --data (0-based)', '0')
    .option('--structure <lattice>', `build the structure instead: ${LATTICES.join(', ')} (conventional cubic cell)`)
    .option('--a <angstrom>', 'lattice constant for --structure (Å)')
    .option('--repeat <n>', 'supercell n×n×n of the --structure cell', '2')
    .option('--rattle <angstrom>', 'standard deviation of random displacements for --structure (Å)', '0.05')
    .option('--seed <n>', 'random seed of the rattle', '1')
    .option('--params', 'also check the parameter derivatives dEnergy, dForces, dVirial (4 evaluations per parameter)')
    .option('--tol <rel>', 'largest accepted relative error (max abs error / max |finite difference|)', '1e-6')
    .option('--h <angstrom>', 'position step (default 1e-3 Å; 1e-5 Å for tabulated models)')
    .option('--h-strain <strain>', 'strain step (default 1e-4; 1e-6 for tabulated models)')
    .option('--h-param <rel>', 'relative parameter step (default 1e-4; 1e-6 for tabulated models)')
    .option('--json', 'print the reports as JSON')
    .action((opts: CheckCliOptions) => {
      runCheckDerivatives(opts);
    });
}
