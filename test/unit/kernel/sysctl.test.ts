import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { sysctlPath } from '../../../src/kernel/sysctl.js';

describe('sysctl keys', () => {
  test('dotted and slashed keys map under /proc/sys', () => {
    assert.equal(sysctlPath('net.ipv4.ip_forward'), '/proc/sys/net/ipv4/ip_forward');
    assert.equal(sysctlPath('net/ipv4/conf/eth0.100/rp_filter'), '/proc/sys/net/ipv4/conf/eth0.100/rp_filter');
    assert.equal(sysctlPath('/net/ipv6/conf/all/forwarding'), '/proc/sys/net/ipv6/conf/all/forwarding');
  });

  test('anything outside net/ or with empty, . or .. segments is EINVAL', () => {
    for (const bad of ['kernel.hostname', 'net', 'net/../kernel/hostname', 'net/ipv4//ip_forward', 'net.ipv4.', 'vm/swappiness', 'net/./x']) {
      assert.throws(() => sysctlPath(bad), (e: unknown) => e instanceof KernelError && e.errno === Errno.EINVAL, bad);
    }
  });
});
