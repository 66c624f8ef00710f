/**
 * The file-system adapter of io/: read text with a clear error, and write atomically (temp file in the same
 * directory, then rename) so a crash never leaves a half-written output.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { UserError } from '../core/errors.ts';

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${path}: no such file`);
    if (code === 'EISDIR') throw new UserError(`${path}: is a directory, expected a file`);
    throw new UserError(`${path}: cannot read (${code ?? String(e)})`);
  }
}

export function writeAtomic(path: string, content: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
