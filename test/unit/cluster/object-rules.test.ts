// The API server's write semantics as pure functions.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterError } from '../../../src/agent/cluster/errors.js';
import { formatTime, prepareApply, prepareCreate, prepareDelete, prepareStatusUpdate, prepareUpdate, randomNameSuffix, type Outcome, type RuleContext } from '../../../src/agent/cluster/object-rules.js';
import type { ClusterObject, Node, Pod, Stored } from '../../../src/agent/cluster/types.js';

const NOW = new Date('2030-01-02T03:04:05.678Z');
const ctx = (rv: number): RuleContext => ({ rv: String(rv), now: NOW, newUid: () => `uid-${rv}` });
const podInput = (): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { a: '1' } }, spec: { containers: [{ name: 'c' }] } });

function written(o: Outcome): Stored<ClusterObject> {
  assert.equal(o.op, 'write');
  return o.object;
}
const reason = (r: string) => (e: unknown) => e instanceof ClusterError && e.reason === r;

function created(): Stored<Pod> {
  return written(prepareCreate('Pod', podInput(), undefined, ctx(10))) as Stored<Pod>;
}

describe('create', () => {
  it('sets uid, creationTimestamp (seconds), generation and version', () => {
    const p = created();
    assert.deepEqual(
      { uid: p.metadata.uid, ts: p.metadata.creationTimestamp, gen: p.metadata.generation, rv: p.metadata.resourceVersion },
      { uid: 'uid-10', ts: '2030-01-02T03:04:05Z', gen: 1, rv: '10' },
    );
    assert.equal(formatTime(NOW), '2030-01-02T03:04:05Z');
  });
  it('refuses a resourceVersion, an existing name, an invalid object', () => {
    const withRv = podInput();
    withRv.metadata.resourceVersion = '3';
    assert.throws(() => prepareCreate('Pod', withRv, undefined, ctx(10)), reason('BadRequest'));
    assert.throws(() => prepareCreate('Pod', podInput(), created(), ctx(11)), (e: unknown) => reason('AlreadyExists')(e) && (e as ClusterError).code === 409);
    assert.throws(() => prepareCreate('Pod', { ...podInput(), spec: { containers: [] } }, undefined, ctx(10)), reason('Invalid'));
  });
  it('ignores client-set uid and deletionTimestamp', () => {
    const input = podInput();
    input.metadata.uid = 'mine';
    input.metadata.deletionTimestamp = '2020-01-01T00:00:00Z';
    const p = written(prepareCreate('Pod', input, undefined, ctx(10)));
    assert.equal(p.metadata.uid, 'uid-10');
    assert.equal(p.metadata.deletionTimestamp, undefined);
  });
  it('generateName suffixes look like the API server\'s', () => {
    let i = 0;
    const s = randomNameSuffix(() => (i++ % 10) / 10);
    assert.match(s, /^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });
});

describe('update', () => {
  it('is compare-and-swap on resourceVersion; no version means unconditional', () => {
    const p = created();
    const stale = { ...structuredClone(p), metadata: { ...p.metadata, resourceVersion: '9', labels: { a: '2' } } };
    assert.throws(() => prepareUpdate('Pod', stale, p, ctx(11)), (e: unknown) => reason('Conflict')(e) && /has been modified/.test((e as Error).message));
    const { resourceVersion: _rv, ...meta } = stale.metadata;
    const o = prepareUpdate('Pod', { ...stale, metadata: meta }, p, ctx(11));
    assert.equal(written(o).metadata.resourceVersion, '11');
    assert.equal(o.op === 'write' && o.type, 'MODIFIED');
    assert.equal(o.op === 'write' && o.prev, p);
  });
  it('a uid precondition that does not match is a Conflict', () => {
    const p = created();
    const other = { ...structuredClone(p), metadata: { ...p.metadata, uid: 'someone-else' } };
    assert.throws(() => prepareUpdate('Pod', other, p, ctx(11)), (e: unknown) => reason('Conflict')(e) && /UID in precondition/.test((e as Error).message));
  });
  it('NotFound when absent; BadRequest when renaming', () => {
    assert.throws(() => prepareUpdate('Pod', podInput(), undefined, ctx(11)), reason('NotFound'));
    const p = created();
    assert.throws(() => prepareUpdate('Pod', { ...p, metadata: { ...p.metadata, name: 'q' } }, p, ctx(11)), reason('BadRequest'));
  });
  it('changing nothing is a no-op: same version, same object', () => {
    const p = created();
    const o = prepareUpdate('Pod', structuredClone(p), p, ctx(11));
    assert.equal(o.op, 'none');
    assert.equal(o.object.metadata.resourceVersion, '10');
  });
  it('keeps server-set metadata and, for status kinds, status', () => {
    const p: Stored<Pod> = { ...created(), status: { phase: 'Running' } };
    const next = structuredClone(p);
    next.metadata.creationTimestamp = '1999-01-01T00:00:00Z';
    next.status = { phase: 'Failed' };
    next.metadata.labels = { a: '3' };
    const o = written(prepareUpdate('Pod', next, p, ctx(11))) as Stored<Pod>;
    assert.equal(o.metadata.creationTimestamp, p.metadata.creationTimestamp);
    assert.equal(o.status?.phase, 'Running');
    assert.deepEqual(o.metadata.labels, { a: '3' });
    assert.equal(o.metadata.generation, 1, 'labels are not spec');
  });
  it('bumps generation on spec changes', () => {
    const p = created();
    const next = structuredClone(p);
    next.spec.nodeName = 'n1';
    assert.equal(written(prepareUpdate('Pod', next, p, ctx(11))).metadata.generation, 2);
  });
  it('Node podCIDRs cannot change once set', () => {
    const n = written(prepareCreate('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: {} } satisfies Node, undefined, ctx(5))) as Stored<Node>;
    const set = written(prepareUpdate('Node', { ...n, spec: { podCIDRs: ['10.0.1.0/24'] } }, n, ctx(6))) as Stored<Node>;
    assert.deepEqual(set.spec?.podCIDRs, ['10.0.1.0/24']);
    assert.throws(() => prepareUpdate('Node', { ...set, spec: { podCIDRs: ['10.0.2.0/24'] } }, set, ctx(7)), (e: unknown) => reason('Invalid')(e) && (e as ClusterError).details.field === 'spec.podCIDRs');
  });
});

describe('status update', () => {
  it('changes only status, with preconditions', () => {
    const p = created();
    const input = { ...structuredClone(p), spec: { containers: [{ name: 'other' }] }, metadata: { ...p.metadata, labels: { x: 'y' } }, status: { phase: 'Running' as const, podIP: '10.0.0.1' } };
    const o = written(prepareStatusUpdate('Pod', input, p, ctx(11))) as Stored<Pod>;
    assert.deepEqual(o.status, { phase: 'Running', podIP: '10.0.0.1', podIPs: [{ ip: '10.0.0.1' }] });
    assert.deepEqual(o.spec.containers.map((c) => c.name), ['c']);
    assert.deepEqual(o.metadata.labels, { a: '1' });
    assert.throws(() => prepareStatusUpdate('Pod', { ...input, metadata: { ...input.metadata, resourceVersion: '1' } }, p, ctx(11)), reason('Conflict'));
    assert.throws(() => prepareStatusUpdate('Pod', { ...input, status: { podIP: 'x' } }, p, ctx(11)), (e: unknown) => reason('Invalid')(e) && (e as ClusterError).details.field === 'status.podIP');
  });
  it('kinds without a status subresource answer MethodNotAllowed', () => {
    assert.throws(() => prepareStatusUpdate('NetworkPolicy', {}, undefined, ctx(1)), (e: unknown) => reason('MethodNotAllowed')(e) && (e as ClusterError).code === 405);
  });
});

describe('delete and finalizers', () => {
  it('deletes at a new version; preconditions guard it', () => {
    const p = created();
    assert.throws(() => prepareDelete('Pod', p, p.metadata, { uid: 'nope' }, ctx(11)), reason('Conflict'));
    assert.throws(() => prepareDelete('Pod', p, p.metadata, { resourceVersion: '9' }, ctx(11)), reason('Conflict'));
    assert.throws(() => prepareDelete('Pod', undefined, { name: 'x', namespace: 'ns' }, {}, ctx(11)), reason('NotFound'));
    const o = prepareDelete('Pod', p, p.metadata, { uid: 'uid-10', resourceVersion: '10' }, ctx(11));
    assert.equal(o.op, 'delete');
    assert.equal(o.object.metadata.resourceVersion, '11');
  });
  it('with finalizers: marks, then removes when the last finalizer goes; no new finalizers meanwhile', () => {
    const input = podInput();
    input.metadata.finalizers = ['podwire.io/cleanup'];
    const p = written(prepareCreate('Pod', input, undefined, ctx(10)));
    const marked = written(prepareDelete('Pod', p, p.metadata, {}, ctx(11)));
    assert.equal(marked.metadata.deletionTimestamp, '2030-01-02T03:04:05Z');
    assert.equal(prepareDelete('Pod', marked, p.metadata, {}, ctx(12)).op, 'none', 'deleting again changes nothing');
    const more = structuredClone(marked);
    more.metadata.finalizers = ['podwire.io/cleanup', 'other'];
    assert.throws(() => prepareUpdate('Pod', more, marked, ctx(12)), reason('Invalid'));
    const cleared = structuredClone(marked);
    cleared.metadata.finalizers = [];
    const o = prepareUpdate('Pod', cleared, marked, ctx(12));
    assert.equal(o.op, 'delete');
    assert.equal(o.object.metadata.resourceVersion, '12');
  });
});

describe('apply (manifests)', () => {
  it('creates, then replaces spec but keeps live status unless the manifest has one', () => {
    const dump = { ...podInput(), metadata: { ...podInput().metadata, resourceVersion: '77', uid: 'old' } };
    const p = written(prepareApply('Pod', dump, undefined, ctx(10))) as Stored<Pod>;
    assert.equal(p.metadata.uid, 'uid-10');
    const live = { ...p, status: { phase: 'Running' as const } };
    const o = written(prepareApply('Pod', { ...podInput(), spec: { nodeName: 'n2', containers: [{ name: 'c' }] } }, live, ctx(11))) as Stored<Pod>;
    assert.equal(o.spec.nodeName, 'n2');
    assert.equal(o.status?.phase, 'Running');
    assert.equal(o.metadata.uid, 'uid-10');
    const withStatus = written(prepareApply('Pod', { ...podInput(), status: { phase: 'Pending' } }, live, ctx(11))) as Stored<Pod>;
    assert.equal(withStatus.status?.phase, 'Pending');
    assert.equal(prepareApply('Pod', podInput(), p, ctx(12)).op, 'none', 're-applying the same manifest is a no-op');
  });
});
