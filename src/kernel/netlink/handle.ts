// NetlinkHandle: rtnetlink bound to one network namespace.
//
// Design: the handle wraps one NETLINK_ROUTE socket, and a socket talks to
// the netns it was created in for its whole life. openNetlink(netns) creates
// the socket inside withNetns and switches straight back, so every method is
// a plain synchronous call from the original thread namespace, safe across
// awaits (STYLE §5), and two handles on two namespaces can be used side by
// side (host end and pod end of a veth). Methods take a LinkRef (name or
// ifindex) and resolve names only where the kernel cannot (addresses,
// routes). Semantics follow the house naming: createX fails on EEXIST,
// removeX returns false when already gone, ensureX converges.
// The operations themselves live in links.ts, link-create.ts, addresses.ts,
// routes.ts, vxlan.ts, neigh.ts and fdb.ts as functions of a NetlinkTransport,
// so unit tests drive them with a recorded transport and no kernel.
import { withNetns, type NetnsFile } from '../netns.js';
import { addAddress, listAddresses, removeAddress, type Address, type AddressFilter, type AddressSpec } from './addresses.js';
import { ensureFdb, listFdb, removeFdb, type FdbEntry } from './fdb.js';
import type { IpFamily } from './ip-bytes.js';
import { createBridge, createVeth, setBridgePortHairpin, type BridgeSpec, type VethSpec } from './link-create.js';
import {
  findLink, getLink, listLinks, moveLinkToNetns, removeLink, renameLink, setLinkAlias, setLinkDown, setLinkPromisc, setLinkMac, setLinkMaster,
  setLinkMtu, setLinkUp, removeLinkAsync, type Link, type LinkRef,
} from './links.js';
import { ensureNeighbour, listNeighbours, removeNeighbour, type Neighbour } from './neigh.js';
import { addRoute, ensureRoute, listRoutes, removeRoute, type RouteEntry, type RouteFilter, type RouteSpec } from './routes.js';
import { NetlinkSocket, type NetlinkTransport } from './socket.js';
import {
  createVxlan, ensureVxlan, findVxlan, listVxlans, type VxlanEnsureResult, type VxlanLink, type VxlanSpec,
} from './vxlan.js';

/** A route spec naming its device by LinkRef instead of ifindex. */
export type RouteRequest = Omit<RouteSpec, 'oif'> & { dev?: LinkRef };

/** A vxlan spec naming its underlay device by LinkRef instead of ifindex. */
export type VxlanRequest = Omit<VxlanSpec, 'dev'> & { dev?: LinkRef };

/** A neighbour (ARP/NDP) entry on `dev`; permanent unless `permanent: false`. */
export interface NeighbourRequest { dev: LinkRef; ip: string; mac: string; permanent?: boolean }

/** A vxlan FDB entry: `mac` is behind the remote VTEP `dst`. */
export interface FdbRequest { dev: LinkRef; mac: string; dst: string }

export class NetlinkHandle {
  /** The netns path this handle was opened in; undefined for the caller's own. */
  readonly netns: string | undefined;
  private readonly t: NetlinkTransport;

  constructor(transport: NetlinkTransport, netns?: string) {
    this.t = transport;
    this.netns = netns;
  }

  // Links
  listLinks(): Link[] { return listLinks(this.t); }
  findLink(ref: LinkRef): Link | undefined { return findLink(this.t, ref); }
  getLink(ref: LinkRef): Link { return getLink(this.t, ref); }
  setLinkUp(ref: LinkRef): void { setLinkUp(this.t, ref); }
  setLinkDown(ref: LinkRef): void { setLinkDown(this.t, ref); }
  setLinkMtu(ref: LinkRef, mtu: number): void { setLinkMtu(this.t, ref, mtu); }
  setLinkAlias(ref: LinkRef, alias: string): void { setLinkAlias(this.t, ref, alias); }
  setLinkPromisc(ref: LinkRef, on: boolean): void { setLinkPromisc(this.t, ref, on); }
  setLinkMac(ref: LinkRef, mac: string): void { setLinkMac(this.t, ref, mac); }
  setLinkMaster(ref: LinkRef, master: LinkRef | null): void { setLinkMaster(this.t, ref, master); }
  renameLink(ref: LinkRef, newName: string): void { renameLink(this.t, ref, newName); }
  moveLinkToNetns(ref: LinkRef, netns: NetnsFile, newName?: string): void { moveLinkToNetns(this.t, ref, netns.fd, newName); }
  removeLink(ref: LinkRef): boolean { return removeLink(this.t, ref); }
  /** removeLink whose kernel wait (an RCU grace period) runs on a worker thread; do not use the handle until it settles. */
  removeLinkAsync(ref: LinkRef): Promise<boolean> { return removeLinkAsync(this.t, ref); }
  createVeth(spec: VethSpec): void { createVeth(this.t, spec); }
  createBridge(spec: BridgeSpec): void { createBridge(this.t, spec); }
  setBridgePortHairpin(port: LinkRef, on: boolean): void { setBridgePortHairpin(this.t, port, on); }

