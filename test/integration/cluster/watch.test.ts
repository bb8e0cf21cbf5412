// Watch semantics of the file source: order, resume, Gone after the history
// is trimmed, initial replay, selector transitions, bookmarks, and delivery
// by fs.watch alone (timer fallback set far away).
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClusterError } from '../../../src/agent/cluster/errors.js';
import type { WatchEvent } from '../../../src/agent/cluster/cluster-source.js';
import type { Pod } from '../../../src/agent/cluster/types.js';
import { makeRoot, openSource, quiet, summarize, take, type TempRoot } from './helpers.js';

/** The object of a non-bookmark event. */
function objectOf(e: WatchEvent<Pod> | undefined): Pod {
  assert.ok(e && e.type !== 'BOOKMARK', `expected an object event, got ${e?.type}`);
  return e.object;
}

const pod = (name: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels },
  spec: { containers: [{ name: 'c' }] },
});

describe('file source watches', () => {
  const roots: TempRoot[] = [];
  const closers: (() => void)[] = [];
  after(() => {
    closers.forEach((c) => c());
    roots.forEach((r) => r.remove());
  });
  const fresh = (overrides: Parameters<typeof openSource>[1] = {}) => {
    const r = makeRoot();
    roots.push(r);
    const s = openSource(r.path, overrides);
    closers.push(() => s.source.close());
    return { root: r.path, ...s };
  };

  it('delivers every change after the list version, in order, with the writers\' versions', async () => {
    const { source } = fresh();
    await source.create('Pod', pod('before'));
    const list = await source.list('Pod');
    const w = source.watch('Pod', { resourceVersion: list.resourceVersion });
    const a = await source.create('Pod', pod('a'));
    await source.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } }); // other kind: not shown
    const a2 = await source.update('Pod', { ...a, metadata: { ...a.metadata, labels: { v: '2' } } });
    const b = await source.create('Pod', pod('b'));
    const del = await source.delete('Pod', { name: 'a', namespace: 'default' });
    const events = await take(w, 4);
    w.stop();
    assert.deepEqual(events.map(summarize), [
      `ADDED:a@${a.metadata.resourceVersion}`,
      `MODIFIED:a@${a2.metadata.resourceVersion}`,
      `ADDED:b@${b.metadata.resourceVersion}`,
      `DELETED:a@${del.metadata.resourceVersion}`,
    ]);
    assert.deepEqual(objectOf(events[1]).metadata.labels, { v: '2' });
  });

  it('resumes from any version still in the history, exactly after it', async () => {
    const { source } = fresh();
    const versions: string[] = [];
    for (let i = 0; i < 6; i++) versions.push((await source.create('Pod', pod(`p${i}`))).metadata.resourceVersion);
    const w = source.watch('Pod', { resourceVersion: versions[2] as string });
    const events = await take(w, 3);
    w.stop();
    assert.deepEqual(events.map((e) => e.object.metadata.resourceVersion), versions.slice(3));
  });

  it('without a version, replays current objects as ADDED, then follows', async () => {
    const { source } = fresh();
    await source.create('Pod', pod('x', { app: 'web' }));
    await source.create('Pod', pod('y'));
    const w = source.watch('Pod', { labelSelector: 'app=web' });
    const first = await take(w, 1);
    await source.create('Pod', pod('z', { app: 'web' }));
    const next = await take(w, 1);
    w.stop();
    assert.deepEqual([...first, ...next].map((e) => `${e.type}:${objectOf(e).metadata.name}`), ['ADDED:x', 'ADDED:z']);
  });

  it('answers Gone for a version older than the kept history, and resumes from a recent one', async () => {
    const { root, source } = fresh({ historyLimit: 5, segmentRecords: 2 });
    const versions: string[] = [];
    for (let i = 0; i < 20; i++) versions.push((await source.create('Pod', pod(`p${i}`))).metadata.resourceVersion);
    const segments = readdirSync(join(root, '.podwire', 'journal'));
    assert.ok(segments.length <= 5, `old segments trimmed: ${segments.join(' ')}`);
    const old = source.watch('Pod', { resourceVersion: versions[1] as string });
    await assert.rejects(take(old, 1), (e: unknown) => e instanceof ClusterError && e.reason === 'Gone' && e.code === 410 && /too old resource version/.test(e.message));
    const recent = source.watch('Pod', { resourceVersion: versions[16] as string });
    const events = await take(recent, 3);
    recent.stop();
    assert.deepEqual(events.map((e) => e.object.metadata.resourceVersion), versions.slice(17));
    const future = source.watch('Pod', { resourceVersion: String(Number(versions[19]) + 100) });
    await assert.rejects(take(future, 1), (e: unknown) => e instanceof ClusterError && e.reason === 'Gone');
    await assert.rejects(take(source.watch('Pod', { resourceVersion: 'abc' }), 1), (e: unknown) => e instanceof ClusterError && e.reason === 'BadRequest');
  });

  it('a watcher that falls behind the trimmed history mid-stream gets Gone after the events it had', async () => {
    const { source } = fresh({ historyLimit: 3, segmentRecords: 2, pollMs: 60_000 });
    const start = await source.create('Pod', pod('start'));
    const w = source.watch('Pod', { resourceVersion: start.metadata.resourceVersion });
    // An uncontended write completes in microtasks (the lock is taken on the
    // first try), so these writes run before any fs.watch callback or timer:
    // by the time the watch reads, its next record has been trimmed.
    await take(w, 0);
    for (let i = 0; i < 12; i++) await source.create('Pod', pod(`p${i}`));
    const it = w[Symbol.asyncIterator]();
    const seen: string[] = [];
    await assert.rejects(
      (async () => {
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          seen.push(objectOf(r.value).metadata.name);
        }
      })(),
      (e: unknown) => e instanceof ClusterError && e.reason === 'Gone',
    );
    assert.ok(seen.length < 12, `some events were lost to trimming: saw ${seen.join(' ')}`);
  });

  it('selector watches see objects enter as ADDED and leave as DELETED', async () => {
    const { source } = fresh();
    const p = await source.create('Pod', pod('p'));
    const w = source.watch('Pod', { resourceVersion: p.metadata.resourceVersion, labelSelector: 'app=web' });
    const p2 = await source.update('Pod', { ...p, metadata: { ...p.metadata, labels: { app: 'web' } } });
    const p3 = await source.update('Pod', { ...p2, metadata: { ...p2.metadata, labels: { app: 'web', x: '1' } } });
    const p4 = await source.update('Pod', { ...p3, metadata: { ...p3.metadata, labels: { app: 'db' } } });
    await source.delete('Pod', { name: 'p', namespace: 'default' });
    const events = await take(w, 3);
    assert.equal(await quiet(w, 300), undefined, 'the delete of an object out of view is not shown');
    w.stop();
    assert.deepEqual(events.map(summarize), [`ADDED:p@${p2.metadata.resourceVersion}`, `MODIFIED:p@${p3.metadata.resourceVersion}`, `DELETED:p@${p4.metadata.resourceVersion}`]);
  });

  it('bookmarks advance a filtered watch past changes it does not see', async () => {
    const { source } = fresh({ bookmarkIntervalMs: 0 });
    const start = await source.create('Pod', pod('start'));
    const w = source.watch('Pod', { resourceVersion: start.metadata.resourceVersion, labelSelector: 'app=none', allowWatchBookmarks: true });
    const other = await source.create('Pod', pod('other'));
    const [bm] = await take(w, 1);
    w.stop();
    assert.equal(bm?.type, 'BOOKMARK');
    assert.equal(bm?.object.metadata.resourceVersion, other.metadata.resourceVersion);
    assert.equal(bm?.object.kind, 'Pod');
  });

  it('fs.watch alone delivers promptly (the timer fallback set to a minute)', async () => {
    const { source } = fresh({ pollMs: 60_000 });
    const start = await source.create('Pod', pod('start'));
    const w = source.watch('Pod', { resourceVersion: start.metadata.resourceVersion });
    await take(w, 0);
    const t0 = performance.now();
    await source.create('Pod', pod('fast'));
    const [e] = await take(w, 1, 3000);
    w.stop();
    assert.equal(objectOf(e).metadata.name, 'fast');
    assert.ok(performance.now() - t0 < 3000);
  });

  it('stop ends the iteration; close stops every watch', async () => {
    const { source } = fresh();
    const w = source.watch('Pod', {});
    const pending = w[Symbol.asyncIterator]().next();
    w.stop();
    assert.deepEqual(await pending, { value: undefined, done: true });
    const a = source.watch('Pod', {});
    const b = source.watch('Node', {});
    source.close();
    assert.equal((await a[Symbol.asyncIterator]().next()).done, true);
    assert.equal((await b[Symbol.asyncIterator]().next()).done, true);
  });
});
