// IPAM delegation (spec section 4, "Plugin Delegation"): the plugin named in
// ipam.type is found in CNI_PATH and executed with the same environment and
// the whole config on stdin. podwire-ipam is the exception: the same code
// runs in-process, saving a Node start-up (~30 ms) per ADD and per DEL.
import type * as ChildProcess from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../../cni/errors.js';
import { parseResult } from '../../cni/result.js';
import type { CmdArgs } from '../../cni/skel.js';
import type { CniResult } from '../../cni/types.js';
import { diskIpamDeps, ipamAdd, ipamCheck, ipamDel, ipamGc, ipamStatus } from '../ipam/index.js';

export interface IpamDelegate {
  add(cmd: CmdArgs): Promise<CniResult>;
  del(cmd: CmdArgs): Promise<void>;
  check(cmd: CmdArgs): Promise<void>;
  status(cmd: CmdArgs): Promise<void>;
  gc(cmd: CmdArgs): Promise<void>;
}

export const IN_PROCESS_IPAM = 'podwire-ipam';

/** Finds an executable plugin by type in CNI_PATH (first match wins, as in libcni's FindInPath). */
export function findPlugin(type: string, path: readonly string[]): string {
  if (type.includes('/')) throw new CniError(ErrorCode.InvalidNetworkConfig, `ipam.type: "${type}" must be a plugin name, not a path`);
  for (const dir of path) {
    const candidate = join(dir, type);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new CniError(ErrorCode.InvalidNetworkConfig, `ipam.type: plugin "${type}" not found in CNI_PATH`, path.join(':'));
}

function execDelegate(cmd: CmdArgs, command: string): string {
  // Loaded on demand: child_process (with net and stream) costs ~3 ms of
  // start-up that the in-process podwire-ipam path never needs. require, not
  // import(): the executables run their bundle through vm.Script, which has
  // no dynamic-import loader.
  const { spawnSync } = createRequire(import.meta.url)('node:child_process') as typeof ChildProcess;
  const type = cmd.config.ipam?.type ?? '';
  const binary = findPlugin(type, cmd.path);
  const env: Record<string, string> = {
    CNI_COMMAND: command,
    CNI_CONTAINERID: cmd.containerId,
    CNI_NETNS: cmd.netns,
    CNI_IFNAME: cmd.ifname,
    CNI_ARGS: cmd.args,
    CNI_PATH: cmd.path.join(':'),
  };
  if (process.env.PATH) env.PATH = process.env.PATH;
  const r = spawnSync(binary, [], { input: cmd.stdin, env, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 << 20 });
  if (r.error) throw new CniError(ErrorCode.DelegateFailed, `ipam plugin "${type}" could not run`, r.error.message);
  if (r.status !== 0) {
    let code: number = ErrorCode.DelegateFailed;
    let msg = `ipam plugin "${type}" failed (${command})`;
    let details = r.stderr.trim();
    try {
      const parsed = JSON.parse(r.stdout) as { code?: unknown; msg?: unknown; details?: unknown };
      // Pass the delegate's own code through: the runtime acts on it (11 = retry).
      if (typeof parsed.code === 'number') code = parsed.code;
      if (typeof parsed.msg === 'string') msg = `ipam plugin "${type}": ${parsed.msg}`;
      if (typeof parsed.details === 'string') details = parsed.details;
    } catch {
      // not JSON: keep the generic message with stderr as details
    }
    throw new CniError(code, msg, details);
  }
  return r.stdout;
}

function execIpam(): IpamDelegate {
  return {
    async add(cmd) {
      const out = execDelegate(cmd, 'ADD');
      try {
        return parseResult(JSON.parse(out) as unknown, 'ipam result');
      } catch (err) {
        throw new CniError(ErrorCode.DelegateFailed, `ipam plugin "${cmd.config.ipam?.type ?? ''}" printed an invalid result`, err instanceof Error ? err.message : String(err));
      }
    },
    async del(cmd) { execDelegate(cmd, 'DEL'); },
    async check(cmd) { execDelegate(cmd, 'CHECK'); },
    async status(cmd) { execDelegate(cmd, 'STATUS'); },
    async gc(cmd) { execDelegate(cmd, 'GC'); },
  };
}

function inProcessIpam(): IpamDelegate {
  const deps = diskIpamDeps();
  return {
    add: (cmd) => ipamAdd(cmd, deps),
    del: (cmd) => ipamDel(cmd, deps),
    check: (cmd) => ipamCheck(cmd, deps),
    status: (cmd) => ipamStatus(cmd, deps),
    gc: (cmd) => ipamGc(cmd, deps),
  };
}

/** The delegate for this config's ipam.type. */
export function ipamDelegateFor(type: string): IpamDelegate {
  return type === IN_PROCESS_IPAM ? inProcessIpam() : execIpam();
}
