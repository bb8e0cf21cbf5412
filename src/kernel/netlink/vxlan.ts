// VXLAN devices (RTM_NEWLINK, IFLA_INFO_KIND "vxlan"): create one, read its
// configuration back, and converge an existing one onto a spec.
//
// Design: the device is what flannel's vxlan backend builds: one VNI, a
// fixed underlay source address (IFLA_VXLAN_LOCAL or LOCAL6, whose family
// decides IPv4 or IPv6 encapsulation) bound to the underlay device
// (IFLA_VXLAN_LINK), learning off (the agent programs the FDB and the
// neighbours itself, so nothing is flooded or learnt), and no group or
// remote: a frame whose MAC has no FDB entry is dropped. The destination
// port is __be16 on the wire (nla_get_be16), the one big-endian attribute
// here; it defaults to the IANA port 4789, not the kernel's legacy 8472.
// Checksums: IPv4 outer UDP checksum on (the kernel default, which flannel
// keeps), IPv6 zero-checksum TX/RX off (RFC 6935 makes zero checksums over
// IPv6 opt-in), all sent explicitly so the device does not depend on a
// kernel default. Creation is NLM_F_CREATE|NLM_F_EXCL (EEXIST when taken).
// ensureVxlan compares what the kernel reports with the spec: the identity
// of the tunnel (VNI, local, port, underlay device, learning, checksum) is
// not all changeable in place (vxlan_nl2conf refuses a new VNI, port or
// UDP_CSUM on changelink), so a mismatch deletes and recreates the device,
// as flannel does, and reports the fields that differed; MTU and MAC
// are set in place; a device of that name that is not a vxlan is someone
// else's and is refused (EEXIST) rather than deleted. A replaced device has
// lost its addresses, routes, neighbours and FDB: the caller reprograms them.
// Reference: include/uapi/linux/if_link.h (IFLA_VXLAN_*),
// drivers/net/vxlan/vxlan_core.c (vxlan_nl2conf, vxlan_fill_info), RFC 7348.
import { Errno, KernelError } from '../kernel-error.js';
import { AttrSet, AttrWriter } from './attrs.js';
import {
  IFINFOMSG_LEN, IFLA_ADDRESS, IFLA_EXT_MASK, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_MTU,
  IFLA_VXLAN_AGEING, IFLA_VXLAN_COLLECT_METADATA, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, IFLA_VXLAN_ID,
  IFLA_VXLAN_L2MISS, IFLA_VXLAN_L3MISS, IFLA_VXLAN_LEARNING, IFLA_VXLAN_LINK, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6,
  IFLA_VXLAN_PORT, IFLA_VXLAN_PROXY, IFLA_VXLAN_TOS, IFLA_VXLAN_TTL, IFLA_VXLAN_UDP_CSUM,
  IFLA_VXLAN_UDP_ZERO_CSUM6_RX, IFLA_VXLAN_UDP_ZERO_CSUM6_TX, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL,
  RTEXT_FILTER_SKIP_STATS, RTM_GETLINK, RTM_NEWLINK, VXLAN_VNI_MAX,
} from './constants.js';
import { formatIp, parseIp, parseMac } from './ip-bytes.js';
import {
  decodeLink, encodeIfinfo, linkRequestBody, removeLink, setLinkMac, setLinkMtu, type Link, type LinkRef,
} from './links.js';
import type { NetlinkTransport } from './socket.js';

export const VXLAN_DEFAULT_PORT = 4789;

export interface VxlanSpec {
  name: string;
  /** VXLAN network identifier, 0-16777215. */
  vni: number;
  /** Underlay source address (IPv4 or IPv6); its family is the encapsulation's. */
  local: string;
  /** Underlay device ifindex (IFLA_VXLAN_LINK). */
  dev?: number;
  /** Destination UDP port; default 4789. */
  dstPort?: number;
  /** Learn remote MACs from received frames; default false (the agent programs the FDB). */
  learning?: boolean;
  /** Outer UDP checksum over IPv4; default true, the kernel's and flannel's choice. */
  udpCsum?: boolean;
  mtu?: number;
  mac?: string;
}

/** The vxlan part of a link, as the kernel reports it (IFLA_INFO_DATA). */
export interface VxlanInfo {
  vni: number;
  local?: string;
  /** Multicast group or unicast default remote; Podwire sets none. */
  group?: string;
  /** Underlay ifindex (IFLA_VXLAN_LINK), when bound. */
  linkIndex?: number;
  port: number;
  learning: boolean;
  udpCsum: boolean;
  udp6ZeroCsumTx: boolean;
  udp6ZeroCsumRx: boolean;
  ttl: number;
  tos: number;
  ageing?: number;
  proxy: boolean;
  l2miss: boolean;
  l3miss: boolean;
  /** External control (flow-based) mode, as Cilium and OVS use it. */
  collectMetadata: boolean;
}

