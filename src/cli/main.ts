/**
 * The pesfit command line. The only place that touches process, console and exit codes:
 * 0 success, 1 user error (bad input, config or arguments), 2 internal error.
 */
import { Command, CommanderError } from 'commander';
import { UserError } from '../core/errors.ts';
import { registerDataCommands } from './data.ts';
import { registerFitCommand } from './fit.ts';
import { registerDemoCommand } from './demo.ts';
import { registerEvalCommand } from './eval.ts';
import { registerCheckDerivativesCommand } from './check-derivatives.ts';
import { registerPropertiesCommand } from './properties.ts';
import { registerMdCommand } from './md.ts';
import { registerPhononsCommand } from './phonons.ts';
import { registerDiagnoseCommand } from './diagnose.ts';
import { registerUqCommand } from './uq.ts';
import { VERSION } from './version.ts';

export function buildProgram(): Command {
  const program = new Command('pesfit')
    .description('fit interatomic potentials to DFT data and export them to LAMMPS')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDataCommands(program);
  registerFitCommand(program);
  registerDemoCommand(program);
  registerEvalCommand(program);
  registerCheckDerivativesCommand(program);
  registerPropertiesCommand(program);
  registerMdCommand(program);
  registerPhononsCommand(program);
  registerDiagnoseCommand(program);
  registerUqCommand(program);
  for (const c of program.commands) {
    c.exitOverride();
    for (const s of c.commands) s.exitOverride();
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors (unknown option, missing argument) are user errors
      return e.exitCode === 0 ? 0 : 1;
    }
    if (e instanceof UserError) {
      console.error(`pesfit: error: ${e.message}`);
      return 1;
    }
    console.error(`pesfit: internal error: ${(e as Error)?.stack ?? String(e)}`);
    return 2;
  }
}
