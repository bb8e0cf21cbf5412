// Shared by the cluster store tests: throwaway store roots (pwc-*), sources
// with a captured log, bounded reads from watches, and the worker process.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterWatch, WatchEvent } from '../../../src/agent/cluster/cluster-source.js';
import { FileClusterSource, fileSourceOptions, type FileClusterSourceOptions } from '../../../src/agent/cluster/file-source.js';
import type { ClusterObject } from '../../../src/agent/cluster/types.js';

export const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));

export interface TempRoot {
  path: string;
  remove(): void;
}

export function makeRoot(): TempRoot {
  const path = mkdtempSync(join(tmpdir(), 'pwc-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestSource {
  source: FileClusterSource;
  logs: string[];
}

export function openSource(root: string, overrides: Partial<FileClusterSourceOptions> = {}): TestSource {
  const logs: string[] = [];
  const source = new FileClusterSource(fileSourceOptions(root, { pollMs: 50, rescanMs: 100, log: (l) => logs.push(l), ...overrides }));
  return { source, logs };
}

/** The next `n` events, or a rejection naming what arrived when `timeoutMs` passes first. */
export async function take<T extends ClusterObject>(watch: ClusterWatch<T>, n: number, timeoutMs = 5000): Promise<WatchEvent<T>[]> {
  const it = watch[Symbol.asyncIterator]();
  const out: WatchEvent<T>[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms with ${out.length}/${n} events: ${out.map((e) => summarize(e)).join(' ')}`)), timeoutMs);
  });
  try {
    while (out.length < n) {
      const r = await Promise.race([it.next(), timeout]);
      if (r.done) throw new Error(`watch ended after ${out.length}/${n} events`);
      out.push(r.value);
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}

/** "MODIFIED:web@12": an event in one word, for assertions and messages. */
export function summarize<T extends ClusterObject>(e: WatchEvent<T>): string {
  return `${e.type}:${'name' in e.object.metadata ? e.object.metadata.name : ''}@${e.object.metadata.resourceVersion}`;
}

/** Whether the watch yields nothing within `ms` (the pending read is abandoned; stop the watch afterwards). */
export async function quiet<T extends ClusterObject>(watch: ClusterWatch<T>, ms: number): Promise<WatchEvent<T> | undefined> {
  const it = watch[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const r = await Promise.race([it.next(), new Promise<'quiet'>((resolve) => (timer = setTimeout(() => resolve('quiet'), ms)))]);
  clearTimeout(timer);
  return r === 'quiet' || r.done ? undefined : r.value;
}

export interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  done: Promise<Outcome>;
}

/** Starts `node worker.js …args`; `done` settles when it exits (killed after `timeoutMs`). */
export function startWorker(args: string[], timeoutMs = 60_000): Running {
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Outcome>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
  return { child, done };
}

/** Resolves once the worker printed `line` on stdout. */
export function waitForLine(r: Running, line: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`worker did not print ${JSON.stringify(line)} within ${timeoutMs} ms`)), timeoutMs);
    r.child.stdout?.on('data', (d: Buffer | string) => {
      buf += String(d);
      if (buf.split('\n').includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}
