// VXLAN devices through NetlinkHandle in a throwaway netns, checked with
// `ip -d -j link`. The underlay is a bridge (this kernel has no dummy driver):
// all a vxlan device needs of it is an ifindex and an address.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { openNetlink, type NetlinkHandle } from '../../../src/kernel/netlink/index.js';
import { createNetns, type TestNetns } from '../../helpers/netns.js';

interface IpVxlan {
  ifindex: number;
  ifname: string;
  mtu: number;
  address: string;
  linkinfo?: {
    info_kind: string;
    info_data?: {
      id: number; local?: string; local6?: string; link?: string; port: number; learning: boolean;
      udp_csum: boolean; udp_zero_csum6_tx: boolean; udp_zero_csum6_rx: boolean; ttl: number; ageing: number;
    };
  };
}

const isErrno = (errno: number) => (e: unknown) => e instanceof KernelError && e.errno === errno;

function ipLink(ns: TestNetns, name: string): IpVxlan {
  const [l] = JSON.parse(ns.exec('ip', ['-d', '-j', 'link', 'show', 'dev', name])) as IpVxlan[];
  assert.ok(l, `ip knows ${name}`);
  return l;
}

describe('vxlan devices', () => {
  let ns: TestNetns;
  let h: NetlinkHandle;

  before(() => {
    ns = createNetns('pwv');
    h = openNetlink(ns.path);
    h.createBridge({ name: 'pwu0' });
    h.setLinkUp('pwu0');
    h.addAddress('pwu0', { cidr: '10.201.0.1/24' });
    h.addAddress('pwu0', { cidr: 'fd00:201::1/64', noDad: true });
  });
  after(() => {
    h?.close();
    ns?.remove();
  });

  test('creates a flannel-style IPv4 device: the kernel reports what was asked', () => {
    h.createVxlan({ name: 'flannel.1', vni: 1, local: '10.201.0.1', dev: 'pwu0', mtu: 1450, mac: '0a:58:0a:f4:01:00' });
    const ip = ipLink(ns, 'flannel.1');
    assert.deepEqual([ip.linkinfo?.info_kind, ip.mtu, ip.address], ['vxlan', 1450, '0a:58:0a:f4:01:00']);
    const d = ip.linkinfo?.info_data;
    assert.deepEqual(
      [d?.id, d?.local, d?.link, d?.port, d?.learning, d?.udp_csum, d?.udp_zero_csum6_tx, d?.udp_zero_csum6_rx],
      [1, '10.201.0.1', 'pwu0', 4789, false, true, false, false],
    );
    assert.equal(h.getLink('flannel.1').up, false, 'born down, like `ip link add`');
    assert.throws(() => h.createVxlan({ name: 'flannel.1', vni: 1, local: '10.201.0.1' }), isErrno(Errno.EEXIST));
  });

  test('decodes the device as ip -d -j link shows it', () => {
    const ours = h.findVxlan('flannel.1');
    const d = ipLink(ns, 'flannel.1').linkinfo?.info_data;
    assert.ok(ours && d);
    assert.equal(ours.kind, 'vxlan');
    assert.deepEqual(
      [ours.vxlan.vni, ours.vxlan.local, ours.vxlan.linkIndex, ours.vxlan.port, ours.vxlan.learning, ours.vxlan.udpCsum, ours.vxlan.ttl, ours.vxlan.ageing],
      [d.id, d.local, h.getLink('pwu0').index, d.port, d.learning, d.udp_csum, d.ttl, d.ageing],
    );
    assert.deepEqual([ours.vxlan.udp6ZeroCsumTx, ours.vxlan.udp6ZeroCsumRx, ours.vxlan.group, ours.vxlan.collectMetadata], [false, false, undefined, false]);
    assert.equal(h.findVxlan('pwu0'), undefined, 'a bridge is not a vxlan');
    assert.equal(h.findVxlan('pwnone0'), undefined);
  });

  test('an IPv6 underlay goes in LOCAL6, and the port is network byte order', () => {
    h.createVxlan({ name: 'flannel-v6.1', vni: 4097, local: 'fd00:201::1', dev: 'pwu0', dstPort: 8472, mtu: 1430 });
    const d = ipLink(ns, 'flannel-v6.1').linkinfo?.info_data;
    assert.deepEqual([d?.id, d?.local ?? d?.local6, d?.port], [4097, 'fd00:201::1', 8472]);
    const ours = h.findVxlan('flannel-v6.1');
    assert.deepEqual([ours?.vxlan.local, ours?.vxlan.port, ours?.vxlan.vni], ['fd00:201::1', 8472, 4097]);
    assert.deepEqual(h.listVxlans().map((l) => l.name).sort(), ['flannel-v6.1', 'flannel.1']);
  });

  test('ensureVxlan: unchanged when it matches, twice; MTU in place; a new VNI replaces the device', () => {
    const spec = { name: 'flannel.1', vni: 1, local: '10.201.0.1', dev: 'pwu0', mtu: 1450, mac: '0a:58:0a:f4:01:00' };
    const index = h.getLink('flannel.1').index;
    assert.deepEqual(h.ensureVxlan(spec), { action: 'unchanged', changed: [] });
    assert.deepEqual(h.ensureVxlan(spec), { action: 'unchanged', changed: [] });
    assert.equal(h.getLink('flannel.1').index, index, 'not recreated');

    assert.deepEqual(h.ensureVxlan({ ...spec, mtu: 1400 }), { action: 'updated', changed: ['mtu'] });
    assert.deepEqual([h.getLink('flannel.1').index, ipLink(ns, 'flannel.1').mtu], [index, 1400]);

    assert.deepEqual(h.ensureVxlan({ ...spec, vni: 2, dstPort: 4790 }), { action: 'replaced', changed: ['vni', 'dstPort'] });
    assert.notEqual(h.getLink('flannel.1').index, index);
    assert.deepEqual([ipLink(ns, 'flannel.1').linkinfo?.info_data?.id, ipLink(ns, 'flannel.1').mtu], [2, 1450]);
  });

  test('ensureVxlan creates when absent and refuses a device of another kind', () => {
    assert.deepEqual(h.ensureVxlan({ name: 'pwvx9', vni: 9, local: '10.201.0.1' }), { action: 'created', changed: [] });
    assert.equal(ipLink(ns, 'pwvx9').linkinfo?.info_data?.link, undefined, 'no underlay device when none is named');
    assert.deepEqual(h.ensureVxlan({ name: 'pwvx9', vni: 9, local: '10.201.0.1' }).action, 'unchanged');
    assert.throws(() => h.ensureVxlan({ name: 'pwu0', vni: 9, local: '10.201.0.1' }), isErrno(Errno.EEXIST));
    assert.equal(h.getLink('pwu0').kind, 'bridge', 'the bridge is left alone');
  });

  test('a bad VNI or port is refused before the kernel sees it', () => {
    assert.throws(() => h.createVxlan({ name: 'pwvxbad', vni: 1 << 24, local: '10.201.0.1' }), isErrno(Errno.EINVAL));
    assert.throws(() => h.createVxlan({ name: 'pwvxbad', vni: 1, dstPort: 0, local: '10.201.0.1' }), isErrno(Errno.EINVAL));
    assert.throws(() => h.createVxlan({ name: 'pwvxbad', vni: 1, local: '10.201.0' }), isErrno(Errno.EINVAL));
    assert.equal(h.findLink('pwvxbad'), undefined);
  });

  test('remove: true, then false', () => {
    assert.equal(h.removeLink('pwvx9'), true);
    assert.equal(h.removeLink('pwvx9'), false);
  });
});
