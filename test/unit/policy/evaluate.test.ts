// Single connections: ports and protocols, nodes and host-network pods,
// what a trace explains, and the typed errors of the query API.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, type Endpoint } from '../../../src/core/policy/evaluate.js';
import { buildPolicyModel, policyTypesOf } from '../../../src/core/policy/model.js';
import type { NetworkPolicyInput, PolicyProtocol } from '../../../src/core/policy/inputs.js';
import { PolicyError } from '../../../src/core/policy/inputs.js';
import { parseNamespace, parseNetworkPolicy, parsePod } from '../../../src/agent/cluster/types.js';
import { cluster, clusterInputs, endpoint, EXTERNAL, NODE1, NODE2, policy, testPod } from './cluster.js';

type Check = readonly [from: string, to: string, port: number, protocol: PolicyProtocol, allowed: boolean];

const ep = (s: string): Endpoint => (s.includes('/') ? endpoint(s) : { ip: s });
const toA = (ports: NonNullable<NetworkPolicyInput['spec']['ingress']>): NetworkPolicyInput => policy('x/ports', { podSelector: { matchLabels: { pod: 'a' } }, ingress: ports });

const portCases: { name: string; policies: NetworkPolicyInput[]; checks: Check[] }[] = [
  {
    name: 'a numeric port defaults to TCP',
    policies: [toA([{ ports: [{ port: 80 }] }])],
    checks: [['y/b', 'x/a', 80, 'TCP', true], ['y/b', 'x/a', 81, 'TCP', false], ['y/b', 'x/a', 80, 'UDP', false], ['y/b', 'x/a', 80, 'SCTP', false]],
  },
  {
    name: 'a port entry without port admits every port of its protocol',
    policies: [toA([{ ports: [{ protocol: 'UDP' }] }])],
    checks: [['y/b', 'x/a', 80, 'UDP', true], ['y/b', 'x/a', 53, 'UDP', true], ['y/b', 'x/a', 80, 'TCP', false]],
  },
  {
    name: 'endPort makes an inclusive range',
    policies: [toA([{ ports: [{ port: 80, endPort: 82 }] }])],
    checks: [['y/b', 'x/a', 79, 'TCP', false], ['y/b', 'x/a', 80, 'TCP', true], ['y/b', 'x/a', 82, 'TCP', true], ['y/b', 'x/a', 83, 'TCP', false]],
  },
  {
    name: 'SCTP',
    policies: [toA([{ ports: [{ protocol: 'SCTP', port: 80 }] }])],
    checks: [['y/b', 'x/a', 80, 'SCTP', true], ['y/b', 'x/a', 80, 'TCP', false]],
  },
  {
    name: 'empty ports admit every port and protocol',
    policies: [toA([{ ports: [], from: [{ namespaceSelector: {} }] }])],
    checks: [['y/b', 'x/a', 1, 'TCP', true], ['y/b', 'x/a', 65535, 'UDP', true], ['y/b', 'x/a', 9, 'SCTP', true]],
  },
  {
    name: 'a named port must match name and protocol on the destination pod',
    policies: [toA([{ ports: [{ port: 'serve-81-udp', protocol: 'UDP' }, { port: 'serve-80-udp' }] }])],
    // serve-80-udp is declared UDP, the entry asks TCP: no match.
    checks: [['y/b', 'x/a', 81, 'UDP', true], ['y/b', 'x/a', 80, 'UDP', false], ['y/b', 'x/a', 80, 'TCP', false]],
  },
  {
    name: 'an egress named port never matches a destination that is not a pod',
    policies: [policy('y/out', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'web' }] }] })],
    checks: [['y/a', 'x/a', 80, 'TCP', true], ['y/a', 'x/b', 80, 'TCP', false], ['y/a', 'x/b', 81, 'TCP', true], ['y/a', EXTERNAL, 80, 'TCP', false], ['y/a', NODE2, 80, 'TCP', false]],
  },
];

const denyAllX = policy('x/deny-all', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });

