// Enforces NetworkPolicy on this node: four informers (Pods, Namespaces,
// NetworkPolicies, Nodes) feed caches; any change schedules a sync after a
// short debounce; a sync rebuilds the model from the caches, compiles the
// table for this node (src/core/policy: only this node's pods get dispatch
// entries, peer sets hold every pod), diffs it against what the kernel holds
// and applies the plan as ONE libnftables transaction in the agent's netns.
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
// - Invariant: `applied` is exactly what the kernel holds (or undefined when
//   unknown: at start and after a failed transaction). Unknown → the next sync
//   applies the full render, which replaces the table atomically (add; delete;
//   add table … in one transaction), so an agent restart never opens a window.
//   A failed incremental plan falls back to the full render at once.
// - The "not yet synced" drop of unknown addresses in this node's pod CIDRs
//   (compile.ts) is enabled only while the cluster has at least one
//   NetworkPolicy: without policies nothing can be isolated, and pods wired
//   without a Pod object (a bare CNI runtime, the agent's own tests) keep
//   working. With policies, a new pod has no connectivity until its podIPs
//   reach the agent (the Kubernetes docs allow that).
// - The first sync waits until every informer has listed once, so the first
//   table is never computed from a partial cluster.
// - Incremental work: a PolicyCache keeps what the last build and compile
//   derived (per-object facts, label indexes, sets, maps and chains keyed by
//   what decided them), so a single change recomputes little and the diff
//   skips the unchanged objects by identity. Results equal a from-scratch
//   compile; the cache never decides anything, so it needs no reset after
//   a failure (the full-table fallback re-renders `next` as before).
// - Everything after the informers is synchronous (compile, render, nft run),
//   so syncs never overlap; changes during a sync just re-arm the timer.
import { buildPolicyModel } from '../../core/policy/model.js';
import { compilePolicy } from '../../core/policy/compile.js';
import { diffRulesets, planIsEmpty, renderPlan } from '../../core/policy/diff.js';
import { PolicyCache } from '../../core/policy/policy-cache.js';
import { renderRuleset } from '../../core/policy/render-nft.js';
import type { PolicyRuleset } from '../../core/policy/ruleset.js';
import { formatIp, type IpFamily } from '../../core/ip/address.js';
import type { ClusterSource } from '../cluster/cluster-source.js';
import type { AgentEvents, PolicySyncKind } from '../events.js';
import type { AgentLog } from '../log.js';
import type { BridgeNetfilterState } from './bridge-netfilter.js';
import { Informer } from './informer.js';
import { rulesetSize, type PolicyStatus } from './policy-status.js';

/** The kernel side: one call = one nft transaction. */
export interface PolicyDataplane {
  run(script: string): void;
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
  private applied: PolicyRuleset | undefined;
  /** What the last build and compile derived, reused for the parts a change did not touch (same results). */
  private readonly cache = new PolicyCache();
  private timer: NodeJS.Timeout | undefined;
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
    const deps = { source: d.source, log: d.log, onChange: (why: string) => this.schedule(why) };
    this.pods = new Informer('Pod', deps);
    this.namespaces = new Informer('Namespace', deps);
    this.policies = new Informer('NetworkPolicy', deps);
    this.nodes = new Informer('Node', deps);
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

  private informers(): Informer<'Pod' | 'Namespace' | 'NetworkPolicy' | 'Node'>[] {
    return [this.pods, this.namespaces, this.policies, this.nodes];
  }

  private schedule(why: string, delayMs = this.d.debounceMs): void {
    if (this.stopped) return;
    if (this.dirtySince === undefined) {
      this.dirtySince = this.d.now();
      this.trigger = why;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sync();
    }, delayMs);
  }

  private sync(): void {
    if (this.stopped || !this.informers().every((i) => i.synced)) return;
    const since = this.dirtySince ?? this.d.now();
    const trigger = this.trigger;
    this.dirtySince = undefined;
    const t0 = this.d.now();
    let kind: PolicySyncKind = this.applied ? 'incremental' : 'full';
    try {
      const policies = this.policies.items();
      const model = buildPolicyModel({ namespaces: this.namespaces.items(), pods: this.pods.items(), policies, nodes: this.nodes.items() }, this.cache);
      this.reportProblems(model.problems.map((p) => `${p.policy} ${p.field}: ${p.message}`));
      const enforcing = policies.length > 0;
      const families = [...new Set(this.d.podCidrs.map((c) => (c.includes(':') ? 6 : 4)))].sort() as IpFamily[];
      const nodeAddresses = [...new Set([...(model.nodeAddresses.get(this.d.node) ?? []).map(formatIp), ...this.d.localAddresses()])];
      const next = compilePolicy(model, { node: this.d.node, nodeAddresses, families, ...(enforcing ? { podCidrs: this.d.podCidrs } : {}) }, this.cache);
      if (!this.applied) {
        this.d.dataplane.run(renderRuleset(next));
      } else {
        const plan = diffRulesets(this.applied, next);
        if (planIsEmpty(plan)) kind = 'noop';
        else if (plan.full) {
          kind = 'full';
          this.d.dataplane.run(renderRuleset(next));
        } else {
          try {
            this.d.dataplane.run(renderPlan(plan));
          } catch (err) {
            this.d.log('warn', 'policy plan failed; applying the full table', { error: err });
            kind = 'full';
            this.applied = undefined;
            this.d.dataplane.run(renderRuleset(next));
          }
        }
      }
      this.applied = next;
      const size = rulesetSize(next);
      const at = this.d.wallClock().toISOString();
      const localPods = model.pods.filter((p) => p.node === this.d.node).length;
      Object.assign(this.st, {
        enforcing, podsKnown: model.pods.length, localPods, policies: policies.length, problems: model.problems.length,
        rules: size.rules, elements: size.elements, lastSyncAt: at, lastSyncKind: kind,
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
      this.applied = undefined;
      this.st.errors += 1;
      this.st.lastError = err instanceof Error ? err.message : String(err);
      this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs === 0 ? 1000 : this.retryMs * 2);
      this.d.log('error', 'policy sync failed; retrying', { trigger, error: err, retryInMs: this.retryMs });
      this.finish(kind, t0, since, trigger, false);
      this.schedule('retry', this.retryMs);
    }
  }

  private finish(kind: PolicySyncKind, t0: number, since: number, trigger: string, ok: boolean): void {
    const end = this.d.now();
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
