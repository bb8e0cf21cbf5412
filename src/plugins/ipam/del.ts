// DEL: release every lease of (containerID, ifname) in the network, in
// whichever range it lies — host-local's ReleaseByID, so either plugin frees
// the other's leases. Only the lease location is parsed: a DEL must still
// work after the ranges were edited. Nothing to release, no directory, a
// repeated DEL: all success.
import type { CmdArgs } from '../../cni/skel.js';
import { parseLeaseLocation } from '../../core/ipam/config.js';
import { leasesToRelease } from '../../core/ipam/lease.js';
import type { IpamDeps } from './deps.js';
import { attachmentOf, ipamInputOf } from './input.js';

export async function ipamDel(cmd: CmdArgs, deps: IpamDeps): Promise<void> {
  const location = parseLeaseLocation(ipamInputOf(cmd));
  const who = attachmentOf(cmd);
  await deps.openStore(location).withExistingLock((tx) => {
    for (const lease of leasesToRelease(tx.leases(), who)) tx.release(lease.ip);
  });
}
