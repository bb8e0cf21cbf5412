// Parses network configuration files the way libcni's ConfListFromBytes and
// ConfFromBytes do (libcni/conf.go), but with errors that name the offending
// field: `plugins[1].capabilities.portMappings: must be a boolean`. Invalid
// JSON is code 6, a bad field is code 7. Plugin objects are validated only
// as far as the runner needs (type, capabilities); everything else is the
// plugin's to judge when it runs.
import { CniError, ErrorCode, configError } from '../../cni/errors.js';
import { goJson } from './go-json.js';
import type { ConfList, PluginConf } from './types.js';

type Json = Record<string, unknown>;

/** Spec versions are three dot-separated numbers. */
export const VERSION_RE = /^\d+\.\d+\.\d+$/;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function decode(text: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CniError(ErrorCode.DecodeFailure, 'not valid JSON', err instanceof Error ? err.message : String(err));
  }
  if (!isObject(value)) throw new CniError(ErrorCode.DecodeFailure, 'not a JSON object');
  return value;
}

function requireName(raw: Json, field: string): string {
  const v = raw.name;
  if (v === undefined || v === null) throw configError(field, 'required');
  if (typeof v !== 'string') throw configError(field, 'must be a string');
  if (v === '') throw configError(field, 'must not be empty');
  return v;
}

function optionalVersion(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw configError(field, 'must be a string');
  if (!VERSION_RE.test(v)) throw configError(field, `"${v}" is not a version (expected x.y.z)`);
  return v;
}

function parseVersions(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw configError('cniVersions', 'must be a list of versions');
  return v.map((item, i) => optionalVersion(item, `cniVersions[${i}]`) ?? '').filter((s) => s !== '');
}

/** libcni's readBool: a JSON boolean, or the strings "true"/"false" in any case. */
function parseFlag(v: unknown, field: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  throw configError(field, 'must be true or false');
}

function parseCapabilities(v: unknown, field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!isObject(v)) throw configError(field, 'must be an object of capability names to booleans');
  const enabled: string[] = [];
  for (const [name, on] of Object.entries(v)) {
    if (typeof on !== 'boolean') throw configError(`${field}.${name}`, 'must be a boolean');
    if (on) enabled.push(name);
  }
  return enabled;
}

/** One plugin object; `prefix` is "plugins[i]." inside a list, "" for a single .conf. */
export function parsePluginConf(value: unknown, index: number, prefix: string): PluginConf {
  const at = prefix === '' ? 'config' : prefix.slice(0, -1);
  if (!isObject(value)) throw configError(at, 'must be an object');
  const type = value.type;
  if (type === undefined || type === null || type === '') throw configError(`${prefix}type`, 'required');
  if (typeof type !== 'string') throw configError(`${prefix}type`, 'must be a string');
  if (type.includes('/')) throw configError(`${prefix}type`, `"${type}" must be a plugin name, not a path`);
  const capabilities = parseCapabilities(value.capabilities, `${prefix}capabilities`);
  return { index, type, capabilities, raw: value };
}

/** A .conflist document. */
export function parseConfList(text: string): ConfList {
  const raw = decode(text);
  const name = requireName(raw, 'name');
  const cniVersion = optionalVersion(raw.cniVersion, 'cniVersion');
  const cniVersions = parseVersions(raw.cniVersions);
  const disableCheck = parseFlag(raw.disableCheck, 'disableCheck');
  const disableGC = parseFlag(raw.disableGC, 'disableGC');
  const plugins = raw.plugins;
  if (plugins === undefined || plugins === null) throw configError('plugins', 'required');
  if (!Array.isArray(plugins)) throw configError('plugins', 'must be a list');
  if (plugins.length === 0) throw configError('plugins', 'must not be empty');
  return {
    name,
    cniVersion,
    cniVersions,
    disableCheck,
    disableGC,
    plugins: plugins.map((p, i) => parsePluginConf(p, i, `plugins[${i}].`)),
    bytes: text,
  };
}

/**
 * A single-plugin .conf/.json, wrapped into a one-plugin list the way
 * libcni's ConfListFromConf does: only name and cniVersion are lifted to the
 * list (so a .conf cannot disable CHECK or GC), and the cached bytes are the
 * wrapper as Go marshals it.
 */
export function parseSingleConf(text: string): ConfList {
  const raw = decode(text);
  const plugin = parsePluginConf(raw, 0, '');
  const name = requireName(raw, 'name');
  const cniVersion = optionalVersion(raw.cniVersion, 'cniVersion');
  return {
    name,
    cniVersion,
    cniVersions: [],
    disableCheck: false,
    disableGC: false,
    plugins: [plugin],
    bytes: goJson({ cniVersion: cniVersion ?? '', name, plugins: [raw] }),
  };
}