const nodeCases: { name: string; policies: NetworkPolicyInput[]; checks: Check[] }[] = [
  {
    name: 'a pod and its own node always reach each other; other nodes and the outside do not',
    policies: [denyAllX],
    checks: [
      [NODE1, 'x/a', 80, 'TCP', true], ['x/a', NODE1, 10250, 'TCP', true],
      [NODE2, 'x/a', 80, 'TCP', false], ['x/a', NODE2, 80, 'TCP', false],
      [EXTERNAL, 'x/a', 80, 'TCP', false], ['x/a', EXTERNAL, 53, 'UDP', false],
    ],
  },
  {
    name: 'host-network pods are node traffic: their own node is exempt, others need an ipBlock',
    policies: [denyAllX],
    checks: [['kube-system/agent-n1', 'x/a', 80, 'TCP', true], ['kube-system/agent-n2', 'x/a', 80, 'TCP', false], ['x/a', 'kube-system/agent-n1', 80, 'TCP', true]],
  },
  {
    name: 'an ipBlock admits another node and its host-network pods',
    policies: [denyAllX, policy('x/from-n2', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: `${NODE2}/32` } }] }] })],
    checks: [[NODE2, 'x/a', 80, 'TCP', true], ['kube-system/agent-n2', 'x/a', 80, 'TCP', true], [EXTERNAL, 'x/a', 80, 'TCP', false]],
  },
  {
    name: 'selectors never match host-network pods, even with matching labels',
    policies: [policy('x/from-all-pods', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: {} }] }] })],
    checks: [['y/a', 'x/a', 80, 'TCP', true], ['kube-system/agent-n2', 'x/a', 80, 'TCP', false]],
  },
  {
    name: 'traffic between endpoints that are not pods is not NetworkPolicy traffic',
    policies: [denyAllX, policy('kube-system/deny', { podSelector: {} })],
    checks: [[NODE2, EXTERNAL, 80, 'TCP', true], ['kube-system/agent-n2', NODE1, 80, 'TCP', true]],
  },
];

describe('single connections', () => {
  for (const c of [...portCases, ...nodeCases]) {
    test(c.name, () => {
      const model = cluster(c.policies);
      for (const [from, to, port, protocol, allowed] of c.checks) {
        const v = evaluate(model, { from: ep(from), to: ep(to), port, protocol });
        assert.equal(v.allowed, allowed, `${from} -> ${to} ${port}/${protocol}: ${v.reason}`);
      }
    });
  }
});

describe('explanations', () => {
  const model = cluster([
    policy('x/deny-all', { podSelector: {} }),
    policy('x/web', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'c' } } }, { namespaceSelector: { matchLabels: { ns: 'y' } } }], ports: [{ port: 81 }, { port: 'web' }] }] }),
    policy('y/out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }, {}] }),
  ]);

  test('names the isolating policies and the first allowing (policy, rule, peer, port)', () => {
    const v = evaluate(model, { from: endpoint('y/b'), to: endpoint('x/a'), port: 80 });
    assert.equal(v.allowed, true);
    assert.deepEqual(v.ingress.policies, ['x/deny-all', 'x/web']);
    assert.deepEqual(v.ingress.allowedBy, { policy: 'x/web', ruleIndex: 0, peerIndex: 1, portIndex: 1 });
    assert.equal(v.ingress.pod, 'x/a');
    assert.deepEqual(v.egress.policies, ['y/out']);
    assert.deepEqual(v.egress.allowedBy, { policy: 'y/out', ruleIndex: 0, peerIndex: 0, portIndex: null });
    assert.match(v.reason, /^allowed: egress: allowed by y\/out egress\[0\].*ingress: allowed by x\/web ingress\[0\]: from\[1\] pods\(\{\}\) in namespaces\(ns=y\), ports\[1\]$/);
  });

  test('a rule without peers or ports reports null indices', () => {
    const v = evaluate(model, { from: endpoint('y/b'), to: { ip: EXTERNAL }, port: 443 });
    assert.deepEqual(v.egress.allowedBy, { policy: 'y/out', ruleIndex: 1, peerIndex: null, portIndex: null });
    assert.equal(v.ingress.isolated, false);
    assert.match(v.ingress.reason, /8\.8\.8\.8 is not a pod-network pod/);
  });

  test('a denial names the isolating policies and that no rule matched', () => {
    const v = evaluate(model, { from: endpoint('z/a'), to: endpoint('x/b'), port: 80 });
    assert.equal(v.allowed, false);
    assert.equal(v.ingress.isolated, true);
    assert.equal(v.ingress.allowedBy, undefined);
    assert.equal(v.reason, 'denied: x/b is isolated for ingress by x/deny-all and no ingress rule allows pod z/a (10.3.0.1) on 80/TCP');
    assert.equal(v.egress.isolated, false);
    assert.match(v.egress.reason, /z\/a is not isolated for egress/);
  });

  test('an address of a known pod is that pod; the family follows the address', () => {
    const v = evaluate(model, { from: { ip: 'fd00:2::2' }, to: { ip: 'fd00:1::1' }, port: 80 });
    assert.equal(v.family, 6);
    assert.equal(v.from, 'pod y/b (fd00:2::2)');
    // Over IPv6 the 10.0.0.0/8 block of rule 0 cannot match; rule 1 admits everything.
    assert.deepEqual(v.egress.allowedBy, { policy: 'y/out', ruleIndex: 1, peerIndex: null, portIndex: null });
    assert.equal(v.allowed, true);
  });
});

