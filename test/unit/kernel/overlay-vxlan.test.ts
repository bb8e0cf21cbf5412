import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { AttrSet, AttrWriter } from '../../../src/kernel/netlink/attrs.js';
import {
  IFINFOMSG_LEN, IFLA_ADDRESS, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_MTU, IFLA_VXLAN_AGEING,
  IFLA_VXLAN_GROUP, IFLA_VXLAN_ID, IFLA_VXLAN_LEARNING, IFLA_VXLAN_LINK, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6,
  IFLA_VXLAN_PORT, IFLA_VXLAN_TTL, IFLA_VXLAN_UDP_CSUM, IFLA_VXLAN_UDP_ZERO_CSUM6_RX, IFLA_VXLAN_UDP_ZERO_CSUM6_TX,
  NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, RTM_DELLINK, RTM_GETLINK, RTM_NEWLINK,
} from '../../../src/kernel/netlink/constants.js';
import { NetlinkHandle } from '../../../src/kernel/netlink/handle.js';
import { encodeIfinfo } from '../../../src/kernel/netlink/links.js';
import {
  createVxlan, decodeVxlanInfo, encodeVxlan, ensureVxlan, findVxlan, listVxlans, vxlanMismatches, type VxlanSpec,
} from '../../../src/kernel/netlink/vxlan.js';
import { FakeTransport, reply } from './fake-transport.js';

const isErrno = (errno: number) => (e: unknown) => e instanceof KernelError && e.errno === errno;

/** The IFLA_INFO_DATA of a request or reply body. */
function infoData(body: Buffer): { kind: string | undefined; data: AttrSet } {
  const info = new AttrSet(body.subarray(IFINFOMSG_LEN)).nested(IFLA_LINKINFO);
  const data = info?.nested(IFLA_INFO_DATA);
  assert.ok(data, 'IFLA_INFO_DATA present');
  return { kind: info?.str(IFLA_INFO_KIND), data };
}

/** A vxlan RTM_NEWLINK reply as vxlan_fill_info writes it (the port big-endian). */
function vxlanReply(index: number, name: string, d: { vni: number; local?: Buffer; local6?: Buffer; link?: number; port: number; learning?: number; mtu?: number; mac?: string }) {
  const port = Buffer.alloc(2);
  port.writeUInt16BE(d.port, 0);
  const w = new AttrWriter().raw(encodeIfinfo(index)).str(IFLA_IFNAME, name).u32(IFLA_MTU, d.mtu ?? 1450)
    .bytes(IFLA_ADDRESS, Buffer.from((d.mac ?? '0a:58:00:00:00:01').split(':').map((h) => parseInt(h, 16))));
  w.nested(IFLA_LINKINFO, (i) => {
    i.str(IFLA_INFO_KIND, 'vxlan');
    i.nested(IFLA_INFO_DATA, (x) => {
      x.u32(IFLA_VXLAN_ID, d.vni);
      if (d.local) x.bytes(IFLA_VXLAN_LOCAL, d.local);
      if (d.local6) x.bytes(IFLA_VXLAN_LOCAL6, d.local6);
      if (d.link !== undefined) x.u32(IFLA_VXLAN_LINK, d.link);
      x.u8(IFLA_VXLAN_TTL, 0).u8(IFLA_VXLAN_LEARNING, d.learning ?? 0).u32(IFLA_VXLAN_AGEING, 300).bytes(IFLA_VXLAN_PORT, port);
      x.u8(IFLA_VXLAN_UDP_CSUM, 1).u8(IFLA_VXLAN_UDP_ZERO_CSUM6_TX, 0).u8(IFLA_VXLAN_UDP_ZERO_CSUM6_RX, 0);
    });
  });
  return reply(RTM_NEWLINK, w.toBuffer());
}

const bridgeReply = (index: number, name: string) =>
  reply(RTM_NEWLINK, new AttrWriter().raw(encodeIfinfo(index)).str(IFLA_IFNAME, name).nested(IFLA_LINKINFO, (i) => i.str(IFLA_INFO_KIND, 'bridge')).toBuffer());

const FLANNEL: VxlanSpec = { name: 'flannel.1', vni: 1, local: '10.201.0.1', dev: 2, mtu: 1450, mac: '0a:58:0a:f4:01:00' };
const flannelReply = (index = 5) => vxlanReply(index, 'flannel.1', { vni: 1, local: Buffer.from([10, 201, 0, 1]), link: 2, port: 4789, mac: '0a:58:0a:f4:01:00' });

