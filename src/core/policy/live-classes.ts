// Class chains of the live table. A local pod's class for one direction is
// its isolation list (live-isolation.ts) plus, for ingress, how the named
// ports of those policies resolve on it: the same key compile.ts derives.
// Classes are counted by the pods in them. A class appears with its first
// pod and its chain is compiled then, from the same classRules() as a
// from-scratch compile; it is recompiled only when its list object changes
// (a policy in it was edited or removed); it goes with its last pod. A
// chain holds a reference on every set its rules name (live-sets.ts).
import type { IpFamily } from '../ip/address.js';
import type { PolicyDirection } from './inputs.js';
import { classChain, classKey, classRules, referencedSets, resolvedPortsKey, type BlockPeerRef, type NamedPortRef, type PeerRef, type SetRegistry } from './compile-rules.js';
import type { LiveChains } from './live-chains.js';
import type { IsolationList } from './live-isolation.js';
import type { LivePod } from './live-pod.js';
import type { QueryPeer, SetSource } from './live-set.js';
import type { LiveSets } from './live-sets.js';
import type { NftChain } from './ruleset.js';
import { blocksSetSpec, chainName, namedPortsSetSpec, podsSetSpec, type NameClaims } from './set-specs.js';

export interface LiveClass {
  readonly direction: PolicyDirection;
  readonly key: string;
  readonly chain: string;
  /** The dispatch verdict of its pods. */
  readonly verdict: string;
  list: IsolationList;
  /** A pod of the class, whose named ports the ingress rules resolve. */
  representative: LivePod;
  refs: number;
  /** undefined: to be compiled at the next settle. */
  compiled: NftChain | undefined;
  sets: readonly string[];
}

/** Names the sets rule lines ask for and remembers how to make each; only those the final rules name are made. */
class CollectingRegistry implements SetRegistry<QueryPeer> {
  readonly sources = new Map<string, SetSource>();

  pods(peers: readonly QueryPeer[], family: IpFamily): string {
    const spec = podsSetSpec(peers, family);
    this.sources.set(spec.name, { kind: 'pods', spec, peers, family });
    return spec.name;
  }

  blocks(peers: readonly BlockPeerRef[], family: IpFamily): string {
    const spec = blocksSetSpec(peers, family);
    this.sources.set(spec.name, { kind: 'blocks', spec, elements: spec.elements });
    return spec.name;
  }

  namedPorts(peers: readonly PeerRef<QueryPeer>[] | null, named: readonly NamedPortRef[], family: IpFamily): string {
    const spec = namedPortsSetSpec(peers, named, family);
    this.sources.set(spec.name, { kind: 'np', spec, peers, named, family });
    return spec.name;
  }
}

export class LiveClasses {
  private readonly byKey: Record<PolicyDirection, Map<string, LiveClass>> = { ingress: new Map(), egress: new Map() };
  private readonly touched = new Set<LiveClass>();

  constructor(
    private readonly families: readonly IpFamily[],
    private readonly sets: LiveSets,
    private readonly chains: LiveChains,
    private readonly names: NameClaims,
  ) {}

  /** Puts a local pod in the class its settled list gives it (none: not isolated). */
  assign(pod: LivePod, d: PolicyDirection, list: IsolationList | undefined): void {
    const iso = pod.isolation[d];
    const next = list ? this.classFor(d, list, pod) : undefined;
    if (next !== iso.cls) {
      if (iso.cls) this.leave(iso.cls);
      if (next) next.refs += 1;
      iso.cls = next;
    }
    if (next) this.touched.add(next);
  }

  /** A local pod leaves its classes. */
  unassign(pod: LivePod): void {
    for (const d of ['ingress', 'egress'] as const) {
      const cls = pod.isolation[d].cls;
      if (cls) this.leave(cls);
      pod.isolation[d].cls = undefined;
    }
  }

  private leave(c: LiveClass): void {
    c.refs -= 1;
    this.touched.add(c);
  }

  private classFor(d: PolicyDirection, list: IsolationList, pod: LivePod): LiveClass {
    const key = classKey(d, list.names, d === 'ingress' ? resolvedPortsKey(list.named, pod.namedPorts) : '');
    let c = this.byKey[d].get(key);
    if (!c) {
      const chain = this.names.claim(chainName(d, key), key);
      c = { direction: d, key, chain, verdict: `goto ${chain}`, list, representative: pod, refs: 0, compiled: undefined, sets: [] };
      this.byKey[d].set(key, c);
    } else if (c.list !== list) {
      c.list = list;
      c.compiled = undefined;
    }
    c.representative = pod;
    return c;
  }

  /** Drops the classes no pod is in any more and compiles new and outdated ones. */
  settle(): void {
    for (const c of this.touched) {
      if (c.refs > 0) {
        if (!c.compiled) this.compile(c);
        continue;
      }
      this.byKey[c.direction].delete(c.key);
      this.chains.remove(c.chain);
      this.names.release(c.chain);
      for (const s of c.sets) this.sets.release(s);
    }
    this.touched.clear();
  }

  private compile(c: LiveClass): void {
    const registry = new CollectingRegistry();
    const policies = c.list.policies;
    const chain = classChain(c.chain, c.direction, policies, classRules(registry, this.families, c.direction, policies, c.representative.namedPorts));
    const sets = referencedSets(chain);
    // Take the new references before dropping the old ones, so a set both name stays in place.
    for (const s of sets) this.sets.acquire(registry.sources.get(s) as SetSource);
    for (const s of c.sets) this.sets.release(s);
    c.sets = sets;
    c.compiled = chain;
    this.chains.set(chain);
  }
}
