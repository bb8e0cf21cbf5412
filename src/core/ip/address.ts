// IP addresses as {family, bigint}: one representation for both families, so
// range arithmetic (next, compare, size) is plain integer arithmetic and a
// /64 never overflows. Text forms follow Go's net.IP exactly — the reference
// host-local names its lease files with net.IP.String(), so a formatter that
// compressed zeros differently would make both plugins miss each other's
// leases. Parsing is strict where Go is strict (no leading zeros in IPv4, no
// zones), so a name one plugin writes is a name the other reads.

export type IpFamily = 4 | 6;

export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

export function bitsOf(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/** All ones for the family's width. */
export function maxValue(family: IpFamily): bigint {
  return (1n << BigInt(bitsOf(family))) - 1n;
}

function parseIpv4Value(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    // Go rejects leading zeros (ambiguous octal) since 1.17; so do we.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseGroups(text: string): number[] | undefined {
  if (text === '') return [];
  const groups: number[] = [];
  for (const g of text.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    groups.push(parseInt(g, 16));
  }
  return groups;
}

function parseIpv6Value(text: string): bigint | undefined {
  let body = text;
  let tail: number[] = [];
  // An embedded dotted IPv4 tail ("::ffff:10.1.2.3") fills the last 32 bits.
  const lastColon = body.lastIndexOf(':');
  if (body.includes('.', lastColon)) {
    const v4 = parseIpv4Value(body.slice(lastColon + 1));
    if (v4 === undefined) return undefined;
    tail = [Number(v4 >> 16n), Number(v4 & 0xffffn)];
    body = body.slice(0, lastColon + 1);
    // "::1.2.3.4" leaves "::"; "1::1.2.3.4" leaves "1::"; "1:2:...:7:1.2.3.4" leaves a trailing ':' to drop.
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  let groups: number[];
  if (halves.length === 2) {
    const head = parseGroups(halves[0] ?? '');
    const rest = parseGroups(halves[1] ?? '');
    if (!head || !rest) return undefined;
    const missing = 8 - head.length - rest.length - tail.length;
    // "::" stands for at least one zero group.
    if (missing < 1) return undefined;
    groups = [...head, ...new Array<number>(missing).fill(0), ...rest, ...tail];
  } else {
    const all = parseGroups(body);
    if (!all) return undefined;
    groups = [...all, ...tail];
  }
  if (groups.length !== 8) return undefined;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(g), 0n);
}

/** Parses a literal IPv4 or IPv6 address (no prefix, no zone); undefined if it is not one. */
export function tryParseIp(text: string): IpAddress | undefined {
  if (text.includes(':')) {
    const value = parseIpv6Value(text);
    return value === undefined ? undefined : { family: 6, value };
  }
  const value = parseIpv4Value(text);
  return value === undefined ? undefined : { family: 4, value };
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** Whether ip is an IPv4-mapped IPv6 address (::ffff:a.b.c.d). */
export function isIpv4Mapped(ip: IpAddress): boolean {
  return ip.family === 6 && ip.value >> 32n === 0xffffn;
}

/**
 * ::ffff:a.b.c.d → a.b.c.d. Go's To4() treats the two as one address, and
 * host-local canonicalises requested IPs with it; we do the same so a
 * requested mapped address lands in the IPv4 range set.
 */
export function unmapIpv4(ip: IpAddress): IpAddress {
  return isIpv4Mapped(ip) ? { family: 4, value: ip.value - MAPPED_PREFIX } : ip;
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

function formatIpv6(value: bigint): string {
  const groups: number[] = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  // Longest run of zero groups, leftmost on ties, only if at least two long
  // (RFC 5952 section 4.2, and what Go's net.IP.String does).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (gs: number[]): string => gs.map((g) => g.toString(16)).join(':');
  if (bestLen < 2) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (Go's net.IP.String for non-mapped addresses). */
export function formatIp(ip: IpAddress): string {
  return ip.family === 4 ? formatIpv4(ip.value) : formatIpv6(ip.value);
}

export function ipEquals(a: IpAddress, b: IpAddress): boolean {
  return a.family === b.family && a.value === b.value;
}

/** Orders IPv4 before IPv6, then numerically. */
export function compareIp(a: IpAddress, b: IpAddress): number {
  if (a.family !== b.family) return a.family - b.family;
  return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

/** ip + delta, or undefined when that leaves the family's address space. */
export function ipAdd(ip: IpAddress, delta: bigint): IpAddress | undefined {
  const value = ip.value + delta;
  if (value < 0n || value > maxValue(ip.family)) return undefined;
  return { family: ip.family, value };
}

/** A key usable in Sets and Maps (bigints of two families could collide). */
export function ipKey(ip: IpAddress): string {
  return `${ip.family}/${ip.value.toString(16)}`;
}

/** Network-order bytes (4 or 16), as netlink and sockets carry addresses. */
export function ipToBytes(ip: IpAddress): Uint8Array {
  const out = new Uint8Array(ip.family === 4 ? 4 : 16);
  let v = ip.value;
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Inverse of ipToBytes; undefined unless `bytes` holds 4 or 16 bytes. */
export function ipFromBytes(bytes: Uint8Array): IpAddress | undefined {
  if (bytes.length !== 4 && bytes.length !== 16) return undefined;
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return { family: bytes.length === 4 ? 4 : 6, value };
}
