// From a CNI invocation to what the pure IPAM core reads. The main plugin
// calls the verbs in-process with its own CmdArgs, so everything comes from
// CmdArgs and nothing from the process.
import type { IpamInput } from '../../core/ipam/config.js';
import type { Attachment } from '../../core/ipam/lease.js';
import type { CmdArgs } from '../../cni/skel.js';

export function ipamInputOf(cmd: CmdArgs): IpamInput {
  return {
    name: cmd.config.name,
    ipam: cmd.config.ipam,
    raw: cmd.config.raw,
    runtimeConfig: cmd.config.runtimeConfig,
    cniArgs: cmd.args,
  };
}

export function attachmentOf(cmd: CmdArgs): Attachment {
  return { containerId: cmd.containerId, ifname: cmd.ifname };
}
