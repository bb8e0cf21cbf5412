// macspoofchk: once a pod changes its MAC from inside, the bridge drops its
// frames and it can no longer reach the other pod; putting the MAC back
// restores traffic. A second network in the same host netns, without the
// check, keeps passing traffic after the same change.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type EchoServer, startEchoServer, tcpEcho } from '../../helpers/echo.js';
import type { TestNetns } from '../../helpers/netns.js';
import { assertOk, bare, createLab, nftElements, resultAddresses, tagOf, type Json, type Lab } from './lab.js';

const SPOOFED = '02:00:5e:10:00:01';

interface PodPair { a: TestNetns; b: TestNetns; macA: string; addrB: string; server: EchoServer }

describe('podwire macspoofchk', () => {
  let lab: Lab;
  let checked: PodPair;
  let unchecked: PodPair;

  async function pair(conf: Json, prefix: string): Promise<PodPair> {
    const a = lab.newPod();
    const b = lab.newPod();
    const addA = lab.run({ command: 'ADD', containerId: `${prefix}-a`, netns: a.path, ifname: 'eth0' }, conf);
    assertOk(addA, 'ADD a');
    const addB = lab.run({ command: 'ADD', containerId: `${prefix}-b`, netns: b.path, ifname: 'eth0' }, conf);
    assertOk(addB, 'ADD b');
    const macA = (addA.json as { interfaces: Array<{ mac: string }> }).interfaces[2]?.mac ?? '';
    return { a, b, macA, addrB: bare(resultAddresses(addB.json)[0] ?? ''), server: await startEchoServer(b.path) };
  }

  /** Sets eth0's MAC in the pod; B forgets A's old MAC so every exchange starts with ARP. */
  function setMac(p: PodPair, mac: string): void {
    p.a.exec('ip', ['link', 'set', 'dev', 'eth0', 'address', mac]);
    p.b.exec('ip', ['neigh', 'flush', 'dev', 'eth0']);
  }

  before(async () => {
    lab = createLab({ network: 'pwt-spoof', bridge: 'pwtspoof0', ranges: [[{ subnet: '10.97.0.0/24' }]] });
    checked = await pair(lab.conf({ macspoofchk: true }), 'spoof');
    unchecked = await pair(lab.conf({
      name: 'pwt-nospoof', bridge: 'pwtnospoof0', macspoofchk: false,
      ipam: { type: 'podwire-ipam', dataDir: lab.dataDir, ranges: [[{ subnet: '10.98.0.0/24' }]] },
    }), 'nospoof');
  });
  after(() => {
    checked?.server.stop();
    unchecked?.server.stop();
    lab?.remove();
  });

  it('the checked pod is in spoof-checked and spoof-allowed with its MAC, tagged', () => {
    const mine = nftElements(lab.host).filter((e) => e.comment === tagOf(lab, 'spoof-a'));
    assert.deepEqual(mine.map((e) => `${e.family} ${e.table} ${e.set}`).sort(), ['bridge podwire spoof-allowed', 'bridge podwire spoof-checked']);
    assert.ok(JSON.stringify(mine.find((e) => e.set === 'spoof-allowed')?.val).includes(checked.macA), 'spoof-allowed holds the pod MAC');
    assert.ok(!nftElements(lab.host).some((e) => e.comment?.startsWith('pwt-nospoof/')), 'the unchecked network has no element');
  });

  it('with macspoofchk, traffic stops once the pod changes its MAC and resumes when it is put back', async () => {
    const before = await tcpEcho(checked.a.path, checked.addrB);
    assert.equal(before.ok, true, `TCP before the change: ${before.error ?? ''}`);
    setMac(checked, SPOOFED);
    const spoofed = await tcpEcho(checked.a.path, checked.addrB, undefined, 1000);
    assert.deepEqual(spoofed, { ok: false, error: 'timeout' }, 'TCP with a changed MAC is dropped');
    setMac(checked, checked.macA);
    const restored = await tcpEcho(checked.a.path, checked.addrB);
    assert.equal(restored.ok, true, `TCP with the MAC put back: ${restored.error ?? ''}`);
  });

  it('without macspoofchk, traffic continues after the MAC change', async () => {
    const before = await tcpEcho(unchecked.a.path, unchecked.addrB);
    assert.equal(before.ok, true, `TCP before the change: ${before.error ?? ''}`);
    setMac(unchecked, SPOOFED);
    const after = await tcpEcho(unchecked.a.path, unchecked.addrB);
    assert.equal(after.ok, true, `TCP after the change: ${after.error ?? ''}`);
  });
});
