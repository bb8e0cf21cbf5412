// The pod side of an attachment, done through a netlink handle opened inside
// the pod netns: addresses, link up, routes. IPv6 addresses are added with
// IFA_F_NODAD unless `enabledad` is set, so they are usable the moment ADD
// returns (a tentative address drops traffic for ~1-2 s); our addresses
// come from IPAM leases, which already guarantee uniqueness on the network.
import type { NetlinkHandle } from '../../kernel/netlink/index.js';
import type { Route } from '../../cni/types.js';
import type { PodAddress } from './attachment.js';

export interface PodNetworkPlan {
  ifname: string;
  addresses: readonly PodAddress[];
  routes: readonly Route[];
  enableDad: boolean;
}

const familyOf = (cidr: string): 4 | 6 => (cidr.includes(':') ? 6 : 4);

/** Routes as the pod will have them: each without gw goes via its family's gateway; defaults added for isDefaultGateway. */
export function planPodRoutes(ipamRoutes: readonly Route[], addrs: readonly PodAddress[], isDefaultGateway: boolean): Route[] {
  const gwOf = (family: 4 | 6): string | undefined => addrs.find((a) => a.family === family && a.gateway)?.gateway;
  const routes: Route[] = ipamRoutes.map((r) => {
    const gw = r.gw ?? gwOf(familyOf(r.dst));
    return gw ? { ...r, gw } : { ...r };
  });
  if (isDefaultGateway) {
    for (const family of [4, 6] as const) {
      const gw = gwOf(family);
      const dst = family === 4 ? '0.0.0.0/0' : '::/0';
      if (gw && !routes.some((r) => r.dst === dst)) routes.push({ dst, gw });
    }
  }
  return routes;
}

export function configurePod(pod: NetlinkHandle, plan: PodNetworkPlan): void {
  for (const a of plan.addresses) pod.addAddress(plan.ifname, { cidr: a.cidr, noDad: a.family === 6 && !plan.enableDad });
  pod.setLinkUp(plan.ifname);
  for (const r of plan.routes) {
    pod.addRoute({
      dst: r.dst,
      dev: plan.ifname,
      ...(r.gw ? { gw: r.gw } : {}),
      ...(r.mtu ? { mtu: r.mtu } : {}),
      ...(r.advmss ? { advmss: r.advmss } : {}),
      ...(r.priority ? { priority: r.priority } : {}),
      ...(r.table !== undefined ? { table: r.table } : {}),
      ...(r.scope !== undefined ? { scope: r.scope } : {}),
    });
  }
}
