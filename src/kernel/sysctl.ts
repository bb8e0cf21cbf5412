// Network sysctls under /proc/sys/net, read and written as files.
//
// Design: /proc/sys/net resolves against the network namespace of the thread
// that opens the file, so these synchronous calls act on whatever netns the
// caller is in: call them inside withNetns to reach a pod's netns. (Opened
// with node:fs sync calls, which run on the calling JS thread; the async fs
// API would run on a libuv worker thread that never entered the netns.)
// Keys are accepted with slashes ("net/ipv4/conf/eth0.100/forwarding") or,
// when they contain no slash, in sysctl(8)'s dotted form ("net.ipv4.ip_forward");
// use slashes whenever an interface name may contain a dot. Only keys under
// net/ are accepted, and no "..", so a config value cannot reach other files.
// Reference: Documentation/networking/ip-sysctl.rst, proc_sys_net(5).
import { readFileSync, writeFileSync } from 'node:fs';
import { Errno, KernelError, errnoOfNodeError } from './kernel-error.js';

/** /proc/sys path of a net.* sysctl key; KernelError EINVAL for anything outside net/. */
export function sysctlPath(key: string): string {
  const rel = key.includes('/') ? key.replace(/^\/+/, '') : key.replace(/\./g, '/');
  const parts = rel.split('/');
  if (parts[0] !== 'net' || parts.length < 2 || parts.some((p) => p === '' || p === '.' || p === '..')) {
    throw new KernelError('sysctl', Errno.EINVAL, 'only net/... keys are allowed', key);
  }
  return `/proc/sys/${rel}`;
}

function fail(op: string, key: string, err: unknown): KernelError {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const errno = errnoOfNodeError(err);
  const why = errno === Errno.ENOENT ? 'no such sysctl in this netns' : (code ?? 'failed');
  return new KernelError(op, errno, why, key);
}

/** The value with its trailing newline removed. */
export function readSysctl(key: string): string {
  const path = sysctlPath(key);
  try {
    return readFileSync(path, 'utf8').replace(/\n$/, '');
  } catch (err) {
    throw fail('sysctl.read', key, err);
  }
}

export function writeSysctl(key: string, value: string | number): void {
  const path = sysctlPath(key);
  try {
    // r+: never O_CREAT under /proc; a missing key must fail as ENOENT.
    writeFileSync(path, String(value), { flag: 'r+' });
  } catch (err) {
    throw fail('sysctl.write', key, err);
  }
}

/** Writes only when the current value differs; true when it wrote. */
export function ensureSysctl(key: string, value: string | number): boolean {
  if (readSysctl(key) === String(value)) return false;
  writeSysctl(key, value);
  return true;
}
