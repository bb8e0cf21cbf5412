// libcni's result cache record (libcni/api.go, `cachedInfo`), so a runtime
// built on libcni and this runner can read each other's cache: one file per
// attachment at <cacheDir>/results/<network>-<containerID>-<ifname>, holding
//   {"kind":"cniCacheV1","containerId","config" (base64 of the list's bytes),
//    "ifName","networkName","netns"?,"cniArgs"?,"capabilityArgs"?,"result"?}
// with Go's field order and omitempty rules. The result is stored as libcni
// stores it: the typed result re-marshalled through a map, so keys sorted.
import { CniError, ErrorCode } from '../../cni/errors.js';
import { goJsonStruct } from './go-json.js';
import type { CniArgPairs } from './types.js';

type Json = Record<string, unknown>;

export const CACHE_KIND = 'cniCacheV1';

export interface CacheRecord {
  containerId: string;
  ifName: string;
  networkName: string;
  /** The list's configuration bytes (decoded from base64). */
  config: string;
  netns?: string | undefined;
  cniArgs?: CniArgPairs | undefined;
  capabilityArgs?: Json | undefined;
  /** Print-ready result in the version the last plugin printed. */
  result?: Json | undefined;
}

/** The file name under `results/`: what libcni's getCacheFilePath joins. */
export function cacheFileName(network: string, containerId: string, ifname: string): string {
  return `${network}-${containerId}-${ifname}`;
}

const nonEmpty = <T>(v: T | undefined, size: (v: T) => number): T | undefined => (v !== undefined && size(v) > 0 ? v : undefined);

/** The file's text, byte-compatible with libcni's json.Marshal(&cachedInfo). */
export function encodeCacheRecord(rec: CacheRecord): string {
  return goJsonStruct([
    ['kind', CACHE_KIND],
    ['containerId', rec.containerId],
    ['config', Buffer.from(rec.config, 'utf8').toString('base64')],
    ['ifName', rec.ifName],
    ['networkName', rec.networkName],
    ['netns', rec.netns === '' ? undefined : rec.netns],
    ['cniArgs', nonEmpty(rec.cniArgs, (a) => a.length)],
    ['capabilityArgs', nonEmpty(rec.capabilityArgs, (o) => Object.keys(o).length)],
    ['result', nonEmpty(rec.result, (o) => Object.keys(o).length)],
  ]);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function corrupt(problem: string): CniError {
  return new CniError(ErrorCode.DecodeFailure, `cache record: ${problem}`);
}

function str(raw: Json, key: string, required: boolean): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null) {
    if (required) throw corrupt(`${key} missing`);
    return undefined;
  }
  if (typeof v !== 'string') throw corrupt(`${key} must be a string`);
  return v;
}

function parsePairs(v: unknown): Array<[string, string]> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw corrupt('cniArgs must be a list of [key, value] pairs');
  return v.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== 'string' || typeof p[1] !== 'string') throw corrupt(`cniArgs[${i}] must be a [key, value] pair`);
    return [p[0], p[1]];
  });
}

/**
 * Reads a record libcni or this runner wrote. Records of another kind (the
 * pre-0.8 bare-result files) are refused, as libcni's getCachedConfig does.
 */
export function parseCacheRecord(text: string): CacheRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw corrupt(`not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!isObject(raw)) throw corrupt('not a JSON object');
  if (raw.kind !== CACHE_KIND) throw corrupt(`kind is ${JSON.stringify(raw.kind)}, not "${CACHE_KIND}"`);
  const configB64 = str(raw, 'config', false) ?? '';
  if (!isObject(raw.capabilityArgs) && raw.capabilityArgs !== undefined && raw.capabilityArgs !== null) throw corrupt('capabilityArgs must be an object');
  if (!isObject(raw.result) && raw.result !== undefined && raw.result !== null) throw corrupt('result must be an object');
  return {
    containerId: str(raw, 'containerId', true) ?? '',
    ifName: str(raw, 'ifName', true) ?? '',
    networkName: str(raw, 'networkName', true) ?? '',
    config: Buffer.from(configB64, 'base64').toString('utf8'),
    netns: str(raw, 'netns', false),
    cniArgs: parsePairs(raw.cniArgs),
    capabilityArgs: isObject(raw.capabilityArgs) ? raw.capabilityArgs : undefined,
    result: isObject(raw.result) ? raw.result : undefined,
  };
}
