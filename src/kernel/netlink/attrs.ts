// Netlink attributes (struct nlattr / rtattr: u16 len, u16 type, value,
// padded to 4 bytes), written and read in pure TypeScript.
//
// Design: requests are built with AttrWriter, a growable list of encoded
// chunks that knows nothing about sockets; replies are parsed into AttrSet, a
// read-only view that copies nothing and validates every length before use,
// so a malformed reply throws NetlinkDecodeError instead of reading past the
// end. Numbers are host-endian (x86-64 and arm64 are little-endian; the
// kernel's nlattr integers are native-endian except the explicitly "be"
// ones, which we do not use). Nested attributes are written with
// NLA_F_NESTED set, which strict validation (kernel >= 5.2) requires for some
// families and every family accepts; the flag is masked off when reading.
// Reference: include/uapi/linux/netlink.h, Documentation/userspace-api/netlink/intro.rst.

export const NLA_HDRLEN = 4;
export const NLA_F_NESTED = 0x8000;
export const NLA_F_NET_BYTEORDER = 0x4000;
const NLA_TYPE_MASK = ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER) & 0xffff;

/** Rounds up to the 4-byte netlink alignment (NLA_ALIGN / NLMSG_ALIGN). */
export function align4(n: number): number {
  return (n + 3) & ~3;
}

export class NetlinkDecodeError extends Error {
  readonly code = 'NETLINK_DECODE';
  constructor(message: string) {
    super(message);
    this.name = 'NetlinkDecodeError';
  }
}

/** Builds a sequence of attributes; nested() recurses. */
export class AttrWriter {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  /** Raw bytes (already-encoded fixed headers, e.g. the veth peer's ifinfomsg). */
  raw(bytes: Buffer): this {
    this.push(bytes);
    return this;
  }

  bytes(type: number, value: Buffer | Uint8Array): this {
    const hdr = Buffer.alloc(NLA_HDRLEN);
    hdr.writeUInt16LE(NLA_HDRLEN + value.length, 0);
    hdr.writeUInt16LE(type, 2);
    this.push(hdr);
    this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    const pad = align4(value.length) - value.length;
    if (pad) this.push(Buffer.alloc(pad));
    return this;
  }

  flag(type: number): this {
    return this.bytes(type, Buffer.alloc(0));
  }

  u8(type: number, value: number): this {
    return this.bytes(type, Buffer.of(value & 0xff));
  }

  u16(type: number, value: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(value, 0);
    return this.bytes(type, b);
  }

  u32(type: number, value: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value >>> 0, 0);
    return this.bytes(type, b);
  }

  s32(type: number, value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value, 0);
    return this.bytes(type, b);
  }

  /** NUL-terminated string, as the kernel's NLA_STRING/NLA_NUL_STRING expect. */
  str(type: number, value: string): this {
    return this.bytes(type, Buffer.from(`${value}\0`, 'utf8'));
  }

  nested(type: number, fill: (w: AttrWriter) => void): this {
    const inner = new AttrWriter();
    fill(inner);
    return this.bytes(type | NLA_F_NESTED, inner.toBuffer());
  }

  get byteLength(): number {
    return this.length;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.length += b.length;
  }
}

export interface Attr {
  /** Type with NLA_F_NESTED / NLA_F_NET_BYTEORDER masked off. */
  type: number;
  value: Buffer;
}

/** Splits a buffer into attributes; throws NetlinkDecodeError on a bad length. */
export function parseAttrs(buf: Buffer): Attr[] {
  const out: Attr[] = [];
  let off = 0;
  while (off + NLA_HDRLEN <= buf.length) {
    const len = buf.readUInt16LE(off);
    const type = buf.readUInt16LE(off + 2) & NLA_TYPE_MASK;
    if (len < NLA_HDRLEN || off + len > buf.length) {
      throw new NetlinkDecodeError(`attribute type ${type} at offset ${off}: length ${len} overruns ${buf.length} bytes`);
    }
    out.push({ type, value: buf.subarray(off + NLA_HDRLEN, off + len) });
    off += align4(len);
  }
  return out;
}

/** Read-only typed access to a parsed attribute list (first occurrence wins). */
export class AttrSet {
  private readonly byType = new Map<number, Buffer>();
  readonly all: readonly Attr[];

  constructor(buf: Buffer) {
    this.all = parseAttrs(buf);
    for (const a of this.all) if (!this.byType.has(a.type)) this.byType.set(a.type, a.value);
  }

  has(type: number): boolean {
    return this.byType.has(type);
  }

  bytes(type: number): Buffer | undefined {
    return this.byType.get(type);
  }

  u8(type: number): number | undefined {
    return this.fixed(type, 1)?.readUInt8(0);
  }

  u16(type: number): number | undefined {
    return this.fixed(type, 2)?.readUInt16LE(0);
  }

  u32(type: number): number | undefined {
    return this.fixed(type, 4)?.readUInt32LE(0);
  }

  s32(type: number): number | undefined {
    return this.fixed(type, 4)?.readInt32LE(0);
  }

  /** String up to the first NUL (the kernel NUL-terminates, but tolerate none). */
  str(type: number): string | undefined {
    const b = this.byType.get(type);
    if (b === undefined) return undefined;
    const nul = b.indexOf(0);
    return b.toString('utf8', 0, nul === -1 ? b.length : nul);
  }

  nested(type: number): AttrSet | undefined {
    const b = this.byType.get(type);
    return b === undefined ? undefined : new AttrSet(b);
  }

  private fixed(type: number, size: number): Buffer | undefined {
    const b = this.byType.get(type);
    if (b === undefined) return undefined;
    if (b.length < size) throw new NetlinkDecodeError(`attribute type ${type}: ${b.length} bytes, expected ${size}`);
    return b;
  }
}
