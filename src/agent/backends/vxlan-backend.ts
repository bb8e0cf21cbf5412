// VxlanBackend: pods on other nodes through one VXLAN device, in flannel's
// layout (flannel-io/flannel pkg/backend/vxlan, "directrouting" off).
//
// Layout, per node N with pod block B_N (say 10.244.N.0/24):
//   device podwire.<vni>: VNI, learning off, no group/remote, local = N's
//     underlay address, bound to the underlay device, MTU = pod MTU (at most
//     underlay - 50: 20 IP + 8 UDP + 8 VXLAN + 14 inner Ethernet);
//     address B_N's network address as /32 (the "VTEP address");
//     MAC derived from the underlay address (0e:50:a.b.c.d in hex), so it is
//     the same after a restart, a device recreation or another agent version;
//   per remote node M:
//     neighbour  VTEP(M) lladdr MAC(M) permanent   (no ARP across the overlay)
//     FDB        MAC(M) dst underlay(M)             (which node to tunnel to)
//     route      B_M via VTEP(M) dev podwire.<vni> onlink proto 87
// Dual stack: IPv6 rides the same device and the same IPv4 tunnel. The device
// also holds B6_N's network address as /128, and per M there is an IPv6
// permanent neighbour (VTEP6(M) → MAC(M): the same FDB entry then tunnels
// it) and a route B6_M via VTEP6(M) onlink. No second device, no IPv6
// underlay needed.
// Packets to a pod on M route to the VTEP address as gateway; the neighbour
// entry supplies M's MAC without ARP; the FDB maps that MAC to M's underlay
// address; the kernel encapsulates. Nothing is learnt or flooded: a MAC with
// no FDB entry is dropped.
// Invariants: ensureLocal converges the device in place (ensureVxlan
// returns 'unchanged' for a right device, so a restart does not blink the
// tunnel); only a different VNI/local/underlay forces recreation, after which
// every peer is reprogrammed by the next reconcile. Other podwire.<n> vxlan
// devices (an earlier VNI) are ours and removed.
// Rejected: one device per peer (N devices, N routes on every node, same
// state); learning + flooding to a multicast group (needs multicast on the
// underlay, and a stale learnt entry blackholes a moved node); L3 miss
// notifications (flannel's old userspace ARP responder: a netlink listener
// for what a permanent entry states once).
// Reference: RFC 7348; docs/kernel.md (vxlan, neigh, fdb).
import { formatIp, tryParseIp } from '../../core/ip/address.js';
import { formatCidr, networkOf, tryParseCidr } from '../../core/ip/cidr.js';
import type { PeerObjects } from './datapath-plan.js';
import {
  BackendError, type LocalDatapath, type LocalNode, type OverlayBackend, type Peer, type SyncReport,
} from './overlay-backend.js';
import { PeerDatapath, type BackendKernel } from './peer-datapath.js';

/** Outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14. */
export const VXLAN_OVERHEAD = 50;

const DEVICE_RE = /^podwire\.\d+$/;
const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function vxlanDeviceName(vni: number): string {
  return `podwire.${vni}`;
}

/** The network address of a block: the node's VTEP address (of that family). */
export function vtepAddressOf(podCIDR: string, family: 4 | 6 = 4): string {
  const c = tryParseCidr(podCIDR);
  if (!c || c.address.family !== family) throw new BackendError('PeerIncomplete', `${JSON.stringify(podCIDR)} is not an IPv${family} CIDR`);
  return formatIp(networkOf(c));
}

/**
 * The VTEP MAC of a node: 0e:50 + its IPv4 underlay address. Locally
 * administered and unicast; unique as long as underlay addresses are; the
 * same after a restart or a device recreation. Derived from the underlay and
 * not from the pod block because it is published with the block claim,
 * before the block is known.
 */
export function vtepMacOf(underlayIp: string): string {
  const ip = tryParseIp(underlayIp);
  if (!ip || ip.family !== 4) throw new BackendError('UnderlayUnusable', `${underlayIp} is not an IPv4 address`);
  const bytes = [24n, 16n, 8n, 0n].map((s) => Number((ip.value >> s) & 0xffn).toString(16).padStart(2, '0'));
  return ['0e', '50', ...bytes].join(':');
}

/**
 * What one remote node needs on this one (pure). With `dualStack` and a peer
 * IPv6 block, IPv6 rides the same device: an IPv6 neighbour for the peer's
 * IPv6 VTEP address (its block's network address) with the same MAC, whose
 * FDB entry already points at the peer's IPv4 underlay, and an IPv6 route.
 */
