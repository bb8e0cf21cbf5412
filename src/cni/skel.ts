// The protocol edge of every plugin (spec section 2, "Execution Protocol").
// It validates the CNI_* environment and the config once, calls one handler
// per verb, prints the result in the version the config asked for, and turns
// anything thrown into spec error JSON. It takes {env, stdin, stdout} as
// parameters so the whole protocol is unit-tested without a process; only
// src/bin/* touches process.*.
import { CniError, ErrorCode, envError, toCniError } from './errors.js';
import { parseNetConf, type NetConf } from './netconf.js';
import { convertResult } from './result.js';
import type { CniCommand, CniResult } from './types.js';
import { CURRENT_VERSION, SUPPORTED_VERSIONS, versionAtLeast } from './version.js';

export interface CmdArgs {
  command: CniCommand;
  containerId: string;
  netns: string;
  ifname: string;
  /** Raw CNI_ARGS. */
  args: string;
  path: string[];
  /** Raw stdin text. */
  stdin: string;
  /** Base fields validated, prevResult upconverted to the newest shape; `raw` holds the whole object. */
  config: NetConf;
}

export interface Plugin {
  about: string;
  supportedVersions?: readonly string[];
  add(cmd: CmdArgs): Promise<CniResult>;
  del(cmd: CmdArgs): Promise<void>;
  check(cmd: CmdArgs): Promise<void>;
  status?(cmd: CmdArgs): Promise<void>;
  gc?(cmd: CmdArgs): Promise<void>;
}

export interface SkelIo {
  env: Readonly<Record<string, string | undefined>>;
  stdin: string | Buffer;
  stdout: (text: string) => void;
}

/** Largest config accepted on stdin; a runtime never sends anything close. */
export const MAX_STDIN_BYTES = 4 << 20;

const COMMANDS: readonly CniCommand[] = ['ADD', 'DEL', 'CHECK', 'VERSION', 'STATUS', 'GC'];

/** Which variables each verb requires (libcni's skel table, spec section 2). */
const REQUIRED: Record<'CNI_CONTAINERID' | 'CNI_NETNS' | 'CNI_IFNAME' | 'CNI_PATH', readonly CniCommand[]> = {
  CNI_CONTAINERID: ['ADD', 'CHECK', 'DEL'],
  CNI_NETNS: ['ADD', 'CHECK'],
  CNI_IFNAME: ['ADD', 'CHECK', 'DEL'],
  CNI_PATH: ['ADD', 'CHECK', 'DEL', 'GC', 'STATUS'],
};

const CONTAINER_ID_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
/** IFNAMSIZ is 16 including the terminating NUL. */
const MAX_IFNAME = 15;

function parseCommand(env: SkelIo['env']): CniCommand {
  const raw = env.CNI_COMMAND;
  if (raw === undefined || raw === '') throw envError('CNI_COMMAND', 'not set');
  if (!(COMMANDS as readonly string[]).includes(raw)) throw envError('CNI_COMMAND', `unknown command "${raw}"`);
  return raw as CniCommand;
}

function validateIfname(name: string): void {
  if (name.length > MAX_IFNAME) throw envError('CNI_IFNAME', `"${name}" is longer than ${MAX_IFNAME} characters`);
  if (name === '.' || name === '..') throw envError('CNI_IFNAME', `"${name}" is not a valid interface name`);
  if (/[/:\s]/.test(name)) throw envError('CNI_IFNAME', `"${name}" contains '/', ':' or whitespace`);
}

function readEnv(command: CniCommand, env: SkelIo['env']): Omit<CmdArgs, 'config' | 'stdin'> {
  const get = (key: keyof typeof REQUIRED): string => {
    const v = env[key] ?? '';
    if (v === '' && REQUIRED[key].includes(command)) throw envError(key, `required for ${command} but not set`);
    return v;
  };
  const containerId = get('CNI_CONTAINERID');
  const netns = get('CNI_NETNS');
  const ifname = get('CNI_IFNAME');
  const path = get('CNI_PATH');
  if (containerId !== '' && !CONTAINER_ID_RE.test(containerId)) {
    throw envError('CNI_CONTAINERID', `"${containerId}" has invalid characters (letters, digits, '_', '.', '-' only)`);
  }
  if (ifname !== '') validateIfname(ifname);
  return { command, containerId, netns, ifname, args: env.CNI_ARGS ?? '', path: path.split(':').filter((p) => p !== '') };
}

function decodeStdin(stdin: string | Buffer): { text: string; json: unknown } {
  const size = typeof stdin === 'string' ? Buffer.byteLength(stdin) : stdin.length;
  if (size > MAX_STDIN_BYTES) throw new CniError(ErrorCode.DecodeFailure, `stdin: config is ${size} bytes, more than the ${MAX_STDIN_BYTES} accepted`);
  const text = typeof stdin === 'string' ? stdin : stdin.toString('utf8');
  if (text.trim() === '') throw new CniError(ErrorCode.DecodeFailure, 'stdin: no network configuration given');
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch (err) {
    throw new CniError(ErrorCode.DecodeFailure, 'stdin: not valid JSON', err instanceof Error ? err.message : String(err));
  }
}

/** Best-effort version for error output, so errors come back in the config's version. */
function versionHint(json: unknown): string | undefined {
  if (typeof json === 'object' && json !== null && typeof (json as { cniVersion?: unknown }).cniVersion === 'string') {
    return (json as { cniVersion: string }).cniVersion;
  }
  return undefined;
}

function requireVersion(cmd: CniCommand, version: string, min: string): void {
  if (!versionAtLeast(version, min)) {
    throw new CniError(ErrorCode.IncompatibleVersion, `cniVersion: ${cmd} needs config version ${min} or newer, got ${version}`);
  }
}

async function dispatch(cmd: CmdArgs, plugin: Plugin): Promise<CniResult | undefined> {
  switch (cmd.command) {
    case 'ADD':
      return plugin.add(cmd);
    case 'DEL':
      await plugin.del(cmd);
      return undefined;
    case 'CHECK':
      requireVersion('CHECK', cmd.config.cniVersion, '0.4.0');
      await plugin.check(cmd);
      return undefined;
    case 'STATUS':
      requireVersion('STATUS', cmd.config.cniVersion, '1.1.0');
      await plugin.status?.(cmd);
      return undefined;
    case 'GC':
      requireVersion('GC', cmd.config.cniVersion, '1.1.0');
      await plugin.gc?.(cmd);
      return undefined;
    case 'VERSION':
      return undefined;
  }
}

/** Runs one CNI invocation; returns the process exit code (0 or 1). */
export async function runSkel(io: SkelIo, plugin: Plugin): Promise<number> {
  const supported = plugin.supportedVersions ?? SUPPORTED_VERSIONS;
  let hint: string | undefined;
  try {
    const command = parseCommand(io.env);
    if (command === 'VERSION') {
      io.stdout(JSON.stringify({ cniVersion: CURRENT_VERSION, supportedVersions: supported }));
      return 0;
    }
    const base = readEnv(command, io.env);
    const { text, json } = decodeStdin(io.stdin);
    hint = versionHint(json);
    const config = parseNetConf(json, supported);
    const result = await dispatch({ ...base, stdin: text, config }, plugin);
    if (result) io.stdout(JSON.stringify(convertResult(result, config.cniVersion)));
    return 0;
  } catch (err) {
    const cniErr = toCniError(err);
    io.stdout(JSON.stringify(cniErr.toJSON(hint)));
    return 1;
  }
}
