// `podwirectl cni VERB ...` command line → one typed invocation. Option
// values that carry JSON or CNI_ARGS go through the pure parsers in
// core/conflist/runtime-args.ts, so a bad value names the option.
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { parseArgPairs, parseCapabilityArgs, parseValidAttachments } from '../../core/conflist/runtime-args.js';
import type { GcAttachment } from '../../core/conflist/types.js';
import { UsageError } from '../io.js';

export const VERBS = ['add', 'check', 'del', 'gc', 'status'] as const;
export type Verb = (typeof VERBS)[number];

/** libcni's defaults; tests and the lab always pass their own. */
export const DEFAULT_CONF_DIR = '/etc/cni/net.d';
export const DEFAULT_BIN_DIR = '/opt/cni/bin';
export const DEFAULT_CACHE_DIR = '/var/lib/cni';
export const DEFAULT_TIMEOUT_S = 60;

export const CNI_USAGE = `Usage:
  podwirectl cni add|check|del NETWORK NETNS [options]
  podwirectl cni gc|status NETWORK [options]

Runs the plugin chain of network NETWORK (its "name") from the configuration
directory the way a container runtime does with libcni, and keeps libcni's
result cache. NETNS is a path, or a name under /run/netns.

Options:
  --container-id ID        CNI_CONTAINERID (default: derived from NETNS)
  --ifname NAME            CNI_IFNAME (default: eth0)
  --conf-dir DIR           configuration directory (default: ${DEFAULT_CONF_DIR})
  --bin-dir DIR[:DIR]      plugin directories, repeatable; also CNI_PATH (default: ${DEFAULT_BIN_DIR})
  --cache-dir DIR          result cache (default: ${DEFAULT_CACHE_DIR})
  --args 'K=V;K=V'         CNI_ARGS (check/del: default as cached by add)
  --capability-args JSON   runtimeConfig values, passed to plugins declaring the capability
                           (check/del: default as cached by add)
  --valid-attachments JSON gc: [{"containerID": ID, "ifname": NAME}, ...]
                           (default: every cached attachment of NETWORK)
  --timeout SECONDS        per plugin (default: ${DEFAULT_TIMEOUT_S})
  --json                   machine-readable output; errors as CNI error JSON on stdout
  -h, --help

add prints the final result JSON. Exit status: 0 ok, 1 failed, 2 bad usage.
`;

export interface CniInvocation {
  verb: Verb;
  network: string;
  netns: string;
  containerId: string;
  ifname: string;
  confDir: string;
  binDirs: string[];
  cacheDir: string;
  args: Array<[string, string]> | undefined;
  capabilityArgs: Record<string, unknown> | undefined;
  validAttachments: GcAttachment[] | undefined;
  timeoutMs: number;
  json: boolean;
}

/** cnitool's default: a stable ID per netns, so add and del pair up without --container-id. */
export function defaultContainerId(netns: string): string {
  return `podwirectl-${createHash('sha512').update(netns).digest('hex').slice(0, 20)}`;
}

/** A bare name means /run/netns/NAME, where `ip netns` keeps them. */
export function resolveNetns(arg: string): string {
  return arg === '' || arg.includes('/') ? arg : `/run/netns/${arg}`;
}

/** `'help'` for --help; throws UsageError (or a CniError for bad option values). */
export function parseCniInvocation(argv: readonly string[]): CniInvocation | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        'container-id': { type: 'string' },
        ifname: { type: 'string' },
        'conf-dir': { type: 'string' },
        'bin-dir': { type: 'string', multiple: true },
        'cache-dir': { type: 'string' },
        args: { type: 'string' },
        'capability-args': { type: 'string' },
        'valid-attachments': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const { values: v, positionals } = parsed;
  if (v.help === true) return 'help';
  const [verbArg, network, netnsArg, ...extra] = positionals;
  if (verbArg === undefined) throw new UsageError('missing verb: add, check, del, gc or status');
  if (!(VERBS as readonly string[]).includes(verbArg)) throw new UsageError(`unknown verb "${verbArg}": expected add, check, del, gc or status`);
  const verb = verbArg as Verb;
  if (network === undefined || network === '') throw new UsageError(`${verb}: missing NETWORK`);
  const perAttachment = verb === 'add' || verb === 'check' || verb === 'del';
  if (perAttachment && netnsArg === undefined) throw new UsageError(`${verb}: missing NETNS`);
  if ((!perAttachment && netnsArg !== undefined) || extra.length > 0) throw new UsageError(`${verb}: unexpected argument "${(perAttachment ? extra[0] : netnsArg) ?? ''}"`);
  for (const opt of ['container-id', 'ifname', 'args', 'capability-args'] as const) {
    if (!perAttachment && v[opt] !== undefined) throw new UsageError(`${verb}: --${opt} applies to add, check and del only`);
  }
  if (verb !== 'gc' && v['valid-attachments'] !== undefined) throw new UsageError(`${verb}: --valid-attachments applies to gc only`);
  const timeoutS = v.timeout === undefined ? DEFAULT_TIMEOUT_S : Number(v.timeout);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError(`--timeout: "${v.timeout ?? ''}" is not a positive number of seconds`);
  const binDirs = (v['bin-dir'] ?? [DEFAULT_BIN_DIR]).flatMap((d) => d.split(':')).filter((d) => d !== '');
  const netns = resolveNetns(netnsArg ?? '');
  return {
    verb,
    network,
    netns,
    containerId: v['container-id'] ?? (perAttachment ? defaultContainerId(netns) : ''),
    ifname: v.ifname ?? (perAttachment ? 'eth0' : ''),
    confDir: v['conf-dir'] ?? DEFAULT_CONF_DIR,
    binDirs,
    cacheDir: v['cache-dir'] ?? DEFAULT_CACHE_DIR,
    args: v.args !== undefined ? parseArgPairs(v.args) : undefined,
    capabilityArgs: v['capability-args'] !== undefined ? parseCapabilityArgs(v['capability-args']) : undefined,
    validAttachments: v['valid-attachments'] !== undefined ? parseValidAttachments(v['valid-attachments']) : undefined,
    timeoutMs: Math.round(timeoutS * 1000),
    json: v.json === true,
  };
}
