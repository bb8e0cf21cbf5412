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
import { formatIp, type IpAddress, type IpFamily } from '../ip/address.js';
import type { PolicyDirection } from './inputs.js';
import { addressOf, type PodEntry, type PolicyEntry, type PolicyModel } from './model.js';
import { SetBuilder } from './compile-sets.js';
import { classChain, classKey, classRules, ingressNamedRefs, resolvedPortsKey, type NamedPortRef } from './compile-rules.js';
import { dispatchChain, familiesOf, forwardChain, parseOptionAddresses, parsePodCidrs, type CompileOptions } from './compile-table.js';
import { orderChains, POLICY_TABLE, type NftChain, type NftMap, type PolicyRuleset } from './ruleset.js';
import { chainName, dispatchMapName, dispatchMapType, nodeSetDeclaration, nodeSetName, selfElement, selfSetDeclaration, selfSetName } from './set-specs.js';

export { EGRESS_CHAIN, FORWARD_CHAIN, INGRESS_CHAIN, type CompileOptions } from './compile-table.js';

interface ClassEntry {
  readonly policies: readonly PolicyEntry[];
  readonly names: string;
  /** Ingress: the named ports the class's policies use. */
  readonly named: readonly NamedPortRef[];
  /** Resolved named ports ('' for egress) → verdict, so a pod's dispatch never rebuilds the full class key. */
  readonly verdicts: Map<string, string>;
}
/** Keyed by the model's isolating list: pods isolated by the same policies share one list object (model.ts). */
type ClassMemo = Map<readonly number[], ClassEntry>;

/**
 * Compiles the model for one node. Throws PolicyError (InvalidOption) for
 * malformed options. live-policy.ts keeps the same value up to date change
 * by change; this is the reference it is tested against.
 */
export function compilePolicy(model: PolicyModel, options: CompileOptions = {}): PolicyRuleset {
  const podCidrs = parsePodCidrs(options.podCidrs ?? []);
  const families = familiesOf(options, podCidrs);
  const nodeAddresses = options.nodeAddresses
    ? parseOptionAddresses(options.nodeAddresses, 'nodeAddresses')
    : options.node !== undefined ? [...(model.nodeAddresses.get(options.node) ?? [])] : [];
  const local = model.pods.filter((p) => options.node === undefined || p.node === options.node);

  const sets = new SetBuilder(model);
  const classChains: NftChain[] = [];
  const memo: Record<PolicyDirection, ClassMemo> = { ingress: new Map(), egress: new Map() };
  const chainsByKey: Record<PolicyDirection, Map<string, string>> = { ingress: new Map(), egress: new Map() };

  /** The verdict of a pod's class chain for one direction ('return' when no policy isolates it), compiling the chain on first use. */
  const verdictOf = (pod: PodEntry, direction: PolicyDirection): string => {
    const isolating = direction === 'ingress' ? pod.ingressPolicies : pod.egressPolicies;
    if (isolating.length === 0) return 'return';
    let entry = memo[direction].get(isolating);
    if (!entry) {
      const policies = isolating.map((i) => model.policies[i] as PolicyEntry);
      entry = { policies, names: policies.map((p) => p.key).join(','), named: direction === 'ingress' ? ingressNamedRefs(policies) : [], verdicts: new Map() };
      memo[direction].set(isolating, entry);
    }
    const resolved = direction === 'ingress' ? resolvedPortsKey(entry.named, pod.namedPorts) : '';
    let verdict = entry.verdicts.get(resolved);
    if (verdict === undefined) {
      const key = classKey(direction, entry.names, resolved);
      let name = chainsByKey[direction].get(key);
      if (name === undefined) {
        name = sets.names.claim(chainName(direction, key), key);
        chainsByKey[direction].set(key, name);
        classChains.push(classChain(name, direction, entry.policies, classRules(sets, families, direction, entry.policies, pod.namedPorts)));
      }
      verdict = `goto ${name}`;
      entry.verdicts.set(resolved, verdict);
    }
    return verdict;
  };

  // Per family: address text → both directions' verdicts; the first pod (model order) with an address keeps it.
  interface DispatchRow { readonly egress: string; readonly ingress: string; readonly value: bigint }
  const rows = new Map<IpFamily, Map<string, DispatchRow>>(families.map((f) => [f, new Map()]));
  for (const pod of local) {
    const egress = verdictOf(pod, 'egress');
    const ingress = verdictOf(pod, 'ingress');
    for (const f of families) {
      const ip = sets.addressText(pod, f);
      const byIp = rows.get(f) as Map<string, DispatchRow>;
      if (ip !== undefined && !byIp.has(ip)) byIp.set(ip, { egress, ingress, value: (addressOf(pod, f) as IpAddress).value });
    }
  }

  for (const f of families) {
    sets.fixed(nodeSetName(f), nodeSetDeclaration(f), nodeAddresses.filter((a) => a.family === f).map(formatIp));
    sets.fixedByAddress(selfSetName(f), selfSetDeclaration(f), local, f, selfElement);
  }
  const maps: NftMap[] = [];
  for (const direction of ['egress', 'ingress'] as const) {
    for (const f of families) {
      const sorted = [...(rows.get(f) as Map<string, DispatchRow>)].sort((a, b) => (a[1].value < b[1].value ? -1 : a[1].value > b[1].value ? 1 : 0));
      maps.push({ name: dispatchMapName(direction, f), type: dispatchMapType(f), entries: sorted.map(([ip, row]) => [ip, row[direction]] as const) });
    }
  }

  const chains = orderChains([forwardChain(families), dispatchChain('egress', families, podCidrs), dispatchChain('ingress', families, podCidrs), ...classChains]);
  // Sets of rules cut off after an unconditional allow, or of rules whose named ports resolved to nothing, stay out.
  const used = new Set(chains.flatMap((c) => c.rules.flatMap((r) => r.matches.flatMap((m) => ('set' in m ? [m.set] : [])))));
  return { table: POLICY_TABLE, sets: sets.all().filter((s) => used.has(s.name)), maps: maps.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)), chains };
}
