// The named sets a compiled ruleset refers to, content-addressed: a set's
// name is a hash of what decides its elements (the canonical peer selectors,
// the ipBlock ranges, the named ports), so every rule and every policy that
// means the same peers shares one set, a pod's label change edits elements
// in place, and only a change of meaning gives a new name. Element lists are
// recomputed from the model on every compile; diff.ts turns the difference
// into element adds and deletes.
import { formatIp, type IpAddress, type IpFamily } from '../ip/address.js';
import { fnv1a64 } from '../masq/names.js';
import type { PolicyProtocol } from './inputs.js';
import { mergeRanges, rangeElement, rangesContain } from './ip-ranges.js';
import { addressOf, type PeerEntry, type PodEntry, type PolicyModel } from './model.js';
import type { PolicyCache } from './policy-cache.js';
import { resolveNamedPort } from './ports.js';
import { sortElements, type NftSet } from './ruleset.js';

export type PodsPeer = Extract<PeerEntry, { kind: 'pods' }>;
export type BlockPeer = Extract<PeerEntry, { kind: 'ipBlock' }>;

export interface NamedPortRef {
  readonly name: string;
  readonly protocol: PolicyProtocol;
}

export const addrType = (f: IpFamily): string => (f === 4 ? 'ipv4_addr' : 'ipv6_addr');

/** 16 hex characters of FNV-1a 64 over `key`; the caller checks for collisions. */
export function hashName(key: string): string {
  return fnv1a64(key).toString(16).padStart(16, '0');
}

export class SetBuilder {
  private readonly sets = new Map<string, NftSet>();
  private readonly keys = new Map<string, string>();

  constructor(private readonly model: PolicyModel, private readonly cache?: PolicyCache) {}

  /** A name for `key` under `prefix`; throws on the (2^-64) chance of two keys sharing a hash. */
  claim(prefix: string, key: string, suffix = ''): string {
    const name = `${prefix}-${this.cache ? this.cache.hash(key, hashName) : hashName(key)}${suffix}`;
    const owner = this.keys.get(name);
    if (owner !== undefined && owner !== key) throw new Error(`policy compile: hash collision on ${name}`);
    this.keys.set(name, key);
    return name;
  }

  private readonly texts: (readonly [string | undefined, string | undefined])[] = [];

  /** The pod's address of a family as element text, formatted once per compile. */
  addressText(pod: PodEntry, family: IpFamily): string | undefined {
    let t = this.texts[pod.index];
    if (!t) {
      const v4 = addressOf(pod, 4);
      const v6 = addressOf(pod, 6);
      const text = (ip: IpAddress): string => (this.cache ? this.cache.ipText(ip) : formatIp(ip));
      t = this.texts[pod.index] = [v4 && text(v4), v6 && text(v6)];
    }
    return t[family === 4 ? 0 : 1];
  }

