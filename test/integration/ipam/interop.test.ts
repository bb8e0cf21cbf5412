// podwire-ipam and the reference host-local on one data directory: each reads
// the other's leases and round-robin position, DEL by either releases the
// other's leases, and concurrent ADDs from both (excluding each other through
// the same flock) never share an address.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runPlugin } from '../../helpers/plugin.js';
import { HOST_LOCAL, ipamFixture, PODWIRE_IPAM, readLeaseDir, resultIps, runPluginAsync } from './helpers.js';

/** host-local 1.1.1 speaks up to 1.0.0. */
function conf(dataDir: string) {
  return { cniVersion: '1.0.0', name: 'pwi-mix', type: 'pwi-test', ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '10.79.0.0/24' }], [{ subnet: 'fd00:79::/64' }]] } };
}

describe('interoperability with host-local', () => {
  const { fresh, call } = ipamFixture();
  const add = (bin: string, id: string, dir: string): string[] => {
    const out = runPlugin(bin, call('ADD', id), conf(dir));
    assert.equal(out.status, 0, `${bin} ADD ${id}: ${out.stdout}`);
    return resultIps(out.json);
  };

  it('alternating ADDs continue one round robin; CHECK and DEL work across plugins', () => {
    const dir = fresh();
    assert.deepEqual(add(HOST_LOCAL, 'hl-1', dir), ['10.79.0.2', 'fd00:79::2']);
    assert.deepEqual(add(PODWIRE_IPAM, 'pw-1', dir), ['10.79.0.3', 'fd00:79::3']);
    assert.deepEqual(add(HOST_LOCAL, 'hl-2', dir), ['10.79.0.4', 'fd00:79::4']);
    assert.deepEqual(add(PODWIRE_IPAM, 'pw-2', dir), ['10.79.0.5', 'fd00:79::5']);

    // Each plugin's CHECK accepts the other's lease.
    const prev = { cniVersion: '1.0.0', ips: [{ address: '10.79.0.2/24', gateway: '10.79.0.1' }, { address: 'fd00:79::2/64', gateway: 'fd00:79::1' }] };
    assert.equal(runPlugin(PODWIRE_IPAM, call('CHECK', 'hl-1'), { ...conf(dir), prevResult: prev }).status, 0);
    assert.equal(runPlugin(HOST_LOCAL, call('CHECK', 'pw-1'), conf(dir)).status, 0);

    // Each plugin's DEL releases the other's lease.
    assert.equal(runPlugin(PODWIRE_IPAM, call('DEL', 'hl-1'), conf(dir)).status, 0);
    assert.equal(runPlugin(HOST_LOCAL, call('DEL', 'pw-1'), conf(dir)).status, 0);
    const left = readLeaseDir(join(dir, 'pwi-mix')).leases.map((l) => `${l.ip} ${l.containerId}`);
    assert.deepEqual(left, ['10.79.0.4 hl-2', '10.79.0.5 pw-2', 'fd00:79::4 hl-2', 'fd00:79::5 pw-2']);

    // host-local refuses a second ADD for an attachment podwire-ipam leased, and vice versa podwire returns the lease.
    assert.notEqual(runPlugin(HOST_LOCAL, call('ADD', 'pw-2'), conf(dir)).status, 0);
    assert.deepEqual(add(PODWIRE_IPAM, 'hl-2', dir), ['10.79.0.4', 'fd00:79::4']);
  });

  it('reads and releases legacy lease files that hold only the container id', () => {
    const dir = fresh();
    add(PODWIRE_IPAM, 'first', dir);
    writeFileSync(join(dir, 'pwi-mix', '10.79.0.3'), 'old-ctr');
    assert.deepEqual(add(PODWIRE_IPAM, 'second', dir)[0], '10.79.0.4');
    assert.equal(runPlugin(PODWIRE_IPAM, call('DEL', 'old-ctr'), conf(dir)).status, 0);
    assert.ok(!existsSync(join(dir, 'pwi-mix', '10.79.0.3')));
  });

  it('concurrent ADDs from both plugins on one data directory are all distinct; cross DELs free everything', async () => {
    const dir = fresh();
    const ids = Array.from({ length: 40 }, (_, i) => `mix-${i}`);
    const bin = (i: number) => (i % 2 === 0 ? PODWIRE_IPAM : HOST_LOCAL);
    const outs = await Promise.all(ids.map((id, i) => runPluginAsync(bin(i), call('ADD', id), conf(dir))));
    outs.forEach((o, i) => assert.equal(o.status, 0, `${ids[i]}: ${o.stdout}`));
    assert.equal(new Set(outs.map((o) => resultIps(o.json)[0])).size, ids.length);
    assert.equal(new Set(outs.map((o) => resultIps(o.json)[1])).size, ids.length);
    assert.equal(readLeaseDir(join(dir, 'pwi-mix')).leases.length, 2 * ids.length);
    // Each plugin deletes the other's leases.
    const dels = await Promise.all(ids.map((id, i) => runPluginAsync(bin(i + 1), call('DEL', id), conf(dir))));
    dels.forEach((o, i) => assert.equal(o.status, 0, `${ids[i]}: ${o.stdout}`));
    assert.deepEqual(readLeaseDir(join(dir, 'pwi-mix')).leases, []);
  });
});
