// podwire-ipam as a CNI plugin: one verb per file, bound to its dependencies.
import type { Plugin } from '../../cni/skel.js';
import { ipamAdd } from './add.js';
import { ipamCheck } from './check.js';
import { ipamDel } from './del.js';
import type { IpamDeps } from './deps.js';
import { ipamGc } from './gc.js';
import { ipamStatus } from './status.js';

export function createIpamPlugin(deps: IpamDeps): Plugin {
  return {
    about: 'podwire-ipam: host-local compatible IP address management',
    add: (cmd) => ipamAdd(cmd, deps),
    del: (cmd) => ipamDel(cmd, deps),
    check: (cmd) => ipamCheck(cmd, deps),
    status: (cmd) => ipamStatus(cmd, deps),
    gc: (cmd) => ipamGc(cmd, deps),
  };
}
