// A lab node's whole life: plugged into the fabric, registered as a Node,
// its agent started (or, with --no-agent, its static network written), its
// echo responder started; and in reverse on removal: its pods deleted (the
// runtime's DEL while the node is still there), agent and responder stopped,
// Node object deleted, netns and directory removed. Removal is idempotent.
import { rmSync } from 'node:fs';
import { startAgent, stopAgent, waitAgentsReady, writeAgentConfig } from './agent.js';
import { mapLimit } from './concurrency.js';
import type { LabEnv } from './lab-env.js';
import type { NodeRecord, PortSpec } from './lab-state.js';
import { MAX_NODE_SLOTS, nodePaths } from './layout.js';
import { registerNode, unregisterNode } from './node-objects.js';
import { deletePod } from './pods.js';
import { isRunning, stopProcess } from './processes.js';
import { startServer, unionPorts } from './servers.js';
import { refreshStaticRoutes, writeStaticConflist } from './static-network.js';
import { createNode, freeSlot, removeNode as removeNodeTopology } from './topology.js';

/** What every node answers on from the start; `lab probe` adds ports on demand. */
export const NODE_PORTS: readonly PortSpec[] = [
  { port: 80, protocol: 'TCP' }, { port: 80, protocol: 'UDP' }, { port: 81, protocol: 'TCP' }, { port: 81, protocol: 'UDP' },
];

/** Makes sure the node's responder serves `ports` (restarting it with the union when it does not). */
export async function ensureNodeServer(env: LabEnv, nodeName: string, ports: readonly PortSpec[]): Promise<void> {
  const node = env.state.load().nodes[nodeName];
  if (!node) throw new Error(`no node ${nodeName}`);
  const have = node.server && isRunning(node.server) ? node.server.ports : [];
  const want = unionPorts(have, ports);
  if (node.server && isRunning(node.server) && want.length === have.length) return;
  await stopProcess(node.server, { graceMs: 1000 });
  const rec = await startServer(env, node.netns, want, nodePaths(env.labDir, nodeName).serverLog, `server node/${nodeName}`);
  await env.state.update((s) => {
    const n = s.nodes[nodeName];
    if (n) n.server = { ...rec, ports: want };
  });
}

/** Creates a node up to a started agent; waitNodesReady finishes the job for several at once. */
export async function addNode(env: LabEnv, name: string): Promise<NodeRecord> {
  const state = env.state.load();
  if (state.nodes[name]) throw new Error(`node ${name} already exists`);
  const node = await createNode(env.state, state.prefix, name, freeSlot(state.nodes, MAX_NODE_SLOTS));
  await registerNode(env.store(), name, node.underlayIP);
  if (state.static) {
    writeStaticConflist(env, node);
  } else {
    writeAgentConfig(env, name, state.backend);
    await startAgent(env, node);
  }
  await ensureNodeServer(env, name, NODE_PORTS);
  return node;
}

export async function waitNodesReady(env: LabEnv, names: readonly string[], timeoutMs: number): Promise<void> {
  const state = env.state.load();
  if (state.static) await refreshStaticRoutes(Object.values(state.nodes));
  else await waitAgentsReady(env, names, timeoutMs);
}

export async function removeNode(env: LabEnv, name: string): Promise<void> {
  const node = env.state.load().nodes[name];
  if (!node) return;
  const pods = Object.values(env.state.load().pods).filter((p) => p.node === name);
  await mapLimit(pods, 6, (p) => deletePod(env, p));
  await stopAgent(env, name);
  await stopProcess(node.server, { graceMs: 1000 });
  await unregisterNode(env.store(), name);
  await removeNodeTopology(env.state, node);
  rmSync(nodePaths(env.labDir, name).dir, { recursive: true, force: true });
  const state = env.state.load();
  if (state.static) await refreshStaticRoutes(Object.values(state.nodes));
}

