// withNetns / openNetns against real namespaces: the thread really moves,
// always comes back, and failures are typed. Everything happens in pwk*
// namespaces removed in after hooks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readlinkSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../../src/cni/errors.js';
import { Errno, KernelError } from '../../../src/kernel/kernel-error.js';
import { CURRENT_THREAD_NETNS, isSameNetns, openNetns, withNetns } from '../../../src/kernel/netns.js';
import { createNetns, type TestNetns } from '../../helpers/netns.js';

const threadNetnsInode = (): string => readlinkSync('/proc/thread-self/ns/net');

describe('withNetns', () => {
  let ns: TestNetns;
  let home: string;

  before(() => {
    ns = createNetns('pwk');
    home = threadNetnsInode();
  });
  after(() => ns.remove());

  test('runs fn inside the target and returns its value, then switches back', () => {
    const inside = withNetns(ns.path, () => threadNetnsInode());
    assert.equal(inside, `net:[${statSync(ns.path).ino}]`);
    assert.notEqual(inside, home);
    assert.equal(threadNetnsInode(), home);
  });

  test('switches back when fn throws, and the error passes through', () => {
    const boom = new Error('boom');
    assert.throws(() => withNetns(ns.path, () => { throw boom; }), (e: unknown) => e === boom);
    assert.equal(threadNetnsInode(), home);
  });

  test('refuses async fn, after switching back', async () => {
    let ran = '';
    assert.throws(() => withNetns(ns.path, async () => { ran = threadNetnsInode(); }), TypeError);
    assert.equal(ran, `net:[${statSync(ns.path).ino}]`, 'the synchronous part did run inside');
    assert.equal(threadNetnsInode(), home);
  });

  test('accepts an open NetnsFile and nests', () => {
    const file = openNetns(ns.path);
    try {
      const seen = withNetns(file, () => [threadNetnsInode(), withNetns(CURRENT_THREAD_NETNS, threadNetnsInode), threadNetnsInode()]);
      const target = `net:[${statSync(ns.path).ino}]`;
      assert.deepEqual(seen, [target, target, target]);
    } finally {
      file.close();
    }
    assert.equal(threadNetnsInode(), home);
  });

  test('a missing netns is ENOENT with the NetnsNotFound CNI code', () => {
    assert.throws(() => withNetns('/run/netns/pwk-does-not-exist', () => 1), (e: unknown) =>
      e instanceof KernelError && e.errno === Errno.ENOENT && e.cniCode === ErrorCode.NetnsNotFound && e.target === '/run/netns/pwk-does-not-exist');
    assert.throws(() => openNetns(''), (e: unknown) => e instanceof KernelError && e.cniCode === ErrorCode.NetnsNotFound);
  });

  test('a file that is not a netns is EINVAL and leaves the thread home', () => {
    const path = join(tmpdir(), `pwk-not-a-netns-${process.pid}`);
    writeFileSync(path, 'x');
    try {
      assert.throws(() => withNetns(path, () => 1), (e: unknown) => e instanceof KernelError && e.errno === Errno.EINVAL && e.cniCode === ErrorCode.KernelFailure);
    } finally {
      rmSync(path, { force: true });
    }
    assert.equal(threadNetnsInode(), home);
  });

  test('isSameNetns tells namespaces apart', () => {
    assert.equal(isSameNetns(ns.path, ns.path), true);
    assert.equal(isSameNetns(ns.path, CURRENT_THREAD_NETNS), false);
    assert.equal(withNetns(ns.path, () => isSameNetns(ns.path, CURRENT_THREAD_NETNS)), true);
  });
});