  /** Pod positions in canonical element order: by address value. */
  private byAddress(pods: Iterable<number>, family: IpFamily): PodEntry[] {
    const out: { pod: PodEntry; value: bigint }[] = [];
    for (const i of pods) {
      const pod = this.model.pods[i] as PodEntry;
      const ip = addressOf(pod, family);
      if (ip) out.push({ pod, value: ip.value });
    }
    return out.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)).map((x) => x.pod);
  }

  /** Registers a set; `presorted` elements are already unique and in canonical order. */
  private add(name: string, make: () => Omit<NftSet, 'name'>, presorted = false): string {
    if (!this.sets.has(name)) {
      const s = make();
      this.sets.set(name, { name, ...s, elements: presorted ? s.elements : sortElements([...new Set(s.elements)], (e) => e) });
    }
    return name;
  }

  /**
   * Registers a set made by make() from what `signature` lists (in any fixed
   * order); with a cache, an equal signature under the same name returns
   * the set compiled last time, unsorted and unchanged.
   */
  private addSigned(name: string, signature: () => readonly unknown[], make: () => Omit<NftSet, 'name'>, presorted = false): string {
    if (this.sets.has(name)) return name;
    if (!this.cache) return this.add(name, make, presorted);
    const build = (): NftSet => {
      const s = make();
      return { name, ...s, elements: presorted ? s.elements : sortElements([...new Set(s.elements)], (e) => e) };
    };
    this.sets.set(name, this.cache.reuse(`set ${name}`, signature(), build));
    return name;
  }

  /** A fixed set (node addresses, self pairs) under a plain name. */
  fixed(name: string, type: string, comment: string, elements: readonly string[]): string {
    return this.addSigned(name, () => [type, comment, ...elements], () => ({ type, flags: [], comment, elements }));
  }

  /** A fixed set of one address per pod (self pairs: `pair`), sorted by address. */
  fixedByAddress(name: string, type: string, comment: string, pods: readonly PodEntry[], family: IpFamily, pair: boolean): string {
    const text = (p: PodEntry): string | undefined => this.addressText(p, family);
    return this.addSigned(name, () => [type, comment, ...pods.map(text)], () => {
      const sorted = this.byAddress(pods.map((p) => p.index), family).map((p) => text(p) as string);
      const elements = (pair ? sorted.map((ip) => `${ip} . ${ip}`) : sorted).filter((e, i, all) => i === 0 || all[i - 1] !== e);
      return { type, flags: [], comment, elements };
    }, true);
  }

  /** Addresses of every pod selected by any of the rule's selector peers. */
  pods(peers: readonly PodsPeer[], family: IpFamily): string {
    const keys = [...new Set(peers.map((p) => p.key))].sort();
    const name = this.claim('pods', keys.join('\n'), `-${family}`);
    const signature = (): unknown[] => {
      const out: unknown[] = peers.map((p) => p.description);
      // A pod's address list is one object for as long as the pod object is unchanged (PolicyCache facts).
      for (const p of peers) for (const i of p.pods) out.push((this.model.pods[i] as PodEntry).addresses);
      return out;
    };
    return this.addSigned(name, signature, () => {
      const members = new Set(peers.flatMap((p) => p.pods));
      // Two pods never share an address in the model's address index; dedupe anyway, cheaply, on sorted input.
      const elements = this.byAddress(members, family).map((p) => this.addressText(p, family) as string).filter((e, i, all) => i === 0 || all[i - 1] !== e);
      return { type: addrType(family), flags: [], comment: [...new Set(peers.map((p) => p.description))].sort().join(' | '), elements };
    }, true);
  }

  /** The union of the rule's ipBlocks of one family, as disjoint intervals. */
  blocks(peers: readonly BlockPeer[], family: IpFamily): string {
    const mine = peers.filter((b) => b.family === family);
    const keys = [...new Set(mine.map((b) => b.key))].sort();
    const name = this.claim('cidrs', keys.join('\n'), `-${family}`);
    return this.addSigned(name, () => mine.map((b) => b.ranges), () => {
      const elements = mergeRanges(mine.flatMap((b) => b.ranges)).map(rangeElement);
      return { type: addrType(family), flags: ['interval'], comment: keys.join(' | '), elements };
    });
  }

  /**
   * (destination address . protocol . port) for the named ports of an egress
   * rule, resolved on each destination pod the rule's peers admit: selector
   * peers, pods inside its ipBlocks, or every pod when it has no peers.
   */
  namedPorts(peers: readonly PeerEntry[] | null, named: readonly NamedPortRef[], family: IpFamily): string {
    const refs = [...new Set(named.map((n) => `${n.name}/${n.protocol}`))].sort();
    const peerKeys = peers === null ? '*' : peers.map((p) => (p.kind === 'invalid' ? '!' : p.key)).sort().join('\n');
    const name = this.claim('np', `${peerKeys}\n#${refs.join(',')}`, `-${family}`);
    return this.add(name, () => {
      const candidates = new Set<number>();
      const ranges = (peers ?? []).flatMap((p) => (p.kind === 'ipBlock' && p.family === family ? p.ranges : []));
      for (const p of peers ?? []) if (p.kind === 'pods') for (const i of p.pods) candidates.add(i);
      const elements: string[] = [];
      for (const pod of this.model.pods) {
        if (pod.namedPorts.size === 0) continue;
        const ip = addressOf(pod, family);
        if (!ip) continue;
        if (peers !== null && !candidates.has(pod.index) && !rangesContain(ranges, ip)) continue;
        for (const n of named) {
          for (const port of resolveNamedPort(pod.namedPorts, n.name, n.protocol)) elements.push(`${this.addressText(pod, family) as string} . ${n.protocol.toLowerCase()} . ${port}`);
        }
      }
      const of = peers === null ? 'any pod' : [...new Set(peers.map((p) => (p.kind === 'invalid' ? 'invalid' : p.description)))].sort().join(' | ');
      return { type: `${addrType(family)} . inet_proto . inet_service`, flags: [], comment: `named ports ${refs.join(',')} of ${of}`, elements };
    });
  }

  all(): NftSet[] {
    return [...this.sets.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
