// Parses the base fields every plugin config carries (spec section 1,
// "Plugin configuration objects") once, before any kernel call. Plugin
// specific fields stay in `raw` for the plugin's own parser.
import { CniError, ErrorCode, configError } from './errors.js';
import { parseResult } from './result.js';
import { normalizeRuntimeConfig } from './runtime-config.js';
import type { CniResult, Dns } from './types.js';
import { isSupportedVersion, SUPPORTED_VERSIONS } from './version.js';

export interface ValidAttachment { containerID: string; ifname: string }

export interface NetConf {
  cniVersion: string;
  name: string;
  type: string;
  ipam?: Record<string, unknown> & { type?: string };
  dns?: Dns;
  /** Upconverted to the newest result shape. */
  prevResult?: CniResult;
  /** Keys normalised to lowerCamel (portMappings[].hostPort, bandwidth.ingressRate, dns.servers...). */
  runtimeConfig: Record<string, unknown>;
  /** GC only: cni.dev/valid-attachments. */
  validAttachments?: ValidAttachment[];
  /** The whole parsed object, for plugin-specific fields. */
  raw: Record<string, unknown>;
}

/** Spec 1.0: network names start alphanumeric, then alphanumerics, '_', '.', '-'. */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function requireString(raw: Json, key: string): string {
  const v = raw[key];
  if (v === undefined || v === null || v === '') throw configError(key, 'required');
  if (typeof v !== 'string') throw configError(key, 'must be a string');
  return v;
}

function parseDns(v: unknown): Dns | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw configError('dns', 'must be an object');
  const dns: Dns = {};
  for (const key of ['nameservers', 'search', 'options'] as const) {
    const list = v[key];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string')) throw configError(`dns.${key}`, 'must be a list of strings');
    dns[key] = list as string[];
  }
  if (v.domain !== undefined && v.domain !== null) {
    if (typeof v.domain !== 'string') throw configError('dns.domain', 'must be a string');
    dns.domain = v.domain;
  }
  return dns;
}

function parseValidAttachments(raw: Json): ValidAttachment[] | undefined {
  // The spec names the key cni.dev/valid-attachments; libcni before 1.2.3
  // sent cni.dev/attachments, so accept both.
  const v = raw['cni.dev/valid-attachments'] ?? raw['cni.dev/attachments'];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw configError('cni.dev/valid-attachments', 'must be a list');
  return v.map((a, i) => {
    const field = `cni.dev/valid-attachments[${i}]`;
    if (!isObject(a)) throw configError(field, 'must be an object');
    if (typeof a.containerID !== 'string' || a.containerID === '') throw configError(`${field}.containerID`, 'must be a non-empty string');
    if (typeof a.ifname !== 'string' || a.ifname === '') throw configError(`${field}.ifname`, 'must be a non-empty string');
    return { containerID: a.containerID, ifname: a.ifname };
  });
}

/** Validates the common fields of a plugin config (already JSON-decoded). */
export function parseNetConf(raw: unknown, supported: readonly string[] = SUPPORTED_VERSIONS): NetConf {
  if (!isObject(raw)) throw new CniError(ErrorCode.DecodeFailure, 'stdin: config must be a JSON object');
  const cniVersion = requireString(raw, 'cniVersion');
  if (!isSupportedVersion(cniVersion) || !supported.includes(cniVersion)) {
    throw new CniError(ErrorCode.IncompatibleVersion, `cniVersion: unsupported version "${cniVersion}"`, `this plugin supports ${supported.join(', ')}`);
  }
  const name = requireString(raw, 'name');
  if (!NAME_RE.test(name)) throw configError('name', `"${name}" must start with a letter or digit and contain only letters, digits, '_', '.', '-'`);
  const type = requireString(raw, 'type');

  const conf: NetConf = { cniVersion, name, type, runtimeConfig: {}, raw };
  if (raw.ipam !== undefined && raw.ipam !== null) {
    if (!isObject(raw.ipam)) throw configError('ipam', 'must be an object');
    if (raw.ipam.type !== undefined && typeof raw.ipam.type !== 'string') throw configError('ipam.type', 'must be a string');
    conf.ipam = raw.ipam as NetConf['ipam'] & object;
  }
  const dns = parseDns(raw.dns);
  if (dns) conf.dns = dns;
  if (raw.prevResult !== undefined && raw.prevResult !== null) {
    try {
      conf.prevResult = parseResult(raw.prevResult, 'prevResult');
    } catch (err) {
      // A malformed prevResult is a bad config (7), not undecodable stdin.
      if (err instanceof CniError && err.code === ErrorCode.DecodeFailure) throw new CniError(ErrorCode.InvalidNetworkConfig, err.msg, err.details);
      throw err;
    }
  }
  if (raw.runtimeConfig !== undefined && raw.runtimeConfig !== null) {
    if (!isObject(raw.runtimeConfig)) throw configError('runtimeConfig', 'must be an object');
    conf.runtimeConfig = normalizeRuntimeConfig(raw.runtimeConfig);
  }
  const valid = parseValidAttachments(raw);
  if (valid) conf.validAttachments = valid;
  return conf;
}
