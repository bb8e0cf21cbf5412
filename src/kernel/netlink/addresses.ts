// Interface addresses (RTM_*ADDR), IPv4 and IPv6.
//
// Design: addresses are addressed by ifindex (struct ifaddrmsg has no name),
// so callers with a name resolve it first (NetlinkHandle does). addAddress
// uses NLM_F_CREATE|NLM_F_EXCL and fails with EEXIST; removeAddress treats
// "not there" (EADDRNOTAVAIL, or the device itself gone: ENODEV) as done.
// IPv4 addresses get a directed broadcast by default for prefixes up to /30,
// as the reference plugins do through vishvananda/netlink, so `ip addr`
// looks the same whichever plugin configured the pod. IFA_F_NODAD (skip IPv6
// duplicate address detection, so the address is usable at once instead of
// "tentative" for ~1 s) is sent both in the u8 ifa_flags and in IFA_FLAGS,
// which newer kernels prefer. Listing uses a filtered dump (NETLINK_GET_STRICT_CHK
// honours ifa_index) and filters again here for kernels that ignore it.
// Reference: include/uapi/linux/if_addr.h, net/ipv4/devinet.c, net/ipv6/addrconf.c.
import { Errno, KernelError } from '../kernel-error.js';
import { AttrSet, AttrWriter, NetlinkDecodeError } from './attrs.js';
import {
  AF_INET, AF_INET6, AF_UNSPEC, IFADDRMSG_LEN, IFA_ADDRESS, IFA_BROADCAST, IFA_FLAGS, IFA_F_NODAD, IFA_LABEL,
  IFA_LOCAL, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, RTM_DELADDR, RTM_GETADDR, RTM_NEWADDR, RT_SCOPE_UNIVERSE,
} from './constants.js';
import { broadcastBytes, formatIp, parseCidr, parseIp, type IpFamily } from './ip-bytes.js';
import type { NetlinkTransport } from './socket.js';

export interface Address {
  index: number;
  family: IpFamily;
  /** The interface's own address, without prefix: "10.0.0.2", "fd00::2". */
  address: string;
  prefixLen: number;
  /** address/prefixLen, the form CNI results use. */
  cidr: string;
  /** RT_SCOPE_*: 0 universe, 253 link, 254 host. */
  scope: number;
  /** IFA_F_* (IFA_FLAGS when present, else the u8 ifa_flags). */
  flags: number;
  label?: string;
  /** IPv4 point-to-point peer, when it differs from the local address. */
  peer?: string;
  broadcast?: string;
}

export interface AddressSpec {
  /** "10.0.0.2/24", "fd00::2/64". */
  cidr: string;
  /** IPv6: skip duplicate address detection. */
  noDad?: boolean;
  scope?: number;
  /** IPv4 broadcast: omitted = computed for prefixes <= 30, false = none. */
  broadcast?: string | false;
  /** IPv4 label (eth0:1 style). */
  label?: string;
}

export interface AddressFilter {
  index?: number;
  family?: IpFamily;
}

const familyCode = (f: IpFamily | undefined): number => (f === 4 ? AF_INET : f === 6 ? AF_INET6 : AF_UNSPEC);

export function encodeIfaddr(family: number, prefixLen: number, flags: number, scope: number, index: number): Buffer {
  const b = Buffer.alloc(IFADDRMSG_LEN);
  b.writeUInt8(family, 0);
  b.writeUInt8(prefixLen, 1);
  b.writeUInt8(flags & 0xff, 2);
  b.writeUInt8(scope, 3);
  b.writeUInt32LE(index, 4);
  return b;
}

