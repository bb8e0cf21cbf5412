// Whole-file writes that readers see either entirely or not at all: the
// bytes go to a temporary in the same directory, then rename(2) replaces the
// target in one step (same filesystem, so the rename is atomic). Temporaries
// are dot-files carrying the writer's pid, so listings skip them and a crashed
// writer's leftovers can be recognised. No fsync: the guarantee is against
// killed processes, as for the IPAM leases; after a power loss the lab's
// store is rebuilt anyway.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export const TEMP_MARK = '.tmp.';

export function errnoOf(err: unknown): string {
  return String((err as { code?: unknown } | null)?.code ?? '');
}

export function writeFileAtomic(path: string, data: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}${TEMP_MARK}${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    writeFileSync(temp, data, { flag: 'wx' });
    renameSync(temp, path);
  } catch (err) {
    try {
      unlinkSync(temp);
    } catch {
      // the temporary may not exist; the original error matters
    }
    throw err;
  }
}

/** The file's text, or undefined if it does not exist. */
export function readIfPresent(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export function unlinkIfPresent(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    throw err;
  }
}
