// Random small clusters and random changes to them, reproducible from a
// seed, for checking the live table against from-scratch compiles. The
// vocabulary is tiny on purpose, so selectors, addresses and named ports
// collide often: shared and duplicate addresses, pods entering and leaving
// several selectors at once, host-network and terminated pods, namespaces
// known only from their pods, invalid policy fields.
import type { NamespaceInput, NetworkPolicyInput, NodeInput, PodInput, PolicyInputs, PortInput, PeerInput } from '../../../src/core/policy/inputs.js';
import type { LabelSelector } from '../../../src/core/cluster/label-selector.js';

/** mulberry32: a small deterministic PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMESPACES = ['a', 'b', 'c', 'd'];
const APPS = ['web', 'db', 'api'];

export function randomSteps(seed: number, count: number): { inputs: PolicyInputs; what: string }[] {
  const r = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)] as T;
  const chance = (p: number): boolean => r() < p;

  const labels = (): Record<string, string> => {
    const out: Record<string, string> = {};
    if (chance(0.8)) out.app = pick(APPS);
    if (chance(0.5)) out.tier = pick(['front', 'back']);
    return out;
  };
  const selector = (): LabelSelector => {
    const roll = r();
    if (roll < 0.2) return {};
    if (roll < 0.6) return { matchLabels: { app: pick(APPS) } };
    if (roll < 0.75) return { matchExpressions: [{ key: 'tier', operator: pick(['In', 'NotIn']), values: ['front'] }] };
    if (roll < 0.85) return { matchExpressions: [{ key: 'app', operator: pick(['Exists', 'DoesNotExist']) }] };
    if (roll < 0.95) return { matchLabels: { tier: 'back' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'db'] }] };
    return { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] };
  };
  const nsSelector = (): LabelSelector => (chance(0.3) ? {} : chance(0.5) ? { matchLabels: { team: pick(['red', 'blue']) } } : { matchLabels: { 'kubernetes.io/metadata.name': pick(NAMESPACES) } });
  const peer = (): PeerInput => {
    const roll = r();
    if (roll < 0.4) return { podSelector: selector() };
    if (roll < 0.6) return { namespaceSelector: nsSelector() };
    if (roll < 0.8) return { namespaceSelector: nsSelector(), podSelector: selector() };
    if (roll < 0.95) return { ipBlock: chance(0.7) ? { cidr: '10.0.0.0/16', except: chance(0.5) ? ['10.0.1.0/24'] : [] } : { cidr: 'fd00::/64' } };
    return { ipBlock: { cidr: 'nonsense' } };
  };
  const port = (): PortInput => {
    const roll = r();
    if (roll < 0.3) return { port: pick([80, 443]) };
    if (roll < 0.55) return { port: pick(['http', 'metrics']), ...(chance(0.3) ? { protocol: 'UDP' as const } : {}) };
    if (roll < 0.7) return { port: 8000, endPort: 8100 };
    if (roll < 0.85) return { protocol: pick(['UDP', 'SCTP'] as const) };
    return { port: 70000 };
  };
  const rule = (): { peers?: PeerInput[]; ports?: PortInput[] } => ({
    ...(chance(0.8) ? { peers: Array.from({ length: 1 + Math.floor(r() * 2) }, peer) } : {}),
    ...(chance(0.7) ? { ports: Array.from({ length: 1 + Math.floor(r() * 2) }, port) } : {}),
  });
  let policySerial = 0;
  const newPolicy = (): NetworkPolicyInput => {
    const ingress = Array.from({ length: Math.floor(r() * 3) }, rule).map((x) => ({ ...(x.peers ? { from: x.peers } : {}), ...(x.ports ? { ports: x.ports } : {}) }));
    const egress = Array.from({ length: Math.floor(r() * 3) }, rule).map((x) => ({ ...(x.peers ? { to: x.peers } : {}), ...(x.ports ? { ports: x.ports } : {}) }));
    const types = pick<('Ingress' | 'Egress')[] | undefined>([undefined, undefined, ['Ingress'], ['Egress'], ['Ingress', 'Egress']]);
    return {
      metadata: { name: `p${policySerial++}`, namespace: pick(NAMESPACES) },
      spec: { podSelector: selector(), ...(types ? { policyTypes: types } : {}), ingress, egress },
    };
  };
  // A small address pool, so addresses are shared now and then.
  const address4 = (): string => `10.0.${pick([0, 1])}.${1 + Math.floor(r() * 12)}`;
  const newPod = (name: string): PodInput => {
    const hostNetwork = chance(0.08);
    const node = pick(['n1', 'n1', 'n2']);
    const ips = hostNetwork ? [node === 'n1' ? '192.168.1.1' : '192.168.1.2'] : [address4(), ...(chance(0.5) ? [`fd00::${(1 + Math.floor(r() * 12)).toString(16)}`] : [])];
    return {
      metadata: { name, namespace: pick([...NAMESPACES, 'e']), labels: labels() },
      spec: {
        nodeName: node, ...(hostNetwork ? { hostNetwork } : {}),
        containers: [{ ports: chance(0.7) ? [{ name: 'http', containerPort: pick([80, 8080]) }, ...(chance(0.5) ? [{ name: 'metrics', containerPort: 9090, protocol: pick(['TCP', 'UDP'] as const) }] : [])] : [] }],
      },
      status: { phase: chance(0.07) ? 'Succeeded' : 'Running', ...(chance(0.9) ? { podIPs: ips.map((ip) => ({ ip })) } : {}), ...(chance(0.3) ? { hostIP: node === 'n1' ? '192.168.1.1' : '192.168.1.2' } : {}) },
    };
  };
  const newNamespace = (name: string): NamespaceInput => ({ metadata: { name, labels: { team: pick(['red', 'blue']) } } });

  let pods: PodInput[] = Array.from({ length: 10 }, (_, i) => newPod(`pod${i}`));
  let policies: NetworkPolicyInput[] = Array.from({ length: 4 }, newPolicy);
  let namespaces: NamespaceInput[] = NAMESPACES.slice(0, 3).map(newNamespace);
  let nodes: NodeInput[] = [{ metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.1' }] } }, { metadata: { name: 'n2' } }];
  let podSerial = 10;
  const out: { inputs: PolicyInputs; what: string }[] = [{ inputs: { namespaces, pods, policies, nodes }, what: 'start' }];
  const replaceAt = <T>(list: T[], make: (old: T) => T): T[] => {
    const i = Math.floor(r() * list.length);
    return list.map((x, j) => (j === i ? make(x) : x));
  };
  for (let step = 0; step < count; step++) {
    const roll = r();
    let what: string;
    if (roll < 0.15) {
      what = 'pod added';
      pods = [...pods, newPod(`pod${podSerial++}`)];
    } else if (roll < 0.25 && pods.length > 0) {
      what = 'pod removed';
      const i = Math.floor(r() * pods.length);
      pods = pods.filter((_, j) => j !== i);
    } else if (roll < 0.45) {
      what = 'pod relabeled';
      pods = replaceAt(pods, (p) => ({ ...p, metadata: { ...p.metadata, labels: labels() } }));
    } else if (roll < 0.55) {
      what = 'pod replaced (address, node, ports, phase)';
      pods = replaceAt(pods, (p) => newPod(p.metadata.name));
    } else if (roll < 0.62) {
      what = 'namespace changed';
      const name = pick(NAMESPACES);
      namespaces = chance(0.3) ? namespaces.filter((n) => n.metadata.name !== name) : [...namespaces.filter((n) => n.metadata.name !== name), newNamespace(name)];
    } else if (roll < 0.75) {
      what = 'policy added';
      policies = [...policies, newPolicy()];
    } else if (roll < 0.85 && policies.length > 0) {
      what = 'policy changed';
      policies = replaceAt(policies, (p) => ({ ...newPolicy(), metadata: p.metadata }));
    } else if (roll < 0.93 && policies.length > 0) {
      what = 'policy removed';
      const i = Math.floor(r() * policies.length);
      policies = policies.filter((_, j) => j !== i);
    } else {
      what = 'node changed';
      nodes = replaceAt(nodes, (n) => ({ metadata: n.metadata, status: { addresses: chance(0.5) ? [{ type: 'InternalIP', address: pick(['192.168.1.1', '192.168.1.2', '10.0.0.1']) }] : [] } }));
    }
    out.push({ inputs: { namespaces, pods, policies, nodes }, what });
  }
  return out;
}
