// struct ndmsg, the fixed header of every RTM_*NEIGH message, shared by the
// neighbour table (neigh.ts: AF_INET ARP, AF_INET6 NDP) and the bridge
// forwarding database (fdb.ts: AF_BRIDGE), which the kernel multiplexes onto
// the same message types by ndm_family.
//
// Layout (linux/neighbour.h): u8 family, u8 pad1, u16 pad2, s32 ifindex,
// u16 state (NUD_*), u8 flags (NTF_*), u8 type (RTN_*), then NDA_*
// attributes. Pure: bytes in, values out; a short header throws
// NetlinkDecodeError. Dump requests keep every header field but the family
// (and, for FDB, the ifindex) zero, because with NETLINK_GET_STRICT_CHK the
// kernel rejects anything else (neigh_valid_dump_req, valid_fdb_dump_strict).
import { AttrSet, NetlinkDecodeError } from './attrs.js';
import {
  NDMSG_LEN, NUD_DELAY, NUD_FAILED, NUD_INCOMPLETE, NUD_NOARP, NUD_PERMANENT, NUD_PROBE, NUD_REACHABLE, NUD_STALE,
} from './constants.js';

export interface NdmsgFields {
  family: number;
  index: number;
  /** NUD_* bits. */
  state: number;
  /** NTF_* bits. */
  flags: number;
  /** RTN_* (1 unicast); 0 leaves it to the kernel. */
  type: number;
}

export interface NeighMessage extends NdmsgFields {
  attrs: AttrSet;
}

export function encodeNdmsg(f: NdmsgFields): Buffer {
  const b = Buffer.alloc(NDMSG_LEN);
  b.writeUInt8(f.family, 0);
  b.writeInt32LE(f.index, 4);
  b.writeUInt16LE(f.state, 8);
  b.writeUInt8(f.flags, 10);
  b.writeUInt8(f.type, 11);
  return b;
}

/** RTM_NEWNEIGH payload → header fields and attributes. */
export function decodeNdmsg(payload: Buffer): NeighMessage {
  if (payload.length < NDMSG_LEN) throw new NetlinkDecodeError(`ndmsg of ${payload.length} bytes`);
  return {
    family: payload.readUInt8(0),
    index: payload.readInt32LE(4),
    state: payload.readUInt16LE(8),
    flags: payload.readUInt8(10),
    type: payload.readUInt8(11),
    attrs: new AttrSet(payload.subarray(NDMSG_LEN)),
  };
}

const NUD_NAMES: ReadonlyArray<readonly [number, string]> = [
  [NUD_INCOMPLETE, 'INCOMPLETE'], [NUD_REACHABLE, 'REACHABLE'], [NUD_STALE, 'STALE'], [NUD_DELAY, 'DELAY'],
  [NUD_PROBE, 'PROBE'], [NUD_FAILED, 'FAILED'], [NUD_NOARP, 'NOARP'], [NUD_PERMANENT, 'PERMANENT'],
];

/** NUD_* bits as the names `ip -j neigh` prints in "state", in the same order. */
export function nudStateNames(state: number): string[] {
  return NUD_NAMES.filter(([bit]) => (state & bit) !== 0).map(([, name]) => name);
}
