// The rules of one class chain, shared by the two compilers: compile.ts
// (from a whole PolicyModel) and live-classes.ts (kept up to date change by
// change). Both hand the same policies, in the same order, to classRules()
// with a SetRegistry of their own, so a chain can only differ between them
// if their inputs do; tests compare the two value for value.
//
// A registry names the peer sets a rule line looks up: the name is a hash of
// the canonical peer keys (set-specs.ts), so equal peers share one set. The
// registry decides how a set's elements are found (all at once from the
// model, or maintained per change); the rule lines only need the name.
import type { IpFamily } from '../ip/address.js';
import type { PolicyDirection, PolicyProtocol } from './inputs.js';
import type { IpRange } from './ip-ranges.js';
import { resolveNamedPort, type NamedPort, type PortEntry } from './ports.js';
import type { L4Protocol, Match, NftChain, NftRule, PortRange, Verdict } from './ruleset.js';

/** A podSelector/namespaceSelector peer, as far as set naming needs it. */
export interface SelectorPeerRef {
  readonly kind: 'pods';
  readonly key: string;
  readonly description: string;
}

export interface BlockPeerRef {
  readonly kind: 'ipBlock';
  readonly key: string;
  readonly description: string;
  readonly family: IpFamily;
  readonly ranges: readonly IpRange[];
}

export type PeerRef<S extends SelectorPeerRef> = S | BlockPeerRef | { readonly kind: 'invalid'; readonly description: string };

export interface RuleRef<S extends SelectorPeerRef> {
  /** Position in spec.ingress / spec.egress. */
  readonly index: number;
  /** null: every peer. */
  readonly peers: readonly PeerRef<S>[] | null;
  /** null: every port of every protocol. */
  readonly ports: readonly PortEntry[] | null;
}

export interface PolicyRef<S extends SelectorPeerRef> {
  readonly key: string;
  readonly ingress: readonly RuleRef<S>[];
  readonly egress: readonly RuleRef<S>[];
}

export interface NamedPortRef {
  readonly name: string;
  readonly protocol: PolicyProtocol;
}

/** Names (and, as the implementation sees fit, registers) the sets rule lines refer to. */
export interface SetRegistry<S extends SelectorPeerRef> {
  pods(peers: readonly S[], family: IpFamily): string;
  blocks(peers: readonly BlockPeerRef[], family: IpFamily): string;
  namedPorts(peers: readonly PeerRef<S>[] | null, named: readonly NamedPortRef[], family: IpFamily): string;
}

const L4: readonly [PolicyProtocol, L4Protocol][] = [['TCP', 'tcp'], ['UDP', 'udp'], ['SCTP', 'sctp']];

