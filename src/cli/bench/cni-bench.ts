// `podwirectl bench cni`: the same ADD+DEL workload against Podwire
// (podwire + podwire-ipam) and the reference plugins (bridge + host-local
// from /usr/lib/cni), all with ipMasq and a gateway, all executed as real
// processes with a clean environment, in one run. Podwire runs twice: as a
// node runs it (the agent's CNI service answering the executable,
// docs/cni-service.md; here `podwire-agent serve-cni` in the host netns) and
// standalone (no service: the executable does everything itself, as on a
// plain podman host). Rounds rotate which implementation goes first, so drift
// on a shared machine (page cache, other load) hits all alike. Everything runs in a throwaway host netns (both
// implementations reach it the same way: nsenter) with throwaway pod netns,
// removed at the end, also on failure or interrupt.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { summarize, type LatencySummary } from '../../core/bench/stats.js';
import { ProcessPluginExecutor } from '../cni/plugin-executor.js';
import { startServeCni, type ServeCniProcess } from '../cni/serve-cni-process.js';
import { BenchNetns } from './bench-netns.js';

export interface CniBenchOptions {
  pods: number;
  rounds: number;
  concurrency: number;
  podwireBinDir: string;
  referenceBinDir: string;
  progress(message: string): void;
}

export type ImplId = 'podwire' | 'standalone' | 'reference';

export const IMPL_IDS: readonly ImplId[] = ['podwire', 'standalone', 'reference'];

/** What each row runs, for the report. */
export const IMPL_LABELS: Record<ImplId, string> = {
  podwire: 'podwire executable answered by the CNI service (as the agent runs it)',
  standalone: 'podwire executable alone (no service on the host)',
  reference: 'reference bridge + host-local',
};

export interface Ratios { add: number; del: number; cycle: number }

export interface ImplStats { add: LatencySummary; del: LatencySummary; cycle: LatencySummary }

export interface CniBenchReport {
  pods: number;
  rounds: number;
  concurrency: number;
  results: Record<ImplId, ImplStats>;
  /** p50 / reference p50 per operation, for each Podwire variant. */
  ratio: Record<Exclude<ImplId, 'reference'>, Ratios>;
  /** Requests the CNI service answered itself (every podwire ADD and DEL, warm-up included) and refused. */
  service: { served: number; refused: number };
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

function makeImpl(id: ImplId, binDir: string, type: string, ipamType: string, bridge: string, subnet: string, dataDir: string, extra: Record<string, unknown> = {}): Impl {
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
      ...extra,
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
  let service: ServeCniProcess | undefined;
  const cleanup = (): void => {
    service?.kill();
    netns.removeAll();
    rmSync(dataDir, { recursive: true, force: true });
  };
  onCleanupNeeded(cleanup);
  try {
    const host = netns.create('host');
    const executor = new ProcessPluginExecutor(host);
    opts.progress('starting the CNI service');
    service = await startServeCni(opts.podwireBinDir, host, join(dataDir, 'cni.sock'));
    const impls: Impl[] = [
      makeImpl('podwire', opts.podwireBinDir, 'podwire', 'podwire-ipam', `${prefix}p`.slice(0, 15), '10.250.0.0/16', join(dataDir, 'podwire'), { serviceSocket: service.socketPath }),
      makeImpl('standalone', opts.podwireBinDir, 'podwire', 'podwire-ipam', `${prefix}s`.slice(0, 15), '10.249.0.0/16', join(dataDir, 'standalone')),
      makeImpl('reference', opts.referenceBinDir, 'bridge', 'host-local', `${prefix}r`.slice(0, 15), '10.251.0.0/16', join(dataDir, 'reference')),
    ];
    opts.progress(`creating ${opts.pods * impls.length} pod namespaces`);
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
      const order = [...impls.slice(round % impls.length), ...impls.slice(0, round % impls.length)];
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

    const counts = await service.stop();
    service = undefined;
    const expected = 2 * (1 + opts.rounds * opts.pods);
    if (counts.served !== expected) {
      throw new Error(`the CNI service answered ${counts.served} of ${expected} podwire requests (refused ${counts.refused}): the podwire rows would not measure it`);
    }
    const stats = (impl: Impl): ImplStats => ({ add: summarize(impl.samples.add), del: summarize(impl.samples.del), cycle: summarize(impl.samples.cycle) });
    const [pw, alone, ref] = impls.map(stats) as [ImplStats, ImplStats, ImplStats];
    const ratios = (s: ImplStats): Ratios => ({ add: s.add.p50 / ref.add.p50, del: s.del.p50 / ref.del.p50, cycle: s.cycle.p50 / ref.cycle.p50 });
    return {
      pods: opts.pods,
      rounds: opts.rounds,
      concurrency: opts.concurrency,
      results: { podwire: pw, standalone: alone, reference: ref },
      ratio: { podwire: ratios(pw), standalone: ratios(alone) },
      service: counts,
    };
  } finally {
    cleanup();
  }
}
