import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { AttrSet, AttrWriter } from '../../../src/kernel/netlink/attrs.js';
import {
  AF_BRIDGE, IFF_UP, IFINFOMSG_LEN, IFLA_ADDRESS, IFLA_BRPORT_MODE, IFLA_EXT_MASK, IFLA_IFNAME, IFLA_INFO_DATA,
  IFLA_INFO_KIND, IFLA_INFO_SLAVE_KIND, IFLA_LINK, IFLA_LINKINFO, IFLA_LINK_NETNSID, IFLA_MASTER, IFLA_MTU,
  IFLA_NET_NS_FD, IFLA_OPERSTATE, IFLA_PROTINFO, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, RTM_DELLINK, RTM_GETLINK,
  RTM_NEWLINK, RTM_SETLINK, VETH_INFO_PEER,
} from '../../../src/kernel/netlink/constants.js';
import { createBridge, createVeth, encodeVeth, setBridgePortHairpin } from '../../../src/kernel/netlink/link-create.js';
import {
  decodeLink, encodeIfinfo, findLink, getLink, listLinks, moveLinkToNetns, removeLink, renameLink, setLinkDown,
  setLinkMac, setLinkMaster, setLinkMtu, setLinkUp,
} from '../../../src/kernel/netlink/links.js';
import { FakeTransport, reply } from './fake-transport.js';

/** A RTM_NEWLINK reply as the kernel would send it. */
function linkPayload(index: number, name: string, opts: { flags?: number; master?: number; kind?: string; slave?: string; peer?: number; nsid?: number } = {}): Buffer {
  const w = new AttrWriter().raw(encodeIfinfo(index, opts.flags ?? 0)).str(IFLA_IFNAME, name).u32(IFLA_MTU, 1500).u8(IFLA_OPERSTATE, 6)
    .bytes(IFLA_ADDRESS, Buffer.from([0x0a, 0x58, 0, 0, 0, index]));
  if (opts.master !== undefined) w.u32(IFLA_MASTER, opts.master);
  if (opts.peer !== undefined) w.s32(IFLA_LINK, opts.peer);
  if (opts.nsid !== undefined) w.s32(IFLA_LINK_NETNSID, opts.nsid);
  if (opts.kind !== undefined || opts.slave !== undefined) {
    w.nested(IFLA_LINKINFO, (i) => {
      if (opts.kind !== undefined) i.str(IFLA_INFO_KIND, opts.kind);
      if (opts.slave !== undefined) i.str(IFLA_INFO_SLAVE_KIND, opts.slave);
    });
  }
  return w.toBuffer();
}

const header = (body: Buffer) => ({
  family: body.readUInt8(0), index: body.readInt32LE(4), flags: body.readUInt32LE(8), change: body.readUInt32LE(12),
});
const attrsOf = (body: Buffer) => new AttrSet(body.subarray(IFINFOMSG_LEN));

describe('link decoding', () => {
  test('a veth port of a bridge with its peer in another netns', () => {
    const link = decodeLink(linkPayload(7, 'veth1', { flags: IFF_UP | 0x10000, master: 3, kind: 'veth', slave: 'bridge', peer: 2, nsid: 0 }));
    assert.deepEqual(link, {
      index: 7, name: 'veth1', flags: IFF_UP | 0x10000, up: true, lowerUp: true, operState: 6, mtu: 1500, type: 0,
      mac: '0a:58:00:00:00:07', kind: 'veth', slaveKind: 'bridge', masterIndex: 3, linkIndex: 2, linkNetnsId: 0,
    });
  });

  test('optional fields stay absent, master 0 and a self link are dropped', () => {
    const link = decodeLink(linkPayload(1, 'lo', { master: 0, peer: 1, nsid: -1 }));
    assert.equal(link.up, false);
    for (const key of ['kind', 'slaveKind', 'masterIndex', 'linkIndex', 'linkNetnsId'] as const) assert.equal(key in link, false, key);
  });

  test('a reply without a name or a short header is rejected', () => {
    assert.throws(() => decodeLink(encodeIfinfo(4)), /no IFLA_IFNAME/);
    assert.throws(() => decodeLink(Buffer.alloc(8)), /ifinfomsg/);
  });
});

