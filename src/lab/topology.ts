// The lab's underlay: the fabric (a netns holding one bridge, the "switch")
// and the nodes (one netns each) plugged into it by veth pairs created
// directly between the two namespaces, so the root namespace never holds a
// lab interface, address or route. The fabric bridge carries the gateway
// address every node routes through by default; the fabric does not forward,
// so nothing leaves the lab.
//
// Each step records the netns in the state before creating it (lab-state.ts),
// so `lab down` finds it whatever happens next.
import {
  FABRIC_ADDRESS, FABRIC_BRIDGE, NODE_UNDERLAY_IF, UNDERLAY_PREFIX_LEN,
  fabricNetns, fabricPort, nodeAddress, nodeMac, nodeNetns,
} from './layout.js';
import type { NodeRecord, StateFile } from './lab-state.js';
import { createNetns, removeNetns, setSysctls } from './netns.js';
import { ipBatch } from './run.js';

export async function recordNetns(state: StateFile, name: string): Promise<void> {
  await state.update((s) => {
    if (!s.netns.includes(name)) s.netns.push(name);
  });
}

export async function forgetNetns(state: StateFile, name: string): Promise<void> {
  await state.update((s) => {
    s.netns = s.netns.filter((n) => n !== name);
  });
}

export async function createFabric(state: StateFile, prefix: string): Promise<void> {
  const ns = fabricNetns(prefix);
  await recordNetns(state, ns);
  await createNetns(ns);
  await ipBatch(ns, [
    `link add ${FABRIC_BRIDGE} type bridge stp_state 0 forward_delay 0`,
    `addr add ${FABRIC_ADDRESS}/${UNDERLAY_PREFIX_LEN} dev ${FABRIC_BRIDGE}`,
    `link set ${FABRIC_BRIDGE} up`,
  ]);
}

/** The lowest underlay slot no node holds. */
export function freeSlot(nodes: Readonly<Record<string, NodeRecord>>, max: number): number {
  const used = new Set(Object.values(nodes).map((n) => n.slot));
  for (let i = 1; i <= max; i++) if (!used.has(i)) return i;
  throw new Error(`no free underlay address: ${max} nodes at most`);
}

/** Creates the node's netns, plugs it into the fabric and gives it its underlay address. */
export async function createNode(state: StateFile, prefix: string, name: string, slot: number): Promise<NodeRecord> {
  const record: NodeRecord = {
    name, slot, netns: nodeNetns(prefix, name), underlayIP: nodeAddress(slot), fabricPort: fabricPort(name),
  };
  await state.update((s) => {
    s.nodes[name] = record;
    if (!s.netns.includes(record.netns)) s.netns.push(record.netns);
  });
  await createNetns(record.netns);
  const fabric = fabricNetns(prefix);
  await ipBatch(fabric, [
    `link add ${record.fabricPort} type veth peer name ${NODE_UNDERLAY_IF} address ${nodeMac(slot)} netns ${record.netns}`,
    `link set ${record.fabricPort} master ${FABRIC_BRIDGE}`,
    `link set ${record.fabricPort} up`,
  ]);
  await ipBatch(record.netns, [
    `addr add ${record.underlayIP}/${UNDERLAY_PREFIX_LEN} dev ${NODE_UNDERLAY_IF}`,
    `link set ${NODE_UNDERLAY_IF} up`,
    `route add default via ${FABRIC_ADDRESS}`,
  ]);
  // What a Kubernetes node is configured with: it routes for its pods.
  await setSysctls(record.netns, { 'net.ipv4.ip_forward': '1', 'net.ipv6.conf.all.forwarding': '1' });
  return record;
}

/** Removes the node's netns (its veth pair goes with it); absent is done. */
export async function removeNode(state: StateFile, record: NodeRecord): Promise<void> {
  await removeNetns(record.netns);
  await forgetNetns(state, record.netns);
  await state.update((s) => {
    delete s.nodes[record.name];
  });
}

