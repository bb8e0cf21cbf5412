// CHECK for IPAM: the attachment holds exactly one lease in every range set,
// and the addresses the runtime believes it has (prevResult) are those
// leases. host-local only checks that some lease exists; a lease that moved
// (a DEL and a new ADD raced, or the lease file was removed by hand) is
// exactly what CHECK is for, so we compare addresses too. prevResult
// addresses outside our range sets belong to someone else and are ignored.
import { CniError, ErrorCode } from '../../cni/errors.js';
import type { CniResult } from '../../cni/types.js';
import { formatIp, ipEquals } from '../ip/address.js';
import { tryParseCidr } from '../ip/cidr.js';
import { leasesOf, type Attachment, type Lease } from './lease.js';
import { rangeFor, type RangeSet } from './range-set.js';

function fail(msg: string): CniError {
  return new CniError(ErrorCode.CheckFailed, msg);
}

export function checkLeases(sets: readonly RangeSet[], leases: readonly Lease[], who: Attachment, prevResult: CniResult | undefined): void {
  const mine = leasesOf(leases, who);
  const name = `${who.containerId} (${who.ifname})`;
  const held = sets.map((set) => {
    const inSet = mine.filter((l) => rangeFor(set, l.ip) !== undefined);
    if (inSet.length === 0) throw fail(`${set.field}: no lease for ${name}`);
    if (inSet.length > 1) throw fail(`${set.field}: ${name} holds ${inSet.length} leases (${inSet.map((l) => formatIp(l.ip)).join(', ')})`);
    return { set, lease: inSet[0] as Lease };
  });
  if (!prevResult) return;
  const prev = (prevResult.ips ?? []).map((entry, i) => ({ field: `prevResult.ips[${i}]`, cidr: tryParseCidr(entry.address) }));
  for (const { set, lease } of held) {
    const match = prev.find((p) => p.cidr && ipEquals(p.cidr.address, lease.ip));
    const prefix = rangeFor(set, lease.ip)?.subnet.prefix;
    if (!match?.cidr) throw fail(`${set.field}: ${formatIp(lease.ip)} is leased to ${name} but missing from prevResult`);
    if (match.cidr.prefix !== prefix) throw fail(`${match.field}: prefix /${match.cidr.prefix} does not match the lease's subnet /${String(prefix)}`);
  }
  for (const p of prev) {
    if (!p.cidr) throw fail(`${p.field}: not an address in CIDR notation`);
    const address = p.cidr.address;
    const set = sets.find((s) => rangeFor(s, address) !== undefined);
    if (set && !held.some((h) => ipEquals(h.lease.ip, address))) {
      throw fail(`${p.field}: ${formatIp(address)} is in ${set.field} but not leased to ${name}`);
    }
  }
}