describe('link requests', () => {
  test('list is a dump that skips statistics', () => {
    const t = new FakeTransport([reply(RTM_NEWLINK, linkPayload(1, 'lo')), reply(RTM_NEWLINK, linkPayload(2, 'eth0'))]);
    assert.deepEqual(listLinks(t).map((l) => l.name), ['lo', 'eth0']);
    const req = t.only();
    assert.equal(req.type, RTM_GETLINK);
    assert.equal(req.flags & NLM_F_DUMP, NLM_F_DUMP);
    assert.equal(attrsOf(req.body).u32(IFLA_EXT_MASK), 1 << 3);
  });

  test('by name: index 0 and IFLA_IFNAME; by index: no name', () => {
    const t = new FakeTransport([reply(RTM_NEWLINK, linkPayload(5, 'eth0'))], [reply(RTM_NEWLINK, linkPayload(5, 'eth0'))]);
    getLink(t, 'eth0');
    getLink(t, 5);
    const [byName, byIndex] = t.requests.map((r) => r.body);
    assert.equal(header(byName as Buffer).index, 0);
    assert.equal(attrsOf(byName as Buffer).str(IFLA_IFNAME), 'eth0');
    assert.equal(header(byIndex as Buffer).index, 5);
    assert.equal(attrsOf(byIndex as Buffer).has(IFLA_IFNAME), false);
  });

  test('ENODEV: findLink gives undefined, getLink throws, removeLink reports false', () => {
    assert.equal(findLink(new FakeTransport({ errno: Errno.ENODEV }), 'nope'), undefined);
    assert.throws(() => getLink(new FakeTransport({ errno: Errno.ENODEV }), 'nope'), (e: unknown) => e instanceof KernelError && e.errno === Errno.ENODEV);
    const t = new FakeTransport({ errno: Errno.ENODEV });
    assert.equal(removeLink(t, 'nope'), false);
    assert.equal(t.only().type, RTM_DELLINK);
    assert.equal(removeLink(new FakeTransport([]), 'x'), true);
    assert.throws(() => removeLink(new FakeTransport({ errno: Errno.EPERM }), 'x'), KernelError);
  });

  test('up and down change only IFF_UP', () => {
    const t = new FakeTransport();
    setLinkUp(t, 'eth0');
    setLinkDown(t, 4);
    assert.deepEqual(t.requests.map((r) => [r.type, r.op, header(r.body).flags, header(r.body).change]), [
      [RTM_NEWLINK, 'link.up', IFF_UP, IFF_UP],
      [RTM_NEWLINK, 'link.down', 0, IFF_UP],
    ]);
  });

  test('mtu, mac, master and netns are single attributes', () => {
    const t = new FakeTransport();
    setLinkMtu(t, 3, 9000);
    setLinkMac(t, 3, '0a:58:0a:00:00:01');
    setLinkMaster(t, 3, 9);
    setLinkMaster(t, 3, null);
    moveLinkToNetns(t, 3, 42);
    const a = t.requests.map((r) => attrsOf(r.body));
    assert.equal(a[0]?.u32(IFLA_MTU), 9000);
    assert.equal(a[1]?.bytes(IFLA_ADDRESS)?.toString('hex'), '0a580a000001');
    assert.equal(a[2]?.u32(IFLA_MASTER), 9);
    assert.equal(a[3]?.u32(IFLA_MASTER), 0);
    assert.equal(a[4]?.u32(IFLA_NET_NS_FD), 42);
  });

  test('rename and a master given by name resolve indexes first', () => {
    const t = new FakeTransport([reply(RTM_NEWLINK, linkPayload(8, 'tmp0'))], [], [reply(RTM_NEWLINK, linkPayload(2, 'br0'))], []);
    renameLink(t, 'tmp0', 'eth0');
    setLinkMaster(t, 'veth1', 'br0');
    const rename = t.requests[1]?.body as Buffer;
    assert.equal(header(rename).index, 8);
    assert.equal(attrsOf(rename).str(IFLA_IFNAME), 'eth0');
    assert.equal(attrsOf(t.requests[3]?.body as Buffer).u32(IFLA_MASTER), 2);
  });
});

describe('link creation', () => {
  test('veth: peer ifinfomsg and attributes nested in VETH_INFO_PEER, each end in its netns', () => {
    const body = encodeVeth({ name: 'eth0', peerName: 'vethab12', mtu: 1450, mac: '0a:58:00:00:00:01', peerNetnsFd: 12, netnsFd: 11 });
    const top = attrsOf(body);
    assert.equal(top.str(IFLA_IFNAME), 'eth0');
    assert.equal(top.u32(IFLA_MTU), 1450);
    assert.equal(top.u32(IFLA_NET_NS_FD), 11);
    const info = top.nested(IFLA_LINKINFO);
    assert.equal(info?.str(IFLA_INFO_KIND), 'veth');
    const peerRaw = info?.nested(IFLA_INFO_DATA)?.bytes(VETH_INFO_PEER);
    assert.ok(peerRaw);
    assert.equal(peerRaw.subarray(0, IFINFOMSG_LEN).toString('hex'), '00'.repeat(IFINFOMSG_LEN));
    const peer = new AttrSet(peerRaw.subarray(IFINFOMSG_LEN));
    assert.equal(peer.str(IFLA_IFNAME), 'vethab12');
    assert.equal(peer.u32(IFLA_NET_NS_FD), 12);
    assert.equal(peer.u32(IFLA_MTU), 1450);
    assert.equal(peer.has(IFLA_ADDRESS), false);
  });

  test('create requests are exclusive', () => {
    const t = new FakeTransport();
    createVeth(t, { name: 'a', peerName: 'b' });
    createBridge(t, { name: 'br0', vlanFiltering: true });
    for (const r of t.requests) assert.equal(r.flags, NLM_F_CREATE | NLM_F_EXCL);
    const br = attrsOf(t.requests[1]?.body as Buffer).nested(IFLA_LINKINFO);
    assert.equal(br?.str(IFLA_INFO_KIND), 'bridge');
    assert.equal(br?.nested(IFLA_INFO_DATA)?.u8(7), 1);
  });

  test('hairpin is an AF_BRIDGE setlink carrying IFLA_BRPORT_MODE', () => {
    const t = new FakeTransport([reply(RTM_NEWLINK, linkPayload(6, 'veth1'))], []);
    setBridgePortHairpin(t, 'veth1', true);
    const req = t.requests[1];
    assert.equal(req?.type, RTM_SETLINK);
    const h = header(req?.body as Buffer);
    assert.deepEqual([h.family, h.index], [AF_BRIDGE, 6]);
    assert.equal(attrsOf(req?.body as Buffer).nested(IFLA_PROTINFO)?.u8(IFLA_BRPORT_MODE), 1);
  });
});
