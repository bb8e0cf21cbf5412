// STATUS (CNI 1.1): fail with "plugin not available" (50) when an ADD could
// not succeed right now — the data directory cannot be written, or a range
// set has no free address (ADD needs one from every set). Creates nothing.
import { CniError, ErrorCode } from '../../cni/errors.js';
import type { CmdArgs } from '../../cni/skel.js';
import { freeAddressCount } from '../../core/ipam/allocator.js';
import { parseIpamConfig } from '../../core/ipam/config.js';
import { formatRangeSet } from '../../core/ipam/range-set.js';
import { StoreError } from '../../store/store-error.js';
import type { IpamDeps } from './deps.js';
import { ipamInputOf } from './input.js';

function unavailable(msg: string, details?: string): CniError {
  return new CniError(ErrorCode.PluginNotAvailable, msg, details);
}

export async function ipamStatus(cmd: CmdArgs, deps: IpamDeps): Promise<void> {
  const conf = parseIpamConfig(ipamInputOf(cmd));
  const store = deps.openStore(conf.location);
  let leases;
  try {
    const problem = store.writeProblem();
    if (problem) throw unavailable(`ipam.dataDir: ${problem}`);
    leases = (await store.withExistingLock((tx) => tx.leases())) ?? [];
  } catch (err) {
    if (err instanceof StoreError) throw unavailable(err.message);
    throw err;
  }
  const full = conf.rangeSets.filter((set) => freeAddressCount(set, leases) <= 0n);
  if (full.length > 0) {
    throw unavailable(`no free address in ${full.map((s) => `${s.field} (${formatRangeSet(s)})`).join(', ')}`, 'ADD needs one address from every range set');
  }
}
