// Shared by the IPAM integration tests: throwaway data directories, an async
// runner (runPlugin is synchronous, and concurrency tests need 50 plugins in
// flight) with the same clean CNI environment, and readers for the lease
// directory that check every file is well-formed.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { createNetns, type TestNetns } from '../../helpers/netns.js';
import { DIST_BIN, REF_BIN, type PluginCall } from '../../helpers/plugin.js';

export const PODWIRE_IPAM = join(DIST_BIN, 'podwire-ipam');
export const HOST_LOCAL = join(REF_BIN, 'host-local');

export interface TempDir {
  path: string;
  remove(): void;
}

export function makeDataDir(): TempDir {
  const path = mkdtempSync(join(tmpdir(), 'pwi-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface AsyncOutcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  json: unknown;
}

export interface Running {
  child: ChildProcess;
  done: Promise<AsyncOutcome>;
}

function envFor(call: PluginCall): Record<string, string> {
  const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: call.command };
  if (call.containerId !== undefined) env.CNI_CONTAINERID = call.containerId;
  if (call.netns !== undefined) env.CNI_NETNS = call.netns;
  if (call.ifname !== undefined) env.CNI_IFNAME = call.ifname;
  if (call.args !== undefined) env.CNI_ARGS = call.args;
  env.CNI_PATH = call.path ?? `${DIST_BIN}:${REF_BIN}`;
  return env;
}

/** Starts a plugin without waiting for it (so a test can kill it). */
export function startPlugin(binary: string, call: PluginCall, config: unknown): Running {
  const child = spawn(binary, [], { env: envFor(call), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // A plugin killed before it read stdin closes the pipe under us: not an error here.
  child.stdin.on('error', () => undefined);
  child.stdin.end(JSON.stringify(config));
  const done = new Promise<AsyncOutcome>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      let json: unknown;
      try {
        json = stdout.trim() ? (JSON.parse(stdout) as unknown) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ status, signal, stdout, stderr, json });
    });
  });
  return { child, done };
}

export function runPluginAsync(binary: string, call: PluginCall, config: unknown): Promise<AsyncOutcome> {
  return startPlugin(binary, call, config).done;
}

export interface LeaseFile {
  ip: string;
  containerId: string;
  ifname: string;
}

/** Every entry of the network directory, asserting each lease is complete and nothing unknown lies around. */
export function readLeaseDir(dir: string, opts: { allowTemp?: boolean } = {}): { leases: LeaseFile[]; others: string[] } {
  const leases: LeaseFile[] = [];
  const others: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const text = readFileSync(join(dir, name), 'utf8');
    if (name === 'lock') continue;
    if (name.startsWith('last_reserved_ip.')) {
      assert.match(text, /^[0-9a-f.:]+$/, `${name} holds an address, got ${JSON.stringify(text)}`);
      others.push(name);
      continue;
    }
    if (name.startsWith('.podwire-tmp.')) {
      assert.ok(opts.allowTemp, `unexpected temporary ${name}`);
      continue;
    }
    assert.match(name, /^[0-9a-f.:]+$/, `unexpected file ${name}`);
    const m = /^([^\r\n]+)\r\n([^\r\n]+)$/.exec(text);
    assert.ok(m, `lease ${name} is well-formed, got ${JSON.stringify(text)}`);
    leases.push({ ip: name, containerId: m[1] as string, ifname: m[2] as string });
  }
  return { leases, others };
}

/** The addresses (without prefix) of a CNI result. */
export function resultIps(json: unknown): string[] {
  const ips = (json as { ips?: Array<{ address: string }> } | undefined)?.ips ?? [];
  return ips.map((i) => i.address.split('/')[0] as string);
}

/**
 * The shared fixture of the IPAM process tests, for use inside a describe():
 * one throwaway netns (CNI_NETNS; IPAM never enters it) and fresh data dirs,
 * all removed in after(). `call` builds the CNI call for a container on eth0.
 */
export function ipamFixture(): { fresh(): string; call(command: string, containerId: string): PluginCall } {
  let ns: TestNetns | undefined;
  const dirs: TempDir[] = [];
  before(() => {
    ns = createNetns('pwi');
  });
  after(() => {
    ns?.remove();
    for (const d of dirs) d.remove();
  });
  return {
    fresh() {
      const d = makeDataDir();
      dirs.push(d);
      return d.path;
    },
    call: (command, containerId) => ({ command, containerId, ifname: 'eth0', netns: ns?.path ?? '' }),
  };
}