describe('query errors carry codes', () => {
  const model = cluster([]);
  const code = (f: () => unknown, expected: string): void => assert.throws(f, (e: unknown) => e instanceof PolicyError && e.code === expected);
  test('UnknownPod, InvalidAddress, FamilyMismatch, InvalidPort', () => {
    code(() => evaluate(model, { from: endpoint('x/nope'), to: endpoint('x/a'), port: 80 }), 'UnknownPod');
    code(() => evaluate(model, { from: { ip: '10.0.0.300' }, to: endpoint('x/a'), port: 80 }), 'InvalidAddress');
    code(() => evaluate(model, { from: { ip: '10.1.0.1' }, to: { ip: 'fd00:1::2' }, port: 80 }), 'FamilyMismatch');
    code(() => evaluate(model, { from: endpoint('x/a'), to: endpoint('x/b'), port: 0 }), 'InvalidPort');
  });
});

describe('model building', () => {
  test('policyTypes: an explicit list wins; absent or empty means Ingress, plus Egress when egress rules exist', () => {
    const types = (spec: NetworkPolicyInput['spec']): string => Object.entries(policyTypesOf(policy('x/p', spec))).filter(([, on]) => on).map(([k]) => k).join('+');
    assert.equal(types({ podSelector: {} }), 'ingress');
    assert.equal(types({ podSelector: {}, policyTypes: [] }), 'ingress');
    assert.equal(types({ podSelector: {}, egress: [] }), 'ingress');
    assert.equal(types({ podSelector: {}, egress: [{}] }), 'ingress+egress');
    assert.equal(types({ podSelector: {}, policyTypes: ['Egress'], ingress: [{}] }), 'egress');
    assert.equal(types({ podSelector: {}, policyTypes: ['Ingress'], egress: [{}] }), 'ingress');
  });

  test('invalid peers match nothing and are reported; the policy still isolates', () => {
    const model = cluster([policy('x/bad', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: [] }] } }, { ipBlock: { cidr: 'nope' } }] }] })]);
    assert.deepEqual(model.problems.map((p) => p.field), ['spec.ingress[0].from[0].podSelector.matchExpressions[0].values', 'spec.ingress[0].from[1].ipBlock.cidr']);
    assert.equal(evaluate(model, { from: endpoint('x/b'), to: endpoint('x/a'), port: 80 }).allowed, false);
  });

  test('terminated pods are dropped, so a reused address names the running pod', () => {
    const inputs = clusterInputs([]);
    const old = testPod('y/old');
    const model = buildPolicyModel({ ...inputs, pods: [...inputs.pods, { ...old, status: { phase: 'Succeeded', podIPs: [{ ip: '10.1.0.1' }] } }] });
    assert.equal(evaluate(model, { from: { ip: '10.1.0.1' }, to: endpoint('x/b'), port: 80 }).from, 'pod x/a (10.1.0.1)');
  });

  test('namespaces carry kubernetes.io/metadata.name, also without a Namespace object', () => {
    const inputs = clusterInputs([policy('x/from-w', { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'w' } } }] }] })]);
    const model = buildPolicyModel({ ...inputs, pods: [...inputs.pods, testPod('w/a')] });
    assert.equal(evaluate(model, { from: endpoint('w/a'), to: endpoint('x/a'), port: 80 }).allowed, true);
    assert.equal(evaluate(model, { from: endpoint('y/a'), to: endpoint('x/a'), port: 80 }).allowed, false);
  });

  test("the agent's parsed Kubernetes objects are inputs as they are", () => {
    const model = buildPolicyModel({
      namespaces: [parseNamespace({ metadata: { name: 'x' } })],
      pods: ['a', 'b'].map((name, i) => parsePod({ metadata: { name, namespace: 'x', labels: { pod: name } }, spec: { containers: [{ name: 'c', ports: [{ name: 'web', containerPort: 80 }] }] }, status: { podIPs: [{ ip: `10.1.0.${i + 1}` }] } })),
      policies: [parseNetworkPolicy({ metadata: { name: 'web', namespace: 'x' }, spec: { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ ports: [{ port: 'web' }] }] } })],
    });
    assert.equal(evaluate(model, { from: endpoint('x/b'), to: endpoint('x/a'), port: 80 }).allowed, true);
    assert.equal(evaluate(model, { from: endpoint('x/b'), to: endpoint('x/a'), port: 81 }).allowed, false);
  });

  test('input order does not matter', () => {
    const inputs = clusterInputs([policy('x/a', { podSelector: {} }), policy('x/b', { podSelector: {}, ingress: [{}] })]);
    const reversed = { ...inputs, pods: [...inputs.pods].reverse(), policies: [...inputs.policies].reverse(), namespaces: [...inputs.namespaces].reverse() };
    assert.deepEqual(buildPolicyModel(reversed), buildPolicyModel(inputs));
  });
});