export function vxlanPeerObjects(device: string, peer: Peer, dualStack = false): PeerObjects {
  const c = tryParseCidr(peer.podCIDR);
  if (!c || c.address.family !== 4) throw new BackendError('PeerIncomplete', `node ${peer.name}: podCIDR ${JSON.stringify(peer.podCIDR)} is not an IPv4 CIDR`);
  const under = tryParseIp(peer.underlayIP);
  if (!under || under.family !== 4) throw new BackendError('PeerIncomplete', `node ${peer.name}: underlay address ${JSON.stringify(peer.underlayIP)} is not IPv4`);
  const mac = peer.vtepMAC?.toLowerCase();
  if (mac === undefined || !MAC_RE.test(mac)) throw new BackendError('PeerIncomplete', `node ${peer.name}: no valid VTEP MAC (${JSON.stringify(peer.vtepMAC ?? null)}): its agent has not published it`);
  const vtep = formatIp(networkOf(c));
  const objects: PeerObjects = {
    neighbours: [{ dev: device, ip: vtep, mac }],
    fdb: [{ dev: device, mac, dst: formatIp(under) }],
    routes: [{ dst: formatCidr({ address: networkOf(c), prefix: c.prefix }), gw: vtep, dev: device, onlink: true }],
  };
  const c6 = dualStack && peer.podCIDRv6 !== undefined ? tryParseCidr(peer.podCIDRv6) : undefined;
  if (c6?.address.family === 6) {
    const vtep6 = formatIp(networkOf(c6));
    objects.neighbours.push({ dev: device, ip: vtep6, mac });
    objects.routes.push({ dst: formatCidr({ address: networkOf(c6), prefix: c6.prefix }), gw: vtep6, dev: device, onlink: true });
  }
  return objects;
}

export class VxlanBackend implements OverlayBackend {
  readonly name = 'vxlan' as const;
  private peersPath: PeerDatapath | undefined;

  constructor(private readonly kernel: BackendKernel, private readonly vni: number) {}

  ensureLocal(local: LocalNode): LocalDatapath & { deviceAction: string } {
    const k = this.kernel;
    const device = vxlanDeviceName(this.vni);
    if (local.mtu > local.underlay.mtu - VXLAN_OVERHEAD) {
      throw new BackendError('UnderlayUnusable', `mtu ${local.mtu} does not fit the underlay ${local.underlay.name} (mtu ${local.underlay.mtu}) with ${VXLAN_OVERHEAD} bytes of VXLAN overhead`);
    }
    const vtep = vtepAddressOf(local.podCIDR);
    const mac = local.vtepMAC;
    for (const stale of k.listVxlans()) {
      if (DEVICE_RE.test(stale.name) && stale.name !== device) k.removeLink(stale.index);
    }
    const result = k.ensureVxlan({ name: device, vni: this.vni, local: local.underlay.ip, dev: local.underlay.index, learning: false, mtu: local.mtu, mac });
    const want = [`${vtep}/32`];
    if (local.podCIDRv6 !== undefined) want.push(`${vtepAddressOf(local.podCIDRv6, 6)}/128`);
    // Global addresses only: the kernel's IPv6 link-local stays.
    const addrs = k.listAddresses({ dev: device }).filter((a) => a.scope === 0);
    for (const cidr of want) if (!addrs.some((a) => a.cidr === cidr)) k.addAddress(device, { cidr, noDad: true });
    // The device is ours: an address of an earlier block would attract that block's traffic.
    for (const a of addrs) if (!want.includes(a.cidr)) k.removeAddress(device, a.cidr);
    const link = k.getLink(device);
    if (!link.up) k.setLinkUp(device);
    this.peersPath = new PeerDatapath({
      kernel: k,
      clusterCIDRs: [local.clusterCIDR, ...(local.clusterCIDRv6 !== undefined ? [local.clusterCIDRv6] : [])],
      ownedDevices: new Map([[link.index, device]]),
      knownDevices: new Map([[local.underlay.index, local.underlay.name]]),
      objectsOf: (peer) => vxlanPeerObjects(device, peer, local.podCIDRv6 !== undefined),
    });
    return { backend: 'vxlan', device, vtepMAC: mac, mtu: local.mtu, deviceAction: result.action };
  }

  ensurePeer(peer: Peer): SyncReport { return this.path().ensurePeer(peer); }
  removePeer(peer: Peer): SyncReport { return this.path().removePeer(peer); }
  reconcile(peers: readonly Peer[]): SyncReport { return this.path().reconcile(peers); }

  private path(): PeerDatapath {
    if (!this.peersPath) throw new BackendError('LocalNotReady', 'vxlan backend: ensureLocal must run before peers are programmed');
    return this.peersPath;
  }
}
