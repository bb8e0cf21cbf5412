// How pods on different nodes reach each other: one OverlayBackend per agent,
// owning the node's cross-node datapath (flannel's pkg/backend, narrowed).
//
// Design: a backend knows nothing of the cluster API. The node controller
// turns Node objects into Peers and calls:
//   ensureLocal(local)  once at start: this node's half (the vxlan device);
//                       returns what peers need to reach us (VTEP MAC, MTU);
//   ensurePeer(peer)    a node joined or changed: program what reaches it;
//                       a changed peer's old objects go unless another peer
//                       still needs them;
//   removePeer(peer)    a node left: remove exactly its objects;
//   reconcile(peers)    the full desired set: program what is missing or
//                       wrong, remove what is provably ours and stale.
// Invariants:
//  - converge, never churn: each call reads what the kernel holds and
//    changes only what differs, so a restarted agent leaves running pods'
//    traffic untouched (nothing deleted and recreated);
//  - "provably ours": a route carrying ROUTE_PROTOCOL inside the cluster CIDR,
//    a neighbour or FDB entry on the backend's own device. Anything else is
//    never removed;
//  - synchronous, like the kernel layer under it; errors on one object do not
//    stop the others: every call returns a SyncReport listing both.
// Implementations: VxlanBackend (vxlan-backend.ts), RoutedBackend
// (routed-backend.ts), both planning through datapath-plan.ts.
// Rejected: flannel's import-time backend registry (main.ts picks by name)
// and its lease-watching inside the backend (the controller owns the watch).
import type { BackendName } from '../config.js';
import type { DatapathAction } from './datapath-plan.js';

/** RTPROT_* marking the agent's routes: `ip route` shows "proto 87". Unassigned in iproute2's rt_protos. */
export const ROUTE_PROTOCOL = 87;

/** This node, as the backend needs it. */
export interface LocalNode {
  name: string;
  /** This node's IPv4 pod block, network form ("10.244.1.0/24"). */
  podCIDR: string;
  /** The cluster's IPv4 pod network: routes inside it carrying ROUTE_PROTOCOL are ours. */
  clusterCIDR: string;
  /** Dual stack: this node's IPv6 block and the cluster's IPv6 pod network (vxlan only). */
  podCIDRv6: string | undefined;
  clusterCIDRv6: string | undefined;
  underlay: Underlay;
  /** Pod MTU (and the vxlan device's). */
  mtu: number;
  /** The VTEP MAC this node publishes (vxlan-backend.ts vtepMacOf), set on the vxlan device. */
  vtepMAC: string;
}

export interface Underlay {
  name: string;
  index: number;
  /** The node's IPv4 address on it. */
  ip: string;
  mtu: number;
}

/** What the other nodes need to reach this one; published on the Node object. */
export interface LocalDatapath {
  backend: BackendName;
  /** The overlay device (vxlan) or the underlay (routed). */
  device: string;
  vtepMAC: string | undefined;
  mtu: number;
}

/** A remote node, from its Node object (peers.ts). */
export interface Peer {
  name: string;
  podCIDR: string;
  /** The peer's IPv6 block, when both it and this node run dual stack. */
  podCIDRv6: string | undefined;
  underlayIP: string;
  /** Required by the vxlan backend. */
  vtepMAC: string | undefined;
}

export function samePeer(a: Peer, b: Peer): boolean {
  return a.name === b.name && a.podCIDR === b.podCIDR && a.podCIDRv6 === b.podCIDRv6 && a.underlayIP === b.underlayIP && a.vtepMAC === b.vtepMAC;
}

export interface SyncReport {
  applied: DatapathAction[];
  /** `what`: the action (describeAction) or the peer that could not be planned. */
  failed: Array<{ what: string; peer: string | undefined; error: Error }>;
}

/** A peer the backend cannot program; reported in SyncReport.failed and by ensurePeer. */
export class BackendError extends Error {
  constructor(readonly code: 'PeerNotOnLink' | 'PeerIncomplete' | 'UnderlayUnusable' | 'LocalNotReady', message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

export interface OverlayBackend {
  readonly name: BackendName;
  ensureLocal(local: LocalNode): LocalDatapath;
  ensurePeer(peer: Peer): SyncReport;
  removePeer(peer: Peer): SyncReport;
  reconcile(peers: readonly Peer[]): SyncReport;
}
