// IP addresses and CIDRs to and from the byte arrays netlink carries
// (IFA_LOCAL, RTA_DST, RTA_GATEWAY: 4 or 16 bytes, network order), and MAC
// addresses to and from IFLA_ADDRESS bytes.
//
// Pure and strict: text that is not a literal address throws KernelError
// EINVAL naming the input, so a typo that slipped past config validation
// never reaches the kernel as a zero address; bytes of a wrong length (a
// malformed reply) throw NetlinkDecodeError. IPv6 text is produced in RFC
// 5952 form (lowercase, longest run of two or more zero groups compressed,
// first run on a tie), which is also what `ip -j` and Go's net.IP print, so
// results compare as strings.
import { Errno, KernelError } from '../kernel-error.js';
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

function parseV4(text: string): Buffer | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] ?? '';
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(text: string): Buffer | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const items = s.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i] ?? '';
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseV4(item);
        if (!v4) return undefined;
        out.push(v4.readUInt16BE(0), v4.readUInt16BE(2));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) {
        out.push(parseInt(item, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

export function parseIp(text: string): ParsedIp {
  const v4 = parseV4(text);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = text.includes(':') ? parseV6(text) : undefined;
  if (v6) return { family: 6, bytes: v6 };
  throw invalid(text, 'not an IP address');
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
  if (bytes.length === 4) return Array.from(bytes).join('.');
  if (bytes.length !== 16) throw new NetlinkDecodeError(`${bytes.length}-byte address`);
  const b = Buffer.from(bytes);
  const g = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2));
  // RFC 5952 §4.2: compress the longest run (>= 2) of zero groups, first wins.
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestAt = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (xs: number[]): string => xs.map((x) => x.toString(16)).join(':');
  if (bestAt === -1) return hex(g);
  return `${hex(g.slice(0, bestAt))}::${hex(g.slice(bestAt + bestLen))}`;
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
