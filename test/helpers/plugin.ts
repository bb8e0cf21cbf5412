// Runs a built plugin executable the way a runtime does: CNI_* env (and
// nothing else but PATH), config on stdin, optionally from inside a "host"
// network namespace. Returns the exit code and the parsed stdout.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

export const DIST_BIN = resolve('dist/bin');
export const REF_BIN = '/usr/lib/cni';

export interface PluginCall {
  command: string;
  containerId?: string;
  netns?: string;
  ifname?: string;
  args?: string;
  path?: string;
  /** Run inside this netns path (the test's "host"), via nsenter. */
  hostNetns?: string;
  /** Extra or overriding env; a value of undefined removes the variable. */
  env?: Record<string, string | undefined>;
}

export interface PluginOutcome {
  status: number;
  stdout: string;
  stderr: string;
  json: unknown;
}

export function runPlugin(binary: string, call: PluginCall, config: unknown): PluginOutcome {
  const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: call.command };
  if (call.containerId !== undefined) env.CNI_CONTAINERID = call.containerId;
  if (call.netns !== undefined) env.CNI_NETNS = call.netns;
  if (call.ifname !== undefined) env.CNI_IFNAME = call.ifname;
  if (call.args !== undefined) env.CNI_ARGS = call.args;
  env.CNI_PATH = call.path ?? `${DIST_BIN}:${REF_BIN}`;
  for (const [k, v] of Object.entries(call.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const input = typeof config === 'string' ? config : JSON.stringify(config);
  const [cmd, argv] = call.hostNetns ? ['nsenter', [`--net=${call.hostNetns}`, binary]] : [binary, []];
  const r = spawnSync(cmd, argv as string[], { env, input, encoding: 'utf8', maxBuffer: 64 << 20 });
  let json: unknown = undefined;
  try {
    json = r.stdout.trim() ? JSON.parse(r.stdout) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}
