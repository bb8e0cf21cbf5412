// The fixed part of the policy table, shared by both compilers: the options
// that shape it, the base chain on the forward hook and the two dispatch
// chains. None of it depends on pods or policies, only on the families, the
// node's pod CIDRs and the fixed set and map names (set-specs.ts).
import { tryParseIp, type IpAddress, type IpFamily } from '../ip/address.js';
import { formatCidr, networkOf, tryParseCidr } from '../ip/cidr.js';
import { PolicyError, type PolicyDirection } from './inputs.js';
import type { NftChain, NftRule } from './ruleset.js';
import { dispatchMapName, nodeSetName, selfSetName } from './set-specs.js';

export interface CompileOptions {
  /** This node's name: only its pods get dispatch entries. Absent: every pod is local (single node, tests). */
  readonly node?: string;
  /** This node's own addresses. Default: the model's addresses of `node`. */
  readonly nodeAddresses?: readonly string[];
  /** This node's pod CIDRs: addresses in them that no known pod holds are dropped as not yet synced. */
  readonly podCidrs?: readonly string[];
  /** Families to render. Default: those of podCidrs, else both. */
  readonly families?: readonly IpFamily[];
}

export const FORWARD_CHAIN = 'forward';
export const EGRESS_CHAIN = 'egress';
export const INGRESS_CHAIN = 'ingress';
const FORWARD_HOOK = 'type filter hook forward priority filter; policy accept;';

export interface PodCidr {
  readonly family: IpFamily;
  /** Canonical network text. */
  readonly text: string;
}

/** options.podCidrs, canonical; throws PolicyError (InvalidOption) naming the bad entry. */
export function parsePodCidrs(texts: readonly string[]): PodCidr[] {
  return texts.map((t, i) => {
    const c = tryParseCidr(t);
    if (!c) throw new PolicyError('InvalidOption', `podCidrs[${i}]: ${JSON.stringify(t)} is not a CIDR`, { field: 'podCidrs' });
    return { family: c.address.family, text: formatCidr({ address: networkOf(c), prefix: c.prefix }) };
  });
}

/** The families a compile renders: options.families, else those of the pod CIDRs, else both. */
export function familiesOf(options: CompileOptions, podCidrs: readonly PodCidr[]): IpFamily[] {
  if (options.families) return [...new Set(options.families)].sort();
  return podCidrs.length > 0 ? [...new Set(podCidrs.map((c) => c.family))].sort() : [4, 6];
}

export function parseOptionAddresses(texts: readonly string[], field: string): IpAddress[] {
  return texts.map((t, i) => {
    const ip = tryParseIp(t);
    if (!ip) throw new PolicyError('InvalidOption', `${field}[${i}]: ${JSON.stringify(t)} is not an IP address`, { field });
    return ip;
  });
}

/** The base chain: replies, this node, a pod to itself, then both dispatch chains. */
export function forwardChain(families: readonly IpFamily[]): NftChain {
  const rules: NftRule[] = [{ matches: [{ kind: 'ct', states: ['established', 'related'] }], verdict: { kind: 'accept' }, comment: 'replies of allowed connections' }];
  for (const f of families) rules.push({ matches: [{ kind: 'addr-set', family: f, field: 'daddr', set: nodeSetName(f) }], verdict: { kind: 'accept' }, comment: 'to this node' });
  for (const f of families) rules.push({ matches: [{ kind: 'pair-set', family: f, set: selfSetName(f) }], verdict: { kind: 'accept' }, comment: 'a pod to itself' });
  rules.push({ matches: [], verdict: { kind: 'jump', chain: EGRESS_CHAIN } }, { matches: [], verdict: { kind: 'jump', chain: INGRESS_CHAIN } });
  return { name: FORWARD_CHAIN, base: FORWARD_HOOK, rules };
}

/** One vmap lookup per family on the pod address, then the "not yet synced" drop of the pod CIDRs. */
export function dispatchChain(direction: PolicyDirection, families: readonly IpFamily[], podCidrs: readonly PodCidr[]): NftChain {
  const field = direction === 'ingress' ? 'daddr' : 'saddr';
  const rules: NftRule[] = families.map((f) => ({ matches: [], verdict: { kind: 'vmap', family: f, field, map: dispatchMapName(direction, f) } }));
  for (const c of podCidrs) if (families.includes(c.family)) rules.push({ matches: [{ kind: 'addr-cidr', family: c.family, field, cidr: c.text }], verdict: { kind: 'drop' }, comment: 'pod not yet synced' });
  return { name: direction === 'ingress' ? INGRESS_CHAIN : EGRESS_CHAIN, rules };
}
