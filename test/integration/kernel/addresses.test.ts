// Addresses through NetlinkHandle in a throwaway netns, checked with `ip -j addr`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { openNetlink, type NetlinkHandle } from '../../../src/kernel/netlink/index.js';
import { addrsIn, createNetns, type TestNetns } from '../../helpers/netns.js';

interface IpAddrInfo { family: string; local: string; prefixlen: number; broadcast?: string; scope: string; tentative?: boolean; nodad?: boolean }

function addrInfo(ns: TestNetns, dev: string): IpAddrInfo[] {
  const [link] = JSON.parse(ns.exec('ip', ['-j', 'addr', 'show', 'dev', dev])) as Array<{ addr_info: IpAddrInfo[] }>;
  return link?.addr_info ?? [];
}

describe('addresses', () => {
  let ns: TestNetns;
  let h: NetlinkHandle;

  before(() => {
    ns = createNetns('pwk');
    h = openNetlink(ns.path);
    h.createBridge({ name: 'pwbr0' });
    h.setLinkUp('pwbr0');
  });
  after(() => {
    h?.close();
    ns?.remove();
  });

  test('lo carries the loopback addresses, as ip reports them', () => {
    const ours = h.listAddresses({ dev: 'lo' });
    assert.deepEqual(ours.map((a) => a.cidr), addrsIn(ns, 'lo'));
    assert.deepEqual(ours.map((a) => [a.family, a.cidr, a.scope]), [[4, '127.0.0.1/8', 254], [6, '::1/128', 254]]);
  });

  test('adds IPv4 with a computed broadcast, exclusively', () => {
    h.addAddress('pwbr0', { cidr: '10.88.0.1/16' });
    const [v4] = addrInfo(ns, 'pwbr0').filter((a) => a.family === 'inet');
    assert.deepEqual([v4?.local, v4?.prefixlen, v4?.broadcast, v4?.scope], ['10.88.0.1', 16, '10.88.255.255', 'global']);
    assert.throws(() => h.addAddress('pwbr0', { cidr: '10.88.0.1/16' }), (e: unknown) => e instanceof KernelError && e.errno === Errno.EEXIST);
  });

  test('adds IPv6 with and without DAD: NODAD is never tentative', () => {
    h.addAddress('pwbr0', { cidr: 'fd00:88::1/64', noDad: true });
    h.addAddress('pwbr0', { cidr: 'fd00:89::1/64' });
    const v6 = addrInfo(ns, 'pwbr0').filter((a) => a.family === 'inet6' && a.scope === 'global');
    const nodad = v6.find((a) => a.local === 'fd00:88::1');
    assert.equal(nodad?.nodad, true);
    assert.equal(nodad?.tentative, undefined);
    assert.equal(v6.find((a) => a.local === 'fd00:89::1')?.nodad, undefined);
  });

  test('lists by device and family with the same cidrs ip shows', () => {
    const all = h.listAddresses({ dev: 'pwbr0' });
    assert.deepEqual(all.map((a) => a.cidr).sort(), addrsIn(ns, 'pwbr0').sort());
    const v4 = h.listAddresses({ dev: 'pwbr0', family: 4 });
    assert.deepEqual(v4.map((a) => [a.cidr, a.broadcast]), [['10.88.0.1/16', '10.88.255.255']]);
    assert.ok(h.listAddresses({ family: 6 }).some((a) => a.cidr === '::1/128'));
    assert.ok(h.listAddresses({ family: 6 }).every((a) => a.family === 6));
  });

  test('removes; absent address or absent device is done', () => {
    assert.equal(h.removeAddress('pwbr0', '10.88.0.1/16'), true);
    assert.equal(h.removeAddress('pwbr0', 'fd00:88::1/64'), true);
    assert.equal(h.removeAddress('pwbr0', '10.88.0.1/16'), false);
    assert.equal(h.removeAddress('pwbr0', 'fd00:88::1/64'), false);
    assert.equal(h.removeAddress('pwnope0', '10.88.0.1/16'), false);
    assert.deepEqual(addrInfo(ns, 'pwbr0').filter((a) => a.scope === 'global').map((a) => a.local), ['fd00:89::1']);
  });
});
