// The attachment cache on disk, in libcni's layout and format so runtimes
// built on libcni (containerd, cri-o, podman) and this runner share one
// cache: <dir>/results/<network>-<containerID>-<ifname>, directory 0700,
// files 0600 (libcni's cacheAdd). Writes go through a temporary file and a
// rename so a crash never leaves a half-written record for DEL to choke on.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../../cni/errors.js';
import { cacheFileName, encodeCacheRecord, parseCacheRecord, type CacheRecord } from '../../core/conflist/cache-record.js';

export interface CacheKey {
  network: string;
  containerId: string;
  ifname: string;
}

export interface ResultCache {
  /** The record for an attachment, undefined when none; throws code 6 on a corrupt one. */
  read(key: CacheKey): CacheRecord | undefined;
  write(record: CacheRecord): void;
  /** Absent counts as removed. */
  remove(key: CacheKey): void;
  /** Every readable record, in file-name order; unreadable ones skipped (libcni's GetCachedAttachments). */
  list(): CacheRecord[];
  pathOf(key: CacheKey): string;
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'ENOENT';
}

export class DiskResultCache implements ResultCache {
  private readonly resultsDir: string;

  constructor(cacheDir: string) {
    this.resultsDir = join(cacheDir, 'results');
  }

  pathOf(key: CacheKey): string {
    return join(this.resultsDir, cacheFileName(key.network, key.containerId, key.ifname));
  }

  read(key: CacheKey): CacheRecord | undefined {
    let text: string;
    try {
      text = readFileSync(this.pathOf(key), 'utf8');
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw new CniError(ErrorCode.IoFailure, `cannot read ${this.pathOf(key)}`, String(err));
    }
    return parseCacheRecord(text);
  }

  write(record: CacheRecord): void {
    const path = this.pathOf({ network: record.networkName, containerId: record.containerId, ifname: record.ifName });
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      mkdirSync(this.resultsDir, { recursive: true, mode: 0o700 });
      writeFileSync(tmp, encodeCacheRecord(record), { mode: 0o600 });
      renameSync(tmp, path);
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new CniError(ErrorCode.IoFailure, `cannot write ${path}`, String(err));
    }
  }

  remove(key: CacheKey): void {
    rmSync(this.pathOf(key), { force: true });
  }

  list(): CacheRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.resultsDir).sort();
    } catch (err) {
      if (isNotFound(err)) return [];
      throw new CniError(ErrorCode.IoFailure, `cannot list ${this.resultsDir}`, String(err));
    }
    const records: CacheRecord[] = [];
    for (const name of names) {
      if (name.includes('.tmp-')) continue;
      try {
        const record = parseCacheRecord(readFileSync(join(this.resultsDir, name), 'utf8'));
        if (record.ifName !== '' && record.networkName !== '') records.push(record);
      } catch {
        // libcni skips what it cannot read; so do we
      }
    }
    return records;
  }
}
