// The normalized, indexed NetworkPolicy model (networking.k8s.io/v1), built
// once from (namespaces, pods, policies, nodes) and queried many times by
// evaluate() and compilePolicy(). Pure and deterministic: inputs are sorted
// by (namespace, name), so the same cluster state gives the same model
// whatever order the watch delivered it in.
//
// What is precomputed, so a query never scans all pods or all policies:
// - per policy: the pods it selects, and per rule and peer the member pods
//   (ascending pod positions, shared between every peer with the same
//   canonical selectors) or the ipBlock's address ranges;
// - per pod: the policies that isolate it for ingress and for egress, its
//   addresses and its named ports;
// - address → pod, address → node.
// Selection uses inverted label indexes (selectors.ts) memoized per distinct
// selector, so building costs about the pods each distinct selector matches,
// not pods × policies.
//
// Semantics choices (docs/policy.md has the sources):
// - policyTypes: an explicit non-empty list wins; otherwise Ingress, plus
//   Egress when spec.egress has at least one rule (the API server default).
// - Pods in phase Succeeded or Failed are left out: their addresses are
//   released and may already belong to another pod.
// - hostNetwork pods are never selected, neither as subjects nor as peers;
//   their addresses are their node's, and their traffic is node traffic
//   (the "most common implementation" the Kubernetes docs describe).
// - A namespace always carries kubernetes.io/metadata.name (the control
//   plane sets it); a pod's namespace with no Namespace object counts as a
//   namespace with that label only.
// - A peer or port that fails API validation matches nothing, and a policy
//   whose podSelector is invalid selects nothing; each is reported in
//   `problems`. Failing closed on a peer never opens traffic.
import { SelectorError, type LabelSelector } from '../cluster/label-selector.js';
import { ipKey, tryParseIp, type IpAddress, type IpFamily } from '../ip/address.js';
import type { Labels, NetworkPolicyInput, PeerInput, PolicyInputs, PortInput } from './inputs.js';
import type { IpRange } from './ip-ranges.js';
import { namedPortsOf, parsePortEntry, type NamedPort, type PortEntry } from './ports.js';
import { compileIpBlock, compileSelector, describeSelector, LabelIndex, type Selector } from './selectors.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export interface PodEntry {
  readonly index: number;
  /** "namespace/name". */
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly labels: Labels;
  readonly node: string | undefined;
  /** status.podIPs, IPv4 first. */
  readonly addresses: readonly IpAddress[];
  readonly namedPorts: ReadonlyMap<string, readonly NamedPort[]>;
  /** Positions in model.policies of the policies isolating this pod, ascending. */
  readonly ingressPolicies: readonly number[];
  readonly egressPolicies: readonly number[];
}

export interface HostNetworkPod {
  readonly key: string;
  readonly node: string | undefined;
  readonly addresses: readonly IpAddress[];
}

export type PeerEntry =
  | { readonly kind: 'pods'; readonly key: string; readonly description: string; readonly pods: readonly number[] }
  | { readonly kind: 'ipBlock'; readonly key: string; readonly description: string; readonly family: IpFamily; readonly ranges: readonly IpRange[] }
  | { readonly kind: 'invalid'; readonly description: string };

export interface RuleEntry {
  /** Position in spec.ingress / spec.egress. */
  readonly index: number;
  /** null: from/to empty or absent, every peer. */
  readonly peers: readonly PeerEntry[] | null;
  /** null: ports empty or absent, every port of every protocol. */
  readonly ports: readonly PortEntry[] | null;
}

export interface PolicyEntry {
  readonly index: number;
  readonly key: string;
  readonly namespace: string;
  readonly name: string;
  readonly isolates: { readonly ingress: boolean; readonly egress: boolean };
  readonly subject: string;
  readonly selected: readonly number[];
  readonly ingress: readonly RuleEntry[];
  readonly egress: readonly RuleEntry[];
}

export interface ModelProblem {
  readonly policy: string;
  readonly field: string;
  readonly message: string;
}

export interface PolicyModel {
  readonly pods: readonly PodEntry[];
  readonly podByKey: ReadonlyMap<string, number>;
  /** ipKey(address) → pod position. */
  readonly podByAddress: ReadonlyMap<string, number>;
  readonly hostNetworkPods: ReadonlyMap<string, HostNetworkPod>;
  readonly nodeAddresses: ReadonlyMap<string, readonly IpAddress[]>;
  /** ipKey(address) → node name. */
  readonly nodeByAddress: ReadonlyMap<string, string>;
  readonly policies: readonly PolicyEntry[];
  readonly problems: readonly ModelProblem[];
}

