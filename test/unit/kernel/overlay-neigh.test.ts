import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { AttrSet, AttrWriter } from '../../../src/kernel/netlink/attrs.js';
import {
  AF_BRIDGE, AF_INET, AF_INET6, NDA_DST, NDA_IFINDEX, NDA_LLADDR, NDMSG_LEN, NLM_F_CREATE, NLM_F_DUMP, NLM_F_REPLACE,
  NTF_ROUTER, NTF_SELF, NUD_NOARP, NUD_PERMANENT, NUD_REACHABLE, NUD_STALE, RTM_DELNEIGH, RTM_GETLINK, RTM_GETNEIGH,
  RTM_NEWLINK, RTM_NEWNEIGH, RTN_UNICAST, IFLA_IFNAME,
} from '../../../src/kernel/netlink/constants.js';
import { NetlinkHandle } from '../../../src/kernel/netlink/handle.js';
import { encodeIfinfo } from '../../../src/kernel/netlink/links.js';
import { decodeNdmsg, encodeNdmsg, nudStateNames } from '../../../src/kernel/netlink/neigh-msg.js';
import {
  decodeNeighbour, encodeNeighbour, encodeNeighbourDump, encodeNeighbourRemoval, ensureNeighbour, listNeighbours, removeNeighbour,
} from '../../../src/kernel/netlink/neigh.js';
import { FakeTransport, reply } from './fake-transport.js';

const hdr = (b: Buffer) => {
  const { attrs: _attrs, ...fields } = decodeNdmsg(b);
  return fields;
};
const attrsOf = (b: Buffer) => new AttrSet(b.subarray(NDMSG_LEN));

/** An RTM_NEWNEIGH entry as the kernel dumps it. */
function neighReply(family: number, index: number, state: number, dst: Buffer, mac?: string, flags = 0) {
  const w = new AttrWriter().raw(encodeNdmsg({ family, index, state, flags, type: RTN_UNICAST })).bytes(NDA_DST, dst);
  if (mac !== undefined) w.bytes(NDA_LLADDR, Buffer.from(mac.split(':').map((h) => parseInt(h, 16))));
  return reply(RTM_NEWNEIGH, w.toBuffer());
}

describe('ndmsg', () => {
  test('header layout: family, ifindex at 4, state u16 at 8, flags, type', () => {
    const b = encodeNdmsg({ family: AF_BRIDGE, index: 0x01020304, state: NUD_PERMANENT, flags: NTF_SELF, type: 1 });
    assert.equal(b.toString('hex'), '070000000403020180000201');
    assert.deepEqual(hdr(b), { family: AF_BRIDGE, index: 0x01020304, state: NUD_PERMANENT, flags: NTF_SELF, type: 1 });
    assert.throws(() => decodeNdmsg(Buffer.alloc(8)), /ndmsg/);
  });

  test('state names follow ip -j neigh', () => {
    assert.deepEqual(nudStateNames(NUD_PERMANENT), ['PERMANENT']);
    assert.deepEqual(nudStateNames(NUD_STALE | NUD_NOARP), ['STALE', 'NOARP']);
    assert.deepEqual(nudStateNames(0), []);
  });
});

describe('neighbour encoding', () => {
  test('ensure: permanent unicast entry with NDA_DST and NDA_LLADDR, IPv4 and IPv6', () => {
    const v4 = encodeNeighbour({ index: 5, ip: '10.244.2.0', mac: '0A:58:0A:F4:02:00' });
    assert.deepEqual(hdr(v4), { family: AF_INET, index: 5, state: NUD_PERMANENT, flags: 0, type: RTN_UNICAST });
    assert.equal(attrsOf(v4).bytes(NDA_DST)?.toString('hex'), '0af40200');
    assert.equal(attrsOf(v4).bytes(NDA_LLADDR)?.toString('hex'), '0a580af40200');
    const v6 = encodeNeighbour({ index: 6, ip: 'fd00:244:2::', mac: '0a:58:0a:f4:02:00', permanent: false });
    assert.deepEqual([hdr(v6).family, hdr(v6).state], [AF_INET6, NUD_REACHABLE]);
    assert.equal(attrsOf(v6).bytes(NDA_DST)?.length, 16);
  });

  test('remove names device and address only; dump keeps the header zero and filters by NDA_IFINDEX', () => {
    const del = encodeNeighbourRemoval(5, '10.244.2.0');
    assert.deepEqual(hdr(del), { family: AF_INET, index: 5, state: 0, flags: 0, type: 0 });
    assert.equal(attrsOf(del).has(NDA_LLADDR), false);
    const dump = encodeNeighbourDump({ family: 6, index: 9 });
    assert.deepEqual(hdr(dump), { family: AF_INET6, index: 0, state: 0, flags: 0, type: 0 });
    assert.equal(attrsOf(dump).u32(NDA_IFINDEX), 9);
    assert.equal(encodeNeighbourDump().length, NDMSG_LEN);
  });

  test('text that is not an address or a MAC is EINVAL', () => {
    assert.throws(() => encodeNeighbour({ index: 1, ip: '10.244.2', mac: '0a:58:0a:f4:02:00' }), (e: unknown) => e instanceof KernelError && e.errno === Errno.EINVAL);
    assert.throws(() => encodeNeighbour({ index: 1, ip: '10.244.2.0', mac: 'zz' }), (e: unknown) => e instanceof KernelError && e.errno === Errno.EINVAL);
  });
});

