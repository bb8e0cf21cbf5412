// The sets of a from-scratch compile (compile.ts): names and declarations
// from set-specs.ts, elements read off the whole model at once. Element
// lists are in canonical order (ruleset.ts); diff.ts turns the difference
// between two compiles into element adds and deletes.
import { formatIp, type IpAddress, type IpFamily } from '../ip/address.js';
import type { SetRegistry } from './compile-rules.js';
import { rangesContain } from './ip-ranges.js';
import { addressOf, type PeerEntry, type PodEntry, type PolicyModel } from './model.js';
import { resolveNamedPort } from './ports.js';
import { sortElements, type NftSet } from './ruleset.js';
import { blocksSetSpec, NameClaims, namedPortElement, namedPortsSetSpec, podsSetSpec, type SetDeclaration, type SetSpec } from './set-specs.js';
import type { BlockPeerRef, NamedPortRef } from './compile-rules.js';

export type PodsPeer = Extract<PeerEntry, { kind: 'pods' }>;

export class SetBuilder implements SetRegistry<PodsPeer> {
  private readonly sets = new Map<string, NftSet>();
  readonly names = new NameClaims();
  private readonly texts: (readonly [string | undefined, string | undefined])[] = [];

  constructor(private readonly model: PolicyModel) {}

  /** The pod's address of a family as element text, formatted once per compile. */
  addressText(pod: PodEntry, family: IpFamily): string | undefined {
    let t = this.texts[pod.index];
    if (!t) {
      const v4 = addressOf(pod, 4);
      const v6 = addressOf(pod, 6);
      t = this.texts[pod.index] = [v4 && formatIp(v4), v6 && formatIp(v6)];
    }
    return t[family === 4 ? 0 : 1];
  }

  /** Pods in canonical element order: by address value. */
  byAddress(pods: Iterable<PodEntry>, family: IpFamily): PodEntry[] {
    const out: { pod: PodEntry; value: bigint }[] = [];
    for (const pod of pods) {
      const ip = addressOf(pod, family);
      if (ip) out.push({ pod, value: ip.value });
    }
    return out.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)).map((x) => x.pod);
  }

  /** Registers a set once; `presorted` elements are already unique and in canonical order. */
  private add(spec: SetSpec, elements: () => readonly string[], presorted = false): string {
    this.names.claim(spec.name, spec.key);
    if (!this.sets.has(spec.name)) {
      const e = elements();
      this.sets.set(spec.name, { name: spec.name, ...spec.declaration, elements: presorted ? e : sortElements([...new Set(e)], (x) => x) });
    }
    return spec.name;
  }

  /** A fixed set (node addresses) under a plain name. */
  fixed(name: string, declaration: SetDeclaration, elements: readonly string[]): string {
    return this.add({ name, key: name, declaration }, () => elements);
  }

  /** One element per distinct address of the pods, in address order. */
  fixedByAddress(name: string, declaration: SetDeclaration, pods: readonly PodEntry[], family: IpFamily, element: (ip: string) => string): string {
    return this.add({ name, key: name, declaration }, () => {
      const sorted = this.byAddress(pods, family).map((p) => this.addressText(p, family) as string);
      return sorted.filter((e, i, all) => i === 0 || all[i - 1] !== e).map(element);
    }, true);
  }

  pods(peers: readonly PodsPeer[], family: IpFamily): string {
    return this.add(podsSetSpec(peers, family), () => {
      const members = new Set(peers.flatMap((p) => p.pods));
      const pods = this.byAddress([...members].map((i) => this.model.pods[i] as PodEntry), family);
      // Two pods never share an address in the model's address index; dedupe anyway, cheaply, on sorted input.
      return pods.map((p) => this.addressText(p, family) as string).filter((e, i, all) => i === 0 || all[i - 1] !== e);
    }, true);
  }

  blocks(peers: readonly BlockPeerRef[], family: IpFamily): string {
    const spec = blocksSetSpec(peers, family);
    return this.add(spec, () => spec.elements);
  }

  namedPorts(peers: readonly PeerEntry[] | null, named: readonly NamedPortRef[], family: IpFamily): string {
    return this.add(namedPortsSetSpec(peers, named, family), () => {
      const candidates = new Set<number>();
      const ranges = (peers ?? []).flatMap((p) => (p.kind === 'ipBlock' && p.family === family ? p.ranges : []));
      for (const p of peers ?? []) if (p.kind === 'pods') for (const i of p.pods) candidates.add(i);
      const elements: string[] = [];
      for (const pod of this.model.pods) {
        if (pod.namedPorts.size === 0) continue;
        const ip: IpAddress | undefined = addressOf(pod, family);
        if (!ip) continue;
        if (peers !== null && !candidates.has(pod.index) && !rangesContain(ranges, ip)) continue;
        for (const n of named) {
          for (const port of resolveNamedPort(pod.namedPorts, n.name, n.protocol)) elements.push(namedPortElement(this.addressText(pod, family) as string, n.protocol, port));
        }
      }
      return elements;
    });
  }

  all(): NftSet[] {
    return [...this.sets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
