import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendError } from '../../../src/agent/backends/overlay-backend.js';
import { routedPeerObjects } from '../../../src/agent/backends/routed-backend.js';
import { vtepAddressOf, vtepMacOf, vxlanDeviceName, vxlanPeerObjects } from '../../../src/agent/backends/vxlan-backend.js';

const peer = { name: 'node-2', podCIDR: '10.244.2.0/24', podCIDRv6: undefined, underlayIP: '10.255.0.2', vtepMAC: '0E:50:0A:FF:00:02' };

function refused(fn: () => unknown, code: string, text: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof BackendError && err.code === code && text.test(err.message));
}

test('vxlan: the three objects of flannel\'s layout, MAC lower-cased', () => {
  assert.deepEqual(vxlanPeerObjects('podwire.1', peer), {
    neighbours: [{ dev: 'podwire.1', ip: '10.244.2.0', mac: '0e:50:0a:ff:00:02' }],
    fdb: [{ dev: 'podwire.1', mac: '0e:50:0a:ff:00:02', dst: '10.255.0.2' }],
    routes: [{ dst: '10.244.2.0/24', gw: '10.244.2.0', dev: 'podwire.1', onlink: true }],
  });
});

test('vxlan, dual stack: IPv6 neighbour and route over the same device and FDB entry', () => {
  const objs = vxlanPeerObjects('podwire.1', { ...peer, podCIDRv6: 'fd00:244:0:2::/64' }, true);
  assert.deepEqual(objs.neighbours.map((n) => n.ip), ['10.244.2.0', 'fd00:244:0:2::']);
  assert.deepEqual(objs.fdb.length, 1);
  assert.deepEqual(objs.routes.at(-1), { dst: 'fd00:244:0:2::/64', gw: 'fd00:244:0:2::', dev: 'podwire.1', onlink: true });
  // this node without IPv6: nothing for IPv6
  assert.equal(vxlanPeerObjects('podwire.1', { ...peer, podCIDRv6: 'fd00:244:0:2::/64' }, false).routes.length, 1);
});

test('vxlan: incomplete peers are refused, naming the node', () => {
  refused(() => vxlanPeerObjects('podwire.1', { ...peer, vtepMAC: undefined }), 'PeerIncomplete', /node-2: no valid VTEP MAC/);
  refused(() => vxlanPeerObjects('podwire.1', { ...peer, podCIDR: 'fd00::/64' }), 'PeerIncomplete', /not an IPv4 CIDR/);
  refused(() => vxlanPeerObjects('podwire.1', { ...peer, underlayIP: 'fd00::2' }), 'PeerIncomplete', /not IPv4/);
});

test('vxlan: names, VTEP address and MAC', () => {
  assert.equal(vxlanDeviceName(1), 'podwire.1');
  assert.equal(vxlanDeviceName(4096), 'podwire.4096');
  assert.equal(vtepAddressOf('10.244.7.0/24'), '10.244.7.0');
  assert.equal(vtepMacOf('10.255.0.1'), '0e:50:0a:ff:00:01');
  assert.equal(vtepMacOf('192.168.200.17'), '0e:50:c0:a8:c8:11');
  // locally administered (bit 1), unicast (bit 0 clear)
  assert.equal(parseInt(vtepMacOf('1.2.3.4').slice(0, 2), 16) & 0b11, 0b10);
});

test('routed: a route via the peer\'s underlay address', () => {
  assert.deepEqual(routedPeerObjects('eth0', ['10.255.0.1/24'], peer), {
    neighbours: [],
    fdb: [],
    routes: [{ dst: '10.244.2.0/24', gw: '10.255.0.2', dev: 'eth0', onlink: false }],
  });
});

test('routed: a peer off our L2 segment is refused with a clear reason', () => {
  refused(() => routedPeerObjects('eth0', ['10.255.0.1/24'], { ...peer, underlayIP: '10.255.1.2' }), 'PeerNotOnLink', /10\.255\.1\.2 is not on eth0 \(10\.255\.0\.1\/24\).*one L2 segment.*vxlan/);
  refused(() => routedPeerObjects('eth0', [], peer), 'PeerNotOnLink', /no IPv4 subnet/);
  // a /32 is not a segment
  refused(() => routedPeerObjects('eth0', ['10.255.0.2/32'], peer), 'PeerNotOnLink', /not on eth0/);
});
