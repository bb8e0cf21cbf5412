import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import {
  broadcastBytes, formatIp, formatMac, networkBytes, parseCidr, parseIp, parseMac,
} from '../../../src/kernel/netlink/ip-bytes.js';

describe('IP and MAC bytes', () => {
  test('IPv6 round trips into RFC 5952 text', () => {
    const cases: Array<[string, string, string]> = [
      ['::1', '00000000000000000000000000000001', '::1'],
      ['::', '00000000000000000000000000000000', '::'],
      ['FD00:0:0:0:0:0:0:1', 'fd000000000000000000000000000001', 'fd00::1'],
      ['2001:db8:0:0:1:0:0:1', '20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
      ['2001:db8:0:1:1:1:1:1', '20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
      ['fe80::a:b', 'fe8000000000000000000000000a000b', 'fe80::a:b'],
      ['1::', '00010000000000000000000000000000', '1::'],
      ['::ffff:10.1.2.3', '00000000000000000000ffff0a010203', '::ffff:a01:203'],
    ];
    for (const [input, hex, text] of cases) {
      const ip = parseIp(input);
      assert.equal(ip.family, 6, input);
      assert.equal(ip.bytes.toString('hex'), hex, input);
      assert.equal(formatIp(ip.bytes), text, input);
    }
  });

  test('IPv4 round trips', () => {
    for (const text of ['0.0.0.0', '10.22.0.5', '255.255.255.255', '127.0.0.1']) {
      const ip = parseIp(text);
      assert.equal(ip.family, 4);
      assert.equal(formatIp(ip.bytes), text);
    }
  });

  test('anything but a literal address is EINVAL', () => {
    for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.0.0.1', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', 'g::1', 'localhost', ' 1.2.3.4']) {
      assert.throws(() => parseIp(bad), (e: unknown) => e instanceof KernelError && e.errno === Errno.EINVAL, JSON.stringify(bad));
    }
  });

  test('CIDRs keep host bits and check the prefix range', () => {
    assert.deepEqual(parseCidr('10.1.2.3/24'), { family: 4, bytes: Buffer.from([10, 1, 2, 3]), prefixLen: 24 });
    assert.equal(parseCidr('fd00::5/64').prefixLen, 64);
    for (const bad of ['10.1.2.3', '10.1.2.3/33', 'fd00::/129', '10.0.0.0/-1', '10.0.0.0/08', '10.0.0.0/']) {
      assert.throws(() => parseCidr(bad), KernelError, bad);
    }
  });

  test('network and broadcast bytes', () => {
    const { bytes } = parseCidr('10.1.2.3/23');
    assert.equal(formatIp(networkBytes(bytes, 23)), '10.1.2.0');
    assert.equal(formatIp(broadcastBytes(bytes, 23)), '10.1.3.255');
    assert.equal(formatIp(networkBytes(parseIp('fd00:1:2:3::9').bytes, 48)), 'fd00:1:2::');
    assert.equal(formatIp(networkBytes(bytes, 0)), '0.0.0.0');
    assert.equal(formatIp(broadcastBytes(bytes, 32)), '10.1.2.3');
  });

  test('MAC addresses', () => {
    assert.equal(formatMac(parseMac('0A:58:0a:f4:00:01')), '0a:58:0a:f4:00:01');
    for (const bad of ['0a:58:0a:f4:00', '0a-58-0a-f4-00-01', 'zz:58:0a:f4:00:01']) {
      assert.throws(() => parseMac(bad), KernelError, bad);
    }
  });
});
