// Shared by the podwire integration tests: one throwaway "host" netns (where
// the built plugin runs, via nsenter) with its own bridge, nft tables and
// lease directory, plus pod netns created on demand. remove() takes all of
// it away and is safe to call from an `after` hook whatever state a failed
// test left. Readers report what the kernel and the disk hold, for the
// "leaves nothing behind" assertions.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, type TestNetns } from '../../helpers/netns.js';
import { DIST_BIN, REF_BIN, runPlugin, type PluginCall, type PluginOutcome } from '../../helpers/plugin.js';

export const PODWIRE = join(DIST_BIN, 'podwire');
export const CNI_PATH = `${DIST_BIN}:${REF_BIN}`;

export type Json = Record<string, unknown>;

export interface LabOptions {
  /** Network name (lease directory, attachment tags). */
  network: string;
  /** Bridge name, "pwt…". */
  bridge: string;
  /** ipam.ranges; an IPv4 /24 by default. */
  ranges?: unknown[];
  cniVersion?: string;
}

export interface Lab {
  readonly host: TestNetns;
  readonly dataDir: string;
  readonly network: string;
  readonly bridge: string;
  /** A podwire config for this lab, with `extra` merged over the defaults. */
  conf(extra?: Json): Json;
  /** A fresh pod netns, removed with the lab. */
  newPod(): TestNetns;
  /** Runs the plugin synchronously inside the host netns. */
  run(call: Omit<PluginCall, 'hostNetns' | 'path'> & { path?: string }, conf: unknown): PluginOutcome;
  /** Same, as a separate process without blocking (parallel tests). */
  runAsync(call: Omit<PluginCall, 'hostNetns' | 'path'>, conf: unknown): Promise<PluginOutcome>;
  remove(): void;
}

export function createLab(opts: LabOptions): Lab {
  const host = createNetns('pwt');
  const pods: TestNetns[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'pwt-'));
  const lab: Lab = {
    host,
    dataDir,
    network: opts.network,
    bridge: opts.bridge,
    conf(extra = {}) {
      return {
        cniVersion: opts.cniVersion ?? '1.1.0',
        name: opts.network,
        type: 'podwire',
        bridge: opts.bridge,
        isGateway: true,
        ipam: { type: 'podwire-ipam', dataDir, ranges: opts.ranges ?? [[{ subnet: '10.91.0.0/24' }]] },
        ...extra,
      };
    },
    newPod() {
      const pod = createNetns('pwt');
      pods.push(pod);
      return pod;
    },
    run(call, conf) {
      return runPlugin(PODWIRE, { path: CNI_PATH, ...call, hostNetns: host.path }, conf);
    },
    runAsync(call, conf) {
      return runPluginAsync({ path: CNI_PATH, ...call, hostNetns: host.path }, conf);
    },
    remove() {
      const errors: unknown[] = [];
      for (const ns of [...pods, host]) {
        try {
          ns.remove();
        } catch (err) {
          errors.push(err);
        }
      }
      rmSync(dataDir, { recursive: true, force: true });
      if (errors.length > 0) throw new AggregateError(errors, 'lab cleanup failed');
    },
  };
  return lab;
}

function runPluginAsync(call: PluginCall, config: unknown): Promise<PluginOutcome> {
  const env: Record<string, string> = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', CNI_COMMAND: call.command, CNI_PATH: call.path ?? CNI_PATH };
  if (call.containerId !== undefined) env.CNI_CONTAINERID = call.containerId;
  if (call.netns !== undefined) env.CNI_NETNS = call.netns;
  if (call.ifname !== undefined) env.CNI_IFNAME = call.ifname;
  if (call.args !== undefined) env.CNI_ARGS = call.args;
  const child = spawn('nsenter', [`--net=${call.hostNetns ?? ''}`, PODWIRE], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin.end(typeof config === 'string' ? config : JSON.stringify(config));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      let json: unknown;
      try {
        json = stdout.trim() ? (JSON.parse(stdout) as unknown) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ status: status ?? -1, stdout, stderr, json });
    });
  });
}

/** Fails with the plugin's own output when it did not exit 0. */
export function assertOk(out: PluginOutcome, what: string): void {
  assert.equal(out.status, 0, `${what}: exit ${out.status}: ${out.stdout} ${out.stderr}`);
}

