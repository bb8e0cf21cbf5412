// Routes (RTM_*ROUTE), IPv4 and IPv6, single-nexthop.
//
// Design: requests are built the way iproute2 builds them, so a route added
// here is indistinguishable from `ip route add`: protocol "boot", type
// unicast, and for IPv4 without a gateway scope "link" (a directly
// connected prefix), otherwise scope "universe". The table always goes in
// RTA_TABLE (u32) and, when it fits, in rtm_table too; tables above 255 only
// exist in the attribute. MTU and advmss are RTA_METRICS sub-attributes.
// Deletion matches any scope (RT_SCOPE_NOWHERE) and any type, and narrows by
// whatever the spec names (gateway, device, metric), again like `ip route
// del`; "no such route" (ESRCH) and a vanished device (ENODEV) mean done.
// Not covered yet: multipath (RTA_MULTIPATH), nexthop objects, policy rules.
// Reference: include/uapi/linux/rtnetlink.h, net/ipv4/fib_frontend.c
// (rtm_to_fib_config), net/ipv6/route.c (rtm_to_fib6_config).
import { Errno, KernelError } from '../kernel-error.js';
import { AttrSet, AttrWriter, NetlinkDecodeError } from './attrs.js';
import {
  AF_INET, AF_INET6, AF_UNSPEC, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, NLM_F_REPLACE, RTAX_ADVMSS, RTAX_MTU, RTA_DST,
  RTA_GATEWAY, RTA_METRICS, RTA_OIF, RTA_PREFSRC, RTA_PRIORITY, RTA_TABLE, RTMSG_LEN, RTM_DELROUTE, RTM_GETROUTE,
  RTM_NEWROUTE, RTNH_F_ONLINK, RTN_UNICAST, RTPROT_BOOT, RT_SCOPE_LINK, RT_SCOPE_UNIVERSE, RT_TABLE_MAIN,
  RT_TABLE_UNSPEC,
} from './constants.js';
import { formatIp, networkBytes, parseCidr, parseIp, type IpFamily } from './ip-bytes.js';
import type { NetlinkTransport } from './socket.js';

const RT_SCOPE_NOWHERE = 255;

export interface RouteSpec {
  /** Destination CIDR; "0.0.0.0/0" or "::/0" for a default route. Host bits are cleared. */
  dst: string;
  gw?: string;
  /** Output device ifindex. */
  oif?: number;
  /** RT_SCOPE_*; defaults as described in the design note. */
  scope?: number;
  /** Routing table; default main (254). */
  table?: number;
  /** Metric (RTA_PRIORITY). */
  priority?: number;
  mtu?: number;
  advmss?: number;
  /** Gateway reachable on oif even if no prefix covers it (RTNH_F_ONLINK). */
  onlink?: boolean;
  /** Preferred source address (RTA_PREFSRC). */
  src?: string;
  /** RTPROT_*; default boot (3), like iproute2. */
  protocol?: number;
}

export interface RouteEntry {
  family: IpFamily;
  /** Network CIDR, "0.0.0.0/0" for default. */
  dst: string;
  gw?: string;
  oif?: number;
  scope: number;
  table: number;
  priority?: number;
  mtu?: number;
  advmss?: number;
  onlink: boolean;
  protocol: number;
  /** RTN_*: 1 unicast, 2 local, 3 broadcast, ... */
  type: number;
  src?: string;
}

export interface RouteFilter {
  family?: IpFamily;
  /** Default main; 'all' for every table. */
  table?: number | 'all';
  oif?: number;
}

const familyCode = (f: IpFamily | undefined): number => (f === 4 ? AF_INET : f === 6 ? AF_INET6 : AF_UNSPEC);

export interface RtmsgFields {
  family: number;
  dstLen: number;
  table: number;
  protocol: number;
  scope: number;
  type: number;
  flags: number;
}

export function encodeRtmsg(f: RtmsgFields): Buffer {
  const b = Buffer.alloc(RTMSG_LEN);
  b.writeUInt8(f.family, 0);
  b.writeUInt8(f.dstLen, 1);
  b.writeUInt8(f.table > 255 ? RT_TABLE_UNSPEC : f.table, 4);
  b.writeUInt8(f.protocol, 5);
  b.writeUInt8(f.scope, 6);
  b.writeUInt8(f.type, 7);
  b.writeUInt32LE(f.flags >>> 0, 8);
  return b;
}

