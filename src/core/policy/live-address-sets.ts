// The live sets whose elements are pod addresses: pods-… (the pods a rule's
// selector peers select) and self4/6 (every local pod paired with itself).
// They store no elements: an address is in the set while some pod having it
// (AddressIndex) is a member, which the queries (or, for self, locality)
// already say; they only log what changed since the commit. That keeps the
// largest sets of the table at the cost of the queries they share.
import type { IpFamily } from '../ip/address.js';
import type { AddressIndex } from './live-addresses.js';
import { ChangeLog, type ElementDelta } from './live-elements.js';
import { textOf, valueOf, type LivePod } from './live-pod.js';
import type { Query, QueryListener, Selection } from './live-selection.js';
import { acquireQueries, byValue, type LiveSet, type SetSource } from './live-set.js';
import { selfElement, selfSetDeclaration, selfSetName, type SetDeclaration } from './set-specs.js';

/** Addresses of the pods any of its queries selects. */
export class PodsSet implements LiveSet, QueryListener<LivePod> {
  readonly name: string;
  readonly declaration: SetDeclaration;
  readonly fixed = false;
  refs = 0;
  size = 0;
  private readonly log = new ChangeLog();
  private readonly family: IpFamily;
  private readonly queries: readonly Query<LivePod>[];

  constructor(source: Extract<SetSource, { kind: 'pods' }>, private readonly selection: Selection<LivePod>, private readonly index: AddressIndex) {
    this.name = source.spec.name;
    this.declaration = source.spec.declaration;
    this.family = source.family;
    this.queries = acquireQueries(selection, source.peers);
    const texts = new Set<string>();
    for (const q of this.queries) {
      q.listeners.add(this);
      for (const p of q.members) {
        const t = textOf(p, this.family);
        if (t !== undefined) texts.add(t);
      }
    }
    // A new set goes to the kernel whole (addSets): its log starts empty.
    this.size = texts.size;
  }

  private member(p: LivePod, except?: Query<LivePod>): boolean {
    return this.queries.some((q) => q !== except && q.members.has(p));
  }

  /** Whether some member other than `p` has the address `t`. */
  private heldByOther(t: string, p: LivePod): boolean {
    return this.index.holders(t).some((h) => h !== p && this.member(h));
  }

  added(p: LivePod, q: Query<LivePod>): void {
    const t = textOf(p, this.family);
    if (t === undefined || this.member(p, q) || this.heldByOther(t, p)) return;
    this.log.note(t, false);
    this.size += 1;
  }

  removed(p: LivePod, q: Query<LivePod>): void {
    const t = textOf(p, this.family);
    if (t === undefined || this.member(p, q) || this.heldByOther(t, p)) return;
    this.log.note(t, true);
    this.size -= 1;
  }

  private has(t: string): boolean {
    return this.index.holders(t).some((h) => this.member(h));
  }

  get dirty(): boolean {
    return this.log.dirty;
  }

  delta(): ElementDelta {
    return this.log.delta((t) => this.has(t));
  }

  sorted(): string[] {
    const values = new Map<string, bigint>();
    for (const q of this.queries) {
      for (const p of q.members) {
        const t = textOf(p, this.family);
        if (t !== undefined) values.set(t, valueOf(p, this.family) as bigint);
      }
    }
    return byValue(values);
  }

  commit(): void {
    this.log.clear();
  }

  dispose(): void {
    for (const q of this.queries) {
      q.listeners.delete(this);
      this.selection.release(q);
    }
  }
}

/** Every local pod's address paired with itself. */
export class SelfSet implements LiveSet {
  readonly fixed = true;
  refs = 0;
  size = 0;
  private readonly log = new ChangeLog();

  readonly name: string;
  readonly declaration: SetDeclaration;

  constructor(private readonly family: IpFamily, private readonly index: AddressIndex, private readonly localPods: () => Iterable<LivePod>) {
    this.name = selfSetName(family);
    this.declaration = selfSetDeclaration(family);
  }

  private heldByOther(t: string, p: LivePod): boolean {
    return this.index.holders(t).some((h) => h !== p && h.local);
  }

  /** A local pod came (after the index has it) or goes (before the index drops it). */
  changed(p: LivePod, present: boolean): void {
    const t = textOf(p, this.family);
    if (t === undefined || this.heldByOther(t, p)) return;
    this.log.note(t, !present);
    this.size += present ? 1 : -1;
  }

  get dirty(): boolean {
    return this.log.dirty;
  }

  delta(): ElementDelta {
    return this.log.delta((t) => this.index.holders(t).some((h) => h.local), selfElement);
  }

  sorted(): string[] {
    const values = new Map<string, bigint>();
    for (const p of this.localPods()) {
      const t = textOf(p, this.family);
      if (t !== undefined) values.set(t, valueOf(p, this.family) as bigint);
    }
    return byValue(values).map(selfElement);
  }

  commit(): void {
    this.log.clear();
  }

  dispose(): void {}
}