export type VxlanLink = Link & { vxlan: VxlanInfo };

export interface VxlanEnsureResult {
  action: 'created' | 'unchanged' | 'updated' | 'replaced';
  /** Fields that differed: spec names ("vni", "local", "mtu"...). */
  changed: string[];
}

function invalid(spec: VxlanSpec, problem: string): KernelError {
  return new KernelError('link.create-vxlan', Errno.EINVAL, problem, spec.name);
}

/** Throws KernelError EINVAL for a spec the kernel would refuse or misread. */
export function validateVxlanSpec(spec: VxlanSpec): void {
  if (!Number.isInteger(spec.vni) || spec.vni < 0 || spec.vni > VXLAN_VNI_MAX) throw invalid(spec, `vni ${spec.vni} is not 0-${VXLAN_VNI_MAX}`);
  const port = spec.dstPort ?? VXLAN_DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 0xffff) throw invalid(spec, `dstPort ${port} is not 1-65535`);
  parseIp(spec.local);
  if (spec.mac !== undefined) parseMac(spec.mac);
}

export function encodeVxlan(spec: VxlanSpec): Buffer {
  validateVxlanSpec(spec);
  const local = parseIp(spec.local);
  const port = Buffer.alloc(2);
  port.writeUInt16BE(spec.dstPort ?? VXLAN_DEFAULT_PORT, 0);
  const w = new AttrWriter().raw(encodeIfinfo(0)).str(IFLA_IFNAME, spec.name);
  if (spec.mtu !== undefined) w.u32(IFLA_MTU, spec.mtu);
  if (spec.mac !== undefined) w.bytes(IFLA_ADDRESS, parseMac(spec.mac));
  w.nested(IFLA_LINKINFO, (info) => {
    info.str(IFLA_INFO_KIND, 'vxlan');
    info.nested(IFLA_INFO_DATA, (d) => {
      d.u32(IFLA_VXLAN_ID, spec.vni);
      if (spec.dev !== undefined) d.u32(IFLA_VXLAN_LINK, spec.dev);
      d.bytes(local.family === 4 ? IFLA_VXLAN_LOCAL : IFLA_VXLAN_LOCAL6, local.bytes);
      d.u8(IFLA_VXLAN_LEARNING, spec.learning === true ? 1 : 0);
      d.bytes(IFLA_VXLAN_PORT, port);
      d.u8(IFLA_VXLAN_UDP_CSUM, spec.udpCsum === false ? 0 : 1);
      d.u8(IFLA_VXLAN_UDP_ZERO_CSUM6_TX, 0);
      d.u8(IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 0);
    });
  });
  return w.toBuffer();
}

const flag = (a: AttrSet, type: number): boolean => (a.u8(type) ?? 0) !== 0;

/** The vxlan configuration of an RTM_NEWLINK payload; undefined when the link is not a vxlan. */
export function decodeVxlanInfo(payload: Buffer): VxlanInfo | undefined {
  const info = new AttrSet(payload.subarray(IFINFOMSG_LEN)).nested(IFLA_LINKINFO);
  if (info?.str(IFLA_INFO_KIND) !== 'vxlan') return undefined;
  const d = info.nested(IFLA_INFO_DATA) ?? new AttrSet(Buffer.alloc(0));
  const port = d.bytes(IFLA_VXLAN_PORT);
  const out: VxlanInfo = {
    vni: d.u32(IFLA_VXLAN_ID) ?? 0,
    port: port !== undefined && port.length >= 2 ? port.readUInt16BE(0) : 0,
    learning: flag(d, IFLA_VXLAN_LEARNING),
    udpCsum: flag(d, IFLA_VXLAN_UDP_CSUM),
    udp6ZeroCsumTx: flag(d, IFLA_VXLAN_UDP_ZERO_CSUM6_TX),
    udp6ZeroCsumRx: flag(d, IFLA_VXLAN_UDP_ZERO_CSUM6_RX),
    ttl: d.u8(IFLA_VXLAN_TTL) ?? 0,
    tos: d.u8(IFLA_VXLAN_TOS) ?? 0,
    proxy: flag(d, IFLA_VXLAN_PROXY),
    l2miss: flag(d, IFLA_VXLAN_L2MISS),
    l3miss: flag(d, IFLA_VXLAN_L3MISS),
    collectMetadata: flag(d, IFLA_VXLAN_COLLECT_METADATA),
  };
  const local = d.bytes(IFLA_VXLAN_LOCAL) ?? d.bytes(IFLA_VXLAN_LOCAL6);
  if (local !== undefined) out.local = formatIp(local);
  const group = d.bytes(IFLA_VXLAN_GROUP) ?? d.bytes(IFLA_VXLAN_GROUP6);
  if (group !== undefined) out.group = formatIp(group);
  const link = d.u32(IFLA_VXLAN_LINK);
  if (link !== undefined && link !== 0) out.linkIndex = link;
  const ageing = d.u32(IFLA_VXLAN_AGEING);
  if (ageing !== undefined) out.ageing = ageing;
  return out;
}

