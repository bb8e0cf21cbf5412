// Netlink message framing (struct nlmsghdr: u32 len, u16 type, u16 flags,
// u32 seq, u32 pid, then the payload padded to 4 bytes) and the NLMSG_ERROR
// payload (s32 -errno, the echoed request header, then extended-ack TLVs).
//
// Pure: the socket layer hands us the bytes of one datagram and gets typed
// messages back. A datagram may hold several messages (dump replies), so
// parseMessages walks the buffer and rejects any length that would overrun it.
// With NETLINK_CAP_ACK the kernel echoes only the request's header in an
// error, never its payload; we still honour nlmsg_len rather than assume it.
// Reference: include/uapi/linux/netlink.h, Documentation/userspace-api/netlink/intro.rst ("Extended ACK").
import { AttrSet, NetlinkDecodeError, align4 } from './attrs.js';
import { NLMSG_HDRLEN, NLM_F_ACK_TLVS, NLM_F_CAPPED, NLMSGERR_ATTR_MSG } from './constants.js';

export interface NetlinkHeader {
  type: number;
  flags: number;
  seq: number;
  pid: number;
}

export interface NetlinkMessage extends NetlinkHeader {
  /** Bytes after the 16-byte header, nlmsg_len bounded (no trailing padding). */
  payload: Buffer;
}

export function encodeMessage(header: NetlinkHeader, payload: Buffer): Buffer {
  const len = NLMSG_HDRLEN + payload.length;
  const out = Buffer.alloc(align4(len));
  out.writeUInt32LE(len, 0);
  out.writeUInt16LE(header.type, 4);
  out.writeUInt16LE(header.flags, 6);
  out.writeUInt32LE(header.seq >>> 0, 8);
  out.writeUInt32LE(header.pid >>> 0, 12);
  payload.copy(out, NLMSG_HDRLEN);
  return out;
}

/** Splits one received datagram into messages. Payloads are views, not copies. */
export function parseMessages(buf: Buffer): NetlinkMessage[] {
  const out: NetlinkMessage[] = [];
  let off = 0;
  while (off + NLMSG_HDRLEN <= buf.length) {
    const len = buf.readUInt32LE(off);
    if (len < NLMSG_HDRLEN || off + len > buf.length) {
      throw new NetlinkDecodeError(`netlink message at offset ${off}: length ${len} overruns ${buf.length} bytes`);
    }
    out.push({
      type: buf.readUInt16LE(off + 4),
      flags: buf.readUInt16LE(off + 6),
      seq: buf.readUInt32LE(off + 8),
      pid: buf.readUInt32LE(off + 12),
      payload: buf.subarray(off + NLMSG_HDRLEN, off + len),
    });
    off += align4(len);
  }
  return out;
}

export interface NetlinkErrorInfo {
  /** Positive errno; 0 is an ack. */
  errno: number;
  /** The kernel's extended-ack text (NLMSGERR_ATTR_MSG), when it sent one. */
  message?: string;
}

/** Decodes an NLMSG_ERROR payload (struct nlmsgerr + optional ext-ack TLVs). */
export function parseError(msg: NetlinkMessage): NetlinkErrorInfo {
  const p = msg.payload;
  if (p.length < 4) throw new NetlinkDecodeError(`NLMSG_ERROR payload of ${p.length} bytes`);
  const raw = p.readInt32LE(0);
  const errno = raw === 0 ? 0 : -raw; // never -0, which prints and deep-compares as a different value
  if (!(msg.flags & NLM_F_ACK_TLVS) || p.length < 4 + NLMSG_HDRLEN) return { errno };
  // The echoed request: its header always, its payload unless capped.
  const echoedLen = p.readUInt32LE(4);
  const skip = msg.flags & NLM_F_CAPPED ? NLMSG_HDRLEN : echoedLen;
  const tlvStart = 4 + align4(skip);
  if (tlvStart >= p.length) return { errno };
  const text = new AttrSet(p.subarray(tlvStart)).str(NLMSGERR_ATTR_MSG);
  return text ? { errno, message: text } : { errno };
}
