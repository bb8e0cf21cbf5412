// The runner's chain logic with a fake PluginExecutor and an in-memory cache;
// the real processes and disk are covered in test/integration/runner.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { compareVersions, SUPPORTED_VERSIONS } from '../../../src/cni/version.js';
import type { CacheRecord } from '../../../src/core/conflist/cache-record.js';
import { parseConfList } from '../../../src/core/conflist/parse-conflist.js';
import { PluginError, type ProcessOutcome } from '../../../src/core/conflist/plugin-output.js';
import type { PluginExecutor } from '../../../src/cli/cni/plugin-executor.js';
import type { CacheKey, ResultCache } from '../../../src/cli/cni/result-cache.js';
import { CniRunner } from '../../../src/cli/cni/runner.js';

type Json = Record<string, unknown>;

interface Call { type: string; env: Record<string, string>; config: Json }

/** Plugins are functions of (command, config) → outcome; every call is recorded. */
class FakeExecutor implements PluginExecutor {
  readonly calls: Call[] = [];
  constructor(private readonly plugins: Record<string, (command: string, config: Json) => Partial<ProcessOutcome>>) {}
  find(type: string): string | undefined {
    return Object.hasOwn(this.plugins, type) ? `/fake/${type}` : undefined;
  }
  run(path: string, env: Record<string, string>, stdin: string): Promise<ProcessOutcome> {
    const type = path.slice('/fake/'.length);
    const config = JSON.parse(stdin) as Json;
    this.calls.push({ type, env, config });
    const out = this.plugins[type]?.(env.CNI_COMMAND ?? '', config) ?? {};
    return Promise.resolve({ exitCode: 0, signal: null, stdout: '', stderr: '', timedOut: false, ...out });
  }
}

class MemoryCache implements ResultCache {
  readonly records = new Map<string, CacheRecord>();
  private k(key: CacheKey): string {
    return `${key.network}-${key.containerId}-${key.ifname}`;
  }
  pathOf(key: CacheKey): string {
    return `/mem/${this.k(key)}`;
  }
  read(key: CacheKey): CacheRecord | undefined {
    return this.records.get(this.k(key));
  }
  write(r: CacheRecord): void {
    this.records.set(this.k({ network: r.networkName, containerId: r.containerId, ifname: r.ifName }), r);
  }
  remove(key: CacheKey): void {
    this.records.delete(this.k(key));
  }
  list(): CacheRecord[] {
    return [...this.records.values()];
  }
}

/** A main plugin that makes an interface and an address; meta plugins pass prevResult through. */
const main = (version = '1.0.0') => (command: string, config: Json): Partial<ProcessOutcome> =>
  command === 'ADD' ? { stdout: JSON.stringify({ cniVersion: version, interfaces: [{ name: 'eth0', sandbox: '/n' }], ips: [{ address: '10.0.0.2/24', interface: 0 }] }) } : (void config, {});
const passThrough = (command: string, config: Json): Partial<ProcessOutcome> => (command === 'ADD' ? { stdout: JSON.stringify(config.prevResult) } : {});

function setup(plugins: Record<string, (c: string, cfg: Json) => Partial<ProcessOutcome>>, list: Json) {
  const executor = new FakeExecutor(plugins);
  const cache = new MemoryCache();
  const runner = new CniRunner({ executor, cache, versions: { supported: SUPPORTED_VERSIONS, compare: compareVersions }, binDirs: ['/b1', '/b2'], path: '/usr/bin', timeoutMs: 1000 });
  return { executor, cache, runner, list: parseConfList(JSON.stringify(list)) };
}

const att = { containerId: 'c1', netns: '/run/netns/x', ifname: 'eth0', args: [['K8S_POD_NAME', 'web']] as Array<[string, string]>, capabilityArgs: { portMappings: [{ hostPort: 1, containerPort: 2 }] } };
const chain = { cniVersion: '1.0.0', name: 'net', plugins: [{ type: 'main' }, { type: 'meta', capabilities: { portMappings: true } }] };

