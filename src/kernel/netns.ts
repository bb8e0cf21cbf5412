// Network namespaces: open one by path, and run synchronous work inside it.
//
// Design: setns(2) moves only the calling thread, and in Node the calling
// thread is the JS main thread. withNetns() therefore keeps an fd on the
// thread's own netns (/proc/thread-self/ns/net, opened before switching),
// enters the target, runs fn synchronously and switches back in a finally, so
// no exit path (return, throw) leaves the thread in the foreign namespace.
// Invariants:
//  - fn must be synchronous. A returned promise is rejected with a TypeError
//    after switching back: its continuations would run in the original netns
//    while the author believed otherwise (STYLE §5). To act in a netns across
//    awaits, open a netlink socket inside withNetns and use it after: sockets
//    stay bound to the netns they were created in.
//  - if switching back fails the thread is in an unknown netns and anything
//    it does next (nft rules, routes) could land in a pod's namespace. That
//    cannot be reported and recovered from, so the process stops (fail-stop,
//    like Go's netns library which lets a locked OS thread die).
//  - fds are opened with O_CLOEXEC (libuv's default) so child processes
//    never inherit a namespace handle.
// Errors: a missing path is KernelError{errno: ENOENT, cniCode: NetnsNotFound}
// so DEL can treat it as already gone; a path that is not a netns is EINVAL.
// Reference: setns(2), namespaces(7), proc(5) (/proc/thread-self).
import { closeSync, fstatSync, openSync, statSync } from 'node:fs';
import { ErrorCode } from '../cni/errors.js';
import { lastErrno, libcFunction } from './ffi.js';
import { Errno, KernelError, errnoOfNodeError } from './kernel-error.js';

const CLONE_NEWNET = 0x40000000;
const THREAD_NETNS = '/proc/thread-self/ns/net';

/** An open handle on a network namespace. close() is idempotent. */
export interface NetnsFile {
  readonly path: string;
  readonly fd: number;
  close(): void;
}



/** Opens a netns file (/run/netns/x, /proc/<pid>/ns/net). Throws KernelError. */
export function openNetns(path: string): NetnsFile {
  if (path === '') throw new KernelError('netns.open', Errno.ENOENT, 'empty netns path', path, ErrorCode.NetnsNotFound);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    const errno = errnoOfNodeError(err);
    const cniCode = errno === Errno.ENOENT ? ErrorCode.NetnsNotFound : ErrorCode.KernelFailure;
    throw new KernelError('netns.open', errno, errno === Errno.ENOENT ? 'no such network namespace' : 'cannot open', path, cniCode);
  }
  let closed = false;
  return {
    path,
    fd,
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}

function setns(fd: number, target: string): void {
  const call = libcFunction<(fd: number, nstype: number) => number>('int setns(int, int)');
  if (call(fd, CLONE_NEWNET) !== 0) {
    const errno = lastErrno();
    const why = errno === Errno.EINVAL ? 'not a network namespace' : 'setns failed';
    throw new KernelError('netns.enter', errno, why, target);
  }
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs fn with the calling thread inside the netns at `target` (a path or an
 * open NetnsFile), then switches back, whatever fn does. fn must not be async.
 */
export function withNetns<T>(target: string | NetnsFile, fn: () => T): T {
  const ns = typeof target === 'string' ? openNetns(target) : target;
  try {
    const origin = openNetns(THREAD_NETNS);
    try {
      setns(ns.fd, ns.path);
      let result: T;
      try {
        result = fn();
      } finally {
        restore(origin);
      }
      if (isThenable(result)) {
        // Its eventual rejection is superseded by the TypeError; leaving it
        // unhandled would crash the process a second time.
        (result as PromiseLike<unknown>).then(undefined, () => undefined);
        throw new TypeError('withNetns: fn returned a promise; async work inside a foreign netns is not allowed (STYLE §5)');
      }
      return result;
    } finally {
      origin.close();
    }
  } finally {
    if (typeof target === 'string') ns.close();
  }
}

function restore(origin: NetnsFile): void {
  try {
    setns(origin.fd, 'original netns');
  } catch (err) {
    process.stderr.write(`podwire: FATAL: cannot return to the original network namespace: ${String(err)}\n`);
    process.abort();
  }
}

/** Device and inode of a netns file: equal pairs mean the same namespace. */
export function netnsIdentity(target: string | NetnsFile): { dev: number; ino: number } {
  try {
    const st = typeof target === 'string' ? statSync(target) : fstatSync(target.fd);
    return { dev: st.dev, ino: st.ino };
  } catch (err) {
    const path = typeof target === 'string' ? target : target.path;
    const errno = errnoOfNodeError(err);
    throw new KernelError('netns.stat', errno, 'cannot stat', path, errno === Errno.ENOENT ? ErrorCode.NetnsNotFound : ErrorCode.KernelFailure);
  }
}

/** True when both refer to the same netns (e.g. CNI_NETNS pointing at the host's own). */
export function isSameNetns(a: string | NetnsFile, b: string | NetnsFile): boolean {
  const x = netnsIdentity(a);
  const y = netnsIdentity(b);
  return x.dev === y.dev && x.ino === y.ino;
}

/** The calling thread's netns, for isSameNetns and for handing to other namespaces. */
export const CURRENT_THREAD_NETNS = THREAD_NETNS;

/**
 * The calling thread's network and mount namespaces as "dev:ino" (per
 * thread: a worker thread may act in other namespaces than the process).
 * Two threads with equal identities resolve CNI_NETNS paths alike and act
 * on the same network (the CNI service's test of its callers).
 */
export function threadNamespaces(): { net: string; mnt: string } {
  const id = (kind: 'net' | 'mnt'): string => {
    const st = statSync(`/proc/thread-self/ns/${kind}`);
    return `${st.dev}:${st.ino}`;
  };
  return { net: id('net'), mnt: id('mnt') };
}
