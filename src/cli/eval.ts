/**
 * `pesfit eval`: evaluates a potential (a LAMMPS potential file or a model.json) on every frame of a data file and
 * writes the predictions as extxyz; prints MAE/RMSE against the file's labels, overall and per group.
 *
 * Output extxyz (io/extxyz.ts writer): the predictions under the plain keys `energy` (eV, energy offsets of a
 * model.json included), `forces` (eV/Å), `stress` (9 numbers, eV/Å³, ASE sign; 3D periodic frames only) and
 * `energies` (per-atom, eV, without offsets); the input's reference labels, when it has them, under
 * `REF_energy`, `REF_forces`, `REF_stress`, `REF_energies` (and `REF_free_energy`). pesfit's extxyz reader takes
 * REF_* first, so reading the output back gives the reference labels, and `{energyKey: 'energy', forcesKey:
 * 'forces', stressKey: 'stress', atomEnergiesKey: 'energies'}` gives the predictions. A reference stress mask
 * is kept as `stress_mask`; the other comment keys of the input are copied. `pesfit_potential` names the model.
 *
 * Also exports loadPotential, shared with `pesfit check-derivatives`.
 */
import type { Command } from 'commander';
import { computeMetrics, metricsByGroup, type Metrics, type PredictedLabels } from '../analysis/metrics.ts';
import { UserError } from '../core/errors.ts';
import { symbolOf } from '../core/elements.ts';
import { voigtToFull } from '../core/voigt.ts';
import { writeExtxyz, type ExtxyzAtomColumn } from '../io/extxyz.ts';
import { parseReadFormat, readConfigurations } from '../io/formats.ts';
import { readLammpsPotential, styleFromFileName, FILE_STYLES } from '../io/lammps-potential.ts';
import { readModelJson } from '../io/model-json.ts';
import { offsetEnergy } from '../fit/predict.ts';
import { evaluateStructure } from '../potentials/evaluate.ts';
import { compileModel, type ModelSpec } from '../potentials/registry.ts';
import type { CompiledModel } from '../potentials/types.ts';
import type { Configuration, InfoValue } from '../structure/types.ts';
import { fmt, formatTable } from './table.ts';

export interface PotentialOptions {
  potential: string;
  style?: string;
  elements?: string;
}

export interface LoadedPotential {
  model: CompiledModel<ModelSpec>;
  energyOffsets: Record<string, number>;
}

export const POTENTIAL_HELP =
  'LAMMPS potential file (several funcfl files for style eam: comma-separated) or a pesfit model.json';
export const STYLE_HELP =
  `pair style of a LAMMPS file: ${FILE_STYLES.join(', ')} (table with its arguments, e.g. "table spline 1000"); ` +
  'default from the file name (.eam, .eam.alloy, .eam.fs, .tersoff, .sw)';
export const ELEMENTS_HELP = 'elements the potential is used for, comma-separated (pair_coeff order; required for table)';

export function parseElements(list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const els = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  if (els.length === 0) throw new UserError(`--elements: expected element symbols separated by commas, got '${list}'`);
  return els;
}

/** Loads a model.json or a LAMMPS potential file (style from --style or the file name). */
export function loadPotential(o: PotentialOptions): LoadedPotential {
  const elements = parseElements(o.elements);
  if (o.potential.toLowerCase().endsWith('.json')) {
    if (o.style !== undefined) throw new UserError(`--style applies to LAMMPS files; ${o.potential} is a model.json, which names its kind`);
    const f = readModelJson(o.potential);
    for (const e of elements ?? [])
      if (!f.model.spec.elements.includes(e))
        throw new UserError(`${o.potential}: element ${e} is not in the potential (it has ${f.model.spec.elements.join(', ')})`);
    return { model: f.model, energyOffsets: f.energyOffsets };
  }
  const paths = o.potential.split(',');
  const style = o.style ?? styleFromFileName(paths[0]);
  if (style === undefined)
    throw new UserError(`${o.potential}: cannot tell the pair style from the file name; give --style (${FILE_STYLES.join(', ')})`);
  return { model: compileModel(readLammpsPotential(paths, style, elements)), energyOffsets: {} };
}

/** A UserError naming the first frame whose atoms the model does not cover. */
export function checkCoverage(model: CompiledModel, configs: readonly Configuration[], potential: string): void {
  const have = new Set(model.spec.elements);
  for (const c of configs)
    for (const z of c.structure.species) {
      const sym = symbolOf(z);
      if (!have.has(sym))
        throw new UserError(`${c.source.file} frame ${c.source.frame}: element ${sym} is not in the potential ${potential} (it has ${model.spec.elements.join(', ')})`);
    }
}

interface Prediction {
  energy: number;
  forces: Float64Array;
  stress?: Float64Array;
  atomEnergies: Float64Array;
}

function predict(p: LoadedPotential, c: Configuration): Prediction {
  const r = evaluateStructure(p.model, c.structure, { forces: true, virial: true, atomEnergies: true });
  if (!r.forces || !r.atomEnergies) throw new Error('internal error: the model returned no forces or per-atom energies');
  return { energy: r.energy + offsetEnergy(c, p.energyOffsets), forces: r.forces, stress: r.stress, atomEnergies: r.atomEnergies };
}

