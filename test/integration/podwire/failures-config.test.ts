// ADDs refused for their config: the right CNI code, the offending field
// named in the message, and nothing left behind — no pw… veth, no bridge the
// failed ADD created, no lease, no nft element. Every config asks for ipMasq
// and macspoofchk, so a half-done ADD would show up in nft.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertCniError, assertNothingLeft, createLab, linkDetails, type Json, type Lab } from './lab.js';

interface Case {
  name: string;
  extra: Json;
  code: number;
  /** Text the error must contain: the field it names. */
  names: string;
}

const CASES: Case[] = [
  { name: 'MTU that is not a number', extra: { mtu: 'big' }, code: 7, names: 'mtu' },
  { name: 'MTU above 65535', extra: { mtu: 70000 }, code: 7, names: 'mtu' },
  { name: 'MTU below 68', extra: { mtu: 10 }, code: 7, names: 'mtu' },
  { name: 'vlan out of range', extra: { vlan: 5000 }, code: 7, names: 'vlan' },
  { name: 'negative vlan', extra: { vlan: -1 }, code: 7, names: 'vlan' },
  { name: 'vlan 100 (tagging is unsupported)', extra: { vlan: 100 }, code: 2, names: 'vlan' },
  { name: 'hairpinMode with promiscMode', extra: { hairpinMode: true, promiscMode: true }, code: 7, names: 'hairpinMode' },
  { name: 'bridge name with a slash', extra: { bridge: 'pwt/bad' }, code: 7, names: 'bridge' },
  { name: 'ipMasq that is not a boolean', extra: { ipMasq: 'yes' }, code: 7, names: 'ipMasq' },
  { name: 'runtimeConfig.mac that is not a MAC', extra: { runtimeConfig: { mac: 'zz:zz' } }, code: 7, names: 'runtimeConfig.mac' },
];

describe('podwire ADD refused for its config', () => {
  let lab: Lab;
  before(() => {
    lab = createLab({ network: 'pwt-badconf', bridge: 'pwtbad0' });
  });
  after(() => lab?.remove());

  /** A fresh bridge name per case, so "no bridge left" means this ADD created none. */
  let n = 0;
  const freshBridge = (): string => `pwtbad${++n}`;

  function assertClean(bridge: string, what: string): void {
    assertNothingLeft(lab, what);
    assert.ok(!linkDetails(lab.host).some((l) => l.ifname === bridge), `${what}: bridge ${bridge} was not left behind`);
  }

  for (const c of CASES) {
    it(`${c.name}: code ${c.code} naming ${c.names}, nothing created`, () => {
      const pod = lab.newPod();
      const bridge = freshBridge();
      const out = lab.run({ command: 'ADD', containerId: 'bad-conf', netns: pod.path, ifname: 'eth0' },
        lab.conf({ bridge, ipMasq: true, macspoofchk: true, ...c.extra }));
      const text = assertCniError(out, c.code, c.name);
      assert.ok(text.includes(c.names), `the error names ${c.names}: ${text}`);
      assertClean(bridge, c.name);
      assert.deepEqual(linkDetails(pod).map((l) => l.ifname), ['lo'], 'nothing in the pod');
    });
  }

  it('malformed JSON: code 6, nothing created', () => {
    const pod = lab.newPod();
    const out = lab.run({ command: 'ADD', containerId: 'bad-json', netns: pod.path, ifname: 'eth0' }, '{"cniVersion": "1.1.0", "name": ');
    assertCniError(out, 6, 'malformed JSON');
    assertNothingLeft(lab, 'malformed JSON');
  });

  it('unknown ipam type: code 7 naming ipam.type; the veth and the bridge made before the lookup are undone', () => {
    const pod = lab.newPod();
    const bridge = freshBridge();
    const conf = lab.conf({ bridge, ipMasq: true, macspoofchk: true, ipam: { type: 'pwt-no-such-ipam', dataDir: lab.dataDir, ranges: [[{ subnet: '10.91.0.0/24' }]] } });
    const out = lab.run({ command: 'ADD', containerId: 'bad-ipam', netns: pod.path, ifname: 'eth0' }, conf);
    const text = assertCniError(out, 7, 'unknown ipam type');
    assert.ok(text.includes('ipam.type'), `the error names ipam.type: ${text}`);
    assertClean(bridge, 'unknown ipam type');
    assert.deepEqual(linkDetails(pod).map((l) => l.ifname), ['lo'], 'no eth0 left in the pod');
  });

  for (const kind of ['dummy', 'veth'] as const) {
    it(`bridge name held by a ${kind}: code 7 naming bridge, the ${kind} untouched`, (t) => {
      const pod = lab.newPod();
      const name = `pwtnotbr${kind === 'dummy' ? 'd' : 'v'}`;
      try {
        lab.host.exec('ip', kind === 'dummy' ? ['link', 'add', name, 'type', 'dummy'] : ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`]);
      } catch (err) {
        if (kind === 'dummy' && String((err as { stderr?: unknown }).stderr).includes('Unknown device type')) {
          t.skip('dummy links: this kernel lacks CONFIG_DUMMY');
          return;
        }
        throw err;
      }
      try {
        const out = lab.run({ command: 'ADD', containerId: `taken-${kind}`, netns: pod.path, ifname: 'eth0' }, lab.conf({ bridge: name, ipMasq: true, macspoofchk: true }));
        const text = assertCniError(out, 7, `bridge is a ${kind}`);
        assert.ok(text.includes('bridge'), `the error names bridge: ${text}`);
        assertNothingLeft(lab, `bridge is a ${kind}`);
        const still = linkDetails(lab.host).find((l) => l.ifname === name);
        assert.equal(still?.linkinfo?.info_kind, kind, `the ${kind} is still there`);
        assert.equal(still?.master, undefined, 'and nothing was enslaved to it');
      } finally {
        lab.host.exec('ip', ['link', 'del', name]);
      }
    });
  }
});
