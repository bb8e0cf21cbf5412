// The compiled dataplane as a plain value: the sets, verdict maps and chains
// of one nft table, with rules as structured matches rather than text. It is
// what compilePolicy() returns, what diffRulesets() compares and applyPlan()
// updates, and what tests interpret packet by packet; text exists only at
// the edge (renderRule here, whole scripts in render-nft.ts).
// Element lists are kept in one canonical order (compareElements), so a
// ruleset built from scratch and one reached by applying plans are equal
// value for value and render byte for byte.
import { tryParseIp, type IpFamily } from '../ip/address.js';
import { hasUnquotable } from '../masq/names.js';

export const POLICY_TABLE = 'podwire-policy';
export const POLICY_FAMILY = 'inet';

export type L4Protocol = 'tcp' | 'udp' | 'sctp';
export type PortRange = readonly [number, number];
export type AddressField = 'saddr' | 'daddr';

export type Match =
  | { readonly kind: 'ct'; readonly states: readonly string[] }
  /** ip saddr @set */
  | { readonly kind: 'addr-set'; readonly family: IpFamily; readonly field: AddressField; readonly set: string }
  /** ip saddr 10.22.0.0/24 */
  | { readonly kind: 'addr-cidr'; readonly family: IpFamily; readonly field: AddressField; readonly cidr: string }
  /** ip saddr . ip daddr @set */
  | { readonly kind: 'pair-set'; readonly family: IpFamily; readonly set: string }
  /** ip daddr . meta l4proto . th dport @set */
  | { readonly kind: 'service-set'; readonly family: IpFamily; readonly set: string }
  /** meta l4proto tcp, or tcp dport { 80, 8000-8080 }; ports null: every port. */
  | { readonly kind: 'l4'; readonly protocol: L4Protocol; readonly ports: readonly PortRange[] | null };

export type Verdict =
  | { readonly kind: 'accept' | 'drop' | 'return' }
  | { readonly kind: 'jump' | 'goto'; readonly chain: string }
  /** ip saddr vmap @map */
  | { readonly kind: 'vmap'; readonly family: IpFamily; readonly field: AddressField; readonly map: string };

export interface NftRule {
  readonly matches: readonly Match[];
  readonly verdict: Verdict;
  readonly comment?: string;
}

export interface NftChain {
  readonly name: string;
  /** Base chain declaration, e.g. "type filter hook forward priority filter; policy accept;". */
  readonly base?: string;
  readonly comment?: string;
  readonly rules: readonly NftRule[];
}

export interface NftSet {
  readonly name: string;
  /** "ipv4_addr", "ipv4_addr . inet_proto . inet_service", ... */
  readonly type: string;
  readonly flags: readonly string[];
  readonly comment?: string;
  /** Element texts in canonical order. */
  readonly elements: readonly string[];
}

export interface NftMap {
  readonly name: string;
  /** "ipv4_addr : verdict". */
  readonly type: string;
  /** [key, verdict text] in canonical key order. */
  readonly entries: readonly (readonly [string, string])[];
}

export interface PolicyRuleset {
  readonly table: string;
  readonly sets: readonly NftSet[];
  readonly maps: readonly NftMap[];
  /** Base chain first, then dispatch chains, then per-class chains by name. */
  readonly chains: readonly NftChain[];
}

const ipWord = (f: IpFamily): string => (f === 4 ? 'ip' : 'ip6');

function portsText(ports: readonly PortRange[]): string {
  const items = ports.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`));
  return items.length === 1 ? (items[0] as string) : `{ ${items.join(', ')} }`;
}

export function renderMatch(m: Match): string {
  switch (m.kind) {
    case 'ct':
      return `ct state ${m.states.join(',')}`;
    case 'addr-set':
      return `${ipWord(m.family)} ${m.field} @${m.set}`;
    case 'addr-cidr':
      return `${ipWord(m.family)} ${m.field} ${m.cidr}`;
    case 'pair-set':
      return `${ipWord(m.family)} saddr . ${ipWord(m.family)} daddr @${m.set}`;
    case 'service-set':
      return `${ipWord(m.family)} daddr . meta l4proto . th dport @${m.set}`;
    case 'l4':
      return m.ports === null ? `meta l4proto ${m.protocol}` : `${m.protocol} dport ${portsText(m.ports)}`;
  }
}

export function renderVerdict(v: Verdict): string {
  switch (v.kind) {
    case 'jump':
    case 'goto':
      return `${v.kind} ${v.chain}`;
    case 'vmap':
      return `${ipWord(v.family)} ${v.field} vmap @${v.map}`;
    default:
      return v.kind;
  }
}

/** nft comments hold at most 128 bytes; names here are ASCII (Kubernetes names and label syntax). */
export function quoteComment(text: string): string {
  if (hasUnquotable(text)) throw new Error(`nft comment ${JSON.stringify(text)} contains a quote, backslash or control character`);
  return `"${text.length > 127 ? `${text.slice(0, 124)}...` : text}"`;
}

export function renderRule(r: NftRule): string {
  const parts = [...r.matches.map(renderMatch), renderVerdict(r.verdict)];
  if (r.comment !== undefined) parts.push(`comment ${quoteComment(r.comment)}`);
  return parts.join(' ');
}

type PartKey = readonly [number, bigint, string];

function partKey(part: string): PartKey {
  const ip = tryParseIp(part.split(/[-/]/)[0] ?? '');
  if (ip) return [ip.family, ip.value, part];
  if (/^[0-9]+$/.test(part)) return [0, BigInt(part), part];
  return [-1, 0n, part];
}

const elementKey = (e: string): PartKey[] => e.split(' . ').map(partKey);

function compareKeys(pa: readonly PartKey[], pb: readonly PartKey[]): number {
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? [-2, 0n, ''];
    const y = pb[i] ?? [-2, 0n, ''];
    if (x[0] !== y[0]) return x[0] - y[0];
    if (x[1] !== y[1]) return x[1] < y[1] ? -1 : 1;
    if (x[2] !== y[2]) return x[2] < y[2] ? -1 : 1;
  }
  return 0;
}

/** Canonical element order: part by part (" . "), addresses by family and value, numbers numerically. */
export function compareElements(a: string, b: string): number {
  return compareKeys(elementKey(a), elementKey(b));
}

/** Sorts into canonical order, parsing each element once. */
export function sortElements<T>(items: readonly T[], text: (t: T) => string): T[] {
  return items
    .map((item) => ({ item, key: elementKey(text(item)) }))
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((x) => x.item);
}

const FIXED_CHAINS = ['forward', 'egress', 'ingress'];

/** Chain order of a ruleset: the base chain and the two dispatch chains, then the rest by name. */
export function orderChains(chains: readonly NftChain[]): NftChain[] {
  const rank = (n: string): number => {
    const i = FIXED_CHAINS.indexOf(n);
    return i < 0 ? FIXED_CHAINS.length : i;
  };
  return [...chains].sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
