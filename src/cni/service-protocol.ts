// The wire format between a plugin executable and the node's CNI service
// (docs/cni-service.md). A plugin whose config names a `serviceSocket` sends
// its whole invocation (the CNI_* variables and stdin) as one JSON line and
// prints what comes back; the service runs the very same verb code in a
// process that has already paid Node's start-up, koffi and libnftables.
// One request per connection, one JSON line each way. Pure: no sockets here.

export const SERVICE_PROTOCOL = 1;

/** Largest request line accepted: a config on stdin may be 4 MiB (skel's MAX_STDIN_BYTES), JSON-escaped. */
export const MAX_REQUEST_BYTES = 10 << 20;

/** The environment variables a plugin invocation consists of (spec section 2). */
export const FORWARDED_ENV = ['CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME', 'CNI_ARGS', 'CNI_PATH'] as const;

/**
 * Which namespaces the caller runs in, as "dev:ino" of /proc/self/ns/*. The
 * service acts in its own network namespace and resolves CNI_NETNS in its own
 * mount namespace, so it serves only callers that share both; any other
 * caller is refused and runs the verb itself.
 */
export interface NamespaceIdentity {
  net: string;
  mnt: string;
}

export interface ServiceRequest {
  v: typeof SERVICE_PROTOCOL;
  env: Partial<Record<(typeof FORWARDED_ENV)[number], string>>;
  stdin: string;
  ns: NamespaceIdentity;
}

/** `refused`: the service will not run this invocation (other namespaces, shutting down); the caller runs it itself. */
export type ServiceResponse =
  | { v: typeof SERVICE_PROTOCOL; exitCode: number; stdout: string }
  | { v: typeof SERVICE_PROTOCOL; refused: string };

export class ServiceProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ServiceProtocolError';
  }
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export function buildRequest(env: Readonly<Record<string, string | undefined>>, stdin: string, ns: NamespaceIdentity): ServiceRequest {
  const forwarded: ServiceRequest['env'] = {};
  for (const key of FORWARDED_ENV) {
    const v = env[key];
    if (v !== undefined) forwarded[key] = v;
  }
  return { v: SERVICE_PROTOCOL, env: forwarded, stdin, ns };
}

function parseLine(line: string, what: string): Json {
  let json: unknown;
  try {
    json = JSON.parse(line) as unknown;
  } catch (err) {
    throw new ServiceProtocolError(`${what}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isObj(json)) throw new ServiceProtocolError(`${what}: not a JSON object`);
  if (json.v !== SERVICE_PROTOCOL) throw new ServiceProtocolError(`${what}: protocol version ${JSON.stringify(json.v)}, expected ${SERVICE_PROTOCOL}`);
  return json;
}

export function parseRequest(line: string): ServiceRequest {
  const json = parseLine(line, 'request');
  const { env, stdin, ns } = json;
  if (!isObj(env)) throw new ServiceProtocolError('request: env must be an object');
  const forwarded: ServiceRequest['env'] = {};
  for (const key of FORWARDED_ENV) {
    const v = env[key];
    if (v === undefined) continue;
    if (typeof v !== 'string') throw new ServiceProtocolError(`request: env.${key} must be a string`);
    forwarded[key] = v;
  }
  if (typeof stdin !== 'string') throw new ServiceProtocolError('request: stdin must be a string');
  if (!isObj(ns) || typeof ns.net !== 'string' || typeof ns.mnt !== 'string') throw new ServiceProtocolError('request: ns must be {net, mnt}');
  return { v: SERVICE_PROTOCOL, env: forwarded, stdin, ns: { net: ns.net, mnt: ns.mnt } };
}

export function parseResponse(line: string): ServiceResponse {
  const json = parseLine(line, 'response');
  if (typeof json.refused === 'string') return { v: SERVICE_PROTOCOL, refused: json.refused };
  if (typeof json.exitCode !== 'number' || !Number.isInteger(json.exitCode) || typeof json.stdout !== 'string') {
    throw new ServiceProtocolError('response: needs an integer exitCode and a stdout string');
  }
  return { v: SERVICE_PROTOCOL, exitCode: json.exitCode, stdout: json.stdout };
}

/** Why the service would refuse a caller in `caller` namespaces; undefined when they match its own. */
export function namespaceMismatch(caller: NamespaceIdentity, own: NamespaceIdentity): string | undefined {
  if (caller.net !== own.net) return 'the plugin runs in another network namespace than the service';
  if (caller.mnt !== own.mnt) return 'the plugin runs in another mount namespace than the service (CNI_NETNS paths would differ)';
  return undefined;
}

/**
 * The socket a podwire config asks for, read without the full config parse
 * (a plugin start must stay cheap): an absolute path, or undefined. A wrong
 * value is left to parsePodwireConf, which names the field in its error.
 */
export function serviceSocketOf(stdin: string): string | undefined {
  let json: unknown;
  try {
    json = JSON.parse(stdin) as unknown;
  } catch {
    return undefined;
  }
  const v = isObj(json) ? json.serviceSocket : undefined;
  return typeof v === 'string' && v.startsWith('/') && !v.includes('\0') ? v : undefined;
}