function fails(p: Promise<unknown>, code: number, msg?: RegExp): Promise<void> {
  return assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof CniError, String(e));
    assert.equal(e.code, code);
    if (msg) assert.match(e.message, msg);
    return true;
  });
}

describe('CniRunner.add', () => {
  test('runs forward, chains prevResult, injects runtimeConfig only where declared, caches the last result', async () => {
    const { executor, cache, runner, list } = setup({ main: main(), meta: passThrough }, chain);
    const result = await runner.add(list, att);
    assert.deepEqual(executor.calls.map((c) => c.type), ['main', 'meta']);
    assert.equal(executor.calls[0]?.config.prevResult, undefined);
    assert.equal(executor.calls[0]?.config.runtimeConfig, undefined);
    assert.deepEqual(executor.calls[1]?.config.runtimeConfig, { portMappings: att.capabilityArgs.portMappings });
    assert.deepEqual((executor.calls[1]?.config.prevResult as Json).ips, [{ interface: 0, address: '10.0.0.2/24' }]);
    assert.equal(executor.calls[1]?.env.CNI_ARGS, 'K8S_POD_NAME=web');
    assert.equal(executor.calls[1]?.env.CNI_PATH, '/b1:/b2');
    assert.deepEqual(result.ips, [{ interface: 0, address: '10.0.0.2/24' }]);
    const rec = cache.read({ network: 'net', containerId: 'c1', ifname: 'eth0' });
    assert.ok(rec);
    assert.deepEqual(rec.result, result);
    assert.equal(rec.config, list.bytes);
    assert.equal(rec.netns, '/run/netns/x');
    assert.deepEqual(rec.cniArgs, att.args);
    assert.deepEqual(rec.capabilityArgs, att.capabilityArgs);
  });

  test('a 0.4.0 result is handed on converted to the list version (1.0.0) but returned as printed', async () => {
    const { executor, runner, list } = setup({ main: main('0.4.0'), meta: passThrough }, chain);
    const result = await runner.add(list, att);
    assert.equal((executor.calls[1]?.config.prevResult as Json).cniVersion, '1.0.0');
    assert.equal(result.cniVersion, '1.0.0'); // meta echoed the converted prevResult
  });

  test('a missing plugin fails with code 7 naming plugins[i].type before any plugin runs', async () => {
    const { executor, runner, list } = setup({ main: main() }, chain);
    await fails(runner.add(list, att), ErrorCode.InvalidNetworkConfig, /^plugins\[1\]\.type: no plugin executable "meta" in \/b1:\/b2$/);
    assert.equal(executor.calls.length, 0);
  });

  test('a result in an unsupported version is refused (code 1) and nothing is cached', async () => {
    const { cache, runner, list } = setup({ main: () => ({ stdout: '{"cniVersion":"0.2.0","ip4":{}}' }), meta: passThrough }, chain);
    await fails(runner.add(list, att), ErrorCode.IncompatibleVersion, /result of plugins\[0\]\.cniVersion/);
    assert.equal(cache.records.size, 0);
  });

  test('no result at all is code 6', async () => {
    const { runner, list } = setup({ main: () => ({}), meta: passThrough }, chain);
    await fails(runner.add(list, att), ErrorCode.DecodeFailure, /printed no result/);
  });

  test('a plugin error stops the chain and is passed through', async () => {
    const { executor, cache, runner, list } = setup({ main: () => ({ exitCode: 1, stdout: '{"code":11,"msg":"busy"}' }), meta: passThrough }, chain);
    await assert.rejects(runner.add(list, att), (e: unknown) => e instanceof PluginError && e.code === 11 && e.plugin.type === 'main');
    assert.equal(executor.calls.length, 1);
    assert.equal(cache.records.size, 0);
  });

  test('identifiers that would escape the cache dir are refused', async () => {
    const { runner, list } = setup({ main: main(), meta: passThrough }, chain);
    await fails(runner.add(list, { ...att, containerId: '../x' }), ErrorCode.InvalidEnvironment);
    await fails(runner.add(list, { ...att, ifname: 'a/b' }), ErrorCode.InvalidEnvironment);
  });
});

