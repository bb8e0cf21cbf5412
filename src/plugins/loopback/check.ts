// CHECK: lo exists in the pod netns and is administratively up.
import type { CmdArgs } from '../../cni/skel.js';
import { CniError, ErrorCode } from '../../cni/errors.js';
import { LOOPBACK_IFNAME, type LoopbackDeps } from './deps.js';

export async function check(cmd: CmdArgs, deps: LoopbackDeps): Promise<void> {
  const nl = deps.openNetlink(cmd.netns);
  try {
    if (!nl.getLink(LOOPBACK_IFNAME).up) {
      throw new CniError(ErrorCode.CheckFailed, 'loopback interface is down', `netns ${cmd.netns}`);
    }
  } finally {
    nl.close();
  }
}
