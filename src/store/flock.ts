// An exclusive flock(2) on a lock file: the same lock host-local takes on
// `<dataDir>/<network>/lock` (go-filemutex: flock LOCK_EX), so the two
// plugins exclude each other on one node. flock locks belong to the open
// file description: the kernel drops them when the process dies, SIGKILL
// included, so a crashed ADD can never wedge the network.
//
// We poll with LOCK_NB and sleep between tries instead of blocking: a
// blocking call would freeze the event loop (the main plugin runs IPAM
// in-process) and could wait forever behind a hung holder; after the
// deadline the caller gets "try again later" (11). koffi is loaded here, on
// first lock, and not before: VERSION never pays for it.
import { closeSync, constants, openSync } from 'node:fs';
import { CniError, ErrorCode } from '../cni/errors.js';
import { lastErrno, libc } from '../kernel/ffi.js';
import { Errno } from '../kernel/kernel-error.js';
import { StoreError, storeError } from './store-error.js';

const LOCK_EX = 2;
const LOCK_NB = 4;
const LOCK_UN = 8;

/** flock(2): returns 0, or -1 with errno() telling why. */
export interface FlockCall {
  flock(fd: number, operation: number): number;
  errno(): number;
}

export function libcFlock(): FlockCall {
  const fn = libc().func('int flock(int fd, int operation)');
  return { flock: (fd, op) => fn(fd, op) as number, errno: lastErrno };
}

export interface FileLockOptions {
  /** Give up (TryAgainLater, 11) after this long. */
  timeoutMs: number;
  sys: FlockCall;
}

export interface HeldLock {
  /** Unlocks and closes; safe to call twice. */
  release(): void;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Opens (creating if needed) `path` and takes an exclusive flock on it. */
export async function lockFile(path: string, options: FileLockOptions): Promise<HeldLock> {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  } catch (err) {
    throw storeError('open lock', path, err);
  }
  const deadline = Date.now() + options.timeoutMs;
  // 0.5 ms doubling to 2 ms, jittered so waiting processes do not retry in
  // step. A holder keeps the lock ~1-3 ms (one ADD's lease write), so a
  // longer sleep mostly wastes the slot after it is freed; a try is one syscall.
  let delay = 0.5;
  for (;;) {
    if (options.sys.flock(fd, LOCK_EX | LOCK_NB) === 0) break;
    const errno = options.sys.errno();
    if (errno === Errno.EINTR) continue;
    if (errno !== Errno.EAGAIN) {
      closeSync(fd);
      throw new StoreError('flock', path, `errno ${errno}`);
    }
    if (Date.now() >= deadline) {
      closeSync(fd);
      throw new CniError(ErrorCode.TryAgainLater, `ipam.dataDir: lock ${path} still held by another process after ${options.timeoutMs} ms`);
    }
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 2);
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      // Closing drops the lock too; unlocking first makes the order explicit.
      options.sys.flock(fd, LOCK_UN);
      closeSync(fd);
    },
  };
}