describe('CniRunner.check and del', () => {
  test('CHECK runs forward with the cached result and cached args when none are given', async () => {
    const { executor, runner, list } = setup({ main: main(), meta: passThrough }, chain);
    const result = await runner.add(list, att);
    executor.calls.length = 0;
    assert.deepEqual(await runner.check(list, { containerId: 'c1', netns: '/run/netns/x', ifname: 'eth0' }), { ran: true, cniVersion: '1.0.0' });
    assert.deepEqual(executor.calls.map((c) => [c.type, c.env.CNI_COMMAND]), [['main', 'CHECK'], ['meta', 'CHECK']]);
    assert.deepEqual(executor.calls[0]?.config.prevResult, result);
    assert.equal(executor.calls[0]?.env.CNI_ARGS, 'K8S_POD_NAME=web');
    assert.deepEqual(executor.calls[1]?.config.runtimeConfig, { portMappings: att.capabilityArgs.portMappings });
  });

  test('CHECK without a cached result is code 3', async () => {
    const { runner, list } = setup({ main: main(), meta: passThrough }, chain);
    await fails(runner.check(list, att), ErrorCode.UnknownContainer, /no cached result/);
  });

  test('CHECK honours disableCheck and refuses versions before 0.4.0', async () => {
    const off = setup({ main: main() }, { ...chain, disableCheck: true, plugins: [{ type: 'main' }] });
    assert.deepEqual(await off.runner.check(off.list, att), { ran: false, cniVersion: '1.0.0' });
    assert.equal(off.executor.calls.length, 0);
    const old = setup({ main: main() }, { ...chain, cniVersion: '0.3.1', plugins: [{ type: 'main' }] });
    await fails(old.runner.check(old.list, att), ErrorCode.IncompatibleVersion, /does not support the CHECK command/);
  });

  test('DEL runs in reverse with the cached result, then drops the cache entry', async () => {
    const { executor, cache, runner, list } = setup({ main: main(), meta: passThrough }, chain);
    const result = await runner.add(list, att);
    executor.calls.length = 0;
    assert.deepEqual(await runner.del(list, { containerId: 'c1', netns: '', ifname: 'eth0' }), { cniVersion: '1.0.0', usedCachedResult: true });
    assert.deepEqual(executor.calls.map((c) => c.type), ['meta', 'main']);
    assert.deepEqual(executor.calls[0]?.config.prevResult, result);
    assert.equal(executor.calls[0]?.env.CNI_NETNS, '');
    assert.equal(cache.records.size, 0);
  });

  test('DEL without a cache entry still runs, without prevResult', async () => {
    const { executor, runner, list } = setup({ main: main(), meta: passThrough }, chain);
    assert.equal((await runner.del(list, att)).usedCachedResult, false);
    assert.equal(executor.calls.length, 2);
    assert.equal(executor.calls[0]?.config.prevResult, undefined);
  });

  test('DEL stops at the first failure and keeps the cache entry for a retry (libcni)', async () => {
    let failing = false;
    const { executor, cache, runner, list } = setup({ main: main(), meta: (c, cfg) => (failing ? { exitCode: 1, stdout: '{"code":5,"msg":"io"}' } : passThrough(c, cfg)) }, chain);
    await runner.add(list, att);
    failing = true;
    executor.calls.length = 0;
    await assert.rejects(runner.del(list, att), (e: unknown) => e instanceof PluginError && e.code === 5);
    assert.deepEqual(executor.calls.map((c) => c.type), ['meta']);
    assert.equal(cache.records.size, 1);
  });

  test('DEL on a 0.3.1 list does not read the cache (cached DEL results start at 0.4.0)', async () => {
    const { executor, cache, runner, list } = setup({ main: main('0.3.1') }, { ...chain, cniVersion: '0.3.1', plugins: [{ type: 'main' }] });
    await runner.add(list, att);
    executor.calls.length = 0;
    assert.equal((await runner.del(list, att)).usedCachedResult, false);
    assert.equal(executor.calls[0]?.config.prevResult, undefined);
    assert.equal(cache.records.size, 0);
  });
});