describe('neighbour decoding and ops', () => {
  test('decodes IP entries, leaves out FDB entries and keeps unresolved ones without a MAC', () => {
    assert.deepEqual(decodeNeighbour(neighReply(AF_INET6, 3, NUD_REACHABLE, Buffer.from('fe800000000000000000000000000001', 'hex'), '0a:00:00:00:00:01', NTF_ROUTER).payload), {
      family: 6, index: 3, ip: 'fe80::1', mac: '0a:00:00:00:00:01', state: NUD_REACHABLE, states: ['REACHABLE'], flags: NTF_ROUTER, permanent: false, router: true,
    });
    const failed = decodeNeighbour(neighReply(AF_INET, 3, 0x20, Buffer.from([10, 0, 0, 9])).payload);
    assert.deepEqual([failed?.ip, failed?.mac, failed?.states], ['10.0.0.9', undefined, ['FAILED']]);
    assert.equal(decodeNeighbour(neighReply(AF_BRIDGE, 3, NUD_PERMANENT, Buffer.from([10, 0, 0, 1]), '0a:00:00:00:00:01').payload), undefined);
  });

  test('an ensure request decodes back to what it asked for', () => {
    const n = decodeNeighbour(encodeNeighbour({ index: 5, ip: 'fd00:244:2::', mac: '0a:58:0a:f4:02:00' }));
    assert.deepEqual([n?.family, n?.ip, n?.mac, n?.permanent], [6, 'fd00:244:2::', '0a:58:0a:f4:02:00', true]);
  });

  test('list dumps once and filters by family and device again', () => {
    const entries = [
      neighReply(AF_INET, 5, NUD_PERMANENT, Buffer.from([10, 244, 2, 0]), '0a:58:0a:f4:02:00'),
      neighReply(AF_INET6, 5, NUD_PERMANENT, Buffer.from('fd000244000200000000000000000000', 'hex'), '0a:58:0a:f4:02:00'),
      neighReply(AF_INET, 2, NUD_NOARP, Buffer.from([224, 0, 0, 22]), '01:00:5e:00:00:16'),
    ];
    const t = new FakeTransport(entries);
    assert.deepEqual(listNeighbours(t).map((n) => n.ip), ['10.244.2.0', 'fd00:244:2::', '224.0.0.22']);
    assert.deepEqual([t.only().type, t.only().flags], [RTM_GETNEIGH, NLM_F_DUMP]);
    assert.deepEqual(listNeighbours(new FakeTransport(entries), { index: 5, family: 4 }).map((n) => n.ip), ['10.244.2.0']);
  });

  test('ensure creates or replaces; remove treats ENOENT and ENODEV as done', () => {
    const t = new FakeTransport([], [], { errno: Errno.ENOENT }, { errno: Errno.ENODEV }, { errno: Errno.EPERM });
    ensureNeighbour(t, { index: 5, ip: '10.244.2.0', mac: '0a:58:0a:f4:02:00' });
    assert.deepEqual([t.requests[0]?.type, t.requests[0]?.flags, t.requests[0]?.op], [RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, 'neigh.ensure']);
    assert.equal(removeNeighbour(t, 5, '10.244.2.0'), true);
    assert.equal(t.requests[1]?.type, RTM_DELNEIGH);
    assert.equal(removeNeighbour(t, 5, '10.244.2.0'), false);
    assert.equal(removeNeighbour(t, 5, '10.244.2.0'), false);
    assert.throws(() => removeNeighbour(t, 5, '10.244.2.0'), (e: unknown) => e instanceof KernelError && e.errno === Errno.EPERM);
  });

  test('the handle resolves names, and an absent device is "already removed" without a delete', () => {
    const link = reply(RTM_NEWLINK, new AttrWriter().raw(encodeIfinfo(5)).str(IFLA_IFNAME, 'flannel.1').toBuffer());
    const t = new FakeTransport([link], [], { errno: Errno.ENODEV });
    const h = new NetlinkHandle(t);
    h.ensureNeighbour({ dev: 'flannel.1', ip: '10.244.2.0', mac: '0a:58:0a:f4:02:00' });
    assert.equal(t.requests[1]?.body.readInt32LE(4), 5);
    assert.equal(h.removeNeighbour({ dev: 'gone0', ip: '10.244.2.0' }), false);
    assert.deepEqual(t.requests.map((r) => r.type), [RTM_GETLINK, RTM_NEWNEIGH, RTM_GETLINK]);
  });
});
