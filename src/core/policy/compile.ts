// Compiles the policy model into one nft table, `inet podwire-policy`.
//
// Approach. One base chain on the forward hook sees every packet a pod on
// this node sends or receives through the host (routed, or bridged with
// br_netfilter's bridge-nf-call-iptables/ip6tables = 1; the agent ensures
// that). Per packet:
//   forward: ct state established,related accept        replies always pass
//            ip daddr @node4 accept                      this node's addresses
//            ip saddr . ip daddr @self4 accept           a pod to itself (hairpin)
//            jump egress ; jump ingress
//   egress:  ip saddr vmap @egress4    local pod address → goto eg-<class> | return
//            ip saddr <podCIDR> drop   "not yet synced"
//   ingress: ip daddr vmap @ingress4   local pod address → goto in-<class> | return
//            ip daddr <podCIDR> drop   "not yet synced"
//   eg-/in-<class>: one line per (rule × address set × protocol), each a set
//            lookup (`ip saddr @pods-… tcp dport { 80, 81 } accept`), then drop.
// An egress class chain allows with `return` (the ingress side is still to
// be checked), an ingress class chain with `accept`. A class is the set of
// pods isolated by the same policies (for ingress also resolving the used
// named ports to the same numbers), so pods share chains.
//
// Invariants.
// - Per-packet cost is a constant number of hash lookups plus the rules of
//   the policies selecting the two pods involved: it does not grow with the
//   number of pods or of policies in the cluster.
// - Names are content-addressed (hash of the canonical key), so the same
//   model always compiles to the same value; compile → render from scratch
//   equals compile → diff → apply (diff.ts, tested).
// - Every local pod address is in the dispatch maps; an address of this
//   node's pod CIDRs that is not is a pod the agent has not synced yet, and
//   its traffic is dropped, so no pod ever runs unprotected. The agent should
//   recompile and apply the diff as soon as it learns a pod's address (pod
//   watch, or the CNI ADD result over the API socket); until then the pod
//   has no pod-network connectivity, which the Kubernetes docs allow
//   ("a newly created pod may have no network connectivity at all").
// - A pod and its own node always reach each other: that traffic uses the
//   input/output hooks, where this table has no chains. A forwarded packet
//   whose source is a node address gets no exemption: from a pod it is a
//   spoof, and from another node it is ordinary ipBlock-matched traffic.
// - Only pods of this node (options.node) get dispatch entries; peer sets
//   hold every pod of the cluster. Each node enforces its own pods' egress
//   and ingress; together both ends of every connection are covered.
//
// Alternatives rejected.
// - One chain per policy jumped to from a per-pod chain: an allowing
//   `return` from the policy chain cannot skip the next policies without
//   marks, and marks collide with kube-proxy's.
// - One concatenated (peer . proto . port) set per class: peers are copied
//   into every class that shares a policy, and a pod label change rewrites
//   many sets instead of the few that name its selectors.
// - iptables-style rules per (pod, peer): rules grow with pods × policies.
// - Per-pod chains: the same as classes, only without sharing.
import { formatIp, tryParseIp, type IpAddress, type IpFamily } from '../ip/address.js';
import { formatCidr, networkOf, tryParseCidr } from '../ip/cidr.js';
import { PolicyError, type PolicyDirection, type PolicyProtocol } from './inputs.js';
import { addressOf, type PodEntry, type PolicyEntry, type PolicyModel, type RuleEntry } from './model.js';
import type { PolicyCache } from './policy-cache.js';
import { resolveNamedPort } from './ports.js';
import { SetBuilder, addrType, type BlockPeer, type NamedPortRef, type PodsPeer } from './compile-sets.js';
import { orderChains, POLICY_TABLE, type L4Protocol, type Match, type NftChain, type NftMap, type NftRule, type PolicyRuleset, type PortRange, type Verdict } from './ruleset.js';

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

/** Port alternatives of a rule: each a list of matches; [[]] = no restriction; [] = nothing. Egress named ports come back apart. */
function portAlternatives(rule: RuleEntry, ingressPod: PodEntry | undefined): { alternatives: Match[][]; named: NamedPortRef[] } {
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
    else if (e.kind === 'named' && ingressPod) for (const p of resolveNamedPort(ingressPod.namedPorts, e.name, e.protocol)) add(e.protocol, [p, p]);
    else if (e.kind === 'named') named.push({ name: e.name, protocol: e.protocol });
  }
  const alternatives: Match[][] = [];
  for (const [protocol, l4] of L4) {
    const ports = byProtocol.get(protocol);
    if (ports !== undefined) alternatives.push([{ kind: 'l4', protocol: l4, ports: ports === 'all' ? null : mergePorts(ports) }]);
  }
  return { alternatives, named };
}

