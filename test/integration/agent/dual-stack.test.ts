// Dual stack over one VXLAN device and an IPv4 underlay: each node claims an
// IPv4 and an IPv6 block; IPv6 pod traffic crosses nodes through the same
// FDB entry, via an IPv6 permanent neighbour and an onlink route per peer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startEchoServer, tcpEcho, type EchoServer } from '../../helpers/echo.js';
import { createLab, status, waitFor, waitReady, type Lab, type LabNode, type LabPod } from './agent-lab.js';

describe('podwire-agent, vxlan backend, dual stack', () => {
  let lab: Lab | undefined;
  let n1: LabNode;
  let n2: LabNode;
  let pods: LabPod[] = [];
  let server: EchoServer | undefined;

  before(async () => {
    lab = await createLab({ backend: 'vxlan', clusterCIDR: '10.250.0.0/16', clusterCIDRv6: 'fd00:250::/48', nodes: 2 });
    [n1, n2] = lab.nodes as [LabNode, LabNode];
    lab.startAgent(n1);
    lab.startAgent(n2);
    await Promise.all([waitReady(n1), waitReady(n2)]);
  });
  after(async () => {
    server?.stop();
    await lab?.remove();
  });

  test('each node has an IPv4 and an IPv6 block, distinct', async () => {
    const [s1, s2] = await Promise.all([status(n1), status(n2)]);
    assert.equal(s1.podCIDRs.length, 2);
    for (const s of [s1, s2]) assert.match(s.podCIDRs[1] ?? '', /^fd00:250:(:|0:[0-9a-f]+::)\/64$/);
    assert.notEqual(s1.podCIDRs[1], s2.podCIDRs[1]);
    assert.deepEqual((s1.peers[0] as { podCIDRv6?: string }).podCIDRv6, s2.podCIDRs[1]);
  });

  test('the IPv6 datapath reads back: /128 VTEP address, permanent neighbour, onlink route', async () => {
    const [s1, s2] = await Promise.all([status(n1), status(n2)]);
    const b6 = s2.podCIDRs[1] ?? '';
    const vtep6 = b6.split('/')[0] ?? '';
    const addrs = JSON.parse(n1.ns.exec('ip', ['-6', '-j', 'addr', 'show', 'dev', 'podwire.1', 'scope', 'global'])) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>;
    assert.deepEqual(addrs.flatMap((l) => l.addr_info).filter((a) => a.local).map((a) => `${a.local}/${a.prefixlen}`), [`${(s1.podCIDRs[1] ?? '').split('/')[0]}/128`]);
    const neigh = JSON.parse(n1.ns.exec('ip', ['-6', '-j', 'neigh', 'show', 'dev', 'podwire.1', 'nud', 'permanent'])) as Array<{ dst: string; lladdr: string }>;
    assert.deepEqual(neigh.map((e) => [e.dst, e.lladdr]), [[vtep6, s2.vtepMAC]]);
    const routes = JSON.parse(n1.ns.exec('ip', ['-6', '-j', 'route', 'show', b6])) as Array<{ gateway: string; dev: string; protocol: string; flags: string[] }>;
    assert.deepEqual(routes.map((r) => [r.gateway, r.dev, r.protocol, r.flags]), [[vtep6, 'podwire.1', '87', ['onlink']]]);
    assert.equal(n1.ns.exec('cat', ['/proc/sys/net/ipv6/conf/all/forwarding']).trim(), '1');
  });

  test('TCP pod to pod over IPv6 and IPv4 across nodes keeps the pod source addresses', async () => {
    pods = [lab!.addPod(n1), lab!.addPod(n2)];
    const [p1, p2] = pods as [LabPod, LabPod];
    assert.equal(p1.ips.length, 2);
    server = await startEchoServer(p2.ns.path);
    // pw0 is born with the first pod; until its link-local address leaves DAD
    // (~2 s) the node sends no neighbour solicitation towards a pod for
    // forwarded IPv6 (docs/kernel.md, "IPv6 routed backend and DAD"). A
    // plugin-side matter (the bridge's accept_dad), not the overlay's.
    for (const n of [n1, n2]) await waitFor(`${n.name} pw0 out of DAD`, () => n.ns.exec('ip', ['-6', 'addr', 'show', 'dev', 'pw0', 'tentative']).trim() === '' || undefined, 5000);
    const v6 = await tcpEcho(p1.ns.path, p2.ips[1] ?? '');
    assert.equal(v6.ok, true, v6.error);
    assert.equal(v6.local, p1.ips[1]);
    assert.ok(server.peers.includes(`tcp ${p1.ips[1]}`), JSON.stringify(server.peers));
    const v4 = await tcpEcho(p1.ns.path, p2.ip);
    assert.equal(v4.ok, true, v4.error);
    assert.ok(server.peers.includes(`tcp ${p1.ip}`));
  });

  test('a restarted agent converges with no change in either family', async () => {
    await lab!.killAgent(n1);
    const agent = lab!.startAgent(n1);
    await waitReady(n1);
    assert.match(agent.log(), /device_action=unchanged/);
    assert.match(agent.log(), /reconciled peers trigger=initial peers=1 changes=0 errors=0/);
    assert.equal((await tcpEcho(pods[0]!.ns.path, pods[1]!.ips[1] ?? '')).ok, true);
  });
});
