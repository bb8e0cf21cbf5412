// `bench policy`: the NetworkPolicy dataplane at scale, measured end to end
// in one throwaway "node" netns (pwpb<pid>-node; no netns per pod: pods are
// addresses in the table) with a throwaway file store under /tmp.
// 1. Seed the store with N pods (create + updateStatus, as kubelet), M
//    policies and their namespaces, through the real FileClusterSource.
// 2. Full sync, a few rounds, stage by stage: list from the store, build the
//    model, compile for the node, render, one nft transaction in the netns.
// 3. Start the agent's own PolicyController (src/agent/policy) on that store
//    and netns, in a child process of its own (policy-bench-agent.ts), and
//    time single changes from the first store write to the nft transaction
//    that carries them (policy-bench-probe.ts): a pod added (create + status
//    with its IP), a pod relabeled, a policy added; one at a time, each
//    waited for. The controller's scheduling (its debounce) is included.
// 4. The RSS (now and peak) of that agent process, and of the bench process.
// Everything is removed in a finally block and on SIGINT/SIGTERM.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FileClusterSource, fileSourceOptions } from '../../agent/cluster/file-source.js';
import type { ClusterSource } from '../../agent/cluster/cluster-source.js';
import { percentile } from '../../core/bench/stats.js';
import { compilePolicy } from '../../core/policy/compile.js';
import { buildPolicyModel } from '../../core/policy/model.js';
import { renderRuleset } from '../../core/policy/render-nft.js';
import { BenchNetns } from './bench-netns.js';
import { addedPolicy, benchNamespaces, benchNode, benchPod, benchPolicy, BENCH_POD_CIDR, namespaceCount, relabel, type BenchClusterShape } from './policy-bench-cluster.js';
import { BenchAgent } from './policy-bench-agent.js';
import { NetnsNftDataplane } from './policy-bench-probe.js';

export type ChangeKind = 'pod-added' | 'label-changed' | 'policy-added';
export const CHANGE_KINDS: readonly ChangeKind[] = ['pod-added', 'label-changed', 'policy-added'];

export interface PolicyBenchOptions extends BenchClusterShape {
  readonly changes: number;
  readonly rounds: number;
  readonly debounceMs: number;
  readonly progress: (message: string) => void;
}

export interface StageTimes { listMs: number; buildMs: number; compileMs: number; renderMs: number; applyMs: number; totalMs: number }

export interface ChangeSummary {
  n: number;
  /** Store write to nft transaction returned, ms. */
  p50: number;
  p99: number;
  max: number;
  /** The controller's sync (build + compile + diff + render + nft), p50 ms. */
  syncP50: number;
  /** The nft transaction alone, p50 ms. */
  nftP50: number;
}

export interface PolicyBenchReport {
  pods: number;
  policies: number;
  namespaces: number;
  nodes: number;
  localPods: number;
  netns: string;
  debounceMs: number;
  seedSeconds: number;
  ruleset: { chains: number; sets: number; elements: number; scriptBytes: number };
  fullSync: { rounds: StageTimes[]; p50: StageTimes };
  controllerFirstSyncMs: number;
  changes: Record<ChangeKind, ChangeSummary>;
  controller: { syncs: { full: number; incremental: number; noop: number }; errors: number };
  /** The agent process (the policy controller on its own). */
  rssMB: { now: number; peak: number };
  /** The bench process: seeding, full-sync rounds, the changes' store writes. */
  benchRssMB: { now: number; peak: number };
  /** True when the netns was gone after cleanup. */
  cleanedUp: boolean;
}

const ms = (t0: number): number => performance.now() - t0;
const mb = (bytes: number): number => Math.round((bytes / 1048576) * 10) / 10;

async function seed(store: ClusterSource, o: PolicyBenchOptions): Promise<void> {
  for (const ns of benchNamespaces(o)) await store.create('Namespace', ns);
  for (let i = 0; i < o.policies; i++) {
    await store.create('NetworkPolicy', benchPolicy(o, i));
    if (i % 200 === 0) o.progress(`seeding the store: policy ${i}/${o.policies}`);
  }
  for (let k = 0; k < o.pods; k++) {
    const { pod, status } = benchPod(o, k);
    const created = await store.create('Pod', pod);
    await store.updateStatus('Pod', { ...created, status });
    if (k % 200 === 0) o.progress(`seeding the store: pod ${k}/${o.pods}`);
  }
}

async function fullSync(store: ClusterSource, dataplane: NetnsNftDataplane): Promise<{ times: StageTimes; ruleset: PolicyBenchReport['ruleset']; localPods: number }> {
  const t0 = performance.now();
  const [namespaces, pods, policies, nodes] = await Promise.all([store.list('Namespace'), store.list('Pod'), store.list('NetworkPolicy'), store.list('Node')]);
  const listMs = ms(t0);
  const t1 = performance.now();
  const model = buildPolicyModel({ namespaces: namespaces.items, pods: pods.items, policies: policies.items, nodes: nodes.items });
  const buildMs = ms(t1);
  const t2 = performance.now();
  const ruleset = compilePolicy(model, { node: benchNode, nodeAddresses: [], podCidrs: [BENCH_POD_CIDR], families: [4] });
  const compileMs = ms(t2);
  const t3 = performance.now();
  const script = renderRuleset(ruleset);
  const renderMs = ms(t3);
  const t4 = performance.now();
  dataplane.run(script);
  const applyMs = ms(t4);
  const elements = ruleset.sets.reduce((n, s) => n + s.elements.length, 0) + ruleset.maps.reduce((n, m) => n + m.entries.length, 0);
  return {
    times: { listMs, buildMs, compileMs, renderMs, applyMs, totalMs: buildMs + compileMs + renderMs + applyMs },
    ruleset: { chains: ruleset.chains.length, sets: ruleset.sets.length, elements, scriptBytes: script.length },
    localPods: model.pods.filter((p) => p.node === benchNode).length,
  };
}

