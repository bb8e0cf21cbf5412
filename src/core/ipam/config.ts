// The IPAM configuration, parsed and validated once before anything touches
// the disk. It accepts what host-local accepts (its README and
// backend/allocator/config.go): `ranges` as a list of range sets, the legacy
// single range at the top of `ipam`, the `ipRanges` capability, `routes`,
// `dataDir`, `resolvConf`. Range sets are ordered as host-local orders them —
// runtimeConfig.ipRanges, then the legacy range, then `ranges` — because the
// index of a set names its `last_reserved_ip.<index>` file on disk.
import { posix } from 'node:path';
import { configError } from '../../cni/errors.js';
import type { Route } from '../../cni/types.js';
import { describe, isObject, optArray, optString, type Json } from './json.js';
import { assignRequestedIps, collectRequestedIps, type RequestedIp } from './requested-ips.js';
import { buildRangeSet, parseRangeSet, rangeSetsOverlap, type RangeSet } from './range-set.js';
import { parseRoutes } from './routes.js';

export const DEFAULT_DATA_DIR = '/var/lib/cni/networks';

/** What the IPAM verbs read from a CNI invocation (CmdArgs carries all of it). */
export interface IpamInput {
  /** The network name: the lease directory is `<dataDir>/<name>`. */
  readonly name: string;
  /** The `ipam` object of the config, if any. */
  readonly ipam: Json | undefined;
  /** The whole config, for the `args` convention. */
  readonly raw: Json;
  /** Normalised to lowerCamel keys. */
  readonly runtimeConfig: Json;
  /** Raw CNI_ARGS. */
  readonly cniArgs: string;
}

/** Where a network's leases live. */
export interface LeaseLocation {
  readonly dataDir: string;
  readonly network: string;
}

export interface IpamConfig {
  readonly location: LeaseLocation;
  readonly rangeSets: readonly RangeSet[];
  /** requested[i] is the address asked for in rangeSets[i], if any. */
  readonly requested: ReadonlyArray<RequestedIp | undefined>;
  readonly routes: readonly Route[];
  readonly resolvConf: string | undefined;
}

const LEGACY_KEYS = ['subnet', 'rangeStart', 'rangeEnd', 'gateway'] as const;

function requireIpam(input: IpamInput): Json {
  if (!isObject(input.ipam)) throw configError('ipam', 'required: this is an IPAM plugin');
  return input.ipam;
}

/** The lease directory alone: all DEL and GC need, so a config whose ranges changed can still release. */
export function parseLeaseLocation(input: IpamInput): LeaseLocation {
  const ipam = requireIpam(input);
  // The skel already enforces the spec's name pattern; in-process callers
  // build CmdArgs themselves, and the name becomes a path component.
  if (input.name === '' || input.name === '.' || input.name === '..' || /[/\0]/.test(input.name)) {
    throw configError('name', `"${input.name}" cannot name a lease directory`);
  }
  const text = optString(ipam, 'dataDir', 'ipam.dataDir');
  if (text === undefined || text === '') return { dataDir: DEFAULT_DATA_DIR, network: input.name };
  if (text.includes('\0')) throw configError('ipam.dataDir', 'contains a NUL byte');
  if (!posix.isAbsolute(text)) throw configError('ipam.dataDir', `"${text}" must be an absolute path`);
  return { dataDir: posix.normalize(text), network: input.name };
}

function parseRangeSets(ipam: Json, runtimeConfig: Json): RangeSet[] {
  const sets: RangeSet[] = [];
  const runtimeRanges = optArray(runtimeConfig, 'ipRanges', 'runtimeConfig.ipRanges') ?? [];
  runtimeRanges.forEach((raw, i) => sets.push(parseRangeSet(raw, `runtimeConfig.ipRanges[${i}]`)));
  // The legacy form: one range whose fields sit directly in `ipam`. As in
  // host-local it counts only when `subnet` is given; without it the other
  // keys are ignored, so a config that works with host-local works here.
  if (ipam.subnet !== undefined && ipam.subnet !== null) {
    const legacy: Json = {};
    for (const key of LEGACY_KEYS) if (ipam[key] !== undefined) legacy[key] = ipam[key];
    sets.push(buildRangeSet('ipam', [legacy], () => 'ipam'));
  }
  const ranges = optArray(ipam, 'ranges', 'ipam.ranges') ?? [];
  ranges.forEach((raw, i) => sets.push(parseRangeSet(raw, `ipam.ranges[${i}]`)));
  if (sets.length === 0) throw configError('ipam.ranges', 'required: give at least one range set (or the legacy ipam.subnet)');
  for (let j = 1; j < sets.length; j++) {
    for (let i = 0; i < j; i++) {
      const a = sets[i] as RangeSet;
      const b = sets[j] as RangeSet;
      if (rangeSetsOverlap(a, b)) throw configError(b.field, `overlaps ${a.field}: range sets must be disjoint`);
    }
  }
  return sets;
}

/** Parses and validates everything ADD, CHECK and STATUS need. */
export function parseIpamConfig(input: IpamInput): IpamConfig {
  const ipam = requireIpam(input);
  const location = parseLeaseLocation(input);
  const rangeSets = parseRangeSets(ipam, input.runtimeConfig);
  const routes = parseRoutes(ipam.routes, 'ipam.routes');
  const resolv = ipam.resolvConf;
  if (resolv !== undefined && resolv !== null && typeof resolv !== 'string') {
    throw configError('ipam.resolvConf', `must be a string, got ${describe(resolv)}`);
  }
  const requested = assignRequestedIps(collectRequestedIps(input.cniArgs, input.raw, input.runtimeConfig), rangeSets);
  return { location, rangeSets, requested, routes, resolvConf: typeof resolv === 'string' && resolv !== '' ? resolv : undefined };
}
