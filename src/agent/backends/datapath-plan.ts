// The diff between the datapath the peers need and what the kernel holds, as
// a list of actions: the pure half of every backend (plan here, apply in the
// backend). Shared by the vxlan and routed backends, which differ only in
// which objects a peer needs.
//
// Rules (see overlay-backend.ts for why):
//  - an object is "right" when the kernel holds it exactly (a route: same
//    gateway, device, onlink flag and our protocol; a neighbour: same MAC,
//    permanent; an FDB entry: same remote): right objects produce no action;
//  - ensures run before removals, and in the order traffic needs them
//    (neighbour, FDB, then the route that sends packets there); removals in
//    the reverse order (route first, so nothing is sent into a half-removed
//    path);
//  - removal candidates are the objects of retired peers (changed or gone),
//    removed only where the kernel still holds exactly that object and no
//    current peer needs its key, plus, when sweeping, everything provably ours
//    that no current peer needs.
import { tryParseIp } from '../../core/ip/address.js';
import { cidrContains, tryParseCidr, type Cidr } from '../../core/ip/cidr.js';

export interface RouteObject { dst: string; gw: string; dev: string; onlink: boolean }
export interface NeighbourObject { dev: string; ip: string; mac: string }
export interface FdbObject { dev: string; mac: string; dst: string }

/** The kernel objects one peer needs. */
export interface PeerObjects {
  routes: RouteObject[];
  neighbours: NeighbourObject[];
  fdb: FdbObject[];
}

export type DatapathAction =
  | ({ op: 'ensure-neighbour'; peer: string } & NeighbourObject)
  | ({ op: 'ensure-fdb'; peer: string } & FdbObject)
  | ({ op: 'ensure-route'; peer: string } & RouteObject)
  | { op: 'remove-route'; dst: string; gw: string | undefined; dev: string | undefined }
  | { op: 'remove-fdb'; dev: string; mac: string; dst: string }
  | { op: 'remove-neighbour'; dev: string; ip: string };

/** What the kernel holds, device indexes already resolved to names. */
export interface ObservedDatapath {
  /** Main-table routes of the family the plan is for. */
  routes: Array<{ dst: string; gw?: string | undefined; dev?: string | undefined; onlink: boolean; protocol: number; priority?: number | undefined }>;
  neighbours: Array<{ dev: string; ip: string; mac?: string | undefined; permanent: boolean }>;
  fdb: Array<{ dev: string; mac: string; dst?: string | undefined }>;
}

export interface SweepScope {
  /** Routes and neighbours outside these are never ours. */
  clusterCIDRs: readonly string[];
  /** Devices owned by the backend: their permanent neighbours and FDB entries are ours. */
  devices: readonly string[];
  protocol: number;
}

export interface PlanInput {
  /** Every current peer's objects, by peer name. */
  desired: ReadonlyMap<string, PeerObjects>;
  /** Which peers to (re)program; 'all' for a reconcile. */
  ensure: readonly string[] | 'all';
  /** Objects of peers that changed or left. */
  retired: readonly PeerObjects[];
  /** Also remove everything provably ours that is not desired. */
  sweep: SweepScope | undefined;
  observed: ObservedDatapath;
  protocol: number;
}

const routeKey = (dst: string): string => dst;
/** The metric the kernel gives a route added without one: IPv6 routes get 1024 (IP6_RT_PRIO_USER). */
const defaultMetric = (dst: string): number => (dst.includes(':') ? 1024 : 0);
const neighKey = (dev: string, ip: string): string => `${dev}|${ip}`;
const fdbKey = (dev: string, mac: string): string => `${dev}|${mac.toLowerCase()}`;

/** Whether a CIDR or an address lies inside one of `clusters`. */
function inside(clusters: readonly Cidr[], text: string): boolean {
  const c = tryParseCidr(text);
  const ip = c ? undefined : tryParseIp(text);
  return clusters.some((cluster) => (c ? c.prefix >= cluster.prefix && cidrContains(cluster, c.address) : ip !== undefined && cidrContains(cluster, ip)));
}

