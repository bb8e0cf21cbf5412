// The file source's API semantics on a real directory: CRUD, errors by
// reason, list snapshots and selectors, patches, finalizers, and the files it
// leaves (canonical JSON at <resource>/<scope>/<name>.json, nothing else).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ClusterError } from '../../../src/agent/cluster/errors.js';
import type { Pod } from '../../../src/agent/cluster/types.js';
import { makeRoot, openSource, type TempRoot } from './helpers.js';

const pod = (name: string, labels: Record<string, string> = {}, nodeName = 'n1', namespace = 'default'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { nodeName, containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] },
});
const reason = (r: string) => (e: unknown) => e instanceof ClusterError && e.reason === r;

describe('file cluster source', () => {
  const roots: TempRoot[] = [];
  after(() => roots.forEach((r) => r.remove()));
  const fresh = () => {
    const r = makeRoot();
    roots.push(r);
    return { root: r.path, ...openSource(r.path) };
  };

  it('create, get, update, delete with server-set fields and canonical files', async () => {
    const { root, source } = fresh();
    const created = await source.create('Pod', pod('web'));
    assert.match(created.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(created.metadata.creationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(created.spec.containers[0]?.ports?.[0]?.protocol, 'TCP', 'defaults applied');
    const file = join(root, 'pods', 'default', 'web.json');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), created);
    assert.deepEqual(await source.get('Pod', { name: 'web', namespace: 'default' }), created);

    const node = await source.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    assert.ok(readdirSync(join(root, 'nodes', '_cluster')).includes('n1.json'));
    assert.ok(Number(node.metadata.resourceVersion) > Number(created.metadata.resourceVersion));

    const updated = await source.update('Pod', { ...created, metadata: { ...created.metadata, labels: { app: 'web' } } });
    assert.equal(Number(updated.metadata.resourceVersion), Number(node.metadata.resourceVersion) + 1);
    assert.equal(updated.metadata.uid, created.metadata.uid);

    const deleted = await source.delete('Pod', { name: 'web', namespace: 'default' });
    assert.equal(Number(deleted.metadata.resourceVersion), Number(updated.metadata.resourceVersion) + 1);
    await assert.rejects(source.get('Pod', { name: 'web', namespace: 'default' }), (e: unknown) => reason('NotFound')(e) && (e as ClusterError).code === 404);
    assert.deepEqual(readdirSync(join(root, 'pods', 'default')), [], 'file removed, no temporaries left');
  });

  it('errors by reason: AlreadyExists, Conflict on a stale version, NotFound, Invalid, BadRequest', async () => {
    const { source } = fresh();
    const v1 = await source.create('Pod', pod('a'));
    await assert.rejects(source.create('Pod', pod('a')), reason('AlreadyExists'));
    await source.update('Pod', { ...v1, metadata: { ...v1.metadata, labels: { x: '1' } } });
    await assert.rejects(source.update('Pod', { ...v1, metadata: { ...v1.metadata, labels: { x: '2' } } }), (e: unknown) => reason('Conflict')(e) && (e as ClusterError).code === 409);
    await assert.rejects(source.delete('Pod', { name: 'a', namespace: 'default' }, { preconditions: { resourceVersion: v1.metadata.resourceVersion } }), reason('Conflict'));
    await assert.rejects(source.update('Pod', pod('nope')), reason('NotFound'));
    await assert.rejects(source.delete('Pod', { name: 'nope', namespace: 'default' }), reason('NotFound'));
    await assert.rejects(source.create('Pod', { ...pod('b'), spec: { containers: [{ name: 'c', ports: [{ containerPort: 0 }] }] } }), (e: unknown) => reason('Invalid')(e) && (e as ClusterError).details.field === 'spec.containers[0].ports[0].containerPort');
    await assert.rejects(source.get('Pod', { name: '../etc', namespace: 'default' }), reason('BadRequest'));
    await assert.rejects(source.get('Pod', { name: 'a' }), reason('BadRequest'), 'namespaced kinds need a namespace');
    await assert.rejects(source.list('Pod', { fieldSelector: 'spec.bogus=1' }), reason('BadRequest'));
    await assert.rejects(source.updateStatus('NetworkPolicy', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'x', namespace: 'default' }, spec: { podSelector: {} } }), reason('MethodNotAllowed'));
  });

  it('an update that changes nothing keeps its version and writes no journal record', async () => {
    const { root, source } = fresh();
    const v = await source.create('Pod', pod('same'));
    const journal = () => readdirSync(join(root, '.podwire', 'journal')).map((f) => readFileSync(join(root, '.podwire', 'journal', f), 'utf8')).join('');
    const before = journal();
    const again = await source.update('Pod', structuredClone(v));
    assert.equal(again.metadata.resourceVersion, v.metadata.resourceVersion);
    assert.equal(journal(), before);
  });

  it('list is a snapshot at a version, filtered by namespace, labels and fields, in namespace/name order', async () => {
    const { source } = fresh();
    await source.create('Pod', pod('b', { app: 'web' }, 'n1', 'x'));
    await source.create('Pod', pod('a', { app: 'web' }, 'n2', 'x'));
    await source.create('Pod', pod('c', { app: 'db' }, 'n1', 'y'));
    const last = await source.create('Pod', pod('a', { app: 'web' }, 'n1', 'y'));
    const all = await source.list('Pod');
    assert.deepEqual(all.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ['x/a', 'x/b', 'y/a', 'y/c']);
    assert.equal(all.resourceVersion, last.metadata.resourceVersion);
    const names = async (o: Parameters<typeof source.list>[1]) => (await source.list('Pod', o)).items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
    assert.deepEqual(await names({ namespace: 'y' }), ['y/a', 'y/c']);
    assert.deepEqual(await names({ labelSelector: 'app=web' }), ['x/a', 'x/b', 'y/a']);
    assert.deepEqual(await names({ labelSelector: 'app in (db),!missing' }), ['y/c']);
    assert.deepEqual(await names({ fieldSelector: 'spec.nodeName=n1', labelSelector: 'app=web' }), ['x/b', 'y/a']);
    assert.deepEqual(await names({ fieldSelector: 'metadata.name=a,metadata.namespace!=x' }), ['y/a']);
    assert.deepEqual((await source.list('Node')).items, []);
  });

  it('status: updateStatus and status patches change only status; main updates keep it', async () => {
    const { source } = fresh();
    const p = await source.create('Pod', pod('s'));
    const running = await source.updateStatus('Pod', { ...p, spec: { containers: [{ name: 'ignored' }] }, status: { phase: 'Running', podIPs: [{ ip: '10.244.1.5' }, { ip: 'fd00::5' }] } });
    assert.equal(running.status?.podIP, '10.244.1.5');
    assert.equal(running.spec.containers[0]?.name, 'c');
    const relabeled = await source.update('Pod', { ...running, metadata: { ...running.metadata, labels: { a: 'b' } }, status: { phase: 'Failed' } });
    assert.equal(relabeled.status?.phase, 'Running', 'main update keeps status');
    const patched = await source.patch('Pod', { name: 's', namespace: 'default' }, { status: { phase: 'Succeeded' } }, { subresource: 'status' });
    assert.equal(patched.status?.phase, 'Succeeded');
    assert.deepEqual(patched.metadata.labels, { a: 'b' });
  });

  it('merge patch: labels, null removes, a resourceVersion in the patch is a precondition', async () => {
    const { source } = fresh();
    const p = await source.create('Pod', pod('m', { a: '1', b: '2' }));
    const q = await source.patch('Pod', { name: 'm', namespace: 'default' }, { metadata: { labels: { b: null, c: '3' } } });
    assert.deepEqual(q.metadata.labels, { a: '1', c: '3' });
    await assert.rejects(source.patch('Pod', { name: 'm', namespace: 'default' }, { metadata: { resourceVersion: p.metadata.resourceVersion, labels: { d: '4' } } }), reason('Conflict'));
    const r = await source.patch('Pod', { name: 'm', namespace: 'default' }, { metadata: { resourceVersion: q.metadata.resourceVersion, labels: { d: '4' } } });
    assert.equal(r.metadata.labels?.d, '4');
    await assert.rejects(source.patch('Pod', { name: 'm', namespace: 'default' }, { metadata: { name: 'other' } }), reason('BadRequest'));
  });

  it('finalizers: delete marks, removing the last finalizer deletes', async () => {
    const { root, source } = fresh();
    const p = await source.create('Pod', { ...pod('f'), metadata: { name: 'f', namespace: 'default', finalizers: ['podwire.io/teardown'] } });
    const marked = await source.delete('Pod', { name: 'f', namespace: 'default' });
    assert.ok(marked.metadata.deletionTimestamp);
    assert.equal((await source.get('Pod', { name: 'f', namespace: 'default' })).metadata.deletionTimestamp, marked.metadata.deletionTimestamp);
    await source.update('Pod', { ...marked, metadata: { ...marked.metadata, finalizers: [] } });
    await assert.rejects(source.get('Pod', { name: 'f', namespace: 'default' }), reason('NotFound'));
    assert.deepEqual(readdirSync(join(root, 'pods', 'default')), []);
    assert.ok(p.metadata.uid);
  });

  it('generateName picks a free name', async () => {
    const { source } = fresh();
    const a = await source.create('Pod', { ...pod(''), metadata: { name: '', generateName: 'job-', namespace: 'default' } });
    const b = await source.create('Pod', { ...pod(''), metadata: { name: '', generateName: 'job-', namespace: 'default' } });
    assert.match(a.metadata.name, /^job-[a-z0-9]{5}$/);
    assert.notEqual(a.metadata.name, b.metadata.name);
  });

  it('two sources on one root see one store (one version sequence)', async () => {
    const r = makeRoot();
    roots.push(r);
    const one = openSource(r.path).source;
    const two = openSource(r.path).source;
    const a = await one.create('Pod', pod('a'));
    const b = await two.create('Pod', pod('b'));
    assert.equal(Number(b.metadata.resourceVersion), Number(a.metadata.resourceVersion) + 1);
    assert.deepEqual((await one.list('Pod')).items.map((p) => p.metadata.name), ['a', 'b']);
    await assert.rejects(two.update('Pod', { ...a, metadata: { ...a.metadata, resourceVersion: '1' } }), reason('Conflict'));
  });
});
