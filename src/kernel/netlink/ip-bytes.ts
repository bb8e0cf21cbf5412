// IP addresses and CIDRs to and from the byte arrays netlink carries
// (IFA_LOCAL, RTA_DST, RTA_GATEWAY: 4 or 16 bytes, network order), and MAC
// addresses to and from IFLA_ADDRESS bytes.
//
// Pure and strict: text that is not a literal address throws KernelError
// EINVAL naming the input, so a typo that slipped past config validation
// never reaches the kernel as a zero address; bytes of a wrong length (a
// malformed reply) throw NetlinkDecodeError. Text parsing and formatting
// are src/core/ip's: IPv6 in RFC 5952 form (lowercase, longest run of two or
// more zero groups compressed, first run on a tie), which is also what
// `ip -j` and Go's net.IP print, so results compare as strings.
import { Errno, KernelError } from '../kernel-error.js';
import { formatIp as formatCoreIp, ipFromBytes, ipToBytes, tryParseIp } from '../../core/ip/address.js';
import { NetlinkDecodeError } from './attrs.js';

function invalid(text: string, problem: string): KernelError {
  return new KernelError('parse', Errno.EINVAL, problem, JSON.stringify(text));
}

export type IpFamily = 4 | 6;

export interface ParsedIp {
  family: IpFamily;
  bytes: Buffer;
}

export interface ParsedCidr extends ParsedIp {
  prefixLen: number;
}

/** Literal IPv4/IPv6 text → bytes; the text rules are src/core/ip's (one parser for the project). */
export function parseIp(text: string): ParsedIp {
  const ip = tryParseIp(text);
  if (!ip) throw invalid(text, 'not an IP address');
  return { family: ip.family, bytes: Buffer.from(ipToBytes(ip)) };
}

/** "10.1.2.3/24" → address bytes (host part kept) and prefix length. */
export function parseCidr(text: string): ParsedCidr {
  const slash = text.indexOf('/');
  if (slash === -1) throw invalid(text, 'not a CIDR (no prefix length)');
  const ip = parseIp(text.slice(0, slash));
  const lenText = text.slice(slash + 1);
  const max = ip.family === 4 ? 32 : 128;
  if (!/^(0|[1-9]\d{0,2})$/.test(lenText) || Number(lenText) > max) {
    throw invalid(text, `prefix length must be 0-${max}`);
  }
  return { ...ip, prefixLen: Number(lenText) };
}

export function formatIp(bytes: Uint8Array): string {
  const ip = ipFromBytes(bytes);
  if (!ip) throw new NetlinkDecodeError(`${bytes.length}-byte address`);
  return formatCoreIp(ip);
}

/** Zeroes the host bits: network address of a CIDR (route destinations). */
export function networkBytes(bytes: Buffer, prefixLen: number): Buffer {
  const out = Buffer.from(bytes);
  for (let bit = prefixLen; bit < out.length * 8; bit++) {
    const i = bit >> 3;
    out[i] = (out[i] ?? 0) & ~(0x80 >> (bit & 7));
  }
  return out;
}

/** IPv4 directed broadcast of a CIDR (all host bits set). */
export function broadcastBytes(bytes: Buffer, prefixLen: number): Buffer {
  const out = Buffer.from(bytes);
  for (let bit = prefixLen; bit < out.length * 8; bit++) {
    const i = bit >> 3;
    out[i] = (out[i] ?? 0) | (0x80 >> (bit & 7));
  }
  return out;
}

export function parseMac(text: string): Buffer {
  if (!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text)) {
    throw invalid(text, 'not a MAC address (aa:bb:cc:dd:ee:ff)');
  }
  return Buffer.from(text.split(':').map((h) => parseInt(h, 16)));
}

export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join(':');
}
