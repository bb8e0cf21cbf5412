// The runner as a library, the way the lab calls it: createCniRunner +
// parseConfList, in this test process. With hostNetns, plugins must run in
// that namespace, not in ours (the root one): the recorder reports the netns
// it ran in, so this is checked without letting any real plugin near the
// root namespace.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { createCniRunner, parseConfList } from '../../../src/cli/cni/index.js';
import { createNetns, type TestNetns } from '../../helpers/netns.js';
import { makeDirs, readCalls, writeRecorder, type Dirs } from './runner-fixtures.js';

describe('createCniRunner in-process', () => {
  let dirs: Dirs;
  let host: TestNetns | undefined;
  const list = parseConfList(JSON.stringify({ cniVersion: '1.0.0', name: 'pwr-lib', plugins: [{ type: 'rec-a' }, { type: 'rec-b', capabilities: { mac: true } }] }));
  const att = { containerId: 'lib-1', netns: '/run/netns/pwr-lib-unused', ifname: 'eth0', capabilityArgs: { mac: 'c2:00:00:00:00:01' } };

  before(() => {
    dirs = makeDirs();
    host = createNetns('pwr');
    writeRecorder(dirs, 'rec-a');
    writeRecorder(dirs, 'rec-b');
  });

  after(() => {
    host?.remove();
    rmSync(dirs.root, { recursive: true, force: true });
  });

  test('add/check/del run every plugin inside hostNetns and keep the cache', async () => {
    assert.ok(host);
    const runner = createCniRunner({ binDirs: [dirs.bin], cacheDir: dirs.cache, hostNetns: host.path, timeoutMs: 20_000 });
    const result = await runner.add(list, att);
    assert.deepEqual(result.ips, [{ interface: 0, address: '10.99.0.5/24' }]);
    assert.ok(existsSync(join(dirs.cache, 'results', 'pwr-lib-lib-1-eth0')));
    assert.deepEqual(await runner.check(list, att), { ran: true, cniVersion: '1.0.0' });
    assert.deepEqual(await runner.del(list, { ...att, capabilityArgs: undefined }), { cniVersion: '1.0.0', usedCachedResult: true });
    assert.equal(existsSync(join(dirs.cache, 'results', 'pwr-lib-lib-1-eth0')), false);

    const calls = readCalls(dirs);
    assert.deepEqual(calls.map((c) => `${c.type}:${c.command}`), ['rec-a:ADD', 'rec-b:ADD', 'rec-a:CHECK', 'rec-b:CHECK', 'rec-b:DEL', 'rec-a:DEL']);
    const hostNs = `net:[${statSync(host.path).ino}]`;
    assert.notEqual(hostNs, readlinkSync('/proc/self/ns/net'));
    for (const c of calls) assert.equal(c.ownNetns, hostNs, `${c.type} ${c.command} ran outside the host netns`);
    assert.deepEqual(calls.find((c) => c.command === 'DEL')?.config.runtimeConfig, { mac: att.capabilityArgs.mac });
  });

  test('a hostNetns that does not exist fails the plugin call, with nsenter\'s reason', async () => {
    const runner = createCniRunner({ binDirs: [dirs.bin], cacheDir: dirs.cache, hostNetns: '/run/netns/pwr-does-not-exist' });
    await assert.rejects(runner.add(list, { ...att, containerId: 'lib-2' }), (e: unknown) => e instanceof CniError && e.code === ErrorCode.DelegateFailed && /nsenter/.test(e.details ?? ''));
  });
});
