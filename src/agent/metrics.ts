// The agent's Prometheus metrics, in the text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). A tiny
// self-written registry instead of prom-client, until that dependency is
// approved: counters, a histogram and gauges read at scrape time.
//
// Metrics subscribe to the agent's events (events.ts); the dataplane never
// calls into this module.
import type { AgentEvents, ReconcileKind } from './events.js';

/** Seconds: from a no-op reconcile (~1 ms) to a stalled one. */
export const RECONCILE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

class Histogram {
  readonly counts: number[];
  sum = 0;
  count = 0;
  constructor(readonly buckets: readonly number[]) {
    this.counts = buckets.map(() => 0);
  }
  observe(v: number): void {
    this.sum += v;
    this.count += 1;
    this.buckets.forEach((b, i) => {
      if (v <= b) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }
}

export interface MetricsSources {
  /** Pods scheduled to this node, read from the cluster source at scrape time. */
  podsLocal(): Promise<number>;
}

function fmt(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  return String(v);
}

export class AgentMetrics {
  private readonly durations = new Map<ReconcileKind, Histogram>();
  private readonly errors = new Map<ReconcileKind, number>();
  private nodesKnown = 0;
  private peers = 0;
  private readonly unsubscribe: () => void;

  constructor(events: AgentEvents, private readonly sources: MetricsSources) {
    for (const kind of ['full', 'incremental'] as const) {
      this.durations.set(kind, new Histogram(RECONCILE_BUCKETS));
      this.errors.set(kind, 0);
    }
    this.unsubscribe = events.subscribe((e) => {
      if (e.type === 'reconcile') {
        this.durations.get(e.kind)?.observe(e.durationSeconds);
        this.errors.set(e.kind, (this.errors.get(e.kind) ?? 0) + e.errors);
      } else if (e.type === 'nodes') {
        this.nodesKnown = e.known;
        this.peers = e.peers;
      }
    });
  }

  close(): void {
    this.unsubscribe();
  }

  /** Reconcile timings so far, for the status endpoint and the report. */
  reconcileSummary(): Record<ReconcileKind, { count: number; sumSeconds: number }> {
    const of = (k: ReconcileKind) => ({ count: this.durations.get(k)?.count ?? 0, sumSeconds: this.durations.get(k)?.sum ?? 0 });
    return { full: of('full'), incremental: of('incremental') };
  }

  async render(): Promise<string> {
    let pods: number;
    try {
      pods = await this.sources.podsLocal();
    } catch {
      pods = NaN;
    }
    const out: string[] = [
      '# HELP podwire_nodes_known Nodes in the agent\'s view of the cluster, this one included.',
      '# TYPE podwire_nodes_known gauge',
      `podwire_nodes_known ${this.nodesKnown}`,
      '# HELP podwire_peers Remote nodes whose pod blocks this node routes to.',
      '# TYPE podwire_peers gauge',
      `podwire_peers ${this.peers}`,
      '# HELP podwire_pods_local Pods scheduled to this node (spec.nodeName), from the cluster source.',
      '# TYPE podwire_pods_local gauge',
      `podwire_pods_local ${fmt(pods)}`,
      '# HELP podwire_reconcile_duration_seconds Time to converge the peers\' datapath (full: every peer; incremental: one Node event).',
      '# TYPE podwire_reconcile_duration_seconds histogram',
    ];
    for (const [kind, h] of this.durations) {
      h.buckets.forEach((b, i) => out.push(`podwire_reconcile_duration_seconds_bucket{kind="${kind}",le="${fmt(b)}"} ${h.counts[i] ?? 0}`));
      out.push(`podwire_reconcile_duration_seconds_bucket{kind="${kind}",le="+Inf"} ${h.count}`);
      out.push(`podwire_reconcile_duration_seconds_sum{kind="${kind}"} ${fmt(h.sum)}`);
      out.push(`podwire_reconcile_duration_seconds_count{kind="${kind}"} ${h.count}`);
    }
    out.push(
      '# HELP podwire_reconcile_errors_total Datapath actions or peers that failed during reconciles.',
      '# TYPE podwire_reconcile_errors_total counter',
    );
    for (const [kind, n] of this.errors) out.push(`podwire_reconcile_errors_total{kind="${kind}"} ${n}`);
    return `${out.join('\n')}\n`;
  }
}
