// The environment a plugin runs with: the six CNI_* variables libcni's
// invoke.Args.AsEnv sets (always all six, empty when unused, e.g. for GC and
// STATUS) and PATH, nothing else. Unlike libcni we do not pass our own
// environment through: NODE_OPTIONS, NODE_EXTRA_CA_CERTS and the like would
// change how a Node-based plugin starts, and a test must see what a runtime
// would give.
import { formatArgPairs } from './runtime-args.js';
import type { CniArgPairs } from './types.js';

export interface PluginEnvInput {
  command: string;
  containerId: string;
  netns: string;
  ifname: string;
  args: CniArgPairs;
  /** Becomes CNI_PATH, joined with ':'. */
  binDirs: readonly string[];
  /** The PATH plugins get (they exec iptables, ip, ...). */
  path: string;
}

export function pluginEnv(input: PluginEnvInput): Record<string, string> {
  return {
    CNI_COMMAND: input.command,
    CNI_CONTAINERID: input.containerId,
    CNI_NETNS: input.netns,
    CNI_ARGS: formatArgPairs(input.args),
    CNI_IFNAME: input.ifname,
    CNI_PATH: input.binDirs.join(':'),
    PATH: input.path,
  };
}