describe('vxlan encoding', () => {
  test('flannel layout: VNI, underlay link and IPv4 local, learning off, checksums explicit, port big-endian', () => {
    const body = encodeVxlan(FLANNEL);
    const top = new AttrSet(body.subarray(IFINFOMSG_LEN));
    assert.deepEqual([top.str(IFLA_IFNAME), top.u32(IFLA_MTU), top.bytes(IFLA_ADDRESS)?.toString('hex')], ['flannel.1', 1450, '0a580af40100']);
    const { kind, data } = infoData(body);
    assert.equal(kind, 'vxlan');
    assert.equal(data.u32(IFLA_VXLAN_ID), 1);
    assert.equal(data.u32(IFLA_VXLAN_LINK), 2);
    assert.equal(data.bytes(IFLA_VXLAN_LOCAL)?.toString('hex'), '0ac90001');
    assert.equal(data.has(IFLA_VXLAN_LOCAL6), false);
    assert.equal(data.u8(IFLA_VXLAN_LEARNING), 0);
    assert.equal(data.bytes(IFLA_VXLAN_PORT)?.toString('hex'), '12b5', '4789 in network byte order');
    assert.deepEqual([data.u8(IFLA_VXLAN_UDP_CSUM), data.u8(IFLA_VXLAN_UDP_ZERO_CSUM6_TX), data.u8(IFLA_VXLAN_UDP_ZERO_CSUM6_RX)], [1, 0, 0]);
    assert.equal(data.has(IFLA_VXLAN_GROUP), false, 'no flooding: no group or default remote');
  });

  test('an IPv6 local goes in LOCAL6; no dev means no IFLA_VXLAN_LINK; options are honoured', () => {
    const { data } = infoData(encodeVxlan({ name: 'v6', vni: 0xffffff, local: 'fd00:201::1', dstPort: 8472, learning: true, udpCsum: false }));
    assert.equal(data.bytes(IFLA_VXLAN_LOCAL6)?.toString('hex'), 'fd000201000000000000000000000001');
    assert.deepEqual([data.has(IFLA_VXLAN_LOCAL), data.has(IFLA_VXLAN_LINK)], [false, false]);
    assert.deepEqual([data.u32(IFLA_VXLAN_ID), data.bytes(IFLA_VXLAN_PORT)?.readUInt16BE(0), data.u8(IFLA_VXLAN_LEARNING), data.u8(IFLA_VXLAN_UDP_CSUM)], [0xffffff, 8472, 1, 0]);
  });

  test('bad VNI, port, local or MAC is EINVAL before anything is sent', () => {
    for (const bad of [{ vni: -1 }, { vni: 1 << 24 }, { vni: 1.5 }, { dstPort: 0 }, { dstPort: 65536 }, { local: '10.201.0' }, { mac: '0a:58' }]) {
      const t = new FakeTransport();
      assert.throws(() => createVxlan(t, { ...FLANNEL, ...bad }), isErrno(Errno.EINVAL), JSON.stringify(bad));
      assert.equal(t.requests.length, 0);
    }
  });

  test('create is exclusive', () => {
    const t = new FakeTransport();
    createVxlan(t, FLANNEL);
    assert.deepEqual([t.only().type, t.only().flags, t.only().op], [RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 'link.create-vxlan']);
  });
});

