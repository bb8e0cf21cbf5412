// CHECK: the attachment still holds one lease per range set, and they are
// the addresses in prevResult (core/ipam/check.ts). Reads only.
import type { CmdArgs } from '../../cni/skel.js';
import { checkLeases } from '../../core/ipam/check.js';
import { parseIpamConfig } from '../../core/ipam/config.js';
import type { IpamDeps } from './deps.js';
import { attachmentOf, ipamInputOf } from './input.js';

export async function ipamCheck(cmd: CmdArgs, deps: IpamDeps): Promise<void> {
  const conf = parseIpamConfig(ipamInputOf(cmd));
  const leases = (await deps.openStore(conf.location).withExistingLock((tx) => tx.leases())) ?? [];
  checkLeases(conf.rangeSets, leases, attachmentOf(cmd), cmd.config.prevResult);
}
