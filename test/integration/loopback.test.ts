// The built podwire-loopback against the reference /usr/lib/cni/loopback, in
// real throwaway namespaces, for every CNI version: same exit status, same
// result field for field, same effect on lo (checked with `ip -j`). The only
// tolerated difference: for versions before 1.0.0 our skel prints each IP's
// "version" ("4"/"6", spec 0.3.x/0.4.0) where this Debian build of the
// reference omits it; it is checked for correctness, then set aside.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNetns, linksIn, type TestNetns } from '../helpers/netns.js';
import { DIST_BIN, REF_BIN, runPlugin, type PluginCall, type PluginOutcome } from '../helpers/plugin.js';

const OURS = join(DIST_BIN, 'podwire-loopback');
const REF = join(REF_BIN, 'loopback');
const VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
/** The reference stops at 1.0.0; for 1.1.0 its 1.0.0 answer is the baseline. */
const REF_MAX = '1.0.0';

const conf = (cniVersion: string, extra: Record<string, unknown> = {}) => ({ cniVersion, name: 'pw-lo', type: 'loopback', ...extra });
const call = (command: string, netns: string | undefined): PluginCall => ({
  command, containerId: 'pwk-ctr', ifname: 'eth0', ...(netns !== undefined ? { netns } : {}),
});

function loState(ns: TestNetns): { up: boolean } {
  const lo = linksIn(ns).find((l) => l.ifname === 'lo');
  assert.ok(lo, 'lo exists');
  return { up: lo.flags.includes('UP') };
}

function ok(out: PluginOutcome, what: string): unknown {
  assert.equal(out.status, 0, `${what}: exit ${out.status}, stdout ${out.stdout} stderr ${out.stderr}`);
  return out.json;
}

type Result = { cniVersion: string; ips?: Array<Record<string, unknown>> } & Record<string, unknown>;

/** Checks our per-IP "version" and removes it (see the note at the top). */
function withoutIpVersion(result: Result, cniVersion: string): Result {
  const pre1 = cniVersion.startsWith('0.');
  const ips = (result.ips ?? []).map((ip) => {
    const { version, ...rest } = ip;
    if (pre1) assert.equal(version, String(ip.address).includes(':') ? '6' : '4', `ips[].version in ${cniVersion}`);
    else assert.equal(version, undefined, `no ips[].version in ${cniVersion}`);
    return rest;
  });
  return result.ips ? { ...result, ips } : result;
}

function stripRefIpVersion(result: Result): Result {
  return result.ips ? { ...result, ips: result.ips.map(({ version: _v, ...rest }) => rest) } : result;
}