describe('vxlan decoding', () => {
  test('a reply decodes to the configuration the agent compares with', () => {
    assert.deepEqual(decodeVxlanInfo(flannelReply().payload), {
      vni: 1, local: '10.201.0.1', linkIndex: 2, port: 4789, learning: false, udpCsum: true, udp6ZeroCsumTx: false,
      udp6ZeroCsumRx: false, ttl: 0, tos: 0, ageing: 300, proxy: false, l2miss: false, l3miss: false, collectMetadata: false,
    });
    const v6 = decodeVxlanInfo(vxlanReply(6, 'v6', { vni: 7, local6: Buffer.from('fd000201000000000000000000000001', 'hex'), port: 8472 }).payload);
    assert.deepEqual([v6?.local, v6?.port, v6?.linkIndex], ['fd00:201::1', 8472, undefined]);
  });

  test('our own request decodes back to its spec', () => {
    const info = decodeVxlanInfo(encodeVxlan(FLANNEL));
    assert.ok(info);
    assert.deepEqual(vxlanMismatches(FLANNEL, info), []);
  });

  test('other kinds and plain links are not vxlan', () => {
    assert.equal(decodeVxlanInfo(bridgeReply(3, 'cni0').payload), undefined);
    assert.equal(decodeVxlanInfo(new AttrWriter().raw(encodeIfinfo(1)).str(IFLA_IFNAME, 'lo').toBuffer()), undefined);
  });

  test('mismatches name every identity field that differs', () => {
    const info = decodeVxlanInfo(flannelReply().payload);
    assert.ok(info);
    const v6 = decodeVxlanInfo(vxlanReply(6, 'v6', { vni: 7, local6: Buffer.from('fd000201000000000000000000000001', 'hex'), port: 4789 }).payload);
    assert.ok(v6);
    assert.deepEqual(vxlanMismatches({ name: 'v6', vni: 7, local: 'FD00:0201:0:0::1' }, v6), [], 'addresses compare as addresses');
    assert.deepEqual(vxlanMismatches({ name: 'flannel.1', vni: 2, local: '10.201.0.9', dstPort: 8472, learning: true, udpCsum: false }, info),
      ['vni', 'local', 'dstPort', 'dev', 'learning', 'udpCsum']);
    assert.deepEqual(vxlanMismatches({ ...FLANNEL, local: 'fd00::1' }, info), ['local']);
  });

  test('find and list decode links; find treats ENODEV and other kinds as absent', () => {
    assert.equal(findVxlan(new FakeTransport([flannelReply()]), 'flannel.1')?.vxlan.vni, 1);
    assert.equal(findVxlan(new FakeTransport({ errno: Errno.ENODEV }), 'flannel.1'), undefined);
    assert.equal(findVxlan(new FakeTransport([bridgeReply(3, 'cni0')]), 'cni0'), undefined);
    const t = new FakeTransport([bridgeReply(3, 'cni0'), flannelReply()]);
    const all = listVxlans(t);
    assert.deepEqual(all.map((l) => [l.name, l.index, l.kind, l.vxlan.local]), [['flannel.1', 5, 'vxlan', '10.201.0.1']]);
    assert.deepEqual([t.only().type, t.only().flags], [RTM_GETLINK, NLM_F_DUMP]);
  });
});

describe('ensureVxlan', () => {
  test('absent: creates', () => {
    const t = new FakeTransport({ errno: Errno.ENODEV }, []);
    assert.deepEqual(ensureVxlan(t, FLANNEL), { action: 'created', changed: [] });
    assert.deepEqual(t.requests.map((r) => [r.type, r.flags]), [[RTM_GETLINK, 0], [RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL]]);
  });

  test('matching: one lookup, nothing else', () => {
    const t = new FakeTransport([flannelReply()]);
    assert.deepEqual(ensureVxlan(t, FLANNEL), { action: 'unchanged', changed: [] });
    assert.equal(t.only().type, RTM_GETLINK);
  });

  test('same tunnel, other MTU and MAC: set in place on the index', () => {
    const t = new FakeTransport([flannelReply()], [], []);
    assert.deepEqual(ensureVxlan(t, { ...FLANNEL, mtu: 1400, mac: '0A:58:0A:F4:01:FF' }), { action: 'updated', changed: ['mtu', 'mac'] });
    assert.deepEqual(t.requests.slice(1).map((r) => [r.type, r.op, r.body.readInt32LE(4)]), [[RTM_NEWLINK, 'link.mtu', 5], [RTM_NEWLINK, 'link.mac', 5]]);
  });

  test('another tunnel: deletes by index and recreates, naming what differed', () => {
    const t = new FakeTransport([flannelReply()], [], []);
    assert.deepEqual(ensureVxlan(t, { ...FLANNEL, vni: 2 }), { action: 'replaced', changed: ['vni'] });
    assert.deepEqual(t.requests.map((r) => r.type), [RTM_GETLINK, RTM_DELLINK, RTM_NEWLINK]);
    assert.equal(t.requests[1]?.body.readInt32LE(4), 5);
  });

  test('a device of another kind is refused, not deleted', () => {
    const t = new FakeTransport([bridgeReply(3, 'flannel.1')]);
    assert.throws(() => ensureVxlan(t, FLANNEL), isErrno(Errno.EEXIST));
    assert.equal(t.requests.length, 1);
  });

  test('the handle resolves the underlay device name to its index', () => {
    const t = new FakeTransport([reply(RTM_NEWLINK, new AttrWriter().raw(encodeIfinfo(2)).str(IFLA_IFNAME, 'eth0').toBuffer())], []);
    new NetlinkHandle(t).createVxlan({ ...FLANNEL, dev: 'eth0' });
    assert.equal(infoData(t.requests[1]?.body as Buffer).data.u32(IFLA_VXLAN_LINK), 2);
  });
});
