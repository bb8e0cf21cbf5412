// The podwire-loopback plugin: one function per verb, dependencies injected.
// supportedVersions is left to the skel's default (every version it converts
// to), since this plugin builds its result in the newest shape only.
import type { Plugin } from '../../cni/skel.js';
import { add } from './add.js';
import { check } from './check.js';
import { del } from './del.js';
import type { LoopbackDeps } from './deps.js';
import { status } from './status.js';

export function loopbackPlugin(deps: LoopbackDeps): Plugin {
  return {
    about: 'podwire-loopback: brings lo up in the pod network namespace',
    add: (cmd) => add(cmd, deps),
    del: (cmd) => del(cmd, deps),
    check: (cmd) => check(cmd, deps),
    status: (cmd) => status(cmd),
  };
}
