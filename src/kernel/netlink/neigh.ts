// The neighbour table (RTM_*NEIGH, AF_INET = ARP, AF_INET6 = NDP).
//
// Design: the overlay agent pins the remote VTEP's MAC for each remote
// node's gateway address on the vxlan device, so the kernel never needs to
// ARP/NDP across the overlay (flannel's vxlan backend does the same; with
// learning off nothing else would answer). ensureNeighbour is one
// RTM_NEWNEIGH with NLM_F_CREATE|NLM_F_REPLACE, the request `ip neigh
// replace ... nud permanent` sends: it converges whatever entry was there
// (stale, failed, another MAC) and repeating it changes nothing. ndm_type is
// RTN_UNICAST, as flannel sets it. removeNeighbour treats "no such entry"
// (ENOENT) and a vanished device (ENODEV) as done. Listing returns every
// entry, NOARP ones (multicast mappings) included, which `ip neigh` hides
// unless asked for `nud all`; callers filter on `state`. The dump names its
// device with NDA_IFINDEX (the header's ifindex must stay 0 under strict
// checking) and is filtered again here for kernels that ignore it.
// Reference: include/uapi/linux/neighbour.h, net/core/neighbour.c
// (neigh_add, neigh_delete, neigh_valid_dump_req), rtnetlink(7).
import { Errno, KernelError } from '../kernel-error.js';
import { AttrWriter } from './attrs.js';
import {
  AF_INET, AF_INET6, AF_UNSPEC, NDA_DST, NDA_IFINDEX, NDA_LLADDR, NLM_F_CREATE, NLM_F_DUMP, NLM_F_REPLACE,
  NTF_ROUTER, NUD_PERMANENT, NUD_REACHABLE, RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH, RTN_UNICAST,
} from './constants.js';
import { formatIp, formatMac, parseIp, parseMac, type IpFamily } from './ip-bytes.js';
import { decodeNdmsg, encodeNdmsg, nudStateNames } from './neigh-msg.js';
import type { NetlinkTransport } from './socket.js';

export interface Neighbour {
  family: IpFamily;
  /** ifindex of the device the entry lives on. */
  index: number;
  ip: string;
  /** Absent while unresolved (INCOMPLETE, FAILED). */
  mac?: string;
  /** NUD_* bits. */
  state: number;
  /** The state bits by name, as `ip -j neigh` prints them: ["PERMANENT"]. */
  states: string[];
  /** NTF_* bits. */
  flags: number;
  permanent: boolean;
  /** NTF_ROUTER: an IPv6 neighbour that advertised itself as a router. */
  router: boolean;
}

export interface NeighbourFilter {
  family?: IpFamily;
  /** Only entries on this ifindex. */
  index?: number;
}

export interface NeighbourSpec {
  /** ifindex of the device. */
  index: number;
  ip: string;
  mac: string;
  /** NUD_PERMANENT (default), or NUD_REACHABLE: a dynamic entry the kernel may age out. */
  permanent?: boolean;
}

const familyCode = (f: IpFamily | undefined): number => (f === 4 ? AF_INET : f === 6 ? AF_INET6 : AF_UNSPEC);

/** Body of RTM_NEWNEIGH (ensure) for an ARP/NDP entry. */
export function encodeNeighbour(spec: NeighbourSpec): Buffer {
  const ip = parseIp(spec.ip);
  const mac = parseMac(spec.mac);
  const state = spec.permanent === false ? NUD_REACHABLE : NUD_PERMANENT;
  return new AttrWriter()
    .raw(encodeNdmsg({ family: familyCode(ip.family), index: spec.index, state, flags: 0, type: RTN_UNICAST }))
    .bytes(NDA_DST, ip.bytes)
    .bytes(NDA_LLADDR, mac)
    .toBuffer();
}

/** Body of RTM_DELNEIGH: the entry is keyed by device and address only. */
export function encodeNeighbourRemoval(index: number, ipText: string): Buffer {
  const ip = parseIp(ipText);
  return new AttrWriter()
    .raw(encodeNdmsg({ family: familyCode(ip.family), index, state: 0, flags: 0, type: 0 }))
    .bytes(NDA_DST, ip.bytes)
    .toBuffer();
}

/** Body of the RTM_GETNEIGH dump. */
export function encodeNeighbourDump(filter: NeighbourFilter = {}): Buffer {
  const w = new AttrWriter().raw(encodeNdmsg({ family: familyCode(filter.family), index: 0, state: 0, flags: 0, type: 0 }));
  if (filter.index !== undefined) w.u32(NDA_IFINDEX, filter.index);
  return w.toBuffer();
}

/** RTM_NEWNEIGH payload → Neighbour, or undefined for other families (AF_BRIDGE FDB) or entries without an address. */
export function decodeNeighbour(payload: Buffer): Neighbour | undefined {
  const m = decodeNdmsg(payload);
  if (m.family !== AF_INET && m.family !== AF_INET6) return undefined;
  const dst = m.attrs.bytes(NDA_DST);
  if (dst === undefined) return undefined;
  const n: Neighbour = {
    family: m.family === AF_INET ? 4 : 6,
    index: m.index,
    ip: formatIp(dst),
    state: m.state,
    states: nudStateNames(m.state),
    flags: m.flags,
    permanent: (m.state & NUD_PERMANENT) !== 0,
    router: (m.flags & NTF_ROUTER) !== 0,
  };
  const lladdr = m.attrs.bytes(NDA_LLADDR);
  if (lladdr !== undefined && lladdr.length > 0) n.mac = formatMac(lladdr);
  return n;
}

export function listNeighbours(t: NetlinkTransport, filter: NeighbourFilter = {}): Neighbour[] {
  const out: Neighbour[] = [];
  for (const m of t.exchange({ type: RTM_GETNEIGH, flags: NLM_F_DUMP, body: encodeNeighbourDump(filter), op: 'neigh.list' })) {
    if (m.type !== RTM_NEWNEIGH) continue;
    const n = decodeNeighbour(m.payload);
    if (!n) continue;
    if (filter.family !== undefined && n.family !== filter.family) continue;
    if (filter.index !== undefined && n.index !== filter.index) continue;
    out.push(n);
  }
  return out;
}

/** Adds or replaces the entry for spec.ip on the device: converges. */
export function ensureNeighbour(t: NetlinkTransport, spec: NeighbourSpec): void {
  t.exchange({
    type: RTM_NEWNEIGH, flags: NLM_F_CREATE | NLM_F_REPLACE, body: encodeNeighbour(spec),
    op: 'neigh.ensure', target: `${spec.ip} on ${spec.index}`,
  });
}

/** Removes the entry; false when it (or its device) was already gone. */
export function removeNeighbour(t: NetlinkTransport, index: number, ip: string): boolean {
  try {
    t.exchange({ type: RTM_DELNEIGH, flags: 0, body: encodeNeighbourRemoval(index, ip), op: 'neigh.remove', target: `${ip} on ${index}` });
    return true;
  } catch (err) {
    if (err instanceof KernelError && (err.errno === Errno.ENOENT || err.errno === Errno.ENODEV)) return false;
    throw err;
  }
}
