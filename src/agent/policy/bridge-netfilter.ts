// Same-node pod traffic crosses the pw0 bridge and reaches the IP forward
// hook (where the policy table lives) only when br_netfilter is present and
// net.bridge.bridge-nf-call-iptables / -ip6tables are 1 in this netns.
// Since Linux 5.3 those sysctls are per network namespace, so setting them
// here touches nothing outside the node. Loading the module is global kernel
// state: the agent never does it. Without the module it logs once and
// reports `sameNodeEnforced: false` in /status; cross-node traffic is routed
// and is enforced regardless.
// Reference: Documentation/networking/ip-sysctl.rst (bridge), br_netfilter.c.

export interface SysctlIo {
  exists(key: string): boolean;
  ensure(key: string, value: string | number): boolean;
}

export interface BridgeNetfilterState {
  /** True when bridged IPv4 and IPv6 traffic goes through the forward hook. */
  sameNodeEnforced: boolean;
  note: string;
}

export const BRIDGE_NF_KEYS = ['net/bridge/bridge-nf-call-iptables', 'net/bridge/bridge-nf-call-ip6tables'] as const;

export function ensureBridgeNetfilter(sysctl: SysctlIo): BridgeNetfilterState {
  if (!BRIDGE_NF_KEYS.every((k) => sysctl.exists(k))) {
    return {
      sameNodeEnforced: false,
      note: 'br_netfilter is not loaded (no /proc/sys/net/bridge in this netns): same-node pod traffic is not policed; load it on the host (modprobe br_netfilter) and restart the agent',
    };
  }
  const changed = BRIDGE_NF_KEYS.filter((k) => sysctl.ensure(k, 1));
  return {
    sameNodeEnforced: true,
    note: changed.length > 0 ? `set ${changed.join(', ')} = 1 in this netns` : 'bridge-nf-call-iptables/ip6tables already 1 in this netns',
  };
}
