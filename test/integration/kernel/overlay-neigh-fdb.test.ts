// Neighbour (ARP/NDP) and vxlan FDB entries through NetlinkHandle in a
// throwaway netns, checked against `ip -j neigh` and `bridge -j fdb`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { openNetlink, type NetlinkHandle } from '../../../src/kernel/netlink/index.js';
import { createNetns, type TestNetns } from '../../helpers/netns.js';

interface IpNeigh { dst: string; dev: string; lladdr?: string; state?: string[] }
interface BridgeFdb { mac: string; dst?: string; flags: string[]; state?: string; ifname?: string }

const MAC_A = '0a:58:0a:f4:02:00';
const MAC_B = '0a:58:0a:f4:03:00';

function ipNeigh(ns: TestNetns): IpNeigh[] {
  return JSON.parse(ns.exec('ip', ['-j', 'neigh', 'show', 'nud', 'all'])) as IpNeigh[];
}

function bridgeFdb(ns: TestNetns, dev: string): BridgeFdb[] {
  return JSON.parse(ns.exec('bridge', ['-j', 'fdb', 'show', 'dev', dev])) as BridgeFdb[];
}

describe('neighbours and fdb', () => {
  let ns: TestNetns;
  let h: NetlinkHandle;

  before(() => {
    ns = createNetns('pwv');
    h = openNetlink(ns.path);
    h.createBridge({ name: 'pwu0' });
    h.setLinkUp('pwu0');
    h.addAddress('pwu0', { cidr: '10.201.0.1/24' });
    h.addAddress('pwu0', { cidr: 'fd00:201::1/64', noDad: true });
    h.createVxlan({ name: 'flannel.1', vni: 1, local: '10.201.0.1', dev: 'pwu0', mtu: 1450 });
    h.createVxlan({ name: 'flannel-v6.1', vni: 1, local: 'fd00:201::1', dev: 'pwu0', mtu: 1430 });
    h.setLinkUp('flannel.1');
    h.setLinkUp('flannel-v6.1');
  });
  after(() => {
    h?.close();
    ns?.remove();
  });

  test('ensureNeighbour (ARP and NDP) twice leaves one permanent entry each', () => {
    for (let i = 0; i < 2; i++) {
      h.ensureNeighbour({ dev: 'flannel.1', ip: '10.244.2.0', mac: MAC_A });
      h.ensureNeighbour({ dev: 'flannel-v6.1', ip: 'fd00:244:2::', mac: MAC_A });
    }
    const ip = ipNeigh(ns).filter((n) => n.dst === '10.244.2.0' || n.dst === 'fd00:244:2::');
    assert.deepEqual(ip.map((n) => [n.dst, n.dev, n.lladdr, n.state]).sort(), [
      ['10.244.2.0', 'flannel.1', MAC_A, ['PERMANENT']],
      ['fd00:244:2::', 'flannel-v6.1', MAC_A, ['PERMANENT']],
    ]);
  });

  test('listNeighbours decodes every entry ip -j neigh shows, NOARP ones included', () => {
    // IGMP/MLD add multicast NOARP entries on their own schedule, so ip's
    // listing is bracketed by two of ours: nothing vanishes in between.
    const names = new Map(h.listLinks().map((l) => [l.index, l.name]));
    const ours = () => new Set(h.listNeighbours().map((n) => JSON.stringify([n.ip, names.get(n.index), n.mac, n.states])));
    const before = ours();
    const theirs = new Set(ipNeigh(ns).map((n) => JSON.stringify([n.dst, n.dev, n.lladdr, n.state])));
    const later = ours();
    for (const e of before) assert.ok(theirs.has(e), `ip shows ${e}`);
    for (const e of theirs) assert.ok(later.has(e), `we decode ${e}`);
    assert.deepEqual(h.listNeighbours({ dev: 'flannel.1', family: 4 }).map((n) => [n.family, n.ip, n.permanent]), [[4, '10.244.2.0', true]]);
    assert.deepEqual(h.listNeighbours({ dev: 'flannel-v6.1', family: 6 }).filter((n) => n.permanent).map((n) => n.ip), ['fd00:244:2::']);
  });

  test('ensureNeighbour replaces another MAC, and a dynamic entry can be asked for', () => {
    h.ensureNeighbour({ dev: 'flannel.1', ip: '10.244.2.0', mac: MAC_B });
    assert.deepEqual(ipNeigh(ns).filter((n) => n.dst === '10.244.2.0').map((n) => n.lladdr), [MAC_B]);
    h.ensureNeighbour({ dev: 'flannel.1', ip: '10.244.9.0', mac: MAC_B, permanent: false });
    assert.deepEqual(h.listNeighbours({ dev: 'flannel.1' }).find((n) => n.ip === '10.244.9.0')?.states, ['REACHABLE']);
  });

  test('removeNeighbour: true, then false; an absent device is also done', () => {
    assert.equal(h.removeNeighbour({ dev: 'flannel.1', ip: '10.244.9.0' }), true);
    assert.equal(h.removeNeighbour({ dev: 'flannel-v6.1', ip: 'fd00:244:2::' }), true);
    assert.equal(h.removeNeighbour({ dev: 'flannel-v6.1', ip: 'fd00:244:2::' }), false);
    assert.equal(h.removeNeighbour({ dev: 'pwgone0', ip: '10.244.2.0' }), false);
    assert.deepEqual(ipNeigh(ns).filter((n) => n.dst === 'fd00:244:2::' || n.dst === '10.244.9.0'), []);
    assert.throws(() => h.ensureNeighbour({ dev: 'pwgone0', ip: '10.244.2.0', mac: MAC_A }), (e: unknown) => e instanceof KernelError && e.errno === Errno.ENODEV);
  });

  test('ensureFdb twice leaves one permanent self entry, as bridge -j fdb shows it', () => {
    h.ensureFdb({ dev: 'flannel.1', mac: MAC_A, dst: '10.201.0.2' });
    h.ensureFdb({ dev: 'flannel.1', mac: MAC_A, dst: '10.201.0.2' });
    h.ensureFdb({ dev: 'flannel-v6.1', mac: MAC_A, dst: 'fd00:201::2' });
    assert.deepEqual(bridgeFdb(ns, 'flannel.1').map((e) => [e.mac, e.dst, e.flags, e.state]), [[MAC_A, '10.201.0.2', ['self'], 'permanent']]);
    assert.deepEqual(bridgeFdb(ns, 'flannel-v6.1').map((e) => [e.mac, e.dst]), [[MAC_A, 'fd00:201::2']]);
    const vx = h.getLink('flannel.1').index;
    assert.deepEqual(h.listFdb({ dev: 'flannel.1' }), [{ index: vx, mac: MAC_A, dst: '10.201.0.2', state: 0x80, flags: 0x02, self: true, master: false, permanent: true }]);
  });

  test('listFdb decodes what bridge -j fdb shows, device by device', () => {
    h.ensureFdb({ dev: 'flannel.1', mac: MAC_B, dst: '10.201.0.3' });
    for (const dev of ['flannel.1', 'flannel-v6.1', 'pwu0']) {
      const ours = h.listFdb({ dev }).map((e) => JSON.stringify([e.mac, e.dst, e.self, e.permanent])).sort();
      const theirs = bridgeFdb(ns, dev).map((e) => JSON.stringify([e.mac, e.dst, e.flags.includes('self'), e.state === 'permanent'])).sort();
      assert.deepEqual(ours, theirs, dev);
    }
    const all = h.listFdb();
    assert.ok(all.some((e) => e.mac === MAC_B && e.dst === '10.201.0.3'), 'the unfiltered dump has it too');
  });

  test('ensureFdb moves a MAC to a new remote instead of adding a second one', () => {
    h.ensureFdb({ dev: 'flannel.1', mac: MAC_B, dst: '10.201.0.4' });
    assert.deepEqual(bridgeFdb(ns, 'flannel.1').filter((e) => e.mac === MAC_B).map((e) => e.dst), ['10.201.0.4']);
  });

  test('removeFdb: a different remote is not there; then true, then false; absent device is done', () => {
    assert.equal(h.removeFdb({ dev: 'flannel.1', mac: MAC_B, dst: '10.201.0.9' }), false);
    assert.equal(h.removeFdb({ dev: 'flannel.1', mac: MAC_B, dst: '10.201.0.4' }), true);
    assert.equal(h.removeFdb({ dev: 'flannel.1', mac: MAC_B, dst: '10.201.0.4' }), false);
    assert.equal(h.removeFdb({ dev: 'flannel-v6.1', mac: MAC_A }), true, 'without dst: the whole entry');
    assert.equal(h.removeFdb({ dev: 'flannel-v6.1', mac: MAC_A }), false);
    assert.equal(h.removeFdb({ dev: 'pwgone0', mac: MAC_A }), false);
    assert.deepEqual(bridgeFdb(ns, 'flannel.1').map((e) => e.mac), [MAC_A]);
    assert.deepEqual(bridgeFdb(ns, 'flannel-v6.1'), []);
  });
});
