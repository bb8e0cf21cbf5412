// Field readers for config that arrives as `unknown`. Every failure is a
// CniError (code 7) naming the full path of the field, so a user sees
// `ipam.ranges[0][1].gateway: not an IP address` and not a stack trace.
import { configError } from '../../cni/errors.js';
import { tryParseIp, type IpAddress } from '../ip/address.js';

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON null counts as absent, as it does for Go's decoder. */
export function optString(obj: Json, key: string, field: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw configError(field, `must be a string, got ${describe(v)}`);
  return v;
}

export function optArray(obj: Json, key: string, field: string): unknown[] | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw configError(field, `must be a list, got ${describe(v)}`);
  return v;
}

export function optInteger(obj: Json, key: string, field: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw configError(field, `must be an integer, got ${describe(v)}`);
  return v;
}

/** A string field holding a single IP address. */
export function optIp(obj: Json, key: string, field: string): IpAddress | undefined {
  const text = optString(obj, key, field);
  if (text === undefined) return undefined;
  const ip = tryParseIp(text);
  if (!ip) throw configError(field, `"${text}" is not an IP address`);
  return ip;
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `"${v}"`;
  return `${typeof v} ${String(v)}`;
}
