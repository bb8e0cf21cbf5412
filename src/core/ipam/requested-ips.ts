// Specific addresses a runtime asks for, from the three places host-local
// reads them: CNI_ARGS `IP=` (comma-separated here, one address in
// host-local 1.1.1), the `ips` args convention (`args.cni.ips`) and the `ips`
// capability (`runtimeConfig.ips`). Each address must fall in exactly one
// range set, at most one per set, and never be a gateway, network or
// broadcast address. All of this is decided before the lock is taken, so a
// bad request leaves nothing on disk.
import { K8S_ARGS, parseCniArgs } from '../../cni/args.js';
import { CniError, ErrorCode } from '../../cni/errors.js';
import { formatIp, ipEquals, ipKey, tryParseIp, unmapIpv4, type IpAddress } from '../ip/address.js';
import { tryParseCidr } from '../ip/cidr.js';
import { describe, isObject } from './json.js';
import { unallocatableReason } from './range.js';
import { formatRangeSet, rangeFor, type RangeSet } from './range-set.js';

export interface RequestedIp {
  readonly ip: IpAddress;
  /** Where it came from, for messages: `CNI_ARGS IP`, `args.cni.ips[0]`, `runtimeConfig.ips[1]`. */
  readonly source: string;
}

/** CNI_ARGS problems are environment errors (4); config and capability problems are config errors (7). */
function requestError(source: string, problem: string): CniError {
  const code = source.startsWith('CNI_ARGS') ? ErrorCode.InvalidEnvironment : ErrorCode.InvalidNetworkConfig;
  return new CniError(code, `${source}: ${problem}`);
}

/** "10.1.0.5" or, as the `ips` capability allows, "10.1.0.5/24" (the prefix is ignored, as in host-local). */
function parseAddress(text: string, source: string): IpAddress {
  const ip = text.includes('/') ? tryParseCidr(text)?.address : tryParseIp(text);
  if (!ip) throw requestError(source, `"${text}" is not an IP address`);
  return unmapIpv4(ip);
}

function fromList(raw: unknown, field: string): RequestedIp[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw requestError(field, `must be a list of IP addresses, got ${describe(raw)}`);
  return raw.map((v, i) => {
    const source = `${field}[${i}]`;
    if (typeof v !== 'string') throw requestError(source, `must be a string, got ${describe(v)}`);
    return { ip: parseAddress(v, source), source };
  });
}

/** Collects requested addresses in host-local's order: CNI_ARGS, then args, then runtimeConfig. */
export function collectRequestedIps(cniArgs: string, raw: Record<string, unknown>, runtimeConfig: Record<string, unknown>): RequestedIp[] {
  const out: RequestedIp[] = [];
  const ipArg = parseCniArgs(cniArgs, ['IP', ...K8S_ARGS]).get('IP');
  if (ipArg !== undefined && ipArg.trim() !== '') {
    for (const part of ipArg.split(',')) out.push({ ip: parseAddress(part.trim(), 'CNI_ARGS IP'), source: 'CNI_ARGS IP' });
  }
  const args = raw.args;
  if (isObject(args) && isObject(args.cni)) out.push(...fromList(args.cni.ips, 'args.cni.ips'));
  out.push(...fromList(runtimeConfig.ips, 'runtimeConfig.ips'));
  return out;
}

/** Places each requested address in its range set: index i holds the address for sets[i], if any. */
export function assignRequestedIps(requests: readonly RequestedIp[], sets: readonly RangeSet[]): Array<RequestedIp | undefined> {
  const bySet: Array<RequestedIp | undefined> = sets.map(() => undefined);
  const seen = new Set<string>();
  for (const req of requests) {
    // The same address from two sources is one request (host-local keys them by address).
    if (seen.has(ipKey(req.ip))) continue;
    seen.add(ipKey(req.ip));
    const index = sets.findIndex((s) => rangeFor(s, req.ip) !== undefined);
    const set = sets[index];
    const range = set && rangeFor(set, req.ip);
    if (!set || !range) {
      const all = sets.map((s) => `${s.field} (${formatRangeSet(s)})`).join(', ');
      throw requestError(req.source, `${formatIp(req.ip)} is not in any range set: ${all}`);
    }
    const reason = unallocatableReason(range, req.ip);
    if (reason) throw requestError(req.source, `not allocatable: ${reason}`);
    const earlier = bySet[index];
    if (earlier && !ipEquals(earlier.ip, req.ip)) {
      throw requestError(req.source, `${formatIp(req.ip)} and ${formatIp(earlier.ip)} (${earlier.source}) are both in ${set.field}; a range set gives one address`);
    }
    bySet[index] = req;
  }
  return bySet;
}
