// An ADD for a (containerID, ifname) that is already live in another pod
// netns — a runtime bug or a reused ID, never a retry of a half-done ADD of
// ours, whose pod end would still be in the same netns (105). The live pod
// must keep its interface, address and traffic; the second ADD must fail.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoServer, startEchoServer, tcpEcho } from '../../helpers/echo.js';
import type { TestNetns } from '../../helpers/netns.js';
import { addressesOn, assertOk, createLab, resultAddresses, type Json, type Lab } from './lab.js';

describe('podwire ADD of an attachment live elsewhere', () => {
  let lab: Lab;
  let conf: Json;
  let live: TestNetns;
  let address: string;
  let gateway: EchoServer | undefined;
  before(async () => {
    lab = createLab({ network: 'pwt-dup', bridge: 'pwtdup0' });
    conf = lab.conf({ ipMasq: true });
    live = lab.newPod();
    const add = lab.run({ command: 'ADD', containerId: 'dup-1', netns: live.path, ifname: 'eth0' }, conf);
    assertOk(add, 'first ADD');
    address = resultAddresses(add.json)[0] ?? '';
    gateway = await startEchoServer(lab.host.path);
  });
  after(() => {
    gateway?.stop();
    lab?.remove();
  });

  it('is refused and leaves the live pod wired', async () => {
    const other = lab.newPod();
    const second = lab.run({ command: 'ADD', containerId: 'dup-1', netns: other.path, ifname: 'eth0' }, conf);
    assert.notEqual(second.status, 0, `the second ADD must fail, got ${second.stdout}`);
    assert.deepEqual(addressesOn(live, 'eth0').filter((a) => !a.startsWith('fe80:')), [address], 'the live pod keeps eth0 and its address');
    const r = await tcpEcho(live.path, '10.91.0.1');
    assert.equal(r.ok, true, `the live pod still reaches its gateway: ${r.error ?? ''}`);
  });
});
