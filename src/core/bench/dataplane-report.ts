// The dataplane benchmark's report (pure): per path, the throughput of every
// round, the round trips of every round, and how each compares with the
// underlay baseline.
//
// Ratios are paired: a round measures every path back to back, and a path's
// ratio is the median over rounds of (path / underlay in the same round).
// On a shared machine the available CPU drifts by tens of percent within
// seconds (another job takes a core, and a veth-only path is CPU-bound), so a
// ratio of two medians taken at different times would measure that drift;
// pairing within a round cancels most of it, the median drops the outlier
// rounds. The spread of the baseline itself is reported, and a wide one
// raises a warning instead of being hidden.
import { summarize, type LatencySummary } from './stats.js';

export type DataplaneBackend = 'vxlan' | 'routed';
export type PathId = 'underlay' | 'same-node' | 'cross-node-vxlan' | 'cross-node-routed';

export interface PathSpec {
  id: PathId;
  label: string;
  /** The lab's backend the path was measured in (null: the underlay, which has none). */
  backend: DataplaneBackend | null;
  /** The sender's interface MTU. */
  mtu: number | null;
  /** Lowest acceptable throughput ratio against the underlay, where the project set one. */
  aim: number | null;
}

/** The aims of the dataplane issue: routed within 5% of the underlay, vxlan within 15%. */
export const THROUGHPUT_AIMS: Readonly<Record<PathId, number | null>> = {
  'underlay': null,
  'same-node': null,
  'cross-node-vxlan': 0.85,
  'cross-node-routed': 0.95,
};

const LABELS: Readonly<Record<PathId, string>> = {
  'underlay': 'node → node (underlay)',
  'same-node': 'pod → pod, same node',
  'cross-node-vxlan': 'pod → pod, across nodes',
  'cross-node-routed': 'pod → pod, across nodes',
};

export function pathSpec(id: PathId, backend: DataplaneBackend | null, mtu: number | null): PathSpec {
  return { id, label: LABELS[id], backend, mtu, aim: THROUGHPUT_AIMS[id] };
}

export interface ThroughputRun {
  bitsPerSecond: number;
  retransmits: number | null;
  /** iperf3's CPU use of the sending and receiving process (softirq work done in their context included). */
  cpu: { senderPercent: number; receiverPercent: number } | null;
}

export interface PathMeasurements {
  spec: PathSpec;
  /** One run per round, in round order. */
  throughput: ThroughputRun[];
  /** Round-trip times in microseconds, all rounds together. */
  rttUs: number[];
}

export interface DataplaneSettings {
  backends: DataplaneBackend[];
  durationSeconds: number;
  rounds: number;
  streams: 1;
  pingPong: { count: number; payloadBytes: number };
  iperf3: string | null;
}

export interface DataplaneEnvironment {
  kernel: string;
  cpus: number;
  /** Fraction of all CPU time busy during the second before the run (0..1). */
  cpuBusyBefore: number;
}

export interface PathResult extends PathSpec {
  throughput: {
    /** Median over rounds, Gbit/s. */
    gbps: number;
    minGbps: number;
    maxGbps: number;
    runsGbps: number[];
    retransmits: number | null;
    /** Median CPU use of the iperf3 sender and receiver; 100 is one CPU (null where iperf3 did not say). */
    senderCpuPercent: number | null;
    receiverCpuPercent: number | null;
  };
  /** Paired throughput ratio against the underlay (1 for the underlay). */
  ratio: number;
  /** ratio >= aim, or null without an aim. */
  aimMet: boolean | null;
  latency: LatencySummary;
  /** p50 round trip / the underlay's p50 round trip. */
  latencyRatio: number;
}

export interface DataplaneReport {
  version: 1;
  settings: DataplaneSettings;
  environment: DataplaneEnvironment;
  paths: PathResult[];
  warnings: string[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] ?? Number.NaN : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}

/** Median over rounds of path[i] / base[i]; runs must be paired by round. */
export function pairedRatio(path: readonly number[], base: readonly number[]): number {
  if (path.length !== base.length) throw new Error(`paired ratio: ${path.length} runs against ${base.length} baseline runs`);
  return median(path.map((v, i) => v / (base[i] ?? Number.NaN)));
}

/** Above this max/min spread of the baseline the run was disturbed. */
export const BASELINE_SPREAD_WARNING = 1.25;
/** Above this busy fraction before the run, other work was competing. */
export const BUSY_WARNING = 0.2;

function medianOrNull(values: ReadonlyArray<number | null>): number | null {
  return values.some((v) => v === null) ? null : median(values as number[]);
}

function sumOrNull(values: ReadonlyArray<number | null>): number | null {
  return values.some((v) => v === null) ? null : values.reduce<number>((a, b) => a + (b ?? 0), 0);
}

export function buildDataplaneReport(settings: DataplaneSettings, environment: DataplaneEnvironment, measured: readonly PathMeasurements[]): DataplaneReport {
  const base = measured.find((m) => m.spec.id === 'underlay');
  if (!base) throw new Error('dataplane report: the underlay baseline is missing');
  const baseBps = base.throughput.map((r) => r.bitsPerSecond);
  const baseLatency = summarize(base.rttUs);
  const paths = measured.map((m): PathResult => {
    const gbps = m.throughput.map((r) => r.bitsPerSecond / 1e9);
    const ratio = m === base ? 1 : pairedRatio(m.throughput.map((r) => r.bitsPerSecond), baseBps);
    const latency = summarize(m.rttUs);
    return {
      ...m.spec,
      throughput: {
        gbps: median(gbps),
        minGbps: Math.min(...gbps),
        maxGbps: Math.max(...gbps),
        runsGbps: gbps,
        retransmits: sumOrNull(m.throughput.map((r) => r.retransmits)),
        senderCpuPercent: medianOrNull(m.throughput.map((r) => r.cpu?.senderPercent ?? null)),
        receiverCpuPercent: medianOrNull(m.throughput.map((r) => r.cpu?.receiverPercent ?? null)),
      },
      ratio,
      aimMet: m.spec.aim === null ? null : ratio >= m.spec.aim,
      latency,
      latencyRatio: latency.p50 / baseLatency.p50,
    };
  });
  const warnings: string[] = [];
  const spread = Math.max(...baseBps) / Math.min(...baseBps);
  if (baseBps.length > 1 && spread > BASELINE_SPREAD_WARNING) {
    warnings.push(`the underlay baseline varied ${spread.toFixed(2)}x across rounds (${(Math.min(...baseBps) / 1e9).toFixed(1)}-${(Math.max(...baseBps) / 1e9).toFixed(1)} Gbit/s): `
      + 'something else used the CPUs; the paired ratios cancel most of it, more --rounds cancel more');
  }
  if (environment.cpuBusyBefore > BUSY_WARNING) {
    warnings.push(`the CPUs were ${(environment.cpuBusyBefore * 100).toFixed(0)}% busy before the run: other work competed with the benchmark`);
  }
  return { version: 1, settings, environment, paths, warnings };
}
