// The forwarding database of a vxlan device (RTM_*NEIGH with AF_BRIDGE and
// NTF_SELF): which remote VTEP (underlay IP) an inner MAC lives behind.
//
// Design: with learning off, the vxlan device only knows what the agent
// tells it: one permanent entry per remote node, "VTEP MAC → node's underlay
// address", which is what flannel's vxlan backend programs and what
// `bridge fdb replace <mac> dev flannel.1 dst <ip> self permanent` sends.
// NTF_SELF routes the request to the device's own ndo_fdb_add (the vxlan
// driver) rather than to a bridge master. NLM_F_REPLACE makes ensureFdb
// converge: the vxlan driver keeps one remote per unicast MAC and replaces
// it (vxlan_fdb_update), so a node that moved to a new underlay address is
// one call. removeFdb with a dst removes that remote only; without one it
// removes the MAC's entry altogether. "No such entry" (ENOENT) and a vanished
// device (ENODEV) are done. The vxlan driver acks a delete naming a remote
// the MAC does not have (__vxlan_fdb_delete returns 0 and removes nothing),
// so with a dst the device's entries are read first and an absent remote is
// reported as false without asking. The kernel needs an ifindex here (rtnl_fdb_add,
// rtnl_fdb_del reject 0), so names are resolved by the caller. The dump
// names its port in the header's ifindex (brport_idx), which strict checking
// allows for AF_BRIDGE, and is filtered again here.
// Reference: include/uapi/linux/neighbour.h, net/core/rtnetlink.c
// (rtnl_fdb_add/del/dump), drivers/net/vxlan/vxlan_core.c (vxlan_fdb_add,
// vxlan_fdb_delete, vxlan_fdb_info), bridge(8).
import { Errno, KernelError } from '../kernel-error.js';
import { AttrWriter } from './attrs.js';
import {
  AF_BRIDGE, NDA_DST, NDA_LLADDR, NDA_MASTER, NDA_PORT, NDA_VLAN, NDA_VNI, NLM_F_CREATE, NLM_F_DUMP, NLM_F_REPLACE,
  NTF_MASTER, NTF_SELF, NUD_PERMANENT, RTM_DELNEIGH, RTM_GETNEIGH, RTM_NEWNEIGH,
} from './constants.js';
import { formatIp, formatMac, parseIp, parseMac } from './ip-bytes.js';
import { decodeNdmsg, encodeNdmsg } from './neigh-msg.js';
import type { NetlinkTransport } from './socket.js';

export interface FdbEntry {
  /** ifindex of the device (vxlan) or bridge port the entry belongs to. */
  index: number;
  mac: string;
  /** NDA_DST: the remote VTEP's underlay address (vxlan entries). */
  dst?: string;
  vlan?: number;
  /** NDA_PORT: a UDP port other than the device's (vxlan). */
  port?: number;
  /** NDA_VNI: a VNI other than the device's (vxlan). */
  vni?: number;
  /** NDA_MASTER: the bridge, for entries of a bridge port. */
  masterIndex?: number;
  /** NUD_* bits. */
  state: number;
  /** NTF_* bits. */
  flags: number;
  /** NTF_SELF: the device's own table (vxlan), not its bridge master's. */
  self: boolean;
  /** NTF_MASTER: the bridge master's table. */
  master: boolean;
  permanent: boolean;
}

export interface FdbSpec {
  /** ifindex of the vxlan device. */
  index: number;
  mac: string;
  /** Remote VTEP underlay address. */
  dst: string;
}

export interface FdbRemoval {
  index: number;
  mac: string;
  /** Only this remote; without it, the MAC's whole entry. */
  dst?: string;
}

function body(index: number, mac: string, dst: string | undefined): Buffer {
  const w = new AttrWriter()
    .raw(encodeNdmsg({ family: AF_BRIDGE, index, state: NUD_PERMANENT, flags: NTF_SELF, type: 0 }))
    .bytes(NDA_LLADDR, parseMac(mac));
  if (dst !== undefined) w.bytes(NDA_DST, parseIp(dst).bytes);
  return w.toBuffer();
}

