// The podwire executable answered by the CNI service (`podwire-agent
// serve-cni` in the lab's host netns, as the agent runs it on a node):
// every verb at every version, real traffic, concurrent pods, bad config,
// and the cases where the executable must run the verb itself instead (no
// service listening, a caller in another network namespace). The service's
// own count of served and refused requests proves which path each call took.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startServeCni, type ServeCniProcess } from '../../../src/cli/cni/serve-cni-process.js';
import { startEchoServer, tcpEcho, udpEcho, type EchoServer } from '../../helpers/echo.js';
import { DIST_BIN } from '../../helpers/plugin.js';
import {
  assertCniError, assertNothingLeft, assertOk, bare, createLab, leaseFiles, podElements, podwireVeths, resultAddresses, type Json, type Lab,
} from './lab.js';

describe('podwire through the CNI service', () => {
  let lab: Lab;
  let other: Lab | undefined;
  let service: ServeCniProcess | undefined;
  let socket: string;
  let conf: Json;
  /** Requests this file sends that the service must answer itself. */
  let expectServed = 0;
  let expectRefused = 0;
  const servers: EchoServer[] = [];

  before(async () => {
    lab = createLab({ network: 'pwt-svc', bridge: 'pwtsvc0', ranges: [[{ subnet: '10.97.0.0/24' }], [{ subnet: 'fd00:97::/64' }]] });
    socket = join(lab.dataDir, 'cni.sock');
    service = await startServeCni(DIST_BIN, lab.host.path, socket);
    conf = lab.conf({ ipMasq: true, macspoofchk: true, isDefaultGateway: true, serviceSocket: socket });
  });
  after(() => {
    for (const s of servers) s.stop();
    service?.kill();
    other?.remove();
    lab?.remove();
  });

  const run = (command: string, containerId: string, netns: string, c: Json = conf): ReturnType<Lab['run']> => {
    expectServed++;
    return lab.run({ command, containerId, netns, ifname: 'eth0' }, c);
  };

  for (const version of ['0.3.1', '0.4.0', '1.0.0', '1.1.0']) {
    it(`ADD, CHECK and DEL at ${version}; DEL returns with the veth already gone`, () => {
      const pod = lab.newPod();
      const c = { ...conf, cniVersion: version };
      const id = `svc-${version.replace(/\./g, '')}`;
      const add = run('ADD', id, pod.path, c);
      assertOk(add, 'ADD');
      const result = add.json as { cniVersion: string; interfaces: Array<{ name: string; sandbox?: string }> };
      assert.equal(result.cniVersion, version);
      assert.equal(result.interfaces[2]?.sandbox, pod.path, 'the container interface names its sandbox');
      assert.equal(resultAddresses(add.json).length, 2, 'an IPv4 and an IPv6 address');
      assert.equal(podwireVeths(lab.host).length, 1, 'one host veth');
      if (version !== '0.3.1') assertOk(run('CHECK', id, pod.path, { ...c, prevResult: add.json }), 'CHECK');
      assertOk(run('DEL', id, pod.path, { ...c, prevResult: add.json }), 'DEL');
      // The service answers DEL while the kernel still frees the veth's memory: the link must already be unlisted.
      assertNothingLeft(lab, `DEL at ${version}`);
    });
  }

  it('two pods added through the service reach each other and the gateway (TCP, UDP)', async () => {
    const a = lab.newPod();
    const b = lab.newPod();
    const addA = run('ADD', 'svc-traffic-a', a.path);
    const addB = run('ADD', 'svc-traffic-b', b.path);
    assertOk(addA, 'ADD a');
    assertOk(addB, 'ADD b');
    const srcA = resultAddresses(addA.json).map(bare).find((x) => !x.includes(':')) ?? '';
    const dstB = resultAddresses(addB.json).map(bare).find((x) => !x.includes(':')) ?? '';
    servers.push(await startEchoServer(b.path), await startEchoServer(lab.host.path));
    const tcp = await tcpEcho(a.path, dstB);
    assert.deepEqual(tcp, { ok: true, local: srcA }, `TCP ${dstB}`);
    const udp = await udpEcho(a.path, dstB);
    assert.equal(udp.ok, true, `UDP ${dstB}: ${udp.error ?? ''}`);
    const gw = await tcpEcho(a.path, '10.97.0.1');
    assert.equal(gw.ok, true, `TCP to the gateway: ${gw.error ?? ''}`);
    for (const [id, pod] of [['svc-traffic-a', a], ['svc-traffic-b', b]] as const) assertOk(run('DEL', id, pod.path), `DEL ${id}`);
    assertNothingLeft(lab, 'after the traffic pods');
  });

  it('12 concurrent ADDs get distinct addresses; 12 concurrent DELs leave nothing', async () => {
    const pods = Array.from({ length: 12 }, () => lab.newPod());
    expectServed += 24;
    const adds = await Promise.all(pods.map((p, i) => lab.runAsync({ command: 'ADD', containerId: `svc-conc-${i}`, netns: p.path, ifname: 'eth0' }, conf)));
    adds.forEach((r, i) => assertOk(r, `ADD ${i}`));
    const v4 = adds.map((r) => resultAddresses(r.json).find((x) => !x.includes(':')));
    assert.equal(new Set(v4).size, 12, `distinct IPv4 addresses: ${v4.join(' ')}`);
    assert.equal(podwireVeths(lab.host).length, 12, '12 host veths');
    assert.equal(leaseFiles(lab).length, 24, '24 leases');
    const dels = await Promise.all(pods.map((p, i) => lab.runAsync({ command: 'DEL', containerId: `svc-conc-${i}`, netns: p.path, ifname: 'eth0' }, conf)));
    dels.forEach((r, i) => assertOk(r, `DEL ${i}`));
    assertNothingLeft(lab, 'concurrent DELs');
  });

  it('bad config is refused by the service with the field named, leaving nothing', () => {
    const pod = lab.newPod();
    const out = run('ADD', 'svc-bad-mtu', pod.path, { ...conf, mtu: 20 });
    const text = assertCniError(out, 7, 'ADD with mtu 20');
    assert.match(text, /^mtu: /);
    const dup = run('ADD', 'svc-dup', pod.path);
    assertOk(dup, 'ADD');
    assertCniError(run('ADD', 'svc-dup-2', pod.path), 105, 'a second eth0 in the same pod');
    assertOk(run('DEL', 'svc-dup', pod.path), 'DEL');
    assertNothingLeft(lab, 'after the refused ADDs');
  });

  it('with no service listening the executable runs the verb itself', () => {
    const pod = lab.newPod();
    const alone = { ...conf, serviceSocket: join(lab.dataDir, 'nobody.sock') };
    assertOk(lab.run({ command: 'ADD', containerId: 'svc-alone', netns: pod.path, ifname: 'eth0' }, alone), 'ADD');
    assert.equal(podwireVeths(lab.host).length, 1);
    assertOk(lab.run({ command: 'DEL', containerId: 'svc-alone', netns: pod.path, ifname: 'eth0' }, alone), 'DEL');
    assertNothingLeft(lab, 'standalone');
  });

  it('a caller in another network namespace is refused and runs the verb itself, in its own namespace', () => {
    other = createLab({ network: 'pwt-svc2', bridge: 'pwtsvc1', ranges: [[{ subnet: '10.98.0.0/24' }]] });
    const pod = other.newPod();
    const c = other.conf({ ipMasq: true, serviceSocket: socket });
    expectRefused += 2;
    assertOk(other.run({ command: 'ADD', containerId: 'svc-other', netns: pod.path, ifname: 'eth0' }, c), 'ADD');
    assert.equal(podwireVeths(other.host).length, 1, 'the veth is in the caller\'s namespace');
    assert.equal(podwireVeths(lab.host).length, 0, 'nothing in the service\'s namespace');
    assertOk(other.run({ command: 'DEL', containerId: 'svc-other', netns: pod.path, ifname: 'eth0' }, c), 'DEL');
    assertNothingLeft(other, 'other namespace');
  });

  it('serviceSocket must be an absolute path (code 7, field named)', () => {
    const pod = lab.newPod();
    const out = lab.run({ command: 'ADD', containerId: 'svc-relative', netns: pod.path, ifname: 'eth0' }, { ...conf, serviceSocket: 'cni.sock' });
    assert.match(assertCniError(out, 7, 'relative serviceSocket'), /^serviceSocket: /);
    assert.deepEqual(podElements(lab.host), []);
  });

  it('the service answered every request above itself and refused only the other namespace', async () => {
    const counts = await service?.stop();
    service = undefined;
    assert.deepEqual(counts, { served: expectServed, refused: expectRefused });
  });
});
