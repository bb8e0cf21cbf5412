// `podwirectl bench cni`: the same ADD+DEL workload against Podwire
// (podwire + podwire-ipam) and the reference plugins (bridge + host-local
// from /usr/lib/cni), both with ipMasq and a gateway, both executed as real
// processes with a clean environment, in one run. Rounds alternate which
// implementation goes first, so drift on a shared machine (page cache, other
// load) hits both alike. Everything runs in a throwaway host netns (both
// implementations reach it the same way: nsenter) with throwaway pod netns,
// removed at the end, also on failure or interrupt.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, type LatencySummary } from '../../core/bench/stats.js';
import { ProcessPluginExecutor } from '../cni/plugin-executor.js';
import { BenchNetns } from './bench-netns.js';

export interface CniBenchOptions {
  pods: number;
  rounds: number;
  concurrency: number;
  podwireBinDir: string;
  referenceBinDir: string;
  progress(message: string): void;
}

export type ImplId = 'podwire' | 'reference';

export interface ImplStats { add: LatencySummary; del: LatencySummary; cycle: LatencySummary }

export interface CniBenchReport {
  pods: number;
  rounds: number;
  concurrency: number;
  results: Record<ImplId, ImplStats>;
  /** podwire p50 / reference p50 per operation. */
  ratio: { add: number; del: number; cycle: number };
}

interface Impl {
  id: ImplId;
  binary: string;
  binDir: string;
  conf: Record<string, unknown>;
  pods: string[];
  samples: { add: number[]; del: number[]; cycle: number[] };
}

const PLUGIN_TIMEOUT_MS = 60_000;

function makeImpl(id: ImplId, binDir: string, type: string, ipamType: string, bridge: string, subnet: string, dataDir: string): Impl {
  return {
    id,
    binary: join(binDir, type),
    binDir,
    conf: {
      cniVersion: '1.0.0',
      name: `pwbench-${id}`,
      type,
      bridge,
      isGateway: true,
      ipMasq: true,
      ipam: { type: ipamType, ranges: [[{ subnet }]], dataDir },
    },
    pods: [],
    samples: { add: [], del: [], cycle: [] },
  };
}

async function runPool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export async function runCniBench(opts: CniBenchOptions, onCleanupNeeded: (cleanup: () => void) => void): Promise<CniBenchReport> {
  const prefix = `pwbench${process.pid.toString(36)}`;
  const netns = new BenchNetns(prefix);
  const dataDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const cleanup = (): void => {
    netns.removeAll();
    rmSync(dataDir, { recursive: true, force: true });
  };
  onCleanupNeeded(cleanup);
  try {
    const host = netns.create('host');
    const executor = new ProcessPluginExecutor(host);
    const impls: Impl[] = [
      makeImpl('podwire', opts.podwireBinDir, 'podwire', 'podwire-ipam', `${prefix}p`.slice(0, 15), '10.250.0.0/16', join(dataDir, 'podwire')),
      makeImpl('reference', opts.referenceBinDir, 'bridge', 'host-local', `${prefix}r`.slice(0, 15), '10.251.0.0/16', join(dataDir, 'reference')),
    ];
    opts.progress(`creating ${opts.pods * 2} pod namespaces`);
    for (const impl of impls) {
      for (let i = 0; i < opts.pods; i++) impl.pods.push(netns.create(`${impl.id[0] ?? 'x'}${i}`));
    }

    const call = async (impl: Impl, command: 'ADD' | 'DEL', pod: string, prevResult?: unknown): Promise<{ ms: number; stdout: string }> => {
      const env = {
        CNI_COMMAND: command,
        CNI_CONTAINERID: `bench-${pod.split('-').pop() ?? ''}`,
        CNI_NETNS: pod,
        CNI_IFNAME: 'eth0',
        CNI_PATH: impl.binDir,
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      };
      const conf = prevResult === undefined ? impl.conf : { ...impl.conf, prevResult };
      const t0 = performance.now();
      const out = await executor.run(impl.binary, env, JSON.stringify(conf), PLUGIN_TIMEOUT_MS);
      const ms = performance.now() - t0;
      if (out.exitCode !== 0) {
        throw new Error(`${impl.id} ${command} for ${pod} failed (exit ${String(out.exitCode)}): ${out.stdout.trim() || out.stderr.trim()}`);
      }
      return { ms, stdout: out.stdout };
    };

    // Warm-up: one untimed cycle each (page cache, first bridge creation).
    for (const impl of impls) {
      const pod = impl.pods[0] as string;
      const r = await call(impl, 'ADD', pod);
      await call(impl, 'DEL', pod, JSON.parse(r.stdout));
    }

    for (let round = 0; round < opts.rounds; round++) {
      const order = round % 2 === 0 ? impls : [...impls].reverse();
      for (const impl of order) {
        const results = new Map<string, { add: number; result: unknown }>();
        let done = 0;
        await runPool(impl.pods, opts.concurrency, async (pod) => {
          const r = await call(impl, 'ADD', pod);
          results.set(pod, { add: r.ms, result: JSON.parse(r.stdout) });
          opts.progress(`round ${round + 1}/${opts.rounds}  ${impl.id.padEnd(9)}  ADD ${++done}/${impl.pods.length}`);
        });
        done = 0;
        await runPool(impl.pods, opts.concurrency, async (pod) => {
          const added = results.get(pod);
          const r = await call(impl, 'DEL', pod, added?.result);
          impl.samples.add.push(added?.add ?? Number.NaN);
          impl.samples.del.push(r.ms);
          impl.samples.cycle.push((added?.add ?? Number.NaN) + r.ms);
          opts.progress(`round ${round + 1}/${opts.rounds}  ${impl.id.padEnd(9)}  DEL ${++done}/${impl.pods.length}`);
        });
      }
    }

    const stats = (impl: Impl): ImplStats => ({ add: summarize(impl.samples.add), del: summarize(impl.samples.del), cycle: summarize(impl.samples.cycle) });
    const [pw, ref] = impls.map(stats) as [ImplStats, ImplStats];
    return {
      pods: opts.pods,
      rounds: opts.rounds,
      concurrency: opts.concurrency,
      results: { podwire: pw, reference: ref },
      ratio: { add: pw.add.p50 / ref.add.p50, del: pw.del.p50 / ref.del.p50, cycle: pw.cycle.p50 / ref.cycle.p50 },
    };
  } finally {
    cleanup();
  }
}
