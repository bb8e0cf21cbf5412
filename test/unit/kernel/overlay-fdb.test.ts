import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { AttrSet, AttrWriter } from '../../../src/kernel/netlink/attrs.js';
import {
  AF_BRIDGE, AF_INET, IFLA_IFNAME, NDA_DST, NDA_LLADDR, NDA_MASTER, NDA_PORT, NDA_VLAN, NDA_VNI, NDMSG_LEN, NLM_F_CREATE,
  NLM_F_DUMP, NLM_F_REPLACE, NTF_MASTER, NTF_SELF, NUD_NOARP, NUD_PERMANENT, RTM_DELNEIGH, RTM_GETLINK, RTM_GETNEIGH,
  RTM_NEWLINK, RTM_NEWNEIGH,
} from '../../../src/kernel/netlink/constants.js';
import {
  decodeFdb, encodeFdb, encodeFdbDump, encodeFdbRemoval, ensureFdb, listFdb, removeFdb,
} from '../../../src/kernel/netlink/fdb.js';
import { NetlinkHandle } from '../../../src/kernel/netlink/handle.js';
import { encodeIfinfo } from '../../../src/kernel/netlink/links.js';
import { decodeNdmsg, encodeNdmsg } from '../../../src/kernel/netlink/neigh-msg.js';
import { FakeTransport, reply } from './fake-transport.js';

const MAC = '0a:58:0a:f4:02:00';
const macBytes = (m: string) => Buffer.from(m.split(':').map((h) => parseInt(h, 16)));
const attrsOf = (b: Buffer) => new AttrSet(b.subarray(NDMSG_LEN));

/** A vxlan FDB entry as vxlan_fdb_info dumps it. */
function fdbReply(index: number, mac: string, dst?: Buffer, extra: (w: AttrWriter) => void = () => undefined, flags = NTF_SELF, state = NUD_PERMANENT) {
  const w = new AttrWriter().raw(encodeNdmsg({ family: AF_BRIDGE, index, state, flags, type: 0 })).bytes(NDA_LLADDR, macBytes(mac));
  if (dst) w.bytes(NDA_DST, dst);
  extra(w);
  return reply(RTM_NEWNEIGH, w.toBuffer());
}

describe('fdb encoding', () => {
  test('ensure: AF_BRIDGE, NTF_SELF, NUD_PERMANENT, NDA_LLADDR and NDA_DST, IPv4 and IPv6', () => {
    const body = encodeFdb({ index: 5, mac: MAC, dst: '10.201.0.2' });
    const { attrs: _a, ...h } = decodeNdmsg(body);
    assert.deepEqual(h, { family: AF_BRIDGE, index: 5, state: NUD_PERMANENT, flags: NTF_SELF, type: 0 });
    assert.equal(attrsOf(body).bytes(NDA_LLADDR)?.toString('hex'), '0a580af40200');
    assert.equal(attrsOf(body).bytes(NDA_DST)?.toString('hex'), '0ac90002');
    assert.equal(attrsOf(encodeFdb({ index: 5, mac: MAC, dst: 'fd00:201::2' })).bytes(NDA_DST)?.length, 16);
  });

  test('removal carries a dst only when given; the dump names its port in the header', () => {
    assert.equal(attrsOf(encodeFdbRemoval({ index: 5, mac: MAC })).has(NDA_DST), false);
    assert.equal(attrsOf(encodeFdbRemoval({ index: 5, mac: MAC, dst: '10.201.0.2' })).has(NDA_DST), true);
    assert.equal(encodeFdbDump(7).toString('hex'), '070000000700000000000000');
    assert.equal(encodeFdbDump().readInt32LE(4), 0);
  });

  test('a bad MAC or dst is EINVAL', () => {
    assert.throws(() => encodeFdb({ index: 5, mac: '0a:58', dst: '10.201.0.2' }), (e: unknown) => e instanceof KernelError && e.errno === Errno.EINVAL);
    assert.throws(() => encodeFdb({ index: 5, mac: MAC, dst: 'node2' }), (e: unknown) => e instanceof KernelError && e.errno === Errno.EINVAL);
  });
});

