import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeAction, planDatapath, type ObservedDatapath, type PeerObjects, type PlanInput } from '../../../src/agent/backends/datapath-plan.js';
import { vxlanPeerObjects } from '../../../src/agent/backends/vxlan-backend.js';

const P = 87;
const DEV = 'podwire.1';
const peer2 = { name: 'node-2', podCIDR: '10.244.2.0/24', podCIDRv6: undefined as string | undefined, underlayIP: '10.255.0.2', vtepMAC: '0e:50:0a:ff:00:02' };
const peer3 = { name: 'node-3', podCIDR: '10.244.3.0/24', podCIDRv6: undefined as string | undefined, underlayIP: '10.255.0.3', vtepMAC: '0e:50:0a:ff:00:03' };
const objs = (p: typeof peer2): PeerObjects => vxlanPeerObjects(DEV, p);

const empty = (): ObservedDatapath => ({ routes: [], neighbours: [], fdb: [] });

/** What the kernel holds after `objects` were programmed. */
function programmed(...all: PeerObjects[]): ObservedDatapath {
  return {
    routes: all.flatMap((o) => o.routes.map((r) => ({ dst: r.dst, gw: r.gw, dev: r.dev, onlink: r.onlink, protocol: P }))),
    neighbours: all.flatMap((o) => o.neighbours.map((n) => ({ dev: n.dev, ip: n.ip, mac: n.mac, permanent: true }))),
    fdb: all.flatMap((o) => o.fdb.map((f) => ({ dev: f.dev, mac: f.mac, dst: f.dst }))),
  };
}

function plan(over: Partial<PlanInput>): string[] {
  return planDatapath({ desired: new Map(), ensure: 'all', retired: [], sweep: undefined, observed: empty(), protocol: P, ...over }).map(describeAction);
}

const SWEEP = { clusterCIDRs: ['10.244.0.0/16', 'fd00:244::/48'], devices: [DEV], protocol: P };

test('a new peer: neighbour, FDB, then the route', () => {
  assert.deepEqual(plan({ desired: new Map([['node-2', objs(peer2)]]) }), [
    'ensure-neighbour 10.244.2.0 lladdr 0e:50:0a:ff:00:02 dev podwire.1 (node-2)',
    'ensure-fdb 0e:50:0a:ff:00:02 dst 10.255.0.2 dev podwire.1 (node-2)',
    'ensure-route 10.244.2.0/24 via 10.244.2.0 dev podwire.1 onlink (node-2)',
  ]);
});

test('what is already right produces nothing, even when sweeping', () => {
  const desired = new Map([['node-2', objs(peer2)], ['node-3', objs(peer3)]]);
  assert.deepEqual(plan({ desired, observed: programmed(objs(peer2), objs(peer3)), sweep: SWEEP }), []);
});

test('only the wrong parts are rewritten', () => {
  const observed = programmed(objs(peer2));
  observed.routes[0] = { ...observed.routes[0]!, protocol: 3 };
  observed.neighbours[0] = { ...observed.neighbours[0]!, permanent: false };
  assert.deepEqual(plan({ desired: new Map([['node-2', objs(peer2)]]), observed }), [
    'ensure-neighbour 10.244.2.0 lladdr 0e:50:0a:ff:00:02 dev podwire.1 (node-2)',
    'ensure-route 10.244.2.0/24 via 10.244.2.0 dev podwire.1 onlink (node-2)',
  ]);
});

test('ensure limits the work to the named peers', () => {
  const desired = new Map([['node-2', objs(peer2)], ['node-3', objs(peer3)]]);
  assert.equal(plan({ desired, ensure: ['node-3'] }).every((a) => a.endsWith('(node-3)')), true);
});

test('a changed peer: new objects first, then only the old ones nobody needs', () => {
  const moved = { ...peer2, underlayIP: '10.255.0.22', vtepMAC: '0e:50:0a:ff:00:16' };
  const actions = plan({ desired: new Map([['node-2', objs(moved)]]), ensure: ['node-2'], retired: [objs(peer2)], observed: programmed(objs(peer2)) });
  assert.deepEqual(actions, [
    'ensure-neighbour 10.244.2.0 lladdr 0e:50:0a:ff:00:16 dev podwire.1 (node-2)',
    'ensure-fdb 0e:50:0a:ff:00:16 dst 10.255.0.22 dev podwire.1 (node-2)',
    // the route (same dst, same gateway) is right; the neighbour key is reused; only the old FDB entry goes
    'remove-fdb 0e:50:0a:ff:00:02 dst 10.255.0.2 dev podwire.1',
  ]);
});

