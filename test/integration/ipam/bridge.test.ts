// The reference bridge plugin delegating IPAM to the built podwire-ipam, as a
// runtime would set it up: bridge runs inside a throwaway "host" netns with
// CNI_PATH pointing at dist/bin, and wires a second netns as the container.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addrsIn, createNetns, linksIn, type TestNetns } from '../../helpers/netns.js';
import { DIST_BIN, REF_BIN, runPlugin, type PluginCall } from '../../helpers/plugin.js';
import { makeDataDir, readLeaseDir, type TempDir } from './helpers.js';

const BRIDGE = join(REF_BIN, 'bridge');

describe('bridge with podwire-ipam', () => {
  let host: TestNetns;
  let ctr: TestNetns;
  let data: TempDir;
  before(() => {
    data = makeDataDir();
    host = createNetns('pwi');
    ctr = createNetns('pwi');
  });
  after(() => {
    ctr?.remove();
    host?.remove();
    data?.remove();
  });

  it('ADD puts the leased address on the container interface; DEL releases the lease', () => {
    const conf = {
      cniVersion: '1.0.0', name: 'pwi-br', type: 'bridge', bridge: 'pwibr0', isGateway: true,
      ipam: { type: 'podwire-ipam', dataDir: data.path, ranges: [[{ subnet: '10.80.0.0/24' }], [{ subnet: 'fd00:80::/64' }]], routes: [{ dst: '0.0.0.0/0' }] },
    };
    const call = (command: string): PluginCall => ({ command, containerId: 'br-ctr', ifname: 'eth0', netns: ctr.path, hostNetns: host.path, path: `${DIST_BIN}:${REF_BIN}` });
    const add = runPlugin(BRIDGE, call('ADD'), conf);
    assert.equal(add.status, 0, `${add.stdout} ${add.stderr}`);
    const ips = (add.json as { ips: Array<{ address: string; gateway: string }> }).ips;
    assert.deepEqual(ips.map((i) => [i.address, i.gateway]), [['10.80.0.2/24', '10.80.0.1'], ['fd00:80::2/64', 'fd00:80::1']]);
    const onEth0 = addrsIn(ctr, 'eth0');
    assert.ok(onEth0.includes('10.80.0.2/24'), `eth0 has ${onEth0.join(', ')}`);
    assert.ok(onEth0.includes('fd00:80::2/64'), `eth0 has ${onEth0.join(', ')}`);
    assert.ok(addrsIn(host, 'pwibr0').includes('10.80.0.1/24'), 'bridge got the gateway address');
    const leases = readLeaseDir(join(data.path, 'pwi-br')).leases;
    assert.deepEqual(leases.map((l) => `${l.ip} ${l.containerId} ${l.ifname}`), ['10.80.0.2 br-ctr eth0', 'fd00:80::2 br-ctr eth0']);

    const check = runPlugin(BRIDGE, call('CHECK'), { ...conf, prevResult: add.json });
    assert.equal(check.status, 0, `${check.stdout} ${check.stderr}`);

    const del = runPlugin(BRIDGE, call('DEL'), conf);
    assert.equal(del.status, 0, `${del.stdout} ${del.stderr}`);
    assert.deepEqual(readLeaseDir(join(data.path, 'pwi-br')).leases, []);
    assert.ok(!linksIn(ctr).some((l) => l.ifname === 'eth0'), 'eth0 is gone from the container');
  });
});
