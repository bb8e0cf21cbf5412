// ADD: bring lo up in the pod netns and report it, matching the reference
// loopback plugin field for field (containernetworking/plugins
// plugins/main/loopback): one interface {name: lo, mac 00:..:00, sandbox},
// and the first IPv4 and first IPv6 address found on lo, both on interface 0.
// Addresses are read back rather than assumed, so a netns with IPv6 disabled
// reports only 127.0.0.1/8. As in the reference, anything but loopback
// addresses on lo is refused, and a prevResult (chained after another
// plugin) is passed through unchanged.
import type { CmdArgs } from '../../cni/skel.js';
import { CniError, ErrorCode } from '../../cni/errors.js';
import type { CniResult, IpConfig } from '../../cni/types.js';
import type { Address } from '../../kernel/netlink/index.js';
import { LOOPBACK_IFNAME, type LoopbackDeps } from './deps.js';

const isLoopback = (a: Address): boolean => (a.family === 4 ? a.address.startsWith('127.') : a.address === '::1');

export async function add(cmd: CmdArgs, deps: LoopbackDeps): Promise<CniResult> {
  const nl = deps.openNetlink(cmd.netns);
  let addresses: Address[];
  try {
    nl.setLinkUp(LOOPBACK_IFNAME);
    addresses = nl.listAddresses({ dev: LOOPBACK_IFNAME });
  } finally {
    nl.close();
  }
  const stray = addresses.find((a) => !isLoopback(a));
  if (stray) {
    throw new CniError(ErrorCode.Internal, `loopback interface found with non-loopback address "${stray.address}"`);
  }

  const prev = cmd.config.prevResult;
  if (prev) return { ...prev, cniVersion: cmd.config.cniVersion };

  const ips: IpConfig[] = [];
  for (const family of [4, 6] as const) {
    const first = addresses.find((a) => a.family === family);
    if (first) ips.push({ address: first.cidr, interface: 0 });
  }
  const result: CniResult = {
    cniVersion: cmd.config.cniVersion,
    interfaces: [{ name: LOOPBACK_IFNAME, mac: '00:00:00:00:00:00', sandbox: cmd.netns }],
  };
  if (ips.length) result.ips = ips;
  return result;
}
