import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AttrSet, AttrWriter } from '../../../src/kernel/netlink/attrs.js';
import { IFLA_IFNAME, RTA_OIF, RTMSG_LEN, RTM_DELROUTE, RTM_GETLINK, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWROUTE } from '../../../src/kernel/netlink/constants.js';
import { Errno } from '../../../src/kernel/kernel-error.js';
import { NetlinkHandle } from '../../../src/kernel/netlink/handle.js';
import { encodeIfinfo } from '../../../src/kernel/netlink/links.js';
import { FakeTransport, reply } from './fake-transport.js';

const link = (index: number, name: string) => reply(RTM_NEWLINK, new AttrWriter().raw(encodeIfinfo(index)).str(IFLA_IFNAME, name).toBuffer());

describe('NetlinkHandle', () => {
  test('resolves a device name to its index for addresses and routes', () => {
    const t = new FakeTransport([link(7, 'eth0')], [], [link(7, 'eth0')], []);
    const h = new NetlinkHandle(t, '/run/netns/x');
    h.addAddress('eth0', { cidr: '10.0.0.2/24' });
    h.addRoute({ dst: '0.0.0.0/0', gw: '10.0.0.1', dev: 'eth0' });
    assert.deepEqual(t.requests.map((r) => r.type), [RTM_GETLINK, RTM_NEWADDR, RTM_GETLINK, RTM_NEWROUTE]);
    assert.equal(t.requests[1]?.body.readUInt32LE(4), 7);
    assert.equal(new AttrSet((t.requests[3]?.body as Buffer).subarray(RTMSG_LEN)).u32(RTA_OIF), 7);
    assert.equal(h.netns, '/run/netns/x');
  });

  test('an index is used as is, without a lookup', () => {
    const t = new FakeTransport();
    new NetlinkHandle(t).addAddress(3, { cidr: 'fd00::1/64' });
    assert.deepEqual(t.requests.map((r) => r.type), [RTM_NEWADDR]);
  });

  test('removing through a device that is gone is done, without asking to delete', () => {
    const t = new FakeTransport({ errno: Errno.ENODEV }, { errno: Errno.ENODEV });
    const h = new NetlinkHandle(t);
    assert.equal(h.removeAddress('gone0', '10.0.0.2/24'), false);
    assert.equal(h.removeRoute({ dst: '10.1.0.0/16', dev: 'gone0' }), false);
    assert.equal(t.requests.some((r) => r.type === RTM_DELROUTE), false);
  });

  test('close closes the transport', () => {
    const t = new FakeTransport();
    new NetlinkHandle(t).close();
    assert.equal(t.closed, true);
  });
});
