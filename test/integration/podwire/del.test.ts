// DEL is idempotent and needs nothing but the attachment's identity: twice in
// a row, with CNI_NETNS empty, after the pod netns was deleted, and without a
// prevResult, it succeeds and leaves no veth, lease or nft element.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestNetns } from '../../helpers/netns.js';
import { assertNothingLeft, assertOk, createLab, leaseFiles, nftElements, podElements, podwireVeths, tagOf, waitFor, type Json, type Lab } from './lab.js';

describe('podwire DEL', () => {
  let lab: Lab;
  let conf: Json;
  before(() => {
    lab = createLab({ network: 'pwt-del', bridge: 'pwtdel0', ranges: [[{ subnet: '10.91.0.0/24' }], [{ subnet: 'fd00:91::/64' }]] });
    conf = lab.conf({ ipMasq: true, macspoofchk: true });
  });
  after(() => lab?.remove());

  /** ADDs a pod and checks it holds a veth, two leases and tagged elements; returns its ADD result. */
  function addPod(containerId: string, pod: TestNetns): unknown {
    const add = lab.run({ command: 'ADD', containerId, netns: pod.path, ifname: 'eth0' }, conf);
    assertOk(add, `ADD ${containerId}`);
    assert.equal(podwireVeths(lab.host).length, 1, 'one host veth');
    assert.equal(leaseFiles(lab).length, 2, 'two leases');
    const sets = new Set(nftElements(lab.host).filter((e) => e.comment === tagOf(lab, containerId)).map((e) => e.set));
    for (const set of ['masq-src4', 'masq-src6', 'spoof-checked', 'spoof-allowed']) assert.ok(sets.has(set), `a tagged element in ${set}`);
    return add.json;
  }

  it('twice in a row, with prevResult: both succeed', () => {
    const pod = lab.newPod();
    const prevResult = addPod('del-twice', pod);
    const call = { command: 'DEL', containerId: 'del-twice', netns: pod.path, ifname: 'eth0' };
    assertOk(lab.run(call, { ...conf, prevResult }), 'first DEL');
    assertNothingLeft(lab, 'first DEL');
    assertOk(lab.run(call, { ...conf, prevResult }), 'second DEL');
    assertNothingLeft(lab, 'second DEL');
  });

  it('with CNI_NETNS empty', () => {
    const pod = lab.newPod();
    addPod('del-nonetns', pod);
    assertOk(lab.run({ command: 'DEL', containerId: 'del-nonetns', netns: '', ifname: 'eth0' }, conf), 'DEL');
    assertNothingLeft(lab, 'DEL without CNI_NETNS');
  });

  it('after the pod netns was deleted: releases the lease and removes the nft elements', async () => {
    const pod = lab.newPod();
    addPod('del-gone', pod);
    pod.remove();
    // The kernel removes the veth pair with the netns (from a workqueue, hence
    // the wait); the lease and the elements are ours to remove.
    assert.ok(await waitFor(() => podwireVeths(lab.host).length === 0), 'the veth went with the netns');
    assert.equal(leaseFiles(lab).length, 2, 'the leases are still held');
    assertOk(lab.run({ command: 'DEL', containerId: 'del-gone', netns: pod.path, ifname: 'eth0' }, conf), 'DEL');
    assertNothingLeft(lab, 'DEL after the netns was deleted');
    assertOk(lab.run({ command: 'DEL', containerId: 'del-gone', netns: pod.path, ifname: 'eth0' }, conf), 'DEL again');
  });

  it('with no prevResult, and for an attachment that never existed', () => {
    const pod = lab.newPod();
    addPod('del-noprev', pod);
    assertOk(lab.run({ command: 'DEL', containerId: 'del-noprev', netns: pod.path, ifname: 'eth0' }, conf), 'DEL');
    assertNothingLeft(lab, 'DEL without prevResult');
    assertOk(lab.run({ command: 'DEL', containerId: 'never-added', ifname: 'eth0' }, conf), 'DEL of an unknown attachment');
  });

  it('of one pod leaves the other pod on the same bridge alone', () => {
    const a = lab.newPod();
    const b = lab.newPod();
    addPod('del-keep-a', a);
    assertOk(lab.run({ command: 'ADD', containerId: 'del-keep-b', netns: b.path, ifname: 'eth0' }, conf), 'ADD b');
    assertOk(lab.run({ command: 'DEL', containerId: 'del-keep-a', ifname: 'eth0' }, conf), 'DEL a');
    assert.equal(podwireVeths(lab.host).length, 1, 'b keeps its veth');
    assert.equal(leaseFiles(lab).length, 2, 'b keeps its leases');
    assert.deepEqual([...new Set(podElements(lab.host).map((e) => e.comment))], [tagOf(lab, 'del-keep-b')], 'only b has elements');
    assertOk(lab.run({ command: 'DEL', containerId: 'del-keep-b', ifname: 'eth0' }, conf), 'DEL b');
    assertNothingLeft(lab, 'both deleted');
  });
});