export function planDatapath(input: PlanInput): DatapathAction[] {
  const { observed, protocol } = input;
  const wantRoutes = new Map<string, RouteObject>();
  const wantNeigh = new Map<string, NeighbourObject>();
  const wantFdb = new Map<string, FdbObject>();
  for (const objs of input.desired.values()) {
    for (const r of objs.routes) wantRoutes.set(routeKey(r.dst), r);
    for (const n of objs.neighbours) wantNeigh.set(neighKey(n.dev, n.ip), n);
    for (const f of objs.fdb) wantFdb.set(fdbKey(f.dev, f.mac), f);
  }

  // Indexed once: a reconcile of N peers stays O(N).
  const routesByDst = new Map(observed.routes.filter((r) => (r.priority ?? 0) === defaultMetric(r.dst)).map((r) => [routeKey(r.dst), r]));
  const neighByKey = new Map(observed.neighbours.map((n) => [neighKey(n.dev, n.ip), n]));
  const fdbByKey = new Map(observed.fdb.map((f) => [fdbKey(f.dev, f.mac), f]));
  const mainRoute = (dst: string) => routesByDst.get(routeKey(dst));
  const neighOf = (dev: string, ip: string) => neighByKey.get(neighKey(dev, ip));
  const fdbOf = (dev: string, mac: string) => fdbByKey.get(fdbKey(dev, mac));

  const names = input.ensure === 'all' ? [...input.desired.keys()] : input.ensure;
  const neighbourActions: DatapathAction[] = [];
  const fdbActions: DatapathAction[] = [];
  const routeActions: DatapathAction[] = [];
  for (const peer of names) {
    const objs = input.desired.get(peer);
    if (!objs) continue;
    for (const n of objs.neighbours) {
      const o = neighOf(n.dev, n.ip);
      if (!o || !o.permanent || o.mac?.toLowerCase() !== n.mac.toLowerCase()) neighbourActions.push({ op: 'ensure-neighbour', peer, ...n });
    }
    for (const f of objs.fdb) {
      if (fdbOf(f.dev, f.mac)?.dst !== f.dst) fdbActions.push({ op: 'ensure-fdb', peer, ...f });
    }
    for (const r of objs.routes) {
      const o = mainRoute(r.dst);
      if (!o || o.gw !== r.gw || o.dev !== r.dev || o.onlink !== r.onlink || o.protocol !== protocol) routeActions.push({ op: 'ensure-route', peer, ...r });
    }
  }
  const ensures = [...neighbourActions, ...fdbActions, ...routeActions];

  const removeRoutes = new Map<string, DatapathAction>();
  const removeFdb = new Map<string, DatapathAction>();
  const removeNeigh = new Map<string, DatapathAction>();
  for (const old of input.retired) {
    for (const r of old.routes) {
      const o = mainRoute(r.dst);
      if (wantRoutes.has(routeKey(r.dst)) || !o || o.gw !== r.gw || o.dev !== r.dev || o.protocol !== protocol) continue;
      removeRoutes.set(r.dst, { op: 'remove-route', dst: r.dst, gw: r.gw, dev: r.dev });
    }
    for (const f of old.fdb) {
      if (wantFdb.has(fdbKey(f.dev, f.mac)) || fdbOf(f.dev, f.mac)?.dst !== f.dst) continue;
      removeFdb.set(fdbKey(f.dev, f.mac), { op: 'remove-fdb', dev: f.dev, mac: f.mac, dst: f.dst });
    }
    for (const n of old.neighbours) {
      const o = neighOf(n.dev, n.ip);
      if (wantNeigh.has(neighKey(n.dev, n.ip)) || !o || o.mac?.toLowerCase() !== n.mac.toLowerCase()) continue;
      removeNeigh.set(neighKey(n.dev, n.ip), { op: 'remove-neighbour', dev: n.dev, ip: n.ip });
    }
  }
  if (input.sweep) {
    const scope = input.sweep;
    const cluster = scope.clusterCIDRs.map((t) => tryParseCidr(t)).filter((c): c is Cidr => c !== undefined);
    for (const o of observed.routes) {
      if (o.protocol !== scope.protocol || !inside(cluster, o.dst) || wantRoutes.has(routeKey(o.dst))) continue;
      removeRoutes.set(o.dst, { op: 'remove-route', dst: o.dst, gw: o.gw, dev: o.dev });
    }
    for (const o of observed.fdb) {
      if (!scope.devices.includes(o.dev) || o.dst === undefined || wantFdb.has(fdbKey(o.dev, o.mac))) continue;
      removeFdb.set(fdbKey(o.dev, o.mac), { op: 'remove-fdb', dev: o.dev, mac: o.mac, dst: o.dst });
    }
    for (const o of observed.neighbours) {
      if (!scope.devices.includes(o.dev) || !o.permanent || !inside(cluster, o.ip) || wantNeigh.has(neighKey(o.dev, o.ip))) continue;
      removeNeigh.set(neighKey(o.dev, o.ip), { op: 'remove-neighbour', dev: o.dev, ip: o.ip });
    }
  }
  return [...ensures, ...removeRoutes.values(), ...removeFdb.values(), ...removeNeigh.values()];
}

/** One line for logs: "ensure-route 10.244.2.0/24 via 10.244.2.0 dev podwire.1 onlink (node-2)". */
export function describeAction(a: DatapathAction): string {
  switch (a.op) {
    case 'ensure-neighbour': return `${a.op} ${a.ip} lladdr ${a.mac} dev ${a.dev} (${a.peer})`;
    case 'ensure-fdb': return `${a.op} ${a.mac} dst ${a.dst} dev ${a.dev} (${a.peer})`;
    case 'ensure-route': return `${a.op} ${a.dst} via ${a.gw} dev ${a.dev}${a.onlink ? ' onlink' : ''} (${a.peer})`;
    case 'remove-route': return `${a.op} ${a.dst}${a.gw ? ` via ${a.gw}` : ''}${a.dev ? ` dev ${a.dev}` : ''}`;
    case 'remove-fdb': return `${a.op} ${a.mac} dst ${a.dst} dev ${a.dev}`;
    case 'remove-neighbour': return `${a.op} ${a.ip} dev ${a.dev}`;
  }
}
