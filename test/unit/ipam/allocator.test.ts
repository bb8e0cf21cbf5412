// The pure allocator: host-local's round-robin order, wraparound across the
// ranges of a set, reserved addresses, exhaustion, requested addresses, dual
// stack and repeated ADDs for one attachment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { formatIp, type IpAddress } from '../../../src/core/ip/address.js';
import { freeAddressCount, planAllocation, roundRobin, type LeaseView } from '../../../src/core/ipam/allocator.js';
import { parseIpamConfig } from '../../../src/core/ipam/config.js';
import type { Attachment, Lease } from '../../../src/core/ipam/lease.js';
import { ip } from './helpers.js';

const who: Attachment = { containerId: 'c1', ifname: 'eth0' };

function config(ipam: Record<string, unknown>, cniArgs = '') {
  return parseIpamConfig({ name: 'n', ipam, raw: {}, runtimeConfig: {}, cniArgs });
}

function lease(addr: string, containerId = 'other', ifname: string | undefined = 'eth0'): Lease {
  return { ip: ip(addr), owner: ifname === undefined ? { containerId } : { containerId, ifname } };
}

function allocate(ipam: Record<string, unknown>, leases: Lease[] = [], last: Array<string | undefined> = [], cniArgs = ''): string[] {
  const conf = config(ipam, cniArgs);
  const view: LeaseView = { leases, lastReserved: last.map((t) => (t === undefined ? undefined : ip(t))) };
  return planAllocation(conf.rangeSets, conf.requested, view, who).map((p) => `${formatIp(p.ip)}${p.existing ? ' (existing)' : ''}`);
}

function fails(fn: () => unknown, code: number, message: RegExp): void {
  assert.throws(fn, (err: unknown) => err instanceof CniError && err.code === code && message.test(err.msg));
}

const small = { ranges: [[{ subnet: '10.9.0.0/29' }]] }; // allocatable: .2 .. .6

describe('allocation order', () => {
  const table: Array<{ name: string; ipam?: Record<string, unknown>; leases?: string[]; last?: Array<string | undefined>; want: string }> = [
    { name: 'starts at rangeStart, skipping the gateway', want: '10.9.0.2' },
    { name: 'continues after the last reserved address', last: ['10.9.0.4'], want: '10.9.0.5' },
    { name: 'round robin skips taken addresses', last: ['10.9.0.2'], leases: ['10.9.0.3', '10.9.0.4'], want: '10.9.0.5' },
    { name: 'does not reuse a released address before the end of the range', last: ['10.9.0.3'], leases: ['10.9.0.2'], want: '10.9.0.4' },
    { name: 'wraps to rangeStart after rangeEnd', last: ['10.9.0.6'], want: '10.9.0.2' },
    { name: 'tries the last reserved address itself last', last: ['10.9.0.4'], leases: ['10.9.0.2', '10.9.0.3', '10.9.0.5', '10.9.0.6'], want: '10.9.0.4' },
    { name: 'ignores a last reserved address outside the set', last: ['10.200.0.9'], want: '10.9.0.2' },
    { name: 'ignores a last reserved address of another family', last: ['fd00::5'], want: '10.9.0.2' },
    { name: 'honours rangeStart/rangeEnd', ipam: { ranges: [[{ subnet: '10.9.0.0/24', rangeStart: '10.9.0.100', rangeEnd: '10.9.0.101' }]] }, last: ['10.9.0.101'], want: '10.9.0.100' },
    { name: 'skips the network address when rangeStart includes it', ipam: { ranges: [[{ subnet: '10.9.0.0/29', rangeStart: '10.9.0.0', gateway: '10.9.0.6' }]] }, want: '10.9.0.1' },
    { name: 'skips the broadcast address when rangeEnd includes it', ipam: { ranges: [[{ subnet: '10.9.0.0/29', rangeEnd: '10.9.0.7' }]] }, last: ['10.9.0.6'], want: '10.9.0.2' },
    { name: 'a non-default gateway frees .1', ipam: { ranges: [[{ subnet: '10.9.0.0/29', gateway: '10.9.0.6' }]] }, want: '10.9.0.1' },
    { name: 'moves to the next range of the set', ipam: { ranges: [[{ subnet: '10.9.0.0/30' }, { subnet: '10.9.1.0/30' }]] }, last: ['10.9.0.2'], want: '10.9.1.2' },
    { name: 'wraps from the last range to the first', ipam: { ranges: [[{ subnet: '10.9.0.0/30' }, { subnet: '10.9.1.0/30' }]] }, last: ['10.9.1.2'], want: '10.9.0.2' },
    { name: 'fills a later range when the first is full', ipam: { ranges: [[{ subnet: '10.9.0.0/30' }, { subnet: '10.9.1.0/30' }]] }, leases: ['10.9.0.2'], want: '10.9.1.2' },
    { name: 'IPv6 keeps the last address (no broadcast)', ipam: { ranges: [[{ subnet: 'fd00::/126' }]] }, last: ['fd00::2'], want: 'fd00::3' },
  ];
  for (const row of table) {
    it(row.name, () => {
      const leases = (row.leases ?? []).map((a) => lease(a));
      assert.deepEqual(allocate(row.ipam ?? small, leases, row.last ?? []), [row.want]);
    });
  }

  it('an unreadable (empty) lease file still blocks its address', () => {
    assert.deepEqual(allocate(small, [{ ip: ip('10.9.0.2'), owner: undefined }]), ['10.9.0.3']);
  });

  it('hands out every allocatable address once, then reports exhaustion naming the set', () => {
    const leases: Lease[] = [];
    let last: string | undefined;
    for (const want of ['10.9.0.2', '10.9.0.3', '10.9.0.4', '10.9.0.5', '10.9.0.6']) {
      const [got] = allocate(small, leases, [last]);
      assert.equal(got, want);
      last = got;
      leases.push(lease(want, `c-${want}`));
    }
    fails(() => allocate(small, leases, [last]), ErrorCode.IpamExhausted, /^ipam\.ranges\[0\]: no free address in range set 10\.9\.0\.1-10\.9\.0\.6$/);
  });

  it('roundRobin visits each address of the set exactly once', () => {
    const conf = config({ ranges: [[{ subnet: '10.9.0.0/29' }, { subnet: '10.9.1.0/30' }]] });
    const set = conf.rangeSets[0];
    assert.ok(set);
    const seen = [...roundRobin(set, ip('10.9.0.3'))].map((c) => formatIp(c.ip));
    assert.deepEqual(seen, ['10.9.0.4', '10.9.0.5', '10.9.0.6', '10.9.1.1', '10.9.1.2', '10.9.0.1', '10.9.0.2', '10.9.0.3']);
  });
});