/** Info keys of the input that would clash with the labels written (or describe the old ones). */
const DROPPED_INFO = /^(REF_.*|energy|free_energy|stress|virial|energy_no_entropy)$/;

/** The output configuration: predictions as labels, the reference labels under REF_ keys (info and columns). */
function outputFrame(c: Configuration, p: Prediction, potential: string): { config: Configuration; columns: ExtxyzAtomColumn[] } {
  const info: Record<string, InfoValue> = {};
  for (const [k, v] of Object.entries(c.info)) if (!DROPPED_INFO.test(k)) info[k] = v;
  const L = c.labels;
  if (L.energy !== undefined) info.REF_energy = L.energy;
  if (L.freeEnergy !== undefined) info.REF_free_energy = L.freeEnergy;
  if (L.stress) info.REF_stress = Array.from(voigtToFull(L.stress));
  info.pesfit_potential = potential;
  const columns: ExtxyzAtomColumn[] = [];
  if (L.forces) columns.push({ name: 'REF_forces', width: 3, values: L.forces });
  if (L.atomEnergies) columns.push({ name: 'REF_energies', width: 1, values: L.atomEnergies });
  const config: Configuration = {
    structure: c.structure,
    labels: {
      energy: p.energy, forces: p.forces, stress: p.stress, atomEnergies: p.atomEnergies,
      stressMask: L.stress ? L.stressMask : undefined,
    },
    group: c.group,
    weight: c.weight,
    sigma: c.sigma,
    source: c.source,
    info,
  };
  return { config, columns };
}

function hasLabels(c: Configuration): boolean {
  return c.labels.energy !== undefined || c.labels.forces !== undefined || c.labels.stress !== undefined;
}

function metricsRow(name: string, m: Metrics): (string | number)[] {
  return [name, m.n_configs, m.n_atoms, fmt(m.energy_mae_per_atom ?? undefined), fmt(m.energy_rmse_per_atom ?? undefined),
    fmt(m.force_mae ?? undefined), fmt(m.force_rmse ?? undefined), fmt(m.stress_mae ?? undefined), fmt(m.stress_rmse ?? undefined)];
}

export function formatMetricsTable(overall: Metrics, groups: Record<string, Metrics>): string {
  const rows = Object.entries(groups).map(([g, m]) => metricsRow(g, m));
  rows.push(metricsRow('all', overall));
  return formatTable(
    ['group', 'configs', 'atoms', 'E MAE (eV/atom)', 'E RMSE (eV/atom)', 'F MAE (eV/Å)', 'F RMSE (eV/Å)', 'S MAE (eV/Å³)', 'S RMSE (eV/Å³)'],
    rows,
  );
}

interface EvalOptions extends PotentialOptions {
  data: string;
  from?: string;
  out: string;
  json?: boolean;
}

export function runEval(o: EvalOptions): void {
  const pot = loadPotential(o);
  const configs = readConfigurations(o.data, { format: o.from ? parseReadFormat(o.from) : undefined });
  if (configs.length === 0) throw new UserError(`${o.data}: no configurations found`);
  checkCoverage(pot.model, configs, o.potential);
  const preds = configs.map((c) => predict(pot, c));
  const frames = configs.map((c, k) => outputFrame(c, preds[k], o.potential));
  writeExtxyz(o.out, frames.map((f) => f.config), { atomColumns: frames.map((f) => f.columns) });
  const atoms = configs.reduce((a, c) => a + c.structure.species.length, 0);
  const labelled = configs.some(hasLabels);
  const predicted: PredictedLabels[] = preds.map((p) => ({ energy: p.energy, forces: p.forces, stress: p.stress }));
  const overall = labelled ? computeMetrics(configs, predicted) : undefined;
  const groups = labelled ? metricsByGroup(configs, predicted) : undefined;
  if (o.json) {
    console.log(JSON.stringify({ output: o.out, n_configs: configs.length, n_atoms: atoms, metrics: overall ?? null, groups: groups ?? null }, null, 2));
    return;
  }
  console.log(`evaluated ${configs.length} configurations (${atoms} atoms) with ${o.potential} (${pot.model.spec.kind}); wrote ${o.out}`);
  if (overall && groups) console.log('\n' + formatMetricsTable(overall, groups));
  else console.log('the data have no reference labels: no error metrics');
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'evaluate a potential on every frame of a data file; write the predictions as extxyz and print MAE/RMSE ' +
        'against the reference labels (overall and per group).\n' +
        'Output keys: predictions under energy, forces, stress (ASE sign, eV/Å³), energies (per atom); the ' +
        'reference labels under REF_energy, REF_forces, REF_stress, REF_energies.',
    )
    .requiredOption('--potential <file>', POTENTIAL_HELP)
    .option('--style <style>', STYLE_HELP)
    .option('--elements <list>', ELEMENTS_HELP)
    .requiredOption('--data <file>', 'data file (extxyz, mlearn JSON, vasprun.xml, OUTCAR)')
    .option('--from <format>', 'data format if the file name does not tell (extxyz, mlearn, vasprun, outcar)')
    .requiredOption('--out <file.extxyz>', 'output extxyz (written atomically)')
    .option('--json', 'print the metrics as JSON instead of a table')
    .action((opts: EvalOptions) => runEval(opts));
}
