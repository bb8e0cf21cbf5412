// RoutedBackend: pods on other nodes by plain routing, no encapsulation
// (flannel's host-gw). Per remote node M:
//   route B_M via underlay(M) dev <underlay> proto 87
// The underlay then carries pod addresses as they are, so every node must be
// on one L2 segment: the next hop must be directly reachable on the underlay
// device. A peer whose underlay address is outside every subnet of our
// underlay device is refused with PeerNotOnLink (a route via a gateway we
// cannot ARP for would blackhole silently, or worse, go out the default route
// and leak pod addresses to the fabric). MTU: the underlay's, no overhead.
// Nothing local to set up beyond forwarding (node-setup.ts).
// Rejected: "onlink" routes to reach off-subnet peers (works only when the
// fabric routes pod CIDRs, which nothing here guarantees).
import { tryParseIp } from '../../core/ip/address.js';
import { cidrContains, formatCidr, networkOf, tryParseCidr } from '../../core/ip/cidr.js';
import type { PeerObjects } from './datapath-plan.js';
import {
  BackendError, type LocalDatapath, type LocalNode, type OverlayBackend, type Peer, type SyncReport, type Underlay,
} from './overlay-backend.js';
import { PeerDatapath, type BackendKernel } from './peer-datapath.js';

/** What one remote node needs (pure); `subnets` are the underlay device's IPv4 subnets. */
export function routedPeerObjects(underlay: string, subnets: readonly string[], peer: Peer): PeerObjects {
  const c = tryParseCidr(peer.podCIDR);
  if (!c || c.address.family !== 4) throw new BackendError('PeerIncomplete', `node ${peer.name}: podCIDR ${JSON.stringify(peer.podCIDR)} is not an IPv4 CIDR`);
  const gw = tryParseIp(peer.underlayIP);
  if (!gw || gw.family !== 4) throw new BackendError('PeerIncomplete', `node ${peer.name}: underlay address ${JSON.stringify(peer.underlayIP)} is not IPv4`);
  const onLink = subnets.some((s) => {
    const net = tryParseCidr(s);
    return net !== undefined && net.prefix < 32 && cidrContains(net, gw);
  });
  if (!onLink) {
    throw new BackendError('PeerNotOnLink', `node ${peer.name}: underlay address ${peer.underlayIP} is not on ${underlay} (${subnets.join(', ') || 'no IPv4 subnet'}); `
      + 'the routed backend needs every node on one L2 segment: use backend "vxlan" across subnets');
  }
  return {
    neighbours: [],
    fdb: [],
    routes: [{ dst: formatCidr({ address: networkOf(c), prefix: c.prefix }), gw: peer.underlayIP, dev: underlay, onlink: false }],
  };
}

export class RoutedBackend implements OverlayBackend {
  readonly name = 'routed' as const;
  private peersPath: PeerDatapath | undefined;

  constructor(private readonly kernel: BackendKernel) {}

  ensureLocal(local: LocalNode): LocalDatapath {
    if (local.mtu > local.underlay.mtu) {
      throw new BackendError('UnderlayUnusable', `mtu ${local.mtu} is larger than the underlay ${local.underlay.name}'s (${local.underlay.mtu})`);
    }
    const underlay: Underlay = local.underlay;
    this.peersPath = new PeerDatapath({
      kernel: this.kernel,
      clusterCIDRs: [local.clusterCIDR],
      // The underlay is not ours: its neighbours and FDB are never observed or swept.
      ownedDevices: new Map(),
      knownDevices: new Map([[underlay.index, underlay.name]]),
      objectsOf: (peer) => routedPeerObjects(underlay.name, this.subnets(underlay), peer),
    });
    return { backend: 'routed', device: underlay.name, vtepMAC: undefined, mtu: local.mtu };
  }

  // The underlay's subnets are read once per call (not per peer), and afresh on every call.
  ensurePeer(peer: Peer): SyncReport { this.subnetCache = undefined; return this.path().ensurePeer(peer); }
  removePeer(peer: Peer): SyncReport { this.subnetCache = undefined; return this.path().removePeer(peer); }
  reconcile(peers: readonly Peer[]): SyncReport { this.subnetCache = undefined; return this.path().reconcile(peers); }

  private subnetCache: string[] | undefined;

  private subnets(underlay: Underlay): string[] {
    this.subnetCache ??= this.kernel.listAddresses({ dev: underlay.index, family: 4 }).map((a) => a.cidr);
    return this.subnetCache;
  }

  private path(): PeerDatapath {
    if (!this.peersPath) throw new BackendError('LocalNotReady', 'routed backend: ensureLocal must run before peers are programmed');
    return this.peersPath;
  }
}
