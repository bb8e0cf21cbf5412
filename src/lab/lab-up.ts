// `lab up`: the fabric, N nodes with their agents, the cluster store, then
// the user's manifests once every agent is ready. Refuses to start over an
// existing lab (state file or namespaces with the prefix): leftovers are for
// `lab down` to remove, never to be adopted.
//
// A failed bring-up is left in place for inspection (the agents' logs live in
// the lab dir); the error says how to remove it.
import { mkdirSync } from 'node:fs';
import { applyManifests, type ActionReport } from './apply.js';
import { mapLimit } from './concurrency.js';
import type { LabEnv } from './lab-env.js';
import { emptyState, type Backend } from './lab-state.js';
import { labPaths, MAX_NODE_SLOTS } from './layout.js';
import type { Manifest } from './manifests.js';
import { listLabNetns } from './netns.js';
import { addNode, waitNodesReady } from './nodes.js';
import { createFabric } from './topology.js';

export interface UpOptions {
  nodes: number;
  backend: Backend;
  prefix: string;
  /** The lab programs static routes instead of running agents (debugging aid). */
  noAgent: boolean;
  manifests: readonly Manifest[];
  readyTimeoutMs: number;
}

export interface UpReport {
  nodes: string[];
  applied: ActionReport[];
  /** Milliseconds per phase. */
  timings: { topology: number; agents: number; pods: number; total: number };
}

export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `node${i + 1}`);
}

export async function labUp(env: LabEnv, opts: UpOptions): Promise<UpReport> {
  if (opts.nodes < 1 || opts.nodes > MAX_NODE_SLOTS) throw new Error(`--nodes: 1 to ${MAX_NODE_SLOTS}`);
  const leftovers = await listLabNetns(opts.prefix);
  if (leftovers.length > 0) {
    throw new Error(`network namespaces with prefix ${opts.prefix} exist (${leftovers.slice(0, 5).join(', ')}${leftovers.length > 5 ? ', ...' : ''}): run \`podwirectl lab down --prefix ${opts.prefix}\` first`);
  }
  const t0 = Date.now();
  await env.state.create(emptyState(opts.prefix, env.labDir, opts.backend, opts.noAgent));
  mkdirSync(labPaths(env.labDir).store, { recursive: true });
  env.progress('creating the fabric');
  await createFabric(env.state, opts.prefix);
  const names = nodeNames(opts.nodes);
  let made = 0;
  await mapLimit(names, 4, async (name) => {
    await addNode(env, name);
    env.progress(`nodes: ${++made}/${names.length} created`);
  });
  const t1 = Date.now();
  await waitNodesReady(env, names, opts.readyTimeoutMs);
  const t2 = Date.now();
  const applied = opts.manifests.length > 0 ? await applyManifests(env, opts.manifests) : [];
  const t3 = Date.now();
  return { nodes: names, applied, timings: { topology: t1 - t0, agents: t2 - t1, pods: t3 - t2, total: t3 - t0 } };
}
