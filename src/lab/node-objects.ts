// Node objects as kubelet registers them: well-known labels, the InternalIP
// and Hostname addresses, a Ready condition. The pod block is left to the
// agent, which claims one and records it (spec.podCIDR is the controller
// manager's job in a real cluster, and podwire-agent plays that part).
import type { ClusterSource } from '../agent/cluster/cluster-source.js';
import { isAlreadyExists, isNotFound } from '../agent/cluster/errors.js';
import type { Node } from '../agent/cluster/types.js';

export function nodeObject(name: string, underlayIP: string, now: Date): Node {
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'podwire.dev/lab': 'true' },
    },
    status: {
      addresses: [{ type: 'InternalIP', address: underlayIP }, { type: 'Hostname', address: name }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'lab node', lastHeartbeatTime: time, lastTransitionTime: time }],
    },
  };
}

/** Creates the Node, or refreshes its addresses when it is already there (a re-added node). */
export async function registerNode(store: ClusterSource, name: string, underlayIP: string): Promise<void> {
  const desired = nodeObject(name, underlayIP, new Date());
  let current;
  try {
    current = await store.create('Node', desired);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    current = await store.get('Node', { name });
  }
  // Unconditional (no resourceVersion): the lab is the node's kubelet, the status is ours.
  const { resourceVersion: _rv, ...metadata } = current.metadata;
  await store.updateStatus('Node', { ...current, metadata, status: desired.status ?? {} });
}

export async function unregisterNode(store: ClusterSource, name: string): Promise<void> {
  try {
    await store.delete('Node', { name });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
