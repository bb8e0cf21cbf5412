// podwirectl cni add/check/del with the reference bridge + host-local + tuning
// chain, the interop a runtime's libcni would exercise. The runner runs inside
// a throwaway "host" netns (the bridge plugin's host side is wherever it
// runs), against a throwaway container netns; nothing touches the root netns.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { addrsIn, createNetns, linksIn, type TestNetns } from '../../helpers/netns.js';
import { dirArgs, makeDirs, PODWIRECTL, REF_BIN, runCtl, writeConf, type Dirs } from './runner-fixtures.js';

const NETWORK = 'pwr-ref';
const CID = 'pwr-ref-ctr-1';
const SUBNET_PREFIX = '10.213.7.';

describe('podwirectl cni: reference bridge + host-local + tuning', { skip: !existsSync(join(REF_BIN, 'bridge')) && 'reference plugins not installed' }, () => {
  let dirs: Dirs;
  let host: TestNetns | undefined;
  let ctr: TestNetns | undefined;
  let confText = '';
  let bridge = '';
  let added: { ips: Array<{ address: string; gateway?: string; interface?: number }>; interfaces: Array<{ name: string; sandbox?: string }> } | undefined;
  const ctl = (verb: string, ...extra: string[]) => runCtl(['cni', verb, NETWORK, ctr?.path ?? '', '--container-id', CID, ...dirArgs(dirs, REF_BIN), ...extra], { hostNetns: host?.path ?? '' });
  const leaseDir = () => join(dirs.data, 'leases', NETWORK);
  const cacheFile = () => join(dirs.cache, 'results', `${NETWORK}-${CID}-eth0`);

  before(() => {
    assert.ok(existsSync(PODWIRECTL), `${PODWIRECTL} missing: run npm run build`);
    dirs = makeDirs();
    host = createNetns('pwr');
    ctr = createNetns('pwr');
    bridge = `pwrb${process.pid.toString(36)}`.slice(0, 15);
    confText = writeConf(dirs, '10-pwr-ref.conflist', {
      cniVersion: '1.0.0',
      name: NETWORK,
      plugins: [
        { type: 'bridge', bridge, isGateway: true, ipMasq: false, ipam: { type: 'host-local', dataDir: join(dirs.data, 'leases'), ranges: [[{ subnet: `${SUBNET_PREFIX}0/24` }]] } },
        { type: 'tuning', mtu: 1400, dataDir: join(dirs.data, 'tuning') },
      ],
    });
  });

  after(() => {
    ctr?.remove();
    host?.remove();
    rmSync(dirs.root, { recursive: true, force: true });
  });

  test('add prints the result and the container has its address', () => {
    const r = ctl('add', '--args', 'IgnoreUnknown=1;K8S_POD_NAME=web-0', '--capability-args', '{"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]}');
    assert.equal(r.status, 0, r.stderr);
    added = r.json as typeof added;
    assert.ok(added);
    assert.equal((r.json as { cniVersion: string }).cniVersion, '1.0.0');
    const ip = added.ips[0];
    assert.ok(ip && ip.address.startsWith(SUBNET_PREFIX) && ip.address.endsWith('/24'), JSON.stringify(added.ips));
    assert.equal(ip.gateway, `${SUBNET_PREFIX}1`);
    const eth0 = added.interfaces[ip.interface ?? -1];
    assert.deepEqual(eth0 && { name: eth0.name, sandbox: eth0.sandbox }, { name: 'eth0', sandbox: ctr?.path });

    assert.ok(ctr && host);
    assert.deepEqual(addrsIn(ctr, 'eth0').filter((a) => a.startsWith(SUBNET_PREFIX)), [ip.address]);
    // tuning ran after bridge: the container side got its MTU.
    assert.equal(linksIn(ctr).find((l) => l.ifname === 'eth0')?.mtu, 1400);
    assert.ok(addrsIn(host, bridge).includes(`${SUBNET_PREFIX}1/24`));
    assert.equal(linksIn(host).filter((l) => l.master === bridge).length, 1);
  });

  test('the cache file is libcni\'s record, with the list\'s bytes and the final result', () => {
    assert.ok(added);
    const text = readFileSync(cacheFile(), 'utf8');
    const rec = JSON.parse(text) as Record<string, unknown>;
    assert.deepEqual(Object.keys(rec), ['kind', 'containerId', 'config', 'ifName', 'networkName', 'netns', 'cniArgs', 'capabilityArgs', 'result']);
    assert.equal(rec.kind, 'cniCacheV1');
    assert.equal(rec.containerId, CID);
    assert.equal(Buffer.from(rec.config as string, 'base64').toString('utf8'), confText);
    assert.equal(rec.ifName, 'eth0');
    assert.equal(rec.networkName, NETWORK);
    assert.equal(rec.netns, ctr?.path);
    assert.deepEqual(rec.cniArgs, [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web-0']]);
    assert.deepEqual(rec.capabilityArgs, { portMappings: [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' }] });
    assert.deepEqual(rec.result, added);
    assert.equal(statSync(cacheFile()).mode & 0o777, 0o600);
    // host-local holds the lease under our data dir, keyed by container ID.
    const address = added.ips[0]?.address.split('/')[0] ?? '';
    assert.match(readFileSync(join(leaseDir(), address), 'utf8'), new RegExp(`^${CID}`));
  });

  test('check passes, and fails with the plugin\'s error when the container drifts', () => {
    const ok = ctl('check');
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^check: ok \(network pwr-ref, container pwr-ref-ctr-1, ifname eth0\)$/m);

    assert.ok(ctr);
    ctr.exec('ip', ['link', 'set', 'eth0', 'mtu', '1500']);
    try {
      const drift = ctl('check', '--json');
      assert.equal(drift.status, 1);
      const err = drift.json as { code: number; msg: string };
      assert.equal(typeof err.code, 'number');
      assert.match(err.msg, /MTU/);
      assert.match(drift.stderr, /plugin type="tuning" \(plugins\[1\]\) failed \(check\)/);
    } finally {
      ctr.exec('ip', ['link', 'set', 'eth0', 'mtu', '1400']);
    }
  });

  test('del removes the cache entry, the veth pair and the lease', () => {
    const r = ctl('del', '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.json, { command: 'DEL', network: NETWORK, containerId: CID, ifname: 'eth0', cniVersion: '1.0.0', usedCachedResult: true });
    assert.equal(existsSync(cacheFile()), false);
    assert.ok(ctr && host);
    assert.equal(linksIn(ctr).some((l) => l.ifname === 'eth0'), false);
    assert.equal(linksIn(host).filter((l) => l.master === bridge).length, 0);
    const leases = existsSync(leaseDir()) ? readdirSync(leaseDir()).filter((f) => f.startsWith(SUBNET_PREFIX)) : [];
    assert.deepEqual(leases, []);
  });

  test('del again is a success: already gone is done', () => {
    const r = ctl('del');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^del: ok \(.*, no cached result\)$/m);
  });
});