/** Body of RTM_NEWROUTE (mode 'add' / 'replace') or RTM_DELROUTE ('remove'). */
export function encodeRoute(spec: RouteSpec, mode: 'add' | 'remove'): Buffer {
  const dst = parseCidr(spec.dst);
  const gw = spec.gw === undefined ? undefined : parseIp(spec.gw);
  if (gw && gw.family !== dst.family) {
    throw new KernelError('route.encode', Errno.EINVAL, `gateway ${spec.gw} is not IPv${dst.family}`, spec.dst);
  }
  const table = spec.table ?? RT_TABLE_MAIN;
  const defaultScope = mode === 'remove' ? RT_SCOPE_NOWHERE : dst.family === 4 && !gw ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  const w = new AttrWriter().raw(encodeRtmsg({
    family: familyCode(dst.family),
    dstLen: dst.prefixLen,
    table,
    protocol: mode === 'remove' ? (spec.protocol ?? 0) : (spec.protocol ?? RTPROT_BOOT),
    scope: spec.scope ?? defaultScope,
    type: mode === 'remove' ? 0 : RTN_UNICAST,
    flags: spec.onlink ? RTNH_F_ONLINK : 0,
  }));
  if (dst.prefixLen > 0) w.bytes(RTA_DST, networkBytes(dst.bytes, dst.prefixLen));
  w.u32(RTA_TABLE, table);
  if (gw) w.bytes(RTA_GATEWAY, gw.bytes);
  if (spec.oif !== undefined) w.u32(RTA_OIF, spec.oif);
  if (spec.priority !== undefined) w.u32(RTA_PRIORITY, spec.priority);
  if (spec.src !== undefined) w.bytes(RTA_PREFSRC, parseIp(spec.src).bytes);
  if (mode === 'add' && (spec.mtu !== undefined || spec.advmss !== undefined)) {
    w.nested(RTA_METRICS, (m) => {
      if (spec.mtu !== undefined) m.u32(RTAX_MTU, spec.mtu);
      if (spec.advmss !== undefined) m.u32(RTAX_ADVMSS, spec.advmss);
    });
  }
  return w.toBuffer();
}

/** RTM_NEWROUTE payload → RouteEntry, or undefined for non-IP families. */
export function decodeRoute(payload: Buffer): RouteEntry | undefined {
  if (payload.length < RTMSG_LEN) throw new NetlinkDecodeError(`rtmsg of ${payload.length} bytes`);
  const af = payload.readUInt8(0);
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const family: IpFamily = af === AF_INET ? 4 : 6;
  const attrs = new AttrSet(payload.subarray(RTMSG_LEN));
  const dstLen = payload.readUInt8(1);
  const dstBytes = attrs.bytes(RTA_DST) ?? Buffer.alloc(family === 4 ? 4 : 16);
  const route: RouteEntry = {
    family,
    dst: `${formatIp(dstBytes)}/${dstLen}`,
    scope: payload.readUInt8(6),
    table: attrs.u32(RTA_TABLE) ?? payload.readUInt8(4),
    onlink: (payload.readUInt32LE(8) & RTNH_F_ONLINK) !== 0,
    protocol: payload.readUInt8(5),
    type: payload.readUInt8(7),
  };
  const gw = attrs.bytes(RTA_GATEWAY);
  if (gw !== undefined) route.gw = formatIp(gw);
  const oif = attrs.u32(RTA_OIF);
  if (oif !== undefined) route.oif = oif;
  const priority = attrs.u32(RTA_PRIORITY);
  if (priority !== undefined) route.priority = priority;
  const src = attrs.bytes(RTA_PREFSRC);
  if (src !== undefined) route.src = formatIp(src);
  const metrics = attrs.nested(RTA_METRICS);
  const mtu = metrics?.u32(RTAX_MTU);
  if (mtu !== undefined) route.mtu = mtu;
  const advmss = metrics?.u32(RTAX_ADVMSS);
  if (advmss !== undefined) route.advmss = advmss;
  return route;
}

export function listRoutes(t: NetlinkTransport, filter: RouteFilter = {}): RouteEntry[] {
  const body = encodeRtmsg({ family: familyCode(filter.family), dstLen: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0 });
  const table = filter.table ?? RT_TABLE_MAIN;
  const out: RouteEntry[] = [];
  for (const m of t.exchange({ type: RTM_GETROUTE, flags: NLM_F_DUMP, body, op: 'route.list' })) {
    if (m.type !== RTM_NEWROUTE) continue;
    const r = decodeRoute(m.payload);
    if (!r) continue;
    if (filter.family !== undefined && r.family !== filter.family) continue;
    if (table !== 'all' && r.table !== table) continue;
    if (filter.oif !== undefined && r.oif !== filter.oif) continue;
    out.push(r);
  }
  return out;
}

/** Adds a route; EEXIST if an identical one is there. */
export function addRoute(t: NetlinkTransport, spec: RouteSpec): void {
  t.exchange({ type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_EXCL, body: encodeRoute(spec, 'add'), op: 'route.add', target: spec.dst });
}

/** Adds or replaces the route to spec.dst (same table, metric): converges. */
export function ensureRoute(t: NetlinkTransport, spec: RouteSpec): void {
  t.exchange({ type: RTM_NEWROUTE, flags: NLM_F_CREATE | NLM_F_REPLACE, body: encodeRoute(spec, 'add'), op: 'route.ensure', target: spec.dst });
}

/** Removes a route; false when no such route (or its device) was there. */
export function removeRoute(t: NetlinkTransport, spec: RouteSpec): boolean {
  try {
    t.exchange({ type: RTM_DELROUTE, flags: 0, body: encodeRoute(spec, 'remove'), op: 'route.remove', target: spec.dst });
    return true;
  } catch (err) {
    if (err instanceof KernelError && (err.errno === Errno.ESRCH || err.errno === Errno.ENODEV)) return false;
    throw err;
  }
}
