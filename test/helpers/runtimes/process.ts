// Processes with timeouts, and where runtime binaries are. Part of the e2e runtime harness: see runtimes.ts for the design note.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

export interface CmdResult { code: number | null; stdout: string; stderr: string }
export interface CmdOptions { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string; /** Throw on a non-zero exit (default true). */ check?: boolean }

/** Runs a command with a hard timeout (SIGKILL); rejects on timeout, and on failure unless check is false. */
export function runCmd(cmd: string, args: readonly string[], opts: CmdOptions = {}): Promise<CmdResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const line = `${cmd} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    const finish = (code: number | null): void => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`${line}: timed out after ${timeoutMs} ms\n${stderr}`));
      else if (opts.check !== false && code !== 0) reject(new Error(`${line}: exit ${String(code)}\n${stderr}${stdout}`));
      else resolve({ code, stdout, stderr });
    };
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    // A daemon started by the command (conmon, a shim) may keep our pipes open:
    // wait for 'close', but no longer than a moment after 'exit'.
    child.on('exit', (code) => {
      const grace = setTimeout(() => finish(code), 500);
      child.on('close', () => { clearTimeout(grace); finish(code); });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** The promise's value, or 'timeout' after ms; the timer never outlives the race. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

export const SYSTEM_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of an executable on PATH (or the system dirs), undefined if absent. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SYSTEM_PATH];
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch { /* next */ }
  }
  return undefined;
}

/** Why a harness cannot run here (not root, missing executables), or undefined when it can. */
export function missingForRuntime(runtime: 'podman' | 'ctr'): string | undefined {
  if (process.getuid?.() !== 0) return 'e2e runtime tests need root';
  const needed = runtime === 'podman'
    ? ['podman', 'conmon', 'runc', 'nsenter', 'tar', 'busybox']
    : ['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc', 'nsenter', 'unshare', 'podman', 'tar', 'busybox'];
  const missing = needed.filter((n) => findExecutable(n) === undefined);
  return missing.length > 0 ? `${runtime} e2e: missing ${missing.join(', ')} (apt-get install podman containerd runc conmon busybox-static)` : undefined;
}