function mergePorts(ranges: PortRange[]): PortRange[] {
  const out: [number, number][] = [];
  for (const [a, b] of [...ranges].sort((x, y) => x[0] - y[0] || x[1] - y[1])) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/**
 * Port alternatives of a rule: each a list of matches; [[]] = no restriction; [] = nothing.
 * `ingressPorts`: the class pod's named ports (ingress); undefined for egress,
 * whose named ports come back apart (they resolve per destination pod).
 */
function portAlternatives(rule: RuleRef<SelectorPeerRef>, ingressPorts: ReadonlyMap<string, readonly NamedPort[]> | undefined): { alternatives: Match[][]; named: NamedPortRef[] } {
  if (rule.ports === null) return { alternatives: [[]], named: [] };
  const byProtocol = new Map<PolicyProtocol, PortRange[] | 'all'>();
  const named: NamedPortRef[] = [];
  const add = (protocol: PolicyProtocol, range: PortRange | 'all'): void => {
    const cur = byProtocol.get(protocol);
    if (cur === 'all') return;
    if (range === 'all') byProtocol.set(protocol, 'all');
    else byProtocol.set(protocol, [...(cur ?? []), range]);
  };
  for (const e of rule.ports) {
    if (e.kind === 'all') add(e.protocol, 'all');
    else if (e.kind === 'range') add(e.protocol, [e.from, e.to]);
    else if (e.kind === 'named' && ingressPorts) for (const p of resolveNamedPort(ingressPorts, e.name, e.protocol)) add(e.protocol, [p, p]);
    else if (e.kind === 'named') named.push({ name: e.name, protocol: e.protocol });
  }
  const alternatives: Match[][] = [];
  for (const [protocol, l4] of L4) {
    const ports = byProtocol.get(protocol);
    if (ports !== undefined) alternatives.push([{ kind: 'l4', protocol: l4, ports: ports === 'all' ? null : mergePorts(ports) }]);
  }
  return { alternatives, named };
}

function ruleLines<S extends SelectorPeerRef>(sets: SetRegistry<S>, families: readonly IpFamily[], policyKey: string, direction: PolicyDirection, rule: RuleRef<S>, ingressPorts: ReadonlyMap<string, readonly NamedPort[]> | undefined): NftRule[] {
  const field = direction === 'ingress' ? 'saddr' : 'daddr';
  const verdict: Verdict = { kind: direction === 'ingress' ? 'accept' : 'return' };
  const comment = `${policyKey} ${direction}[${rule.index}]`;
  const { alternatives: ports, named } = portAlternatives(rule, ingressPorts);
  const podsPeers = (rule.peers ?? []).filter((p): p is S => p.kind === 'pods');
  const blockPeers = (rule.peers ?? []).filter((p): p is BlockPeerRef => p.kind === 'ipBlock');
  const addresses: Match[][] = [];
  if (rule.peers === null) addresses.push([]);
  else {
    for (const family of families) {
      if (podsPeers.length > 0) addresses.push([{ kind: 'addr-set', family, field, set: sets.pods(podsPeers, family) }]);
      if (blockPeers.some((b) => b.family === family)) addresses.push([{ kind: 'addr-set', family, field, set: sets.blocks(blockPeers, family) }]);
    }
  }
  const out: NftRule[] = [];
  for (const a of addresses) for (const p of ports) out.push({ matches: [...a, ...p], verdict, comment });
  if (named.length > 0) {
    for (const family of families) {
      if (rule.peers !== null && podsPeers.length === 0 && !blockPeers.some((b) => b.family === family)) continue;
      out.push({ matches: [{ kind: 'service-set', family, set: sets.namedPorts(rule.peers, named, family) }], verdict, comment });
    }
  }
  return out;
}

/** The named ports a class's ingress rules use, each once, in the order the policies list them. */
export function ingressNamedRefs(policies: readonly PolicyRef<SelectorPeerRef>[]): NamedPortRef[] {
  const named = new Map<string, NamedPortRef>();
  for (const p of policies) for (const r of p.ingress) for (const e of r.ports ?? []) if (e.kind === 'named') named.set(`${e.name}/${e.protocol}`, { name: e.name, protocol: e.protocol });
  return [...named.values()];
}

/** How those named ports resolve on one pod: the part of the ingress class key that pod adds ('' when none). */
export function resolvedPortsKey(named: readonly NamedPortRef[], namedPorts: ReadonlyMap<string, readonly NamedPort[]>): string {
  if (named.length === 0) return '';
  return named.map((e) => `${e.name}/${e.protocol}=${resolveNamedPort(namedPorts, e.name, e.protocol).join('+')}`).sort().join(',');
}

/** A class's chain key: its policies' names, plus for ingress how their named ports resolve on its pods. */
export function classKey(direction: PolicyDirection, names: string, resolved: string): string {
  return direction === 'egress' ? names : `${names}#${resolved}`;
}

/**
 * The rules of the chain of pods isolated (for `direction`) by `policies`,
 * in policy order. `ingressPorts`: the named ports of one pod of the class
 * (every pod of an ingress class resolves the used names alike).
 */
export function classRules<S extends SelectorPeerRef>(sets: SetRegistry<S>, families: readonly IpFamily[], direction: PolicyDirection, policies: readonly PolicyRef<S>[], ingressPorts: ReadonlyMap<string, readonly NamedPort[]>): NftRule[] {
  const portsOfPod = direction === 'ingress' ? ingressPorts : undefined;
  const rules = policies.flatMap((p) => (direction === 'ingress' ? p.ingress : p.egress).flatMap((r) => ruleLines(sets, families, p.key, direction, r, portsOfPod)));
  // Nothing after an unconditional allow is ever reached.
  const open = rules.findIndex((r) => r.matches.length === 0);
  if (open >= 0) rules.splice(open + 1);
  else rules.push({ matches: [], verdict: { kind: 'drop' }, comment: `${direction}: no rule allows` });
  return rules;
}

export function classChain(name: string, direction: PolicyDirection, policies: readonly { readonly key: string }[], rules: readonly NftRule[]): NftChain {
  return { name, comment: `${direction} of pods isolated by ${policies.map((p) => p.key).join(', ')}`, rules };
}

/** Names of the sets and maps a chain's rules refer to. */
export function referencedSets(chain: NftChain): string[] {
  const out = new Set<string>();
  for (const r of chain.rules) for (const m of r.matches) if ('set' in m) out.add(m.set);
  return [...out];
}
