// DEL: set lo down. Idempotent as the spec asks: no CNI_NETNS, a netns that
// is already gone (KernelError cniCode NetnsNotFound) or no lo at all all
// mean there is nothing left to undo.
import type { CmdArgs } from '../../cni/skel.js';
import { ErrorCode } from '../../cni/errors.js';
import { Errno, KernelError } from '../../kernel/kernel-error.js';
import { LOOPBACK_IFNAME, type LoopbackDeps } from './deps.js';

export async function del(cmd: CmdArgs, deps: LoopbackDeps): Promise<void> {
  if (cmd.netns === '') return;
  try {
    const nl = deps.openNetlink(cmd.netns);
    try {
      nl.setLinkDown(LOOPBACK_IFNAME);
    } finally {
      nl.close();
    }
  } catch (err) {
    if (err instanceof KernelError && (err.cniCode === ErrorCode.NetnsNotFound || err.errno === Errno.ENODEV)) return;
    throw err;
  }
}
