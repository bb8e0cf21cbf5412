import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { AttrSet } from '../../../src/kernel/netlink/attrs.js';
import {
  AF_INET, AF_INET6, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REPLACE, RTAX_ADVMSS, RTAX_MTU, RTA_DST, RTA_GATEWAY, RTA_METRICS,
  RTA_OIF, RTA_PRIORITY, RTA_TABLE, RTMSG_LEN, RTM_DELROUTE, RTM_NEWROUTE, RTNH_F_ONLINK, RTPROT_BOOT, RT_SCOPE_LINK,
  RT_SCOPE_UNIVERSE,
} from '../../../src/kernel/netlink/constants.js';
import { addRoute, decodeRoute, encodeRoute, ensureRoute, listRoutes, removeRoute } from '../../../src/kernel/netlink/routes.js';
import { FakeTransport, reply } from './fake-transport.js';

const rtm = (b: Buffer) => ({
  family: b.readUInt8(0), dstLen: b.readUInt8(1), table: b.readUInt8(4), protocol: b.readUInt8(5),
  scope: b.readUInt8(6), type: b.readUInt8(7), flags: b.readUInt32LE(8),
});
const attrsOf = (b: Buffer) => new AttrSet(b.subarray(RTMSG_LEN));

describe('route encoding', () => {
  test('a gateway route: universe scope, boot protocol, unicast, main table, metrics nested', () => {
    const body = encodeRoute({ dst: '10.10.5.7/16', gw: '10.9.0.1', oif: 3, priority: 100, mtu: 1400, advmss: 1360 }, 'add');
    assert.deepEqual(rtm(body), { family: AF_INET, dstLen: 16, table: 254, protocol: RTPROT_BOOT, scope: RT_SCOPE_UNIVERSE, type: 1, flags: 0 });
    const a = attrsOf(body);
    assert.equal(a.bytes(RTA_DST)?.toString('hex'), '0a0a0000', 'host bits cleared');
    assert.equal(a.bytes(RTA_GATEWAY)?.toString('hex'), '0a090001');
    assert.equal(a.u32(RTA_OIF), 3);
    assert.equal(a.u32(RTA_PRIORITY), 100);
    assert.equal(a.u32(RTA_TABLE), 254);
    const m = a.nested(RTA_METRICS);
    assert.deepEqual([m?.u32(RTAX_MTU), m?.u32(RTAX_ADVMSS)], [1400, 1360]);
  });

  test('IPv4 without a gateway is scope link; IPv6 stays universe; a default route has no RTA_DST', () => {
    assert.equal(rtm(encodeRoute({ dst: '10.0.0.0/24', oif: 2 }, 'add')).scope, RT_SCOPE_LINK);
    const v6 = encodeRoute({ dst: '::/0', gw: 'fd00::1', onlink: true }, 'add');
    assert.deepEqual([rtm(v6).family, rtm(v6).scope, rtm(v6).dstLen, rtm(v6).flags], [AF_INET6, RT_SCOPE_UNIVERSE, 0, RTNH_F_ONLINK]);
    assert.equal(attrsOf(v6).has(RTA_DST), false);
  });

  test('a table above 255 lives only in RTA_TABLE', () => {
    const body = encodeRoute({ dst: '10.0.0.0/8', oif: 1, table: 1000 }, 'add');
    assert.equal(rtm(body).table, 0);
    assert.equal(attrsOf(body).u32(RTA_TABLE), 1000);
  });

  test('removal matches any scope, type and protocol and carries no metrics', () => {
    const body = encodeRoute({ dst: '10.0.0.0/8', gw: '10.0.0.1', mtu: 1400 }, 'remove');
    assert.deepEqual([rtm(body).scope, rtm(body).type, rtm(body).protocol], [255, 0, 0]);
    assert.equal(attrsOf(body).has(RTA_METRICS), false);
  });

  test('a gateway of the other family is refused before the kernel', () => {
    assert.throws(() => encodeRoute({ dst: '10.0.0.0/8', gw: 'fd00::1' }, 'add'), (e: unknown) => e instanceof KernelError && e.errno === Errno.EINVAL);
  });
});

describe('route decoding and ops', () => {
  test('an add request decodes back to the route it describes', () => {
    const r = decodeRoute(encodeRoute({ dst: 'fd00:1::/48', gw: 'fd00::1', oif: 4, table: 1000, mtu: 1280 }, 'add'));
    assert.deepEqual(r, { family: 6, dst: 'fd00:1::/48', scope: 0, table: 1000, onlink: false, protocol: RTPROT_BOOT, type: 1, gw: 'fd00::1', oif: 4, mtu: 1280 });
  });

  test('list filters by table (main by default), family and device', () => {
    const routes = [
      encodeRoute({ dst: '10.0.0.0/24', oif: 2 }, 'add'),
      encodeRoute({ dst: '10.1.0.0/24', oif: 3, table: 255 }, 'add'),
      encodeRoute({ dst: 'fd00::/64', oif: 2 }, 'add'),
      encodeRoute({ dst: '10.2.0.0/24', oif: 3, table: 7 }, 'add'),
    ].map((b) => reply(RTM_NEWROUTE, b));
    assert.deepEqual(listRoutes(new FakeTransport(routes)).map((r) => r.dst), ['10.0.0.0/24', 'fd00::/64']);
    assert.deepEqual(listRoutes(new FakeTransport(routes), { table: 'all', oif: 3 }).map((r) => r.dst), ['10.1.0.0/24', '10.2.0.0/24']);
    assert.deepEqual(listRoutes(new FakeTransport(routes), { family: 6 }).map((r) => r.dst), ['fd00::/64']);
  });

  test('add is exclusive, ensure replaces, remove treats ESRCH as done', () => {
    const t = new FakeTransport([], [], { errno: Errno.ESRCH }, []);
    addRoute(t, { dst: '10.0.0.0/8', oif: 1 });
    ensureRoute(t, { dst: '10.0.0.0/8', oif: 1 });
    assert.equal(removeRoute(t, { dst: '10.0.0.0/8' }), false);
    assert.equal(removeRoute(t, { dst: '10.0.0.0/8' }), true);
    assert.deepEqual(t.requests.map((r) => [r.type, r.flags]), [
      [RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL], [RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE], [RTM_DELROUTE, 0], [RTM_DELROUTE, 0],
    ]);
  });
});
