// The synthetic cluster of `bench policy`: N pods in namespaces of 100, M
// policies cycling through ten shapes that cover what the compiler handles
// (default deny, pod and namespace selectors and their intersection, named
// ports, port ranges, ipBlocks with except, egress, match expressions), the
// same shapes as test/unit/policy/scale.test.ts. Plus the changes the
// benchmark times: a pod added, a pod relabeled, a policy added. Pure.
// Addresses are IPv4 from 10.64.0.0/10 (one per pod, no netns per pod).
import type { Namespace, NetworkPolicy, Pod } from '../../agent/cluster/types.js';

export const PODS_PER_NAMESPACE = 100;
export const BENCH_POD_CIDR = '10.64.0.0/10';
const TIERS = ['web', 'api', 'db'] as const;

export interface BenchClusterShape {
  readonly pods: number;
  readonly policies: number;
  /** Pods are spread over this many nodes; the bench node is n0 (1: every pod is local, the worst case). */
  readonly nodes: number;
}

export const benchNode = 'n0';
export const namespaceCount = (s: BenchClusterShape): number => Math.max(1, Math.ceil(s.pods / PODS_PER_NAMESPACE));

/** The k-th address of the pod block (k from 0), skipping the network address. */
export function podAddress(k: number): string {
  const n = k + 1;
  return `10.${64 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

export function benchNamespaces(s: BenchClusterShape): Namespace[] {
  return Array.from({ length: namespaceCount(s) }, (_, ns) => ({
    apiVersion: 'v1', kind: 'Namespace',
    metadata: { name: `ns${ns}`, labels: { team: `t${ns % 10}`, env: ns % 2 === 0 ? 'prod' : 'dev' } },
  }));
}

export function podLabels(j: number): Record<string, string> {
  return { app: `app${j % 20}`, tier: TIERS[j % 3] as string, version: `v${j % 5}` };
}

/** Pod k: without status (what a create carries) and its status (what updateStatus writes). */
export function benchPod(s: BenchClusterShape, k: number, name?: string): { pod: Pod; status: NonNullable<Pod['status']> } {
  const ns = Math.floor(k / PODS_PER_NAMESPACE) % namespaceCount(s);
  const j = k % PODS_PER_NAMESPACE;
  const ip = podAddress(k);
  return {
    pod: {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: name ?? `p${j}`, namespace: `ns${ns}`, labels: podLabels(j) },
      spec: {
        nodeName: `n${k % s.nodes}`,
        containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 8080 + (j % 2), protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }] }],
      },
    },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

const sel = (labels: Record<string, string>): { matchLabels: Record<string, string> } => ({ matchLabels: labels });

/** Policy i: shape i % 10 in namespace floor(i / 10) % namespaces. */
export function benchPolicy(s: BenchClusterShape, i: number): NetworkPolicy {
  const ns = Math.floor(i / 10) % namespaceCount(s);
  const shape = i % 10;
  const names = ['default-deny', 'app-from-web', 'api-from-team', 'db-from-api', 'web-out', 'https-out', 'metrics', 'prod', 'lb', 'udp-out'];
  const metadata = { name: `${names[shape] as string}-${i}`, namespace: `ns${ns}` };
  const spec = ((): NetworkPolicy['spec'] => {
    switch (shape) {
      case 0: return { podSelector: {} };
      case 1: return { podSelector: sel({ app: `app${ns % 20}` }), ingress: [{ from: [{ podSelector: sel({ tier: 'web' }) }], ports: [{ port: 'http' }] }] };
      case 2: return { podSelector: sel({ tier: 'api' }), ingress: [{ from: [{ namespaceSelector: sel({ team: `t${ns % 10}` }), podSelector: sel({ tier: 'web' }) }], ports: [{ port: 8080, endPort: 8090 }] }] };
      case 3: return { podSelector: sel({ tier: 'db' }), ingress: [{ from: [{ podSelector: sel({ tier: 'api' }) }], ports: [{ port: 5432 }] }] };
      case 4: return {
        podSelector: sel({ tier: 'web' }),
        egress: [
          { to: [{ namespaceSelector: {}, podSelector: sel({ app: `app${(ns + 1) % 20}` }) }], ports: [{ port: 80 }] },
          { to: [{ namespaceSelector: sel({ 'kubernetes.io/metadata.name': 'ns0' }), podSelector: sel({ app: 'app0' }) }], ports: [{ protocol: 'UDP', port: 53 }] },
        ],
      };
      case 5: return { podSelector: sel({ tier: 'api' }), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '192.168.0.0/16'] } }], ports: [{ port: 443 }] }] };
      case 6: return { podSelector: {}, ingress: [{ from: [{ namespaceSelector: sel({ team: 't0' }) }], ports: [{ port: 'metrics' }] }] };
      case 7: return { podSelector: { matchExpressions: [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }] }, ingress: [{ from: [{ namespaceSelector: sel({ env: 'prod' }) }] }] };
      case 8: return { podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/16' } }] }] };
      default: return { podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP' }] }] };
    }
  })();
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec };
}

/** The i-th added policy: new selectors (a new peer set and class chain) in namespace i. */
export function addedPolicy(s: BenchClusterShape, i: number): NetworkPolicy {
  const ns = i % namespaceCount(s);
  return {
    apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy',
    metadata: { name: `bench-added-${i}`, namespace: `ns${ns}` },
    spec: {
      podSelector: sel({ app: `app${i % 20}` }),
      ingress: [{ from: [{ podSelector: sel({ version: `v${i % 5}`, tier: 'web' }) }, { namespaceSelector: sel({ team: `t${(i + 3) % 10}` }) }], ports: [{ port: 7000 + i }] }],
    },
  };
}

/**
 * The i-th relabel: pod k = i * 3701 mod N (spread over namespaces), its tier
 * flipped between web and db and its app moved, from its current labels, so
 * every relabel changes selector memberships, even of a pod relabeled before.
 */
export function relabel(s: BenchClusterShape, i: number, current: ReadonlyMap<string, Record<string, string>>): { namespace: string; name: string; labels: Record<string, string> } {
  const k = (i * 3701) % s.pods;
  const j = k % PODS_PER_NAMESPACE;
  const namespace = `ns${Math.floor(k / PODS_PER_NAMESPACE) % namespaceCount(s)}`;
  const name = `p${j}`;
  const now = current.get(`${namespace}/${name}`) ?? podLabels(j);
  const app = Number((now.app ?? 'app0').slice(3));
  return { namespace, name, labels: { ...now, tier: now.tier === 'web' ? 'db' : 'web', app: `app${(app + 7) % 20}` } };
}
