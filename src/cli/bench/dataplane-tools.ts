// The measuring tools of `bench dataplane`, each run inside a lab netns with
// nsenter (only the network namespace changes):
// - iperf3: a one-off server (`-s -1`) bound to the target address, awaited
//   until it says it listens, then the client with `-J`; the server exits
//   after its one test and is killed if it has not within a grace period;
// - the ping-pong latency probe: podwirectl itself (`bench dataplane
//   ping-pong`, ping-pong.ts) against the lab's echo server.
// Every process started here is a child of this one and ends before the
// function returns, failed or not; anything a signal interrupts is inside a
// lab netns and goes with the lab's sweep.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { busyFraction } from '../../core/bench/cpu-stat.js';
import { parseIperf3Text, type Iperf3Result } from '../../core/bench/iperf3.js';
import { parsePingPongOutput } from '../../core/bench/ping-pong.js';
import { netnsPath } from '../../lab/layout.js';

export const IPERF3_PORT = 5201;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; resolves whatever the exit status (callers read the output). */
function capture(cmd: string, args: readonly string[], timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    execFile(cmd, [...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code === 'string') {
        reject(new Error(`${cmd}: ${(err as { code: string }).code === 'ENOENT' ? 'not found' : err.message}`));
        return;
      }
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null) : 0;
      if (err && (err as { killed?: boolean }).killed) {
        reject(new Error(`${[cmd, ...args].join(' ')}: no result after ${timeoutMs} ms`));
        return;
      }
      resolve({ code, stdout, stderr });
    });
  });
}

const inNetns = (netns: string, cmd: string, args: readonly string[]): string[] => [`--net=${netnsPath(netns)}`, cmd, ...args];

/** iperf3's version line; fails with how to install it when it is missing. */
export async function iperf3Version(): Promise<string> {
  try {
    const out = await capture('iperf3', ['--version'], 5000);
    return out.stdout.split('\n')[0]?.trim() ?? 'iperf3';
  } catch {
    throw new Error('iperf3 is not installed (Debian: apt-get install -y iperf3)');
  }
}

function waitForListening(server: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`iperf3 server: not listening after ${timeoutMs} ms: ${text.trim()}`)), timeoutMs);
    server.stdout?.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.includes('Server listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    server.stderr?.setEncoding('utf8').on('data', (d: string) => (text += d));
    server.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`iperf3 server exited (${String(code)}) before listening: ${text.trim()}`));
    });
    server.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface ThroughputOptions {
  clientNetns: string;
  serverNetns: string;
  /** The server's address, as the client reaches it. */
  serverIP: string;
  durationSeconds: number;
}

/** One TCP stream from client to server for the duration; the receiver's rate. */
export async function measureThroughput(opts: ThroughputOptions): Promise<Iperf3Result> {
  const server = spawn('nsenter', inNetns(opts.serverNetns, 'iperf3', ['-s', '-1', '-B', opts.serverIP, '-p', String(IPERF3_PORT), '--forceflush']), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await waitForListening(server, 10_000);
    const out = await capture('nsenter', inNetns(opts.clientNetns, 'iperf3', [
      '-c', opts.serverIP, '-p', String(IPERF3_PORT), '-t', String(opts.durationSeconds), '-J',
    ]), (opts.durationSeconds + 20) * 1000);
    try {
      return parseIperf3Text(out.stdout);
    } catch (err) {
      throw new Error(`${(err as Error).message} (${opts.clientNetns} → ${opts.serverIP}${out.stderr.trim() ? `: ${out.stderr.trim()}` : ''})`);
    }
  } finally {
    await stopChild(server, 2000);
  }
}

export interface LatencyOptions {
  /** podwirectl, which runs the probe. */
  podwirectl: string;
  clientNetns: string;
  host: string;
  port: number;
  count: number;
  payloadBytes: number;
}

/** Round trips in microseconds (ping-pong.ts), measured from inside clientNetns. */
export async function measureLatency(opts: LatencyOptions): Promise<number[]> {
  const out = await capture('nsenter', inNetns(opts.clientNetns, opts.podwirectl, [
    'bench', 'dataplane', 'ping-pong', `${opts.host}:${opts.port}`, '--count', String(opts.count), '--size', String(opts.payloadBytes),
  ]), 60_000);
  if (out.code !== 0) throw new Error(`ping-pong ${opts.clientNetns} → ${opts.host}:${opts.port}: exit ${String(out.code)}: ${out.stderr.trim()}`);
  return parsePingPongOutput(out.stdout).rttUs;
}

/** The MTU of a link inside a netns, or null if it cannot be read. */
export async function linkMtu(netns: string, dev: string): Promise<number | null> {
  try {
    const out = await capture('ip', ['-j', '-n', netns, 'link', 'show', 'dev', dev], 5000);
    const links = JSON.parse(out.stdout) as Array<{ mtu?: unknown }>;
    const mtu = links[0]?.mtu;
    return typeof mtu === 'number' ? mtu : null;
  } catch {
    return null;
  }
}

/** How busy all CPUs were over the next `ms` (/proc/stat; 0 where it cannot be read). */
export async function sampleCpuBusy(ms: number): Promise<number> {
  try {
    const before = readFileSync('/proc/stat', 'utf8');
    await sleep(ms);
    return busyFraction(before, readFileSync('/proc/stat', 'utf8'));
  } catch {
    return 0;
  }
}