/** Spec fields the existing tunnel differs in and that need a new device; [] when it is the same tunnel. */
export function vxlanMismatches(spec: VxlanSpec, info: VxlanInfo): string[] {
  const out: string[] = [];
  if (info.vni !== spec.vni) out.push('vni');
  if (info.local !== formatIp(parseIp(spec.local).bytes)) out.push('local');
  if (info.port !== (spec.dstPort ?? VXLAN_DEFAULT_PORT)) out.push('dstPort');
  if (info.linkIndex !== spec.dev) out.push('dev');
  if (info.learning !== (spec.learning === true)) out.push('learning');
  if (info.udpCsum !== (spec.udpCsum !== false)) out.push('udpCsum');
  if (info.group !== undefined) out.push('group');
  if (info.collectMetadata) out.push('collectMetadata');
  return out;
}

/** Creates a vxlan device (down, like `ip link add`); EEXIST if the name is taken. */
export function createVxlan(t: NetlinkTransport, spec: VxlanSpec): void {
  t.exchange({ type: RTM_NEWLINK, flags: NLM_F_CREATE | NLM_F_EXCL, body: encodeVxlan(spec), op: 'link.create-vxlan', target: spec.name });
}

function decodeVxlanLink(payload: Buffer): { link: Link; vxlan: VxlanInfo | undefined } {
  return { link: decodeLink(payload), vxlan: decodeVxlanInfo(payload) };
}

/** The link and its vxlan configuration (undefined for another kind), or undefined when absent. */
function lookup(t: NetlinkTransport, ref: LinkRef, op: string): { link: Link; vxlan: VxlanInfo | undefined } | undefined {
  const body = linkRequestBody(ref, (w) => w.u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS));
  try {
    const msg = t.exchange({ type: RTM_GETLINK, flags: 0, body, op, target: String(ref) }).find((m) => m.type === RTM_NEWLINK);
    return msg === undefined ? undefined : decodeVxlanLink(msg.payload);
  } catch (err) {
    if (err instanceof KernelError && err.errno === Errno.ENODEV) return undefined;
    throw err;
  }
}

/** The vxlan device, or undefined when there is none of that name or it is another kind (findLink tells which). */
export function findVxlan(t: NetlinkTransport, ref: LinkRef): VxlanLink | undefined {
  const found = lookup(t, ref, 'link.get');
  return found?.vxlan === undefined ? undefined : { ...found.link, vxlan: found.vxlan };
}

/** Every vxlan device in the namespace. */
export function listVxlans(t: NetlinkTransport): VxlanLink[] {
  const body = new AttrWriter().raw(encodeIfinfo(0)).u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS).toBuffer();
  const out: VxlanLink[] = [];
  for (const m of t.exchange({ type: RTM_GETLINK, flags: NLM_F_DUMP, body, op: 'link.list' })) {
    if (m.type !== RTM_NEWLINK) continue;
    const { link, vxlan } = decodeVxlanLink(m.payload);
    if (vxlan !== undefined) out.push({ ...link, vxlan });
  }
  return out;
}

/** Converges the device named spec.name onto spec (see the design note). */
export function ensureVxlan(t: NetlinkTransport, spec: VxlanSpec): VxlanEnsureResult {
  validateVxlanSpec(spec);
  const found = lookup(t, spec.name, 'link.ensure-vxlan');
  if (found === undefined) {
    createVxlan(t, spec);
    return { action: 'created', changed: [] };
  }
  if (found.vxlan === undefined) {
    throw new KernelError('link.ensure-vxlan', Errno.EEXIST, `exists and is a ${found.link.kind ?? 'device'} of another kind, not vxlan`, spec.name);
  }
  const identity = vxlanMismatches(spec, found.vxlan);
  if (identity.length > 0) {
    removeLink(t, found.link.index);
    createVxlan(t, spec);
    return { action: 'replaced', changed: identity };
  }
  const changed: string[] = [];
  if (spec.mtu !== undefined && found.link.mtu !== spec.mtu) {
    setLinkMtu(t, found.link.index, spec.mtu);
    changed.push('mtu');
  }
  if (spec.mac !== undefined && found.link.mac !== spec.mac.toLowerCase()) {
    setLinkMac(t, found.link.index, spec.mac);
    changed.push('mac');
  }
  return { action: changed.length > 0 ? 'updated' : 'unchanged', changed };
}
