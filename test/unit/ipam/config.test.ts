// Range, range-set and IPAM config parsing: host-local's defaults and order,
// and a field-named error (with the right code) for every kind of bad input.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CniError } from '../../../src/cni/errors.js';
import { formatIp } from '../../../src/core/ip/address.js';
import { DEFAULT_DATA_DIR, parseIpamConfig, parseLeaseLocation, type IpamInput } from '../../../src/core/ipam/config.js';
import { parseRange, allocatableCount, formatRange } from '../../../src/core/ipam/range.js';
import { formatRangeSet } from '../../../src/core/ipam/range-set.js';

function input(ipam: unknown, more: Partial<IpamInput> = {}): IpamInput {
  return { name: 'net1', ipam: ipam as IpamInput['ipam'], raw: {}, runtimeConfig: {}, cniArgs: '', ...more };
}

function rejects(fn: () => unknown, code: number, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof CniError, `expected a CniError, got ${String(err)}`);
    assert.equal(err.msg, message);
    assert.equal(err.code, code);
    return true;
  });
}

describe('parseRange defaults (host-local)', () => {
  const table: Array<{ raw: Record<string, unknown>; start: string; end: string; gateway: string; count: bigint }> = [
    { raw: { subnet: '10.1.2.0/24' }, start: '10.1.2.1', end: '10.1.2.254', gateway: '10.1.2.1', count: 253n },
    { raw: { subnet: '10.1.2.0/30' }, start: '10.1.2.1', end: '10.1.2.2', gateway: '10.1.2.1', count: 1n },
    { raw: { subnet: '10.1.2.0/24', gateway: '10.1.2.254' }, start: '10.1.2.1', end: '10.1.2.254', gateway: '10.1.2.254', count: 253n },
    { raw: { subnet: '10.1.0.0/16', rangeStart: '10.1.1.20', rangeEnd: '10.1.3.50' }, start: '10.1.1.20', end: '10.1.3.50', gateway: '10.1.0.1', count: 543n },
    // Explicit bounds that include the network and broadcast addresses: both still skipped.
    { raw: { subnet: '10.1.2.0/29', rangeStart: '10.1.2.0', rangeEnd: '10.1.2.7' }, start: '10.1.2.0', end: '10.1.2.7', gateway: '10.1.2.1', count: 5n },
    { raw: { subnet: 'fd00:1::/125' }, start: 'fd00:1::1', end: 'fd00:1::7', gateway: 'fd00:1::1', count: 6n },
    { raw: { subnet: '3ffe:ffff:0:01ff::/64', rangeStart: '3ffe:ffff:0:01ff::0010', rangeEnd: '3ffe:ffff:0:01ff::0020' }, start: '3ffe:ffff:0:1ff::10', end: '3ffe:ffff:0:1ff::20', gateway: '3ffe:ffff:0:1ff::1', count: 17n },
  ];
  for (const row of table) {
    it(JSON.stringify(row.raw), () => {
      const r = parseRange(row.raw, 'r');
      assert.equal(formatIp(r.rangeStart), row.start);
      assert.equal(formatIp(r.rangeEnd), row.end);
      assert.equal(formatIp(r.gateway), row.gateway);
      assert.equal(allocatableCount(r), row.count);
      assert.equal(formatRange(r), `${row.start}-${row.end}`);
    });
  }
});

