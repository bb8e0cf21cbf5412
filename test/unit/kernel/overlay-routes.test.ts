// The two route shapes the overlay backends program, pinned to the bytes
// the existing route encoder sends (nothing new was needed for them).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AttrSet } from '../../../src/kernel/netlink/attrs.js';
import {
  AF_INET6, NLM_F_CREATE, NLM_F_REPLACE, RTA_DST, RTA_GATEWAY, RTA_OIF, RTMSG_LEN, RTM_NEWROUTE, RTNH_F_ONLINK, RTPROT_BOOT,
  RT_SCOPE_UNIVERSE,
} from '../../../src/kernel/netlink/constants.js';
import { NetlinkHandle } from '../../../src/kernel/netlink/handle.js';
import { decodeRoute, encodeRoute } from '../../../src/kernel/netlink/routes.js';
import { FakeTransport } from './fake-transport.js';

describe('overlay routes', () => {
  test('vxlan: remote pod block via the remote VTEP address, onlink, on the vxlan device', () => {
    const body = encodeRoute({ dst: '10.244.2.0/24', gw: '10.244.2.0', oif: 5, onlink: true }, 'add');
    const a = new AttrSet(body.subarray(RTMSG_LEN));
    assert.deepEqual([body.readUInt8(6), body.readUInt32LE(8)], [RT_SCOPE_UNIVERSE, RTNH_F_ONLINK], 'scope universe, onlink in rtm_flags');
    assert.deepEqual([a.bytes(RTA_DST)?.toString('hex'), a.bytes(RTA_GATEWAY)?.toString('hex'), a.u32(RTA_OIF)], ['0af40200', '0af40200', 5]);
    const v6 = decodeRoute(encodeRoute({ dst: 'fd00:244:2::/64', gw: 'fd00:244:2::', oif: 6, onlink: true }, 'add'));
    assert.deepEqual([v6?.family, v6?.gw, v6?.onlink, v6?.protocol], [6, 'fd00:244:2::', true, RTPROT_BOOT]);
  });

  test('routed: a plain gateway route, replaced in place by ensureRoute', () => {
    const t = new FakeTransport();
    new NetlinkHandle(t).ensureRoute({ dst: 'fd00:245:2::/64', gw: 'fd00:201::2', dev: 3 });
    const req = t.only();
    assert.deepEqual([req.type, req.flags], [RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE]);
    assert.deepEqual([req.body.readUInt8(0), req.body.readUInt32LE(8)], [AF_INET6, 0], 'no onlink');
    assert.equal(new AttrSet(req.body.subarray(RTMSG_LEN)).u32(RTA_OIF), 3);
  });
});
