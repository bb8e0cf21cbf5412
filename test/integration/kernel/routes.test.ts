// Routes through NetlinkHandle in a throwaway netns, checked with `ip -j route`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { openNetlink, type NetlinkHandle } from '../../../src/kernel/netlink/index.js';
import { createNetns, type TestNetns } from '../../helpers/netns.js';

interface IpRoute { dst: string; gateway?: string; dev: string; protocol?: string; scope?: string; metric?: number; flags: string[]; metrics?: Array<Record<string, number>>; table?: string }

function ipRoutes(ns: TestNetns, family: '-4' | '-6', table = 'main'): IpRoute[] {
  return JSON.parse(ns.exec('ip', ['-j', family, 'route', 'show', 'table', table])) as IpRoute[];
}

describe('routes', () => {
  let ns: TestNetns;
  let h: NetlinkHandle;

  before(() => {
    ns = createNetns('pwk');
    h = openNetlink(ns.path);
    h.createBridge({ name: 'pwbr0' });
    h.setLinkUp('pwbr0');
    h.addAddress('pwbr0', { cidr: '10.66.0.1/24' });
    h.addAddress('pwbr0', { cidr: 'fd00:66::1/64', noDad: true });
  });
  after(() => {
    h?.close();
    ns?.remove();
  });

  test('IPv4 gateway route with metric, mtu and advmss', () => {
    h.addRoute({ dst: '10.67.0.0/16', gw: '10.66.0.254', dev: 'pwbr0', priority: 50, mtu: 1400, advmss: 1360 });
    const r = ipRoutes(ns, '-4').find((x) => x.dst === '10.67.0.0/16');
    assert.deepEqual([r?.gateway, r?.dev, r?.metric], ['10.66.0.254', 'pwbr0', 50]);
    assert.equal(r?.protocol, undefined, 'ip prints no protocol for "boot", the `ip route add` default');
    assert.deepEqual(r?.metrics, [{ mtu: 1400, advmss: 1360 }]);
    const ours = h.listRoutes({ family: 4 }).find((x) => x.dst === '10.67.0.0/16');
    assert.deepEqual([ours?.gw, ours?.oif, ours?.priority, ours?.mtu, ours?.advmss, ours?.protocol], ['10.66.0.254', h.getLink('pwbr0').index, 50, 1400, 1360, 3]);
    assert.throws(() => h.addRoute({ dst: '10.67.0.0/16', gw: '10.66.0.254', priority: 50 }), (e: unknown) => e instanceof KernelError && e.errno === Errno.EEXIST);
  });

  test('device route is scope link; onlink gateway outside any prefix; default route', () => {
    h.addRoute({ dst: '10.68.0.0/24', dev: 'pwbr0' });
    h.addRoute({ dst: '10.69.0.0/24', gw: '192.0.2.1', dev: 'pwbr0', onlink: true });
    h.addRoute({ dst: '0.0.0.0/0', gw: '10.66.0.254' });
    const routes = ipRoutes(ns, '-4');
    const link = routes.find((x) => x.dst === '10.68.0.0/24');
    assert.equal(link?.scope, 'link');
    assert.ok(routes.find((x) => x.dst === '10.69.0.0/24')?.flags.includes('onlink'));
    assert.equal(routes.find((x) => x.dst === 'default')?.gateway, '10.66.0.254');
    assert.equal(h.listRoutes({ family: 4 }).find((x) => x.dst === '0.0.0.0/0')?.gw, '10.66.0.254');
    assert.equal(h.listRoutes({ family: 4 }).find((x) => x.dst === '10.69.0.0/24')?.onlink, true);
  });

  test('IPv6 routes and a table above 255', () => {
    h.addRoute({ dst: 'fd00:67::/48', gw: 'fd00:66::fe', dev: 'pwbr0' });
    h.addRoute({ dst: '::/0', dev: 'pwbr0', gw: 'fd00:66::fe', table: 1000, mtu: 1280 });
    assert.equal(ipRoutes(ns, '-6').find((x) => x.dst === 'fd00:67::/48')?.gateway, 'fd00:66::fe');
    const t1000 = ipRoutes(ns, '-6', '1000');
    assert.deepEqual(t1000.map((x) => [x.dst, x.gateway]), [['default', 'fd00:66::fe']]);
    assert.deepEqual(h.listRoutes({ table: 1000 }).map((x) => [x.dst, x.gw, x.table, x.mtu]), [['::/0', 'fd00:66::fe', 1000, 1280]]);
    assert.equal(h.listRoutes({ family: 6 }).some((x) => x.table === 1000), false, 'main is the default table');
  });

  test('the listing matches ip, route for route', () => {
    const ours = h.listRoutes({ family: 4 }).map((r) => (r.dst === '0.0.0.0/0' ? 'default' : r.dst.replace(/\/32$/, ''))).sort();
    assert.deepEqual(ours, ipRoutes(ns, '-4').map((r) => r.dst).sort());
  });

  test('ensureRoute replaces in place', () => {
    h.ensureRoute({ dst: '10.68.0.0/24', gw: '10.66.0.253' });
    const matches = ipRoutes(ns, '-4').filter((x) => x.dst === '10.68.0.0/24');
    assert.deepEqual(matches.map((x) => x.gateway), ['10.66.0.253']);
  });

  test('remove: true, then false; a vanished device is also done', () => {
    assert.equal(h.removeRoute({ dst: '10.67.0.0/16' }), true);
    assert.equal(h.removeRoute({ dst: '10.67.0.0/16' }), false);
    assert.equal(h.removeRoute({ dst: '::/0', table: 1000 }), true);
    assert.equal(h.removeRoute({ dst: '10.68.0.0/24', dev: 'pwgone0' }), false);
    assert.equal(ipRoutes(ns, '-4').some((x) => x.dst === '10.67.0.0/16'), false);
    assert.deepEqual(ipRoutes(ns, '-6', '1000'), []);
  });
});