/** Asserts the plugin failed with CNI error `code`; returns the error's msg and details. */
export function assertCniError(out: PluginOutcome, code: number, what: string): string {
  assert.notEqual(out.status, 0, `${what}: expected failure, got ${out.stdout}`);
  const err = out.json as { code?: unknown; msg?: unknown; details?: unknown } | undefined;
  assert.equal(err?.code, code, `${what}: expected code ${code}, got ${out.stdout} ${out.stderr}`);
  assert.equal(typeof err?.msg, 'string', `${what}: error has a msg`);
  return `${String(err?.msg)} ${typeof err?.details === 'string' ? err.details : ''}`;
}

export interface LinkInfo {
  ifname: string;
  ifindex: number;
  mtu: number;
  flags: string[];
  address?: string;
  master?: string;
  ifalias?: string;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_slave_data?: { hairpin?: boolean } };
}

/** Addresses with prefix on `ifname`, as `ip -j addr` reports them. */
export function addressesOn(ns: TestNetns, ifname: string): string[] {
  const out = JSON.parse(ns.exec('ip', ['-j', 'addr', 'show', 'dev', ifname])) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
  return out.flatMap((l) => l.addr_info.map((a) => `${a.local}/${a.prefixlen}`));
}

/** `ip -d -j link` in a netns. */
export function linkDetails(ns: TestNetns): LinkInfo[] {
  return JSON.parse(ns.exec('ip', ['-d', '-j', 'link', 'show'])) as LinkInfo[];
}

/** Host veths Podwire names ("pw" + 11 hex). */
export function podwireVeths(host: TestNetns): LinkInfo[] {
  return linkDetails(host).filter((l) => /^pw[0-9a-f]{11}$/.test(l.ifname));
}

export interface RouteInfo {
  dst: string;
  gateway?: string;
  dev?: string;
}

export function routesIn(ns: TestNetns, family: 4 | 6): RouteInfo[] {
  return JSON.parse(ns.exec('ip', [`-${family}`, '-j', 'route', 'show'])) as RouteInfo[];
}

/** Lease files (addresses) of a network in the lab's data directory (the lab's own network by default). */
export function leaseFiles(lab: Lab, network = lab.network): string[] {
  const dir = join(lab.dataDir, network);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((n) => n !== 'lock' && !n.startsWith('last_reserved_ip.')).sort();
}

export interface NftElement {
  family: string;
  table: string;
  set: string;
  val: unknown;
  comment: string | undefined;
}

/** Every set element in the host netns' ruleset, with its comment. */
export function nftElements(host: TestNetns): NftElement[] {
  const out = JSON.parse(host.exec('nft', ['-j', 'list', 'ruleset'])) as { nftables: Array<{ set?: { family: string; table: string; name: string; elem?: unknown[] } }> };
  return out.nftables.flatMap((item) => {
    const set = item.set;
    if (!set) return [];
    return (set.elem ?? []).map((e) => {
      const inner = (e as { elem?: { val: unknown; comment?: string } }).elem;
      return { family: set.family, table: set.table, set: set.name, val: inner ? inner.val : e, comment: inner?.comment };
    });
  });
}

/**
 * Elements that belong to pods: everything but the per-network elements
 * (comment "network <name>"), which are shared by all pods of a network and,
 * like the bridge and its gateway address, outlive any one attachment.
 */
export function podElements(host: TestNetns): NftElement[] {
  return nftElements(host).filter((e) => !e.comment?.startsWith('network '));
}

/** Rules in one chain of the host netns' ruleset. */
export function nftRuleCount(host: TestNetns, family: string, table: string, chain: string): number {
  const out = JSON.parse(host.exec('nft', ['-j', 'list', 'table', family, table])) as { nftables: Array<{ rule?: { chain: string } }> };
  return out.nftables.filter((i) => i.rule?.chain === chain).length;
}

/** The "leaves nothing behind" check: no pw… veth, no lease file, no nft element of a pod. */
export function assertNothingLeft(lab: Lab, what: string, network = lab.network): void {
  assert.deepEqual(podwireVeths(lab.host).map((l) => l.ifname), [], `${what}: no host veth left`);
  assert.deepEqual(leaseFiles(lab, network), [], `${what}: no lease left`);
  assert.deepEqual(podElements(lab.host), [], `${what}: no nft element left`);
}

/** Polls `cond` every 20 ms until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The attachment tag podwire writes on ifalias and nft element comments. */
export function tagOf(lab: Lab, containerId: string, ifname = 'eth0'): string {
  return `${lab.network}/${containerId}/${ifname}`;
}

/** The addresses (with prefix) of a result's ips. */
export function resultAddresses(json: unknown): string[] {
  return ((json as { ips?: Array<{ address: string }> } | undefined)?.ips ?? []).map((i) => i.address);
}

/** An address without its prefix. */
export function bare(cidr: string): string {
  return cidr.split('/')[0] ?? cidr;
}
