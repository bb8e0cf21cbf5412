// Which policies isolate each local pod, kept up to date as the pods a
// policy's podSelector selects change (live-selection.ts). A pod's list is
// edited in a draft as events arrive and settled once per update, so a
// policy edit (removed, then added again) costs one reclassification, not
// two. Settled lists are interned by the policies' names: pods isolated by
// the same policies share one list object, and a list object stands for one
// version of its policies: removing a policy retires every list naming it,
// so the classes built on those lists recompile (live-classes.ts).
// The order is the model's (policies by namespace, then name), which is the
// order of a class chain's rules and of the names its key hashes.
import type { NetworkPolicyInput, PolicyDirection } from './inputs.js';
import { ingressNamedRefs, type NamedPortRef, type PeerRef, type PolicyRef, type RuleRef } from './compile-rules.js';
import { comparePods, type LivePod } from './live-pod.js';
import { queryDef, type Query, type QueryListener, type Selection } from './live-selection.js';
import type { QueryPeer } from './live-set.js';
import type { PeerFacts, PolicyFacts, RuleFacts } from './model-facts.js';

export interface LivePolicyEntry extends PolicyRef<QueryPeer> {
  readonly source: NetworkPolicyInput;
  readonly facts: PolicyFacts;
  readonly namespace: string;
  readonly name: string;
}

export function livePolicyEntry(source: NetworkPolicyInput, facts: PolicyFacts): LivePolicyEntry {
  const peer = (x: PeerFacts): PeerRef<QueryPeer> =>
    x.kind === 'selectors' ? { kind: 'pods', key: x.key, description: x.description, query: queryDef(x.namespaceSelector, x.podSelector, facts.namespace) } : x;
  const rules = (list: readonly RuleFacts[]): RuleRef<QueryPeer>[] => list.map((r) => ({ index: r.index, peers: r.peers && r.peers.map(peer), ports: r.ports }));
  return { source, facts, key: facts.key, namespace: facts.namespace, name: facts.name, ingress: rules(facts.ingress), egress: rules(facts.egress) };
}

export interface IsolationList {
  readonly policies: readonly LivePolicyEntry[];
  /** The policies' keys joined with ',': the class key (compile.ts does the same). */
  readonly names: string;
  /** Ingress lists: the named ports the policies use. */
  readonly named: readonly NamedPortRef[];
  /** Pods holding it. */
  refs: number;
}

const DIRECTIONS: readonly PolicyDirection[] = ['ingress', 'egress'];

/** Where `p` goes in the ascending list. */
function position(list: readonly LivePolicyEntry[], p: LivePolicyEntry): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (comparePods(list[mid] as LivePolicyEntry, p) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class Isolation {
  private readonly lists: Record<PolicyDirection, Map<string, IsolationList>> = { ingress: new Map(), egress: new Map() };
  private readonly subjects = new Map<LivePolicyEntry, { readonly query: Query<LivePod>; readonly listener: QueryListener<LivePod> }>();
  /** Local pods whose lists changed (or that are new) since the last settle. */
  readonly dirty = new Set<LivePod>();

  constructor(private readonly selection: Selection<LivePod>) {}

  addPolicy(p: LivePolicyEntry): void {
    const { subject, isolates } = p.facts;
    // An invalid podSelector selects nothing; a policy of neither type isolates nothing.
    if (!subject || (!isolates.ingress && !isolates.egress)) return;
    const query = this.selection.acquire(queryDef(undefined, subject, p.namespace));
    const listener: QueryListener<LivePod> = { added: (pod) => this.edit(pod, p, true), removed: (pod) => this.edit(pod, p, false) };
    query.listeners.add(listener);
    for (const pod of query.members) listener.added(pod, query);
    this.subjects.set(p, { query, listener });
  }

  removePolicy(p: LivePolicyEntry): void {
    const s = this.subjects.get(p);
    if (!s) return;
    for (const pod of s.query.members) s.listener.removed(pod, s.query);
    s.query.listeners.delete(s.listener);
    this.selection.release(s.query);
    this.subjects.delete(p);
    for (const d of DIRECTIONS) for (const [names, list] of this.lists[d]) if (list.policies.includes(p)) this.lists[d].delete(names);
  }

  private edit(pod: LivePod, policy: LivePolicyEntry, add: boolean): void {
    if (!pod.local || pod.removed) return;
    for (const d of DIRECTIONS) {
      if (!policy.facts.isolates[d]) continue;
      const iso = pod.isolation[d];
      const draft = (iso.draft ??= [...(iso.list?.policies ?? [])]);
      const i = position(draft, policy);
      if (add && draft[i] !== policy) draft.splice(i, 0, policy);
      else if (!add && draft[i] === policy) draft.splice(i, 1);
      this.dirty.add(pod);
    }
  }

  /** The pod's list for one direction with its edits applied (undefined: nothing isolates it). */
  settle(pod: LivePod, d: PolicyDirection): IsolationList | undefined {
    const iso = pod.isolation[d];
    if (iso.draft === undefined) return iso.list;
    const next = iso.draft.length > 0 ? this.intern(d, iso.draft) : undefined;
    iso.draft = undefined;
    if (next !== iso.list) {
      if (next) next.refs += 1;
      if (iso.list) this.unref(d, iso.list);
      iso.list = next;
    }
    return next;
  }

  /** A local pod leaves: its lists lose a holder. */
  forget(pod: LivePod): void {
    for (const d of DIRECTIONS) {
      const iso = pod.isolation[d];
      if (iso.list) this.unref(d, iso.list);
      iso.list = undefined;
      iso.draft = undefined;
    }
    this.dirty.delete(pod);
  }

  private intern(d: PolicyDirection, policies: readonly LivePolicyEntry[]): IsolationList {
    const names = policies.map((p) => p.key).join(',');
    let list = this.lists[d].get(names);
    if (!list) {
      list = { policies: [...policies], names, named: d === 'ingress' ? ingressNamedRefs(policies) : [], refs: 0 };
      this.lists[d].set(names, list);
    }
    return list;
  }

  private unref(d: PolicyDirection, list: IsolationList): void {
    list.refs -= 1;
    if (list.refs === 0 && this.lists[d].get(list.names) === list) this.lists[d].delete(list.names);
  }
}
