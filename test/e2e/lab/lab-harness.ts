// Runs the built `dist/bin/podwirectl lab ...` as a user would, against a lab
// of the test's own: a prefix per test file and process (`pwlt<pid><tag>`),
// so a run never touches a user's lab (prefix pwlab) or another run's, and a
// lab dir under /tmp. leftovers() is what every suite asserts after `lab down`:
// no netns with the prefix, none of the lab's processes, no lab dir.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DIST_BIN } from '../../helpers/plugin.js';

export const PODWIRECTL = resolve(DIST_BIN, 'podwirectl');
export const EXAMPLE_PODS = resolve('examples/lab/pods.yaml');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Why the lab cannot run here, or undefined. */
export function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces)';
  const missing = ['podwirectl', 'podwire-agent', 'podwire', 'podwire-ipam'].filter((b) => !existsSync(resolve(DIST_BIN, b)));
  return missing.length > 0 ? `missing ${missing.join(', ')} in dist/bin (npm run build)` : undefined;
}

export interface Lab {
  readonly prefix: string;
  readonly labDir: string;
  /** `podwirectl lab ARGS --lab-dir DIR`; resolves with the outcome, whatever the exit code. */
  run(args: readonly string[], opts?: { timeoutMs?: number }): Promise<CliResult>;
  /** As run(), but fails unless the exit code is 0; returns stdout. */
  ok(args: readonly string[], opts?: { timeoutMs?: number }): Promise<string>;
  /** As ok() with --json, parsed. */
  json<T>(args: readonly string[], opts?: { timeoutMs?: number }): Promise<T>;
  /** Starts a command and returns its pending outcome (a background probe). */
  start(args: readonly string[]): { done: Promise<CliResult>; pid: number | undefined };
}

export function runCli(args: readonly string[], timeoutMs = 180_000): { done: Promise<CliResult>; pid: number | undefined } {
  const child = spawn(PODWIRECTL, ['lab', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<CliResult>((resolveDone) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveDone({ code, stdout, stderr });
    });
  });
  return { done, pid: child.pid };
}

let labs = 0;

export function testLab(tag: string): Lab {
  const prefix = `pwlt${process.pid.toString(36)}${tag}${(labs++).toString(36)}`;
  const labDir = `/tmp/podwire-lab-test-${prefix}`;
  // Options go before `--` (exec's command follows it).
  const withDir = (args: readonly string[]) => {
    const end = args.indexOf('--');
    return end < 0 ? [...args, '--lab-dir', labDir] : [...args.slice(0, end), '--lab-dir', labDir, ...args.slice(end)];
  };
  const lab: Lab = {
    prefix,
    labDir,
    run: (args, opts) => runCli(withDir(args), opts?.timeoutMs).done,
    async ok(args, opts) {
      const r = await lab.run(args, opts);
      if (r.code !== 0) throw new Error(`podwirectl lab ${args.join(' ')}: exit ${String(r.code)}\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    async json<T>(args: readonly string[], opts?: { timeoutMs?: number }) {
      return JSON.parse(await lab.ok([...args, '--json'], opts)) as T;
    },
    start: (args) => runCli(withDir(args)),
  };
  return lab;
}

/** Every netns whose name starts with `<prefix>-`. */
export function netnsOf(prefix: string): string[] {
  return existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.startsWith(`${prefix}-`)) : [];
}

/** The inode of a namespace file (/run/netns/x, /proc/<pid>/ns/net): equal inodes, same netns. */
function nsInode(path: string): number {
  return statSync(path).ino;
}

/** Pids of every process inside any of the lab's namespaces. */
export function pidsInLab(prefix: string): number[] {
  const inodes = new Set<number>();
  for (const n of netnsOf(prefix)) {
    try {
      inodes.add(nsInode(`/run/netns/${n}`));
    } catch {
      // removed meanwhile
    }
  }
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (inodes.has(nsInode(`/proc/${d}/ns/net`))) pids.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

export function netnsInode(name: string): number {
  return nsInode(`/run/netns/${name}`);
}

/** Processes whose command line names the lab dir (agents, a stray CLI). */
export function pidsMentioning(text: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text)) out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** What a lab left behind: netns, live processes (of `pids`, or naming the dir), the dir. */
export function leftovers(lab: Lab, pids: readonly number[] = []): string[] {
  const out: string[] = [];
  const ns = netnsOf(lab.prefix);
  if (ns.length > 0) out.push(`netns: ${ns.join(', ')}`);
  const live = [...new Set([...pids.filter(isAlive), ...pidsMentioning(lab.labDir)])];
  if (live.length > 0) out.push(`processes: ${live.join(', ')}`);
  if (existsSync(lab.labDir)) out.push(`dir: ${lab.labDir}`);
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
