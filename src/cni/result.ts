// Results in every supported version. Internally a result always has the
// newest shape (types.ts); parseResult upconverts whatever a plugin or a
// prevResult carries, convertResult prints the shape a config asked for.
// Key order and omitted fields follow the reference Go types (types/040,
// types/100), so our JSON is byte-comparable with the reference plugins'.
import { CniError, ErrorCode } from './errors.js';
import type { CniInterface, CniResult, Dns, IpConfig, Route } from './types.js';
import { compareVersions, isSupportedVersion, SUPPORTED_VERSIONS } from './version.js';

type Json = Record<string, unknown>;

function fail(field: string, problem: string): CniError {
  return new CniError(ErrorCode.DecodeFailure, `${field}: ${problem}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(o: Json, key: string, field: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw fail(`${field}.${key}`, 'must be a string');
  return v;
}

function optInt(o: Json, key: string, field: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw fail(`${field}.${key}`, 'must be an integer');
  return v;
}

function optStrings(o: Json, key: string, field: string): string[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw fail(`${field}.${key}`, 'must be a list of strings');
  return v as string[];
}

function list(o: Json, key: string, field: string): unknown[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw fail(`${field}.${key}`, 'must be a list');
  return v;
}

function assign<T extends object>(target: T, values: { [K in keyof T]?: T[K] | undefined }): T {
  for (const [k, v] of Object.entries(values)) if (v !== undefined) (target as Json)[k] = v;
  return target;
}

function parseInterface(v: unknown, field: string): CniInterface {
  if (!isObject(v)) throw fail(field, 'must be an object');
  const name = optString(v, 'name', field);
  if (name === undefined) throw fail(`${field}.name`, 'required');
  return assign<CniInterface>({ name }, {
    mac: optString(v, 'mac', field),
    mtu: optInt(v, 'mtu', field),
    sandbox: optString(v, 'sandbox', field),
    socketPath: optString(v, 'socketPath', field),
    pciID: optString(v, 'pciID', field),
  });
}

function parseIp(v: unknown, field: string, interfaces: number): IpConfig {
  if (!isObject(v)) throw fail(field, 'must be an object');
  const address = optString(v, 'address', field);
  if (address === undefined || !address.includes('/')) throw fail(`${field}.address`, 'must be an address in CIDR notation');
  const iface = optInt(v, 'interface', field);
  if (iface !== undefined && (iface < 0 || iface >= interfaces)) throw fail(`${field}.interface`, `index ${iface} out of range`);
  return assign<IpConfig>({ address }, { gateway: optString(v, 'gateway', field), interface: iface });
}

function parseRoute(v: unknown, field: string): Route {
  if (!isObject(v)) throw fail(field, 'must be an object');
  const dst = optString(v, 'dst', field);
  if (dst === undefined) throw fail(`${field}.dst`, 'required');
  return assign<Route>({ dst }, {
    gw: optString(v, 'gw', field),
    mtu: optInt(v, 'mtu', field),
    advmss: optInt(v, 'advmss', field),
    priority: optInt(v, 'priority', field),
    table: optInt(v, 'table', field),
    scope: optInt(v, 'scope', field),
  });
}

function parseDns(v: unknown, field: string): Dns | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw fail(field, 'must be an object');
  const dns = assign<Dns>({}, {
    nameservers: optStrings(v, 'nameservers', field),
    domain: optString(v, 'domain', field),
    search: optStrings(v, 'search', field),
    options: optStrings(v, 'options', field),
  });
  return Object.keys(dns).length > 0 ? dns : undefined;
}

/** Any supported result version → the newest shape. `field` prefixes error messages. */
export function parseResult(raw: unknown, field = 'result'): CniResult {
  if (!isObject(raw)) throw fail(field, 'must be an object');
  const version = raw.cniVersion;
  if (typeof version !== 'string') throw fail(`${field}.cniVersion`, 'required');
  if (!isSupportedVersion(version)) {
    throw new CniError(ErrorCode.IncompatibleVersion, `${field}.cniVersion: unsupported version "${version}"`, `supported: ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  const interfaces = (list(raw, 'interfaces', field) ?? []).map((v, i) => parseInterface(v, `${field}.interfaces[${i}]`));
  const ips = (list(raw, 'ips', field) ?? []).map((v, i) => parseIp(v, `${field}.ips[${i}]`, interfaces.length));
  const routes = (list(raw, 'routes', field) ?? []).map((v, i) => parseRoute(v, `${field}.routes[${i}]`));
  const result: CniResult = { cniVersion: version };
  if (interfaces.length) result.interfaces = interfaces;
  if (ips.length) result.ips = ips;
  if (routes.length) result.routes = routes;
  const dns = parseDns(raw.dns, `${field}.dns`);
  if (dns) result.dns = dns;
  return result;
}

function familyOf(address: string): '4' | '6' {
  return address.includes(':') ? '6' : '4';
}

function printInterface(i: CniInterface, v11: boolean): Json {
  const out: Json = { name: i.name };
  if (i.mac) out.mac = i.mac;
  if (v11 && i.mtu) out.mtu = i.mtu;
  if (i.sandbox) out.sandbox = i.sandbox;
  if (v11 && i.socketPath) out.socketPath = i.socketPath;
  if (v11 && i.pciID) out.pciID = i.pciID;
  return out;
}

function printIp(ip: IpConfig, legacy: boolean): Json {
  const out: Json = legacy ? { version: familyOf(ip.address) } : {};
  if (ip.interface !== undefined) out.interface = ip.interface;
  out.address = ip.address;
  if (ip.gateway) out.gateway = ip.gateway;
  return out;
}

function printRoute(r: Route, v11: boolean): Json {
  const out: Json = { dst: r.dst };
  if (r.gw) out.gw = r.gw;
  if (v11) {
    if (r.mtu) out.mtu = r.mtu;
    if (r.advmss) out.advmss = r.advmss;
    if (r.priority) out.priority = r.priority;
    if (r.table !== undefined) out.table = r.table;
    if (r.scope !== undefined) out.scope = r.scope;
  }
  return out;
}

function printDns(d: Dns | undefined): Json {
  const out: Json = {};
  if (!d) return out;
  if (d.nameservers?.length) out.nameservers = d.nameservers;
  if (d.domain) out.domain = d.domain;
  if (d.search?.length) out.search = d.search;
  if (d.options?.length) out.options = d.options;
  return out;
}

/** Print-ready JSON of `result` in version `to` (any supported version). */
export function convertResult(result: CniResult, to: string): Json {
  if (!isSupportedVersion(to)) {
    throw new CniError(ErrorCode.IncompatibleVersion, `cannot convert result to unsupported version "${to}"`);
  }
  const legacy = compareVersions(to, '1.0.0') < 0;
  const v11 = compareVersions(to, '1.1.0') >= 0;
  const out: Json = { cniVersion: to };
  if (result.interfaces?.length) out.interfaces = result.interfaces.map((i) => printInterface(i, v11));
  if (result.ips?.length) out.ips = result.ips.map((ip) => printIp(ip, legacy));
  if (result.routes?.length) out.routes = result.routes.map((r) => printRoute(r, v11));
  out.dns = printDns(result.dns);
  return out;
}