const TERMINAL_PHASES = new Set(['Succeeded', 'Failed']);

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function parseAddresses(texts: readonly (string | undefined)[]): IpAddress[] {
  const seen = new Map<string, IpAddress>();
  for (const t of texts) {
    const ip = t === undefined ? undefined : tryParseIp(t);
    if (ip) seen.set(ipKey(ip), ip);
  }
  return [...seen.values()].sort((a, b) => a.family - b.family || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

interface NamespaceSlice {
  readonly start: number;
  readonly count: number;
  index?: LabelIndex;
}

/** Builds the model. Never throws for policy content; see `problems`. */
export function buildPolicyModel(inputs: PolicyInputs): PolicyModel {
  const problems: ModelProblem[] = [];
  const namespaceLabels = new Map<string, Labels>();
  for (const ns of inputs.namespaces) namespaceLabels.set(ns.metadata.name, { ...ns.metadata.labels, [NAMESPACE_NAME_LABEL]: ns.metadata.name });

  // Pods: pod-network pods are the selectable ones; hostNetwork pods are node endpoints.
  const live = inputs.pods.filter((p) => !TERMINAL_PHASES.has(p.status?.phase ?? ''));
  const ordered = live
    .map((p) => ({ p, namespace: p.metadata.namespace ?? 'default', name: p.metadata.name }))
    .sort((a, b) => byName(a.namespace, b.namespace) || byName(a.name, b.name));
  const nodeAddresses = new Map<string, IpAddress[]>();
  const nodeByAddress = new Map<string, string>();
  const addNodeAddress = (node: string, ip: IpAddress): void => {
    if (nodeByAddress.has(ipKey(ip))) return;
    nodeByAddress.set(ipKey(ip), node);
    let list = nodeAddresses.get(node);
    if (!list) nodeAddresses.set(node, (list = []));
    list.push(ip);
  };
  for (const n of inputs.nodes ?? []) {
    for (const ip of parseAddresses((n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address))) addNodeAddress(n.metadata.name, ip);
  }

  const pods: PodEntry[] = [];
  const hostNetworkPods = new Map<string, HostNetworkPod>();
  const ingressOf: number[][] = [];
  const egressOf: number[][] = [];
  for (const { p, namespace, name } of ordered) {
    const key = `${namespace}/${name}`;
    const node = p.spec.nodeName;
    const addresses = parseAddresses([p.status?.podIP, ...(p.status?.podIPs ?? []).map((x) => x.ip)]);
    if (node !== undefined) for (const ip of parseAddresses([p.status?.hostIP, ...(p.status?.hostIPs ?? []).map((x) => x.ip)])) addNodeAddress(node, ip);
    if (p.spec.hostNetwork === true) {
      hostNetworkPods.set(key, { key, node, addresses });
      if (node !== undefined) for (const ip of addresses) addNodeAddress(node, ip);
      continue;
    }
    if (!namespaceLabels.has(namespace)) namespaceLabels.set(namespace, { [NAMESPACE_NAME_LABEL]: namespace });
    const index = pods.length;
    const ingress: number[] = [];
    const egress: number[] = [];
    ingressOf.push(ingress);
    egressOf.push(egress);
    pods.push({ index, key, namespace, name, labels: p.metadata.labels ?? {}, node, addresses, namedPorts: namedPortsOf(p.spec.containers), ingressPolicies: ingress, egressPolicies: egress });
  }

  const podByKey = new Map(pods.map((p) => [p.key, p.index]));
  const podByAddress = new Map<string, number>();
  for (const p of pods) for (const ip of p.addresses) if (!podByAddress.has(ipKey(ip))) podByAddress.set(ipKey(ip), p.index);

  // Pods are sorted by namespace, so each namespace is one contiguous slice.
  const slices = new Map<string, NamespaceSlice>();
  for (let i = 0; i < pods.length; ) {
    const ns = (pods[i] as PodEntry).namespace;
    let j = i;
    while (j < pods.length && (pods[j] as PodEntry).namespace === ns) j++;
    slices.set(ns, { start: i, count: j - i });
    i = j;
  }
  const namespaceNames = [...namespaceLabels.keys()].sort(byName);
  const namespaceIndex = new LabelIndex(namespaceNames.map((n) => namespaceLabels.get(n) as Labels));

  const podsIn = (namespace: string, selector: Selector | undefined): number[] => {
    const slice = slices.get(namespace);
    if (!slice) return [];
    if (!selector || selector.all) return Array.from({ length: slice.count }, (_, k) => slice.start + k);
    slice.index ??= new LabelIndex(pods.slice(slice.start, slice.start + slice.count).map((p) => p.labels));
    return slice.index.select(selector).map((k) => slice.start + k);
  };

  const peerMemo = new Map<string, readonly number[]>();
  const peerPods = (namespaceSelector: Selector | undefined, podSelector: Selector | undefined, policyNamespace: string, key: string): readonly number[] => {
    const cached = peerMemo.get(key);
    if (cached) return cached;
    const namespaces = namespaceSelector ? namespaceIndex.select(namespaceSelector).map((i) => namespaceNames[i] as string) : [policyNamespace];
    // Namespaces ascend and so do their slices: the concatenation is sorted.
    const out = namespaces.flatMap((ns) => podsIn(ns, podSelector));
    peerMemo.set(key, out);
    return out;
  };

  const policies: PolicyEntry[] = [];
  const orderedPolicies = [...inputs.policies]
    .map((p) => ({ p, namespace: p.metadata.namespace ?? 'default', name: p.metadata.name }))
    .sort((a, b) => byName(a.namespace, b.namespace) || byName(a.name, b.name));
  for (const { p, namespace, name } of orderedPolicies) {
    const key = `${namespace}/${name}`;
    const problem = (field: string, message: string): void => void problems.push({ policy: key, field, message });
    const selector = (s: LabelSelector, field: string): Selector | undefined => {
      try {
        return compileSelector(s, field);
      } catch (err) {
        if (err instanceof SelectorError) return void problem(err.field, err.problem);
        throw err;
      }
    };

    const peer = (input: PeerInput, field: string): PeerEntry => {
      const hasSelectors = input.podSelector !== undefined || input.namespaceSelector !== undefined;
      if (input.ipBlock) {
        if (hasSelectors) {
          problem(field, 'may not specify both ipBlock and another peer');
          return { kind: 'invalid', description: 'invalid peer' };
        }
        const block = compileIpBlock(input.ipBlock, `${field}.ipBlock`, problem);
        return block ? { kind: 'ipBlock', ...block } : { kind: 'invalid', description: 'invalid ipBlock' };
      }
      if (!hasSelectors) {
        problem(field, 'must specify a peer');
        return { kind: 'invalid', description: 'invalid peer' };
      }
      const nsSel = input.namespaceSelector ? selector(input.namespaceSelector, `${field}.namespaceSelector`) : undefined;
      const podSel = input.podSelector ? selector(input.podSelector, `${field}.podSelector`) : undefined;
      if ((input.namespaceSelector && !nsSel) || (input.podSelector && !podSel)) return { kind: 'invalid', description: 'invalid selector' };
      const where = nsSel ? `namespaces(${describeSelector(nsSel)})` : `namespace ${namespace}`;
      const peerKey = `${nsSel ? `ns:${nsSel.key}` : `in:${namespace}`}|${podSel ? podSel.key : '*'}`;
      const description = `pods(${podSel ? describeSelector(podSel) : '{}'}) in ${where}`;
      return { kind: 'pods', key: peerKey, description, pods: peerPods(nsSel, podSel, namespace, peerKey) };
    };

    const rules = (list: readonly { from?: readonly PeerInput[]; to?: readonly PeerInput[]; ports?: readonly PortInput[] }[], base: string, peersKey: 'from' | 'to'): RuleEntry[] =>
      list.map((r, index) => {
        const peers = r[peersKey];
        const ports = r.ports;
        return {
          index,
          peers: peers && peers.length > 0 ? peers.map((x, i) => peer(x, `${base}[${index}].${peersKey}[${i}]`)) : null,
          ports: ports && ports.length > 0 ? ports.map((x, i) => {
            const entry = parsePortEntry(x);
            if (entry.kind === 'invalid') problem(`${base}[${index}].ports[${i}]`, entry.problem);
            return entry;
          }) : null,
        };
      });

    const types = policyTypesOf(p);
    const subject = selector(p.spec.podSelector, 'spec.podSelector');
    const selected = subject ? podsIn(namespace, subject) : [];
    const index = policies.length;
    policies.push({
      index, key, namespace, name,
      isolates: types,
      subject: subject ? describeSelector(subject) : 'invalid',
      selected,
      ingress: types.ingress ? rules(p.spec.ingress ?? [], 'spec.ingress', 'from') : [],
      egress: types.egress ? rules(p.spec.egress ?? [], 'spec.egress', 'to') : [],
    });
    for (const i of selected) {
      if (types.ingress) (ingressOf[i] as number[]).push(index);
      if (types.egress) (egressOf[i] as number[]).push(index);
    }
  }

  return { pods, podByKey, podByAddress, hostNetworkPods, nodeAddresses, nodeByAddress, policies, problems };
}

/** The directions a policy isolates: explicit policyTypes win; default Ingress, plus Egress with egress rules. */
export function policyTypesOf(p: NetworkPolicyInput): { ingress: boolean; egress: boolean } {
  const explicit = p.spec.policyTypes;
  if (explicit && explicit.length > 0) return { ingress: explicit.includes('Ingress'), egress: explicit.includes('Egress') };
  return { ingress: true, egress: (p.spec.egress ?? []).length > 0 };
}

/** The pod's address of a family, if it has one. */
export function addressOf(pod: { readonly addresses: readonly IpAddress[] }, family: IpFamily): IpAddress | undefined {
  return pod.addresses.find((a) => a.family === family);
}
