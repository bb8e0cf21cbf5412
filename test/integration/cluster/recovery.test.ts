// What crashes leave behind, and what the next writer makes of it: a lock
// held by a killed process, a torn journal line, a record whose object file
// was never written; and readers that never see half a file.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClusterError } from '../../../src/agent/cluster/errors.js';
import { tryLock, withLinkLock } from '../../../src/agent/cluster/link-lock.js';
import { procProbe } from '../../../src/agent/cluster/process-probe.js';
import type { Pod } from '../../../src/agent/cluster/types.js';
import { makeRoot, openSource, startWorker, take, waitForLine, type TempRoot } from './helpers.js';

const pod = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c' }] } });

describe('crash recovery and atomicity', () => {
  const roots: TempRoot[] = [];
  after(() => roots.forEach((r) => r.remove()));
  const fresh = () => {
    const r = makeRoot();
    roots.push(r);
    return { root: r.path, ...openSource(r.path, { lockTimeoutMs: 2000 }) };
  };

  it('waits for a live holder (Timeout), then breaks the lock once the holder is SIGKILLed', async () => {
    const { root, source } = fresh();
    await source.create('Pod', pod('before'));
    const lockPath = join(root, '.podwire', 'lock');
    const holder = startWorker(['hold-lock', lockPath], 30_000);
    await waitForLine(holder, 'locked');
    await assert.rejects(source.create('Pod', pod('blocked')), (e: unknown) => e instanceof ClusterError && e.reason === 'Timeout' && e.message.includes(`pid ${holder.child.pid}`));
    holder.child.kill('SIGKILL');
    const out = await holder.done;
    assert.equal(out.signal, 'SIGKILL');
    const t0 = performance.now();
    const created = await source.create('Pod', pod('after'));
    assert.ok(performance.now() - t0 < 1000, 'the dead holder\'s lock is broken at once');
    assert.ok(created.metadata.resourceVersion);
    const left = readdirSync(join(root, '.podwire')).filter((n) => n.startsWith('lock'));
    assert.deepEqual(left, [], `no lock files left: ${left.join(' ')}`);
  });

  it('a lock whose owner record is garbage is treated as dead', async () => {
    const { root, source } = fresh();
    await source.list('Pod');
    writeFileSync(join(root, '.podwire', 'lock'), 'not json');
    await source.create('Pod', pod('x'));
    assert.equal(existsSync(join(root, '.podwire', 'lock')), false);
  });

  it('in-process: the lock is exclusive and released on throw', async () => {
    const { root } = fresh();
    const path = join(root, 'lk');
    const probe = procProbe();
    const held = tryLock(path, probe);
    assert.ok(held);
    assert.equal(tryLock(path, probe), undefined, 'a live holder (this very process) is never broken');
    held.release();
    await assert.rejects(withLinkLock({ path, probe, timeoutMs: 100 }, () => {
      throw new Error('boom');
    }), /boom/);
    assert.ok(tryLock(path, probe), 'released after the throw');
  });

  it('a torn last journal line is cut off and its version reused', async () => {
    const { root, source } = fresh();
    const a = await source.create('Pod', pod('a'));
    const dir = join(root, '.podwire', 'journal');
    const segment = join(dir, readdirSync(dir).sort().at(-1) as string);
    appendFileSync(segment, '{"rv":99,"type":"ADDED","obj');
    const b = await source.create('Pod', pod('b'));
    assert.equal(Number(b.metadata.resourceVersion), Number(a.metadata.resourceVersion) + 1);
    const lines = readFileSync(segment, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { rv: number });
    assert.deepEqual(lines.map((l) => l.rv), lines.map((_, i) => (lines[0]?.rv ?? 0) + i), 'dense, parseable');
  });

  it('a committed record whose object file was never written is applied by the next transaction', async () => {
    const { root, source } = fresh();
    const a = await source.create('Pod', pod('a'));
    const start = await source.list('Pod');
    const w = source.watch('Pod', { resourceVersion: start.resourceVersion });
    // What a writer killed between its journal append and its rename leaves.
    const rv = Number(start.resourceVersion) + 1;
    const next = { ...a, metadata: { ...a.metadata, labels: { crashed: 'yes' }, resourceVersion: String(rv) } };
    const dir = join(root, '.podwire', 'journal');
    appendFileSync(join(dir, readdirSync(dir).sort().at(-1) as string), `${JSON.stringify({ rv, type: 'MODIFIED', object: next, prev: a })}\n`);
    assert.equal(JSON.parse(readFileSync(join(root, 'pods', 'default', 'a.json'), 'utf8')).metadata.resourceVersion, a.metadata.resourceVersion);
    const got = await source.get('Pod', { name: 'a', namespace: 'default' });
    assert.deepEqual(got.metadata.labels, { crashed: 'yes' });
    assert.equal(got.metadata.resourceVersion, String(rv));
    const [e] = await take(w, 1);
    w.stop();
    assert.equal(e?.object.metadata.resourceVersion, String(rv));
    const c = await source.create('Pod', pod('c'));
    assert.equal(Number(c.metadata.resourceVersion), rv + 1);
  });

  it('readers never see a partial object file while another process rewrites it', async () => {
    const { root } = fresh();
    const writer = startWorker(['rewrite', root, '150'], 60_000);
    await waitForLine(writer, 'created', 20_000);
    const file = join(root, 'pods', 'default', 'big.json');
    let reads = 0;
    const versions = new Set<string>();
    let finished = false;
    void writer.done.then(() => (finished = true));
    while (!finished) {
      const text = readFileSync(file, 'utf8');
      const obj = JSON.parse(text) as { metadata: { resourceVersion: string; annotations: { blob: string } } };
      const blob = obj.metadata.annotations.blob;
      assert.equal(blob.length, 200_000);
      const i = blob.slice(0, blob.indexOf(':'));
      assert.equal(blob.slice(-1), String(Number(i) % 10), 'one version of the blob throughout');
      versions.add(obj.metadata.resourceVersion);
      reads++;
      await new Promise((r) => setImmediate(r));
    }
    const out = await writer.done;
    assert.equal(out.status, 0, out.stderr);
    assert.ok(reads > 20 && versions.size > 5, `${reads} reads saw ${versions.size} versions`);
    assert.deepEqual(readdirSync(join(root, 'pods', 'default')), ['big.json'], 'no temporaries left');
  });
});
