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
import { ipKey, type IpAddress, type IpFamily } from '../ip/address.js';
import type { Labels, PolicyInputs } from './inputs.js';
import type { IpRange } from './ip-ranges.js';
import { parseAddresses, podFacts, policyFacts, policyTypesOf, type PeerFacts, type RuleFacts } from './model-facts.js';
import type { NamedPort, PortEntry } from './ports.js';
import { describeSelector, LabelIndex, type Selector } from './selectors.js';

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

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Interns isolating-policy lists: pods isolated by the same policies share one array object. */
class ListTrie {
  readonly children = new Map<number, ListTrie>();
  constructor(readonly list: readonly number[]) {}

  child(index: number): ListTrie {
    let c = this.children.get(index);
    if (!c) this.children.set(index, (c = new ListTrie([...this.list, index])));
    return c;
  }
}

type MutablePodEntry = { -readonly [K in keyof PodEntry]: PodEntry[K] };

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
  const ordered = inputs.pods
    .map(podFacts)
    .filter((f) => !f.terminal)
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
  // By name, so an address two Node objects both claim belongs to the same one whatever the list order.
  for (const n of [...(inputs.nodes ?? [])].sort((a, b) => byName(a.metadata.name, b.metadata.name))) {
    for (const ip of parseAddresses((n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address))) addNodeAddress(n.metadata.name, ip);
  }

  const pods: MutablePodEntry[] = [];
  const hostNetworkPods = new Map<string, HostNetworkPod>();
  const root = new ListTrie([]);
  const ingressOf: ListTrie[] = [];
  const egressOf: ListTrie[] = [];
  for (const f of ordered) {
    const { key, namespace, name, node, addresses } = f;
    if (node !== undefined) for (const ip of f.hostAddresses) addNodeAddress(node, ip);
    if (f.hostNetwork) {
      hostNetworkPods.set(key, { key, node, addresses });
      if (node !== undefined) for (const ip of addresses) addNodeAddress(node, ip);
      continue;
    }
    if (!namespaceLabels.has(namespace)) namespaceLabels.set(namespace, { [NAMESPACE_NAME_LABEL]: namespace });
    const index = pods.length;
    ingressOf.push(root);
    egressOf.push(root);
    pods.push({ index, key, namespace, name, labels: f.labels, node, addresses, namedPorts: f.namedPorts, ingressPolicies: root.list, egressPolicies: root.list });
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
    if (!slice.index) {
      const labels = pods.slice(slice.start, slice.start + slice.count).map((p) => p.labels);
      slice.index = new LabelIndex(labels);
    }
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
  const orderedPolicies = inputs.policies
    .map(policyFacts)
    .sort((a, b) => byName(a.namespace, b.namespace) || byName(a.name, b.name));
  for (const f of orderedPolicies) {
    const { key, namespace } = f;
    for (const p of f.problems) problems.push({ policy: key, field: p.field, message: p.message });
    const peer = (x: PeerFacts): PeerEntry =>
      x.kind === 'selectors' ? { kind: 'pods', key: x.key, description: x.description, pods: peerPods(x.namespaceSelector, x.podSelector, namespace, x.key) } : x;
    const rules = (list: readonly RuleFacts[]): RuleEntry[] => list.map((r) => ({ index: r.index, peers: r.peers && r.peers.map(peer), ports: r.ports }));
    const selected = f.subject ? podsIn(namespace, f.subject) : [];
    const index = policies.length;
    policies.push({
      index, key, namespace, name: f.name,
      isolates: f.isolates,
      subject: f.subject ? describeSelector(f.subject) : 'invalid',
      selected,
      ingress: rules(f.ingress),
      egress: rules(f.egress),
    });
    for (const i of selected) {
      if (f.isolates.ingress) ingressOf[i] = (ingressOf[i] as ListTrie).child(index);
      if (f.isolates.egress) egressOf[i] = (egressOf[i] as ListTrie).child(index);
    }
  }
  for (const p of pods) {
    p.ingressPolicies = (ingressOf[p.index] as ListTrie).list;
    p.egressPolicies = (egressOf[p.index] as ListTrie).list;
  }

  return { pods, podByKey, podByAddress, hostNetworkPods, nodeAddresses, nodeByAddress, policies, problems };
}

export { policyTypesOf };

/** The pod's address of a family, if it has one. */
export function addressOf(pod: { readonly addresses: readonly IpAddress[] }, family: IpFamily): IpAddress | undefined {
  return pod.addresses.find((a) => a.family === family);
}
