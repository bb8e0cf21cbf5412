// `podwirectl bench dataplane`: TCP throughput (iperf3, one stream) and TCP
// round-trip latency (ping-pong) over the lab's real datapath, for
// - node → node over the underlay: the baseline every other path is held to;
// - pod → pod on the same node (the pw0 bridge);
// - pod → pod across nodes, once per backend (vxlan, routed).
// One throwaway lab per backend (dataplane-lab.ts), built together; the
// baseline and the same-node path are measured in the first one. Each round
// measures every path back to back, in alternating order, so slow drift hits
// all paths alike and the paired ratios (dataplane-report.ts) cancel it.
//
// Cleanup: the labs are named before they are built, a signal sweeps them
// synchronously, and a finally block runs `lab down` on each whether the
// bring-up or a measurement failed.
import { availableParallelism, release } from 'node:os';
import { join } from 'node:path';
import {
  buildDataplaneReport, pathSpec, type DataplaneBackend, type DataplaneReport, type PathId, type PathMeasurements, type PathSpec,
} from '../../core/bench/dataplane-report.js';
import { downBenchLab, ECHO_PORT, labNode, labPod, planBenchLab, sweepBenchLabSync, upBenchLab, type BenchLab } from './dataplane-lab.js';
import { iperf3Version, linkMtu, measureLatency, measureThroughput, sampleCpuBusy, type ThroughputOptions } from './dataplane-tools.js';

export interface DataplaneBenchOptions {
  backends: DataplaneBackend[];
  durationSeconds: number;
  rounds: number;
  pingPongCount: number;
  payloadBytes: number;
  /** Directory of podwirectl, podwire-agent and the plugins. */
  binDir: string;
  progress(message: string): void;
  log(line: string): void;
}

interface BenchPath {
  spec: PathSpec;
  throughput: Omit<ThroughputOptions, 'durationSeconds'>;
  latency: { clientNetns: string; host: string };
}

const READY_TIMEOUT_MS = 60_000;

async function planPaths(labs: readonly BenchLab[]): Promise<BenchPath[]> {
  const first = labs[0];
  if (!first) throw new Error('bench dataplane: no backend');
  const n1 = labNode(first, 'node1');
  const n2 = labNode(first, 'node2');
  const a = labPod(first, 'a');
  const b = labPod(first, 'b');
  const path = (id: PathId, backend: DataplaneBackend | null, mtu: number | null, clientNetns: string, serverNetns: string, serverIP: string): BenchPath => ({
    spec: pathSpec(id, backend, mtu),
    throughput: { clientNetns, serverNetns, serverIP },
    latency: { clientNetns, host: serverIP },
  });
  const paths = [
    path('underlay', null, await linkMtu(n1.netns, 'eth0'), n1.netns, n2.netns, n2.underlayIP),
    path('same-node', first.backend, await linkMtu(a.netns, 'eth0'), a.netns, b.netns, b.ip),
  ];
  for (const lab of labs) {
    const from = labPod(lab, 'a');
    const to = labPod(lab, 'c');
    paths.push(path(`cross-node-${lab.backend}`, lab.backend, await linkMtu(from.netns, 'eth0'), from.netns, to.netns, to.ip));
  }
  return paths;
}

const describe = (s: PathSpec): string => `${s.label}${s.backend && s.id !== 'same-node' ? ` (${s.backend})` : ''}`;

export async function runDataplaneBench(opts: DataplaneBenchOptions, onInterrupt: (cleanup: () => void) => void): Promise<DataplaneReport> {
  const iperf3 = await iperf3Version();
  // Client and server are not pinned to CPUs: pinned apart, TCP sends from
  // both CPUs (the application's and the ACK softirq's), veth queues per CPU,
  // and the receiver sees reordering and spurious retransmissions (ten times
  // more in our runs) that the scheduler's own placement mostly avoids
  // (docs/bench.md).
  const cpuBusyBefore = await sampleCpuBusy(1000);
  const labs = opts.backends.map((backend) => planBenchLab({ backend, binDir: opts.binDir, progress: opts.progress, log: opts.log }, process.pid));
  onInterrupt(() => labs.forEach(sweepBenchLabSync));
  const measured: PathMeasurements[] = [];
  try {
    opts.progress(`building ${labs.length === 1 ? 'a lab' : `${labs.length} labs`} (${opts.backends.join(', ')}; 2 nodes, 3 pods each)`);
    const ups = await Promise.allSettled(labs.map((lab) => upBenchLab(lab, READY_TIMEOUT_MS)));
    const failed = ups.find((u): u is PromiseRejectedResult => u.status === 'rejected');
    if (failed) throw new Error(`lab bring-up failed: ${(failed.reason as Error).message}`);
    const paths = await planPaths(labs);
    for (const p of paths) measured.push({ spec: p.spec, throughput: [], rttUs: [] });
    const podwirectl = join(opts.binDir, 'podwirectl');
    for (let round = 0; round < opts.rounds; round++) {
      const order = paths.map((p, i) => ({ p, m: measured[i] as PathMeasurements }));
      if (round % 2 === 1) order.reverse();
      for (const { p, m } of order) {
        const what = `round ${round + 1}/${opts.rounds}  ${describe(p.spec)}`;
        opts.progress(`${what}: latency`);
        m.rttUs.push(...await measureLatency({
          podwirectl, clientNetns: p.latency.clientNetns, host: p.latency.host, port: ECHO_PORT, count: opts.pingPongCount, payloadBytes: opts.payloadBytes,
        }));
        opts.progress(`${what}: throughput (${opts.durationSeconds} s)`);
        const r = await measureThroughput({ ...p.throughput, durationSeconds: opts.durationSeconds });
        m.throughput.push({ bitsPerSecond: r.bitsPerSecond, retransmits: r.retransmits, cpu: r.cpu });
      }
    }
  } finally {
    opts.progress('removing the labs');
    const warnings = (await Promise.all(labs.map((lab) => downBenchLab(lab, opts.progress)))).flat();
    for (const w of warnings) opts.log(`warning: ${w}`);
  }
  return buildDataplaneReport({
    backends: opts.backends,
    durationSeconds: opts.durationSeconds,
    rounds: opts.rounds,
    streams: 1,
    pingPong: { count: opts.pingPongCount, payloadBytes: opts.payloadBytes },
    iperf3,
  }, { kernel: release(), cpus: availableParallelism(), cpuBusyBefore }, measured);
}
