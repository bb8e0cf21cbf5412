// The host side of an attachment: the bridge, its gateway addresses, the
// host veth as a bridge port, and the MTU default. Design notes:
// - The bridge is shared by every pod of the network: ensureBridge converges
//   (create when absent, refuse a non-bridge of that name, bring it up). If
//   this ADD created it and fails, the undo removes it only while it has no
//   port, so a concurrent ADD's pod is never cut off.
// - Gateway addresses are shared state too: added when missing (EEXIST from
//   a concurrent ADD is fine), never removed by one pod's DEL or undo.
// - The MTU default is the MTU of the interface holding the host's default
//   route, as flannel and the reference ptp plugin do; 1500 without one.
import { CniError, ErrorCode } from '../../cni/errors.js';
import { Errno, KernelError } from '../../kernel/kernel-error.js';
import type { Link, NetlinkHandle } from '../../kernel/netlink/index.js';
import type { PodAddress } from './attachment.js';
import type { PodwireConf } from './config.js';
import type { UndoStack } from './undo.js';

/** `onCreated` runs right after this call created the bridge, before it is up (sysctls that must precede link-up). */
export function ensureBridge(host: NetlinkHandle, conf: PodwireConf, undo: UndoStack, onCreated?: (name: string) => void): Link {
  let bridge = host.findLink(conf.bridge);
  if (bridge && bridge.kind !== 'bridge') {
    throw new CniError(ErrorCode.InvalidNetworkConfig, `bridge: "${conf.bridge}" exists and is not a bridge (kind ${bridge.kind ?? 'device'})`);
  }
  if (!bridge) {
    try {
      host.createBridge({ name: conf.bridge, ...(conf.vlan ? { vlanFiltering: true } : {}) });
      const created = host.getLink(conf.bridge);
      onCreated?.(conf.bridge);
      undo.push(`bridge ${conf.bridge}`, () => {
        const hasPorts = host.listLinks().some((l) => l.masterIndex === created.index);
        if (!hasPorts) host.removeLink(created.index);
      });
    } catch (err) {
      // Another ADD created it between our lookup and create: use theirs.
      if (!(err instanceof KernelError && err.errno === Errno.EEXIST)) throw err;
    }
    bridge = host.getLink(conf.bridge);
    if (bridge.kind !== 'bridge') throw new CniError(ErrorCode.InvalidNetworkConfig, `bridge: "${conf.bridge}" exists and is not a bridge`);
  }
  if (!bridge.up) host.setLinkUp(bridge.index);
  return bridge;
}

/** Puts each family's gateway on the bridge (isGateway), as address/prefix of the pod network. */
export function ensureGatewayAddresses(host: NetlinkHandle, bridgeIndex: number, addrs: readonly PodAddress[]): void {
  const present = new Set(host.listAddresses({ dev: bridgeIndex }).map((a) => a.cidr));
  for (const a of addrs) {
    if (!a.gateway) continue;
    const cidr = `${a.gateway}/${a.prefix}`;
    if (present.has(cidr)) continue;
    try {
      // No DAD: the gateway must answer as soon as the first pod is up.
      host.addAddress(bridgeIndex, { cidr, noDad: true });
      present.add(cidr);
    } catch (err) {
      if (!(err instanceof KernelError && err.errno === Errno.EEXIST)) throw err;
    }
  }
}

export function defaultMtu(host: NetlinkHandle): number {
  const route = host.listRoutes({ family: 4 }).find((r) => r.dst === '0.0.0.0/0' && r.oif !== undefined)
    ?? host.listRoutes({ family: 6 }).find((r) => r.dst === '::/0' && r.oif !== undefined);
  if (route?.oif === undefined) return 1500;
  return host.findLink(route.oif)?.mtu ?? 1500;
}
