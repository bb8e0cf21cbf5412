// What names and declares each set of the policy table, apart from its
// elements. Sets are content-addressed: a set's name is a hash of what
// decides its elements (the canonical peer selectors, the ipBlock ranges,
// the named ports), so every rule and every policy that means the same peers
// shares one set, a pod's label change edits elements in place, and only a
// change of meaning gives a new name. Both compilers (compile-sets.ts from a
// model, live-sets.ts per change) take names and declarations from here.
import type { IpFamily } from '../ip/address.js';
import type { BlockPeerRef, NamedPortRef, PeerRef, SelectorPeerRef } from './compile-rules.js';
import { mergeRanges, rangeElement } from './ip-ranges.js';
import type { NftSet } from './ruleset.js';

export const addrType = (f: IpFamily): string => (f === 4 ? 'ipv4_addr' : 'ipv6_addr');

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/**
 * 16 hex characters of FNV-1a 64 over the UTF-8 bytes of `key` (the value of
 * src/core/masq/names.ts fnv1a64, tested), computed on four 16-bit limbs:
 * the BigInt version allocates per byte, and a compile hashes thousands of
 * keys. Callers check for collisions (NameClaims).
 */
export function hashName(key: string): string {
  let ascii = true;
  for (let i = 0; i < key.length && ascii; i++) ascii = key.charCodeAt(i) < 0x80;
  const bytes = ascii ? undefined : new TextEncoder().encode(key);
  const length = bytes ? bytes.length : key.length;
  // offset basis 0xcbf29ce484222325, low limb first
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  for (let i = 0; i < length; i++) {
    h0 ^= bytes ? (bytes[i] as number) : key.charCodeAt(i);
    // h * 0x100000001b3 = h * 0x1b3 + (h << 40), mod 2^64
    let t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3 + (t0 >>> 16);
    let t2 = h2 * 0x1b3 + (t1 >>> 16) + ((h0 << 8) & 0xffff);
    const t3 = h3 * 0x1b3 + (t2 >>> 16) + (((h1 << 8) | (h0 >>> 8)) & 0xffff);
    t0 &= 0xffff;
    t1 &= 0xffff;
    t2 &= 0xffff;
    h0 = t0;
    h1 = t1;
    h2 = t2;
    h3 = t3 & 0xffff;
  }
  return hex4(h3) + hex4(h2) + hex4(h1) + hex4(h0);
}

export type SetDeclaration = Omit<NftSet, 'name' | 'elements'>;

export interface SetSpec {
  readonly name: string;
  /** The canonical key the name hashes; two keys with one name are a collision. */
  readonly key: string;
  readonly declaration: SetDeclaration;
}

/** Remembers which key each hashed name stands for; throws on the (2^-64) chance of two keys sharing one. */
export class NameClaims {
  private readonly keys = new Map<string, string>();

  claim(name: string, key: string): string {
    const owner = this.keys.get(name);
    if (owner !== undefined && owner !== key) throw new Error(`policy compile: hash collision on ${name}`);
    this.keys.set(name, key);
    return name;
  }

  release(name: string): void {
    this.keys.delete(name);
  }
}

export const chainName = (direction: 'ingress' | 'egress', key: string): string => `${direction === 'ingress' ? 'in' : 'eg'}-${hashName(key)}`;

/** Addresses of every pod selected by any of a rule's selector peers. */
export function podsSetSpec(peers: readonly SelectorPeerRef[], family: IpFamily): SetSpec {
  const key = [...new Set(peers.map((p) => p.key))].sort().join('\n');
  const comment = [...new Set(peers.map((p) => p.description))].sort().join(' | ');
  return { name: `pods-${hashName(key)}-${family}`, key, declaration: { type: addrType(family), flags: [], comment } };
}

/** The union of a rule's ipBlocks of one family, as disjoint intervals; its elements depend on nothing else. */
export function blocksSetSpec(peers: readonly BlockPeerRef[], family: IpFamily): SetSpec & { readonly elements: readonly string[] } {
  const mine = peers.filter((b) => b.family === family);
  const keys = [...new Set(mine.map((b) => b.key))].sort();
  const key = keys.join('\n');
  const elements = mergeRanges(mine.flatMap((b) => b.ranges)).map(rangeElement);
  return { name: `cidrs-${hashName(key)}-${family}`, key, declaration: { type: addrType(family), flags: ['interval'], comment: keys.join(' | ') }, elements };
}

/**
 * (destination address . protocol . port) for the named ports of an egress
 * rule, resolved on each destination pod the rule's peers admit: selector
 * peers, pods inside its ipBlocks, or every pod when it has no peers.
 */
export function namedPortsSetSpec(peers: readonly PeerRef<SelectorPeerRef>[] | null, named: readonly NamedPortRef[], family: IpFamily): SetSpec {
  const refs = [...new Set(named.map((n) => `${n.name}/${n.protocol}`))].sort();
  const peerKeys = peers === null ? '*' : peers.map((p) => (p.kind === 'invalid' ? '!' : p.key)).sort().join('\n');
  const key = `${peerKeys}\n#${refs.join(',')}`;
  const of = peers === null ? 'any pod' : [...new Set(peers.map((p) => (p.kind === 'invalid' ? 'invalid' : p.description)))].sort().join(' | ');
  return { name: `np-${hashName(key)}-${family}`, key, declaration: { type: `${addrType(family)} . inet_proto . inet_service`, flags: [], comment: `named ports ${refs.join(',')} of ${of}` } };
}

export const nodeSetName = (f: IpFamily): string => `node${f}`;
export const selfSetName = (f: IpFamily): string => `self${f}`;
export const nodeSetDeclaration = (f: IpFamily): SetDeclaration => ({ type: addrType(f), flags: [], comment: 'addresses of this node' });
export const selfSetDeclaration = (f: IpFamily): SetDeclaration => ({ type: `${addrType(f)} . ${addrType(f)}`, flags: [], comment: 'a pod to itself' });
export const selfElement = (ip: string): string => `${ip} . ${ip}`;
export const namedPortElement = (ip: string, protocol: string, port: number): string => `${ip} . ${protocol.toLowerCase()} . ${port}`;

export const dispatchMapName = (direction: 'ingress' | 'egress', f: IpFamily): string => `${direction}${f}`;
export const dispatchMapType = (f: IpFamily): string => `${addrType(f)} : verdict`;
