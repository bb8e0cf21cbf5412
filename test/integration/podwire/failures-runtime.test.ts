// ADDs that fail on the real system, not on their config: the address range
// is exhausted, CNI_IFNAME already exists in the pod, the netns is gone, the
// kernel refuses a route after the lease was taken. Each must answer with its
// code and leave nothing of the failed attachment behind.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addressesOn, assertCniError, assertNothingLeft, assertOk, bare, createLab, leaseFiles, linkDetails, nftElements, podwireVeths, resultAddresses, type Lab } from './lab.js';

describe('podwire ADD failing at run time', () => {
  let lab: Lab;
  before(() => {
    lab = createLab({ network: 'pwt-fail', bridge: 'pwtfail0' });
  });
  after(() => lab?.remove());

  const hasLink = (name: string): boolean => linkDetails(lab.host).some((l) => l.ifname === name);

  it('IPAM exhausted: code 100; the second pod gets no veth, lease or nft element; the first keeps all of it', () => {
    // A /30 leaves one address besides the gateway.
    const conf = lab.conf({
      name: 'pwt-tiny', bridge: 'pwttiny0', ipMasq: true, macspoofchk: true,
      ipam: { type: 'podwire-ipam', dataDir: lab.dataDir, ranges: [[{ subnet: '10.99.0.0/30' }]] },
    });
    const first = lab.newPod();
    const add1 = lab.run({ command: 'ADD', containerId: 'tiny-1', netns: first.path, ifname: 'eth0' }, conf);
    assertOk(add1, 'first ADD');
    assert.deepEqual(resultAddresses(add1.json), ['10.99.0.2/30']);
    const veths = podwireVeths(lab.host).map((l) => l.ifname);
    const elements = nftElements(lab.host);

    const second = lab.newPod();
    const add2 = lab.run({ command: 'ADD', containerId: 'tiny-2', netns: second.path, ifname: 'eth0' }, conf);
    assertCniError(add2, 100, 'second ADD');
    assert.deepEqual(podwireVeths(lab.host).map((l) => l.ifname), veths, 'only the first pod has a veth');
    assert.deepEqual(nftElements(lab.host), elements, 'nft elements unchanged');
    assert.ok(!elements.some((e) => e.comment === 'pwt-tiny/tiny-2/eth0'), 'none for the second pod');
    assert.deepEqual(linkDetails(second).map((l) => l.ifname), ['lo'], 'no eth0 left in the second pod');
    assert.deepEqual(leaseFiles(lab, 'pwt-tiny'), ['10.99.0.2'], 'only the first lease');
    assert.ok(hasLink('pwttiny0'), 'the bridge stays: it has the first pod as a port');

    assertOk(lab.run({ command: 'DEL', containerId: 'tiny-1', ifname: 'eth0' }, conf), 'DEL first');
    assertNothingLeft(lab, 'after DEL of the first pod', 'pwt-tiny');
  });

  it('CNI_IFNAME already in the pod netns: code 105, nothing created, the existing link untouched', () => {
    const pod = lab.newPod();
    pod.exec('ip', ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'pwtpeer0']);
    const out = lab.run({ command: 'ADD', containerId: 'exists', netns: pod.path, ifname: 'eth0' }, lab.conf({ bridge: 'pwtexists0', ipMasq: true, macspoofchk: true }));
    const text = assertCniError(out, 105, 'ifname exists');
    assert.ok(text.includes('eth0'), `the error names the interface: ${text}`);
    assertNothingLeft(lab, 'ifname exists');
    assert.ok(!hasLink('pwtexists0'), 'no bridge created');
    const eth0 = linkDetails(pod).find((l) => l.ifname === 'eth0');
    assert.equal(eth0?.linkinfo?.info_kind, 'veth', 'the existing eth0 is still there');
    assert.deepEqual(addressesOn(pod, 'eth0'), [], 'and got no address');
  });

  it('CNI_NETNS that does not exist: code 104, nothing created', () => {
    const out = lab.run({ command: 'ADD', containerId: 'no-netns', netns: '/run/netns/pwt-does-not-exist', ifname: 'eth0' }, lab.conf({ bridge: 'pwtnons0', ipMasq: true, macspoofchk: true }));
    assertCniError(out, 104, 'missing netns');
    assertNothingLeft(lab, 'missing netns');
    assert.ok(!hasLink('pwtnons0'), 'no bridge created');
  });

  it('the kernel refuses a route after the lease was taken: code 103, lease released, veth and bridge undone', () => {
    const pod = lab.newPod();
    const conf = lab.conf({
      bridge: 'pwtroute0', ipMasq: true, macspoofchk: true,
      ipam: { type: 'podwire-ipam', dataDir: lab.dataDir, ranges: [[{ subnet: '10.91.0.0/24' }]], routes: [{ dst: '192.0.2.0/24', gw: '10.250.0.1' }] },
    });
    const out = lab.run({ command: 'ADD', containerId: 'bad-route', netns: pod.path, ifname: 'eth0' }, conf);
    assertCniError(out, 103, 'unreachable route gateway');
    assertNothingLeft(lab, 'unreachable route gateway');
    assert.ok(!hasLink('pwtroute0'), 'the bridge this ADD created is gone');
    assert.deepEqual(linkDetails(pod).map((l) => l.ifname), ['lo'], 'no eth0 left in the pod');
  });

  it('a retried ADD after the failure above succeeds with the same config minus the bad route', () => {
    const pod = lab.newPod();
    const add = lab.run({ command: 'ADD', containerId: 'bad-route', netns: pod.path, ifname: 'eth0' }, lab.conf({ bridge: 'pwtroute0' }));
    assertOk(add, 'retry');
    assert.deepEqual(leaseFiles(lab), resultAddresses(add.json).map(bare));
    assertOk(lab.run({ command: 'DEL', containerId: 'bad-route', ifname: 'eth0' }, lab.conf({ bridge: 'pwtroute0' })), 'DEL');
    assertNothingLeft(lab, 'after DEL');
  });
});
