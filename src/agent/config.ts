// podwire-agent's configuration: a JSON file, with command-line flags
// overriding it field by field. Pure: the caller reads the file and hands in
// its parsed JSON (unknown) and argv; nothing here touches the disk or the
// kernel. Every problem is an AgentConfigError naming the field (or the flag
// that set it), reported before the agent touches anything.
//
// Defaults that depend on the node (underlayInterface: the interface holding
// the default route; mtu: the underlay's, minus the VXLAN overhead) stay
// undefined here and are resolved by node-setup.ts inside the agent's netns.
// `source` is a tagged union so a Kubernetes API source slots in beside the
// file source without reshaping the config.
import { parseArgs } from 'node:util';
import { BlockPoolError, parseBlockPool, type BlockPool } from '../core/cluster/pod-cidr.js';
import { tryParseIp } from '../core/ip/address.js';
import { tryParseCidr } from '../core/ip/cidr.js';

export type BackendName = 'vxlan' | 'routed';

/** Where the agent reads the cluster from. Only `file` exists so far; `kubernetes` is the seam for the API server. */
export type SourceConfig = { type: 'file'; dir: string };

export interface ListenAddress {
  host: string;
  port: number;
}

export interface AgentConfig {
  nodeName: string;
  /** The cluster's IPv4 pod network and each node's block size in it. */
  pool: BlockPool;
  /** The cluster's IPv6 pod network (blockSizeV6 per node), when dual stack. */
  poolV6: BlockPool | undefined;
  backend: BackendName;
  /** Undefined: the interface holding the default route. */
  underlayInterface: string | undefined;
  /** Pod and overlay MTU; undefined: the underlay's, minus 50 for vxlan. */
  mtu: number | undefined;
  vni: number;
  cniConfDir: string;
  cniBinDir: string;
  stateDir: string;
  source: SourceConfig;
  listen: ListenAddress;
  apiSocket: string;
  /** The CNI service's socket (docs/cni-service.md), named in the conflist as the plugin's serviceSocket. */
  cniSocket: string;
  /** Seconds between full reconciles of the peers' datapath. */
  resyncSeconds: number;
}

export class AgentConfigError extends Error {
  readonly code = 'InvalidAgentConfig';
  constructor(readonly field: string, readonly problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'AgentConfigError';
  }
}

/** Flag name → config field, and the flag's value type. */
const FLAGS = {
  'node-name': { field: 'nodeName', type: 'string' },
  'cluster-cidr': { field: 'clusterCIDR', type: 'string' },
  'cluster-cidr-v6': { field: 'clusterCIDRv6', type: 'string' },
  'block-size': { field: 'blockSize', type: 'int' },
  'block-size-v6': { field: 'blockSizeV6', type: 'int' },
  backend: { field: 'backend', type: 'string' },
  'underlay-interface': { field: 'underlayInterface', type: 'string' },
  mtu: { field: 'mtu', type: 'int' },
  vni: { field: 'vni', type: 'int' },
  'cni-conf-dir': { field: 'cniConfDir', type: 'string' },
  'cni-bin-dir': { field: 'cniBinDir', type: 'string' },
  'state-dir': { field: 'stateDir', type: 'string' },
  'source-dir': { field: 'source', type: 'source-dir' },
  listen: { field: 'listen', type: 'string' },
  'api-socket': { field: 'apiSocket', type: 'string' },
  'cni-socket': { field: 'cniSocket', type: 'string' },
  'resync-seconds': { field: 'resyncSeconds', type: 'int' },
} as const;

type FlagName = keyof typeof FLAGS;

export const AGENT_USAGE = `Usage: podwire-agent [--config FILE] [options]

Options override the fields of the JSON config file:
${Object.entries(FLAGS).map(([flag, f]) => `  --${flag.padEnd(20)} ${f.field}`).join('\n')}
  --config FILE          JSON config file
  -h, --help
`;