describe('fdb decoding and ops', () => {
  test('a vxlan entry with its port (big-endian) and VNI overrides', () => {
    const port = Buffer.alloc(2);
    port.writeUInt16BE(8472, 0);
    const e = decodeFdb(fdbReply(5, MAC, Buffer.from([10, 201, 0, 2]), (w) => w.bytes(NDA_PORT, port).u32(NDA_VNI, 7)).payload);
    assert.deepEqual(e, { index: 5, mac: MAC, dst: '10.201.0.2', port: 8472, vni: 7, state: NUD_PERMANENT, flags: NTF_SELF, self: true, master: false, permanent: true });
  });

  test('a bridge port entry: master, vlan, static', () => {
    const e = decodeFdb(fdbReply(3, MAC, undefined, (w) => w.u16(NDA_VLAN, 10).u32(NDA_MASTER, 2), NTF_MASTER, NUD_NOARP).payload);
    assert.deepEqual([e?.dst, e?.vlan, e?.masterIndex, e?.self, e?.master, e?.permanent], [undefined, 10, 2, false, true, false]);
  });

  test('ARP/NDP entries are not FDB entries; an ensure request decodes back', () => {
    const arp = new AttrWriter().raw(encodeNdmsg({ family: AF_INET, index: 5, state: NUD_PERMANENT, flags: 0, type: 1 })).bytes(NDA_LLADDR, macBytes(MAC)).toBuffer();
    assert.equal(decodeFdb(arp), undefined);
    const back = decodeFdb(encodeFdb({ index: 5, mac: MAC, dst: 'fd00:201::2' }));
    assert.deepEqual([back?.mac, back?.dst, back?.self, back?.permanent], [MAC, 'fd00:201::2', true, true]);
  });

  test('list dumps AF_BRIDGE and keeps the asked device only', () => {
    const t = new FakeTransport([fdbReply(5, MAC, Buffer.from([10, 201, 0, 2])), fdbReply(3, '33:33:00:00:00:01')]);
    assert.deepEqual(listFdb(t, { index: 5 }).map((e) => [e.mac, e.dst]), [[MAC, '10.201.0.2']]);
    assert.deepEqual([t.only().type, t.only().flags, t.only().body.readUInt8(0), t.only().body.readInt32LE(4)], [RTM_GETNEIGH, NLM_F_DUMP, AF_BRIDGE, 5]);
  });

  test('ensure creates or replaces', () => {
    const t = new FakeTransport();
    ensureFdb(t, { index: 5, mac: MAC, dst: '10.201.0.2' });
    assert.deepEqual([t.only().type, t.only().flags, t.only().op], [RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, 'fdb.ensure']);
  });

  test('remove of a MAC: ENOENT and ENODEV are done', () => {
    const t = new FakeTransport([], { errno: Errno.ENOENT }, { errno: Errno.ENODEV });
    assert.equal(removeFdb(t, { index: 5, mac: MAC }), true);
    assert.equal(t.requests[0]?.type, RTM_DELNEIGH);
    assert.equal(removeFdb(t, { index: 5, mac: MAC }), false);
    assert.equal(removeFdb(t, { index: 5, mac: MAC }), false);
  });

  test('remove of one remote checks it is there first: the kernel acks a remote it does not have', () => {
    const present = [fdbReply(5, MAC, Buffer.from([10, 201, 0, 2]))];
    const t = new FakeTransport(present, []);
    assert.equal(removeFdb(t, { index: 5, mac: MAC.toUpperCase(), dst: '10.201.0.2' }), true);
    assert.deepEqual(t.requests.map((r) => r.type), [RTM_GETNEIGH, RTM_DELNEIGH]);
    const other = new FakeTransport(present);
    assert.equal(removeFdb(other, { index: 5, mac: MAC, dst: '10.201.0.9' }), false);
    assert.deepEqual(other.requests.map((r) => r.type), [RTM_GETNEIGH], 'nothing deleted');
  });

  test('the handle resolves names, and an absent device is done without a delete', () => {
    const link = reply(RTM_NEWLINK, new AttrWriter().raw(encodeIfinfo(5)).str(IFLA_IFNAME, 'flannel.1').toBuffer());
    const t = new FakeTransport([link], [], { errno: Errno.ENODEV });
    const h = new NetlinkHandle(t);
    h.ensureFdb({ dev: 'flannel.1', mac: MAC, dst: '10.201.0.2' });
    assert.equal(t.requests[1]?.body.readInt32LE(4), 5);
    assert.equal(h.removeFdb({ dev: 'gone0', mac: MAC }), false);
    assert.deepEqual(t.requests.map((r) => r.type), [RTM_GETLINK, RTM_NEWNEIGH, RTM_GETLINK]);
  });
});
