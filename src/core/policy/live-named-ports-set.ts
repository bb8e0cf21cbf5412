// The live named-port sets (np-…): destination address . protocol . port of
// an egress rule's named ports, resolved on each pod the rule's peers admit:
// members of its selector peers' queries, pods inside its ipBlocks, or every
// pod when the rule has no peers (LiveSets tells it about every pod for the
// last two). A pod's own elements are counted, since two pods, or two
// named-port references, can give the same element.
import { rangesContain, type IpRange } from './ip-ranges.js';
import { textOf, valueOf, type LivePod } from './live-pod.js';
import type { Query, QueryListener, Selection } from './live-selection.js';
import { acquireQueries, CountedSet, type SetSource } from './live-set.js';
import { resolveNamedPort } from './ports.js';
import { namedPortElement } from './set-specs.js';

/**
 * Counts, per pod, how many of the set's sources hold it (its queries, and
 * "every pod" or "inside an ipBlock"), so a pod two sources hold enters once.
 */
export class NamedPortsSet extends CountedSet implements QueryListener<LivePod> {
  private readonly holders = new Map<LivePod, number>();
  private readonly queries: readonly Query<LivePod>[];
  private readonly every: boolean;
  private readonly ranges: readonly IpRange[];

  constructor(private readonly source: Extract<SetSource, { kind: 'np' }>, private readonly selection: Selection<LivePod>, everyPod: Iterable<LivePod>) {
    super(source.spec.name, source.spec.declaration, false);
    this.queries = acquireQueries(selection, source.peers ?? []);
    this.every = source.peers === null;
    this.ranges = (source.peers ?? []).flatMap((p) => (p.kind === 'ipBlock' && p.family === source.family ? p.ranges : []));
    for (const q of this.queries) {
      q.listeners.add(this);
      for (const p of q.members) this.added(p);
    }
    if (this.global) for (const p of everyPod) if (this.admits(p)) this.added(p);
  }

  /** Whether pods outside its queries can belong: no peers (every pod), or ipBlocks. */
  get global(): boolean {
    return this.every || this.ranges.length > 0;
  }

  /** Whether a selectable pod belongs regardless of the queries. */
  admits(p: LivePod): boolean {
    if (this.every) return true;
    const value = valueOf(p, this.source.family);
    return value !== undefined && rangesContain(this.ranges, { family: this.source.family, value });
  }

  added(p: LivePod): void {
    const n = this.holders.get(p) ?? 0;
    this.holders.set(p, n + 1);
    if (n === 0) this.contribute(p, 1);
  }

  removed(p: LivePod): void {
    const n = this.holders.get(p) ?? 0;
    if (n > 1) {
      this.holders.set(p, n - 1);
      return;
    }
    this.holders.delete(p);
    if (n === 1) this.contribute(p, -1);
  }

  private contribute(p: LivePod, delta: 1 | -1): void {
    const t = textOf(p, this.source.family);
    if (t === undefined || p.namedPorts.size === 0) return;
    for (const n of this.source.named) {
      for (const port of resolveNamedPort(p.namedPorts, n.name, n.protocol)) {
        const e = namedPortElement(t, n.protocol, port);
        if (delta > 0) this.elements.inc(e);
        else this.elements.dec(e);
      }
    }
  }

  override dispose(): void {
    for (const q of this.queries) {
      q.listeners.delete(this);
      this.selection.release(q);
    }
  }
}

