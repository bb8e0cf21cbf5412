// The policy table for one node, kept up to date object by object: what
// compilePolicy(buildPolicyModel(inputs), options) returns, maintained per
// change instead of recomputed per sync. The agent feeds it every Pod,
// Namespace, NetworkPolicy and Node event (setPod, …), then update() brings
// the table up to date, plan() says what to change in the kernel since the
// last commit(), and ruleset() is the whole table (for a full load).
//
// Why: a from-scratch compile at 10,000 pods and 1,000 policies costs a few
// hundred milliseconds and allocates tens of megabytes however small the
// change; here a change costs about what it touches:
// - a pod event tests the pod against the selector queries of its namespace
//   and the cross-namespace queries selecting it (live-selection.ts), then
//   edits the sets those queries feed (live-sets.ts), the isolation lists of
//   the policies selecting it (live-isolation.ts), its class
//   (live-classes.ts) and dispatch entries (live-dispatch.ts);
// - a policy event re-lists the pods it selects and compiles the class
//   chains whose policies changed; a namespace relabel revisits the queries
//   whose namespace match flips.
// Invariant: ruleset() equals the from-scratch compile of the same objects,
// value for value, and applyPlan(before, plan()) equals ruleset();
// test/unit/policy/incremental.test.ts checks both for every change kind and
// for random sequences. Nothing here decides semantics: class rules come
// from compile-rules.ts, names from set-specs.ts, the fixed chains from
// compile-table.ts, the facts from model-facts.ts, all shared with the
// from-scratch compiler.
// Not re-entrant; one per table. If a method throws (bad options, a hash
// collision, a bug) the object may be half-updated and must be discarded.
import { formatIp, type IpAddress, type IpFamily } from '../ip/address.js';
import { dispatchChain, forwardChain, parseOptionAddresses, parsePodCidrs } from './compile-table.js';
import type { PolicyPlan } from './diff.js';
import type { NamespaceInput, NetworkPolicyInput, NodeInput, PodInput } from './inputs.js';
import { AddressIndex } from './live-addresses.js';
import { LiveChains } from './live-chains.js';
import { LiveClasses } from './live-classes.js';
import { LiveDispatch } from './live-dispatch.js';
import { Isolation, livePolicyEntry, type LivePolicyEntry } from './live-isolation.js';
import { NodeAddressBook } from './live-node-addresses.js';
import { fullPlan, livePlan } from './live-plan.js';
import { comparePods, livePod, PortsInterner, type LivePod } from './live-pod.js';
import { Selection } from './live-selection.js';
import type { LiveSet } from './live-set.js';
import { LiveSets } from './live-sets.js';
import { parseAddresses, podFacts, policyFacts, samePodFacts } from './model-facts.js';
import type { ModelProblem } from './model.js';
import { orderChains, POLICY_TABLE, type NftSet, type PolicyRuleset } from './ruleset.js';
import { sameValue } from './same-value.js';
import { NameClaims } from './set-specs.js';

export interface LiveTarget {
  /** This node: only its pods get dispatch entries and classes. Absent: every pod is local. */
  readonly node?: string;
  readonly families: readonly IpFamily[];
}

export interface LiveOptions {
  /** This node's addresses (compile.ts's nodeAddresses). */
  readonly nodeAddresses: readonly string[];
  /** Pod CIDRs whose unknown addresses are dropped; empty: none. */
  readonly podCidrs: readonly string[];
}

export interface LiveStats {
  /** Selectable pods (not terminated, not host-network), and those on this node. */
  readonly pods: number;
  readonly localPods: number;
  readonly policies: number;
  /** Rules of all chains, and set elements plus map entries. */
  readonly rules: number;
  readonly elements: number;
}

