/**
 * Runs one command registered on a fresh commander program (the command is not yet wired into main.ts) and
 * captures what it prints.
 */
import { Command } from 'commander';

export async function runCommand(register: (p: Command) => void, args: string[]): Promise<{ out: string; error?: Error }> {
  const program = new Command('pesfit').exitOverride();
  register(program);
  for (const c of program.commands) c.exitOverride();
  const out: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  try {
    await program.parseAsync(args, { from: 'user' });
    return { out: out.join('\n') };
  } catch (e) {
    return { out: out.join('\n'), error: e as Error };
  } finally {
    console.log = log;
  }
}
