// A Podwire-owned nft chain with constant rules, rendered so the common case
// costs nothing: the skeleton (table, sets, chain) uses idempotent `add`,
// and the rules are (re)written — `flush chain` plus `add rule` — only when
// the chain in the kernel is not the current version. Replacing rules makes
// the kernel wait for an RCU grace period when the netlink socket closes
// (5-25 ms measured), which a plugin must not pay on every ADD; elements
// alone do not. Every rule carries RULES_VERSION as its comment, so a chain
// left by an older Podwire is recognised and rewritten.

export const RULES_VERSION = 'podwire-v1';

export interface ChainSpec {
  family: 'inet' | 'ip' | 'ip6' | 'bridge';
  table: string;
  chain: string;
  /** `add set ...` bodies after the table name, e.g. `masq-src4 { type ipv4_addr; }`. */
  sets: readonly string[];
  /** The chain's type/hook/priority/policy, e.g. `type nat hook postrouting priority srcnat; policy accept;`. */
  hook: string;
  /** Rule bodies in order. */
  rules: readonly string[];
}

export function renderSkeleton(spec: ChainSpec): string {
  const t = `${spec.family} ${spec.table}`;
  return [`add table ${t}`, ...spec.sets.map((s) => `add set ${t} ${s}`), `add chain ${t} ${spec.chain} { ${spec.hook} }`]
    .map((l) => `${l}\n`).join('');
}

export function renderRules(spec: ChainSpec): string {
  const t = `${spec.family} ${spec.table}`;
  return [`flush chain ${t} ${spec.chain}`, ...spec.rules.map((r) => `add rule ${t} ${spec.chain} ${r} comment "${RULES_VERSION}"`)]
    .map((l) => `${l}\n`).join('');
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Whether `nft -j list chain ...` output shows exactly the current rules of `spec`. */
export function chainIsCurrent(listing: unknown, spec: ChainSpec): boolean {
  if (!isObj(listing) || !Array.isArray(listing.nftables)) return false;
  const rules = listing.nftables.filter((i): i is Json => isObj(i) && isObj(i.rule)).map((i) => i.rule as Json);
  const ours = rules.filter((r) => r.table === spec.table && r.chain === spec.chain);
  return ours.length === spec.rules.length && ours.every((r) => r.comment === RULES_VERSION);
}
