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

export interface MasqElement {
  set: string;
  /** The element key as nft prints it in a script: "10.1.0.5" or "10.1.0.5 . 10.1.0.0/24". */
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

export function renderMasqDelete(elements: readonly MasqElement[]): string {
  return elements.map((e) => `delete element inet ${MASQ_TABLE} ${e.set} { ${e.key} }\n`).join('');
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function keyOf(val: unknown): string | undefined {
  if (typeof val === 'string') return val;
  if (isObj(val) && isObj(val.prefix)) return `${String(val.prefix.addr)}/${String(val.prefix.len)}`;
  if (isObj(val) && Array.isArray(val.concat)) {
    const parts = val.concat.map(keyOf);
    return parts.every((p) => p !== undefined) ? parts.join(' . ') : undefined;
  }
  return undefined;
}

/** Elements of `nft -j list table inet podwire` (the four masquerade sets). */
export function parseMasqListing(json: unknown): MasqElement[] {
  if (!isObj(json) || !Array.isArray(json.nftables)) return [];
  const out: MasqElement[] = [];
  for (const item of json.nftables) {
    if (!isObj(item) || !isObj(item.set)) continue;
    const set = item.set;
    if (set.table !== MASQ_TABLE || typeof set.name !== 'string' || !/^(masq-src|local)[46]$/.test(set.name)) continue;
    for (const e of Array.isArray(set.elem) ? set.elem : []) {
      const elem = isObj(e) && isObj(e.elem) ? e.elem : undefined;
      const key = elem ? keyOf(elem.val) : undefined;
      if (elem && key !== undefined && typeof elem.comment === 'string') out.push({ set: set.name, key, tag: elem.comment });
    }
  }
  return out;
}
