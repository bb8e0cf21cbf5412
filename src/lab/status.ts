// `lab status`: the lab as its record, the agents and the cluster store see
// it. Each node's pod block comes from its agent's /status (or, if the agent
// does not answer, from the Node object); pod labels come from the store,
// which is where policies read them.
import { agentStatus } from './agent-api.js';
import type { LabEnv } from './lab-env.js';
import type { Backend } from './lab-state.js';
import { nodePaths, podKey } from './layout.js';
import { isRunning } from './processes.js';
import { compareNodeNames } from './scheduler.js';
import { staticBlock } from './static-network.js';

export interface NodeStatus {
  name: string;
  underlayIP: string;
  podCIDRs: string[];
  /** The agents' backend, or "static" for a lab without agents. */
  backend: Backend | 'static';
  /** ready | not ready | stopped | unreachable: <why> | static */
  agent: string;
  agentPid?: number;
  pods: number;
  mtu?: number;
  peers?: number;
}

export interface PodStatus {
  namespace: string;
  name: string;
  node: string;
  ips: string[];
  labels: Record<string, string>;
  phase: string;
  server: 'running' | 'stopped' | 'none';
  netns: string;
}

export interface LabStatus {
  labDir: string;
  prefix: string;
  backend: Backend | 'static';
  nodes: NodeStatus[];
  pods: PodStatus[];
}

export async function labStatus(env: LabEnv): Promise<LabStatus> {
  const state = env.state.load();
  const store = env.store();
  const nodeObjects = new Map((await store.list('Node')).items.map((n) => [n.metadata.name, n]));
  const podObjects = new Map((await store.list('Pod')).items.map((p) => [podKey(p.metadata.namespace ?? '', p.metadata.name), p]));
  const nodes = await Promise.all(Object.values(state.nodes).sort((a, b) => compareNodeNames(a.name, b.name)).map(async (n): Promise<NodeStatus> => {
    const pods = Object.values(state.pods).filter((p) => p.node === n.name).length;
    const base = { name: n.name, underlayIP: n.underlayIP, backend: state.static ? 'static' as const : state.backend, pods };
    if (state.static) return { ...base, podCIDRs: [staticBlock(n.slot)], agent: 'static' };
    const fromNode = nodeObjects.get(n.name)?.spec?.podCIDRs ?? [];
    if (!isRunning(n.agent)) return { ...base, podCIDRs: fromNode, agent: 'stopped' };
    const st = await agentStatus(nodePaths(env.labDir, n.name).socket);
    const pid = n.agent ? { agentPid: n.agent.pid } : {};
    if ('error' in st) return { ...base, ...pid, podCIDRs: fromNode, agent: `unreachable: ${st.error}` };
    return {
      ...base, ...pid, podCIDRs: st.podCIDRs.length > 0 ? st.podCIDRs : fromNode, agent: st.ready ? 'ready' : 'not ready',
      ...(st.mtu !== undefined ? { mtu: st.mtu } : {}), peers: st.peers.length,
    };
  }));
  const pods = Object.values(state.pods).map((p): PodStatus => {
    const obj = podObjects.get(podKey(p.namespace, p.name));
    return {
      namespace: p.namespace, name: p.name, node: p.node, ips: p.ips, labels: obj?.metadata.labels ?? {},
      phase: obj?.status?.phase ?? 'Unknown', server: p.server ? (isRunning(p.server) ? 'running' : 'stopped') : 'none', netns: p.netns,
    };
  }).sort((a, b) => podKey(a.namespace, a.name).localeCompare(podKey(b.namespace, b.name)));
  return { labDir: env.labDir, prefix: state.prefix, backend: state.static ? 'static' : state.backend, nodes, pods };
}
