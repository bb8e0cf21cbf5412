// Links (RTM_*LINK): read them, and change one attribute at a time.
//
// Design: every change is one RTM_NEWLINK without NLM_F_CREATE on an existing
// device, as `ip link set` does. A link is named either by index or by name:
// with ifi_index 0 the kernel looks the device up by IFLA_IFNAME itself
// (rtnl_newlink / rtnl_dellink / rtnl_getlink), which saves a lookup round
// trip; only rename needs the index, since there IFLA_IFNAME is the new name.
// Replies are decoded from bytes into Link values here, never read from /sys:
// inside nsenter or after setns, /sys still shows the mounting namespace.
// Dumps ask the kernel to skip statistics (RTEXT_FILTER_SKIP_STATS), which
// are most of each message and unused here.
// Reference: include/uapi/linux/if_link.h, rtnetlink(7), net/core/rtnetlink.c.
import { Errno, KernelError } from '../kernel-error.js';
import { AttrSet, AttrWriter, NetlinkDecodeError } from './attrs.js';
import {
  IFLA_IFALIAS, AF_UNSPEC, IFF_LOWER_UP, IFF_UP, IFINFOMSG_LEN, IFLA_ADDRESS, IFLA_EXT_MASK, IFLA_IFNAME, IFLA_INFO_KIND,
  IFLA_INFO_SLAVE_KIND, IFLA_LINK, IFLA_LINKINFO, IFLA_LINK_NETNSID, IFLA_MASTER, IFLA_MTU, IFLA_NET_NS_FD,
  IFLA_OPERSTATE, NLM_F_DUMP, RTEXT_FILTER_SKIP_STATS, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK,
} from './constants.js';
import { formatMac, parseMac } from './ip-bytes.js';
import type { NetlinkMessage } from './message.js';
import type { NetlinkTransport } from './socket.js';

/** A link named by ifindex or by name. */
export type LinkRef = number | string;

export interface Link {
  index: number;
  name: string;
  /** IFF_* flags as the kernel reports them. */
  flags: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  /** Carrier present (IFF_LOWER_UP). */
  lowerUp: boolean;
  /** IF_OPER_* (RFC 2863): 6 = up, 2 = down, 0 = unknown (lo). */
  operState: number;
  mtu: number;
  /** ARPHRD_* (1 = ether, 772 = loopback). */
  type: number;
  mac?: string;
  /** IFLA_INFO_KIND: "veth", "bridge", "vxlan", ...; absent for lo and physical NICs. */
  kind?: string;
  /** IFLA_INFO_SLAVE_KIND: "bridge" for a bridge port. */
  slaveKind?: string;
  masterIndex?: number;
  /** IFLA_LINK: for a veth, the peer's ifindex (in the netns named by linkNetnsId). */
  linkIndex?: number;
  /** IFLA_LINK_NETNSID: this netns's id for the netns holding linkIndex. */
  linkNetnsId?: number;
  /** IFLA_IFALIAS: free text; Podwire records the attachment owning a host veth here. */
  alias?: string;
}

/** struct ifinfomsg: family, pad, type, index, flags, change. */
export function encodeIfinfo(index: number, flags = 0, change = 0, family = AF_UNSPEC): Buffer {
  const b = Buffer.alloc(IFINFOMSG_LEN);
  b.writeUInt8(family, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags >>> 0, 8);
  b.writeUInt32LE(change >>> 0, 12);
  return b;
}

/** RTM_NEWLINK payload → Link. Throws NetlinkDecodeError when malformed. */
export function decodeLink(payload: Buffer): Link {
  if (payload.length < IFINFOMSG_LEN) throw new NetlinkDecodeError(`ifinfomsg of ${payload.length} bytes`);
  const attrs = new AttrSet(payload.subarray(IFINFOMSG_LEN));
  const index = payload.readInt32LE(4);
  const flags = payload.readUInt32LE(8);
  const name = attrs.str(IFLA_IFNAME);
  if (name === undefined) throw new NetlinkDecodeError(`link ${index}: no IFLA_IFNAME`);
  const link: Link = {
    index,
    name,
    flags,
    up: (flags & IFF_UP) !== 0,
    lowerUp: (flags & IFF_LOWER_UP) !== 0,
    operState: attrs.u8(IFLA_OPERSTATE) ?? 0,
    mtu: attrs.u32(IFLA_MTU) ?? 0,
    type: payload.readUInt16LE(2),
  };
  const mac = attrs.bytes(IFLA_ADDRESS);
  if (mac !== undefined) link.mac = formatMac(mac);
  const info = attrs.nested(IFLA_LINKINFO);
  const kind = info?.str(IFLA_INFO_KIND);
  if (kind !== undefined) link.kind = kind;
  const slaveKind = info?.str(IFLA_INFO_SLAVE_KIND);
  if (slaveKind !== undefined) link.slaveKind = slaveKind;
  const master = attrs.u32(IFLA_MASTER);
  if (master !== undefined && master !== 0) link.masterIndex = master;
  const parent = attrs.s32(IFLA_LINK);
  if (parent !== undefined && parent !== 0 && parent !== index) link.linkIndex = parent;
  const nsid = attrs.s32(IFLA_LINK_NETNSID);
  if (nsid !== undefined && nsid >= 0) link.linkNetnsId = nsid;
  const alias = attrs.str(IFLA_IFALIAS);
  if (alias !== undefined && alias !== '') link.alias = alias;
  return link;
}

