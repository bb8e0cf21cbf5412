// Cross-node pod traffic, built only with NetlinkHandle, the way the agent's
// overlay backends will build it. Two "node" namespaces are joined by a veth
// "underlay" (10.201.0.0/24, fd00:201::/64); each node has a "pod" bridge
// (cni0) holding its pod block's first address. Then real TCP bytes go from
// node1's pod address to node2's:
// - vxlan (flannel's layout): flannel.1 (VNI 1, learning off, MTU underlay-50)
//   with the node's VTEP address 10.244.N.0/32; per remote node one permanent
//   neighbour (remote VTEP address → remote VTEP MAC), one FDB entry (remote
//   VTEP MAC → remote underlay IP) and one route (remote pod block via remote
//   VTEP address, onlink, dev flannel.1). IPv6 alike on flannel-v6.1.
// - routed (flannel's host-gw): remote pod block via the remote node's
//   underlay address, no encapsulation.
// The underlay has no route to the other node's pod block except these, so a
// reply proves the path; the vxlan device's counters and an FDB entry taken
// away and put back prove the encapsulation carried it.
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openNetlink, type NetlinkHandle } from '../../../src/kernel/netlink/index.js';
import { openNetns, withNetns } from '../../../src/kernel/netns.js';
import { writeSysctl } from '../../../src/kernel/sysctl.js';
import { startEchoServer, type EchoServer } from '../../helpers/echo.js';
import { createNetns, type TestNetns } from '../../helpers/netns.js';

/** Connects from `local` (bound, so the source is the pod address) and checks 64 bytes come back. */
const CLIENT = `
const net = require('node:net');
const [host, port, local] = process.argv.slice(1);
const payload = require('node:crypto').randomBytes(64);
const done = (r) => { process.stdout.write(JSON.stringify(r)); process.exit(0); };
setTimeout(() => done({ ok: false, error: 'timeout' }), 1500);
const s = net.connect({ host, port: Number(port), localAddress: local }, () => s.write(payload));
let back = Buffer.alloc(0);
s.on('data', (d) => { back = Buffer.concat([back, d]); if (back.length >= payload.length) done({ ok: back.equals(payload), local: s.localAddress }); });
s.on('error', (e) => done({ ok: false, error: e.code || e.message }));
`;

