// Leases on disk in host-local's layout, so a node can switch between the two
// plugins without losing a lease:
//   <dataDir>/<network>/<ip>                 `<containerID>\r\n<ifname>`
//   <dataDir>/<network>/last_reserved_ip.<n> the last address taken from range set n
//   <dataDir>/<network>/lock                 flock(LOCK_EX) by both plugins
//
// Invariant: a lease file, once visible under its address, is complete.
// host-local creates the file with O_EXCL and then writes into it, so a
// writer killed in between leaves an empty lease. We write the bytes to a
// temporary file and link(2) it to the address: link fails with EEXIST like
// O_EXCL, and succeeds only with the whole content. last_reserved_ip is
// replaced with rename(2). Temporaries are only created under the lock, so a
// temporary seen while holding the lock belongs to a dead process and is
// removed. We do not fsync (host-local does not either): the guarantee is
// against killed processes. After a power loss a lease may be empty; it then
// blocks its address until GC, which releases leases without an owner.
import { accessSync, constants, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatIp, tryParseIp, type IpAddress } from '../core/ip/address.js';
import type { LeaseLocation } from '../core/ipam/config.js';
import { formatLeaseFile, parseLeaseFile, type Attachment, type Lease } from '../core/ipam/lease.js';
import { lockFile, type FlockCall } from './flock.js';
import type { LeaseStore, LeaseTransaction } from './lease-store.js';
import { errnoCodeOf, StoreError, storeError } from './store-error.js';

const LAST_RESERVED_PREFIX = 'last_reserved_ip.';
const TEMP_PREFIX = '.podwire-tmp.';

export interface DiskLeaseStoreOptions {
  /** How long to wait for the network lock before answering "try again later". */
  lockTimeoutMs: number;
  /** flock(2); libcFlock() in production. */
  flock: () => FlockCall;
}

class DiskTransaction implements LeaseTransaction {
  private seq = 0;

  constructor(private readonly dir: string) {}

  private tempPath(): string {
    return join(this.dir, `${TEMP_PREFIX}${process.pid}.${this.seq++}`);
  }

  leases(): Lease[] {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (err) {
      throw storeError('list', this.dir, err);
    }
    const out: Lease[] = [];
    for (const name of names) {
      if (name.startsWith(TEMP_PREFIX)) {
        this.unlinkIfPresent(join(this.dir, name));
        continue;
      }
      const ip = tryParseIp(name);
      // Only canonical names are leases: they are the names both plugins write.
      if (!ip || formatIp(ip) !== name) continue;
      const text = this.readIfPresent(join(this.dir, name));
      if (text !== undefined) out.push({ ip, owner: parseLeaseFile(text) });
    }
    return out;
  }

  lastReserved(setIndex: number): IpAddress | undefined {
    // Unreadable or garbled (host-local rewrites it in place) only costs the
    // round-robin position once, as in host-local.
    const text = this.readIfPresent(join(this.dir, `${LAST_RESERVED_PREFIX}${setIndex}`));
    return text === undefined ? undefined : tryParseIp(text.trim());
  }

  reserve(ip: IpAddress, owner: Attachment, setIndex: number): boolean {
    const name = formatIp(ip);
    const target = join(this.dir, name);
    const temp = this.writeTemp(formatLeaseFile(owner));
    try {
      linkSync(temp, target);
    } catch (err) {
      if (errnoCodeOf(err) === 'EEXIST') return false;
      throw storeError('write lease', target, err);
    } finally {
      this.unlinkIfPresent(temp);
    }
    const last = join(this.dir, `${LAST_RESERVED_PREFIX}${setIndex}`);
    let lastTemp: string | undefined;
    try {
      lastTemp = this.writeTemp(name);
      renameSync(lastTemp, last);
    } catch (err) {
      // Roll the lease back too: a caller seeing the error must not leave it behind.
      if (lastTemp !== undefined) this.unlinkIfPresent(lastTemp);
      this.unlinkIfPresent(target);
      throw err instanceof StoreError ? err : storeError('write', last, err);
    }
    return true;
  }

  release(ip: IpAddress): void {
    this.unlinkIfPresent(join(this.dir, formatIp(ip)));
  }

  /**
   * A fresh temporary holding `content`. A leftover of a dead process under
   * the same name may be a hard link to a live lease: it is unlinked (which
   * never touches the lease) rather than truncated.
   */
  private writeTemp(content: string): string {
    const temp = this.tempPath();
    this.unlinkIfPresent(temp);
    try {
      writeFileSync(temp, content, { mode: 0o644, flag: 'wx' });
    } catch (err) {
      this.unlinkIfPresent(temp);
      throw storeError('write', temp, err);
    }
    return temp;
  }

  private readIfPresent(path: string): string | undefined {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      const code = errnoCodeOf(err);
      if (code === 'ENOENT' || code === 'EISDIR') return undefined;
      throw storeError('read', path, err);
    }
  }

  private unlinkIfPresent(path: string): void {
    try {
      unlinkSync(path);
    } catch (err) {
      if (errnoCodeOf(err) !== 'ENOENT') throw storeError('remove', path, err);
    }
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch (err) {
    const code = errnoCodeOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw storeError('stat', path, err);
  }
}

export class DiskLeaseStore implements LeaseStore {
  /** `<dataDir>/<network>`. */
  readonly dir: string;

  constructor(location: LeaseLocation, private readonly options: DiskLeaseStoreOptions) {
    this.dir = join(location.dataDir, location.network);
  }

  async withLock<T>(fn: (tx: LeaseTransaction) => T): Promise<T> {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw storeError('create', this.dir, err);
    }
    return this.locked(fn);
  }

  async withExistingLock<T>(fn: (tx: LeaseTransaction) => T): Promise<T | undefined> {
    if (!isDirectory(this.dir)) return undefined;
    try {
      return await this.locked(fn);
    } catch (err) {
      // Removed between the check and the lock: still "no leases".
      if (err instanceof StoreError && err.op === 'open lock' && err.errnoCode === 'ENOENT') return undefined;
      throw err;
    }
  }

  writeProblem(): string | undefined {
    // The nearest existing ancestor decides whether ADD's mkdir -p would work.
    let path = this.dir;
    while (!existsAt(path)) {
      const parent = dirname(path);
      if (parent === path) break;
      path = parent;
    }
    if (!isDirectory(path)) return `${path} is not a directory`;
    try {
      accessSync(path, constants.W_OK | constants.X_OK);
      if (path === this.dir && existsAt(join(path, 'lock'))) accessSync(join(path, 'lock'), constants.R_OK | constants.W_OK);
    } catch (err) {
      return `${path} is not writable (${errnoCodeOf(err) || String(err)})`;
    }
    return undefined;
  }

  private async locked<T>(fn: (tx: LeaseTransaction) => T): Promise<T> {
    const lock = await lockFile(join(this.dir, 'lock'), { timeoutMs: this.options.lockTimeoutMs, sys: this.options.flock() });
    try {
      return fn(new DiskTransaction(this.dir));
    } finally {
      lock.release();
    }
  }
}

function existsAt(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    const code = errnoCodeOf(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw storeError('stat', path, err);
  }
}