/** Header + lookup attribute for a request about an existing link. */
export function linkRequestBody(ref: LinkRef, fill?: (w: AttrWriter) => void, flags = 0, change = 0): Buffer {
  const w = new AttrWriter();
  if (typeof ref === 'number') {
    w.raw(encodeIfinfo(ref, flags, change));
  } else {
    w.raw(encodeIfinfo(0, flags, change)).str(IFLA_IFNAME, ref);
  }
  fill?.(w);
  return w.toBuffer();
}

function decodeAll(messages: NetlinkMessage[]): Link[] {
  return messages.filter((m) => m.type === RTM_NEWLINK).map((m) => decodeLink(m.payload));
}

export function listLinks(t: NetlinkTransport): Link[] {
  const body = new AttrWriter().raw(encodeIfinfo(0)).u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS).toBuffer();
  return decodeAll(t.exchange({ type: RTM_GETLINK, flags: NLM_F_DUMP, body, op: 'link.list' }));
}

/** The link, or undefined when no such device exists (ENODEV). */
export function findLink(t: NetlinkTransport, ref: LinkRef): Link | undefined {
  const body = linkRequestBody(ref, (w) => w.u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS));
  try {
    const [link] = decodeAll(t.exchange({ type: RTM_GETLINK, flags: 0, body, op: 'link.get', target: String(ref) }));
    return link;
  } catch (err) {
    if (err instanceof KernelError && err.errno === Errno.ENODEV) return undefined;
    throw err;
  }
}

/** The link; KernelError ENODEV when absent. */
export function getLink(t: NetlinkTransport, ref: LinkRef): Link {
  const link = findLink(t, ref);
  if (!link) throw new KernelError('link.get', Errno.ENODEV, 'no such device', String(ref));
  return link;
}

function modify(t: NetlinkTransport, op: string, ref: LinkRef, fill?: (w: AttrWriter) => void, flags = 0, change = 0): void {
  t.exchange({ type: RTM_NEWLINK, flags: 0, body: linkRequestBody(ref, fill, flags, change), op, target: String(ref) });
}

export function setLinkUp(t: NetlinkTransport, ref: LinkRef): void {
  modify(t, 'link.up', ref, undefined, IFF_UP, IFF_UP);
}

/** IFF_PROMISC (0x100): the reference bridge plugin's promiscMode sets it on the bridge. */
export function setLinkPromisc(t: NetlinkTransport, ref: LinkRef, on: boolean): void {
  modify(t, 'link.promisc', ref, undefined, on ? 0x100 : 0, 0x100);
}

export function setLinkDown(t: NetlinkTransport, ref: LinkRef): void {
  modify(t, 'link.down', ref, undefined, 0, IFF_UP);
}

/** Sets IFLA_IFALIAS (max 255 bytes in the kernel). */
export function setLinkAlias(t: NetlinkTransport, ref: LinkRef, alias: string): void {
  modify(t, 'link.alias', ref, (w) => w.str(IFLA_IFALIAS, alias));
}

export function setLinkMtu(t: NetlinkTransport, ref: LinkRef, mtu: number): void {
  modify(t, 'link.mtu', ref, (w) => w.u32(IFLA_MTU, mtu));
}

export function setLinkMac(t: NetlinkTransport, ref: LinkRef, mac: string): void {
  const bytes = parseMac(mac);
  modify(t, 'link.mac', ref, (w) => w.bytes(IFLA_ADDRESS, bytes));
}

/** Enslaves the link to `master` (a bridge, a VRF), or frees it with null. */
export function setLinkMaster(t: NetlinkTransport, ref: LinkRef, master: LinkRef | null): void {
  const masterIndex = master === null ? 0 : typeof master === 'number' ? master : getLink(t, master).index;
  modify(t, 'link.master', ref, (w) => w.u32(IFLA_MASTER, masterIndex));
}

/** Renames a link. Kernels before 6.x refuse (EBUSY) while it is up: bring it down first. */
export function renameLink(t: NetlinkTransport, ref: LinkRef, newName: string): void {
  const index = typeof ref === 'number' ? ref : getLink(t, ref).index;
  modify(t, 'link.rename', index, (w) => w.str(IFLA_IFNAME, newName));
}

/** Moves a link into the netns open at `netnsFd`, optionally renaming it on the way. */
export function moveLinkToNetns(t: NetlinkTransport, ref: LinkRef, netnsFd: number, newName?: string): void {
  const index = newName !== undefined && typeof ref === 'string' ? getLink(t, ref).index : ref;
  modify(t, 'link.setns', index, (w) => {
    w.u32(IFLA_NET_NS_FD, netnsFd);
    if (newName !== undefined) w.str(IFLA_IFNAME, newName);
  });
}

/** Deletes a link; false when it was already gone (absent is done). */
/** removeLink with the kernel's wait off this thread (NetlinkTransport.exchangeAsync), when the transport has it. */
export async function removeLinkAsync(t: NetlinkTransport, ref: LinkRef): Promise<boolean> {
  if (!t.exchangeAsync) return removeLink(t, ref);
  try {
    await t.exchangeAsync({ type: RTM_DELLINK, flags: 0, body: linkRequestBody(ref), op: 'link.remove', target: String(ref) });
    return true;
  } catch (err) {
    if (err instanceof KernelError && err.errno === Errno.ENODEV) return false;
    throw err;
  }
}

export function removeLink(t: NetlinkTransport, ref: LinkRef): boolean {
  try {
    t.exchange({ type: RTM_DELLINK, flags: 0, body: linkRequestBody(ref), op: 'link.remove', target: String(ref) });
    return true;
  } catch (err) {
    if (err instanceof KernelError && err.errno === Errno.ENODEV) return false;
    throw err;
  }
}
