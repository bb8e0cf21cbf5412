// The allocator: a pure function from (range sets, request, a snapshot of the
// leases taken under the network lock) to a plan of one address per range
// set. The store applies the plan while still holding the lock, so the
// snapshot cannot go stale in between — the same exclusion host-local relies
// on, shared with it through the same flock.
//
// Order is host-local's round robin (allocator.go, RangeIter): start right
// after the set's last reserved address when that address is still in the
// set, otherwise at rangeStart of its first range; walk to rangeEnd, on to the
// next range's rangeStart, wrap from the last range to the first, and stop on
// returning to the start. Gateway, network and IPv4 broadcast addresses are
// skipped. A crash-looping pod therefore does not get its old address back
// until the whole set has been used.
//
// Alternatives rejected: a bitmap of the range (a /64 cannot be materialised)
// and "lowest free address" (hands a just-released address to the next pod
// while conntrack and peers may still point at the old one).
import { CniError, ErrorCode } from '../../cni/errors.js';
import { formatIp, ipAdd, ipEquals, ipKey, type IpAddress } from '../ip/address.js';
import { leasesOf, type Attachment, type Lease } from './lease.js';
import { allocatableCount, isReserved, rangeContains, type IpRange } from './range.js';
import { formatRangeSet, rangeFor, type RangeSet } from './range-set.js';
import type { RequestedIp } from './requested-ips.js';

export interface LeaseView {
  readonly leases: readonly Lease[];
  /** lastReserved[i]: the address in `last_reserved_ip.<i>`, when present and readable. */
  readonly lastReserved: ReadonlyArray<IpAddress | undefined>;
}

export interface PlannedAddress {
  readonly setIndex: number;
  readonly ip: IpAddress;
  readonly range: IpRange;
  /** Already leased to this attachment by an earlier ADD: nothing to write. */
  readonly existing: boolean;
}

interface Candidate {
  readonly ip: IpAddress;
  readonly range: IpRange;
}

/** Every address of the set once, in round-robin order after `last`. */
export function* roundRobin(set: RangeSet, last: IpAddress | undefined): Generator<Candidate> {
  const ranges = set.ranges;
  const at = (i: number): IpRange => ranges[i % ranges.length] as IpRange;
  const step = (ri: number, ip: IpAddress): [number, IpAddress] =>
    ipEquals(ip, at(ri).rangeEnd) ? [(ri + 1) % ranges.length, at(ri + 1).rangeStart] : [ri, ipAdd(ip, 1n) as IpAddress];
  const lastIndex = last ? ranges.findIndex((r) => rangeContains(r, last)) : -1;
  let [ri, ip] = last && lastIndex >= 0 ? step(lastIndex, last) : [0, at(0).rangeStart];
  const start = ip;
  do {
    yield { ip, range: at(ri) };
    [ri, ip] = step(ri, ip);
  } while (!ipEquals(ip, start));
}

function describeOwner(lease: Lease | undefined): string {
  const o = lease?.owner;
  if (!o) return 'an unreadable lease';
  return o.ifname === undefined ? `container ${o.containerId}` : `container ${o.containerId} (${o.ifname})`;
}

function planSet(index: number, set: RangeSet, requested: RequestedIp | undefined, view: LeaseView, who: Attachment, taken: Map<string, Lease>): PlannedAddress {
  const mine = leasesOf(view.leases, who).filter((l) => rangeFor(set, l.ip) !== undefined);
  const held = mine.map((l) => formatIp(l.ip)).join(', ');
  if (mine.length > 1) {
    throw new CniError(ErrorCode.DuplicateAttachment, `${set.field}: ${who.containerId} (${who.ifname}) already holds ${held}`, 'run DEL for this attachment first');
  }
  const own = mine[0];
  if (own) {
    if (requested && !ipEquals(requested.ip, own.ip)) {
      throw new CniError(ErrorCode.DuplicateAttachment, `${requested.source}: ${who.containerId} (${who.ifname}) already holds ${held} in ${set.field}, not ${formatIp(requested.ip)}`, 'run DEL for this attachment first');
    }
    return { setIndex: index, ip: own.ip, range: rangeFor(set, own.ip) as IpRange, existing: true };
  }
  if (requested) {
    const holder = taken.get(ipKey(requested.ip));
    if (holder) throw new CniError(ErrorCode.AddressInUse, `${requested.source}: ${formatIp(requested.ip)} is already leased to ${describeOwner(holder)}`);
    return { setIndex: index, ip: requested.ip, range: rangeFor(set, requested.ip) as IpRange, existing: false };
  }
  for (const c of roundRobin(set, view.lastReserved[index])) {
    if (!isReserved(c.range, c.ip) && !taken.has(ipKey(c.ip))) return { setIndex: index, ip: c.ip, range: c.range, existing: false };
  }
  throw new CniError(ErrorCode.IpamExhausted, `${set.field}: no free address in range set ${formatRangeSet(set)}`, `all ${freeAddressCount(set, []).toString()} addresses are leased`);
}

/**
 * One address per range set for `who`. A repeated ADD for the same
 * (containerID, ifname) gets back the leases it already holds (marked
 * `existing`) instead of a second address; a request that contradicts them is
 * refused with DuplicateAttachment (102). Throws IpamExhausted (100) naming
 * the set, AddressInUse (101) for a requested address held by someone else.
 */
export function planAllocation(
  sets: readonly RangeSet[],
  requested: ReadonlyArray<RequestedIp | undefined>,
  view: LeaseView,
  who: Attachment,
): PlannedAddress[] {
  const taken = new Map(view.leases.map((l) => [ipKey(l.ip), l] as const));
  return sets.map((set, i) => planSet(i, set, requested[i], view, who, taken));
}

/** Addresses of the set an ADD could still get. */
export function freeAddressCount(set: RangeSet, leases: readonly Lease[]): bigint {
  let free = set.ranges.reduce((sum, r) => sum + allocatableCount(r), 0n);
  for (const lease of leases) {
    const r = rangeFor(set, lease.ip);
    if (r && !isReserved(r, lease.ip)) free -= 1n;
  }
  return free;
}
