// A throwaway cluster for the agent tests: a "fabric" netns holding a bridge
// (the L2 segment), N "node" netns each joined to it by a veth (eth0,
// 10.255.0.<i>/24, default route via the fabric's 10.255.0.254), a file
// cluster store in a pwa- temp dir with one Node object per node, and real
// dist/bin/podwire-agent processes started inside the node netns with
// nsenter. Pods are netns added by running the conflist the agent wrote with
// podwirectl, inside the node netns, as a runtime would.
// remove() kills the agents and deletes every namespace and the temp dir,
// whatever state a failed test left.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { FileClusterSource, fileSourceOptions } from '../../../src/agent/cluster/file-source.js';
import type { Node } from '../../../src/agent/cluster/types.js';
import { openNetlink } from '../../../src/kernel/netlink/index.js';
import { openNetns } from '../../../src/kernel/netns.js';
import { createNetns, type TestNetns } from '../../helpers/netns.js';

export const DIST_BIN = resolve('dist/bin');
const AGENT = join(DIST_BIN, 'podwire-agent');
const PODWIRECTL = join(DIST_BIN, 'podwirectl');

export interface AgentProcess {
  child: ChildProcess;
  /** Everything the agent wrote to stderr so far. */
  log(): string;
  exited: Promise<number | null>;
}

export interface LabNode {
  name: string;
  ns: TestNetns;
  underlayIP: string;
  dir: string;
  confDir: string;
  stateDir: string;
  cacheDir: string;
  socket: string;
  configPath: string;
  agent: AgentProcess | undefined;
}

export interface LabPod {
  ns: TestNetns;
  /** The first address (IPv4). */
  ip: string;
  /** Every address, in result order. */
  ips: string[];
}

export interface Lab {
  root: string;
  clusterDir: string;
  source: FileClusterSource;
  fabric: TestNetns;
  nodes: LabNode[];
  startAgent(node: LabNode): AgentProcess;
  killAgent(node: LabNode, signal?: NodeJS.Signals): Promise<void>;
  addPod(node: LabNode): LabPod;
  remove(): Promise<void>;
}

export interface LabOptions {
  backend: 'vxlan' | 'routed';
  clusterCIDR: string;
  /** Dual stack (vxlan): the IPv6 pod network, /64 blocks. */
  clusterCIDRv6?: string;
  nodes: number;
  resyncSeconds?: number;
}

export const nodeName = (i: number): string => `node-${i}`;

export async function createLab(opts: LabOptions): Promise<Lab> {
  const root = mkdtempSync(join(tmpdir(), 'pwa-'));
  const clusterDir = join(root, 'cluster');
  mkdirSync(clusterDir);
  const namespaces: TestNetns[] = [];
  const pods: TestNetns[] = [];
  const source = new FileClusterSource(fileSourceOptions(clusterDir, { log: () => undefined }));
  const nodes: LabNode[] = [];

  const lab: Lab = {
    root,
    clusterDir,
    source,
    fabric: undefined as unknown as TestNetns,
    nodes,
    startAgent(node) {
      const child = spawn('nsenter', [`--net=${node.ns.path}`, AGENT, '--config', node.configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
      let text = '';
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (text += d));
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      node.agent = { child, log: () => text, exited };
      return node.agent;
    },
    async killAgent(node, signal = 'SIGKILL') {
      const a = node.agent;
      if (!a) return;
      if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill(signal);
      await a.exited;
      node.agent = undefined;
    },
    addPod(node) {
      const ns = createNetns('pwa');
      pods.push(ns);
      const r = spawnSync('nsenter', [`--net=${node.ns.path}`, PODWIRECTL, 'cni', 'add', 'podwire', ns.path,
        '--conf-dir', node.confDir, '--bin-dir', DIST_BIN, '--cache-dir', node.cacheDir, '--json'], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`podwirectl cni add failed (${r.status}): ${r.stdout} ${r.stderr}`);
      const result = JSON.parse(r.stdout) as { ips?: Array<{ address: string }> };
      const ips = (result.ips ?? []).map((a) => a.address.split('/')[0] ?? '');
      const ip = ips[0];
      if (!ip) throw new Error(`no IP in result: ${r.stdout}`);
      return { ns, ip, ips };
    },
    async remove() {
      const errors: unknown[] = [];
      for (const node of nodes) {
        try {
          await lab.killAgent(node);
        } catch (err) {
          errors.push(err);
        }
      }
      source.close();
      for (const ns of [...pods, ...namespaces]) {
        try {
          ns.remove();
        } catch (err) {
          errors.push(err);
        }
      }
      rmSync(root, { recursive: true, force: true });
      if (errors.length > 0) throw new AggregateError(errors, 'agent lab cleanup failed');
    },
  };

  try {
    const fabric = createNetns('pwa');
    namespaces.push(fabric);
    lab.fabric = fabric;
    const fh = openNetlink(fabric.path);
    try {
      fh.createBridge({ name: 'br0' });
      fh.addAddress('br0', { cidr: '10.255.0.254/24' });
      fh.setLinkUp('br0');
      for (let i = 1; i <= opts.nodes; i++) {
        const ns = createNetns('pwa');
        namespaces.push(ns);
        const peer = openNetns(ns.path);
        try {
          fh.createVeth({ name: `n${i}`, peerName: 'eth0', peerNetnsFd: peer.fd, mtu: 1500 });
        } finally {
          peer.close();
        }
        fh.setLinkMaster(`n${i}`, 'br0');
        fh.setLinkUp(`n${i}`);
        const nh = openNetlink(ns.path);
        const underlayIP = `10.255.0.${i}`;
        try {
          nh.addAddress('eth0', { cidr: `${underlayIP}/24` });
          nh.setLinkUp('eth0');
          nh.ensureRoute({ dst: '0.0.0.0/0', gw: '10.255.0.254' });
        } finally {
          nh.close();
        }
        const dir = join(root, nodeName(i));
        const node: LabNode = {
          name: nodeName(i), ns, underlayIP, dir,
          confDir: join(dir, 'net.d'), stateDir: join(dir, 'state'), cacheDir: join(dir, 'cache'),
          socket: join(dir, 'state', 'agent.sock'), configPath: join(dir, 'agent.json'), agent: undefined,
        };
        mkdirSync(dir, { recursive: true });
        writeFileSync(node.configPath, JSON.stringify({
          nodeName: node.name,
          clusterCIDR: opts.clusterCIDR,
          blockSize: 24,
          ...(opts.clusterCIDRv6 ? { clusterCIDRv6: opts.clusterCIDRv6, blockSizeV6: 64 } : {}),
          backend: opts.backend,
          cniConfDir: node.confDir,
          cniBinDir: DIST_BIN,
          stateDir: node.stateDir,
          source: { type: 'file', dir: clusterDir },
          resyncSeconds: opts.resyncSeconds ?? 2,
        }));
        nodes.push(node);
        await source.create('Node', nodeObject(node.name));
      }
    } finally {
      fh.close();
    }
    return lab;
  } catch (err) {
    await lab.remove();
    throw err;
  }
}

export function nodeObject(name: string, extra: Partial<Node> = {}): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } }, ...extra };
}

