// Masquerade for pods, rendered as nft scripts (pure). Design:
// one Podwire-owned table `inet podwire` with a constant chain whose rules
// never grow with the number of pods; pods are set elements:
//   masq-src4/6  pod addresses whose network has ipMasq
//   local4/6     (pod address . its own subnet) pairs: traffic to the pod's
//                own network is left alone, as the reference bridge does
// Multicast is never masqueraded. Every element carries a comment
// "<containerID>/<ifname>" so DEL and GC find an attachment's elements
// without prevResult. The chain is flushed and refilled in the same
// transaction that adds elements, so the rules stay exact and the change is
// atomic. Alternatives rejected: a chain per pod (the reference's iptables
// approach: rules grow with pods, and the chain leaks when DEL comes without
// a netns), one rule per subnet (rules grow with networks).

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

const quote = (s: string): string => `"${s.replace(/["\\]/g, '')}"`;

/** Table, sets and the constant chain; idempotent, rules rewritten in place. */
export function renderMasqBase(): string {
  const t = `inet ${MASQ_TABLE}`;
  return [
    `add table ${t}`,
    `add set ${t} masq-src4 { type ipv4_addr; }`,
    `add set ${t} masq-src6 { type ipv6_addr; }`,
    `add set ${t} local4 { type ipv4_addr . ipv4_addr; flags interval; }`,
    `add set ${t} local6 { type ipv6_addr . ipv6_addr; flags interval; }`,
    `add chain ${t} ${MASQ_CHAIN} { type nat hook postrouting priority srcnat; policy accept; }`,
    `flush chain ${t} ${MASQ_CHAIN}`,
    `add rule ${t} ${MASQ_CHAIN} ip saddr . ip daddr @local4 return`,
    `add rule ${t} ${MASQ_CHAIN} ip6 saddr . ip6 daddr @local6 return`,
    `add rule ${t} ${MASQ_CHAIN} ip daddr 224.0.0.0/4 return`,
    `add rule ${t} ${MASQ_CHAIN} ip6 daddr ff00::/8 return`,
    `add rule ${t} ${MASQ_CHAIN} ip saddr @masq-src4 masquerade`,
    `add rule ${t} ${MASQ_CHAIN} ip6 saddr @masq-src6 masquerade`,
  ].join('\n') + '\n';
}

export function masqElements(entry: MasqEntry): MasqElement[] {
  return [
    { set: `masq-src${entry.family}`, key: entry.address, tag: entry.tag },
    { set: `local${entry.family}`, key: `${entry.address} . ${entry.network}`, tag: entry.tag },
  ];
}

/** Base plus the entries' elements, one transaction. */
export function renderMasqAdd(entries: readonly MasqEntry[]): string {
  const lines = entries.flatMap(masqElements).map((e) => `add element inet ${MASQ_TABLE} ${e.set} { ${e.key} comment ${quote(e.tag)} }`);
  return renderMasqBase() + lines.map((l) => `${l}\n`).join('');
}
