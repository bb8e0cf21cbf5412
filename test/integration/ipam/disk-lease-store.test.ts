// DiskLeaseStore on a real filesystem: host-local's bytes and names, the
// flock shared with other processes (util-linux flock(1) takes the same
// lock host-local does), and recovery from what killed writers leave.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, linkSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { formatIp, tryParseIp, type IpAddress } from '../../../src/core/ip/address.js';
import { DiskLeaseStore } from '../../../src/store/disk-lease-store.js';
import { libcFlock } from '../../../src/store/flock.js';
import { makeDataDir, type TempDir } from './helpers.js';

function ip(text: string): IpAddress {
  const v = tryParseIp(text);
  assert.ok(v);
  return v;
}

describe('DiskLeaseStore', () => {
  const dirs: TempDir[] = [];
  after(() => {
    for (const d of dirs) d.remove();
  });
  const store = (lockTimeoutMs = 5000) => {
    const d = makeDataDir();
    dirs.push(d);
    return { data: d.path, store: new DiskLeaseStore({ dataDir: d.path, network: 'net' }, { lockTimeoutMs, flock: libcFlock }) };
  };

  it('writes host-local files: <ip> = "id\\r\\nifname", last_reserved_ip.<set>, lock', async () => {
    const { store: s } = store();
    const ok = await s.withLock((tx) => [tx.reserve(ip('10.0.0.2'), { containerId: 'c1', ifname: 'eth0' }, 0), tx.reserve(ip('fd00::a'), { containerId: 'c1', ifname: 'eth0' }, 1)]);
    assert.deepEqual(ok, [true, true]);
    assert.deepEqual(readdirSync(s.dir).sort(), ['10.0.0.2', 'fd00::a', 'last_reserved_ip.0', 'last_reserved_ip.1', 'lock']);
    assert.equal(readFileSync(join(s.dir, '10.0.0.2'), 'utf8'), 'c1\r\neth0');
    assert.equal(readFileSync(join(s.dir, 'last_reserved_ip.1'), 'utf8'), 'fd00::a');
    const again = await s.withLock((tx) => tx.reserve(ip('10.0.0.2'), { containerId: 'c2', ifname: 'eth0' }, 0));
    assert.equal(again, false, 'an existing lease is never overwritten');
    assert.equal(readFileSync(join(s.dir, '10.0.0.2'), 'utf8'), 'c1\r\neth0');
  });

  it('recovers from killed writers: stray temporaries (even hard links to live leases) go, leases stay intact', async () => {
    const { store: s } = store();
    await s.withLock((tx) => tx.reserve(ip('10.0.0.2'), { containerId: 'c1', ifname: 'eth0' }, 0));
    // Killed after link(2), before unlinking its temporary: a second name for the live lease.
    linkSync(join(s.dir, '10.0.0.2'), join(s.dir, '.podwire-tmp.999999.0'));
    // Killed before link(2): a complete but unlinked temporary.
    writeFileSync(join(s.dir, '.podwire-tmp.999999.1'), 'c9\r\neth0');
    // host-local killed between create and write: an empty lease. And a garbled last_reserved_ip.
    writeFileSync(join(s.dir, '10.0.0.3'), '');
    writeFileSync(join(s.dir, 'last_reserved_ip.0'), '10.0.');
    const seen = await s.withLock((tx) => ({ leases: tx.leases(), last: tx.lastReserved(0) }));
    assert.deepEqual(seen.leases.map((l) => [formatIp(l.ip), l.owner]).sort(), [['10.0.0.2', { containerId: 'c1', ifname: 'eth0' }], ['10.0.0.3', undefined]]);
    assert.equal(seen.last, undefined);
    assert.deepEqual(readdirSync(s.dir).sort(), ['10.0.0.2', '10.0.0.3', 'last_reserved_ip.0', 'lock']);
    assert.equal(readFileSync(join(s.dir, '10.0.0.2'), 'utf8'), 'c1\r\neth0');
  });

  it('ignores entries that are not canonical lease names', async () => {
    const { store: s } = store();
    await s.withLock(() => undefined);
    for (const name of ['010.0.0.2', 'FD00::1', 'notes.txt']) writeFileSync(join(s.dir, name), 'c1\r\neth0');
    assert.deepEqual(await s.withLock((tx) => tx.leases()), []);
  });

  it('withExistingLock creates nothing when the network directory is absent', async () => {
    const { data, store: s } = store();
    assert.equal(await s.withExistingLock(() => 'ran'), undefined);
    assert.deepEqual(readdirSync(data), []);
    assert.equal(s.writeProblem(), undefined);
  });

  it('shares the flock with other processes and answers 11 when it stays busy', async () => {
    const { store: s } = store(300);
    await s.withLock(() => undefined);
    const holder = await holdLock(s, 30);
    try {
      await assert.rejects(s.withLock(() => undefined), (e: unknown) => e instanceof CniError && e.code === ErrorCode.TryAgainLater && /still held by another process after 300 ms/.test(e.msg));
    } finally {
      await holder.release();
    }
    assert.equal(await s.withLock(() => 'free again'), 'free again');
  });

  it('waits for a short-lived holder instead of failing', async () => {
    const { store: s } = store(10_000);
    await s.withLock(() => undefined);
    const holder = await holdLock(s, 0.6);
    try {
      const started = Date.now();
      assert.equal(await s.withLock(() => 'got it'), 'got it');
      const waited = Date.now() - started;
      assert.ok(waited > 100 && waited < 5000, `waited ${waited} ms`);
    } finally {
      await holder.release();
    }
  });

  it('reports a data directory ADD could not use, without creating anything', () => {
    const d = makeDataDir();
    dirs.push(d);
    const file = join(d.path, 'file');
    writeFileSync(file, '');
    const s = new DiskLeaseStore({ dataDir: file, network: 'net' }, { lockTimeoutMs: 100, flock: libcFlock });
    assert.equal(s.writeProblem(), `${file} is not a directory`);
    assert.ok(!existsSync(join(file, 'net')));
  });
});

/**
 * Holds the store's lock from another process for `seconds`: flock(1) takes
 * LOCK_EX on the same file, as host-local's go-filemutex does. Resolves once
 * the lock is observably taken; release() kills flock and its child.
 */
async function holdLock(s: DiskLeaseStore, seconds: number): Promise<{ release(): Promise<void> }> {
  const child = spawn('flock', ['--exclusive', join(s.dir, 'lock'), 'sleep', String(seconds)], { stdio: 'ignore', detached: true });
  const closed = new Promise((resolve) => child.once('close', resolve));
  const probe = new DiskLeaseStore({ dataDir: join(s.dir, '..'), network: 'net' }, { lockTimeoutMs: 10, flock: libcFlock });
  const deadline = Date.now() + 5000;
  for (;;) {
    const busy = await probe.withLock(() => false).catch((e: unknown) => e instanceof CniError && e.code === ErrorCode.TryAgainLater);
    if (busy) break;
    if (Date.now() > deadline) throw new Error('flock(1) never took the lock');
    await new Promise((r) => setTimeout(r, 10));
  }
  return {
    async release() {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Already gone: the short holder finished by itself.
      }
      await closed;
    },
  };
}
