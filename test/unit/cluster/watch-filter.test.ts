import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClusterError } from '../../../src/agent/cluster/errors.js';
import type { Pod, Stored } from '../../../src/agent/cluster/types.js';
import { inView, makeFilter, viewOf, type ChangeType } from '../../../src/agent/cluster/watch-filter.js';

const pod = (labels: Record<string, string>, nodeName = 'n1', namespace = 'a'): Stored<Pod> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace, labels, uid: 'u', resourceVersion: '5', creationTimestamp: 't' },
  spec: { nodeName, containers: [{ name: 'c' }] },
});

describe('watch filter', () => {
  const f = makeFilter('Pod', { namespace: 'a', labelSelector: 'app=web', fieldSelector: 'spec.nodeName=n1' });
  it('matches namespace, labels and fields', () => {
    assert.equal(inView(f, pod({ app: 'web' })), true);
    assert.equal(inView(f, pod({ app: 'db' })), false);
    assert.equal(inView(f, pod({ app: 'web' }, 'n2')), false);
    assert.equal(inView(f, pod({ app: 'web' }, 'n1', 'b')), false);
  });
  const cases: [string, ChangeType, Stored<Pod> | undefined, Stored<Pod>, ChangeType | undefined][] = [
    ['added in view', 'ADDED', undefined, pod({ app: 'web' }), 'ADDED'],
    ['added out of view', 'ADDED', undefined, pod({}), undefined],
    ['modified in view', 'MODIFIED', pod({ app: 'web' }), pod({ app: 'web', x: '1' }), 'MODIFIED'],
    ['enters the view', 'MODIFIED', pod({}), pod({ app: 'web' }), 'ADDED'],
    ['leaves the view (label)', 'MODIFIED', pod({ app: 'web' }), pod({ app: 'db' }), 'DELETED'],
    ['leaves the view (field)', 'MODIFIED', pod({ app: 'web' }), pod({ app: 'web' }, 'n2'), 'DELETED'],
    ['stays out', 'MODIFIED', pod({}), pod({ x: '1' }), undefined],
    ['deleted in view', 'DELETED', undefined, pod({ app: 'web' }), 'DELETED'],
    ['deleted out of view', 'DELETED', undefined, pod({}), undefined],
  ];
  for (const [name, type, prev, object, want] of cases) {
    it(name, () => assert.equal(viewOf(f, { type, object, prev })?.type, want));
  }
  it('an object leaving the view is deleted as it was when it matched, at the new version', () => {
    const prev = pod({ app: 'web' });
    const next = { ...pod({ app: 'db' }), metadata: { ...pod({ app: 'db' }).metadata, resourceVersion: '9' } };
    const v = viewOf(f, { type: 'MODIFIED', object: next, prev });
    assert.deepEqual(v?.object.metadata.labels, { app: 'web' });
    assert.equal(v?.object.metadata.resourceVersion, '9');
  });
  it('other kinds are never in view', () => {
    assert.equal(inView(makeFilter('Node', {}), pod({}) as never), false);
  });
  it('bad selectors and unsupported field labels are BadRequest', () => {
    assert.throws(() => makeFilter('Pod', { labelSelector: 'a in b' }), (e: unknown) => e instanceof ClusterError && e.reason === 'BadRequest');
    assert.throws(() => makeFilter('Node', { fieldSelector: 'spec.nodeName=x' }), (e: unknown) => e instanceof ClusterError && /field label not supported/.test(e.message));
  });
});
