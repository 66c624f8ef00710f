/**
 * `pesfit data check` and `pesfit data convert`.
 */
import type { Command } from 'commander';
import { checkDataset, type DataCheckReport, type GroupSummary } from '../analysis/datacheck.ts';
import { UserError } from '../core/errors.ts';
import {
  readConfigurations, writeConfigurations, parseReadFormat, parseWriteFormat, detectReadFormat, detectWriteFormat, type StressMode,
} from '../io/formats.ts';
import type { Configuration } from '../structure/types.ts';
import { fmt, formatTable } from './table.ts';

function parseStressMode(v: string | undefined): StressMode | undefined {
  if (v === undefined) return undefined;
  if (v === 'full' || v === 'diagonal' || v === 'none') return v;
  throw new UserError(`--stress must be full, diagonal or none, got '${v}'`);
}

function range(r: { min: number; max: number } | undefined): string {
  return r ? `${fmt(r.min)} … ${fmt(r.max)}` : '-';
}

function groupRow(g: GroupSummary): (string | number)[] {
  return [g.group, g.configs, g.atoms, g.species.join(' '), range(g.energyPerAtom), range(g.force), range(g.stress)];
}

export function formatDataCheck(report: DataCheckReport): string {
  const out: string[] = [];
  out.push(
    formatTable(
      ['group', 'configs', 'atoms', 'species', 'energy (eV/atom)', 'force comp. (eV/Å)', 'stress (eV/Å³)'],
      [...report.groups.map(groupRow), groupRow(report.total)],
    ),
  );
  const t = report.total;
  out.push('');
  out.push(`labels: energy ${t.withEnergy}/${t.configs}, forces ${t.withForces}/${t.configs}, stress ${t.withStress}/${t.configs} configurations`);
  if (report.stressConsistency) {
    const s = report.stressConsistency;
    out.push(`energy-stress consistency over ${s.pairs} strained pairs: ratio ${s.ratio.toFixed(4)} (1 = consistent)`);
  }
  out.push('');
  if (report.warnings.length === 0) out.push('no warnings');
  else {
    out.push(`${report.warnings.length} warning(s):`);
    for (const w of report.warnings) out.push(`  [${w.kind}] ${w.message}`);
  }
  return out.join('\n');
}

function reportToJson(report: DataCheckReport): unknown {
  return report;
}

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('inspect and convert training data');

  data
    .command('check')
    .description('summarise data files by group and warn about data that look wrong (units, signs, duplicates, outliers)')
    .argument('<files...>', 'data files (extxyz, mlearn JSON, vasprun.xml, OUTCAR)')
    .option('--from <format>', 'input format, if the file name does not tell (extxyz, mlearn, vasprun, outcar)')
    .option('--stress <mode>', 'stress components to keep: full, diagonal or none (mlearn default: diagonal)')
    .option('--json', 'print the report as JSON')
    .action((files: string[], opts: { from?: string; stress?: string; json?: boolean }) => {
      const configs: Configuration[] = [];
      for (const f of files) configs.push(...readConfigurations(f, { format: opts.from ? parseReadFormat(opts.from) : undefined, stress: parseStressMode(opts.stress) }));
      if (configs.length === 0) throw new UserError(`${files.join(', ')}: no configurations found`);
      const report = checkDataset({ configs });
      console.log(opts.json ? JSON.stringify(reportToJson(report), null, 2) : formatDataCheck(report));
    });

  data
    .command('convert')
    .description('convert between data formats (format from the extension, or --from/--to)')
    .argument('<input>', 'input file')
    .argument('<output>', 'output file (written atomically)')
    .option('--from <format>', 'input format: extxyz, mlearn, vasprun, outcar')
    .option('--to <format>', 'output format: extxyz, mlearn, lammps-data')
    .option('--stress <mode>', 'stress components to keep: full, diagonal or none (mlearn default: diagonal)')
    .option('--elements <list>', 'element order of LAMMPS atom types, comma-separated (lammps-data)')
    .action((input: string, output: string, opts: { from?: string; to?: string; stress?: string; elements?: string }) => {
      // check every argument before reading what may be a large file
      const to = opts.to ? parseWriteFormat(opts.to) : detectWriteFormat(output);
      const from = opts.from ? parseReadFormat(opts.from) : detectReadFormat(input);
      const stress = parseStressMode(opts.stress);
      const configs = readConfigurations(input, { format: from, stress });
      writeConfigurations(output, configs, { format: to, elements: opts.elements?.split(',') });
      const atoms = configs.reduce((a, c) => a + c.structure.species.length, 0);
      console.log(`wrote ${configs.length} configurations (${atoms} atoms) to ${output}`);
    });
}
