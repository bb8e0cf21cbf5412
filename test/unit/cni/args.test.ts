import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCniArgs, K8S_ARGS } from '../../../src/cni/args.js';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';

const known = [...K8S_ARGS, 'IP', 'MAC'];

describe('parseCniArgs', () => {
  test('empty string gives no args', () => {
    assert.equal(parseCniArgs('', known).size, 0);
  });

  test('containerd order is random and IgnoreUnknown may come anywhere', () => {
    const m = parseCniArgs('K8S_POD_UID=u1;K8S_POD_NAME=web-0;Foo=bar;IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_INFRA_CONTAINER_ID=abc', known);
    assert.deepEqual(Object.fromEntries(m), { K8S_POD_UID: 'u1', K8S_POD_NAME: 'web-0', K8S_POD_NAMESPACE: 'default', K8S_POD_INFRA_CONTAINER_ID: 'abc' });
  });

  test('IgnoreUnknown=true is accepted like libcni', () => {
    assert.equal(parseCniArgs('IgnoreUnknown=true;X=1;IP=10.0.0.9', known).get('IP'), '10.0.0.9');
  });

  test('values may contain =', () => {
    assert.equal(parseCniArgs('MAC=a=b', known).get('MAC'), 'a=b');
  });

  test('an unknown key without IgnoreUnknown is error 4 naming the key', () => {
    assert.throws(() => parseCniArgs('Foo=bar', known), (e: unknown) => e instanceof CniError && e.code === ErrorCode.InvalidEnvironment && /unknown key "Foo"/.test(e.msg));
  });

  test('IgnoreUnknown=0 does not ignore', () => {
    assert.throws(() => parseCniArgs('IgnoreUnknown=0;Foo=bar', known), CniError);
  });

  test('a pair without = is error 4 naming CNI_ARGS', () => {
    assert.throws(() => parseCniArgs('K8S_POD_NAME', known), (e: unknown) => e instanceof CniError && e.code === ErrorCode.InvalidEnvironment && e.msg.startsWith('CNI_ARGS:'));
  });
});
