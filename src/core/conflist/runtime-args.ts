// The runtime's side of an invocation: CNI_ARGS pairs, capability arguments,
// valid attachments, and the identifier checks libcni makes before running a
// plugin (pkg/utils: ValidateContainerID, ValidateNetworkName,
// ValidateInterfaceName). The identifiers end up in a cache file name, so
// these checks also keep `../` out of the cache directory.
import { CniError, ErrorCode, configError } from '../../cni/errors.js';
import type { CniArgPairs, GcAttachment } from './types.js';

type Json = Record<string, unknown>;

/** libcni's cniReg: a letter or digit, then letters, digits, '_', '.', '-'. */
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const IFNAME_MAX = 15;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function decode(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CniError(ErrorCode.DecodeFailure, `${what}: not valid JSON`, err instanceof Error ? err.message : String(err));
  }
}

/** "K1=V1;K2=V2" (what CNI_ARGS will carry) → ordered pairs; values may contain '='. */
export function parseArgPairs(text: string, what = '--args'): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const item of text.split(';')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq <= 0) throw new CniError(ErrorCode.InvalidEnvironment, `${what}: "${item}" is not KEY=VALUE`);
    pairs.push([item.slice(0, eq), item.slice(eq + 1)]);
  }
  return pairs;
}

/** Pairs → the CNI_ARGS string libcni's invoke.Args builds. */
export function formatArgPairs(pairs: CniArgPairs): string {
  return pairs.map(([k, v]) => `${k}=${v}`).join(';');
}

/** `--capability-args '{"portMappings": [...]}'`: a JSON object of capability name → value. */
export function parseCapabilityArgs(text: string, what = '--capability-args'): Json {
  const value = decode(text, what);
  if (!isObject(value)) throw configError(what, 'must be a JSON object of capability name to value');
  return value;
}

/** `--valid-attachments '[{"containerID": "...", "ifname": "eth0"}]'`. */
export function parseValidAttachments(text: string, what = '--valid-attachments'): GcAttachment[] {
  const value = decode(text, what);
  if (!Array.isArray(value)) throw configError(what, 'must be a JSON list of {"containerID", "ifname"}');
  return value.map((a, i) => {
    const field = `${what}[${i}]`;
    if (!isObject(a)) throw configError(field, 'must be an object');
    if (typeof a.containerID !== 'string' || a.containerID === '') throw configError(`${field}.containerID`, 'must be a non-empty string');
    if (typeof a.ifname !== 'string' || a.ifname === '') throw configError(`${field}.ifname`, 'must be a non-empty string');
    return { containerID: a.containerID, ifname: a.ifname };
  });
}

export function validateContainerId(id: string): void {
  if (id === '') throw new CniError(ErrorCode.UnknownContainer, 'container ID: missing');
  if (!NAME_RE.test(id)) throw new CniError(ErrorCode.InvalidEnvironment, `container ID: invalid characters in "${id}"`, "must start with a letter or digit and contain only letters, digits, '_', '.', '-'");
}

export function validateNetworkName(name: string): void {
  if (!NAME_RE.test(name)) throw configError('name', `invalid characters in network name "${name}"`);
}

export function validateIfname(ifname: string): void {
  const bad = (problem: string): CniError => new CniError(ErrorCode.InvalidEnvironment, `interface name: ${problem}`);
  if (ifname === '') throw bad('empty');
  if (new TextEncoder().encode(ifname).length > IFNAME_MAX) throw bad(`"${ifname}" is longer than ${IFNAME_MAX} bytes`);
  if (ifname === '.' || ifname === '..') throw bad('must not be . or ..');
  if (/[/:\s]/u.test(ifname)) throw bad(`"${ifname}" contains / or : or whitespace`);
}