/** One change through the store; returns the resourceVersion whose application ends it. */
async function change(store: ClusterSource, o: PolicyBenchOptions, kind: ChangeKind, i: number, labelsNow: Map<string, Record<string, string>>): Promise<string> {
  switch (kind) {
    case 'pod-added': {
      const { pod, status } = benchPod(o, o.pods + i, `bench-added-${i}`);
      const created = await store.create('Pod', pod);
      return (await store.updateStatus('Pod', { ...created, status })).metadata.resourceVersion;
    }
    case 'label-changed': {
      const r = relabel(o, i, labelsNow);
      labelsNow.set(`${r.namespace}/${r.name}`, r.labels);
      return (await store.patch('Pod', { namespace: r.namespace, name: r.name }, { metadata: { labels: r.labels } })).metadata.resourceVersion;
    }
    case 'policy-added':
      return (await store.create('NetworkPolicy', addedPolicy(o, i))).metadata.resourceVersion;
  }
}

function summarizeChanges(total: number[], sync: number[], nft: number[]): ChangeSummary {
  return { n: total.length, p50: percentile(total, 50), p99: percentile(total, 99), max: Math.max(...total), syncP50: percentile(sync, 50), nftP50: percentile(nft, 50) };
}

function medianTimes(rounds: readonly StageTimes[]): StageTimes {
  const key = (k: keyof StageTimes): number => percentile(rounds.map((r) => r[k]), 50);
  return { listMs: key('listMs'), buildMs: key('buildMs'), compileMs: key('compileMs'), renderMs: key('renderMs'), applyMs: key('applyMs'), totalMs: key('totalMs') };
}

async function measure(o: PolicyBenchOptions, onInterrupt: (cleanup: () => void) => void): Promise<PolicyBenchReport> {
  const prefix = `pwpb${process.pid.toString(36)}`;
  const netns = new BenchNetns(prefix);
  const storeDir = mkdtempSync(join(tmpdir(), `${prefix}-store-`));
  let agent: BenchAgent | undefined;
  const cleanup = (): void => {
    agent?.kill();
    netns.removeAll();
    rmSync(storeDir, { recursive: true, force: true });
  };
  onInterrupt(cleanup);
  const source = new FileClusterSource(fileSourceOptions(storeDir, { historyLimit: 100_000, log: () => undefined }));
  let dataplane: NetnsNftDataplane | undefined;
  const nsName = `${prefix}-node`;
  try {
    const nsPath = netns.create('node');
    dataplane = new NetnsNftDataplane(nsPath, () => performance.now());

    const t0 = performance.now();
    await seed(source, o);
    const seedSeconds = ms(t0) / 1000;

    const rounds: StageTimes[] = [];
    let last: Awaited<ReturnType<typeof fullSync>> | undefined;
    for (let r = 0; r < o.rounds; r++) {
      o.progress(`full sync ${r + 1}/${o.rounds}`);
      last = await fullSync(source, dataplane);
      rounds.push(last.times);
    }

    o.progress('starting the policy controller (agent process)');
    const started = await BenchAgent.start({ storeDir, netnsPath: nsPath, node: benchNode, podCidrs: [BENCH_POD_CIDR], debounceMs: o.debounceMs }, 120_000);
    agent = started.agent;

    const labelsNow = new Map<string, Record<string, string>>();
    const changes = {} as Record<ChangeKind, ChangeSummary>;
    for (const kind of CHANGE_KINDS) {
      const total: number[] = [];
      const sync: number[] = [];
      const nft: number[] = [];
      for (let i = 0; i < o.changes; i++) {
        o.progress(`${kind}: ${i + 1}/${o.changes}`);
        const c0 = performance.now();
        const rv = await change(source, o, kind, i, labelsNow);
        const applied = await agent.waitApplied(rv, 30_000);
        total.push(ms(c0));
        sync.push(applied.syncMs);
        nft.push(applied.nftMs);
      }
      changes[kind] = summarizeChanges(total, sync, nft);
    }
    const report = await agent.report();
    const mem = process.memoryUsage();
    return {
      pods: o.pods, policies: o.policies, namespaces: namespaceCount(o), nodes: o.nodes, localPods: last?.localPods ?? 0,
      netns: nsName, debounceMs: o.debounceMs, seedSeconds,
      ruleset: last?.ruleset ?? { chains: 0, sets: 0, elements: 0, scriptBytes: 0 },
      fullSync: { rounds, p50: medianTimes(rounds) },
      controllerFirstSyncMs: started.firstSyncMs,
      changes,
      controller: { syncs: report.syncs, errors: report.errors },
      rssMB: report.rssMB,
      benchRssMB: { now: mb(mem.rss), peak: mb(process.resourceUsage().maxRSS * 1024) },
      cleanedUp: false,
    };
  } finally {
    await agent?.stop();
    source.close();
    dataplane?.close();
    cleanup();
  }
}

export async function runPolicyBench(o: PolicyBenchOptions, onInterrupt: (cleanup: () => void) => void): Promise<PolicyBenchReport> {
  const report = await measure(o, onInterrupt);
  return { ...report, cleanedUp: !existsSync(`/run/netns/${report.netns}`) };
}
