// The upstream NetworkPolicy e2e / cyclonus layout as plain inputs:
// namespaces x, y, z, pods a, b, c in each, every pod serving 80 and 81 on
// TCP and UDP under the names serve-80-tcp etc. One extra name, "web", means
// 80 on pod a, 81 on pod b and nothing on pod c, so a named port can mean
// different numbers on different pods. All pods run on node n1; n2 is
// another node with a host-network pod; 8.8.8.8 is outside the cluster.
import { buildPolicyModel, type PolicyModel } from '../../../src/core/policy/model.js';
import { evaluate, type Endpoint } from '../../../src/core/policy/evaluate.js';
import type { NetworkPolicyInput, PodInput, PolicyInputs, PolicyProtocol } from '../../../src/core/policy/inputs.js';

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export const PODS = NAMESPACES.flatMap((ns) => POD_NAMES.map((p) => `${ns}/${p}`));

export const NODE1 = '192.168.1.1';
export const NODE2 = '192.168.1.2';
export const EXTERNAL = '8.8.8.8';
export const POD_CIDRS = ['10.0.0.0/8', 'fd00::/16'];

/** x/a → 10.1.0.1 and fd00:1::1; y/b → 10.2.0.2 and fd00:2::2. */
export function ip4(key: string): string {
  const [ns, p] = key.split('/') as [string, string];
  return `10.${NAMESPACES.indexOf(ns as 'x') + 1}.0.${POD_NAMES.indexOf(p as 'a') + 1}`;
}
export function ip6(key: string): string {
  const [ns, p] = key.split('/') as [string, string];
  return `fd00:${NAMESPACES.indexOf(ns as 'x') + 1}::${POD_NAMES.indexOf(p as 'a') + 1}`;
}

export function testPod(key: string, extraLabels: Record<string, string> = {}): PodInput {
  const [namespace, name] = key.split('/') as [string, string];
  const web = name === 'a' ? [{ name: 'web', containerPort: 80 }] : name === 'b' ? [{ name: 'web', containerPort: 81 }] : [];
  return {
    metadata: { name, namespace, labels: { pod: name, ...extraLabels } },
    spec: {
      nodeName: 'n1',
      containers: [
        { ports: [80, 81].flatMap((port) => (['TCP', 'UDP'] as const).map((protocol) => ({ name: `serve-${port}-${protocol.toLowerCase()}`, containerPort: port, protocol }))) },
        { ports: web },
      ],
    },
    status: { phase: 'Running', podIPs: [{ ip: ip4(key) }, { ip: ip6(key) }], hostIP: NODE1 },
  };
}

export function hostNetworkPod(namespace: string, name: string, node: 'n1' | 'n2'): PodInput {
  const ip = node === 'n1' ? NODE1 : NODE2;
  return { metadata: { name, namespace, labels: { pod: 'a' } }, spec: { nodeName: node, hostNetwork: true, containers: [] }, status: { phase: 'Running', podIPs: [{ ip }], hostIP: ip } };
}

export function policy(key: string, spec: NetworkPolicyInput['spec']): NetworkPolicyInput {
  const [namespace, name] = key.split('/') as [string, string];
  return { metadata: { name, namespace }, spec };
}

export interface ClusterOptions {
  podLabels?: Record<string, Record<string, string>>;
  extraPods?: PodInput[];
}

export function clusterInputs(policies: NetworkPolicyInput[], o: ClusterOptions = {}): PolicyInputs {
  return {
    namespaces: NAMESPACES.map((ns) => ({ metadata: { name: ns, labels: { ns } } })),
    pods: [...PODS.map((k) => testPod(k, o.podLabels?.[k])), hostNetworkPod('kube-system', 'agent-n1', 'n1'), hostNetworkPod('kube-system', 'agent-n2', 'n2'), ...(o.extraPods ?? [])],
    policies,
    nodes: [
      { metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: NODE1 }] } },
      { metadata: { name: 'n2' }, status: { addresses: [{ type: 'InternalIP', address: NODE2 }] } },
    ],
  };
}

export function cluster(policies: NetworkPolicyInput[], o: ClusterOptions = {}): PolicyModel {
  return buildPolicyModel(clusterInputs(policies, o));
}

export const endpoint = (key: string): Endpoint => {
  const [namespace, pod] = key.split('/') as [string, string];
  return { namespace, pod };
};

/**
 * The reachability table of the e2e tests: one row per source pod, one
 * column per destination pod, "." allowed and "X" denied, a space between
 * namespaces.
 */
export function matrix(model: PolicyModel, port: number, protocol: PolicyProtocol = 'TCP', family: 4 | 6 = 4): string {
  return PODS.map((from) => {
    const cells = PODS.map((to, i) => `${i > 0 && i % 3 === 0 ? ' ' : ''}${evaluate(model, { from: endpoint(from), to: endpoint(to), port, protocol, family }).allowed ? '.' : 'X'}`);
    return `${from} ${cells.join('')}`;
  }).join('\n');
}

/** A literal table as written in a test, indentation removed. */
export function grid(text: string): string {
  return text.trim().split('\n').map((l) => l.trim()).join('\n');
}

/** The table with every cell allowed except the listed [from, to] pairs. */
export function allExcept(denied: readonly (readonly [string, string])[]): string {
  const deny = new Set(denied.map(([f, t]) => `${f}>${t}`));
  return PODS.map((from) => `${from} ${PODS.map((to, i) => `${i > 0 && i % 3 === 0 ? ' ' : ''}${deny.has(`${from}>${to}`) ? 'X' : '.'}`).join('')}`).join('\n');
}
