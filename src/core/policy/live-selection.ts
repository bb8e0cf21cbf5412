// Which pods each selector query selects, kept up to date change by change.
// A query is what a policy's podSelector or one of its selector peers asks:
// "pods of namespace N matching S" or "pods of the namespaces matching T that
// match S". Membership follows the model's semantics (model.ts, selectors.ts):
// a namespace's labels always include kubernetes.io/metadata.name, a
// namespace known only from its pods carries that label alone, an empty or
// absent selector selects everything. Listeners (policy subjects, sets) hear
// every pod that enters or leaves a query.
//
// Cost: adding or removing a pod tests it against the queries of its own
// namespace and the cross-namespace queries that select its namespace, not
// against every query; a namespace relabel revisits only the queries whose
// namespace match flips, with that namespace's pods.
import { matchesLabels } from '../cluster/label-selector.js';
import type { Labels } from './inputs.js';
import { NAMESPACE_NAME_LABEL } from './model.js';
import type { Selector } from './selectors.js';

export interface SelectablePod {
  readonly namespace: string;
  readonly labels: Labels;
  /** Its position in the selection while it is in it (-1 outside): its bit in every query's members. */
  slot: number;
}

export interface QueryDef {
  /** Canonical: equal keys select the same pods. */
  readonly key: string;
  /** Pods of this namespace; undefined: of the namespaces `namespaceSelector` selects. */
  readonly namespace: string | undefined;
  readonly namespaceSelector: Selector | undefined;
  /** undefined: every pod of those namespaces. */
  readonly podSelector: Selector | undefined;
}

/** The query a selector peer (or, with no namespaceSelector, a policy's podSelector) makes from `namespace`. */
export function queryDef(namespaceSelector: Selector | undefined, podSelector: Selector | undefined, namespace: string): QueryDef {
  const pods = podSelector && !podSelector.all ? podSelector : undefined;
  const podPart = pods ? pods.key : '*';
  return namespaceSelector
    ? { key: `ns:${namespaceSelector.key}|${podPart}`, namespace: undefined, namespaceSelector, podSelector: pods }
    : { key: `in:${namespace}|${podPart}`, namespace, namespaceSelector: undefined, podSelector: pods };
}

/** Told after the query's members changed: `pod` entered or left `query`. */
export interface QueryListener<P extends SelectablePod> {
  added(pod: P, query: Query<P>): void;
  removed(pod: P, query: Query<P>): void;
}

/**
 * A query's members as one bit per selection slot: a query costs a bit per
 * pod, not a hash-set entry per member (a thousand queries over 10,000 pods
 * hold ~70,000 memberships). Iterates in slot order.
 */
export class Members<P extends SelectablePod> implements Iterable<P> {
  private words = new Uint32Array(0);
  size = 0;

  constructor(private readonly table: readonly (P | undefined)[]) {}

  has(p: P): boolean {
    const w = p.slot >>> 5;
    return p.slot >= 0 && w < this.words.length && ((this.words[w] as number) & (1 << (p.slot & 31))) !== 0;
  }

  add(p: P): boolean {
    if (p.slot < 0 || this.has(p)) return false;
    const w = p.slot >>> 5;
    if (w >= this.words.length) {
      const grown = new Uint32Array(Math.max(w + 1, this.words.length * 2));
      grown.set(this.words);
      this.words = grown;
    }
    this.words[w] = (this.words[w] as number) | (1 << (p.slot & 31));
    this.size += 1;
    return true;
  }

  delete(p: P): boolean {
    if (!this.has(p)) return false;
    const w = p.slot >>> 5;
    this.words[w] = (this.words[w] as number) & ~(1 << (p.slot & 31));
    this.size -= 1;
    return true;
  }

  clear(): void {
    this.words = new Uint32Array(0);
    this.size = 0;
  }

  *[Symbol.iterator](): Iterator<P> {
    for (let w = 0; w < this.words.length; w++) {
      let bits = this.words[w] as number;
      while (bits !== 0) {
        const low = bits & -bits;
        yield this.table[(w << 5) + 31 - Math.clz32(low)] as P;
        bits ^= low;
      }
    }
  }
}

export class Query<P extends SelectablePod> {
  readonly members: Members<P>;
  readonly listeners = new Set<QueryListener<P>>();
  refs = 0;
  constructor(readonly def: QueryDef, table: readonly (P | undefined)[]) {
    this.members = new Members(table);
  }
}

const selects = (s: Selector | undefined, labels: Labels): boolean => s === undefined || s.all || matchesLabels(s.requirements, labels);

function sameLabels(a: Labels, b: Labels): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

