// `lab up --no-agent`: the lab plays the agent's part in the simplest way, to
// tell lab problems from agent problems. Each node gets the block of its
// underlay slot (10.244.<slot>.0/24), a conflist for the podwire bridge
// plugin with that block, and host routes to every other node's block via
// that node's underlay address (flannel's host-gw). Routes carry their own
// protocol number so a refresh replaces exactly the lab's routes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { POD_NETWORK, nodePaths } from './layout.js';
import type { LabEnv } from './lab-env.js';
import type { NodeRecord } from './lab-state.js';
import { ipBatch } from './run.js';

const ROUTE_PROTO = '77';

export function staticBlock(slot: number): string {
  return `10.244.${slot}.0/24`;
}

export function staticConflist(env: LabEnv, node: NodeRecord): Record<string, unknown> {
  return {
    cniVersion: '1.0.0',
    name: POD_NETWORK,
    plugins: [{
      type: 'podwire',
      bridge: 'cni0',
      isDefaultGateway: true,
      // Nothing outside the lab to reach, so no masquerade: pod sources stay as they are.
      ipMasq: false,
      ipam: { type: 'podwire-ipam', ranges: [[{ subnet: staticBlock(node.slot) }]], dataDir: join(nodePaths(env.labDir, node.name).stateDir, 'ipam') },
    }],
  };
}

export function writeStaticConflist(env: LabEnv, node: NodeRecord): void {
  const p = nodePaths(env.labDir, node.name);
  mkdirSync(p.cniConfDir, { recursive: true });
  writeFileSync(join(p.cniConfDir, '10-podwire.conflist'), `${JSON.stringify(staticConflist(env, node), null, 2)}\n`);
}

/** Every node routes every other node's block via its underlay address. */
export async function refreshStaticRoutes(nodes: readonly NodeRecord[]): Promise<void> {
  await Promise.all(nodes.map((n) => ipBatch(n.netns, [
    `route flush proto ${ROUTE_PROTO}`,
    ...nodes.filter((o) => o.name !== n.name).map((o) => `route add ${staticBlock(o.slot)} via ${o.underlayIP} proto ${ROUTE_PROTO}`),
  ])));
}