const byName = (a: { readonly name: string }, b: { readonly name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

export class LivePolicy {
  private readonly families: readonly IpFamily[];
  private readonly pods = new Map<string, LivePod>();
  private readonly policies = new Map<string, LivePolicyEntry>();
  private readonly ports = new PortsInterner();
  private readonly names = new NameClaims();
  private readonly selection = new Selection<LivePod>();
  private readonly index: AddressIndex;
  private readonly isolation = new Isolation(this.selection);
  private readonly chains = new LiveChains();
  private readonly sets: LiveSets;
  private readonly classes: LiveClasses;
  private readonly dispatch: LiveDispatch;
  private readonly addresses = new NodeAddressBook();
  /** Sets the kernel has, as of the last commit; undefined: the kernel's table is unknown. */
  private committedSets: Set<LiveSet> | undefined;
  private problemList: readonly ModelProblem[] | undefined;
  private selectablePods = 0;
  private localPods = 0;

  constructor(private readonly target: LiveTarget) {
    this.families = [...new Set(target.families)].sort();
    this.index = new AddressIndex(this.families);
    this.sets = new LiveSets(this.selection, this.index, () => this.podsWhere((p) => p.selectable), () => this.podsWhere((p) => p.local), this.families, this.names);
    this.classes = new LiveClasses(this.families, this.sets, this.chains, this.names);
    this.dispatch = new LiveDispatch(this.families, this.index);
  }

  private *podsWhere(keep: (p: LivePod) => boolean): Iterable<LivePod> {
    for (const p of this.pods.values()) if (keep(p)) yield p;
  }

  /** A pod object under `key` (undefined: deleted). Only its facts are kept. Returns false when nothing the table reads changed. */
  setPod(key: string, pod: PodInput | undefined): boolean {
    const old = this.pods.get(key);
    const facts = pod && podFacts(pod);
    // Most pod updates are status changes the engine does not read.
    if ((old && facts && samePodFacts(old, facts)) || (!old && !facts)) return false;
    if (old) this.removePod(key, old);
    if (facts) this.addPod(key, livePod(facts, this.target.node, this.ports));
    return true;
  }

  private addPod(key: string, p: LivePod): void {
    this.pods.set(key, p);
    this.addresses.addPod(p);
    if (!p.selectable) return;
    this.selectablePods += 1;
    this.index.add(p);
    if (p.local) {
      this.localPods += 1;
      this.isolation.dirty.add(p);
      this.dispatch.touch(p);
    }
    this.selection.addPod(p);
    this.sets.podAdded(p);
  }

  private removePod(key: string, p: LivePod): void {
    this.pods.delete(key);
    this.ports.release(p.namedPorts);
    this.addresses.removePod(p);
    if (!p.selectable) return;
    p.removed = true;
    this.selectablePods -= 1;
    this.selection.removePod(p);
    this.sets.podRemoved(p);
    this.index.remove(p);
    if (p.local) {
      this.localPods -= 1;
      this.dispatch.touch(p);
      this.classes.unassign(p);
      this.isolation.forget(p);
    }
  }

  setPolicy(key: string, policy: NetworkPolicyInput | undefined): void {
    const old = this.policies.get(key);
    if (old?.source === policy) return;
    if (old) {
      this.isolation.removePolicy(old);
      this.policies.delete(key);
    }
    if (policy) {
      const entry = livePolicyEntry(policy, policyFacts(policy));
      this.policies.set(key, entry);
      this.isolation.addPolicy(entry);
    }
    this.problemList = undefined;
  }

  setNamespace(name: string, ns: NamespaceInput | undefined): void {
    this.selection.setNamespace(name, ns ? ns.metadata.labels ?? {} : undefined);
  }

  setNode(name: string, node: NodeInput | undefined): void {
    const addresses = node && parseAddresses((node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address));
    this.addresses.setNode(name, addresses);
  }

  /** Brings classes, chains, dispatch maps and the node's sets up to date. Throws PolicyError (InvalidOption) for bad options. */
  update(options: LiveOptions): void {
    const podCidrs = parsePodCidrs(options.podCidrs);
    const nodeAddresses = parseOptionAddresses(options.nodeAddresses, 'nodeAddresses');
    for (const p of this.isolation.dirty) {
      for (const d of ['egress', 'ingress'] as const) this.classes.assign(p, d, this.isolation.settle(p, d));
      this.dispatch.touch(p);
    }
    this.isolation.dirty.clear();
    this.classes.settle();
    this.dispatch.settle();
    for (const f of this.families) this.sets.setNodeAddresses(f, nodeAddresses.filter((a) => a.family === f).map(formatIp));
    for (const c of [forwardChain(this.families), dispatchChain('egress', this.families, podCidrs), dispatchChain('ingress', this.families, podCidrs)]) {
      if (!sameValue(this.chains.get(c.name), c)) this.chains.set(c);
    }
  }

  /** What the kernel needs to go from the last committed table to this one; the full table when that is unknown. */
  plan(): PolicyPlan {
    const committed = this.committedSets;
    if (!committed) return fullPlan(this.ruleset());
    const views = [...this.sets.all()].map((set) => ({ set, present: this.sets.isPresent(set), committed: committed.has(set) }));
    return livePlan(POLICY_TABLE, views, this.dispatch.maps, this.chains.delta(), () => this.ruleset(), (s) => this.materialize(s));
  }

  /** The kernel now holds this table (a plan or a full load of it went through). */
  commit(): void {
    this.sets.commit();
    this.dispatch.commit();
    this.chains.commit();
    this.committedSets = new Set(this.sets.all());
  }

  /** The kernel's table is unknown (a transaction failed): the next plan is the full table. */
  forget(): void {
    this.committedSets = undefined;
  }

  /** The whole table, as compilePolicy() renders it. */
  ruleset(): PolicyRuleset {
    const sets = [...this.sets.all()].filter((s) => this.sets.isPresent(s)).map((s) => this.materialize(s)).sort(byName);
    const maps = this.dispatch.maps.map((m) => ({ name: m.name, type: m.type, entries: this.dispatch.sorted(m) }));
    return { table: POLICY_TABLE, sets, maps, chains: orderChains([...this.chains.values()]) };
  }

  private materialize(s: LiveSet): NftSet {
    return { name: s.name, ...s.declaration, elements: s.sorted() };
  }

  /** Policy fields that fail validation, as the model lists them. */
  problems(): readonly ModelProblem[] {
    this.problemList ??= [...this.policies.values()].sort(comparePods).flatMap((p) => p.facts.problems.map((x) => ({ policy: p.key, field: x.field, message: x.message })));
    return this.problemList;
  }

  /** A node's own addresses (model.ts's nodeAddresses), ascending. */
  nodeAddresses(node: string): IpAddress[] {
    return this.addresses.of(node);
  }

  stats(): LiveStats {
    let rules = 0;
    let elements = 0;
    for (const c of this.chains.values()) rules += c.rules.length;
    for (const s of this.sets.all()) if (this.sets.isPresent(s)) elements += s.size;
    for (const m of this.dispatch.maps) elements += m.size;
    return { pods: this.selectablePods, localPods: this.localPods, policies: this.policies.size, rules, elements };
  }
}
