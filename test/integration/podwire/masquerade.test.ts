// ipMasq: a third "outside" netns hangs off the host netns by a veth
// (198.51.100.0/30, TEST-NET-2, all inside namespaces) and has no route back
// to the pod subnets, so a pod reaches it only when its packets leave the
// host with the host's address. Two networks share the host netns: one with
// ipMasq, one without. Also checks the nft side: elements carry the
// attachment tag, and the chain's rules do not grow with pods.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoServer, startEchoServer, tcpEcho } from '../../helpers/echo.js';
import { createNetns, type TestNetns } from '../../helpers/netns.js';
import { assertOk, bare, createLab, nftElements, nftRuleCount, podElements, resultAddresses, tagOf, type Json, type Lab } from './lab.js';

const HOST_SIDE = '198.51.100.1';
const OUTSIDE = '198.51.100.2';

describe('podwire ipMasq', () => {
  let lab: Lab;
  let outside: TestNetns;
  let server: EchoServer | undefined;
  let masqConf: Json;
  let plainConf: Json;

  before(async () => {
    lab = createLab({ network: 'pwt-masq', bridge: 'pwtmasq0', ranges: [[{ subnet: '10.95.0.0/24' }]] });
    outside = createNetns('pwt');
    lab.host.exec('ip', ['link', 'add', 'pwtup0', 'type', 'veth', 'peer', 'name', 'pwtout0', 'netns', outside.name]);
    lab.host.exec('ip', ['addr', 'add', `${HOST_SIDE}/30`, 'dev', 'pwtup0']);
    lab.host.exec('ip', ['link', 'set', 'pwtup0', 'up']);
    outside.exec('ip', ['addr', 'add', `${OUTSIDE}/30`, 'dev', 'pwtout0']);
    outside.exec('ip', ['link', 'set', 'pwtout0', 'up']);
    masqConf = lab.conf({ isDefaultGateway: true, ipMasq: true });
    plainConf = lab.conf({
      name: 'pwt-plain', bridge: 'pwtplain0', isDefaultGateway: true, ipMasq: false,
      ipam: { type: 'podwire-ipam', dataDir: lab.dataDir, ranges: [[{ subnet: '10.96.0.0/24' }]] },
    });
    server = await startEchoServer(outside.path);
  });
  after(() => {
    server?.stop();
    outside?.remove();
    lab?.remove();
  });

  it('the outside netns has no route back to either pod subnet', () => {
    for (const dst of ['10.95.0.2', '10.96.0.2']) {
      assert.throws(() => outside.exec('ip', ['route', 'get', dst]), `no route to ${dst} in the outside netns`);
    }
  });

  it('a pod with ipMasq reaches the outside, which sees the host address', async () => {
    const pod = lab.newPod();
    assertOk(lab.run({ command: 'ADD', containerId: 'masq-a', netns: pod.path, ifname: 'eth0' }, masqConf), 'ADD');
    const r = await tcpEcho(pod.path, OUTSIDE);
    assert.equal(r.ok, true, `TCP to the outside: ${r.error ?? ''}`);
    assert.ok(server?.peers.includes(`tcp ${HOST_SIDE}`), `the server saw ${HOST_SIDE}: ${server?.peers.join(', ') ?? ''}`);
    assert.ok(!server?.peers.some((p) => p.includes('10.95.')), 'the pod address never reached the outside');
  });

  it('a pod without ipMasq does not (no route back), and has no nft element', async () => {
    const pod = lab.newPod();
    const add = lab.run({ command: 'ADD', containerId: 'plain-a', netns: pod.path, ifname: 'eth0' }, plainConf);
    assertOk(add, 'ADD');
    // The pod can reach its gateway: the failure below is the missing masquerade, not the wiring.
    const gw = await tcpEcho(pod.path, '10.96.0.1', 1);
    assert.equal(gw.error, 'ECONNREFUSED', 'the gateway answers (with a reset: nothing listens on port 1)');
    const r = await tcpEcho(pod.path, OUTSIDE, undefined, 1000);
    assert.equal(r.ok, false, 'no TCP to the outside without masquerade');
    assert.equal(r.error, 'timeout');
    assert.deepEqual(nftElements(lab.host).filter((e) => e.comment === 'pwt-plain/plain-a/eth0'), []);
    assert.ok(!nftElements(lab.host).some((e) => JSON.stringify(e.val).includes(bare(resultAddresses(add.json)[0] ?? '?'))), 'its address is in no set');
  });

  it('elements carry the attachment tag; the chain keeps its rule count when a second pod is added', () => {
    const tag = tagOf(lab, 'masq-a');
    const mine = nftElements(lab.host).filter((e) => e.comment === tag);
    assert.deepEqual(mine.filter((e) => e.set.startsWith('masq-src')).map((e) => `${e.family} ${e.table} ${e.set}`), ['inet podwire masq-src4']);
    assert.ok(mine.every((e) => e.family === 'inet' && e.table === 'podwire'), 'all in the inet podwire table');
    const before = nftRuleCount(lab.host, 'inet', 'podwire', 'pod-masquerade');
    assert.ok(before > 0, 'the chain has rules');

    const pod = lab.newPod();
    const add = lab.run({ command: 'ADD', containerId: 'masq-b', netns: pod.path, ifname: 'eth0' }, masqConf);
    assertOk(add, 'ADD second');
    assert.equal(nftRuleCount(lab.host, 'inet', 'podwire', 'pod-masquerade'), before, 'rules do not grow with pods');
    const second = nftElements(lab.host).filter((e) => e.comment === tagOf(lab, 'masq-b'));
    const addr = bare(resultAddresses(add.json)[0] ?? '?');
    assert.deepEqual(second.find((e) => e.set === 'masq-src4')?.val, addr, 'masq-src4 holds the second pod address');
    assert.equal(podElements(lab.host).length, mine.length + second.length, 'every pod element is tagged with its attachment');
  });

  it('masquerade elements go with DEL; the other pod keeps its own', () => {
    assertOk(lab.run({ command: 'DEL', containerId: 'masq-b', ifname: 'eth0' }, masqConf), 'DEL');
    const tags = new Set(podElements(lab.host).map((e) => e.comment));
    assert.ok(!tags.has(tagOf(lab, 'masq-b')), 'the deleted pod has no element left');
    assert.ok(tags.has(tagOf(lab, 'masq-a')), 'the other pod keeps its elements');
  });
});