/** The command line: the config file to read and the overrides, as a partial raw config. */
export interface AgentArgs {
  configPath: string | undefined;
  overrides: Record<string, unknown>;
  /** Config field → the flag that set it, so errors name what the operator typed. */
  flagOf: Record<string, string>;
}

export function parseAgentArgs(argv: readonly string[]): AgentArgs | 'help' {
  const options = Object.fromEntries(Object.keys(FLAGS).map((k) => [k, { type: 'string' as const }]));
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { ...options, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    }) as { values: Record<string, string | boolean | undefined> });
  } catch (err) {
    throw new AgentConfigError('argv', err instanceof Error ? err.message : String(err));
  }
  if (values.help === true) return 'help';
  const overrides: Record<string, unknown> = {};
  const flagOf: Record<string, string> = {};
  for (const [flag, spec] of Object.entries(FLAGS) as Array<[FlagName, (typeof FLAGS)[FlagName]]>) {
    const v = values[flag];
    if (typeof v !== 'string') continue;
    flagOf[spec.field] = `--${flag}`;
    if (spec.type === 'int') {
      if (!/^-?\d+$/.test(v)) throw new AgentConfigError(`--${flag}`, `${JSON.stringify(v)} is not an integer`);
      overrides[spec.field] = Number(v);
    } else if (spec.type === 'source-dir') {
      overrides[spec.field] = { type: 'file', dir: v };
    } else {
      overrides[spec.field] = v;
    }
  }
  return { configPath: typeof values.config === 'string' ? values.config : undefined, overrides, flagOf };
}

const IFNAME_RE = /^[^/:\s]{1,15}$/;
const NODE_NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const KNOWN_FIELDS = new Set([...Object.values(FLAGS).map((f) => f.field), '$schema']);

/**
 * Merges `overrides` (from parseAgentArgs) over the file's JSON and
 * validates the result. `file` is undefined when no config file is used.
 */
export function parseAgentConfig(file: unknown, args: Pick<AgentArgs, 'overrides' | 'flagOf'> = { overrides: {}, flagOf: {} }): AgentConfig {
  if (file !== undefined && (typeof file !== 'object' || file === null || Array.isArray(file))) {
    throw new AgentConfigError('<config>', 'must be a JSON object');
  }
  const fromFile = (file ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(fromFile)) {
    if (!KNOWN_FIELDS.has(key)) throw new AgentConfigError(key, 'unknown field');
  }
  const raw: Record<string, unknown> = { ...fromFile, ...args.overrides };
  const name = (field: string): string => args.flagOf[field] ?? field;
  const fail = (field: string, problem: string): never => {
    throw new AgentConfigError(name(field), problem);
  };

  const str = (field: string, dflt?: string): string | undefined => {
    const v = raw[field];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'string' || v === '') return fail(field, 'must be a non-empty string');
    return v;
  };
  const int = (field: string, dflt: number | undefined, min: number, max: number): number | undefined => {
    const v = raw[field];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isInteger(v)) return fail(field, 'must be an integer');
    if (v < min || v > max) return fail(field, `${v} is out of range ${min}-${max}`);
    return v;
  };
  const absPath = (field: string, dflt: string): string => {
    const v = str(field, dflt) ?? dflt;
    if (!v.startsWith('/')) fail(field, `${JSON.stringify(v)} must be an absolute path`);
    return v;
  };

  const nodeName = str('nodeName') ?? fail('nodeName', 'required');
  if (nodeName.length > 253 || !NODE_NAME_RE.test(nodeName)) fail('nodeName', `${JSON.stringify(nodeName)} is not a valid Node name (lowercase DNS subdomain)`);

  const pool = poolOf(raw.clusterCIDR ?? fail('clusterCIDR', 'required'), int('blockSize', 24, 0, 32), 4, name('clusterCIDR'), name('blockSize'));
  const poolV6 = raw.clusterCIDRv6 === undefined || raw.clusterCIDRv6 === null
    ? undefined
    : poolOf(raw.clusterCIDRv6, int('blockSizeV6', 64, 0, 128), 6, name('clusterCIDRv6'), name('blockSizeV6'));

  const backend = str('backend', 'vxlan');
  if (backend !== 'vxlan' && backend !== 'routed') return fail('backend', `${JSON.stringify(backend)} is not one of "vxlan", "routed"`);

  if (poolV6 && backend === 'routed') fail('clusterCIDRv6', 'the routed backend carries IPv4 only so far (it would need each node\'s IPv6 underlay address); use backend "vxlan" for dual stack');

  const underlayInterface = str('underlayInterface');
  if (underlayInterface !== undefined && !IFNAME_RE.test(underlayInterface)) fail('underlayInterface', 'must be an interface name of 1-15 characters without "/", ":" or spaces');

  const stateDir = absPath('stateDir', '/var/lib/podwire');
  return {
    nodeName,
    pool,
    poolV6,
    backend,
    underlayInterface,
    mtu: int('mtu', undefined, 576, 65535),
    // VNI 0 is valid for the kernel but reserved by some hardware VTEPs; flannel starts at 1.
    vni: int('vni', 1, 1, 16777215) ?? 1,
    cniConfDir: absPath('cniConfDir', '/etc/cni/net.d'),
    cniBinDir: absPath('cniBinDir', '/opt/cni/bin'),
    stateDir,
    source: parseSource(raw.source, name('source')),
    listen: parseListen(str('listen', '127.0.0.1:9153') ?? '', name('listen')),
    apiSocket: absPath('apiSocket', `${stateDir}/agent.sock`),
    cniSocket: absPath('cniSocket', `${stateDir}/cni.sock`),
    resyncSeconds: int('resyncSeconds', 60, 1, 86400) ?? 60,
  };
}

