// `lab probe`: every pod to every pod, and to every node's underlay address.
// One `podwirectl lab probe-from` process per source pod, entered into the
// pod's netns, all started together; each connects to all its targets at
// once (prober.ts), so the whole matrix costs about one process start plus
// one timeout, whatever its size.
import { executable, type LabEnv } from './lab-env.js';
import type { PortSpec } from './lab-state.js';
import { netnsPath, podKey } from './layout.js';
import { ensureNodeServer } from './nodes.js';
import { parseOutcomes, type ProbeOutcome, type ProbeTarget } from './probe-types.js';
import { mapLimit } from './concurrency.js';
import { run } from './run.js';
import { compareNodeNames } from './scheduler.js';

export interface ProbeOptions extends PortSpec {
  timeoutMs: number;
  /** Continuous mode: probe for this long (see prober.ts). */
  durationMs?: number;
  intervalMs?: number;
  includeNodes: boolean;
  /** Only these sources (`ns/name`); all pods when undefined. */
  from?: readonly string[];
}

export interface ProbeReport {
  port: number;
  protocol: PortSpec['protocol'];
  sources: string[];
  targets: string[];
  results: Record<string, Record<string, ProbeOutcome>>;
  /** Source pod addresses, to compare with what targets saw. */
  sourceIPs: Record<string, string[]>;
  elapsedMs: number;
}

export function nodeTargetId(node: string): string {
  return `node/${node}`;
}

export async function probeMatrix(env: LabEnv, opts: ProbeOptions): Promise<ProbeReport> {
  const started = Date.now();
  let state = env.state.load();
  const pods = Object.values(state.pods).sort((a, b) => podKey(a.namespace, a.name).localeCompare(podKey(b.namespace, b.name)));
  const nodes = Object.values(state.nodes).sort((a, b) => compareNodeNames(a.name, b.name));
  if (opts.includeNodes) {
    await Promise.all(nodes.map((n) => ensureNodeServer(env, n.name, [{ port: opts.port, protocol: opts.protocol }])));
    state = env.state.load();
  }
  const targets: ProbeTarget[] = [
    ...pods.filter((p) => p.ips[0] !== undefined).map((p) => ({ id: podKey(p.namespace, p.name), ip: p.ips[0] ?? '', port: opts.port, protocol: opts.protocol })),
    ...(opts.includeNodes ? nodes.map((n) => ({ id: nodeTargetId(n.name), ip: n.underlayIP, port: opts.port, protocol: opts.protocol })) : []),
  ];
  const wanted = opts.from ? new Set(opts.from) : undefined;
  const sources = pods.filter((p) => !wanted || wanted.has(podKey(p.namespace, p.name)));
  if (wanted) {
    const missing = [...wanted].filter((w) => !pods.some((p) => podKey(p.namespace, p.name) === w));
    if (missing.length > 0) throw new Error(`no such pod: ${missing.join(', ')}`);
  }
  const args = ['lab', 'probe-from', '--targets', JSON.stringify(targets), '--timeout', String(opts.timeoutMs)];
  if (opts.durationMs !== undefined) args.push('--duration', String(opts.durationMs), '--interval', String(opts.intervalMs ?? 200));
  const budget = opts.timeoutMs + (opts.durationMs ?? 0) + 15_000;
  const rows = await mapLimit(sources, 16, async (p) => {
    const key = podKey(p.namespace, p.name);
    try {
      const out = await run('nsenter', [`--net=${netnsPath(p.netns)}`, executable(env, 'podwirectl'), ...args], { timeoutMs: budget });
      return [key, parseOutcomes(out)] as const;
    } catch (err) {
      const error = `probe-from failed: ${(err as Error).message.split('\n')[0] ?? ''}`;
      return [key, Object.fromEntries(targets.map((t) => [t.id, { ok: false, error }]))] as const;
    }
  });
  return {
    port: opts.port,
    protocol: opts.protocol,
    sources: sources.map((p) => podKey(p.namespace, p.name)),
    targets: targets.map((t) => t.id),
    results: Object.fromEntries(rows),
    sourceIPs: Object.fromEntries(pods.map((p) => [podKey(p.namespace, p.name), p.ips])),
    elapsedMs: Date.now() - started,
  };
}
