// podwire-agent processes, one per node: the config the lab writes for it,
// starting it inside the node's netns (detached, log in <labDir>/<node>/),
// waiting until it is ready, and stopping it. Readiness is the agent's own
// answer on /readyz plus the conflist it writes once the node can take pods
// (kubelet's "network ready" is the same: a config in the conf dir).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAgentReady } from './agent-api.js';
import { BLOCK_SIZE, CLUSTER_CIDR, NODE_UNDERLAY_IF, labPaths, netnsPath, nodePaths } from './layout.js';
import type { LabEnv } from './lab-env.js';
import { executable } from './lab-env.js';
import type { Backend, NodeRecord } from './lab-state.js';
import { isRunning, logTail, startInNetns, stopProcess } from './processes.js';

/** The agent's JSON config (src/agent/config.ts); every path below the lab dir. */
export function agentConfig(env: LabEnv, node: string, backend: Backend): Record<string, unknown> {
  const p = nodePaths(env.labDir, node);
  return {
    nodeName: node,
    clusterCIDR: CLUSTER_CIDR,
    blockSize: BLOCK_SIZE,
    backend,
    underlayInterface: NODE_UNDERLAY_IF,
    cniConfDir: p.cniConfDir,
    cniBinDir: env.binDir,
    stateDir: p.stateDir,
    source: { type: 'file', dir: labPaths(env.labDir).store },
    listen: '127.0.0.1:9153',
    apiSocket: p.socket,
  };
}

export function writeAgentConfig(env: LabEnv, node: string, backend: Backend): void {
  const p = nodePaths(env.labDir, node);
  for (const dir of [p.dir, p.cniConfDir, p.stateDir, p.cniCacheDir]) mkdirSync(dir, { recursive: true });
  writeFileSync(p.config, `${JSON.stringify(agentConfig(env, node, backend), null, 2)}\n`);
}

export async function startAgent(env: LabEnv, node: NodeRecord): Promise<void> {
  const p = nodePaths(env.labDir, node.name);
  const agent = await startInNetns({
    netnsPath: netnsPath(node.netns),
    exe: executable(env, 'podwire-agent'),
    args: ['--config', p.config],
    logPath: p.log,
    what: `podwire-agent ${node.name}`,
  });
  await env.state.update((s) => {
    const n = s.nodes[node.name];
    if (n) n.agent = agent;
  });
}

export async function stopAgent(env: LabEnv, node: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  const rec = env.state.load().nodes[node]?.agent;
  await stopProcess(rec, { signal, graceMs: 5000 });
  await env.state.update((s) => {
    const n = s.nodes[node];
    if (n) delete n.agent;
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function agentReadyMarker(env: LabEnv, node: string): string {
  return join(nodePaths(env.labDir, node).cniConfDir, '10-podwire.conflist');
}

/** Waits until every named node's agent is ready; fails early when one exits. */
export async function waitAgentsReady(env: LabEnv, nodes: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(nodes);
  const started = Date.now();
  while (pending.size > 0) {
    const state = env.state.load();
    await Promise.all([...pending].map(async (name) => {
      const rec = state.nodes[name];
      const p = nodePaths(env.labDir, name);
      if (!rec?.agent || !isRunning(rec.agent)) {
        throw new Error(`podwire-agent on ${name} exited (log ${p.log}):\n${logTail(p.log)}`);
      }
      if (existsSync(agentReadyMarker(env, name)) && await isAgentReady(p.socket)) pending.delete(name);
    }));
    if (pending.size === 0) break;
    const waited = ((Date.now() - started) / 1000).toFixed(1);
    env.progress(`waiting for agents: ${nodes.length - pending.size}/${nodes.length} ready (${waited} s; not yet: ${[...pending].join(', ')})`);
    if (Date.now() >= deadline) {
      const name = [...pending][0] ?? '';
      const log = nodePaths(env.labDir, name).log;
      throw new Error(`podwire-agent on ${[...pending].join(', ')} not ready after ${timeoutMs / 1000} s (log ${log}):\n${logTail(log)}`);
    }
    await sleep(50);
  }
}
