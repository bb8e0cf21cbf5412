import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compareNodeNames, placePods } from '../../../src/lab/scheduler.js';
import { fabricPort, nodeAddress, nodeMac, nodeNameProblem, ownsNetns, podNetns, prefixProblem } from '../../../src/lab/layout.js';

describe('lab scheduler', () => {
  test('node names order numerically (node2 before node10)', () => {
    assert.deepEqual(['node10', 'node2', 'node1'].sort(compareNodeNames), ['node1', 'node2', 'node10']);
  });

  test('unpinned pods spread round-robin to the least loaded node', () => {
    const placed = placePods(['node1', 'node2', 'node3'], {}, ['a', 'b', 'c', 'd'].map((key) => ({ key })));
    assert.deepEqual([...placed], [['a', 'node1'], ['b', 'node2'], ['c', 'node3'], ['d', 'node1']]);
  });

  test('existing load counts, and a pinned pod counts toward its node', () => {
    const placed = placePods(['node1', 'node2'], { node1: 2 }, [{ key: 'p', nodeName: 'node2' }, { key: 'q' }, { key: 'r' }]);
    assert.deepEqual([...placed], [['p', 'node2'], ['q', 'node2'], ['r', 'node1']]);
  });

  test('a pod pinned to an unknown node is refused, naming it', () => {
    assert.throws(() => placePods(['node1'], {}, [{ key: 'x/a', nodeName: 'node9' }]), /pod x\/a: spec.nodeName "node9" is not a lab node/);
    assert.throws(() => placePods([], {}, [{ key: 'x/a' }]), /no nodes/);
  });
});

describe('lab layout', () => {
  test('prefixes and node names are validated', () => {
    assert.equal(prefixProblem('pwlab'), undefined);
    assert.match(prefixProblem('PW') ?? '', /lowercase/);
    assert.equal(nodeNameProblem('node-1'), undefined);
    assert.match(nodeNameProblem('fabric') ?? '', /reserved/);
    assert.match(nodeNameProblem('pod-x') ?? '', /reserved/);
    assert.match(nodeNameProblem('Node_1') ?? '', /DNS label/);
  });

  test('names stay within kernel limits and belong to their prefix', () => {
    const long = podNetns('pwlab', 'n'.repeat(80), 'p'.repeat(80));
    assert.ok(long.length <= 120 && ownsNetns('pwlab', long), long);
    assert.equal(podNetns('pwlab', 'x', 'a'), 'pwlab-pod-x-a');
    assert.ok(fabricPort('a-very-long-node-name').length <= 15);
    assert.equal(fabricPort('node1'), 'v-node1');
    assert.equal(ownsNetns('pwlab', 'pwlabx-node1'), false);
  });

  test('a node slot fixes its underlay address and MAC', () => {
    assert.equal(nodeAddress(1), '10.255.0.11');
    assert.equal(nodeMac(1), '02:50:0a:ff:00:0b');
  });
});
