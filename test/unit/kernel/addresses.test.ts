import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { addAddress, decodeAddress, encodeAddAddress, encodeIfaddr, listAddresses, removeAddress } from '../../../src/kernel/netlink/addresses.js';
import { AttrSet, AttrWriter } from '../../../src/kernel/netlink/attrs.js';
import {
  AF_INET, AF_INET6, IFADDRMSG_LEN, IFA_ADDRESS, IFA_BROADCAST, IFA_FLAGS, IFA_F_NODAD, IFA_F_PERMANENT, IFA_LABEL,
  IFA_LOCAL, NLM_F_CREATE, NLM_F_DUMP, NLM_F_EXCL, RTM_DELADDR, RTM_NEWADDR,
} from '../../../src/kernel/netlink/constants.js';
import { FakeTransport, reply } from './fake-transport.js';

const attrsOf = (body: Buffer) => new AttrSet(body.subarray(IFADDRMSG_LEN));

describe('address encoding', () => {
  test('IPv4: local = address, broadcast computed up to /30, label', () => {
    const body = encodeAddAddress(4, { cidr: '10.22.0.5/24', label: 'eth0' });
    // family AF_INET, /24, no flags, universe scope, ifindex 4
    assert.equal(body.subarray(0, IFADDRMSG_LEN).toString('hex'), '0218000004000000');
    const a = attrsOf(body);
    assert.equal(a.bytes(IFA_LOCAL)?.toString('hex'), '0a160005');
    assert.equal(a.bytes(IFA_ADDRESS)?.toString('hex'), '0a160005');
    assert.equal(a.bytes(IFA_BROADCAST)?.toString('hex'), '0a1600ff');
    assert.equal(a.str(IFA_LABEL), 'eth0');
    assert.equal(a.has(IFA_FLAGS), false);
  });

  test('IPv4 broadcast: none for /31 and /32, or when refused; explicit when given', () => {
    assert.equal(attrsOf(encodeAddAddress(1, { cidr: '10.0.0.1/31' })).has(IFA_BROADCAST), false);
    assert.equal(attrsOf(encodeAddAddress(1, { cidr: '10.0.0.1/32' })).has(IFA_BROADCAST), false);
    assert.equal(attrsOf(encodeAddAddress(1, { cidr: '10.0.0.1/24', broadcast: false })).has(IFA_BROADCAST), false);
    assert.equal(attrsOf(encodeAddAddress(1, { cidr: '10.0.0.1/24', broadcast: '10.0.0.127' })).bytes(IFA_BROADCAST)?.toString('hex'), '0a00007f');
  });

  test('IPv6 NODAD sets ifa_flags and IFA_FLAGS, and no broadcast', () => {
    const body = encodeAddAddress(9, { cidr: 'fd00::2/64', noDad: true });
    assert.deepEqual([body.readUInt8(0), body.readUInt8(1), body.readUInt8(2), body.readUInt32LE(4)], [AF_INET6, 64, IFA_F_NODAD, 9]);
    const a = attrsOf(body);
    assert.equal(a.u32(IFA_FLAGS), IFA_F_NODAD);
    assert.equal(a.has(IFA_BROADCAST), false);
    assert.equal(a.bytes(IFA_ADDRESS)?.length, 16);
  });

  test('a bad CIDR never reaches the transport', () => {
    const t = new FakeTransport();
    assert.throws(() => addAddress(t, 1, { cidr: '10.0.0.300/24' }), (e: unknown) => e instanceof KernelError && e.errno === Errno.EINVAL);
    assert.equal(t.requests.length, 0);
  });
});

describe('address decoding and listing', () => {
  const v4 = new AttrWriter().raw(encodeIfaddr(AF_INET, 8, IFA_F_PERMANENT, 254, 1))
    .bytes(IFA_ADDRESS, Buffer.from([127, 0, 0, 1])).bytes(IFA_LOCAL, Buffer.from([127, 0, 0, 1])).str(IFA_LABEL, 'lo').toBuffer();
  const v6 = new AttrWriter().raw(encodeIfaddr(AF_INET6, 64, 0, 0, 2))
    .bytes(IFA_ADDRESS, Buffer.from('fd000000000000000000000000000002', 'hex')).u32(IFA_FLAGS, 0x280).toBuffer();
  const ptp = new AttrWriter().raw(encodeIfaddr(AF_INET, 32, 0, 0, 3))
    .bytes(IFA_LOCAL, Buffer.from([10, 0, 0, 1])).bytes(IFA_ADDRESS, Buffer.from([10, 0, 0, 2])).toBuffer();

  test('decodes both families; IFA_FLAGS wins over the u8 flags; peers are kept', () => {
    assert.deepEqual(decodeAddress(v4), { index: 1, family: 4, address: '127.0.0.1', prefixLen: 8, cidr: '127.0.0.1/8', scope: 254, flags: IFA_F_PERMANENT, label: 'lo' });
    assert.deepEqual(decodeAddress(v6), { index: 2, family: 6, address: 'fd00::2', prefixLen: 64, cidr: 'fd00::2/64', scope: 0, flags: 0x280 });
    assert.equal(decodeAddress(ptp)?.address, '10.0.0.1');
    assert.equal(decodeAddress(ptp)?.peer, '10.0.0.2');
  });

  test('an add request decodes to the address it asked for', () => {
    const a = decodeAddress(encodeAddAddress(5, { cidr: '192.168.7.9/20' }));
    assert.equal(a?.cidr, '192.168.7.9/20');
    assert.equal(a?.broadcast, '192.168.15.255');
  });

  test('list dumps by family and filters by index', () => {
    const t = new FakeTransport([reply(RTM_NEWADDR, v4), reply(RTM_NEWADDR, v6), reply(RTM_NEWADDR, ptp)]);
    assert.deepEqual(listAddresses(t, { index: 2 }).map((a) => a.cidr), ['fd00::2/64']);
    const req = t.only();
    assert.equal(req.flags & NLM_F_DUMP, NLM_F_DUMP);
    assert.equal(req.body.readUInt32LE(4), 2);
    const t4 = new FakeTransport([reply(RTM_NEWADDR, v4), reply(RTM_NEWADDR, v6)]);
    assert.deepEqual(listAddresses(t4, { family: 4 }).map((a) => a.cidr), ['127.0.0.1/8']);
    assert.equal(t4.only().body.readUInt8(0), AF_INET);
  });

  test('add is exclusive; remove treats a missing address or link as done', () => {
    const t = new FakeTransport([], { errno: Errno.EADDRNOTAVAIL }, { errno: Errno.ENODEV }, []);
    addAddress(t, 2, { cidr: 'fd00::2/64' });
    assert.equal(t.requests[0]?.flags, NLM_F_CREATE | NLM_F_EXCL);
    assert.equal(removeAddress(t, 2, 'fd00::2/64'), false);
    assert.equal(removeAddress(t, 2, 'fd00::2/64'), false);
    assert.equal(removeAddress(t, 2, 'fd00::2/64'), true);
    assert.equal(t.requests[3]?.type, RTM_DELADDR);
    assert.throws(() => removeAddress(new FakeTransport({ errno: Errno.EPERM }), 2, '10.0.0.1/24'), KernelError);
  });
});
