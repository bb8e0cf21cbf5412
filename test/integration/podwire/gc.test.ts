// GC (CNI 1.1): with three pods and cni.dev/valid-attachments listing one,
// the other two lose their veths, leases and nft elements while the listed
// one keeps passing traffic; a pod of another network sharing the host's nft
// sets is not touched; GC without the list is refused (7).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoServer, startEchoServer, tcpEcho } from '../../helpers/echo.js';
import type { TestNetns } from '../../helpers/netns.js';
import { assertCniError, assertOk, bare, createLab, leaseFiles, nftElements, podElements, podwireVeths, resultAddresses, tagOf, type Json, type Lab } from './lab.js';

interface Pod { id: string; ns: TestNetns; veth: string; addresses: string[] }

describe('podwire GC', () => {
  let lab: Lab;
  let conf: Json;
  let otherConf: Json;
  const pods: Pod[] = [];
  let other: Pod;
  let gateway: EchoServer | undefined;

  function addPod(id: string, c: Json): Pod {
    const ns = lab.newPod();
    const add = lab.run({ command: 'ADD', containerId: id, netns: ns.path, ifname: 'eth0' }, c);
    assertOk(add, `ADD ${id}`);
    const veth = (add.json as { interfaces: Array<{ name: string }> }).interfaces[1]?.name ?? '';
    return { id, ns, veth, addresses: resultAddresses(add.json).map(bare) };
  }

  before(async () => {
    lab = createLab({ network: 'pwt-gc', bridge: 'pwtgc0', ranges: [[{ subnet: '10.91.0.0/24' }], [{ subnet: 'fd00:91::/64' }]] });
    conf = lab.conf({ ipMasq: true, macspoofchk: true });
    otherConf = lab.conf({
      name: 'pwt-gc-other', bridge: 'pwtgc1', ipMasq: true, macspoofchk: true,
      ipam: { type: 'podwire-ipam', dataDir: lab.dataDir, ranges: [[{ subnet: '10.92.0.0/24' }]] },
    });
    for (const id of ['gc-1', 'gc-2', 'gc-3']) pods.push(addPod(id, conf));
    other = addPod('gc-other', otherConf);
    gateway = await startEchoServer(lab.host.path);
  });
  after(() => {
    gateway?.stop();
    lab?.remove();
  });

  it('GC without cni.dev/valid-attachments is refused with 7 and removes nothing', () => {
    const out = lab.run({ command: 'GC' }, conf);
    const text = assertCniError(out, 7, 'GC without the list');
    assert.ok(text.includes('cni.dev/valid-attachments'), `the error names the key: ${text}`);
    assert.equal(podwireVeths(lab.host).length, 4, 'every veth is still there');
    assert.equal(leaseFiles(lab).length, 6, 'every lease is still there');
  });

  it('removes the veths, leases and nft elements of attachments not listed, and only of this network', () => {
    const [stale1, keep, stale2] = pods as [Pod, Pod, Pod];
    const out = lab.run({ command: 'GC' }, { ...conf, 'cni.dev/valid-attachments': [{ containerID: keep.id, ifname: 'eth0' }] });
    assertOk(out, 'GC');

    const veths = podwireVeths(lab.host).map((l) => l.ifname).sort();
    assert.deepEqual(veths, [keep.veth, other.veth].sort(), 'only the listed pod and the other network keep a veth');
    assert.deepEqual(leaseFiles(lab), [...keep.addresses].sort(), 'only the listed pod keeps its leases');
    assert.deepEqual(leaseFiles(lab, 'pwt-gc-other'), other.addresses, 'the other network keeps its lease');
    const tags = new Set(podElements(lab.host).map((e) => e.comment));
    assert.deepEqual([...tags].sort(), [tagOf(lab, keep.id), 'pwt-gc-other/gc-other/eth0'].sort(), 'elements of stale1 and stale2 are gone');
    for (const stale of [stale1, stale2]) {
      assert.ok(!nftElements(lab.host).some((e) => JSON.stringify(e.val).includes(`"${stale.veth}"`) || stale.addresses.some((a) => JSON.stringify(e.val).includes(`"${a}"`))), `nothing of ${stale.id} in any set`);
    }
  });

  it('the listed pod still passes traffic after GC', async () => {
    const keep = pods[1] as Pod;
    const r = await tcpEcho(keep.ns.path, '10.91.0.1');
    assert.equal(r.ok, true, `TCP from the listed pod to its gateway: ${r.error ?? ''}`);
    const r6 = await tcpEcho(keep.ns.path, 'fd00:91::1');
    assert.equal(r6.ok, true, `IPv6 TCP from the listed pod to its gateway: ${r6.error ?? ''}`);
  });

  it('GC with the listed pod again removes nothing more (idempotent)', () => {
    const keep = pods[1] as Pod;
    const before = { veths: podwireVeths(lab.host).length, leases: leaseFiles(lab), elements: nftElements(lab.host).length };
    assertOk(lab.run({ command: 'GC' }, { ...conf, 'cni.dev/valid-attachments': [{ containerID: keep.id, ifname: 'eth0' }] }), 'second GC');
    assert.deepEqual({ veths: podwireVeths(lab.host).length, leases: leaseFiles(lab), elements: nftElements(lab.host).length }, before);
  });

  it('GC with an empty list removes the last pod and every nft element of the network', () => {
    assertOk(lab.run({ command: 'GC' }, { ...conf, 'cni.dev/valid-attachments': [] }), 'GC');
    assert.equal(leaseFiles(lab).length, 0, 'no lease of the network left');
    const mine = nftElements(lab.host).filter((e) => e.comment?.startsWith('pwt-gc/') || e.comment === 'network pwt-gc');
    assert.deepEqual(mine, [], 'no element of the network left');
    assert.ok(nftElements(lab.host).some((e) => e.comment === 'pwt-gc-other/gc-other/eth0'), 'the other network keeps its pod');
  });
});
