// Enforces NetworkPolicy on this node: four informers (Pods, Namespaces,
// NetworkPolicies, Nodes) watch the cluster; a change schedules a sync; a
// sync hands the changed objects to the live table (src/core/policy/
// live-policy.ts: only this node's pods get dispatch entries, peer sets hold
// every pod), which brings the table for this node up to date, and applies
// its plan (what changed since the kernel last took it) as ONE libnftables
// transaction in the agent's netns.
//
// Design note.
// - Where it hooks: the table `inet podwire-policy` has one base chain on the
//   IP forward hook. Cross-node traffic is routed through the node and passes
//   it. Same-node traffic is bridged on pw0 and passes it only with
//   br_netfilter's bridge-nf-call-iptables/ip6tables = 1, which are per-netns
//   sysctls (bridge-netfilter.ts sets them in the node netns; the agent never
//   loads modules: global kernel state). A `bridge` family table was rejected:
//   it would be a second rendering of the same rules on another hook, and
//   conntrack there (for the established/related accept) needs
//   nf_conntrack_bridge; with br_netfilter both paths share one table and one
//   conntrack.
// - Invariant: the live table's committed state is exactly what the kernel
//   holds, or unknown (at start and after a failed transaction). Unknown →
//   the next sync loads the full table, built unhooked and swapped in by one
//   transaction (table-loader.ts), so an agent restart never opens a window.
//   A failed incremental plan falls back to the full load at once.
// - The "not yet synced" drop of unknown addresses in this node's pod CIDRs
//   (compile.ts) is enabled only while the cluster has at least one
//   NetworkPolicy: without policies nothing can be isolated, and pods wired
//   without a Pod object (a bare CNI runtime, the agent's own tests) keep
//   working. With policies, a new pod has no connectivity until its podIPs
//   reach the agent (the Kubernetes docs allow that).
// - The first sync waits until every informer has listed once, so the first
//   table is never computed from a partial cluster.
// - Incremental work: a LivePolicy (src/core/policy/live-policy.ts) holds
//   the table and is handed each object as the informers receive it, so a
//   sync costs about what the changes touched: the pods and policies they
//   affect, the sets and class chains those feed. Its plan is the diff from
//   what the last transaction left in the kernel. Its table equals a
//   from-scratch compile of the same objects (tested), so a restart, which
//   starts with a fresh LivePolicy and a full load, lands on the same table.
//   It is also the only copy of what the policy engine reads of each
//   object: the informers keep keys, not objects (informer.ts).
// - Failures: a failed transaction only makes the kernel's table unknown
//   (forget(): the next plan is the full table). If the live table itself
//   throws (bad options, a hash collision, a bug), it is replaced by an
//   empty one and every informer relists: the next sync is computed from the
//   whole cluster again, and loads the full table.
// - Scheduling: a sync is as far from the previous one as the previous one
//   took (at most `debounceMs`), so the controller spends at most about half
//   of its time syncing however fast changes come, and changes arriving
//   meanwhile go together; after a quiet spell a change is synced on the
//   next timer tick (the events one watch read delivered go together). A
//   sync costs a few milliseconds, mostly the nft transaction; a fixed
//   25 ms delay would be most of a change's latency for nothing. Pod updates
//   that change nothing the table reads (most status updates) schedule no
//   sync at all.
// - Everything after the informers is synchronous (compile, render, nft run),
//   so syncs never overlap; changes during a sync just re-arm the timer.
import { planIsEmpty, renderPlan } from '../../core/policy/diff.js';
import { LivePolicy } from '../../core/policy/live-policy.js';
import type { PolicyRuleset } from '../../core/policy/ruleset.js';
import { formatIp, type IpFamily } from '../../core/ip/address.js';
import type { ClusterSource } from '../cluster/cluster-source.js';
import type { KindName } from '../cluster/types.js';
import type { AgentEvents, PolicySyncKind } from '../events.js';
import type { AgentLog } from '../log.js';
import type { BridgeNetfilterState } from './bridge-netfilter.js';
import { Informer } from './informer.js';
import { loadTable } from './table-loader.js';
import type { PolicyStatus } from './policy-status.js';

/** The kernel side: one call = one nft transaction; returns nft's output. */
export interface PolicyDataplane {
  run(script: string): string;
  /** After a full load: give back the C heap libnftables used and freed (src/kernel/c-heap.ts). */
  release?(): void;
}

