// ADD: validate everything (config, requested addresses, resolv.conf) before
// the disk is touched; then, under the network lock, plan one address per
// range set from a fresh view of the leases and write the new leases. Each
// written lease registers its undo at once, so a failure half-way (a disk
// error on the second family) leaves no lease behind.
import { CniError, ErrorCode } from '../../cni/errors.js';
import type { CmdArgs } from '../../cni/skel.js';
import type { CniResult, Dns } from '../../cni/types.js';
import type { IpAddress } from '../../core/ip/address.js';
import { planAllocation, type PlannedAddress } from '../../core/ipam/allocator.js';
import { parseIpamConfig, type IpamConfig } from '../../core/ipam/config.js';
import type { Attachment } from '../../core/ipam/lease.js';
import { parseResolvConf } from '../../core/ipam/resolv-conf.js';
import { ipamResult } from '../../core/ipam/result.js';
import type { LeaseTransaction } from '../../store/lease-store.js';
import type { IpamDeps } from './deps.js';
import { attachmentOf, ipamInputOf } from './input.js';

/** Re-plans after a lease appeared that the snapshot did not show (only a writer ignoring the lock can cause it). */
const MAX_ATTEMPTS = 3;

function readResolvConf(path: string, deps: IpamDeps): Dns {
  try {
    return parseResolvConf(deps.readTextFile(path));
  } catch (err) {
    throw new CniError(ErrorCode.IoFailure, `ipam.resolvConf: cannot read ${path}`, err instanceof Error ? err.message : String(err));
  }
}

function undoAll(undo: Array<() => void>): void {
  // Best effort, newest first; the original error is what the caller needs.
  for (const step of undo.reverse()) {
    try {
      step();
    } catch {
      // A lease we cannot remove stays until DEL or GC for this attachment.
    }
  }
}

/** Plans and writes; returns the plan once every new lease is on disk. */
function reserveAll(tx: LeaseTransaction, conf: IpamConfig, who: Attachment): PlannedAddress[] {
  for (let attempt = 1; ; attempt++) {
    const view = { leases: tx.leases(), lastReserved: conf.rangeSets.map((_, i) => tx.lastReserved(i)) };
    const plan = planAllocation(conf.rangeSets, conf.requested, view, who);
    const undo: Array<() => void> = [];
    let lost: IpAddress | undefined;
    try {
      for (const p of plan) {
        if (p.existing) continue;
        if (!tx.reserve(p.ip, who, p.setIndex)) {
          lost = p.ip;
          break;
        }
        undo.push(() => tx.release(p.ip));
      }
    } catch (err) {
      undoAll(undo);
      throw err;
    }
    if (lost === undefined) return plan;
    undoAll(undo);
    if (attempt >= MAX_ATTEMPTS) {
      throw new CniError(ErrorCode.TryAgainLater, 'lease files keep appearing outside the network lock', 'another writer ignores the lock file');
    }
  }
}

export async function ipamAdd(cmd: CmdArgs, deps: IpamDeps): Promise<CniResult> {
  const conf = parseIpamConfig(ipamInputOf(cmd));
  const dns = conf.resolvConf === undefined ? undefined : readResolvConf(conf.resolvConf, deps);
  const who = attachmentOf(cmd);
  const plan = await deps.openStore(conf.location).withLock((tx) => reserveAll(tx, conf, who));
  return ipamResult(cmd.config.cniVersion, plan, conf.routes, dns);
}