function ruleLines(sets: SetBuilder, families: readonly IpFamily[], policy: PolicyEntry, direction: PolicyDirection, rule: RuleEntry, classPod: PodEntry): NftRule[] {
  const field = direction === 'ingress' ? 'saddr' : 'daddr';
  const verdict: Verdict = { kind: direction === 'ingress' ? 'accept' : 'return' };
  const comment = `${policy.key} ${direction}[${rule.index}]`;
  const { alternatives: ports, named } = portAlternatives(rule, direction === 'ingress' ? classPod : undefined);
  const podsPeers = (rule.peers ?? []).filter((p): p is PodsPeer => p.kind === 'pods');
  const blockPeers = (rule.peers ?? []).filter((p): p is BlockPeer => p.kind === 'ipBlock');
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

interface ClassEntry {
  readonly names: string;
  readonly named: readonly { readonly name: string; readonly protocol: PolicyProtocol }[];
  /** The named-port references as one string: with a cache, a pod's resolution is remembered under it. */
  readonly namedKey: string;
  /** Resolved named ports ('' for egress) → chain name and its verdict, so a pod's dispatch never hashes the full class key. */
  readonly chains: Map<string, { readonly chain: string; readonly verdict: string }>;
}
/** Keyed by the model's isolating list: pods isolated by the same policies share one list object (model.ts). */
type ClassMemo = Map<readonly number[], ClassEntry>;

/**
 * The class of a pod for one direction: its isolating policies, plus
 * (ingress) how the named ports they use resolve on it. Pods isolated by the
 * same policies share the memo entry: policy names and named-port
 * references are gathered once per distinct list, not once per pod.
 */
function classOf(model: PolicyModel, pod: PodEntry, direction: PolicyDirection, memo: ClassMemo, cache: PolicyCache | undefined): { entry: ClassEntry; resolved: string } | undefined {
  const isolating = direction === 'ingress' ? pod.ingressPolicies : pod.egressPolicies;
  if (isolating.length === 0) return undefined;
  let entry = memo.get(isolating);
  if (!entry) {
    const policies = isolating.map((i) => model.policies[i] as PolicyEntry);
    const named = new Map<string, { name: string; protocol: PolicyProtocol }>();
    if (direction === 'ingress') {
      for (const p of policies) for (const r of p.ingress) for (const e of r.ports ?? []) if (e.kind === 'named') named.set(`${e.name}/${e.protocol}`, { name: e.name, protocol: e.protocol });
    }
    memo.set(isolating, (entry = { names: policies.map((p) => p.key).join(','), named: [...named.values()], namedKey: JSON.stringify([...named.keys()]), chains: new Map() }));
  }
  if (direction === 'egress' || entry.named.length === 0) return { entry, resolved: '' };
  const { named } = entry;
  const resolve = (): string => named.map((e) => `${e.name}/${e.protocol}=${resolveNamedPort(pod.namedPorts, e.name, e.protocol).join('+')}`).sort().join(',');
  return { entry, resolved: cache ? cache.resolvedPorts(pod.namedPorts, entry.namedKey, resolve) : resolve() };
}

function parseOptionAddresses(texts: readonly string[], field: string): IpAddress[] {
  return texts.map((t, i) => {
    const ip = tryParseIp(t);
    if (!ip) throw new PolicyError('InvalidOption', `${field}[${i}]: ${JSON.stringify(t)} is not an IP address`, { field });
    return ip;
  });
}

/**
 * Compiles the model for one node. Throws PolicyError (InvalidOption) for
 * malformed options. With a cache (policy-cache.ts), sets, maps and chains
 * whose inputs did not change since the last compile are the very objects
 * it returned then; the value is the same as without a cache.
 */
export function compilePolicy(model: PolicyModel, options: CompileOptions = {}, cache?: PolicyCache): PolicyRuleset {
  cache?.beginCompile();
  const podCidrs = (options.podCidrs ?? []).map((t, i) => {
    const c = tryParseCidr(t);
    if (!c) throw new PolicyError('InvalidOption', `podCidrs[${i}]: ${JSON.stringify(t)} is not a CIDR`, { field: 'podCidrs' });
    return { family: c.address.family, text: formatCidr({ address: networkOf(c), prefix: c.prefix }) };
  });
  const families: IpFamily[] = options.families
    ? [...new Set(options.families)].sort()
    : podCidrs.length > 0 ? [...new Set(podCidrs.map((c) => c.family))].sort() : [4, 6];
  const nodeAddresses = options.nodeAddresses
    ? parseOptionAddresses(options.nodeAddresses, 'nodeAddresses')
    : options.node !== undefined ? [...(model.nodeAddresses.get(options.node) ?? [])] : [];
  const local = model.pods.filter((p) => options.node === undefined || p.node === options.node);

  const sets = new SetBuilder(model, cache);
  const classChains = new Map<string, NftChain>();
  const classMemo: Record<PolicyDirection, ClassMemo> = { ingress: new Map(), egress: new Map() };
  const dispatch = { ingress: new Map<string, { chain: string; verdict: string }>(), egress: new Map<string, { chain: string; verdict: string }>() };
  // Per family: address text → both directions' verdicts and the pod, which orders the entries by address value.
  interface DispatchRow { egress: string; ingress: string; readonly pod: PodEntry }
  const dispatchEntries = new Map<IpFamily, Map<string, DispatchRow>>(families.map((f) => [f, new Map()]));

  for (const pod of local) {
    const verdicts = { egress: 'return', ingress: 'return' };
    for (const direction of ['egress', 'ingress'] as const) {
      const cls = classOf(model, pod, direction, classMemo[direction], cache);
      if (cls !== undefined) {
        let target = cls.entry.chains.get(cls.resolved);
        if (target === undefined) {
          const key = direction === 'egress' ? cls.entry.names : `${cls.entry.names}#${cls.resolved}`;
          target = dispatch[direction].get(key);
          if (target === undefined) {
            const chain = sets.claim(direction === 'ingress' ? 'in' : 'eg', key);
            target = { chain, verdict: `goto ${chain}` };
            dispatch[direction].set(key, target);
            const isolating = direction === 'ingress' ? pod.ingressPolicies : pod.egressPolicies;
            const policies = isolating.map((i) => model.policies[i] as PolicyEntry);
            const rules = policies.flatMap((p) => (direction === 'ingress' ? p.ingress : p.egress).flatMap((r) => ruleLines(sets, families, p, direction, r, pod)));
            // Nothing after an unconditional allow is ever reached.
            const open = rules.findIndex((r) => r.matches.length === 0);
            if (open >= 0) rules.splice(open + 1);
            else rules.push({ matches: [], verdict: { kind: 'drop' }, comment: `${direction}: no rule allows` });
            const compiled: NftChain = { name: chain, comment: `${direction} of pods isolated by ${policies.map((p) => p.key).join(', ')}`, rules };
            classChains.set(chain, cache ? cache.chain(compiled) : compiled);
          }
        }
        cls.entry.chains.set(cls.resolved, target);
        verdicts[direction] = target.verdict;
      }
    }
    for (const f of families) {
      const ip = sets.addressText(pod, f);
      const entries = dispatchEntries.get(f) as Map<string, DispatchRow>;
      if (ip !== undefined && !entries.has(ip)) entries.set(ip, { egress: verdicts.egress, ingress: verdicts.ingress, pod });
    }
  }

  const forward: NftRule[] = [{ matches: [{ kind: 'ct', states: ['established', 'related'] }], verdict: { kind: 'accept' }, comment: 'replies of allowed connections' }];
  for (const f of families) {
    const node = sets.fixed(`node${f}`, addrType(f), 'addresses of this node', nodeAddresses.filter((a) => a.family === f).map(formatIp));
    forward.push({ matches: [{ kind: 'addr-set', family: f, field: 'daddr', set: node }], verdict: { kind: 'accept' }, comment: 'to this node' });
  }
  for (const f of families) {
    const self = sets.fixedByAddress(`self${f}`, `${addrType(f)} . ${addrType(f)}`, 'a pod to itself', local, f, true);
    forward.push({ matches: [{ kind: 'pair-set', family: f, set: self }], verdict: { kind: 'accept' }, comment: 'a pod to itself' });
  }
  forward.push({ matches: [], verdict: { kind: 'jump', chain: EGRESS_CHAIN } }, { matches: [], verdict: { kind: 'jump', chain: INGRESS_CHAIN } });

  const maps: NftMap[] = [];
  const dispatchChain = (direction: PolicyDirection): NftChain => {
    const field = direction === 'ingress' ? 'daddr' : 'saddr';
    const rules: NftRule[] = [];
    for (const f of families) {
      const name = `${direction}${f}`;
      const byIp = dispatchEntries.get(f) as Map<string, DispatchRow>;
      const make = (): NftMap => {
        const sorted = [...byIp].map(([ip, row]) => ({ entry: [ip, row[direction]] as const, value: (addressOf(row.pod, f) as IpAddress).value }));
        sorted.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
        return { name, type: `${addrType(f)} : verdict`, entries: sorted.map((x) => x.entry) };
      };
      const signature = (): string[] => {
        const out: string[] = [];
        for (const [ip, row] of byIp) out.push(ip, row[direction]);
        return out;
      };
      maps.push(cache ? cache.reuse(`map ${name}`, signature(), make) : make());
      rules.push({ matches: [], verdict: { kind: 'vmap', family: f, field, map: name } });
    }
    for (const c of podCidrs) if (families.includes(c.family)) rules.push({ matches: [{ kind: 'addr-cidr', family: c.family, field, cidr: c.text }], verdict: { kind: 'drop' }, comment: 'pod not yet synced' });
    return { name: direction === 'ingress' ? INGRESS_CHAIN : EGRESS_CHAIN, rules };
  };

  const fixedChains = [{ name: FORWARD_CHAIN, base: FORWARD_HOOK, rules: forward }, dispatchChain('egress'), dispatchChain('ingress')].map((c) => (cache ? cache.chain(c) : c));
  const chains = orderChains([...fixedChains, ...classChains.values()]);
  // Sets of rules cut off after an unconditional allow, or of rules whose named ports resolved to nothing, stay out.
  const used = new Set(chains.flatMap((c) => c.rules.flatMap((r) => r.matches.flatMap((m) => ('set' in m ? [m.set] : [])))));
  return { table: POLICY_TABLE, sets: sets.all().filter((s) => used.has(s.name)), maps: maps.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), chains };
}
