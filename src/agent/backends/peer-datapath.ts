// The peer half shared by both backends: the set of peers currently wanted,
// and one observe → plan (datapath-plan.ts) → apply cycle per call. A backend
// supplies only what a peer needs (`objectsOf`, which may refuse a peer with
// a BackendError) and which devices it owns.
//
// Each call observes the kernel afresh instead of trusting a cache, so
// anything changed behind the agent's back (an admin's `ip route del`, a
// restarted agent finding the previous one's state) is seen and converged.
// One action failing is recorded and the others still run.
import type { NetlinkHandle } from '../../kernel/netlink/index.js';
import { describeAction, planDatapath, type DatapathAction, type ObservedDatapath, type PeerObjects } from './datapath-plan.js';
import { ROUTE_PROTOCOL, samePeer, type Peer, type SyncReport } from './overlay-backend.js';

/** The kernel operations the backends use: the NetlinkHandle, narrowed. */
export type BackendKernel = Pick<NetlinkHandle,
  | 'getLink' | 'findLink' | 'listVxlans' | 'ensureVxlan' | 'removeLink' | 'setLinkUp'
  | 'listAddresses' | 'addAddress' | 'removeAddress'
  | 'listRoutes' | 'ensureRoute' | 'removeRoute'
  | 'listNeighbours' | 'ensureNeighbour' | 'removeNeighbour'
  | 'listFdb' | 'ensureFdb' | 'removeFdb'>;

export interface PeerDatapathOptions {
  kernel: BackendKernel;
  /** The cluster's pod networks: ROUTE_PROTOCOL routes and neighbours outside them are never swept. */
  clusterCIDRs: readonly string[];
  /** Devices the backend owns, by ifindex: their neighbours and FDB entries are observed and swept. */
  ownedDevices: ReadonlyMap<number, string>;
  /** Other devices routes may use (the underlay), by ifindex, to name observed routes. */
  knownDevices: ReadonlyMap<number, string>;
  /** What a peer needs; throws BackendError for a peer this backend cannot reach. */
  objectsOf(peer: Peer): PeerObjects;
}

interface Wanted {
  peer: Peer;
  objects: PeerObjects;
}

export class PeerDatapath {
  private readonly wanted = new Map<string, Wanted>();

  constructor(private readonly o: PeerDatapathOptions) {}

  ensurePeer(peer: Peer): SyncReport {
    const failed: SyncReport['failed'] = [];
    const old = this.wanted.get(peer.name);
    const retired = old && !samePeer(old.peer, peer) ? [old.objects] : [];
    let objects: PeerObjects;
    try {
      objects = this.o.objectsOf(peer);
    } catch (err) {
      // An unreachable peer keeps nothing: its previous objects are retired.
      this.wanted.delete(peer.name);
      failed.push({ what: `peer ${peer.name}`, peer: peer.name, error: asError(err) });
      return this.sync([], retired, false, failed);
    }
    this.wanted.set(peer.name, { peer, objects });
    return this.sync([peer.name], retired, false, failed);
  }

  removePeer(peer: Peer): SyncReport {
    const old = this.wanted.get(peer.name);
    this.wanted.delete(peer.name);
    let objects: PeerObjects[] = old ? [old.objects] : [];
    if (!old) {
      // Not known in this process (removed before we saw it): its objects as they would have been.
      try {
        objects = [this.o.objectsOf(peer)];
      } catch {
        objects = [];
      }
    }
    return this.sync([], objects, false, []);
  }

  reconcile(peers: readonly Peer[]): SyncReport {
    const failed: SyncReport['failed'] = [];
    this.wanted.clear();
    for (const peer of peers) {
      try {
        this.wanted.set(peer.name, { peer, objects: this.o.objectsOf(peer) });
      } catch (err) {
        failed.push({ what: `peer ${peer.name}`, peer: peer.name, error: asError(err) });
      }
    }
    return this.sync('all', [], true, failed);
  }

  private sync(ensure: string[] | 'all', retired: PeerObjects[], sweep: boolean, failed: SyncReport['failed']): SyncReport {
    const desired = new Map([...this.wanted].map(([name, w]) => [name, w.objects]));
    const actions = planDatapath({
      desired,
      ensure,
      retired,
      sweep: sweep ? { clusterCIDRs: this.o.clusterCIDRs, devices: [...this.o.ownedDevices.values()], protocol: ROUTE_PROTOCOL } : undefined,
      observed: this.observe(),
      protocol: ROUTE_PROTOCOL,
    });
    const applied: DatapathAction[] = [];
    for (const action of actions) {
      try {
        this.apply(action);
        applied.push(action);
      } catch (err) {
        failed.push({ what: describeAction(action), peer: 'peer' in action ? action.peer : undefined, error: asError(err) });
      }
    }
    return { applied, failed };
  }

  private observe(): ObservedDatapath {
    const k = this.o.kernel;
    const nameOf = (index: number | undefined): string | undefined =>
      index === undefined ? undefined : (this.o.ownedDevices.get(index) ?? this.o.knownDevices.get(index));
    const observed: ObservedDatapath = {
      // Both families: the vxlan backend carries IPv6 pod blocks too.
      routes: k.listRoutes().map((r) => ({ dst: r.dst, gw: r.gw, dev: nameOf(r.oif), onlink: r.onlink, protocol: r.protocol, priority: r.priority })),
      neighbours: [],
      fdb: [],
    };
    for (const [index, dev] of this.o.ownedDevices) {
      for (const n of k.listNeighbours({ dev: index })) observed.neighbours.push({ dev, ip: n.ip, mac: n.mac, permanent: n.permanent });
      for (const f of k.listFdb({ dev: index })) if (f.self) observed.fdb.push({ dev, mac: f.mac, dst: f.dst });
    }
    return observed;
  }

  private apply(a: DatapathAction): void {
    const k = this.o.kernel;
    switch (a.op) {
      case 'ensure-neighbour': k.ensureNeighbour({ dev: a.dev, ip: a.ip, mac: a.mac }); return;
      case 'ensure-fdb': k.ensureFdb({ dev: a.dev, mac: a.mac, dst: a.dst }); return;
      case 'ensure-route': k.ensureRoute({ dst: a.dst, gw: a.gw, dev: a.dev, onlink: a.onlink, protocol: ROUTE_PROTOCOL }); return;
      case 'remove-route':
        // Narrowed by our protocol: the kernel refuses to delete anyone else's route.
        k.removeRoute({ dst: a.dst, protocol: ROUTE_PROTOCOL, ...(a.gw !== undefined ? { gw: a.gw } : {}), ...(a.dev !== undefined ? { dev: a.dev } : {}) });
        return;
      case 'remove-fdb': k.removeFdb({ dev: a.dev, mac: a.mac, dst: a.dst }); return;
      case 'remove-neighbour': k.removeNeighbour({ dev: a.dev, ip: a.ip }); return;
    }
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