function tcpFrom(ns: TestNetns, local: string, host: string, port: number): Promise<{ ok: boolean; local?: string; error?: string }> {
  const child = spawn('nsenter', [`--net=${ns.path}`, process.execPath, '-e', CLIENT, host, String(port), local], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  return new Promise((resolve) => {
    child.on('close', () => {
      try {
        resolve(JSON.parse(out) as { ok: boolean; local?: string });
      } catch {
        resolve({ ok: false, error: `client failed: ${err.trim() || 'no output'}` });
      }
    });
  });
}

function vxlanCounters(ns: TestNetns, dev: string): { tx: number; rx: number } {
  const [l] = JSON.parse(ns.exec('ip', ['-s', '-j', 'link', 'show', 'dev', dev])) as Array<{ stats64: { tx: { packets: number }; rx: { packets: number } } }>;
  return { tx: l?.stats64.tx.packets ?? 0, rx: l?.stats64.rx.packets ?? 0 };
}

interface Node {
  ns: TestNetns;
  h: NetlinkHandle;
  n: number;
  underlay4: string;
  underlay6: string;
}

/** Two node namespaces joined by a veth named eth0 on both sides; pod bridge cni0 with `pods(n)`. */
function makeNodes(pods: (n: number) => { v4: string; v6: string }): Node[] {
  const nodes: Node[] = [];
  try {
    for (const n of [1, 2]) {
      const ns = createNetns('pwv');
      nodes.push({ ns, h: openNetlink(ns.path), n, underlay4: `10.201.0.${n}`, underlay6: `fd00:201::${n}` });
    }
    const [a, b] = nodes as [Node, Node];
    const peer = openNetns(b.ns.path);
    try {
      a.h.createVeth({ name: 'eth0', peerName: 'eth0', peerNetnsFd: peer.fd, mtu: 1500 });
    } finally {
      peer.close();
    }
    for (const node of nodes) {
      // A settled node's underlay link-local address finished DAD long ago.
      // A fresh one stays tentative for ~2 s, and until then the kernel
      // sends no neighbour solicitation for a gateway on behalf of a packet
      // sourced elsewhere (a pod address; ndisc_solicit needs a usable
      // link-local source), so routed IPv6 would stall: skip DAD here.
      withNetns(node.ns.path, () => writeSysctl('net/ipv6/conf/eth0/accept_dad', 0));
      node.h.addAddress('eth0', { cidr: `${node.underlay4}/24` });
      node.h.addAddress('eth0', { cidr: `${node.underlay6}/64`, noDad: true });
      node.h.setLinkUp('eth0');
      node.h.createBridge({ name: 'cni0' });
      node.h.addAddress('cni0', { cidr: pods(node.n).v4 });
      node.h.addAddress('cni0', { cidr: pods(node.n).v6, noDad: true });
      node.h.setLinkUp('cni0');
    }
    return nodes;
  } catch (err) {
    removeNodes(nodes);
    throw err;
  }
}

function removeNodes(nodes: Node[]): void {
  for (const node of nodes) {
    node.h.close();
    node.ns.remove();
  }
}

const vtepMac = (n: number, v6: boolean) => `0a:58:${v6 ? '06' : '04'}:f4:0${n}:00`;

describe('vxlan overlay between two nodes', () => {
  let nodes: Node[] = [];
  let server: EchoServer | undefined;

  before(async () => {
    nodes = makeNodes((n) => ({ v4: `10.244.${n}.1/24`, v6: `fd00:244:${n}::1/64` }));
    for (const node of nodes) {
      const { h, n } = node;
      h.ensureVxlan({ name: 'flannel.1', vni: 1, local: node.underlay4, dev: 'eth0', mtu: 1450, mac: vtepMac(n, false) });
      h.ensureVxlan({ name: 'flannel-v6.1', vni: 1, local: node.underlay6, dev: 'eth0', mtu: 1430, mac: vtepMac(n, true) });
      h.addAddress('flannel.1', { cidr: `10.244.${n}.0/32` });
      h.addAddress('flannel-v6.1', { cidr: `fd00:244:${n}::/128`, noDad: true });
      h.setLinkUp('flannel.1');
      h.setLinkUp('flannel-v6.1');
      for (const remote of nodes.filter((x) => x !== node)) {
        const m = remote.n;
        // What the agent does per remote node, twice to show it converges.
        for (let i = 0; i < 2; i++) {
          h.ensureNeighbour({ dev: 'flannel.1', ip: `10.244.${m}.0`, mac: vtepMac(m, false) });
          h.ensureFdb({ dev: 'flannel.1', mac: vtepMac(m, false), dst: remote.underlay4 });
          h.ensureRoute({ dst: `10.244.${m}.0/24`, gw: `10.244.${m}.0`, dev: 'flannel.1', onlink: true });
          h.ensureNeighbour({ dev: 'flannel-v6.1', ip: `fd00:244:${m}::`, mac: vtepMac(m, true) });
          h.ensureFdb({ dev: 'flannel-v6.1', mac: vtepMac(m, true), dst: remote.underlay6 });
          h.ensureRoute({ dst: `fd00:244:${m}::/64`, gw: `fd00:244:${m}::`, dev: 'flannel-v6.1', onlink: true });
        }
      }
    }
    server = await startEchoServer((nodes[1] as Node).ns.path);
  });
  after(() => {
    server?.stop();
    removeNodes(nodes);
  });

  test('the agent state reads back as programmed, once', () => {
    const h = (nodes[0] as Node).h;
    const vx = h.getLink('flannel.1').index;
    assert.deepEqual(h.listRoutes({ family: 4 }).filter((r) => r.dst === '10.244.2.0/24').map((r) => [r.gw, r.oif, r.onlink]), [['10.244.2.0', vx, true]]);
    assert.deepEqual(h.listRoutes({ family: 6 }).filter((r) => r.dst === 'fd00:244:2::/64').map((r) => [r.gw, r.onlink]), [['fd00:244:2::', true]]);
    assert.deepEqual(h.listNeighbours({ dev: 'flannel.1', family: 4 }).map((n) => [n.ip, n.mac, n.permanent]), [['10.244.2.0', vtepMac(2, false), true]]);
    assert.deepEqual(h.listFdb({ dev: 'flannel.1' }).map((e) => [e.mac, e.dst]), [[vtepMac(2, false), '10.201.0.2']]);
    assert.deepEqual(h.listFdb({ dev: 'flannel-v6.1' }).map((e) => [e.mac, e.dst]), [[vtepMac(2, true), 'fd00:201::2']]);
  });

  test('TCP from pod address to pod address over IPv4 VXLAN', async () => {
    const [a, b] = nodes as [Node, Node];
    const before1 = vxlanCounters(a.ns, 'flannel.1');
    const before2 = vxlanCounters(b.ns, 'flannel.1');
    const r = await tcpFrom(a.ns, '10.244.1.1', '10.244.2.1', server?.tcpPort ?? 0);
    assert.deepEqual(r, { ok: true, local: '10.244.1.1' });
    assert.ok(server?.peers.includes('tcp 10.244.1.1'), 'node2 saw the pod address as the source');
    const after1 = vxlanCounters(a.ns, 'flannel.1');
    const after2 = vxlanCounters(b.ns, 'flannel.1');
    assert.ok(after1.tx > before1.tx && after1.rx > before1.rx, 'node1 encapsulated and decapsulated');
    assert.ok(after2.rx > before2.rx && after2.tx > before2.tx, 'node2 too');
  });

  test('TCP from pod address to pod address over IPv6 VXLAN (IPv6 underlay)', async () => {
    const [a, b] = nodes as [Node, Node];
    const before2 = vxlanCounters(b.ns, 'flannel-v6.1');
    const r = await tcpFrom(a.ns, 'fd00:244:1::1', 'fd00:244:2::1', server?.tcpPort ?? 0);
    assert.deepEqual(r, { ok: true, local: 'fd00:244:1::1' });
    assert.ok(server?.peers.includes('tcp fd00:244:1::1'));
    assert.ok(vxlanCounters(b.ns, 'flannel-v6.1').rx > before2.rx, 'it arrived through flannel-v6.1');
  });

  test('without the FDB entry the overlay is dark; ensureFdb brings it back', async () => {
    const a = nodes[0] as Node;
    assert.equal(a.h.removeFdb({ dev: 'flannel.1', mac: vtepMac(2, false), dst: '10.201.0.2' }), true);
    const dark = await tcpFrom(a.ns, '10.244.1.1', '10.244.2.1', server?.tcpPort ?? 0);
    assert.equal(dark.ok, false);
    a.h.ensureFdb({ dev: 'flannel.1', mac: vtepMac(2, false), dst: '10.201.0.2' });
    assert.equal((await tcpFrom(a.ns, '10.244.1.1', '10.244.2.1', server?.tcpPort ?? 0)).ok, true);
  });
});

describe('routed (host-gw) backend between two nodes', () => {
  let nodes: Node[] = [];
  let server: EchoServer | undefined;

  before(async () => {
    nodes = makeNodes((n) => ({ v4: `10.245.${n}.1/24`, v6: `fd00:245:${n}::1/64` }));
    for (const node of nodes) {
      for (const remote of nodes.filter((x) => x !== node)) {
        for (let i = 0; i < 2; i++) {
          node.h.ensureRoute({ dst: `10.245.${remote.n}.0/24`, gw: remote.underlay4 });
          node.h.ensureRoute({ dst: `fd00:245:${remote.n}::/64`, gw: remote.underlay6, dev: 'eth0' });
        }
      }
    }
    server = await startEchoServer((nodes[1] as Node).ns.path);
  });
  after(() => {
    server?.stop();
    removeNodes(nodes);
  });

  test('one plain route per remote block, via its underlay address', () => {
    const h = (nodes[0] as Node).h;
    const eth0 = h.getLink('eth0').index;
    assert.deepEqual(h.listRoutes({ family: 4 }).filter((r) => r.dst === '10.245.2.0/24').map((r) => [r.gw, r.oif, r.onlink]), [['10.201.0.2', eth0, false]]);
    assert.deepEqual(h.listRoutes({ family: 6 }).filter((r) => r.dst === 'fd00:245:2::/64').map((r) => r.gw), ['fd00:201::2']);
  });

  test('TCP from pod address to pod address, IPv4 and IPv6, no encapsulation', async () => {
    const [a] = nodes as [Node];
    assert.deepEqual(await tcpFrom(a.ns, '10.245.1.1', '10.245.2.1', server?.tcpPort ?? 0), { ok: true, local: '10.245.1.1' });
    assert.deepEqual(await tcpFrom(a.ns, 'fd00:245:1::1', 'fd00:245:2::1', server?.tcpPort ?? 0), { ok: true, local: 'fd00:245:1::1' });
    assert.ok(server?.peers.includes('tcp 10.245.1.1') && server.peers.includes('tcp fd00:245:1::1'));
    assert.equal(a.h.listVxlans().length, 0);
  });

  test('removing the route cuts the path: removeRoute true, then false', async () => {
    const [a] = nodes as [Node];
    assert.equal(a.h.removeRoute({ dst: '10.245.2.0/24', gw: '10.201.0.2' }), true);
    assert.equal(a.h.removeRoute({ dst: '10.245.2.0/24', gw: '10.201.0.2' }), false);
    assert.equal((await tcpFrom(a.ns, '10.245.1.1', '10.245.2.1', server?.tcpPort ?? 0)).ok, false);
  });
});
