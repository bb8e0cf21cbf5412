// The agent's Prometheus metrics, through prom-client: gauges read at
// scrape time, the reconcile histogram and error counter, and the process
// metrics (RSS, CPU, event-loop lag) under podwire_agent_.
//
// Metrics subscribe to the agent's events (events.ts); the dataplane never
// calls into this module.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AgentEvents, PolicySyncKind, ReconcileKind } from './events.js';

/** Seconds: from a no-op reconcile (~1 ms) to a stalled one. */
export const RECONCILE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface MetricsSources {
  /** Pods scheduled to this node, read from the cluster source at scrape time. */
  podsLocal(): Promise<number>;
}

export class AgentMetrics {
  /** One registry per agent (no prom-client global state: tests run several agents in one process). */
  readonly registry = new Registry();
  private readonly durations: Histogram<'kind'>;
  private readonly summary: Record<ReconcileKind, { count: number; sumSeconds: number }> = {
    full: { count: 0, sumSeconds: 0 },
    incremental: { count: 0, sumSeconds: 0 },
  };
  private nodesKnown = 0;
  private peers = 0;
  private readonly unsubscribe: () => void;

  constructor(events: AgentEvents, private readonly sources: MetricsSources) {
    const registers = [this.registry];
    // collect() runs with `this` bound to the gauge: read our state through arrows.
    const nodesKnown = (): number => this.nodesKnown;
    const peers = (): number => this.peers;
    const podsLocal = (): Promise<number> => this.sources.podsLocal().catch(() => NaN);
    new Gauge({
      name: 'podwire_nodes_known', help: 'Nodes in the agent\'s view of the cluster, this one included.', registers,
      collect() { this.set(nodesKnown()); },
    });
    new Gauge({
      name: 'podwire_peers', help: 'Remote nodes whose pod blocks this node routes to.', registers,
      collect() { this.set(peers()); },
    });
    new Gauge({
      name: 'podwire_pods_local', help: 'Pods scheduled to this node (spec.nodeName), from the cluster source.', registers,
      async collect() { this.set(await podsLocal()); },
    });
    this.durations = new Histogram({
      name: 'podwire_reconcile_duration_seconds',
      help: 'Time to converge the peers\' datapath (full: every peer; incremental: one Node event).',
      labelNames: ['kind'], buckets: RECONCILE_BUCKETS, registers,
    });
    const errors = new Counter({
      name: 'podwire_reconcile_errors_total', help: 'Datapath actions or peers that failed during reconciles.',
      labelNames: ['kind'], registers,
    });
    for (const kind of ['full', 'incremental'] as const) {
      this.durations.zero({ kind });
      errors.inc({ kind }, 0);
    }
    const policy = policyMetrics(registers);
    collectDefaultMetrics({ register: this.registry, prefix: 'podwire_agent_' });
    this.unsubscribe = events.subscribe((e) => {
      if (e.type === 'reconcile') {
        this.durations.observe({ kind: e.kind }, e.durationSeconds);
        this.summary[e.kind].count += 1;
        this.summary[e.kind].sumSeconds += e.durationSeconds;
        errors.inc({ kind: e.kind }, e.errors);
      } else if (e.type === 'policy-sync') {
        policy.durations.observe({ kind: e.kind }, e.durationSeconds);
        if (e.ok && e.kind !== 'noop') policy.latency.observe(e.latencySeconds);
        if (!e.ok) policy.errors.inc();
        policy.rules.set(e.rules);
      } else if (e.type === 'nodes') {
        this.nodesKnown = e.known;
        this.peers = e.peers;
      }
    });
  }

  /** Stops following events; the last values stay readable. */
  close(): void {
    this.unsubscribe();
  }

  /** Reconcile timings so far, for the status endpoint and the report. */
  reconcileSummary(): Record<ReconcileKind, { count: number; sumSeconds: number }> {
    return { full: { ...this.summary.full }, incremental: { ...this.summary.incremental } };
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** NetworkPolicy syncs: compile+apply time by kind, change-to-kernel latency, failures, table size. */
function policyMetrics(registers: Registry[]): { durations: Histogram<'kind'>; latency: Histogram; errors: Counter; rules: Gauge } {
  const durations = new Histogram({
    name: 'podwire_policy_sync_duration_seconds',
    help: 'Time to compile the policy table and apply it in one nft transaction (full, incremental, noop).',
    labelNames: ['kind'], buckets: RECONCILE_BUCKETS, registers,
  });
  for (const kind of ['full', 'incremental', 'noop'] as const satisfies readonly PolicySyncKind[]) durations.zero({ kind });
  const latency = new Histogram({
    name: 'podwire_policy_sync_latency_seconds',
    help: 'From the first cluster change a sync covers to the kernel holding the result (debounce included).',
    buckets: RECONCILE_BUCKETS, registers,
  });
  const errors = new Counter({ name: 'podwire_policy_sync_errors_total', help: 'Policy syncs that failed (retried with backoff).', registers });
  errors.inc(0);
  const rules = new Gauge({ name: 'podwire_policy_rules', help: 'Rules in the inet podwire-policy table after the last sync.', registers });
  return { durations, latency, errors, rules };
}