export function encodeAddAddress(index: number, spec: AddressSpec): Buffer {
  const { family, bytes, prefixLen } = parseCidr(spec.cidr);
  const flags = spec.noDad ? IFA_F_NODAD : 0;
  const w = new AttrWriter()
    .raw(encodeIfaddr(familyCode(family), prefixLen, flags, spec.scope ?? RT_SCOPE_UNIVERSE, index))
    .bytes(IFA_LOCAL, bytes)
    .bytes(IFA_ADDRESS, bytes);
  if (family === 4) {
    if (typeof spec.broadcast === 'string') w.bytes(IFA_BROADCAST, parseIp(spec.broadcast).bytes);
    else if (spec.broadcast === undefined && prefixLen <= 30) w.bytes(IFA_BROADCAST, broadcastBytes(bytes, prefixLen));
    if (spec.label !== undefined) w.str(IFA_LABEL, spec.label);
  }
  if (flags) w.u32(IFA_FLAGS, flags);
  return w.toBuffer();
}

/** RTM_NEWADDR payload → Address, or undefined for families other than IPv4/IPv6. */
export function decodeAddress(payload: Buffer): Address | undefined {
  if (payload.length < IFADDRMSG_LEN) throw new NetlinkDecodeError(`ifaddrmsg of ${payload.length} bytes`);
  const af = payload.readUInt8(0);
  if (af !== AF_INET && af !== AF_INET6) return undefined;
  const attrs = new AttrSet(payload.subarray(IFADDRMSG_LEN));
  const local = attrs.bytes(IFA_LOCAL);
  const addr = attrs.bytes(IFA_ADDRESS);
  const own = af === AF_INET ? (local ?? addr) : (addr ?? local);
  const index = payload.readUInt32LE(4);
  if (own === undefined) throw new NetlinkDecodeError(`address on link ${index}: neither IFA_LOCAL nor IFA_ADDRESS`);
  const address = formatIp(own);
  const prefixLen = payload.readUInt8(1);
  const out: Address = {
    index,
    family: af === AF_INET ? 4 : 6,
    address,
    prefixLen,
    cidr: `${address}/${prefixLen}`,
    scope: payload.readUInt8(3),
    flags: attrs.u32(IFA_FLAGS) ?? payload.readUInt8(2),
  };
  const label = attrs.str(IFA_LABEL);
  if (label !== undefined) out.label = label;
  if (af === AF_INET && local && addr && !local.equals(addr)) out.peer = formatIp(addr);
  const brd = attrs.bytes(IFA_BROADCAST);
  if (brd !== undefined) out.broadcast = formatIp(brd);
  return out;
}

export function listAddresses(t: NetlinkTransport, filter: AddressFilter = {}): Address[] {
  const body = encodeIfaddr(familyCode(filter.family), 0, 0, 0, filter.index ?? 0);
  const replies = t.exchange({ type: RTM_GETADDR, flags: NLM_F_DUMP, body, op: 'addr.list' });
  const out: Address[] = [];
  for (const m of replies) {
    if (m.type !== RTM_NEWADDR) continue;
    const a = decodeAddress(m.payload);
    if (!a) continue;
    if (filter.index !== undefined && a.index !== filter.index) continue;
    if (filter.family !== undefined && a.family !== filter.family) continue;
    out.push(a);
  }
  return out;
}

/** Adds an address to link `index`; EEXIST if it is already there. */
export function addAddress(t: NetlinkTransport, index: number, spec: AddressSpec): void {
  t.exchange({ type: RTM_NEWADDR, flags: NLM_F_CREATE | NLM_F_EXCL, body: encodeAddAddress(index, spec), op: 'addr.add', target: `${spec.cidr} on ${index}` });
}

/** Removes an address; false when it (or its link) was already gone. */
export function removeAddress(t: NetlinkTransport, index: number, cidr: string): boolean {
  const { family, bytes, prefixLen } = parseCidr(cidr);
  const body = new AttrWriter()
    .raw(encodeIfaddr(familyCode(family), prefixLen, 0, 0, index))
    .bytes(IFA_LOCAL, bytes)
    .bytes(IFA_ADDRESS, bytes)
    .toBuffer();
  try {
    t.exchange({ type: RTM_DELADDR, flags: 0, body, op: 'addr.remove', target: `${cidr} on ${index}` });
    return true;
  } catch (err) {
    if (err instanceof KernelError && (err.errno === Errno.EADDRNOTAVAIL || err.errno === Errno.ENODEV)) return false;
    throw err;
  }
}
