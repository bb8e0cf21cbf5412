// Turns a plan into the CNI result host-local would print: one entry per
// range set in set order, the address with its subnet's prefix length, the
// range's gateway, the configured routes and the resolv.conf DNS.
import type { CniResult, Dns, Route } from '../../cni/types.js';
import { formatIp } from '../ip/address.js';
import type { PlannedAddress } from './allocator.js';

export function ipamResult(cniVersion: string, plan: readonly PlannedAddress[], routes: readonly Route[], dns: Dns | undefined): CniResult {
  const result: CniResult = {
    cniVersion,
    ips: plan.map((p) => ({ address: `${formatIp(p.ip)}/${p.range.subnet.prefix}`, gateway: formatIp(p.range.gateway) })),
  };
  if (routes.length > 0) result.routes = routes.map((r) => ({ ...r }));
  if (dns && Object.keys(dns).length > 0) result.dns = dns;
  return result;
}
