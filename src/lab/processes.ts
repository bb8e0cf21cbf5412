// Long-running lab processes (agents, pod and node servers): started inside a
// netns with nsenter, in their own session (detached: they outlive the
// podwirectl command that started them and a Ctrl-C in its terminal), with
// stdout and stderr appended to a log file. nsenter execs the program, so the
// pid recorded is the program's own.
//
// A pid alone is not an identity (pids are reused): records carry the start
// time from /proc/<pid>/stat, and nothing is ever signalled unless both match.
//
// Readiness: a server started with `readyFd` writes "ready" to fd 3 once it
// listens; the pipe's other end is ours, so waiting costs no polling and a
// process that dies first is noticed at once (EOF).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Readable } from 'node:stream';
import { procProbe } from '../agent/cluster/process-probe.js';
import type { ProcRecord } from './lab-state.js';

export interface StartOptions {
  netnsPath: string;
  exe: string;
  args: readonly string[];
  logPath: string;
  what: string;
  /** Wait for "ready" on fd 3 (see above), at most this long. */
  readyTimeoutMs?: number;
}

function startTimeOf(pid: number): string {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

export function isRunning(rec: ProcRecord | undefined): boolean {
  return rec !== undefined && procProbe().isAlive(rec);
}

/** The last lines of a log, for error messages. */
export function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function waitReady(pipe: Readable, what: string, timeoutMs: number, logPath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      pipe.destroy();
      reject(new Error(`${what}: ${why}\n${logTail(logPath)}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    pipe.setEncoding('utf8');
    pipe.on('data', (d: string) => {
      text += d;
      if (text.includes('ready')) {
        clearTimeout(timer);
        pipe.destroy();
        resolve();
      }
    });
    pipe.on('error', () => undefined);
    pipe.on('end', () => fail(`exited before it was ready (log ${logPath})`));
  });
}

/** Starts a detached process in a netns; resolves with its record (once ready, with readyTimeoutMs). */
export async function startInNetns(opts: StartOptions): Promise<ProcRecord> {
  mkdirSync(dirname(opts.logPath), { recursive: true });
  const log = openSync(opts.logPath, 'a');
  const wantReady = opts.readyTimeoutMs !== undefined;
  let child;
  try {
    child = spawn('nsenter', [`--net=${opts.netnsPath}`, opts.exe, ...opts.args], {
      detached: true,
      stdio: ['ignore', log, log, ...(wantReady ? ['pipe' as const] : [])],
    });
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) {
    const err = await new Promise<unknown>((resolve) => child.once('error', resolve));
    throw new Error(`${opts.what}: cannot start nsenter: ${String(err)}`);
  }
  child.unref();
  const record: ProcRecord = { pid, start: startTimeOf(pid), what: opts.what };
  const pipe = child.stdio[3] as Readable | null | undefined;
  if (wantReady && pipe) {
    (pipe as Readable & { unref?: () => void }).unref?.();
    try {
      await waitReady(pipe, opts.what, opts.readyTimeoutMs ?? 0, opts.logPath);
    } catch (err) {
      await stopProcess(record, { graceMs: 0 });
      throw err;
    }
  }
  return record;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'ESRCH') throw err;
  }
}

/**
 * Stops a recorded process: `signal` (default SIGTERM), then SIGKILL after
 * `graceMs`; resolves once it is gone. A process that is not the recorded
 * one (exited, pid reused) is left alone.
 */
export async function stopProcess(rec: ProcRecord | undefined, opts: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<void> {
  if (!rec || !isRunning(rec)) return;
  signal(rec.pid, opts.signal ?? 'SIGTERM');
  const deadline = Date.now() + (opts.graceMs ?? 3000);
  while (isRunning(rec)) {
    if (Date.now() >= deadline) signal(rec.pid, 'SIGKILL');
    await sleep(10);
  }
}

/** SIGKILLs pids found in a lab netns (the sweep of `lab down`), waiting until they are gone. */
export async function killPids(pids: readonly number[]): Promise<void> {
  const recs = pids.map((pid) => ({ pid, start: startTimeOf(pid), what: `pid ${pid}` }));
  for (const r of recs) if (r.start !== '') signal(r.pid, 'SIGKILL');
  const deadline = Date.now() + 5000;
  while (recs.some((r) => r.start !== '' && isRunning(r)) && Date.now() < deadline) await sleep(10);
}
