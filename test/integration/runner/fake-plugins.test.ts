// The runner's protocol behaviour through the built CLI with recording fake
// plugins only: error pass-through, missing plugins, timeouts, GC, STATUS,
// disableCheck, .conf wrapping, version negotiation, DEL from the cached
// config. No namespace is created and the kernel is not touched: the fakes
// never look at CNI_NETNS.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { clearCalls, dirArgs, makeDirs, PODWIRECTL, readCalls, runCtl, writeConf, writeRecorder, type Dirs } from './runner-fixtures.js';

const NETNS = '/run/netns/pwr-fake-not-used';

describe('podwirectl cni with fake plugins', () => {
  let dirs: Dirs;
  const ctl = (args: string[]) => runCtl(['cni', ...args, ...dirArgs(dirs)]);
  const cached = () => (existsSync(join(dirs.cache, 'results')) ? readdirSync(join(dirs.cache, 'results')).sort() : []);
  const list = (name: string, plugins: unknown[], extra: Record<string, unknown> = {}) => ({ cniVersion: '1.1.0', name, plugins, ...extra });

  before(() => {
    assert.ok(existsSync(PODWIRECTL), `${PODWIRECTL} missing: run npm run build`);
    dirs = makeDirs();
    for (const t of ['rec-a', 'rec-b']) writeRecorder(dirs, t);
  });

  afterEach(() => {
    clearCalls(dirs);
    rmSync(join(dirs.cache, 'results'), { recursive: true, force: true });
    for (const f of readdirSync(dirs.conf)) rmSync(join(dirs.conf, f));
  });

  after(() => rmSync(dirs.root, { recursive: true, force: true }));

  test('a plugin\'s CNI error comes out verbatim with --json, exit 1, nothing cached', () => {
    writeConf(dirs, 'n.conflist', list('pwr-err', [{ type: 'rec-a' }, { type: 'rec-b', recorder: { failOn: 'ADD', code: 142, msg: 'pool empty', details: '10.0.0.0/30' } }]));
    const r = ctl(['add', 'pwr-err', NETNS, '--container-id', 'c1', '--json']);
    assert.equal(r.status, 1);
    assert.deepEqual(r.json, { code: 142, msg: 'pool empty', details: '10.0.0.0/30' });
    assert.match(r.stderr, /plugin type="rec-b" \(plugins\[1\]\) failed \(add\): pool empty: 10\.0\.0\.0\/30 \(code 142\)/);
    assert.deepEqual(cached(), []);
    const plain = ctl(['add', 'pwr-err', NETNS, '--container-id', 'c1']);
    assert.equal(plain.status, 1);
    assert.equal(plain.stdout, '');
  });

  test('a missing plugin is named before anything runs', () => {
    writeConf(dirs, 'n.conflist', list('pwr-miss', [{ type: 'rec-a' }, { type: 'pwr-no-such-plugin' }]));
    const r = ctl(['add', 'pwr-miss', NETNS, '--json']);
    assert.equal(r.status, 1);
    assert.deepEqual(r.json, { code: 7, msg: `plugins[1].type: no plugin executable "pwr-no-such-plugin" in ${dirs.bin}` });
    assert.deepEqual(readCalls(dirs), []);
  });

  test('a hung plugin is killed at the timeout', () => {
    writeConf(dirs, 'n.conflist', list('pwr-slow', [{ type: 'rec-a', recorder: { sleepMs: 20000 } }]));
    const started = Date.now();
    const r = ctl(['add', 'pwr-slow', NETNS, '--timeout', '0.5', '--json']);
    assert.equal(r.status, 1);
    assert.ok(Date.now() - started < 10000, 'did not wait for the plugin');
    assert.equal((r.json as { code: number }).code, 107);
    assert.match((r.json as { msg: string }).msg, /timed out \(add\) after 500 ms/);
  });

  test('an unknown network is code 7 naming the directory', () => {
    const r = ctl(['check', 'pwr-nowhere', NETNS, '--json']);
    assert.equal(r.status, 1);
    assert.deepEqual(r.json, { code: 7, msg: 'network "pwr-nowhere": not found', details: `no .conflist, .conf or .json file in ${dirs.conf} has "name": "pwr-nowhere"` });
  });

  test('a broken file names the file and the field', () => {
    writeConf(dirs, '00-broken.conflist', list('x', [{ type: 'rec-a', capabilities: { portMappings: 'yes' } }]));
    const r = ctl(['add', 'pwr-any', NETNS, '--json']);
    assert.equal(r.status, 1);
    assert.deepEqual(r.json, { code: 7, msg: '00-broken.conflist: plugins[0].capabilities.portMappings: must be a boolean' });
  });

  test('cniVersions: the highest supported version is negotiated', () => {
    writeConf(dirs, 'n.conflist', { cniVersion: '0.4.0', cniVersions: ['1.0.0', '1.1.0', '9.9.9'], name: 'pwr-ver', plugins: [{ type: 'rec-a', cniVersion: '0.3.1' }] });
    const r = ctl(['add', 'pwr-ver', NETNS]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readCalls(dirs)[0]?.config.cniVersion, '1.1.0');
    assert.equal((r.json as { cniVersion: string }).cniVersion, '1.1.0');
  });

  test('a single-plugin .conf is run as a one-plugin list and cached as libcni wraps it', () => {
    writeConf(dirs, '10-single.conf', { cniVersion: '1.0.0', name: 'pwr-single', type: 'rec-a' });
    const r = ctl(['add', 'pwr-single', NETNS, '--container-id', 'c1']);
    assert.equal(r.status, 0, r.stderr);
    const rec = JSON.parse(readFileSync(join(dirs.cache, 'results', 'pwr-single-c1-eth0'), 'utf8')) as { config: string };
    assert.equal(Buffer.from(rec.config, 'base64').toString(), '{"cniVersion":"1.0.0","name":"pwr-single","plugins":[{"cniVersion":"1.0.0","name":"pwr-single","type":"rec-a"}]}');
  });

  test('disableCheck: check succeeds without calling any plugin', () => {
    writeConf(dirs, 'n.conflist', list('pwr-nocheck', [{ type: 'rec-a' }], { disableCheck: true }));
    assert.equal(ctl(['add', 'pwr-nocheck', NETNS]).status, 0);
    clearCalls(dirs);
    const r = ctl(['check', 'pwr-nocheck', NETNS, '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((r.json as { ran: boolean }).ran, false);
    assert.deepEqual(readCalls(dirs), []);
  });

  test('gc: attachments the runtime no longer lists are deleted with their cached args, plugins get GC', () => {
    writeConf(dirs, 'n.conflist', list('pwr-gc', [{ type: 'rec-a' }, { type: 'rec-b' }]));
    assert.equal(ctl(['add', 'pwr-gc', '/run/netns/pwr-a', '--container-id', 'keep', '--args', 'IgnoreUnknown=1']).status, 0);
    assert.equal(ctl(['add', 'pwr-gc', '/run/netns/pwr-b', '--container-id', 'stale', '--args', 'K8S_POD_NAME=old']).status, 0);
    clearCalls(dirs);
    const r = ctl(['gc', 'pwr-gc', '--valid-attachments', '[{"containerID":"keep","ifname":"eth0"}]', '--json']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual((r.json as { deleted: unknown }).deleted, [{ containerID: 'stale', ifname: 'eth0' }]);
    assert.deepEqual(cached(), ['pwr-gc-keep-eth0']);
    const calls = readCalls(dirs);
    assert.deepEqual(calls.map((c) => [c.type, c.command, c.env.CNI_CONTAINERID]), [['rec-b', 'DEL', 'stale'], ['rec-a', 'DEL', 'stale'], ['rec-a', 'GC', ''], ['rec-b', 'GC', '']]);
    assert.equal(calls[0]?.env.CNI_NETNS, '/run/netns/pwr-b');
    assert.equal(calls[0]?.env.CNI_ARGS, 'K8S_POD_NAME=old');
    assert.deepEqual(calls[2]?.config['cni.dev/valid-attachments'], [{ containerID: 'keep', ifname: 'eth0' }]);
  });

  test('gc without a list keeps every cached attachment and tells the plugins', () => {
    writeConf(dirs, 'n.conflist', list('pwr-gc2', [{ type: 'rec-a' }]));
    assert.equal(ctl(['add', 'pwr-gc2', NETNS, '--container-id', 'x1']).status, 0);
    clearCalls(dirs);
    const r = ctl(['gc', 'pwr-gc2']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^gc: deleted 0 stale attachment\(s\) of network pwr-gc2; GC sent to 1 plugin\(s\)$/m);
    assert.deepEqual(readCalls(dirs).map((c) => [c.command, c.config['cni.dev/valid-attachments']]), [['GC', [{ containerID: 'x1', ifname: 'eth0' }]]]);
  });

  test('gc honours disableGC', () => {
    writeConf(dirs, 'n.conflist', list('pwr-nogc', [{ type: 'rec-a' }], { disableGC: 'true' }));
    assert.equal(ctl(['add', 'pwr-nogc', NETNS]).status, 0);
    clearCalls(dirs);
    const r = ctl(['gc', 'pwr-nogc', '--valid-attachments', '[]']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /skipped, disableGC is set/);
    assert.deepEqual(readCalls(dirs), []);
    assert.equal(cached().length, 1);
  });

  test('status asks every plugin and passes a 50 through', () => {
    writeConf(dirs, 'n.conflist', list('pwr-status', [{ type: 'rec-a' }, { type: 'rec-b' }]));
    const ok = ctl(['status', 'pwr-status']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^status: ready \(network pwr-status\)$/m);
    assert.deepEqual(readCalls(dirs).map((c) => [c.type, c.command]), [['rec-a', 'STATUS'], ['rec-b', 'STATUS']]);
    writeConf(dirs, 'n.conflist', list('pwr-status', [{ type: 'rec-a', recorder: { failOn: 'STATUS', code: 50, msg: 'agent not ready' } }]));
    const down = ctl(['status', 'pwr-status', '--json']);
    assert.equal(down.status, 1);
    assert.deepEqual(down.json, { code: 50, msg: 'agent not ready' });
  });

  test('del after the config file is gone uses the config cached at add', () => {
    writeConf(dirs, 'n.conflist', list('pwr-gone', [{ type: 'rec-a' }, { type: 'rec-b' }]));
    assert.equal(ctl(['add', 'pwr-gone', NETNS, '--container-id', 'c9']).status, 0);
    rmSync(join(dirs.conf, 'n.conflist'));
    clearCalls(dirs);
    const r = ctl(['del', 'pwr-gone', NETNS, '--container-id', 'c9']);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readCalls(dirs).map((c) => [c.type, c.command]), [['rec-b', 'DEL'], ['rec-a', 'DEL']]);
    assert.deepEqual(cached(), []);
  });

  test('bad usage exits 2 with the usage text', () => {
    const r = ctl(['add', 'pwr-x']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /missing NETNS/);
    assert.match(r.stderr, /^Usage:/m);
  });
});