describe('podwire-loopback against the reference loopback', () => {
  const namespaces: TestNetns[] = [];
  const fresh = (): TestNetns => {
    const ns = createNetns('pwk');
    namespaces.push(ns);
    ns.exec('ip', ['link', 'set', 'lo', 'down']);
    return ns;
  };

  before(() => {
    assert.ok(existsSync(OURS), `${OURS} missing: run npm run build first`);
    assert.ok(existsSync(REF), `${REF} missing: run scripts/bootstrap.sh (containernetworking-plugins)`);
  });
  after(() => {
    for (const ns of namespaces) ns.remove();
  });

  for (const v of VERSIONS) {
    test(`ADD ${v}: brings lo up and prints what the reference prints`, () => {
      const ns = fresh();
      const refVersion = v === '1.1.0' ? REF_MAX : v;
      const ref = ok(runPlugin(REF, call('ADD', ns.path), conf(refVersion)), 'reference ADD') as Result;
      assert.equal(loState(ns).up, true, 'reference brought lo up');
      ns.exec('ip', ['link', 'set', 'lo', 'down']);

      const ours = ok(runPlugin(OURS, call('ADD', ns.path), conf(v)), 'our ADD') as Result;
      assert.equal(loState(ns).up, true, 'we brought lo up');
      assert.equal(ours.cniVersion, v);
      assert.deepEqual(withoutIpVersion(ours, v), { ...stripRefIpVersion(ref), cniVersion: v });
      assert.deepEqual(ours.interfaces, [{ name: 'lo', mac: '00:00:00:00:00:00', sandbox: ns.path }]);
      assert.deepEqual(ours.ips?.map((ip) => [ip.address, ip.interface]), [['127.0.0.1/8', 0], ['::1/128', 0]]);
    });
  }

  test('ADD with IPv6 disabled in the netns reports only 127.0.0.1/8, like the reference', () => {
    const ns = fresh();
    ns.exec('sysctl', ['-q', '-w', 'net.ipv6.conf.all.disable_ipv6=1']);
    const ref = ok(runPlugin(REF, call('ADD', ns.path), conf('1.0.0')), 'reference ADD') as Result;
    const ours = ok(runPlugin(OURS, call('ADD', ns.path), conf('1.0.0')), 'our ADD') as Result;
    assert.deepEqual(ours, ref);
    assert.deepEqual(ours.ips?.map((ip) => ip.address), ['127.0.0.1/8']);
  });

  test('ADD chained after another plugin passes prevResult through, like the reference', () => {
    const ns = fresh();
    const prevResult = {
      cniVersion: '1.0.0',
      interfaces: [{ name: 'eth0', mac: '0a:58:0a:00:00:05', sandbox: ns.path }],
      ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 0 }],
      routes: [{ dst: '0.0.0.0/0', gw: '10.0.0.1' }],
      dns: { nameservers: ['10.0.0.10'] },
    };
    const ref = ok(runPlugin(REF, call('ADD', ns.path), conf('1.0.0', { prevResult })), 'reference ADD') as Result;
    ns.exec('ip', ['link', 'set', 'lo', 'down']);
    const ours = ok(runPlugin(OURS, call('ADD', ns.path), conf('1.0.0', { prevResult })), 'our ADD') as Result;
    assert.deepEqual(ours, ref);
    assert.deepEqual(ours, prevResult);
    assert.equal(loState(ns).up, true, 'lo is brought up even when chained');
  });

  test('ADD on a missing netns fails with code 104 (NetnsNotFound), as the reference fails', () => {
    const gone = '/run/netns/pwk-gone-for-good';
    const ref = runPlugin(REF, call('ADD', gone), conf('1.0.0'));
    const ours = runPlugin(OURS, call('ADD', gone), conf('1.0.0'));
    assert.equal(ref.status, 1);
    assert.equal(ours.status, 1);
    assert.equal((ours.json as { code?: number }).code, 104);
  });

  for (const v of VERSIONS) {
    test(`DEL ${v}: sets lo down; succeeds for a missing netns and without CNI_NETNS`, () => {
      const ns = fresh();
      ns.exec('ip', ['link', 'set', 'lo', 'up']);
      const del = runPlugin(OURS, call('DEL', ns.path), conf(v));
      assert.deepEqual([del.status, del.stdout], [0, ''], del.stdout);
      assert.equal(loState(ns).up, false);
      for (const netns of ['/run/netns/pwk-gone-for-good', undefined]) {
        const refVersion = v === '1.1.0' ? REF_MAX : v;
        const ref = runPlugin(REF, call('DEL', netns), conf(refVersion));
        const ours = runPlugin(OURS, call('DEL', netns), conf(v));
        assert.deepEqual([ours.status, ours.stdout], [ref.status, ref.stdout], `DEL with netns ${String(netns)}`);
        assert.equal(ours.status, 0);
      }
    });
  }

  for (const v of ['0.4.0', '1.0.0', '1.1.0'] as const) {
    test(`CHECK ${v}: passes while lo is up, fails like the reference once it is down`, () => {
      const ns = fresh();
      ok(runPlugin(OURS, call('ADD', ns.path), conf(v)), 'ADD');
      const refVersion = v === '1.1.0' ? REF_MAX : v;
      assert.equal(runPlugin(OURS, call('CHECK', ns.path), conf(v)).status, 0);
      assert.equal(runPlugin(REF, call('CHECK', ns.path), conf(refVersion)).status, 0);
      ns.exec('ip', ['link', 'set', 'lo', 'down']);
      const ours = runPlugin(OURS, call('CHECK', ns.path), conf(v));
      assert.equal(runPlugin(REF, call('CHECK', ns.path), conf(refVersion)).status, 1);
      assert.equal(ours.status, 1);
      assert.equal((ours.json as { code?: number }).code, 106);
    });
  }

  test('STATUS 1.1.0 succeeds with no output', () => {
    const out = runPlugin(OURS, { command: 'STATUS' }, conf('1.1.0'));
    assert.deepEqual([out.status, out.stdout], [0, '']);
  });

  test('VERSION works without the native module: koffi is loaded lazily', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pwk-lo-'));
    try {
      // The loader and its bundle, without koffi.node (nor a code cache) beside them.
      const lonely = join(dir, 'podwire-loopback');
      copyFileSync(OURS, lonely);
      copyFileSync(`${OURS}.bundle.js`, `${lonely}.bundle.js`);
      const out = runPlugin(lonely, { command: 'VERSION' }, conf('1.1.0'));
      assert.equal(out.status, 0, out.stderr);
      assert.deepEqual((out.json as { supportedVersions: string[] }).supportedVersions, [...VERSIONS]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
