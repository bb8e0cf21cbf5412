// Field readers for the object parsers. Each takes the parent object, the key
// and the path of the parent, and throws a FieldProblem naming the full path
// (`spec.containers[0].ports[1].containerPort: must be an integer between 1
// and 65535`); parseObject turns that into an Invalid ClusterError naming the
// kind and object. Readers only check: the parsers work on a private copy of
// the input and write defaults into it themselves.
import { tryParseIp } from '../../core/ip/address.js';
import { hasHostBits, tryParseCidr } from '../../core/ip/cidr.js';

export type Obj = Record<string, unknown>;

export class FieldProblem extends Error {
  constructor(readonly field: string, readonly problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'FieldProblem';
  }
}

export function fail(field: string, problem: string): never {
  throw new FieldProblem(field, problem);
}

export function at(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

export function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObj(v: unknown, field: string): Obj {
  if (!isObj(v)) fail(field, 'must be an object');
  return v;
}

/** Absent and null read as absent, as in the API's JSON decoding. */
function present(parent: Obj, key: string): unknown {
  const v = parent[key];
  return v === null ? undefined : v;
}

export function optObj(parent: Obj, key: string, base: string): Obj | undefined {
  const v = present(parent, key);
  return v === undefined ? undefined : asObj(v, at(base, key));
}

export function reqObj(parent: Obj, key: string, base: string): Obj {
  const v = optObj(parent, key, base);
  if (!v) fail(at(base, key), 'Required value');
  return v;
}

export function optString(parent: Obj, key: string, base: string): string | undefined {
  const v = present(parent, key);
  if (v !== undefined && typeof v !== 'string') fail(at(base, key), 'must be a string');
  return v;
}

export function reqString(parent: Obj, key: string, base: string): string {
  const v = optString(parent, key, base);
  if (v === undefined || v === '') fail(at(base, key), 'Required value');
  return v;
}

export function optBool(parent: Obj, key: string, base: string): boolean | undefined {
  const v = present(parent, key);
  if (v !== undefined && typeof v !== 'boolean') fail(at(base, key), 'must be a boolean');
  return v;
}

export function optInt(parent: Obj, key: string, base: string, min: number, max: number): number | undefined {
  const v = present(parent, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(at(base, key), `must be an integer between ${min} and ${max}`);
  return v;
}

export function reqInt(parent: Obj, key: string, base: string, min: number, max: number): number {
  const v = optInt(parent, key, base, min, max);
  if (v === undefined) fail(at(base, key), 'Required value');
  return v;
}

export function optEnum<T extends string>(parent: Obj, key: string, base: string, values: readonly T[]): T | undefined {
  const v = optString(parent, key, base);
  if (v !== undefined && !(values as readonly string[]).includes(v)) {
    fail(at(base, key), `Unsupported value: ${JSON.stringify(v)}: supported values: ${values.map((x) => JSON.stringify(x)).join(', ')}`);
  }
  return v as T | undefined;
}

export function optArray(parent: Obj, key: string, base: string): unknown[] | undefined {
  const v = present(parent, key);
  if (v !== undefined && !Array.isArray(v)) fail(at(base, key), 'must be an array');
  return v;
}

/** Each element through `each(element, path)`; absent reads as []. */
export function eachOf(parent: Obj, key: string, base: string, each: (v: unknown, field: string) => void): void {
  (optArray(parent, key, base) ?? []).forEach((v, i) => each(v, at(at(base, key), i)));
}

export function optStringArray(parent: Obj, key: string, base: string): string[] | undefined {
  const arr = optArray(parent, key, base);
  arr?.forEach((v, i) => {
    if (typeof v !== 'string') fail(at(at(base, key), i), 'must be a string');
  });
  return arr as string[] | undefined;
}

export function optStringMap(parent: Obj, key: string, base: string): Record<string, string> | undefined {
  const v = optObj(parent, key, base);
  if (!v) return undefined;
  for (const [k, value] of Object.entries(v)) {
    if (typeof value !== 'string') fail(at(at(base, key), k), 'must be a string');
  }
  return v as Record<string, string>;
}

/** An IP address literal; family 4 or 6 restricts it. */
export function checkIp(text: string, field: string, family?: 4 | 6): void {
  const ip = tryParseIp(text);
  if (!ip) fail(field, `${JSON.stringify(text)} is not a valid IP address`);
  if (family && ip.family !== family) fail(field, `${JSON.stringify(text)} is not an IPv${family} address`);
}

/** A CIDR in network form (no host bits), as the API requires for podCIDRs and ipBlocks. */
export function checkCidr(text: string, field: string): void {
  const c = tryParseCidr(text);
  if (!c) fail(field, `${JSON.stringify(text)} is not a valid CIDR`);
  if (hasHostBits(c)) fail(field, `${JSON.stringify(text)} has host bits set`);
}

/** An int-or-string: a port number 1-65535, or an IANA service name (a DNS label of at most 15 characters). */
export function checkPortOrName(v: unknown, field: string): void {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 1 || v > 65535) fail(field, 'must be between 1 and 65535, inclusive');
    return;
  }
  if (typeof v !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(v) || v.length > 15 || !/[a-z]/.test(v)) {
    fail(field, 'must be a port number or an IANA_SVC_NAME (at most 15 lower-case alphanumerics or \'-\', with a letter)');
  }
}
