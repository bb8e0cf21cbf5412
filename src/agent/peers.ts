// Which Node objects are peers this node programs, and as what. Pure: the
// node controller hands in its cache of Nodes and gets the peer set plus the
// reason each other node was left out (for logs and the status endpoint).
//
// A node is a peer when it is not us, has an IPv4 pod block inside the
// cluster CIDR, and its agent has published the same backend and its underlay
// address (and, for vxlan, its VTEP MAC). The backend annotation is written
// last by an agent (after its datapath exists), so it doubles as "ready to be
// reached". A block that overlaps ours or an earlier peer's is refused:
// programming it would steal that node's traffic. Among overlapping nodes the
// older (creationTimestamp, then name) wins, so every agent picks the same one.
import { cidrsOverlap, cidrContains, formatCidr, networkOf, tryParseCidr, type Cidr } from '../core/ip/cidr.js';
import { tryParseIp } from '../core/ip/address.js';
import type { BlockPool } from '../core/cluster/pod-cidr.js';
import { UNDERLAY_IP_ANNOTATION, VTEP_MAC_ANNOTATION } from './cluster/claim-node-block.js';
import type { Node } from './cluster/types.js';
import type { Peer } from './backends/overlay-backend.js';
import type { BackendName } from './config.js';

export const BACKEND_ANNOTATION = 'podwire.io/backend';

export interface PeerContext {
  self: string;
  backend: BackendName;
  pool: BlockPool;
  /** The IPv6 pool when the cluster is dual stack. */
  poolV6?: BlockPool | undefined;
  /** Our own blocks, once known. */
  localPodCIDR: string | undefined;
  localPodCIDRv6?: string | undefined;
}

export interface PeerSelection {
  /** By node name. */
  peers: Map<string, Peer>;
  /** Node name → why it is not a peer. */
  skipped: Map<string, string>;
}

/** The node's pod block of that family, in network form, if it has one. */
export function podCIDROf(node: Node, family: 4 | 6): string | undefined {
  const all = node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : []);
  for (const text of all) {
    const c = tryParseCidr(text);
    if (c?.address.family === family) return formatCidr({ address: networkOf(c), prefix: c.prefix });
  }
  return undefined;
}

export const ipv4PodCIDR = (node: Node): string | undefined => podCIDROf(node, 4);

function contained(pool: Cidr, block: Cidr): boolean {
  return block.prefix >= pool.prefix && cidrContains(pool, block.address);
}

/** One node on its own: a Peer, or why not. */
export function peerOfNode(node: Node, ctx: PeerContext): Peer | string {
  const name = node.metadata.name;
  if (name === ctx.self) return 'this node';
  const annotations = node.metadata.annotations ?? {};
  const backend = annotations[BACKEND_ANNOTATION];
  if (backend === undefined) return 'its agent has not published a datapath yet';
  if (backend !== ctx.backend) return `it runs backend ${JSON.stringify(backend)}, this node ${JSON.stringify(ctx.backend)}`;
  const podCIDR = ipv4PodCIDR(node);
  if (!podCIDR) return 'no IPv4 podCIDR';
  const block = tryParseCidr(podCIDR);
  if (!block || !contained(ctx.pool.cidr, block)) return `podCIDR ${podCIDR} is outside the cluster CIDR ${formatCidr(ctx.pool.cidr)}`;
  const underlayIP = annotations[UNDERLAY_IP_ANNOTATION];
  if (underlayIP === undefined || tryParseIp(underlayIP)?.family !== 4) return `no IPv4 ${UNDERLAY_IP_ANNOTATION} annotation`;
  const vtepMAC = annotations[VTEP_MAC_ANNOTATION]?.toLowerCase();
  if (ctx.backend === 'vxlan' && (vtepMAC === undefined || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(vtepMAC))) return `no valid ${VTEP_MAC_ANNOTATION} annotation`;
  // IPv6 is optional per peer: a v4-only node is still reachable over IPv4.
  const v6 = ctx.poolV6 ? podCIDROf(node, 6) : undefined;
  const block6 = v6 === undefined ? undefined : tryParseCidr(v6);
  const podCIDRv6 = ctx.poolV6 && block6 && contained(ctx.poolV6.cidr, block6) ? v6 : undefined;
  return { name, podCIDR, podCIDRv6, underlayIP, vtepMAC };
}

function age(node: Node): string {
  return `${node.metadata.creationTimestamp ?? ''}\u0000${node.metadata.name}`;
}

export function selectPeers(nodes: Iterable<Node>, ctx: PeerContext): PeerSelection {
  const peers = new Map<string, Peer>();
  const skipped = new Map<string, string>();
  const taken: Array<{ name: string; block: Cidr }> = [];
  for (const text of [ctx.localPodCIDR, ctx.localPodCIDRv6]) {
    const local = text === undefined ? undefined : tryParseCidr(text);
    if (local) taken.push({ name: ctx.self, block: local });
  }
  for (const node of [...nodes].sort((a, b) => (age(a) < age(b) ? -1 : age(a) > age(b) ? 1 : 0))) {
    const peer = peerOfNode(node, ctx);
    if (typeof peer === 'string') {
      if (node.metadata.name !== ctx.self) skipped.set(node.metadata.name, peer);
      continue;
    }
    const blocks = [peer.podCIDR, peer.podCIDRv6].flatMap((t) => (t === undefined ? [] : [tryParseCidr(t)])).filter((c): c is Cidr => c !== undefined);
    const clash = blocks.flatMap((b) => taken.filter((t) => cidrsOverlap(t.block, b)).map((t) => ({ t, b })))[0];
    if (clash) {
      skipped.set(peer.name, `podCIDR ${formatCidr(clash.b)} overlaps ${clash.t.name === ctx.self ? 'this node' : `node ${clash.t.name}`}'s block`);
      continue;
    }
    for (const block of blocks) taken.push({ name: peer.name, block });
    peers.set(peer.name, peer);
  }
  return { peers, skipped };
}
