// Real bytes between pods on one podwire bridge: TCP and UDP echo between
// two pods, a pod to its gateway, and IPv6 between pods right after ADD
// (addresses are added without DAD, so there is no tentative window).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoServer, startEchoServer, tcpEcho, udpEcho } from '../../helpers/echo.js';
import type { TestNetns } from '../../helpers/netns.js';
import { assertOk, bare, createLab, resultAddresses, type Lab } from './lab.js';

interface AddrInfo { local: string; scope: string; tentative?: boolean; nodad?: boolean }

describe('podwire traffic between pods on one bridge', () => {
  let lab: Lab;
  let podA: TestNetns;
  let podB: TestNetns;
  let addrsA: string[];
  let addrsB: string[];
  /** Global IPv6 addresses of both pods as `ip -j addr` reported them the moment ADD returned. */
  let v6AfterAdd: AddrInfo[];
  let serverB: EchoServer | undefined;
  let serverGw: EchoServer | undefined;

  before(async () => {
    lab = createLab({ network: 'pwt-traffic', bridge: 'pwttraf0', ranges: [[{ subnet: '10.94.0.0/24' }], [{ subnet: 'fd00:94::/64' }]] });
    const conf = lab.conf({ isDefaultGateway: true });
    podA = lab.newPod();
    podB = lab.newPod();
    const a = lab.run({ command: 'ADD', containerId: 'traf-a', netns: podA.path, ifname: 'eth0' }, conf);
    assertOk(a, 'ADD a');
    const b = lab.run({ command: 'ADD', containerId: 'traf-b', netns: podB.path, ifname: 'eth0' }, conf);
    assertOk(b, 'ADD b');
    addrsA = resultAddresses(a.json).map(bare);
    addrsB = resultAddresses(b.json).map(bare);
    v6AfterAdd = [podA, podB].flatMap((pod) =>
      (JSON.parse(pod.exec('ip', ['-j', '-6', 'addr', 'show', 'dev', 'eth0'])) as Array<{ addr_info: AddrInfo[] }>)
        .flatMap((l) => l.addr_info.filter((a) => a.scope === 'global')));
    serverB = await startEchoServer(podB.path);
    serverGw = await startEchoServer(lab.host.path);
  });
  after(() => {
    serverB?.stop();
    serverGw?.stop();
    lab?.remove();
  });

  it('IPv6 addresses are usable at once: neither pod address is tentative after ADD', () => {
    assert.equal(v6AfterAdd.length, 2, 'one global IPv6 address per pod');
    for (const a of v6AfterAdd) {
      assert.equal(a.tentative, undefined, `${a.local} is not tentative`);
      assert.equal(a.nodad, true, `${a.local} was added with nodad`);
    }
  });

  it('IPv6 TCP from pod A to pod B right after ADD', async () => {
    const v6 = addrsB.find((a) => a.includes(':')) ?? '';
    const r = await tcpEcho(podA.path, v6);
    assert.deepEqual(r, { ok: true, local: addrsA.find((a) => a.includes(':')) }, `TCP [${v6}]`);
  });

  it('IPv4 TCP and UDP from pod A to pod B', async () => {
    const v4 = addrsB.find((a) => !a.includes(':')) ?? '';
    const tcp = await tcpEcho(podA.path, v4);
    assert.equal(tcp.ok, true, `TCP ${v4}: ${tcp.error ?? ''}`);
    const udp = await udpEcho(podA.path, v4);
    assert.equal(udp.ok, true, `UDP ${v4}: ${udp.error ?? ''}`);
    const srcA = addrsA.find((a) => !a.includes(':')) ?? '';
    const peers = serverB?.peers ?? [];
    assert.ok(peers.includes(`tcp ${srcA}`) && peers.includes(`udp ${srcA}`), `pod B saw pod A's own address: ${peers.join(', ')}`);
  });

  it('TCP from pod A to the gateway on the bridge', async () => {
    const r = await tcpEcho(podA.path, '10.94.0.1');
    assert.equal(r.ok, true, `TCP to the gateway: ${r.error ?? ''}`);
    const r6 = await tcpEcho(podA.path, 'fd00:94::1');
    assert.equal(r6.ok, true, `TCP to the IPv6 gateway: ${r6.error ?? ''}`);
    assert.ok(serverGw?.peers.includes(`tcp ${addrsA.find((a) => !a.includes(':')) ?? '?'}`), `the gateway saw pod A: ${serverGw?.peers.join(', ') ?? ''}`);
  });
});
