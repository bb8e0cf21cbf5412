// Fixtures for the runner's integration tests: temp dirs (pwr- prefix, always
// removed by the caller), a recording fake plugin, and a way to run the built
// podwirectl, optionally inside a throwaway "host" netns.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const PODWIRECTL = resolve('dist/bin/podwirectl');
export const REF_BIN = '/usr/lib/cni';

export interface Dirs {
  root: string;
  conf: string;
  bin: string;
  cache: string;
  data: string;
  /** The recorder's log: one JSON line per plugin invocation. */
  log: string;
}

export function makeDirs(): Dirs {
  const root = mkdtempSync(join(tmpdir(), 'pwr-runner-'));
  const dirs = { root, conf: join(root, 'conf'), bin: join(root, 'bin'), cache: join(root, 'cache'), data: join(root, 'data'), log: join(root, 'calls.jsonl') };
  for (const d of [dirs.conf, dirs.bin, dirs.cache, dirs.data]) mkdirSync(d);
  return dirs;
}

/**
 * A fake plugin named `type` that appends {type, command, env, config,
 * ownNetns} (ownNetns: the netns it ran in, "net:[inode]") to the
 * log, then either delegates to a real plugin (same stdin and env) or acts on
 * its config's "recorder" object: {failOn, code, msg, details} fails that
 * command; {sleepMs} sleeps first; ADD prints prevResult back, or a minimal
 * result of its own when it is first in the chain.
 */
export function writeRecorder(dirs: Dirs, type: string, delegateTo?: string): void {
  const script = `#!${process.execPath}
const fs = require('node:fs');
const stdin = fs.readFileSync(0, 'utf8');
const config = JSON.parse(stdin);
const command = process.env.CNI_COMMAND;
const ownNetns = fs.readlinkSync('/proc/self/ns/net');
fs.appendFileSync(${JSON.stringify(dirs.log)}, JSON.stringify({ type: ${JSON.stringify(type)}, command, env: process.env, config, ownNetns }) + '\\n');
const delegate = ${JSON.stringify(delegateTo ?? null)};
if (delegate) {
  const r = require('node:child_process').spawnSync(delegate, [], { input: stdin, env: process.env, stdio: ['pipe', 'inherit', 'inherit'] });
  process.exit(r.status ?? 1);
}
const rec = config.recorder || {};
if (rec.sleepMs) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, rec.sleepMs);
if (rec.failOn === command) {
  process.stdout.write(JSON.stringify({ cniVersion: config.cniVersion, code: rec.code, msg: rec.msg, details: rec.details }));
  process.exit(1);
}
if (command === 'ADD') {
  const own = { cniVersion: config.cniVersion, interfaces: [{ name: process.env.CNI_IFNAME, sandbox: process.env.CNI_NETNS }], ips: [{ address: rec.address || '10.99.0.5/24', interface: 0 }], dns: {} };
  process.stdout.write(JSON.stringify(config.prevResult || own));
}
`;
  const path = join(dirs.bin, type);
  writeFileSync(path, script);
  chmodSync(path, 0o755);
}

export interface Recorded {
  type: string;
  command: string;
  env: Record<string, string>;
  config: Record<string, unknown>;
  ownNetns: string;
}

export function readCalls(dirs: Dirs): Recorded[] {
  if (!existsSync(dirs.log)) return [];
  return readFileSync(dirs.log, 'utf8').trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Recorded);
}

export function clearCalls(dirs: Dirs): void {
  writeFileSync(dirs.log, '');
}

export function writeConf(dirs: Dirs, file: string, content: unknown): string {
  const text = typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`;
  writeFileSync(join(dirs.conf, file), text);
  return text;
}

export interface CtlOutcome {
  status: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON, when it is JSON. */
  json: unknown;
}

/** Runs the built podwirectl; with `hostNetns`, inside that namespace (the reference plugins' "host"). */
export function runCtl(args: string[], opts: { hostNetns?: string; env?: Record<string, string> } = {}): CtlOutcome {
  const [cmd, argv] = opts.hostNetns !== undefined ? ['nsenter', [`--net=${opts.hostNetns}`, PODWIRECTL, ...args]] : [PODWIRECTL, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, ...opts.env }, timeout: 120_000 });
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    json = undefined;
  }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, json };
}

/** The --conf-dir/--bin-dir/--cache-dir triple every test passes: never the system dirs. */
export function dirArgs(dirs: Dirs, ...binDirs: string[]): string[] {
  return ['--conf-dir', dirs.conf, '--cache-dir', dirs.cache, ...(binDirs.length ? binDirs : [dirs.bin]).flatMap((b) => ['--bin-dir', b])];
}