describe('parseIpamConfig errors name the field', () => {
  const r = (range: Record<string, unknown>) => ({ ranges: [[range]] });
  const table: Array<[string, unknown, number, string, Partial<IpamInput>?]> = [
    ['no ipam', undefined, 7, 'ipam: required: this is an IPAM plugin'],
    ['no ranges', {}, 7, 'ipam.ranges: required: give at least one range set (or the legacy ipam.subnet)'],
    ['ranges not a list', { ranges: {} }, 7, 'ipam.ranges: must be a list, got an object'],
    ['range set not a list', { ranges: [{ subnet: '10.0.0.0/24' }] }, 7, 'ipam.ranges[0]: must be a list of ranges, got an object'],
    ['empty range set', { ranges: [[]] }, 7, 'ipam.ranges[0]: empty range set: give at least one range'],
    ['range not an object', { ranges: [['10.0.0.0/24']] }, 7, 'ipam.ranges[0][0]: must be an object, got "10.0.0.0/24"'],
    ['subnet missing', r({}), 7, 'ipam.ranges[0][0].subnet: required'],
    ['subnet wrong type', r({ subnet: 24 }), 7, 'ipam.ranges[0][0].subnet: must be a string, got number 24'],
    ['subnet not a CIDR', r({ subnet: 'nope' }), 7, 'ipam.ranges[0][0].subnet: "nope" is not a CIDR'],
    ['subnet without prefix', r({ subnet: '10.0.0.0' }), 7, 'ipam.ranges[0][0].subnet: "10.0.0.0" is not a CIDR'],
    ['host bits', r({ subnet: '10.9.0.3/29' }), 7, 'ipam.ranges[0][0].subnet: 10.9.0.3/29 has host bits set (the network address is 10.9.0.0)'],
    ['too small v4', r({ subnet: '10.9.0.0/31' }), 7, 'ipam.ranges[0][0].subnet: 10.9.0.0/31 is too small to allocate from (at most /30)'],
    ['too small v6', r({ subnet: 'fd00::/127' }), 7, 'ipam.ranges[0][0].subnet: fd00::/127 is too small to allocate from (at most /126)'],
    ['mapped subnet', r({ subnet: '::ffff:10.0.0.0/120' }), 7, 'ipam.ranges[0][0].subnet: ::ffff:10.0.0.0/120: IPv4-mapped IPv6 subnets are not supported, use the IPv4 form'],
    ['rangeStart outside', r({ subnet: '10.9.1.0/29', rangeStart: '10.9.0.1' }), 7, 'ipam.ranges[0][0].rangeStart: 10.9.0.1 is not in subnet 10.9.1.0/29'],
    ['rangeEnd outside', r({ subnet: '10.9.1.0/29', rangeEnd: '10.9.1.8' }), 7, 'ipam.ranges[0][0].rangeEnd: 10.9.1.8 is not in subnet 10.9.1.0/29'],
    ['gateway outside', r({ subnet: '10.9.1.0/29', gateway: '10.9.0.1' }), 7, 'ipam.ranges[0][0].gateway: 10.9.0.1 is not in subnet 10.9.1.0/29'],
    ['gateway other family', r({ subnet: '10.9.1.0/29', gateway: 'fd00::1' }), 7, 'ipam.ranges[0][0].gateway: fd00::1 is IPv6 but the subnet 10.9.1.0/29 is IPv4'],
    ['gateway not an IP', r({ subnet: '10.9.1.0/29', gateway: '10.9.1.x' }), 7, 'ipam.ranges[0][0].gateway: "10.9.1.x" is not an IP address'],
    ['start after end', r({ subnet: '10.9.1.0/29', rangeStart: '10.9.1.5', rangeEnd: '10.9.1.3' }), 7, 'ipam.ranges[0][0].rangeEnd: 10.9.1.3 is before rangeStart 10.9.1.5'],
    ['mixed families', { ranges: [[{ subnet: '10.9.1.0/29' }, { subnet: 'fd00::/64' }]] }, 7, 'ipam.ranges[0][1].subnet: IPv6 range in an IPv4 range set (use one range set per family)'],
    ['overlap in a set', { ranges: [[{ subnet: '10.9.1.0/29' }, { subnet: '10.9.1.0/28' }]] }, 7, 'ipam.ranges[0][1]: 10.9.1.1-10.9.1.14 overlaps ipam.ranges[0][0] (10.9.1.1-10.9.1.6)'],
    ['overlapping sets', { ranges: [[{ subnet: '10.9.1.0/29' }], [{ subnet: '10.9.1.0/28' }]] }, 7, 'ipam.ranges[1]: overlaps ipam.ranges[0]: range sets must be disjoint'],
    ['legacy overlaps ranges', { subnet: '10.9.1.0/24', ranges: [[{ subnet: '10.9.1.0/28' }]] }, 7, 'ipam.ranges[0]: overlaps ipam: range sets must be disjoint'],
    ['legacy bad rangeStart', { subnet: '10.9.1.0/24', rangeStart: '10.9.2.1' }, 7, 'ipam.rangeStart: 10.9.2.1 is not in subnet 10.9.1.0/24'],
    ['relative dataDir', { dataDir: 'var/lib', subnet: '10.9.1.0/24' }, 7, 'ipam.dataDir: "var/lib" must be an absolute path'],
    ['dataDir wrong type', { dataDir: 5, subnet: '10.9.1.0/24' }, 7, 'ipam.dataDir: must be a string, got number 5'],
    ['route without dst', { subnet: '10.9.1.0/24', routes: [{ gw: '10.9.1.1' }] }, 7, 'ipam.routes[0].dst: required'],
    ['route bad dst', { subnet: '10.9.1.0/24', routes: [{ dst: '0.0.0.0/0' }, { dst: '10.0.0.0/40' }] }, 7, 'ipam.routes[1].dst: "10.0.0.0/40" is not a CIDR'],
    ['route gw family', { subnet: '10.9.1.0/24', routes: [{ dst: '::/0', gw: '10.9.1.1' }] }, 7, 'ipam.routes[0].gw: 10.9.1.1 is IPv4 but dst ::/0 is IPv6'],
    ['routes not a list', { subnet: '10.9.1.0/24', routes: 'x' }, 7, 'ipam.routes: must be a list, got "x"'],
    ['resolvConf type', { subnet: '10.9.1.0/24', resolvConf: true }, 7, 'ipam.resolvConf: must be a string, got boolean true'],
    ['ipRanges bad', { subnet: '10.9.1.0/24' }, 7, 'runtimeConfig.ipRanges[0][0].subnet: "x" is not a CIDR', { runtimeConfig: { ipRanges: [[{ subnet: 'x' }]] } }],
    ['CNI_ARGS IP garbage', { subnet: '10.9.1.0/24' }, 4, 'CNI_ARGS IP: "10.9.1.x" is not an IP address', { cniArgs: 'IP=10.9.1.x' }],
    ['CNI_ARGS unknown key', { subnet: '10.9.1.0/24' }, 4, 'CNI_ARGS: unknown key "FOO"', { cniArgs: 'FOO=1' }],
    ['requested outside', { subnet: '10.9.1.0/24' }, 7, 'runtimeConfig.ips[0]: 10.9.2.5 is not in any range set: ipam (10.9.1.1-10.9.1.254)', { runtimeConfig: { ips: ['10.9.2.5'] } }],
    ['requested gateway', { subnet: '10.9.1.0/24' }, 4, 'CNI_ARGS IP: not allocatable: 10.9.1.1 is the gateway of 10.9.1.0/24', { cniArgs: 'IP=10.9.1.1' }],
    ['requested two in a set', { subnet: '10.9.1.0/24' }, 7, 'args.cni.ips[0]: 10.9.1.6 and 10.9.1.5 (CNI_ARGS IP) are both in ipam; a range set gives one address', { cniArgs: 'IP=10.9.1.5', raw: { args: { cni: { ips: ['10.9.1.6'] } } } }],
    ['no allocatable address', r({ subnet: '10.9.1.0/30', rangeStart: '10.9.1.1', rangeEnd: '10.9.1.1' }), 7, 'ipam.ranges[0]: no allocatable address: every address in range is a network, gateway or broadcast address'],
    ['network name as path', { subnet: '10.9.1.0/24' }, 7, 'name: "../x" cannot name a lease directory', { name: '../x' }],
    ['requested wrong type', { subnet: '10.9.1.0/24' }, 7, 'runtimeConfig.ips[0]: must be a string, got number 5', { runtimeConfig: { ips: [5] } }],
  ];
  for (const [name, ipam, code, message, more] of table) {
    it(name, () => rejects(() => parseIpamConfig(input(ipam, more)), code, message));
  }
});

