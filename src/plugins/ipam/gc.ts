// GC (CNI 1.1): release every lease of the network whose (containerID,
// ifname) is not in cni.dev/valid-attachments, including empty lease files
// left by a writer that died. The list must be present: a GC without it
// would otherwise release every pod's address, so we refuse instead.
import { configError } from '../../cni/errors.js';
import type { CmdArgs } from '../../cni/skel.js';
import { parseLeaseLocation } from '../../core/ipam/config.js';
import { leasesToCollect } from '../../core/ipam/lease.js';
import type { IpamDeps } from './deps.js';
import { ipamInputOf } from './input.js';

const KEYS = ['cni.dev/valid-attachments', 'cni.dev/attachments'];

export async function ipamGc(cmd: CmdArgs, deps: IpamDeps): Promise<void> {
  const location = parseLeaseLocation(ipamInputOf(cmd));
  // null means "no attachments" (Go prints a nil list so); absent means the caller forgot.
  if (!KEYS.some((k) => k in cmd.config.raw)) throw configError('cni.dev/valid-attachments', 'required for GC');
  const valid = (cmd.config.validAttachments ?? []).map((a) => ({ containerId: a.containerID, ifname: a.ifname }));
  await deps.openStore(location).withExistingLock((tx) => {
    for (const lease of leasesToCollect(tx.leases(), valid)) tx.release(lease.ip);
  });
}
