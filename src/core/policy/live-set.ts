// One named set of the live table (live-sets.ts keeps them all): what every
// kind of set answers (its elements now, what changed since the kernel last
// took it), what a class chain's rule asks a set to be (SetSource), and the
// plainest kind, whose elements are counted (ipBlocks, node addresses).
import type { IpFamily } from '../ip/address.js';
import type { NamedPortRef, PeerRef, SelectorPeerRef } from './compile-rules.js';
import { LiveElements, type ElementDelta } from './live-elements.js';
import type { LivePod } from './live-pod.js';
import type { Query, QueryDef, Selection } from './live-selection.js';
import type { SetDeclaration, SetSpec } from './set-specs.js';

/** A selector peer of the live compiler: the query that finds its pods. */
export interface QueryPeer extends SelectorPeerRef {
  readonly query: QueryDef;
}

/** What a class chain's rule needs a set to be; the spec names it. */
export type SetSource =
  | { readonly kind: 'pods'; readonly spec: SetSpec; readonly peers: readonly QueryPeer[]; readonly family: IpFamily }
  | { readonly kind: 'blocks'; readonly spec: SetSpec; readonly elements: readonly string[] }
  | { readonly kind: 'np'; readonly spec: SetSpec; readonly peers: readonly PeerRef<QueryPeer>[] | null; readonly named: readonly NamedPortRef[]; readonly family: IpFamily };

export interface LiveSet {
  readonly name: string;
  readonly declaration: SetDeclaration;
  /** Class-chain rules naming it; fixed sets are always in the table. */
  refs: number;
  readonly fixed: boolean;
  readonly size: number;
  /** Whether its elements changed since the last commit. */
  readonly dirty: boolean;
  delta(): ElementDelta;
  /** The elements in canonical order. */
  sorted(): string[];
  commit(): void;
  dispose(): void;
}

/** Elements counted per source: ipBlocks (fixed), node addresses; NamedPortsSet extends it. */
export class CountedSet implements LiveSet {
  readonly elements = new LiveElements();
  refs = 0;
  constructor(readonly name: string, readonly declaration: SetDeclaration, readonly fixed: boolean) {}
  get size(): number {
    return this.elements.size;
  }
  get dirty(): boolean {
    return this.elements.dirty;
  }
  delta(): ElementDelta {
    return this.elements.delta();
  }
  sorted(): string[] {
    return this.elements.sorted();
  }
  commit(): void {
    this.elements.commit();
  }
  dispose(): void {}
}

/** Sorts address texts by value (each text with a value from the pod that has it). */
export function byValue(entries: Map<string, bigint>): string[] {
  return [...entries].sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)).map(([t]) => t);
}

/** Distinct queries of the selector peers, acquired. */
export function acquireQueries(selection: Selection<LivePod>, peers: readonly PeerRef<QueryPeer>[]): Query<LivePod>[] {
  const defs = new Map<string, QueryDef>();
  for (const p of peers) if (p.kind === 'pods') defs.set(p.query.key, p.query);
  return [...defs.values()].map((d) => selection.acquire(d));
}

