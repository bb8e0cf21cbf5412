// Lease files in host-local's byte format, which leases DEL and GC pick,
// resolv.conf parsing and CHECK's comparison with prevResult.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { formatIp } from '../../../src/core/ip/address.js';
import { checkLeases } from '../../../src/core/ipam/check.js';
import { parseIpamConfig } from '../../../src/core/ipam/config.js';
import { formatLeaseFile, leasesToCollect, leasesToRelease, parseLeaseFile, type Lease } from '../../../src/core/ipam/lease.js';
import { parseResolvConf } from '../../../src/core/ipam/resolv-conf.js';
import { ip } from './helpers.js';

describe('lease file format', () => {
  it('writes host-local 1.1.1 bytes: id CRLF ifname, no trailing newline', () => {
    assert.equal(formatLeaseFile({ containerId: 'c1', ifname: 'eth0' }), 'c1\r\neth0');
    assert.equal(formatLeaseFile({ containerId: ' c1 ', ifname: 'eth0' }), 'c1\r\neth0');
  });
  const table: Array<[string, ReturnType<typeof parseLeaseFile>]> = [
    ['c1\r\neth0', { containerId: 'c1', ifname: 'eth0' }],
    ['c1\r\neth0\n', { containerId: 'c1', ifname: 'eth0' }],
    ['c1', { containerId: 'c1' }],
    ['c1\n', { containerId: 'c1' }],
    ['', undefined],
    ['  \n', undefined],
  ];
  for (const [text, want] of table) {
    it(`parses ${JSON.stringify(text)}`, () => assert.deepEqual(parseLeaseFile(text), want));
  }
});

const L = (addr: string, text: string): Lease => ({ ip: ip(addr), owner: parseLeaseFile(text) });
const names = (ls: Lease[]) => ls.map((l) => formatIp(l.ip)).sort();

describe('which leases DEL and GC release', () => {
  const leases = [L('10.0.0.2', 'c1\r\neth0'), L('fd00::2', 'c1\r\neth0'), L('10.0.0.3', 'c1\r\neth1'), L('10.0.0.4', 'c1'), L('10.0.0.5', 'c2\r\neth0'), L('10.0.0.6', '')];
  it('DEL releases exact matches in every range, and then not the legacy ones', () => {
    assert.deepEqual(names(leasesToRelease(leases, { containerId: 'c1', ifname: 'eth0' })), ['10.0.0.2', 'fd00::2']);
  });
  it('DEL falls back to legacy (id only) files when nothing matches exactly', () => {
    assert.deepEqual(names(leasesToRelease(leases, { containerId: 'c1', ifname: 'eth9' })), ['10.0.0.4']);
    assert.deepEqual(names(leasesToRelease(leases, { containerId: 'nobody', ifname: 'eth0' })), []);
  });
  it('GC keeps valid attachments, legacy leases of valid containers, and drops the rest (empty files too)', () => {
    assert.deepEqual(names(leasesToCollect(leases, [{ containerId: 'c1', ifname: 'eth0' }])), ['10.0.0.3', '10.0.0.5', '10.0.0.6']);
    assert.deepEqual(names(leasesToCollect(leases, [])), names(leases));
  });
});

describe('parseResolvConf', () => {
  it('follows host-local: comments, accumulated search and options, first value wins per line', () => {
    const text = '# generated\n; also a comment\nnameserver 10.0.0.53\nnameserver fd00::53 extra\ndomain example.com\nsearch a.example b.example\nsearch c.example\noptions ndots:5 edns0\nsortlist 10.0.0.0\nnameserver\n';
    assert.deepEqual(parseResolvConf(text), {
      nameservers: ['10.0.0.53', 'fd00::53'], domain: 'example.com', search: ['a.example', 'b.example', 'c.example'], options: ['ndots:5', 'edns0'],
    });
    assert.deepEqual(parseResolvConf(''), {});
  });
});

describe('checkLeases', () => {
  const conf = parseIpamConfig({ name: 'n', ipam: { ranges: [[{ subnet: '10.0.0.0/24' }], [{ subnet: 'fd00::/64' }]] }, raw: {}, runtimeConfig: {}, cniArgs: '' });
  const who = { containerId: 'c1', ifname: 'eth0' };
  const held = [L('10.0.0.2', 'c1\r\neth0'), L('fd00::2', 'c1\r\neth0')];
  const prev = (...addresses: string[]) => ({ cniVersion: '1.1.0', ips: addresses.map((address) => ({ address })) });
  const fails = (leases: Lease[], p: ReturnType<typeof prev> | undefined, message: string) =>
    assert.throws(() => checkLeases(conf.rangeSets, leases, who, p), (e: unknown) => e instanceof CniError && e.code === ErrorCode.CheckFailed && e.msg === message);

  it('passes when the leases match prevResult (foreign addresses ignored)', () => {
    checkLeases(conf.rangeSets, held, who, prev('10.0.0.2/24', 'fd00::2/64', '192.168.1.1/32'));
    checkLeases(conf.rangeSets, held, who, undefined);
  });
  it('fails without a lease in a set', () => fails([held[0] as Lease], undefined, 'ipam.ranges[1]: no lease for c1 (eth0)'));
  it('fails when prevResult lacks a leased address', () => fails(held, prev('10.0.0.2/24'), 'ipam.ranges[1]: fd00::2 is leased to c1 (eth0) but missing from prevResult'));
  it('fails on a prefix mismatch', () => fails(held, prev('10.0.0.2/16', 'fd00::2/64'), 'prevResult.ips[0]: prefix /16 does not match the lease\'s subnet /24'));
  it('fails when prevResult claims an address of our range that is not leased to it', () =>
    fails(held, prev('10.0.0.2/24', 'fd00::2/64', '10.0.0.9/24'), 'prevResult.ips[2]: 10.0.0.9 is in ipam.ranges[0] but not leased to c1 (eth0)'));
});