test('a removed peer: route first, then FDB, then neighbour; only what the kernel still holds', () => {
  assert.deepEqual(plan({ retired: [objs(peer2)], observed: programmed(objs(peer2)) }), [
    'remove-route 10.244.2.0/24 via 10.244.2.0 dev podwire.1',
    'remove-fdb 0e:50:0a:ff:00:02 dst 10.255.0.2 dev podwire.1',
    'remove-neighbour 10.244.2.0 dev podwire.1',
  ]);
  assert.deepEqual(plan({ retired: [objs(peer2)], observed: empty() }), []);
});

test('a retired route that someone else replaced is left alone', () => {
  const observed = programmed(objs(peer2));
  observed.routes[0] = { dst: '10.244.2.0/24', gw: '192.0.2.1', dev: 'eth0', onlink: false, protocol: 3 };
  assert.deepEqual(plan({ retired: [objs(peer2)], observed }).filter((a) => a.startsWith('remove-route')), []);
});

test('sweep removes only what is provably ours', () => {
  const observed: ObservedDatapath = {
    routes: [
      { dst: '10.244.9.0/24', gw: '10.244.9.0', dev: DEV, onlink: true, protocol: P }, // ours, stale
      { dst: '10.244.8.0/24', gw: '10.255.0.8', dev: 'eth0', onlink: false, protocol: 3 }, // not our protocol
      { dst: '10.99.0.0/24', gw: '10.255.0.9', dev: 'eth0', onlink: false, protocol: P }, // outside the cluster CIDR
      { dst: '0.0.0.0/0', gw: '10.255.0.254', dev: 'eth0', onlink: false, protocol: P },
      { dst: 'fd00:244:0:9::/64', gw: 'fd00:244:0:9::', dev: DEV, onlink: true, protocol: P }, // ours (IPv6), stale
      { dst: 'fd00:99::/64', gw: 'fd00:99::1', dev: DEV, onlink: true, protocol: P }, // outside
    ],
    neighbours: [
      { dev: DEV, ip: '10.244.9.0', mac: '0e:50:0a:ff:00:09', permanent: true }, // ours, stale
      { dev: DEV, ip: '10.244.7.0', mac: '0e:50:0a:ff:00:07', permanent: false }, // not permanent
      { dev: 'eth0', ip: '10.244.6.0', mac: '02:00:00:00:00:06', permanent: true }, // not our device
    ],
    fdb: [
      { dev: DEV, mac: '0e:50:0a:ff:00:09', dst: '10.255.0.9' }, // ours, stale
      { dev: DEV, mac: '0e:50:0a:ff:00:05' }, // no remote: not an entry we make
      { dev: 'eth0', mac: '02:00:00:00:00:06', dst: '10.255.0.6' },
    ],
  };
  assert.deepEqual(plan({ observed, sweep: SWEEP }), [
    'remove-route 10.244.9.0/24 via 10.244.9.0 dev podwire.1',
    'remove-route fd00:244:0:9::/64 via fd00:244:0:9:: dev podwire.1',
    'remove-fdb 0e:50:0a:ff:00:09 dst 10.255.0.9 dev podwire.1',
    'remove-neighbour 10.244.9.0 dev podwire.1',
  ]);
});

test('an IPv6 route at the kernel\'s default metric (1024) is right as it is', () => {
  const v6 = { ...peer2, podCIDRv6: 'fd00:244:0:2::/64' };
  const o = vxlanPeerObjects(DEV, v6, true);
  const observed = programmed(o);
  observed.routes = observed.routes.map((r) => (r.dst.includes(':') ? { ...r, priority: 1024 } : r));
  assert.deepEqual(plan({ desired: new Map([['node-2', o]]), observed }), []);
});

test('a route with a metric is not taken for ours', () => {
  const observed: ObservedDatapath = { ...empty(), routes: [{ dst: '10.244.2.0/24', gw: '10.244.2.0', dev: DEV, onlink: true, protocol: P, priority: 100 }] };
  assert.deepEqual(plan({ desired: new Map([['node-2', objs(peer2)]]), observed }).filter((a) => a.startsWith('ensure-route')).length, 1);
});