export interface PolicyControllerDeps {
  source: ClusterSource;
  dataplane: PolicyDataplane;
  events: AgentEvents;
  log: AgentLog;
  node: string;
  /** This node's pod blocks. */
  podCidrs: readonly string[];
  /** Addresses the kernel has in this netns (re-read at every sync: pw0 appears with the first pod). */
  localAddresses: () => string[];
  bridge: BridgeNetfilterState;
  debounceMs: number;
  /** Monotonic milliseconds. */
  now: () => number;
  wallClock: () => Date;
}

const MAX_RETRY_MS = 30_000;

export class PolicyController {
  private readonly pods: Informer<'Pod'>;
  private readonly namespaces: Informer<'Namespace'>;
  private readonly policies: Informer<'NetworkPolicy'>;
  private readonly nodes: Informer<'Node'>;
  /** The table, fed every object the informers receive. */
  private live: LivePolicy;
  private timer: NodeJS.Timeout | undefined;
  /** Monotonic ms when the last sync ended, and how long it took. */
  private lastSyncEnd = -Infinity;
  private lastSyncTook = 0;
  private dirtySince: number | undefined;
  private trigger = '';
  private retryMs = 0;
  private stopped = false;
  private knownProblems = new Set<string>();
  private readonly st: PolicyStatus;
  private resolveStarted!: () => void;
  /** Resolves after the first successful sync. */
  readonly started: Promise<void> = new Promise((resolve) => (this.resolveStarted = resolve));

  constructor(private readonly d: PolicyControllerDeps) {
    this.live = this.newLive();
    const deps = { source: d.source, log: d.log, onChange: (why: string) => this.schedule(why) };
    this.pods = new Informer('Pod', { ...deps, apply: (key, o) => this.feed(() => this.live.setPod(key, o)) });
    this.namespaces = new Informer('Namespace', { ...deps, apply: (name, o) => this.feed(() => this.live.setNamespace(name, o)) });
    this.policies = new Informer('NetworkPolicy', { ...deps, apply: (key, o) => this.feed(() => this.live.setPolicy(key, o)) });
    this.nodes = new Informer('Node', { ...deps, apply: (name, o) => this.feed(() => this.live.setNode(name, o)) });
    this.st = {
      synced: false, enforcing: false, sameNodeEnforced: d.bridge.sameNodeEnforced, bridgeNetfilter: d.bridge.note,
      podsKnown: 0, localPods: 0, policies: 0, problems: 0, rules: 0, elements: 0,
      syncs: { full: 0, incremental: 0, noop: 0 }, errors: 0,
    };
  }

  start(): void {
    for (const i of this.informers()) i.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await Promise.all(this.informers().map((i) => i.stop()));
  }

  get synced(): boolean {
    return this.st.synced;
  }

  status(): PolicyStatus {
    return { ...this.st, syncs: { ...this.st.syncs } };
  }

  private informers(): readonly Pick<Informer<KindName>, 'start' | 'stop' | 'synced' | 'relist'>[] {
    return [this.pods, this.namespaces, this.policies, this.nodes];
  }