interface NamespaceEntry<P extends SelectablePod> {
  labels: Labels;
  /** A Namespace object exists (else the namespace is known from its pods or queries only). */
  explicit: boolean;
  readonly pods: Set<P>;
  /** Queries scoped to this namespace. */
  readonly scoped: Set<Query<P>>;
  /** Cross-namespace queries whose namespaceSelector selects this namespace. */
  readonly matching: Set<Query<P>>;
}

export class Selection<P extends SelectablePod> {
  private readonly namespaces = new Map<string, NamespaceEntry<P>>();
  private readonly queries = new Map<string, Query<P>>();
  private readonly crossNamespace = new Set<Query<P>>();
  /** Slot → pod, and free slots. */
  private readonly table: (P | undefined)[] = [];
  private readonly free: number[] = [];

  /** The query for `def`, with its current members; release it when done. */
  acquire(def: QueryDef): Query<P> {
    let q = this.queries.get(def.key);
    if (!q) {
      const query = (q = new Query<P>(def, this.table));
      this.queries.set(def.key, query);
      if (def.namespaceSelector) {
        this.crossNamespace.add(query);
        for (const ns of this.namespaces.values()) {
          if (!selects(def.namespaceSelector, ns.labels)) continue;
          ns.matching.add(query);
          for (const p of ns.pods) if (selects(def.podSelector, p.labels)) query.members.add(p);
        }
      } else {
        const ns = this.entry(def.namespace as string);
        ns.scoped.add(query);
        for (const p of ns.pods) if (selects(def.podSelector, p.labels)) query.members.add(p);
      }
    }
    q.refs += 1;
    return q;
  }

  release(q: Query<P>): void {
    q.refs -= 1;
    if (q.refs > 0) return;
    this.queries.delete(q.def.key);
    if (q.def.namespaceSelector) {
      this.crossNamespace.delete(q);
      for (const [name, ns] of this.namespaces) {
        ns.matching.delete(q);
        this.dropIfUnused(name, ns);
      }
    } else {
      const name = q.def.namespace as string;
      const ns = this.namespaces.get(name);
      ns?.scoped.delete(q);
      if (ns) this.dropIfUnused(name, ns);
    }
    q.members.clear();
  }

  /** A Namespace object's labels, or undefined when it has none (deleted). */
  setNamespace(name: string, labels: Labels | undefined): void {
    const ns = this.entry(name);
    ns.explicit = labels !== undefined;
    const next: Labels = { ...labels, [NAMESPACE_NAME_LABEL]: name };
    if (!sameLabels(ns.labels, next)) {
      ns.labels = next;
      for (const q of this.crossNamespace) {
        const now = selects(q.def.namespaceSelector, next);
        if (now === ns.matching.has(q)) continue;
        if (now) {
          ns.matching.add(q);
          for (const p of ns.pods) this.offer(q, p);
        } else {
          ns.matching.delete(q);
          for (const p of ns.pods) this.withdraw(q, p);
        }
      }
    }
    this.dropIfUnused(name, ns);
  }

  /** A selectable pod (pod network, not terminated) appears. */
  addPod(p: P): void {
    const ns = this.entry(p.namespace);
    p.slot = this.free.pop() ?? this.table.length;
    this.table[p.slot] = p;
    ns.pods.add(p);
    for (const q of ns.scoped) this.offer(q, p);
    for (const q of ns.matching) this.offer(q, p);
  }

  removePod(p: P): void {
    const ns = this.namespaces.get(p.namespace);
    if (!ns || !ns.pods.delete(p)) return;
    for (const q of ns.scoped) this.withdraw(q, p);
    for (const q of ns.matching) this.withdraw(q, p);
    this.table[p.slot] = undefined;
    this.free.push(p.slot);
    p.slot = -1;
    this.dropIfUnused(p.namespace, ns);
  }

  private offer(q: Query<P>, p: P): void {
    if (!selects(q.def.podSelector, p.labels)) return;
    q.members.add(p);
    for (const l of q.listeners) l.added(p, q);
  }

  private withdraw(q: Query<P>, p: P): void {
    if (!q.members.delete(p)) return;
    for (const l of q.listeners) l.removed(p, q);
  }

  private entry(name: string): NamespaceEntry<P> {
    let ns = this.namespaces.get(name);
    if (!ns) {
      const labels: Labels = { [NAMESPACE_NAME_LABEL]: name };
      const entry: NamespaceEntry<P> = { labels, explicit: false, pods: new Set(), scoped: new Set(), matching: new Set() };
      for (const q of this.crossNamespace) if (selects(q.def.namespaceSelector, labels)) entry.matching.add(q);
      this.namespaces.set(name, (ns = entry));
    }
    return ns;
  }

  private dropIfUnused(name: string, ns: NamespaceEntry<P>): void {
    if (!ns.explicit && ns.pods.size === 0 && ns.scoped.size === 0) this.namespaces.delete(name);
  }
}