function poolOf(cidr: unknown, blockSize: number | undefined, family: 4 | 6, cidrField: string, sizeField: string): BlockPool {
  // The family first: blockSize's valid range depends on it, and a v6 CIDR here is the real mistake.
  const parsed = typeof cidr === 'string' ? tryParseCidr(cidr) : undefined;
  if (parsed && parsed.address.family !== family) throw new AgentConfigError(cidrField, `must be an IPv${family} CIDR`);
  let pool: BlockPool;
  try {
    pool = parseBlockPool(cidr, blockSize, cidrField);
  } catch (err) {
    if (!(err instanceof BlockPoolError)) throw err;
    const field = err.field.endsWith('.blockPrefix') ? sizeField : cidrField;
    throw new AgentConfigError(field, err.problem);
  }
  return pool;
}

function parseSource(v: unknown, field: string): SourceConfig {
  if (v === undefined || v === null) throw new AgentConfigError(field, 'required: {"type": "file", "dir": "/path"}');
  if (typeof v !== 'object' || Array.isArray(v)) throw new AgentConfigError(field, 'must be an object');
  const s = v as Record<string, unknown>;
  if (s.type === 'kubernetes') throw new AgentConfigError(`${field}.type`, '"kubernetes" is not implemented yet; use "file"');
  if (s.type !== 'file') throw new AgentConfigError(`${field}.type`, `${JSON.stringify(s.type)} is not one of "file"`);
  for (const key of Object.keys(s)) {
    if (key !== 'type' && key !== 'dir') throw new AgentConfigError(`${field}.${key}`, 'unknown field');
  }
  if (typeof s.dir !== 'string' || !s.dir.startsWith('/')) throw new AgentConfigError(`${field}.dir`, 'must be an absolute path');
  return { type: 'file', dir: s.dir };
}

/** "host:port" or "[v6]:port". */
export function parseListen(text: string, field = 'listen'): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || host === undefined) throw new AgentConfigError(field, `${JSON.stringify(text)} is not host:port`);
  if (!tryParseIp(host)) throw new AgentConfigError(field, `${JSON.stringify(host)} is not an IP address`);
  if (m[1] !== undefined && !host.includes(':')) throw new AgentConfigError(field, 'brackets are for IPv6 addresses only');
  if (port < 1 || port > 65535) throw new AgentConfigError(field, `port ${port} is out of range 1-65535`);
  return { host, port };
}