/** GET over the agent's unix socket. */
export function apiGet(socket: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ socketPath: socket, path, method: 'GET', timeout: 2000 }, (r) => {
      let body = '';
      r.setEncoding('utf8').on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', rej);
    req.end();
  });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs = 15_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Resolves once /readyz answers 200; fails early if the agent exits. */
export async function waitReady(node: LabNode, timeoutMs = 20_000): Promise<void> {
  const agent = node.agent;
  let exited: number | null | undefined;
  void agent?.exited.then((c) => (exited = c));
  await waitFor(`${node.name} ready`, async () => {
    if (exited !== undefined) throw new Error(`agent exited with ${exited}: ${agent?.log() ?? ''}`);
    const r = await apiGet(node.socket, '/readyz');
    return r.status === 200 ? true : undefined;
  }, timeoutMs).catch((err: unknown) => {
    throw new Error(`${String(err)}\n--- ${node.name} agent log ---\n${agent?.log() ?? ''}`);
  });
}

export interface StatusDoc {
  node: string;
  backend: string;
  podCIDRs: string[];
  underlayIP: string;
  vtepMAC: string | null;
  mtu: number;
  ready: boolean;
  peers: Array<{ node: string; podCIDR: string; underlayIP: string; vtepMAC: string | null; error?: string }>;
  skipped: Array<{ node: string; reason: string }>;
  conflist: string | null;
  cniService: { socket: string; served: number; refused: number; inFlight: number } | null;
  startedAt: string;
  reconciles: { full: { count: number; sumSeconds: number }; incremental: { count: number; sumSeconds: number } };
}

export async function status(node: LabNode): Promise<StatusDoc> {
  const r = await apiGet(node.socket, '/status');
  if (r.status !== 200) throw new Error(`/status: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as StatusDoc;
}

export interface IpRoute { dst: string; gateway?: string; dev: string; protocol?: string; flags?: string[] }

export function routesIn(ns: TestNetns): IpRoute[] {
  return JSON.parse(ns.exec('ip', ['-j', 'route', 'show'])) as IpRoute[];
}

/** A TCP client connecting from `ns` to host:port every `everyMs`, each time a new connection; stop() returns the tally. */
const PROBE = `
const net = require('node:net');
const [host, port, everyMs] = process.argv.slice(1);
let ok = 0, failed = 0; const errors = [];
let stopping = false;
const one = () => new Promise((resolve) => {
  const payload = Buffer.from(String(Date.now()));
  const s = net.connect({ host, port: Number(port) });
  const t = setTimeout(() => { s.destroy(); failed++; errors.push('timeout'); resolve(); }, 1000);
  s.on('connect', () => s.write(payload));
  let back = Buffer.alloc(0);
  s.on('data', (d) => { back = Buffer.concat([back, d]); if (back.length >= payload.length) { clearTimeout(t); s.destroy(); if (back.equals(payload)) ok++; else { failed++; errors.push('mismatch'); } resolve(); } });
  s.on('error', (e) => { clearTimeout(t); failed++; errors.push(e.code || e.message); resolve(); });
});
(async () => { while (!stopping) { await one(); await new Promise((r) => setTimeout(r, Number(everyMs))); } process.stdout.write(JSON.stringify({ ok, failed, errors: errors.slice(0, 10) }) + '\\n'); process.exit(0); })();
process.stdin.resume();
process.stdin.on('end', () => { stopping = true; });
`;

export interface Probe {
  stop(): Promise<{ ok: number; failed: number; errors: string[] }>;
}

export function startProbe(ns: TestNetns, host: string, port: number, everyMs = 50): Probe {
  const child = spawn('nsenter', [`--net=${ns.path}`, process.execPath, '-e', PROBE, host, String(port), String(everyMs)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  return {
    async stop() {
      child.stdin.end();
      const guard = setTimeout(() => child.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(guard);
      try {
        return JSON.parse(out) as { ok: number; failed: number; errors: string[] };
      } catch {
        throw new Error(`probe failed: ${err || out || 'no output'}`);
      }
    },
  };
}
