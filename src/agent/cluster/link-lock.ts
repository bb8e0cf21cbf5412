// A cross-process mutex made of one file, without flock: several agents and
// lab tools on one machine write the store at once, and every write is a
// read-check-write (resourceVersion counter, optimistic concurrency), so
// writes must be serialised.
//
// Acquire: write our identity {pid, start time, random token} to a private
// temporary file and link(2) it to the lock name. link fails with EEXIST if
// the lock is held, and the lock file is complete the moment it exists (no
// window where a holder is unknown, unlike mkdir + write owner file).
// Release: unlink it if it still carries our token.
//
// Stale locks: a holder that died (SIGKILL, crash) is detected with the
// process probe (pid + start time; see process-probe.ts). Breaking must never
// remove a live holder's lock, and two breakers racing must not remove one
// another's fresh lock; so breaking a lock whose token is T goes through a
// claim file `lock.break.T.k`, created with link (exclusive): only the
// breaker that created claim k for T may remove the lock, only after
// re-reading that it still carries T, and claim k+1 is tried only once the
// creator of claim k is dead. While the lock carries T nobody but that
// breaker can remove it (T's holder is dead), so re-check then unlink is
// safe; tokens are never reused, so a late breaker of T finds another token
// and leaves it alone.
//
// Rejected: flock (the lock dies with the process, but needs FFI and is per
// open file description, which makes in-process reentrancy subtle); mkdir
// locks (owner written after the lock exists); timeouts on lock age (a slow
// writer would lose its lock). The whole scheme relies on one machine: a pid
// means nothing on another host, so the store must not be shared over NFS.
import { randomUUID } from 'node:crypto';
import { linkSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ClusterError } from './errors.js';
import type { ProcessIdentity, ProcessProbe } from './process-probe.js';

export interface LinkLockOptions {
  path: string;
  probe: ProcessProbe;
  /** Give up (Timeout) after this long. */
  timeoutMs: number;
}

interface Owner extends ProcessIdentity {
  readonly token: string;
}

function errno(err: unknown): string {
  return String((err as { code?: unknown } | null)?.code ?? '');
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
}

/** The owner recorded in a lock or claim file; undefined when the file is gone. */
function readOwner(path: string): Owner | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const o = JSON.parse(text) as Partial<Owner>;
    if (typeof o.pid === 'number' && typeof o.start === 'string' && typeof o.token === 'string') return { pid: o.pid, start: o.start, token: o.token };
  } catch {
    // fall through: not written by us
  }
  // Unreadable content (not ours: ours appear complete): no live owner, and the
  // inode number stands in for the token.
  return { pid: 0, start: '', token: `inode-${statSync(path, { throwIfNoEntry: false })?.ino ?? 0}` };
}

/** Removes the lock if its holder is dead; true when the lock may now be free. */
function breakIfStale(path: string, myTemp: string, probe: ProcessProbe): boolean {
  const owner = readOwner(path);
  if (!owner) return true;
  if (probe.isAlive(owner)) return false;
  for (let k = 0; k < 1000; k++) {
    const claim = `${path}.break.${owner.token}.${k}`;
    try {
      linkSync(myTemp, claim);
    } catch (err) {
      if (errno(err) !== 'EEXIST') throw err;
      const breaker = readOwner(claim);
      if (breaker && probe.isAlive(breaker)) return false;
      continue;
    }
    try {
      if (readOwner(path)?.token === owner.token) unlinkSync(path);
    } finally {
      unlinkQuietly(claim);
    }
    return true;
  }
  return false;
}

/** Removes temporaries and claims left by dead processes (only ever called while holding the lock). */
function sweep(path: string, probe: ProcessProbe): void {
  const dir = dirname(path);
  const base = basename(path);
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    const tmp = name.startsWith(`${base}.tmp.`) ? name.slice(base.length + 5).split('.') : undefined;
    if (tmp) {
      if (!probe.isAlive({ pid: Number(tmp[0]), start: tmp[1] ?? '' })) unlinkQuietly(full);
    } else if (name.startsWith(`${base}.break.`)) {
      const owner = readOwner(full);
      if (owner && !probe.isAlive(owner)) unlinkQuietly(full);
    }
  }
}

export interface HeldLock {
  release(): void;
}

/** One attempt, synchronous: the lock, or undefined when a live process holds it. */
export function tryLock(path: string, probe: ProcessProbe): HeldLock | undefined {
  const me: Owner = { ...probe.self(), token: randomUUID() };
  // pid and start time in the name let sweep() judge the file without reading it.
  const temp = `${path}.tmp.${me.pid}.${me.start}.${me.token}`;
  writeFileSync(temp, JSON.stringify(me), { flag: 'wx' });
  let acquired = false;
  try {
    for (let attempt = 0; attempt < 3 && !acquired; attempt++) {
      try {
        linkSync(temp, path);
        acquired = true;
      } catch (err) {
        if (errno(err) !== 'EEXIST') throw err;
        if (!breakIfStale(path, temp, probe)) break;
      }
    }
  } finally {
    unlinkQuietly(temp);
  }
  if (!acquired) return undefined;
  sweep(path, probe);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      if (readOwner(path)?.token !== me.token) {
        throw new ClusterError('InternalError', `store lock ${path} was taken from this live process (pid ${me.pid})`);
      }
      unlinkSync(path);
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `fn` holding the lock. `fn` is synchronous on purpose: no await can
 * happen inside the critical section, so code in this process never
 * interleaves with itself while holding it and hold times stay short.
 */
export async function withLinkLock<T>(options: LinkLockOptions, fn: () => T): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  // 1 ms doubling to 16 ms, jittered so waiters do not retry in step.
  let delay = 1;
  for (;;) {
    const lock = tryLock(options.path, options.probe);
    if (lock) {
      let result: T;
      try {
        result = fn();
      } catch (err) {
        lock.release();
        throw err;
      }
      lock.release();
      return result;
    }
    if (Date.now() >= deadline) {
      const owner = readOwner(options.path);
      throw new ClusterError('Timeout', `store lock ${options.path} still held${owner ? ` by pid ${owner.pid}` : ''} after ${options.timeoutMs} ms`);
    }
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 16);
  }
}