describe('dual stack', () => {
  const dual = { ranges: [[{ subnet: '10.9.0.0/24' }], [{ subnet: 'fd00:9::/64' }]] };
  it('takes one address per range set, each with its own round robin', () => {
    assert.deepEqual(allocate(dual, [], ['10.9.0.7', 'fd00:9::30']), ['10.9.0.8', 'fd00:9::31']);
  });
  it('fails the whole ADD when one family is exhausted', () => {
    const tiny = { ranges: [[{ subnet: '10.9.0.0/24' }], [{ subnet: 'fd00:9::/126' }]] };
    const leases = [lease('fd00:9::2'), lease('fd00:9::3')];
    fails(() => allocate(tiny, leases), ErrorCode.IpamExhausted, /^ipam\.ranges\[1\]: no free address/);
  });
});

describe('requested addresses', () => {
  it('gives the requested address, wherever round robin stands', () => {
    assert.deepEqual(allocate(small, [], ['10.9.0.2'], 'IP=10.9.0.6'), ['10.9.0.6']);
  });
  it('refuses an address leased to someone else (101)', () => {
    fails(() => allocate(small, [lease('10.9.0.5', 'c9', 'net1')], [], 'IP=10.9.0.5'), ErrorCode.AddressInUse, /^CNI_ARGS IP: 10\.9\.0\.5 is already leased to container c9 \(net1\)$/);
  });
  it('requests one family and round-robins the other', () => {
    const dual = { ranges: [[{ subnet: '10.9.0.0/24' }], [{ subnet: 'fd00:9::/64' }]] };
    assert.deepEqual(allocate(dual, [], [], 'IP=fd00:9::99'), ['10.9.0.2', 'fd00:9::99']);
  });
});

describe('repeated ADD for one attachment', () => {
  it('returns the leases it already holds (legacy files included)', () => {
    assert.deepEqual(allocate(small, [lease('10.9.0.4', 'c1')]), ['10.9.0.4 (existing)']);
    assert.deepEqual(allocate(small, [lease('10.9.0.4', 'c1', undefined)]), ['10.9.0.4 (existing)']);
    assert.deepEqual(allocate(small, [lease('10.9.0.4', 'c1')], [], 'IP=10.9.0.4'), ['10.9.0.4 (existing)']);
  });
  it('completes a half-done dual-stack ADD', () => {
    const dual = { ranges: [[{ subnet: '10.9.0.0/24' }], [{ subnet: 'fd00:9::/64' }]] };
    assert.deepEqual(allocate(dual, [lease('10.9.0.9', 'c1')]), ['10.9.0.9 (existing)', 'fd00:9::2']);
  });
  it('does not count another interface of the same container', () => {
    assert.deepEqual(allocate(small, [lease('10.9.0.2', 'c1', 'eth1')]), ['10.9.0.3']);
  });
  it('refuses a request that contradicts the held lease (102)', () => {
    fails(() => allocate(small, [lease('10.9.0.4', 'c1')], [], 'IP=10.9.0.5'), ErrorCode.DuplicateAttachment, /^CNI_ARGS IP: c1 \(eth0\) already holds 10\.9\.0\.4 in ipam\.ranges\[0\], not 10\.9\.0\.5$/);
  });
  it('refuses when the attachment already holds two addresses in the set (102)', () => {
    fails(() => allocate(small, [lease('10.9.0.4', 'c1'), lease('10.9.0.5', 'c1')]), ErrorCode.DuplicateAttachment, /already holds 10\.9\.0\.4, 10\.9\.0\.5/);
  });
});

describe('freeAddressCount', () => {
  it('counts allocatable addresses minus leases in the set', () => {
    const set = config(small).rangeSets[0];
    assert.ok(set);
    const addr = (t: string): IpAddress => ip(t);
    assert.equal(freeAddressCount(set, []), 5n);
    assert.equal(freeAddressCount(set, [lease('10.9.0.2'), lease('10.9.0.3'), lease('10.200.0.1')]), 3n);
    assert.equal(freeAddressCount(set, [{ ip: addr('10.9.0.1'), owner: undefined }]), 5n, 'a lease on the gateway does not use an allocatable address');
  });
});
