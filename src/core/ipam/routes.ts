// `ipam.routes`: passed through to the result as host-local does, with the
// destination and gateway validated and printed in canonical form. A missing
// `gw` stays missing: the interface plugin fills in the range's gateway.
import { configError } from '../../cni/errors.js';
import type { Route } from '../../cni/types.js';
import { formatIp } from '../ip/address.js';
import { formatCidr, tryParseCidr } from '../ip/cidr.js';
import { describe, isObject, optInteger, optIp, optString } from './json.js';

const OPTIONAL_INTS = ['mtu', 'advmss', 'priority', 'table', 'scope'] as const;

export function parseRoute(raw: unknown, field: string): Route {
  if (!isObject(raw)) throw configError(field, `must be an object, got ${describe(raw)}`);
  const dstText = optString(raw, 'dst', `${field}.dst`);
  if (dstText === undefined || dstText === '') throw configError(`${field}.dst`, 'required');
  const dst = tryParseCidr(dstText);
  if (!dst) throw configError(`${field}.dst`, `"${dstText}" is not a CIDR`);
  const route: Route = { dst: formatCidr(dst) };
  const gw = optIp(raw, 'gw', `${field}.gw`);
  if (gw) {
    if (gw.family !== dst.address.family) {
      throw configError(`${field}.gw`, `${formatIp(gw)} is IPv${gw.family} but dst ${dstText} is IPv${dst.address.family}`);
    }
    route.gw = formatIp(gw);
  }
  for (const key of OPTIONAL_INTS) {
    const v = optInteger(raw, key, `${field}.${key}`);
    if (v !== undefined) route[key] = v;
  }
  return route;
}

export function parseRoutes(raw: unknown, field: string): Route[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw configError(field, `must be a list, got ${describe(raw)}`);
  return raw.map((r, i) => parseRoute(r, `${field}[${i}]`));
}