describe('CniRunner.gc and status', () => {
  const v11 = { cniVersion: '1.1.0', name: 'net', plugins: [{ type: 'main' }] };

  test('default: every cached attachment is valid, nothing deleted, plugins told the list', async () => {
    const { executor, runner, list } = setup({ main: main('1.1.0') }, v11);
    await runner.add(list, { ...att, containerId: 'a' });
    await runner.add(list, { ...att, containerId: 'b' });
    executor.calls.length = 0;
    const o = await runner.gc(list);
    assert.deepEqual(o.deleted, []);
    assert.equal(o.pluginsCalled, true);
    assert.deepEqual(executor.calls.map((c) => c.env.CNI_COMMAND), ['GC']);
    assert.deepEqual(executor.calls[0]?.config['cni.dev/valid-attachments'], [{ containerID: 'a', ifname: 'eth0' }, { containerID: 'b', ifname: 'eth0' }]);
  });

  test('attachments missing from the runtime list are DELed with their cached netns and args', async () => {
    const { executor, cache, runner, list } = setup({ main: main('1.1.0') }, v11);
    await runner.add(list, { ...att, containerId: 'a' });
    await runner.add(list, { ...att, containerId: 'b', netns: '/run/netns/b' });
    executor.calls.length = 0;
    const o = await runner.gc(list, [{ containerID: 'a', ifname: 'eth0' }]);
    assert.deepEqual(o.deleted, [{ containerID: 'b', ifname: 'eth0' }]);
    assert.deepEqual(executor.calls.map((c) => [c.env.CNI_COMMAND, c.env.CNI_CONTAINERID, c.env.CNI_NETNS]), [['DEL', 'b', '/run/netns/b'], ['GC', '', '']]);
    assert.deepEqual([...cache.records.values()].map((r) => r.containerId), ['a']);
  });

  test('disableGC: nothing at all', async () => {
    const { executor, runner, list } = setup({ main: main('1.1.0') }, { ...v11, disableGC: true });
    await runner.add(list, att);
    executor.calls.length = 0;
    assert.equal((await runner.gc(list, [])).ran, false);
    assert.equal(executor.calls.length, 0);
  });

  test('before 1.1.0: stale attachments deleted, plugins not sent GC', async () => {
    const { executor, runner, list } = setup({ main: main() }, { ...v11, cniVersion: '1.0.0' });
    await runner.add(list, att);
    executor.calls.length = 0;
    const o = await runner.gc(list, []);
    assert.equal(o.pluginsCalled, false);
    assert.deepEqual(executor.calls.map((c) => c.env.CNI_COMMAND), ['DEL']);
  });

  test('STATUS asks each plugin from 1.1.0 on, reports ready without asking before', async () => {
    const s = setup({ main: main('1.1.0') }, v11);
    assert.deepEqual(await s.runner.status(s.list), { ran: true, cniVersion: '1.1.0' });
    assert.deepEqual(s.executor.calls.map((c) => [c.env.CNI_COMMAND, c.config.name]), [['STATUS', 'net']]);
    const old = setup({ main: main() }, { ...v11, cniVersion: '1.0.0' });
    assert.deepEqual(await old.runner.status(old.list), { ran: false, cniVersion: '1.0.0' });
    assert.equal(old.executor.calls.length, 0);
  });

  test('STATUS passes a plugin\'s 50 through', async () => {
    const s = setup({ main: () => ({ exitCode: 1, stdout: '{"code":50,"msg":"not ready"}' }) }, v11);
    await assert.rejects(s.runner.status(s.list), (e: unknown) => e instanceof PluginError && e.code === ErrorCode.PluginNotAvailable);
  });
});
