// Failures of kernel operations (netlink, setns, nftables, sysctl) as data:
// which operation, which errno, on what. They carry a CNI code so the skel can
// report them without knowing about the kernel layer.
import { ErrorCode } from '../cni/errors.js';

export class KernelError extends Error {
  readonly op: string;
  readonly errno: number;
  readonly target: string | undefined;
  readonly cniCode: number;

  constructor(op: string, errno: number, message: string, target?: string, cniCode: number = ErrorCode.KernelFailure) {
    super(`${op}${target ? ` ${target}` : ''}: ${message}${errno ? ` (errno ${errno})` : ''}`);
    this.name = 'KernelError';
    this.op = op;
    this.errno = errno;
    this.target = target;
    this.cniCode = cniCode;
  }
}

export const Errno = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13,
  EBUSY: 16, EEXIST: 17, ENODEV: 19, EINVAL: 22, ENOSPC: 28, ERANGE: 34, EOPNOTSUPP: 95,
  EADDRNOTAVAIL: 99, ENETUNREACH: 101, ENOBUFS: 105,
} as const;

/**
 * errno of a failed node:fs call. libuv reports it negated in `err.errno`;
 * reading that avoids loading node:os for its name table on every plugin
 * start. ENOTDIR counts as ENOENT: a path component is gone.
 */
export function errnoOfNodeError(err: unknown): number {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code === 'ENOTDIR') return Errno.ENOENT;
  return typeof e?.errno === 'number' && e.errno !== 0 ? Math.abs(e.errno) : Errno.EIO;
}
