// Many plugin processes at once on one network: 50 concurrent ADDs of the
// built binary must get 50 distinct addresses per family, and processes
// killed with SIGKILL — at random moments, and right inside the locked
// write — must leave only complete leases, all of which DEL removes.
import assert from 'node:assert/strict';
import { mkdirSync, watch } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HOST_LOCAL, ipamFixture, PODWIRE_IPAM, readLeaseDir, resultIps, runPluginAsync, startPlugin, type AsyncOutcome } from './helpers.js';

const N = 50;

function conf(dataDir: string) {
  return { cniVersion: '1.1.0', name: 'pwi-conc', type: 'pwi-test', ipam: { type: 'podwire-ipam', dataDir, ranges: [[{ subnet: '10.78.0.0/24' }], [{ subnet: 'fd00:78::/64' }]] } };
}

describe('concurrent podwire-ipam processes', () => {
  const { fresh, call } = ipamFixture();
  const ids = Array.from({ length: N }, (_, i) => `pod-${i}`);

  it(`${N} concurrent ADDs get ${N} distinct addresses per family; concurrent DELs free them all`, async (t) => {
    const dir = fresh();
    const started = performance.now();
    const outs = await Promise.all(ids.map((id) => runPluginAsync(PODWIRE_IPAM, call('ADD', id), conf(dir))));
    const elapsed = performance.now() - started;
    outs.forEach((o, i) => assert.equal(o.status, 0, `${ids[i]}: ${o.stdout} ${o.stderr}`));
    const v4 = new Set(outs.map((o) => resultIps(o.json)[0]));
    const v6 = new Set(outs.map((o) => resultIps(o.json)[1]));
    assert.equal(v4.size, N);
    assert.equal(v6.size, N);
    const { leases } = readLeaseDir(join(dir, 'pwi-conc'));
    assert.equal(leases.length, 2 * N);
    outs.forEach((o, i) => {
      for (const addr of resultIps(o.json)) assert.equal(leases.find((l) => l.ip === addr)?.containerId, ids[i], `lease file of ${addr}`);
    });

    // The same load on the reference, for scale (reported, not asserted: the VM is shared).
    const refDir = fresh();
    const refStarted = performance.now();
    const refOuts = await Promise.all(ids.map((id) => runPluginAsync(HOST_LOCAL, call('ADD', id), { ...conf(refDir), cniVersion: '1.0.0' })));
    const refElapsed = performance.now() - refStarted;
    assert.ok(refOuts.every((o) => o.status === 0));
    t.diagnostic(`${N} concurrent ADDs: podwire-ipam ${elapsed.toFixed(0)} ms, host-local ${refElapsed.toFixed(0)} ms`);

    const dels = await Promise.all(ids.map((id) => runPluginAsync(PODWIRE_IPAM, call('DEL', id), conf(dir))));
    dels.forEach((o, i) => assert.equal(o.status, 0, `${ids[i]}: ${o.stdout}`));
    assert.deepEqual(readLeaseDir(join(dir, 'pwi-conc')).leases, []);
  });

  it('SIGKILL at random moments and inside the write window leaves only complete leases; DEL cleans all', async (t) => {
    const dir = fresh();
    const netDir = join(dir, 'pwi-conc');
    mkdirSync(netDir, { recursive: true });
    const rounds = 3;
    let killed = 0;
    let killedWhileWriting = 0;
    let completed = 0;
    for (let round = 0; round < rounds; round++) {
      const roundIds = ids.map((id) => `${id}-r${round}`);
      const running = roundIds.map((id) => startPlugin(PODWIRE_IPAM, call('ADD', id), conf(dir)));
      // A third of the processes die the moment they create a temporary file
      // (its name carries the pid): inside the locked write of a lease or of
      // last_reserved_ip. A third die at a random point of their life (the
      // whole batch takes seconds on two cores). The rest run to the end.
      const targeted = new Set(running.filter((_, i) => i % 3 === 1).map((r) => r.child.pid));
      const watcher = watch(netDir, (_event, name) => {
        const pid = Number(/^\.podwire-tmp\.(\d+)\./.exec(name ?? '')?.[1]);
        if (targeted.delete(pid)) {
          process.kill(pid, 'SIGKILL');
          killedWhileWriting++;
        }
      });
      const timers = running.map((r, i) => (i % 3 === 0 ? setTimeout(() => r.child.kill('SIGKILL'), Math.random() * 3000) : undefined));
      const outs: AsyncOutcome[] = await Promise.all(running.map((r) => r.done));
      watcher.close();
      timers.forEach((tm) => tm && clearTimeout(tm));
      const { leases } = readLeaseDir(netDir, { allowTemp: true });
      outs.forEach((o, i) => {
        const id = roundIds[i] as string;
        const mine = leases.filter((l) => l.containerId === id).map((l) => l.ip);
        if (o.signal === 'SIGKILL') {
          killed++;
          assert.ok(mine.length <= 2, `${id} holds at most one lease per family`);
        } else {
          completed++;
          assert.equal(o.status, 0, `${id}: ${o.stdout} ${o.stderr}`);
          assert.deepEqual(mine.sort(), resultIps(o.json).sort(), `${id}'s leases are its result`);
        }
      });
      const v4 = leases.filter((l) => !l.ip.includes(':'));
      assert.equal(new Set(v4.map((l) => l.containerId)).size, v4.length, 'no container holds two IPv4 leases');
    }
    t.diagnostic(`${killed} processes killed (${killedWhileWriting} inside the write window), ${completed} completed over ${rounds} rounds`);
    assert.ok(killedWhileWriting > 0 && completed > 0, 'the test killed writers mid-write and let others finish');

    const all = Array.from({ length: rounds }, (_, r) => ids.map((id) => `${id}-r${r}`)).flat();
    const dels = await Promise.all(all.map((id) => runPluginAsync(PODWIRE_IPAM, call('DEL', id), conf(dir))));
    assert.ok(dels.every((o) => o.status === 0));
    const after = readLeaseDir(netDir);
    assert.deepEqual(after.leases, [], 'DEL released every lease, killed ADDs included');
    assert.deepEqual(after.others, ['last_reserved_ip.0', 'last_reserved_ip.1']);
  });
});
