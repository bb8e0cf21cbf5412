// The agent of `bench policy`: the agent's own PolicyController in a child
// process, so the RSS the bench reports is that of a process doing what an
// agent does for NetworkPolicy (informers on the store, the live table,
// libnftables in the node netns) and nothing else. The bench process itself
// also seeds the store (21,000 writes at the defaults) and runs the
// from-scratch full-sync rounds; its own RSS is reported apart.
// The child is this same executable (`podwirectl bench policy --agent-child`,
// internal), talking JSON messages over the IPC channel:
//   bench → agent: start {config}, report, stop
//   agent → bench: synced {ms}, applied {rvs, syncMs, nftMs} after each ok
//   sync, report {rss, peak, syncs, errors}, failed {message}
// The agent exits when told to stop or when the bench goes away (IPC
// disconnect); the bench kills it on interrupt. Latency is measured in the
// bench, from the store write to the `applied` message: the IPC hop (well
// under a millisecond) is counted against the agent.
import { fork, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { FileClusterSource, fileSourceOptions } from '../../agent/cluster/file-source.js';
import { createEventBus } from '../../agent/events.js';
import { PolicyController } from '../../agent/policy/policy-controller.js';
import { AppliedWaiter, DeliveryLog, NetnsNftDataplane, trackingSource, type AppliedInfo } from './policy-bench-probe.js';

export const AGENT_CHILD_FLAG = '--agent-child';

export interface BenchAgentConfig {
  readonly storeDir: string;
  readonly netnsPath: string;
  readonly node: string;
  readonly podCidrs: readonly string[];
  readonly debounceMs: number;
}

export interface AgentReport {
  readonly rssMB: { readonly now: number; readonly peak: number };
  readonly syncs: { readonly full: number; readonly incremental: number; readonly noop: number };
  readonly errors: number;
}

type ToAgent = { type: 'start'; config: BenchAgentConfig } | { type: 'report' } | { type: 'stop' };
type FromAgent =
  | { type: 'synced'; ms: number }
  | { type: 'applied'; rvs: string[]; syncMs: number; nftMs: number }
  | { type: 'report'; report: AgentReport }
  | { type: 'failed'; message: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A message from the other side, checked as far as each side reads it. */
function parseMessage<T extends { type: string }>(v: unknown, types: readonly T['type'][]): T {
  if (!isObject(v) || typeof v.type !== 'string' || !types.includes(v.type)) throw new Error(`bench policy: unexpected IPC message ${JSON.stringify(v)}`);
  return v as T;
}

const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

/** The child side: runs until told to stop; returns the exit code. */
export function serveBenchAgent(): Promise<number> {
  const send = (m: FromAgent): void => void process.send?.(m);
  return new Promise((resolve) => {
    let stopAll: (() => Promise<void>) | undefined;
    process.on('disconnect', () => void (stopAll ? stopAll() : Promise.resolve()).finally(() => resolve(1)));
    process.on('message', (raw: unknown) => {
      const m = parseMessage<ToAgent>(raw, ['start', 'report', 'stop']);
      if (m.type === 'start') {
        start(m.config, send).then((stop) => (stopAll = stop), (err: unknown) => {
          send({ type: 'failed', message: err instanceof Error ? err.message : String(err) });
          resolve(1);
        });
      } else if (m.type === 'stop') {
        void (stopAll ? stopAll() : Promise.resolve()).then(() => {
          process.disconnect();
          resolve(0);
        });
      }
    });
  });
}

async function start(config: BenchAgentConfig, send: (m: FromAgent) => void): Promise<() => Promise<void>> {
  const source = new FileClusterSource(fileSourceOptions(config.storeDir, { historyLimit: 100_000, log: () => undefined }));
  const dataplane = new NetnsNftDataplane(config.netnsPath, () => performance.now());
  const events = createEventBus();
  const errors: string[] = [];
  const log = new DeliveryLog(events, () => dataplane.lastRunMs, (rvs, info) => send({ type: 'applied', rvs, ...info }));
  const controller = new PolicyController({
    source: trackingSource(source, log), dataplane, events,
    log: (level, message, fields) => { if (level === 'error') errors.push(`${message} ${JSON.stringify(fields ?? {})}`); },
    node: config.node, podCidrs: config.podCidrs, localAddresses: () => [],
    bridge: { sameNodeEnforced: true, note: 'bench: no bridge' },
    debounceMs: config.debounceMs, now: () => performance.now(), wallClock: () => new Date(),
  });
  let firstSyncMs = 0;
  events.subscribe((e) => {
    if (e.type === 'policy-sync' && e.ok && firstSyncMs === 0) firstSyncMs = e.durationSeconds * 1000;
  });
  process.on('message', (raw: unknown) => {
    if (!isObject(raw) || raw.type !== 'report') return;
    const status = controller.status();
    const usage = process.memoryUsage();
    send({ type: 'report', report: { rssMB: { now: mb(usage.rss), peak: mb(process.resourceUsage().maxRSS * 1024) }, syncs: status.syncs, errors: status.errors } });
  });
  controller.start();
  await Promise.race([controller.started, new Promise((_, reject) => setTimeout(() => reject(new Error(`policy controller not synced after 120 s: ${errors.join('; ')}`)), 120_000).unref())]);
  send({ type: 'synced', ms: firstSyncMs });
  return async () => {
    await controller.stop();
    source.close();
    dataplane.close();
  };
}

/** The bench side of one agent child. */
export class BenchAgent {
  private readonly waiter = new AppliedWaiter();
  private reportWaiter: ((r: AgentReport) => void) | undefined;
  private failure: string | undefined;

  private constructor(private readonly child: ChildProcess, onSynced: (ms: number) => void, onFailed: (message: string) => void) {
    child.on('message', (raw: unknown) => {
      const m = parseMessage<FromAgent>(raw, ['synced', 'applied', 'report', 'failed']);
      if (m.type === 'synced') onSynced(m.ms);
      else if (m.type === 'applied') this.waiter.note(m.rvs, { syncMs: m.syncMs, nftMs: m.nftMs });
      else if (m.type === 'report') this.reportWaiter?.(m.report);
      else {
        this.failure = m.message;
        onFailed(m.message);
      }
    });
  }

  /** Starts the agent on the store and netns; resolves with it and its first sync's duration once that is in the kernel. */
  static start(config: BenchAgentConfig, timeoutMs: number): Promise<{ agent: BenchAgent; firstSyncMs: number }> {
    // This executable again (argv[1]: the dist loader or the compiled entry), with the same Node flags.
    const child = fork(process.argv[1] as string, ['bench', 'policy', AGENT_CHILD_FLAG], { execArgv: process.execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`bench agent not synced after ${timeoutMs} ms`));
      }, timeoutMs);
      const fail = (message: string): void => {
        clearTimeout(timer);
        reject(new Error(`bench agent: ${message}`));
      };
      const agent = new BenchAgent(child, (ms) => {
        clearTimeout(timer);
        resolve({ agent, firstSyncMs: ms });
      }, fail);
      child.once('exit', (code) => fail(`exited (${code ?? 'signal'}) before its first sync`));
      child.send({ type: 'start', config } satisfies ToAgent);
    });
  }

  waitApplied(rv: string, timeoutMs: number): Promise<AppliedInfo> {
    if (this.failure) return Promise.reject(new Error(`bench agent: ${this.failure}`));
    return this.waiter.waitApplied(rv, timeoutMs);
  }

  /** Its RSS and controller counters, now. */
  report(timeoutMs = 10_000): Promise<AgentReport> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('bench agent: no report')), timeoutMs);
      this.reportWaiter = (r) => {
        clearTimeout(timer);
        this.reportWaiter = undefined;
        resolve(r);
      };
      this.child.send({ type: 'report' } satisfies ToAgent);
    });
  }

  /** Stops the controller and waits for the child to exit (killed after timeoutMs). */
  stop(timeoutMs = 10_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      if (this.child.connected) this.child.send({ type: 'stop' } satisfies ToAgent);
      else this.child.kill();
    });
  }

  /** For interrupts: no goodbyes. */
  kill(): void {
    this.child.kill('SIGKILL');
  }
}
