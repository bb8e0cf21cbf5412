// One allocation range: a subnet and the slice [rangeStart, rangeEnd] of it
// we hand out, plus the gateway we report. Defaults are host-local's:
// gateway and rangeStart are network+1, rangeEnd is the broadcast address - 1
// for IPv4 and the last address for IPv6. Unlike host-local 1.1.1 we reject a
// gateway outside the subnet (it would give pods an unreachable gateway), and
// the allocator never hands out the network address, the gateway or the IPv4
// broadcast address even when rangeStart/rangeEnd are set to include them.
import { configError } from '../../cni/errors.js';
import { compareIp, formatIp, ipAdd, ipEquals, isIpv4Mapped, type IpAddress } from '../ip/address.js';
import { cidrContains, formatCidr, hasHostBits, lastOf, networkOf, tryParseCidr, type Cidr } from '../ip/cidr.js';
import { describe, isObject, optIp, optString } from './json.js';

export interface IpRange {
  /** The subnet in network form (host bits clear). */
  readonly subnet: Cidr;
  readonly rangeStart: IpAddress;
  readonly rangeEnd: IpAddress;
  readonly gateway: IpAddress;
}

/** Smallest usable blocks: a /30 (IPv4) or /126 (IPv6) leaves room for a gateway and one address. */
const MAX_PREFIX = { 4: 30, 6: 126 } as const;

function parseSubnet(raw: Record<string, unknown>, field: string): Cidr {
  const text = optString(raw, 'subnet', `${field}.subnet`);
  if (text === undefined || text === '') throw configError(`${field}.subnet`, 'required');
  const cidr = tryParseCidr(text);
  if (!cidr) throw configError(`${field}.subnet`, `"${text}" is not a CIDR`);
  if (isIpv4Mapped(cidr.address)) throw configError(`${field}.subnet`, `${text}: IPv4-mapped IPv6 subnets are not supported, use the IPv4 form`);
  if (hasHostBits(cidr)) {
    throw configError(`${field}.subnet`, `${text} has host bits set (the network address is ${formatIp(networkOf(cidr))})`);
  }
  const max = MAX_PREFIX[cidr.address.family];
  if (cidr.prefix > max) throw configError(`${field}.subnet`, `${text} is too small to allocate from (at most /${max})`);
  return cidr;
}

function inSubnet(subnet: Cidr, ip: IpAddress | undefined, field: string): IpAddress | undefined {
  if (ip === undefined) return undefined;
  if (ip.family !== subnet.address.family) {
    throw configError(field, `${formatIp(ip)} is IPv${ip.family} but the subnet ${formatCidr(subnet)} is IPv${subnet.address.family}`);
  }
  if (!cidrContains(subnet, ip)) throw configError(field, `${formatIp(ip)} is not in subnet ${formatCidr(subnet)}`);
  return ip;
}

/** Parses and validates one range object; `field` is its path, e.g. `ipam.ranges[0][1]`. */
export function parseRange(raw: unknown, field: string): IpRange {
  if (!isObject(raw)) throw configError(field, `must be an object, got ${describe(raw)}`);
  const subnet = parseSubnet(raw, field);
  const network = networkOf(subnet);
  const first = ipAdd(network, 1n) as IpAddress; // a /30 or /126 at most, so network+1 exists
  const broadcast = lastOf(subnet);
  const gateway = inSubnet(subnet, optIp(raw, 'gateway', `${field}.gateway`), `${field}.gateway`) ?? first;
  const rangeStart = inSubnet(subnet, optIp(raw, 'rangeStart', `${field}.rangeStart`), `${field}.rangeStart`) ?? first;
  const defaultEnd = subnet.address.family === 4 ? (ipAdd(broadcast, -1n) as IpAddress) : broadcast;
  const rangeEnd = inSubnet(subnet, optIp(raw, 'rangeEnd', `${field}.rangeEnd`), `${field}.rangeEnd`) ?? defaultEnd;
  if (compareIp(rangeStart, rangeEnd) > 0) {
    throw configError(`${field}.rangeEnd`, `${formatIp(rangeEnd)} is before rangeStart ${formatIp(rangeStart)}`);
  }
  return { subnet, rangeStart, rangeEnd, gateway };
}

/** Whether ip lies in [rangeStart, rangeEnd] (host-local's Range.Contains). */
export function rangeContains(r: IpRange, ip: IpAddress): boolean {
  return ip.family === r.rangeStart.family && compareIp(ip, r.rangeStart) >= 0 && compareIp(ip, r.rangeEnd) <= 0;
}

/** Addresses inside a range that are never handed out. */
export function isReserved(r: IpRange, ip: IpAddress): boolean {
  if (ipEquals(ip, r.gateway) || ipEquals(ip, networkOf(r.subnet))) return true;
  return ip.family === 4 && ipEquals(ip, lastOf(r.subnet));
}

/** Why `ip` can never be allocated from `r`, or undefined if it can. */
export function unallocatableReason(r: IpRange, ip: IpAddress): string | undefined {
  if (ipEquals(ip, r.gateway)) return `${formatIp(ip)} is the gateway of ${formatCidr(r.subnet)}`;
  if (ipEquals(ip, networkOf(r.subnet))) return `${formatIp(ip)} is the network address of ${formatCidr(r.subnet)}`;
  if (ip.family === 4 && ipEquals(ip, lastOf(r.subnet))) return `${formatIp(ip)} is the broadcast address of ${formatCidr(r.subnet)}`;
  return undefined;
}

/** How many addresses of the range can be handed out. */
export function allocatableCount(r: IpRange): bigint {
  const reserved = [r.gateway, networkOf(r.subnet), ...(r.subnet.address.family === 4 ? [lastOf(r.subnet)] : [])];
  const distinct = reserved.filter((ip, i) => reserved.findIndex((o) => ipEquals(o, ip)) === i);
  const inside = distinct.filter((ip) => rangeContains(r, ip)).length;
  return r.rangeEnd.value - r.rangeStart.value + 1n - BigInt(inside);
}

/** "10.1.0.2-10.1.0.254", host-local's Range.String. */
export function formatRange(r: IpRange): string {
  return `${formatIp(r.rangeStart)}-${formatIp(r.rangeEnd)}`;
}