/** Body of RTM_NEWNEIGH for a permanent vxlan FDB entry. */
export function encodeFdb(spec: FdbSpec): Buffer {
  return body(spec.index, spec.mac, spec.dst);
}

/** Body of RTM_DELNEIGH. */
export function encodeFdbRemoval(spec: FdbRemoval): Buffer {
  return body(spec.index, spec.mac, spec.dst);
}

/** Body of the AF_BRIDGE RTM_GETNEIGH dump, optionally for one port. */
export function encodeFdbDump(index = 0): Buffer {
  return encodeNdmsg({ family: AF_BRIDGE, index, state: 0, flags: 0, type: 0 });
}

/** RTM_NEWNEIGH payload → FdbEntry, or undefined for ARP/NDP entries. */
export function decodeFdb(payload: Buffer): FdbEntry | undefined {
  const m = decodeNdmsg(payload);
  if (m.family !== AF_BRIDGE) return undefined;
  const lladdr = m.attrs.bytes(NDA_LLADDR);
  if (lladdr === undefined) return undefined;
  const e: FdbEntry = {
    index: m.index,
    mac: formatMac(lladdr),
    state: m.state,
    flags: m.flags,
    self: (m.flags & NTF_SELF) !== 0,
    master: (m.flags & NTF_MASTER) !== 0,
    permanent: (m.state & NUD_PERMANENT) !== 0,
  };
  const dst = m.attrs.bytes(NDA_DST);
  if (dst !== undefined) e.dst = formatIp(dst);
  const vlan = m.attrs.u16(NDA_VLAN);
  if (vlan !== undefined) e.vlan = vlan;
  const port = m.attrs.bytes(NDA_PORT);
  if (port !== undefined && port.length >= 2) e.port = port.readUInt16BE(0); // __be16
  const vni = m.attrs.u32(NDA_VNI);
  if (vni !== undefined) e.vni = vni;
  const master = m.attrs.u32(NDA_MASTER);
  if (master !== undefined && master !== 0) e.masterIndex = master;
  return e;
}

export function listFdb(t: NetlinkTransport, filter: { index?: number } = {}): FdbEntry[] {
  const out: FdbEntry[] = [];
  for (const m of t.exchange({ type: RTM_GETNEIGH, flags: NLM_F_DUMP, body: encodeFdbDump(filter.index), op: 'fdb.list' })) {
    if (m.type !== RTM_NEWNEIGH) continue;
    const e = decodeFdb(m.payload);
    if (!e) continue;
    if (filter.index !== undefined && e.index !== filter.index) continue;
    out.push(e);
  }
  return out;
}

/** Adds or replaces the permanent entry "mac is behind dst": converges. */
export function ensureFdb(t: NetlinkTransport, spec: FdbSpec): void {
  t.exchange({
    type: RTM_NEWNEIGH, flags: NLM_F_CREATE | NLM_F_REPLACE, body: encodeFdb(spec),
    op: 'fdb.ensure', target: `${spec.mac} dst ${spec.dst} on ${spec.index}`,
  });
}

/** Removes the entry (or only its remote `dst`); false when already gone. */
export function removeFdb(t: NetlinkTransport, spec: FdbRemoval): boolean {
  const target = `${spec.mac}${spec.dst === undefined ? '' : ` dst ${spec.dst}`} on ${spec.index}`;
  if (spec.dst !== undefined) {
    const mac = formatMac(parseMac(spec.mac));
    const dst = formatIp(parseIp(spec.dst).bytes);
    if (!listFdb(t, { index: spec.index }).some((e) => e.mac === mac && e.dst === dst)) return false;
  }
  try {
    t.exchange({ type: RTM_DELNEIGH, flags: 0, body: encodeFdbRemoval(spec), op: 'fdb.remove', target });
    return true;
  } catch (err) {
    if (err instanceof KernelError && (err.errno === Errno.ENOENT || err.errno === Errno.ENODEV)) return false;
    throw err;
  }
}
