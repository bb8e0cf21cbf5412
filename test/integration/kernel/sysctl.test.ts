// Sysctls follow the netns of the calling thread: written inside withNetns
// they change the test netns only. The root netns is only ever read.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { withNetns } from '../../../src/kernel/netns.js';
import { ensureSysctl, readSysctl, writeSysctl } from '../../../src/kernel/sysctl.js';
import { createNetns, type TestNetns } from '../../helpers/netns.js';

describe('sysctl', () => {
  let ns: TestNetns;
  let rootForwarding: string;

  before(() => {
    ns = createNetns('pwk');
    rootForwarding = readSysctl('net.ipv4.ip_forward');
  });
  after(() => ns?.remove());

  test('writes inside the netns, and only there', () => {
    withNetns(ns.path, () => writeSysctl('net.ipv4.ip_forward', 1));
    assert.equal(ns.exec('cat', ['/proc/sys/net/ipv4/ip_forward']).trim(), '1');
    assert.equal(withNetns(ns.path, () => readSysctl('net/ipv4/ip_forward')), '1');
    assert.equal(readSysctl('net.ipv4.ip_forward'), rootForwarding, 'root netns untouched');
  });

  test('per-interface keys resolve against the netns interfaces', () => {
    ns.exec('ip', ['link', 'add', 'pw.br', 'type', 'bridge']);
    assert.equal(withNetns(ns.path, () => ensureSysctl('net/ipv4/conf/pw.br/rp_filter', 2)), true);
    assert.equal(withNetns(ns.path, () => ensureSysctl('net/ipv4/conf/pw.br/rp_filter', 2)), false);
    assert.equal(ns.exec('cat', ['/proc/sys/net/ipv4/conf/pw.br/rp_filter']).trim(), '2');
    assert.throws(() => readSysctl('net/ipv4/conf/pw.br/rp_filter'), (e: unknown) => e instanceof KernelError && e.errno === Errno.ENOENT);
  });

  test('a missing key is ENOENT for reads and writes', () => {
    for (const op of [() => readSysctl('net.ipv4.pw_nope'), () => withNetns(ns.path, () => writeSysctl('net.ipv4.pw_nope', 1))]) {
      assert.throws(op, (e: unknown) => e instanceof KernelError && e.errno === Errno.ENOENT);
    }
  });
});
