// The built podwire-ipam as a runtime runs it (CNI_* env, config on stdin, a
// real netns path it does not enter): ADD/CHECK/DEL, results for every
// version compared with host-local's, bad input, GC and STATUS.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createNetns, type TestNetns } from '../../helpers/netns.js';
import { runPlugin, type PluginCall } from '../../helpers/plugin.js';
import { HOST_LOCAL, makeDataDir, PODWIRE_IPAM, readLeaseDir, type TempDir } from './helpers.js';

const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;

function conf(dataDir: string, cniVersion = '1.1.0', ipam: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    cniVersion, name: 'pwi-net', type: 'pwi-test',
    ipam: { type: 'podwire-ipam', dataDir, ranges: [[{ subnet: '10.77.0.0/24' }], [{ subnet: 'fd00:77::/64' }]], routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }], ...ipam },
    ...extra,
  };
}

describe('podwire-ipam binary', () => {
  let ns: TestNetns;
  const dirs: TempDir[] = [];
  const dataDir = (): string => {
    const d = makeDataDir();
    dirs.push(d);
    return d.path;
  };
  before(() => {
    ns = createNetns('pwi');
  });
  after(() => {
    ns.remove();
    for (const d of dirs) d.remove();
  });
  const call = (command: string, containerId = 'ctr-1', more: Partial<PluginCall> = {}): PluginCall => ({ command, containerId, ifname: 'eth0', netns: ns.path, ...more });

  it('ADD, CHECK and DEL with real CNI env', () => {
    const dir = dataDir();
    const add = runPlugin(PODWIRE_IPAM, call('ADD'), conf(dir));
    assert.equal(add.status, 0, add.stdout + add.stderr);
    assert.deepEqual(add.json, {
      cniVersion: '1.1.0',
      ips: [{ address: '10.77.0.2/24', gateway: '10.77.0.1' }, { address: 'fd00:77::2/64', gateway: 'fd00:77::1' }],
      routes: [{ dst: '0.0.0.0/0' }, { dst: '::/0' }],
      dns: {},
    });
    assert.deepEqual(readLeaseDir(join(dir, 'pwi-net')).leases.map((l) => l.ip), ['10.77.0.2', 'fd00:77::2']);
    const check = runPlugin(PODWIRE_IPAM, call('CHECK'), { ...conf(dir), prevResult: add.json });
    assert.equal(check.status, 0, check.stdout);
    const del = runPlugin(PODWIRE_IPAM, call('DEL'), conf(dir));
    assert.equal(del.status, 0, del.stdout);
    assert.deepEqual(readLeaseDir(join(dir, 'pwi-net')).leases, []);
    const checkAfter = runPlugin(PODWIRE_IPAM, call('CHECK'), { ...conf(dir), prevResult: add.json });
    assert.equal(checkAfter.status, 1);
    assert.equal((checkAfter.json as { code: number }).code, 106);
  });

  it('DEL is idempotent: repeated, unknown container, no netns, no data directory', () => {
    const dir = dataDir();
    for (const c of [call('DEL'), call('DEL'), call('DEL', 'never-seen'), call('DEL', 'ctr-1', { netns: '/run/netns/pwi-does-not-exist' }), { command: 'DEL', containerId: 'x', ifname: 'eth0' }]) {
      const out = runPlugin(PODWIRE_IPAM, c, conf(dir));
      assert.equal(out.status, 0, out.stdout);
      assert.equal(out.stdout, '');
    }
    assert.deepEqual(readdirSync(dir), [], 'DEL creates nothing');
  });

  for (const version of VERSIONS) {
    it(`result shape for ${version} matches host-local`, () => {
      const ours = runPlugin(PODWIRE_IPAM, call('ADD'), conf(dataDir(), version));
      assert.equal(ours.status, 0, ours.stdout + ours.stderr);
      // host-local 1.1.1 speaks up to 1.0.0: its 1.0.0 answer is the 1.1.0 baseline.
      const refVersion = version === '1.1.0' ? '1.0.0' : version;
      const ref = runPlugin(HOST_LOCAL, call('ADD'), conf(dataDir(), refVersion));
      assert.equal(ref.status, 0, ref.stdout);
      const expected = { ...(ref.json as Record<string, unknown>), cniVersion: version };
      assert.deepEqual(ours.json, expected);
      if (version.startsWith('0.')) assert.deepEqual((ours.json as unknown as { ips: Array<{ version: string }> }).ips.map((i) => i.version), ['4', '6']);
    });
  }

  it('VERSION lists every supported version', () => {
    const out = runPlugin(PODWIRE_IPAM, { command: 'VERSION' }, { cniVersion: '1.1.0' });
    assert.deepEqual(out.json, { cniVersion: '1.1.0', supportedVersions: [...VERSIONS] });
  });

  const bad: Array<[string, Record<string, unknown>, number, RegExp, Partial<PluginCall>?]> = [
    ['subnet not a CIDR', { ranges: [[{ subnet: '10.77.0.0' }]] }, 7, /^ipam\.ranges\[0\]\[0\]\.subnet: "10\.77\.0\.0" is not a CIDR$/],
    ['subnet of wrong type', { ranges: [[{ subnet: ['10.77.0.0/24'] }]] }, 7, /^ipam\.ranges\[0\]\[0\]\.subnet: must be a string, got a list$/],
    ['overlapping range sets', { ranges: [[{ subnet: '10.77.0.0/24' }], [{ subnet: '10.77.0.128/25' }]] }, 7, /^ipam\.ranges\[1\]: overlaps ipam\.ranges\[0\]/],
    ['rangeStart outside subnet', { ranges: [[{ subnet: '10.77.0.0/24', rangeStart: '10.78.0.5' }]] }, 7, /^ipam\.ranges\[0\]\[0\]\.rangeStart: 10\.78\.0\.5 is not in subnet 10\.77\.0\.0\/24$/],
    ['gateway outside subnet', { ranges: [[{ subnet: '10.77.0.0/24', gateway: '10.78.0.1' }]] }, 7, /^ipam\.ranges\[0\]\[0\]\.gateway: 10\.78\.0\.1 is not in subnet/],
    ['relative dataDir', { dataDir: 'relative/dir' }, 7, /^ipam\.dataDir: "relative\/dir" must be an absolute path$/],
    ['routes of wrong type', { routes: { dst: '0.0.0.0/0' } }, 7, /^ipam\.routes: must be a list, got an object$/],
    ['requested address outside every set', {}, 4, /^CNI_ARGS IP: 10\.99\.0\.1 is not in any range set/, { args: 'IP=10.99.0.1' }],
    ['unknown CNI_ARGS key', {}, 4, /^CNI_ARGS: unknown key "NOPE"$/, { args: 'NOPE=1' }],
  ];
  for (const [name, ipam, code, msg, more] of bad) {
    it(`bad input: ${name} → code ${code}, nothing on disk`, () => {
      const dir = dataDir();
      const out = runPlugin(PODWIRE_IPAM, call('ADD', 'ctr-1', more), conf(dir, '1.1.0', ipam));
      assert.equal(out.status, 1);
      const err = out.json as { code: number; msg: string; cniVersion: string };
      assert.equal(err.code, code, out.stdout);
      assert.match(err.msg, msg);
      assert.deepEqual(readdirSync(dir), []);
    });
  }

  it('bad input: a data directory that is a file → code 5 on ADD, 50 on STATUS', () => {
    const dir = dataDir();
    const file = join(dir, 'plain-file');
    writeFileSync(file, 'x');
    const add = runPlugin(PODWIRE_IPAM, call('ADD'), conf(dir, '1.1.0', { dataDir: file }));
    assert.equal(add.status, 1);
    assert.equal((add.json as { code: number }).code, 5);
    assert.match((add.json as { msg: string }).msg, /^ipam\.dataDir: create .*plain-file\/pwi-net: ENOTDIR/);
    const status = runPlugin(PODWIRE_IPAM, { command: 'STATUS' }, conf(dir, '1.1.0', { dataDir: file }));
    assert.equal(status.status, 1);
    assert.deepEqual(status.json, { cniVersion: '1.1.0', code: 50, msg: `ipam.dataDir: ${file} is not a directory` });
    assert.deepEqual(readdirSync(dir), ['plain-file']);
  });

  it('STATUS is ready until a range set is exhausted, and creates nothing', () => {
    const dir = dataDir();
    const small = { ranges: [[{ subnet: '10.77.0.0/30' }]] };
    const status = () => runPlugin(PODWIRE_IPAM, { command: 'STATUS' }, conf(dir, '1.1.0', small));
    assert.equal(status().status, 0);
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(runPlugin(PODWIRE_IPAM, call('ADD'), conf(dir, '1.1.0', small)).status, 0);
    const full = status();
    assert.equal(full.status, 1);
    assert.deepEqual(full.json, { cniVersion: '1.1.0', code: 50, msg: 'no free address in ipam.ranges[0] (10.77.0.1-10.77.0.2)', details: 'ADD needs one address from every range set' });
    const add = runPlugin(PODWIRE_IPAM, call('ADD', 'ctr-2'), conf(dir, '1.1.0', small));
    assert.equal((add.json as { code: number }).code, 100);
    assert.match((add.json as { msg: string }).msg, /^ipam\.ranges\[0\]: no free address in range set 10\.77\.0\.1-10\.77\.0\.2$/);
  });

  it('GC releases leases not in cni.dev/valid-attachments', () => {
    const dir = dataDir();
    for (const id of ['keep', 'drop-1', 'drop-2']) assert.equal(runPlugin(PODWIRE_IPAM, call('ADD', id), conf(dir)).status, 0);
    const gc = runPlugin(PODWIRE_IPAM, { command: 'GC' }, conf(dir, '1.1.0', {}, { 'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }] }));
    assert.equal(gc.status, 0, gc.stdout);
    const left = readLeaseDir(join(dir, 'pwi-net')).leases;
    assert.deepEqual(left.map((l) => `${l.ip} ${l.containerId}`), ['10.77.0.2 keep', 'fd00:77::2 keep']);
  });

  it('requested addresses: CNI_ARGS IP= (both families, comma-separated) and the ips capability', () => {
    const dir = dataDir();
    const byArgs = runPlugin(PODWIRE_IPAM, call('ADD', 'ctr-a', { args: 'IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.77.0.40,fd00:77::40' }), conf(dir));
    assert.equal(byArgs.status, 0, byArgs.stdout);
    assert.deepEqual((byArgs.json as { ips: Array<{ address: string }> }).ips.map((i) => i.address), ['10.77.0.40/24', 'fd00:77::40/64']);
    const byCapability = runPlugin(PODWIRE_IPAM, call('ADD', 'ctr-b'), conf(dir, '1.1.0', {}, { runtimeConfig: { ips: ['10.77.0.41/24'] } }));
    assert.equal(byCapability.status, 0, byCapability.stdout);
    // The IPv4 address was requested; IPv6 continues round robin after fd00:77::40.
    assert.deepEqual((byCapability.json as { ips: Array<{ address: string }> }).ips.map((i) => i.address), ['10.77.0.41/24', 'fd00:77::41/64']);
    const taken = runPlugin(PODWIRE_IPAM, call('ADD', 'ctr-c', { args: 'IP=10.77.0.40' }), conf(dir));
    assert.equal((taken.json as { code: number }).code, 101);
    assert.match((taken.json as { msg: string }).msg, /^CNI_ARGS IP: 10\.77\.0\.40 is already leased to container ctr-a \(eth0\)$/);
    assert.equal(readLeaseDir(join(dir, 'pwi-net')).leases.length, 4, 'the refused ADD left nothing');
  });

  it('a repeated ADD returns the same addresses; a contradicting request is refused with 102', () => {
    const dir = dataDir();
    const first = runPlugin(PODWIRE_IPAM, call('ADD'), conf(dir));
    const again = runPlugin(PODWIRE_IPAM, call('ADD'), conf(dir));
    assert.deepEqual(again.json, first.json);
    const other = runPlugin(PODWIRE_IPAM, call('ADD', 'ctr-1', { args: 'IP=10.77.0.50' }), conf(dir));
    assert.equal((other.json as { code: number }).code, 102);
    assert.equal(readLeaseDir(join(dir, 'pwi-net')).leases.length, 2);
    assert.ok(!existsSync(join(dir, 'pwi-net', '10.77.0.50')));
  });
});