  /** Arms the sync timer: after `delayMs` (retries), else once the last sync has been over for as long as it took (at most debounceMs). */
  private schedule(why: string, delayMs?: number): void {
    if (this.stopped) return;
    if (this.dirtySince === undefined) {
      this.dirtySince = this.d.now();
      this.trigger = why;
    }
    if (this.timer) return;
    const wait = delayMs ?? Math.max(0, this.lastSyncEnd + Math.min(this.d.debounceMs, this.lastSyncTook) - this.d.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sync();
    }, wait);
  }

  private newLive(): LivePolicy {
    const families = [...new Set(this.d.podCidrs.map((c) => (c.includes(':') ? 6 : 4)))].sort() as IpFamily[];
    return new LivePolicy({ node: this.d.node, families });
  }

  /** Hands one object to the live table; false: nothing it reads changed (no sync needed). If that throws, starts over. */
  private feed(change: () => boolean | void): boolean {
    try {
      return change() !== false;
    } catch (err) {
      this.d.log('error', 'policy table update failed; relisting everything', { error: err });
      this.restart();
      return true;
    }
  }

  /** A new, empty live table, filled again by a relist of every kind (syncs wait for it). */
  private restart(): void {
    this.live = this.newLive();
    for (const i of this.informers()) i.relist();
  }

  /** The live table brought up to date; one that throws may be half-updated, so it is replaced (restart). */
  private prepare(): LivePolicy {
    const live = this.live;
    try {
      const nodeAddresses = [...new Set([...live.nodeAddresses(this.d.node).map(formatIp), ...this.d.localAddresses()])];
      live.update({ nodeAddresses, podCidrs: this.policies.size > 0 ? this.d.podCidrs : [] });
      return live;
    } catch (err) {
      this.restart();
      throw err;
    }
  }

  /** Puts the live table in the kernel: its plan, or the full table when the kernel's is unknown or the plan fails. */
  private apply(live: LivePolicy): PolicySyncKind {
    const plan = live.plan();
    if (plan.full) {
      this.load(live, plan.full);
      return 'full';
    }
    if (planIsEmpty(plan)) return 'noop';
    try {
      this.run(live, renderPlan(plan));
      return 'incremental';
    } catch (err) {
      this.d.log('warn', 'policy plan failed; applying the full table', { error: err });
      this.load(live, live.ruleset());
      return 'full';
    }
  }

  /** The whole table, built unhooked and swapped in (table-loader.ts); then the C heap that took is given back. */
  private load(live: LivePolicy, table: PolicyRuleset): void {
    try {
      loadTable((script) => this.run(live, script), table);
    } finally {
      this.d.dataplane.release?.();
    }
  }

  private sync(): void {
    if (this.stopped || !this.informers().every((i) => i.synced)) return;
    const since = this.dirtySince ?? this.d.now();
    const trigger = this.trigger;
    this.dirtySince = undefined;
    const t0 = this.d.now();
    let kind: PolicySyncKind = 'incremental';
    try {
      const live = this.prepare();
      this.reportProblems(live.problems().map((p) => `${p.policy} ${p.field}: ${p.message}`));
      kind = this.apply(live);
      live.commit();
      const stats = live.stats();
      const at = this.d.wallClock().toISOString();
      Object.assign(this.st, {
        enforcing: this.policies.size > 0, podsKnown: stats.pods, localPods: stats.localPods, policies: this.policies.size, problems: live.problems().length,
        rules: stats.rules, elements: stats.elements, lastSyncAt: at, lastSyncKind: kind,
      });
      this.st.syncs[kind] += 1;
      if (kind !== 'noop') this.st.lastChangeAt = at;
      this.retryMs = 0;
      this.finish(kind, t0, since, trigger, true);
      if (!this.st.synced) {
        this.st.synced = true;
        this.resolveStarted();
      }
    } catch (err) {
      this.st.errors += 1;
      this.st.lastError = err instanceof Error ? err.message : String(err);
      this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs === 0 ? 1000 : this.retryMs * 2);
      this.d.log('error', 'policy sync failed; retrying', { trigger, error: err, retryInMs: this.retryMs });
      this.finish(kind, t0, since, trigger, false);
      this.schedule('retry', this.retryMs);
    }
  }

  /** One transaction; if it throws, the kernel's table is unknown and the next plan is the full one. */
  private run(live: LivePolicy, script: string): string {
    try {
      return this.d.dataplane.run(script);
    } catch (err) {
      live.forget();
      throw err;
    }
  }

  private finish(kind: PolicySyncKind, t0: number, since: number, trigger: string, ok: boolean): void {
    const end = this.d.now();
    this.lastSyncEnd = end;
    this.lastSyncTook = end - t0;
    const durationSeconds = (end - t0) / 1000;
    const latencySeconds = (end - since) / 1000;
    this.st.lastSyncMs = Number((durationSeconds * 1000).toFixed(3));
    if (ok && kind !== 'noop') {
      this.d.log('info', 'policy synced', {
        kind, trigger, policies: this.st.policies, localPods: this.st.localPods, rules: this.st.rules, elements: this.st.elements,
        ms: (durationSeconds * 1000).toFixed(2), sinceChangeMs: (latencySeconds * 1000).toFixed(1),
      });
    }
    this.d.events.publish({ type: 'policy-sync', kind, ok, durationSeconds, latencySeconds, rules: this.st.rules });
  }

  private reportProblems(problems: string[]): void {
    const next = new Set(problems);
    for (const p of next) if (!this.knownProblems.has(p)) this.d.log('warn', 'policy problem (matches nothing)', { problem: p });
    this.knownProblems = next;
  }
}