describe('parseIpamConfig', () => {
  it('orders range sets runtimeConfig.ipRanges, legacy, ranges (last_reserved_ip indexes follow)', () => {
    const conf = parseIpamConfig(input(
      { subnet: '10.2.0.0/24', ranges: [[{ subnet: '10.3.0.0/24' }], [{ subnet: 'fd00:3::/64' }]] },
      { runtimeConfig: { ipRanges: [[{ subnet: '10.1.0.0/24' }]] } },
    ));
    assert.deepEqual(conf.rangeSets.map((s) => s.field), ['runtimeConfig.ipRanges[0]', 'ipam', 'ipam.ranges[0]', 'ipam.ranges[1]']);
    assert.deepEqual(conf.rangeSets.map(formatRangeSet), ['10.1.0.1-10.1.0.254', '10.2.0.1-10.2.0.254', '10.3.0.1-10.3.0.254', 'fd00:3::1-fd00:3::ffff:ffff:ffff:ffff']);
  });

  it('defaults dataDir and normalises it', () => {
    assert.deepEqual(parseIpamConfig(input({ subnet: '10.2.0.0/24' })).location, { dataDir: DEFAULT_DATA_DIR, network: 'net1' });
    assert.deepEqual(parseLeaseLocation(input({ dataDir: '/run/x//y/' })), { dataDir: '/run/x/y/', network: 'net1' });
  });

  it('prints routes canonically and keeps a missing gw missing', () => {
    const conf = parseIpamConfig(input({ subnet: '10.2.0.0/24', routes: [{ dst: '0.0.0.0/0' }, { dst: '3ffe:ffff:0:01ff::1/64', gw: '3ffe:ffff:0:01ff::1', mtu: 1400 }] }));
    assert.deepEqual(conf.routes, [{ dst: '0.0.0.0/0' }, { dst: '3ffe:ffff:0:1ff::1/64', gw: '3ffe:ffff:0:1ff::1', mtu: 1400 }]);
  });

  it('collects requested addresses from CNI_ARGS (comma-separated), args and runtimeConfig, one per set', () => {
    const conf = parseIpamConfig(input(
      { ranges: [[{ subnet: '10.2.0.0/24' }], [{ subnet: 'fd00:2::/64' }], [{ subnet: '10.3.0.0/24' }]] },
      {
        cniArgs: 'IgnoreUnknown=1;K8S_POD_NAME=p;IP=10.2.0.7,fd00:2::7;OTHER=x',
        raw: { args: { cni: { ips: ['10.2.0.7'] } } },
        runtimeConfig: { ips: ['::ffff:10.3.0.9/24'] },
      },
    ));
    assert.deepEqual(conf.requested.map((r) => r && `${formatIp(r.ip)} from ${r.source}`), [
      '10.2.0.7 from CNI_ARGS IP', 'fd00:2::7 from CNI_ARGS IP', '10.3.0.9 from runtimeConfig.ips[0]',
    ]);
  });

  it('ignores legacy range keys without a subnet, as host-local does', () => {
    const conf = parseIpamConfig(input({ gateway: '10.9.9.9', ranges: [[{ subnet: '10.2.0.0/24' }]] }));
    assert.equal(conf.rangeSets.length, 1);
  });

  it('DEL needs only the lease location, so edited ranges still release', () => {
    assert.deepEqual(parseLeaseLocation(input({ dataDir: '/tmp/x', ranges: 'garbage' })), { dataDir: '/tmp/x', network: 'net1' });
  });
});
