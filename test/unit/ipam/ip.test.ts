// IP and CIDR math: parsing, Go-compatible formatting (lease file names
// depend on it), arithmetic and containment.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareIp, formatIp, ipAdd, ipEquals, tryParseIp, unmapIpv4 } from '../../../src/core/ip/address.js';
import { cidrContains, cidrsOverlap, formatCidr, hasHostBits, lastOf, maskOf, networkOf, sizeOf, tryParseCidr } from '../../../src/core/ip/cidr.js';

function ip(text: string) {
  const v = tryParseIp(text);
  assert.ok(v, `test input ${text} must parse`);
  return v;
}

describe('tryParseIp / formatIp', () => {
  const canonical: Array<[string, string, 4 | 6]> = [
    ['10.1.2.3', '10.1.2.3', 4],
    ['0.0.0.0', '0.0.0.0', 4],
    ['255.255.255.255', '255.255.255.255', 4],
    ['2001:db8::1', '2001:db8::1', 6],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1', 6],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6], // a single zero group is not compressed
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1', 6], // the longest run wins
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6], // leftmost on ties
    ['::', '::', 6],
    ['::1', '::1', 6],
    ['1::', '1::', 6],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0', 6],
    ['FD00::ABCD', 'fd00::abcd', 6],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304', 6],
    ['3ffe:ffff:0:01ff::0010', '3ffe:ffff:0:1ff::10', 6],
  ];
  for (const [input, output, family] of canonical) {
    it(`${input} → ${output}`, () => {
      const parsed = ip(input);
      assert.equal(parsed.family, family);
      assert.equal(formatIp(parsed), output);
      assert.deepEqual(tryParseIp(output), parsed);
    });
  }

  const invalid = ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1.2.3.-4', ' 1.2.3.4', '1:2:3:4:5:6:7:8:9', '1::2::3', ':::', 'fe80::1%eth0',
    '12345::', 'g::1', '1:2:3:4:5:6:7:8::', '::1.2.3', '[::1]', '10.0.0.1/24'];
  for (const input of invalid) {
    it(`rejects ${JSON.stringify(input)}`, () => assert.equal(tryParseIp(input), undefined));
  }

  it('unmaps IPv4-mapped IPv6 addresses as Go To4() does', () => {
    assert.deepEqual(unmapIpv4(ip('::ffff:10.1.2.3')), ip('10.1.2.3'));
    assert.deepEqual(unmapIpv4(ip('2001:db8::1')), ip('2001:db8::1'));
  });
});

describe('address arithmetic', () => {
  it('adds within the family and refuses to leave it', () => {
    assert.equal(formatIp(ipAdd(ip('10.0.0.255'), 1n) ?? ip('0.0.0.0')), '10.0.1.0');
    assert.equal(ipAdd(ip('255.255.255.255'), 1n), undefined);
    assert.equal(ipAdd(ip('0.0.0.0'), -1n), undefined);
    assert.equal(formatIp(ipAdd(ip('fd00::ffff'), 1n) ?? ip('::')), 'fd00::1:0');
  });
  it('orders IPv4 before IPv6, then numerically', () => {
    assert.ok(compareIp(ip('10.0.0.2'), ip('10.0.0.10')) < 0);
    assert.ok(compareIp(ip('255.255.255.255'), ip('::')) < 0);
    assert.equal(compareIp(ip('fd00::1'), ip('fd00:0::1')), 0);
    assert.ok(ipEquals(ip('::ffff:0:0'), ip('::ffff:0.0.0.0')));
  });
});

describe('CIDR', () => {
  const table: Array<{ text: string; network: string; last: string; size: bigint; hostBits: boolean }> = [
    { text: '10.1.2.0/24', network: '10.1.2.0', last: '10.1.2.255', size: 256n, hostBits: false },
    { text: '10.1.2.3/24', network: '10.1.2.0', last: '10.1.2.255', size: 256n, hostBits: true },
    { text: '10.1.2.3/32', network: '10.1.2.3', last: '10.1.2.3', size: 1n, hostBits: false },
    { text: '0.0.0.0/0', network: '0.0.0.0', last: '255.255.255.255', size: 1n << 32n, hostBits: false },
    { text: 'fd00:1::/64', network: 'fd00:1::', last: 'fd00:1::ffff:ffff:ffff:ffff', size: 1n << 64n, hostBits: false },
    { text: 'fd00:1::5/125', network: 'fd00:1::', last: 'fd00:1::7', size: 8n, hostBits: true },
  ];
  for (const row of table) {
    it(row.text, () => {
      const c = tryParseCidr(row.text);
      assert.ok(c);
      assert.equal(formatIp(networkOf(c)), row.network);
      assert.equal(formatIp(lastOf(c)), row.last);
      assert.equal(sizeOf(c), row.size);
      assert.equal(hasHostBits(c), row.hostBits);
      assert.equal(formatCidr(c), row.text);
    });
  }
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0.0/08', 'fd00::/129', 'x/24', '10.0.0.0/', '/24']) {
    it(`rejects ${bad}`, () => assert.equal(tryParseCidr(bad), undefined));
  }
  it('computes masks', () => {
    assert.equal(maskOf(4, 24), 0xffffff00n);
    assert.equal(maskOf(4, 0), 0n);
    assert.equal(maskOf(6, 128), (1n << 128n) - 1n);
  });
  it('tests containment and overlap per family', () => {
    const net = tryParseCidr('10.1.0.0/16');
    assert.ok(net);
    assert.equal(cidrContains(net, ip('10.1.255.255')), true);
    assert.equal(cidrContains(net, ip('10.2.0.0')), false);
    assert.equal(cidrContains(net, ip('::a01:1')), false);
    const overlap = (a: string, b: string) => cidrsOverlap(tryParseCidr(a) ?? net, tryParseCidr(b) ?? net);
    assert.equal(overlap('10.1.0.0/16', '10.1.200.0/24'), true);
    assert.equal(overlap('10.1.200.0/24', '10.1.0.0/16'), true);
    assert.equal(overlap('10.1.0.0/24', '10.1.1.0/24'), false);
    assert.equal(overlap('0.0.0.0/0', '::/0'), false);
  });
});
