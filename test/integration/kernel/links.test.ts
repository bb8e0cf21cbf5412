// Links through NetlinkHandle in throwaway namespaces, checked with `ip -j`
// (netlink, run inside the namespace via nsenter). Two namespaces stand in
// for host and pod: a veth is created in one with its peer born in the other.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { openNetlink, type NetlinkHandle } from '../../../src/kernel/netlink/index.js';
import { openNetns, type NetnsFile } from '../../../src/kernel/netns.js';
import { createNetns, linksIn, type TestNetns } from '../../helpers/netns.js';

interface IpLinkDetail {
  ifname: string;
  ifindex: number;
  mtu: number;
  address: string;
  flags: string[];
  master?: string;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_slave_data?: { hairpin?: boolean } };
}

function ipLink(ns: TestNetns, name: string): IpLinkDetail {
  const [link] = JSON.parse(ns.exec('ip', ['-j', '-d', 'link', 'show', 'dev', name])) as IpLinkDetail[];
  assert.ok(link, `${name} in ${ns.name}`);
  return link;
}

const isErrno = (errno: number) => (e: unknown): boolean => e instanceof KernelError && e.errno === errno;

describe('links', () => {
  let host: TestNetns;
  let pod: TestNetns;
  let h: NetlinkHandle;
  let p: NetlinkHandle;
  let podFile: NetnsFile;

  before(() => {
    host = createNetns('pwk');
    pod = createNetns('pwk');
    h = openNetlink(host.path);
    p = openNetlink(pod.path);
    podFile = openNetns(pod.path);
  });
  after(() => {
    h?.close();
    p?.close();
    podFile?.close();
    pod?.remove();
    host?.remove();
  });

  test('lists what ip lists, with the same indexes, names, MTUs and MACs', () => {
    const ours = h.listLinks();
    const theirs = linksIn(host);
    assert.deepEqual(ours.map((l) => l.name), theirs.map((l) => l.ifname));
    assert.deepEqual(ours.map((l) => [l.mtu, l.mac]), theirs.map((l) => [l.mtu, l.address]));
    assert.equal(h.getLink('lo').up, true, 'createNetns brings lo up');
  });

  test('creates a bridge (exclusive) and reads back its kind', () => {
    h.createBridge({ name: 'pwbr0', mtu: 1450, mac: '0a:58:0a:00:00:01' });
    const br = h.getLink('pwbr0');
    assert.equal(br.kind, 'bridge');
    assert.equal(br.up, false);
    const ip = ipLink(host, 'pwbr0');
    assert.deepEqual([ip.ifindex, ip.mtu, ip.address, ip.linkinfo?.info_kind], [br.index, 1450, '0a:58:0a:00:00:01', 'bridge']);
    assert.throws(() => h.createBridge({ name: 'pwbr0' }), isErrno(Errno.EEXIST));
  });

  test('creates a veth whose peer is born in the other netns', () => {
    h.createVeth({ name: 'pwveth0', peerName: 'eth0', peerNetnsFd: podFile.fd, mtu: 1450, peerMac: '0a:58:0a:00:00:05' });
    const local = h.getLink('pwveth0');
    const peer = p.getLink('eth0');
    assert.equal(local.kind, 'veth');
    assert.equal(peer.kind, 'veth');
    assert.equal(local.linkIndex, peer.index, 'IFLA_LINK names the peer in its netns');
    assert.equal(peer.linkIndex, local.index);
    assert.equal(typeof local.linkNetnsId, 'number');
    assert.equal(h.findLink('eth0'), undefined, 'the peer never lands in the host netns');
    const ipPeer = ipLink(pod, 'eth0');
    assert.deepEqual([ipPeer.mtu, ipPeer.address], [1450, '0a:58:0a:00:00:05']);
    assert.equal(typeof ipLink(host, 'pwveth0').link_netnsid, 'number');
  });

  test('enslaves, sets up, sets hairpin, and frees again', () => {
    h.setLinkMaster('pwveth0', 'pwbr0');
    h.setLinkUp('pwveth0');
    h.setLinkUp('pwbr0');
    p.setLinkUp('eth0');
    h.setBridgePortHairpin('pwveth0', true);
    const port = h.getLink('pwveth0');
    assert.equal(port.masterIndex, h.getLink('pwbr0').index);
    assert.equal(port.slaveKind, 'bridge');
    assert.equal(port.up, true);
    const ip = ipLink(host, 'pwveth0');
    assert.equal(ip.master, 'pwbr0');
    assert.ok(ip.flags.includes('UP'));
    assert.equal(ip.linkinfo?.info_slave_data?.hairpin, true);
    h.setBridgePortHairpin('pwveth0', false);
    assert.equal(ipLink(host, 'pwveth0').linkinfo?.info_slave_data?.hairpin, false);
    h.setLinkMaster('pwveth0', null);
    assert.equal(h.getLink('pwveth0').masterIndex, undefined);
    assert.equal(ipLink(host, 'pwveth0').master, undefined);
  });

  test('sets MTU and MAC, brings down, renames', () => {
    h.setLinkMtu('pwveth0', 1400);
    h.setLinkMac('pwveth0', '0a:58:0a:00:00:09');
    h.setLinkDown('pwveth0');
    h.renameLink('pwveth0', 'pwveth9');
    const ip = ipLink(host, 'pwveth9');
    assert.deepEqual([ip.mtu, ip.address, ip.flags.includes('UP')], [1400, '0a:58:0a:00:00:09', false]);
    assert.equal(h.findLink('pwveth0'), undefined);
  });

  test('moves a link into another netns, renaming it on the way', () => {
    h.createVeth({ name: 'pwmove0', peerName: 'pwmove1' });
    h.moveLinkToNetns('pwmove1', podFile, 'moved1');
    assert.equal(h.findLink('pwmove1'), undefined);
    assert.equal(p.getLink('moved1').kind, 'veth');
    assert.equal(ipLink(pod, 'moved1').linkinfo?.info_kind, 'veth');
    assert.equal(h.getLink('pwmove0').linkIndex, p.getLink('moved1').index);
    assert.equal(h.removeLink('pwmove0'), true);
    assert.equal(p.findLink('moved1'), undefined);
  });

  test('a bridge cannot leave its netns (netns-local device): EINVAL with the kernel text', () => {
    assert.throws(() => h.moveLinkToNetns('pwbr0', podFile), (e: unknown) =>
      e instanceof KernelError && e.errno === Errno.EINVAL && e.op === 'link.setns' && /netns/i.test(e.message));
  });

  test('a handle stays bound to its netns across awaits', async () => {
    await sleep(5);
    h.createBridge({ name: 'pwafter0' });
    assert.equal(ipLink(host, 'pwafter0').linkinfo?.info_kind, 'bridge');
    assert.equal(p.findLink('pwafter0'), undefined);
  });

  test('remove: true when deleted, false when already gone; deleting one veth end removes both', () => {
    assert.equal(h.removeLink('pwveth9'), true);
    assert.equal(p.findLink('eth0'), undefined);
    assert.equal(h.removeLink('pwveth9'), false);
    assert.equal(h.removeLink(99999), false);
    assert.throws(() => h.getLink('pwveth9'), isErrno(Errno.ENODEV));
    assert.deepEqual(linksIn(host).map((l) => l.ifname).sort(), ['lo', 'pwafter0', 'pwbr0']);
  });

  test('a dump spanning many datagrams is read whole', () => {
    // ~2 KB per link and at most 32 KB per dump datagram: 80 links take
    // several datagrams. They live in the pod netns, removed with it.
    const names = Array.from({ length: 80 }, (_, i) => `pwmany${i}`);
    for (const name of names) p.createBridge({ name });
    const ours = p.listLinks().map((l) => l.name);
    assert.deepEqual(ours, linksIn(pod).map((l) => l.ifname));
    assert.ok(names.every((n) => ours.includes(n)));
  });

  test('kernel refusals arrive as KernelError with op, errno and target', () => {
    assert.throws(() => h.setLinkMtu('pwbr0', 10), (e: unknown) => e instanceof KernelError && e.errno === Errno.EINVAL && e.op === 'link.mtu' && e.target === 'pwbr0');
    assert.throws(() => h.createVeth({ name: 'pw-this-name-is-too-long', peerName: 'x' }), KernelError);
  });
});
