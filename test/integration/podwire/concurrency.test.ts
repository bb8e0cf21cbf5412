// 20 ADDs of different pods at once, each its own plugin process, onto one
// bridge that does not exist yet: they race to create the bridge, its gateway
// addresses, the nft tables and the leases. All must succeed with distinct
// addresses and every veth must end up a port of the one bridge; then 20
// DELs at once must leave nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestNetns } from '../../helpers/netns.js';
import { assertNothingLeft, createLab, leaseFiles, linkDetails, nftRuleCount, podElements, podwireVeths, resultAddresses, type Json, type Lab } from './lab.js';

const PODS = 20;

describe('podwire under concurrency', () => {
  let lab: Lab;
  let conf: Json;
  const pods: TestNetns[] = [];
  const id = (i: number): string => `conc-${i}`;

  before(() => {
    lab = createLab({ network: 'pwt-conc', bridge: 'pwtconc0', ranges: [[{ subnet: '10.91.0.0/24' }], [{ subnet: 'fd00:91::/64' }]] });
    conf = lab.conf({ ipMasq: true, macspoofchk: true });
    for (let i = 0; i < PODS; i++) pods.push(lab.newPod());
  });
  after(() => lab?.remove());

  it(`${PODS} parallel ADDs all succeed with distinct addresses on one bridge`, async () => {
    const outs = await Promise.all(pods.map((pod, i) => lab.runAsync({ command: 'ADD', containerId: id(i), netns: pod.path, ifname: 'eth0' }, conf)));
    const failed = outs.map((o, i) => ({ i, o })).filter(({ o }) => o.status !== 0);
    assert.deepEqual(failed.map(({ i, o }) => `${id(i)}: ${o.stdout} ${o.stderr}`), [], 'every ADD succeeded');

    const addresses = outs.flatMap((o) => resultAddresses(o.json));
    assert.equal(addresses.length, PODS * 2, 'two addresses per pod');
    assert.equal(new Set(addresses).size, addresses.length, 'all distinct');
    assert.equal(leaseFiles(lab).length, PODS * 2, 'one lease per address');

    const veths = podwireVeths(lab.host);
    assert.equal(veths.length, PODS, 'one host veth per pod');
    for (const v of veths) assert.equal(v.master, lab.bridge, `${v.ifname} is a port of the bridge`);
    assert.equal(linkDetails(lab.host).filter((l) => l.linkinfo?.info_kind === 'bridge').length, 1, 'exactly one bridge');
    assert.equal(nftRuleCount(lab.host, 'inet', 'podwire', 'pod-masquerade'), 6, 'the masquerade chain has its constant rules once');
    assert.equal(nftRuleCount(lab.host, 'bridge', 'podwire', 'pod-macspoof'), 1, 'the macspoof chain has its rule once');
    assert.equal(new Set(podElements(lab.host).map((e) => e.comment)).size, PODS, 'elements for every pod');
  });

  it(`${PODS} parallel DELs leave nothing`, async () => {
    const outs = await Promise.all(pods.map((_, i) => lab.runAsync({ command: 'DEL', containerId: id(i), ifname: 'eth0' }, conf)));
    const failed = outs.map((o, i) => ({ i, o })).filter(({ o }) => o.status !== 0);
    assert.deepEqual(failed.map(({ i, o }) => `${id(i)}: ${o.stdout} ${o.stderr}`), [], 'every DEL succeeded');
    assertNothingLeft(lab, 'after parallel DELs');
  });
});