  // Addresses
  listAddresses(filter: Omit<AddressFilter, 'index'> & { dev?: LinkRef } = {}): Address[] {
    const { dev, ...rest } = filter;
    return listAddresses(this.t, dev === undefined ? rest : { ...rest, index: this.index(dev) });
  }
  addAddress(dev: LinkRef, spec: AddressSpec): void { addAddress(this.t, this.index(dev), spec); }
  removeAddress(dev: LinkRef, cidr: string): boolean {
    const index = this.findIndex(dev);
    return index === undefined ? false : removeAddress(this.t, index, cidr);
  }

  // Routes
  listRoutes(filter: Omit<RouteFilter, 'oif'> & { dev?: LinkRef } = {}): RouteEntry[] {
    const { dev, ...rest } = filter;
    return listRoutes(this.t, dev === undefined ? rest : { ...rest, oif: this.index(dev) });
  }
  addRoute(route: RouteRequest): void { addRoute(this.t, this.routeSpec(route)); }
  ensureRoute(route: RouteRequest): void { ensureRoute(this.t, this.routeSpec(route)); }
  removeRoute(route: RouteRequest): boolean {
    if (route.dev !== undefined && this.findIndex(route.dev) === undefined) return false;
    return removeRoute(this.t, this.routeSpec(route));
  }

  // VXLAN devices
  createVxlan(spec: VxlanRequest): void { createVxlan(this.t, this.vxlanSpec(spec)); }
  ensureVxlan(spec: VxlanRequest): VxlanEnsureResult { return ensureVxlan(this.t, this.vxlanSpec(spec)); }
  findVxlan(ref: LinkRef): VxlanLink | undefined { return findVxlan(this.t, ref); }
  listVxlans(): VxlanLink[] { return listVxlans(this.t); }

  // Neighbours (ARP, NDP)
  listNeighbours(filter: { dev?: LinkRef; family?: IpFamily } = {}): Neighbour[] {
    const { dev, ...rest } = filter;
    return listNeighbours(this.t, dev === undefined ? rest : { ...rest, index: this.index(dev) });
  }
  ensureNeighbour(n: NeighbourRequest): void {
    const { dev, ...rest } = n;
    ensureNeighbour(this.t, { ...rest, index: this.index(dev) });
  }
  removeNeighbour(n: { dev: LinkRef; ip: string }): boolean {
    const index = this.findIndex(n.dev);
    return index === undefined ? false : removeNeighbour(this.t, index, n.ip);
  }

  // Bridge FDB of a vxlan device (NTF_SELF)
  listFdb(filter: { dev?: LinkRef } = {}): FdbEntry[] {
    return listFdb(this.t, filter.dev === undefined ? {} : { index: this.index(filter.dev) });
  }
  ensureFdb(e: FdbRequest): void { ensureFdb(this.t, { index: this.index(e.dev), mac: e.mac, dst: e.dst }); }
  removeFdb(e: { dev: LinkRef; mac: string; dst?: string }): boolean {
    const index = this.findIndex(e.dev);
    if (index === undefined) return false;
    return removeFdb(this.t, e.dst === undefined ? { index, mac: e.mac } : { index, mac: e.mac, dst: e.dst });
  }

  close(): void { this.t.close(); }

  private index(ref: LinkRef): number {
    return typeof ref === 'number' ? ref : getLink(this.t, ref).index;
  }

  private findIndex(ref: LinkRef): number | undefined {
    return typeof ref === 'number' ? ref : findLink(this.t, ref)?.index;
  }

  private vxlanSpec(spec: VxlanRequest): VxlanSpec {
    const { dev, ...rest } = spec;
    return dev === undefined ? rest : { ...rest, dev: this.index(dev) };
  }

  private routeSpec(route: RouteRequest): RouteSpec {
    const { dev, ...rest } = route;
    return dev === undefined ? rest : { ...rest, oif: this.index(dev) };
  }
}

/**
 * Opens rtnetlink in `netns` (a path such as CNI_NETNS, or an open NetnsFile),
 * or in the calling thread's current netns when omitted. Close it when done.
 * A missing netns is KernelError{errno: ENOENT, cniCode: NetnsNotFound}.
 */
export function openNetlink(netns?: string | NetnsFile): NetlinkHandle {
  if (netns === undefined) return new NetlinkHandle(NetlinkSocket.open());
  const socket = withNetns(netns, () => NetlinkSocket.open());
  return new NetlinkHandle(socket, typeof netns === 'string' ? netns : netns.path);
}
