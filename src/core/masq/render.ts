// Masquerade for pods, rendered as nft scripts (pure). Design:
// one Podwire-owned table `inet podwire` with a constant chain whose rules
// never grow with the number of pods; pods and networks are set elements:
//   masq-src4/6  addresses of pods whose network has ipMasq (tagged with the
//                attachment "<network>/<containerID>/<ifname>")
//   pod-nets4/6  the pod networks on this host (comment "network <name>"):
//                traffic to any of them keeps its pod source address
// Multicast is never masqueraded. Only the pod element is added and removed
// per attachment; the network element is re-added idempotently. Choices:
// - Pod to pod across Podwire networks on one host is not masqueraded (the
//   reference bridge only exempts the pod's own subnet): pods keep their
//   identity for NetworkPolicy, and the cluster network is one flat space.
// - No concatenated (address . subnet) interval set: such pipapo sets make
//   every element change wait an RCU grace period on socket close (~10 ms).
// - Rules are written only when the chain is missing or outdated (chain.ts).
// Alternatives rejected: a chain per pod (the reference's iptables approach:
// rules grow with pods, and it leaks when DEL comes without a netns).
import { renderRules, renderSkeleton, type ChainSpec } from './chain.js';
import { hasUnquotable } from './names.js';
import { cidrContains, networkOf, tryParseCidr } from '../ip/cidr.js';

export const MASQ_TABLE = 'podwire';
export const MASQ_CHAIN = 'pod-masquerade';

export interface MasqEntry {
  family: 4 | 6;
  /** Pod address without prefix. */
  address: string;
  /** The pod's network in CIDR form, e.g. 10.22.0.0/24. */
  network: string;
  /** attachmentTag(containerID, ifname). */
  tag: string;
}

/** An element to add: set name, key in nft script syntax, attachment tag. */
export interface MasqElement {
  set: string;
  key: string;
  tag: string;
}

/** Quotes an nft comment; refuses what cannot be quoted instead of altering it (a changed tag would never match again). */
export function quoteComment(s: string): string {
  if (hasUnquotable(s)) throw new Error(`nft comment ${JSON.stringify(s)} contains a quote, backslash or control character`);
  return `"${s}"`;
}

export const MASQ_CHAIN_SPEC: ChainSpec = {
  family: 'inet',
  table: MASQ_TABLE,
  chain: MASQ_CHAIN,
  sets: [
    'masq-src4 { type ipv4_addr; }',
    'masq-src6 { type ipv6_addr; }',
    'pod-nets4 { type ipv4_addr; flags interval; }',
    'pod-nets6 { type ipv6_addr; flags interval; }',
  ],
  hook: 'type nat hook postrouting priority srcnat; policy accept;',
  rules: [
    'ip daddr @pod-nets4 return',
    'ip6 daddr @pod-nets6 return',
    'ip daddr 224.0.0.0/4 return',
    'ip6 daddr ff00::/8 return',
    'ip saddr @masq-src4 masquerade',
    'ip6 saddr @masq-src6 masquerade',
  ],
};

/** Whether CIDR `outer` contains all of CIDR `inner` (both in network form). */
function covers(outer: string, inner: string): boolean {
  const o = tryParseCidr(outer);
  const i = tryParseCidr(inner);
  return o !== undefined && i !== undefined && o.prefix <= i.prefix && cidrContains(o, networkOf(i));
}

/** The comment of a pod network's element: shared by its pods, so never an attachment tag. */
export function networkComment(network: string): string {
  return `network ${network}`;
}

/**
 * One transaction: the entries' elements, preceded by the skeleton and the
 * rules when `chainCurrent` is false (missing or outdated). When the chain is
 * current, table and sets exist and even an idempotent `add chain` is left
 * out: it is a chain update for the kernel, paid with a grace-period wait.
 */
export function renderMasqAdd(
  networkName: string,
  entries: readonly MasqEntry[],
  chainCurrent: boolean,
  /** More destinations that keep the pod source (nonMasqueradeCIDRs), as the network's elements. */
  extraNets: ReadonlyArray<{ family: 4 | 6; cidr: string }> = [],
): string {
  // pod-nets4/6 are interval sets: the kernel refuses an interval that
  // overlaps another (a node block inside the cluster CIDR), so of nested
  // destinations only the outermost is added.
  const nets = [
    ...entries.map((e) => ({ family: e.family, cidr: e.network })),
    ...extraNets,
  ];
  const outermost = nets.filter((n, i) => !nets.some((m, j) => j !== i && covers(m.cidr, n.cidr) && (m.cidr !== n.cidr || j < i)));
  const elements = [
    ...entries.map((e) => ({ set: `masq-src${e.family}`, key: e.address, tag: e.tag })),
    ...outermost.map((n) => ({ set: `pod-nets${n.family}`, key: n.cidr, tag: networkComment(networkName) })),
  ];
  const lines = elements.map((e) => `add element inet ${MASQ_TABLE} ${e.set} { ${e.key} comment ${quoteComment(e.tag)} }\n`);
  return (chainCurrent ? '' : renderSkeleton(MASQ_CHAIN_SPEC) + renderRules(MASQ_CHAIN_SPEC)) + lines.join('');
}
