// The podwire plugin as the skel sees it: one handler per verb.
import type { Plugin } from '../../cni/skel.js';
import { add } from './add.js';
import { check } from './check.js';
import { del } from './del.js';
import type { PodwireDeps } from './deps.js';
import { gc } from './gc.js';
import { status } from './status.js';

export function podwirePlugin(deps: PodwireDeps): Plugin {
  return {
    about: 'podwire: bridge-mode pod networking (veth, bridge, IPAM, masquerade)',
    add: (cmd) => add(cmd, deps),
    del: (cmd) => del(cmd, deps),
    check: (cmd) => check(cmd, deps),
    status: (cmd) => status(cmd, deps),
    gc: (cmd) => gc(cmd, deps),
  };
}
