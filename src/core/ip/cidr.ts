// CIDR prefixes over the bigint address model. A Cidr keeps the address as
// written ("10.1.2.3/24" is a host address with its prefix, as in CNI
// results); networkOf/lastOf give the block's bounds.
import { bitsOf, formatIp, maxValue, tryParseIp, type IpAddress, type IpFamily } from './address.js';

export interface Cidr {
  readonly address: IpAddress;
  readonly prefix: number;
}

/** Parses "address/prefix"; undefined if either half is malformed or the prefix is too long for the family. */
export function tryParseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  if (slash < 0) return undefined;
  const address = tryParseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  if (!address || !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  if (prefix > bitsOf(address.family)) return undefined;
  return { address, prefix };
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.address)}/${c.prefix}`;
}

/** The netmask as an integer: `prefix` leading ones. */
export function maskOf(family: IpFamily, prefix: number): bigint {
  const hostBits = BigInt(bitsOf(family) - prefix);
  return maxValue(family) ^ ((1n << hostBits) - 1n);
}

/** First address of the block (host bits cleared). */
export function networkOf(c: Cidr): IpAddress {
  return { family: c.address.family, value: c.address.value & maskOf(c.address.family, c.prefix) };
}

/** Last address of the block (host bits set): the IPv4 broadcast address. */
export function lastOf(c: Cidr): IpAddress {
  const hostMask = maxValue(c.address.family) ^ maskOf(c.address.family, c.prefix);
  return { family: c.address.family, value: c.address.value | hostMask };
}

/** Number of addresses in the block. */
export function sizeOf(c: Cidr): bigint {
  return 1n << BigInt(bitsOf(c.address.family) - c.prefix);
}

export function hasHostBits(c: Cidr): boolean {
  return networkOf(c).value !== c.address.value;
}

export function cidrContains(c: Cidr, ip: IpAddress): boolean {
  if (ip.family !== c.address.family) return false;
  return (ip.value & maskOf(ip.family, c.prefix)) === networkOf(c).value;
}

/** Two blocks overlap exactly when one contains the other's network address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.address.family !== b.address.family) return false;
  return cidrContains(a, networkOf(b)) || cidrContains(b, networkOf(a));
}
