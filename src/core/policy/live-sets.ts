// The named sets of the live table (live-policy.ts), each kept up to date
// as pods come, go and change, instead of recomputed per sync:
// - pods-…: addresses of the pods its selector peers' queries select
//   (live-selection.ts tells it who enters and leaves);
// - cidrs-…: ipBlock intervals, fixed by the policy text;
// - np-…: destination address . protocol . port of egress named ports, from
//   the pods its peers admit (query members, pods inside its ipBlocks, or
//   every pod when the rule has no peers);
// - node4/6 and self4/6: this node's addresses, and every local pod paired
//   with itself.
// The kinds live in live-set.ts (counted), live-address-sets.ts (pods, self)
// and live-named-ports-set.ts.
// Names and declarations come from set-specs.ts, so they are those of a
// from-scratch compile. Sets are reference-counted by the class chains whose
// rules name them; a set nobody references leaves the table, but its state
// is kept until the next commit, so a set that comes back before then (a
// policy edited: removed, then added again) still knows what the kernel has.
import type { IpFamily } from '../ip/address.js';
import type { AddressIndex } from './live-addresses.js';
import { PodsSet, SelfSet } from './live-address-sets.js';
import { NamedPortsSet } from './live-named-ports-set.js';
import type { LivePod } from './live-pod.js';
import type { Selection } from './live-selection.js';
import { CountedSet, type LiveSet, type SetSource } from './live-set.js';
import { nodeSetDeclaration, nodeSetName, type NameClaims } from './set-specs.js';

export class LiveSets {
  private readonly sets = new Map<string, LiveSet>();
  private readonly global = new Set<NamedPortsSet>();
  private readonly node = new Map<IpFamily, CountedSet>();
  private readonly self = new Map<IpFamily, SelfSet>();

  constructor(
    private readonly selection: Selection<LivePod>,
    private readonly index: AddressIndex,
    private readonly everyPod: () => Iterable<LivePod>,
    localPods: () => Iterable<LivePod>,
    families: readonly IpFamily[],
    private readonly names: NameClaims,
  ) {
    for (const f of families) {
      const node = new CountedSet(nodeSetName(f), nodeSetDeclaration(f), true);
      const self = new SelfSet(f, index, localPods);
      this.node.set(f, node);
      this.self.set(f, self);
      this.sets.set(node.name, node);
      this.sets.set(self.name, self);
    }
  }

  /** One more rule names this set: creates it (with its current elements) on first use. */
  acquire(source: SetSource): void {
    let s = this.sets.get(source.spec.name);
    if (!s) {
      this.names.claim(source.spec.name, source.spec.key);
      s = this.create(source);
      this.sets.set(s.name, s);
    }
    s.refs += 1;
  }

  private create(source: SetSource): LiveSet {
    switch (source.kind) {
      case 'pods':
        return new PodsSet(source, this.selection, this.index);
      case 'blocks': {
        const s = new CountedSet(source.spec.name, source.spec.declaration, false);
        for (const e of source.elements) s.elements.inc(e);
        s.commit();
        return s;
      }
      case 'np': {
        const s = new NamedPortsSet(source, this.selection, this.everyPod());
        s.commit();
        if (s.global) this.global.add(s);
        return s;
      }
    }
  }

  release(name: string): void {
    const s = this.sets.get(name);
    if (!s || s.refs <= 0) throw new Error(`live sets: ${name} released more often than acquired`);
    s.refs -= 1;
  }

  /** A selectable pod appeared (the selection and the address index have it). */
  podAdded(p: LivePod): void {
    for (const s of this.global) if (s.admits(p)) s.added(p);
    if (p.local) for (const s of this.self.values()) s.changed(p, true);
  }

  /** A selectable pod goes (the address index still has it). */
  podRemoved(p: LivePod): void {
    for (const s of this.global) if (s.admits(p)) s.removed(p);
    if (p.local) for (const s of this.self.values()) s.changed(p, false);
  }

  /** This node's addresses of one family, as element texts. */
  setNodeAddresses(f: IpFamily, texts: readonly string[]): void {
    const s = this.node.get(f);
    if (!s) return;
    const next = new Set(texts);
    for (const e of [...s.elements.keys()]) if (!next.has(e)) s.elements.dec(e);
    for (const e of next) if (!s.elements.has(e)) s.elements.inc(e);
  }

  /** Every set, in the table or waiting for the commit that drops it. */
  all(): IterableIterator<LiveSet> {
    return this.sets.values();
  }

  isPresent(s: LiveSet): boolean {
    return s.fixed || s.refs > 0;
  }

  /** After the kernel took the plan: unreferenced sets go, change logs restart. */
  commit(): void {
    for (const [name, s] of this.sets) {
      if (this.isPresent(s)) {
        s.commit();
        continue;
      }
      s.dispose();
      this.sets.delete(name);
      this.names.release(name);
      if (s instanceof NamedPortsSet) this.global.delete(s);
    }
  }
}

