// NetworkPolicy semantics as reachability tables over namespaces x, y, z and
// pods a, b, c (the upstream e2e / cyclonus layout): rows are sources,
// columns destinations, "." allowed, "X" denied, the diagonal is a pod
// reaching itself. Each case is written from the documented semantics
// (kubernetes.io "Network Policies" and the NetworkPolicy API reference).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkPolicyInput, PolicyProtocol } from '../../../src/core/policy/inputs.js';
import { allExcept, cluster, grid, matrix, policy, PODS, type ClusterOptions } from './cluster.js';

interface Table {
  port: number;
  protocol?: PolicyProtocol;
  family?: 4 | 6;
  expect: string;
}

interface Case {
  name: string;
  policies: NetworkPolicyInput[];
  options?: ClusterOptions;
  tables: Table[];
}

const OPEN = allExcept([]);
const nsSel = (ns: string) => ({ namespaceSelector: { matchLabels: { ns } } });
const podSel = (pod: string) => ({ podSelector: { matchLabels: { pod } } });
const denyAllIngressX = policy('x/deny-all', { podSelector: {} });

const cases: Case[] = [
  { name: 'no policies: every pod reaches every pod', policies: [], tables: [{ port: 80, expect: OPEN }, { port: 81, protocol: 'UDP', expect: OPEN }] },
  {
    name: 'empty podSelector selects every pod of the namespace; absent ingress denies all ingress',
    policies: [denyAllIngressX],
    tables: [{ port: 80, expect: grid(`
      x/a .XX ... ...
      x/b X.X ... ...
      x/c XX. ... ...
      y/a XXX ... ...
      y/b XXX ... ...
      y/c XXX ... ...
      z/a XXX ... ...
      z/b XXX ... ...
      z/c XXX ... ...`) }],
  },
  {
    name: 'a podSelector peer selects pods of the policy namespace only',
    policies: [policy('x/b-to-a', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [podSel('b')] }] })],
    tables: [{ port: 80, expect: allExcept(PODS.filter((p) => p !== 'x/a' && p !== 'x/b').map((p) => [p, 'x/a'] as const)) }],
  },
  {
    name: 'a namespaceSelector peer selects every pod of the matching namespaces',
    policies: [policy('x/y-to-a', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [nsSel('y')] }] })],
    tables: [{ port: 80, expect: allExcept(['x/b', 'x/c', 'z/a', 'z/b', 'z/c'].map((p) => [p, 'x/a'] as const)) }],
  },
  {
    name: 'namespaceSelector and podSelector in one peer intersect',
    policies: [policy('x/yb-to-a', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [{ ...nsSel('y'), ...podSel('b') }] }] })],
    tables: [{ port: 80, expect: allExcept(PODS.filter((p) => p !== 'x/a' && p !== 'y/b').map((p) => [p, 'x/a'] as const)) }],
  },
  {
    name: 'namespaceSelector and podSelector as two peers unite',
    policies: [policy('x/y-or-b-to-a', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [nsSel('y'), podSel('b')] }] })],
    tables: [{ port: 80, expect: allExcept(['x/c', 'z/a', 'z/b', 'z/c'].map((p) => [p, 'x/a'] as const)) }],
  },
  {
    name: 'matchExpressions In, NotIn, Exists and DoesNotExist',
    options: { podLabels: { 'z/c': { special: 'yes' } } },
    policies: [
      policy('z/plain', {
        podSelector: { matchExpressions: [{ key: 'special', operator: 'DoesNotExist' }] },
        ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'In', values: ['x', 'y'] }] }, podSelector: { matchExpressions: [{ key: 'pod', operator: 'NotIn', values: ['c'] }] } }] }],
      }),
      policy('z/special', { podSelector: { matchExpressions: [{ key: 'special', operator: 'Exists' }] }, ingress: [] }),
    ],
    tables: [{ port: 80, expect: grid(`
      x/a ... ... ..X
      x/b ... ... ..X
      x/c ... ... XXX
      y/a ... ... ..X
      y/b ... ... ..X
      y/c ... ... XXX
      z/a ... ... .XX
      z/b ... ... X.X
      z/c ... ... XX.`) }],
  },
  {
    name: 'policyTypes default: egress rules make the policy isolate egress too',
    policies: [policy('x/to-y', { podSelector: {}, egress: [{ to: [nsSel('y')] }] })],
    tables: [{ port: 80, expect: grid(`
      x/a .XX ... XXX
      x/b X.X ... XXX
      x/c XX. ... XXX
      y/a XXX ... ...
      y/b XXX ... ...
      y/c XXX ... ...
      z/a XXX ... ...
      z/b XXX ... ...
      z/c XXX ... ...`) }],
  },
  {
    name: 'an explicit policyTypes [Egress] leaves ingress alone',
    policies: [policy('x/to-y', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [nsSel('y')] }] })],
    tables: [{ port: 80, expect: allExcept(['x/a', 'x/b', 'x/c'].flatMap((f) => ['x/a', 'x/b', 'x/c', 'z/a', 'z/b', 'z/c'].filter((t) => t !== f).map((t) => [f, t] as const))) }],
  },
  {
    name: 'an explicit policyTypes [Ingress] ignores egress rules',
    policies: [policy('x/from-x', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }], egress: [{ ports: [{ port: 9999 }] }] })],
    tables: [{ port: 80, expect: allExcept(['y', 'z'].flatMap((ns) => ['a', 'b', 'c'].flatMap((p) => ['x/a', 'x/b', 'x/c'].map((t) => [`${ns}/${p}`, t] as const)))) }],
  },
  {
    name: 'a connection needs egress at the source and ingress at the destination',
    policies: [
      policy('x/a-to-y', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [nsSel('y')] }] }),
      policy('y/b-from-z', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [{ from: [nsSel('z')] }] }),
    ],
    tables: [{ port: 80, expect: grid(`
      x/a .XX .X. XXX
      x/b ... .X. ...
      x/c ... .X. ...
      y/a ... .X. ...
      y/b ... ... ...
      y/c ... .X. ...
      z/a ... ... ...
      z/b ... ... ...
      z/c ... ... ...`) }],
  },
  {
    name: 'policies add up: an isolated pod allows the union of their rules',
    policies: [
      denyAllIngressX,
      policy('x/y-to-a', { podSelector: { matchLabels: { pod: 'a' } }, ingress: [{ from: [nsSel('y')] }] }),
      policy('x/all-to-b', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [{}] }),
    ],
    tables: [{ port: 80, expect: grid(`
      x/a ..X ... ...
      x/b X.X ... ...
      x/c X.. ... ...
      y/a ..X ... ...
      y/b ..X ... ...
      y/c ..X ... ...
      z/a X.X ... ...
      z/b X.X ... ...
      z/c X.X ... ...`) }],
  },
  {
    name: 'ingress: [] denies all; an empty from list allows every source on the rule ports',
    policies: [
      policy('x/none-to-a', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Ingress'], ingress: [] }),
      policy('x/80-to-b', { podSelector: { matchLabels: { pod: 'b' } }, ingress: [{ from: [], ports: [{ port: 80 }] }] }),
    ],
    tables: [
      { port: 80, expect: allExcept(PODS.filter((p) => p !== 'x/a').map((p) => [p, 'x/a'] as const)) },
      { port: 81, expect: allExcept(PODS.flatMap((p) => ['x/a', 'x/b'].filter((t) => t !== p).map((t) => [p, t] as const))) },
    ],
  },
  {
    name: 'an empty to list allows every destination on the rule ports',
    policies: [policy('x/a-out-81', { podSelector: { matchLabels: { pod: 'a' } }, egress: [{ to: [], ports: [{ port: 81 }] }], policyTypes: ['Egress'] })],
    tables: [
      { port: 81, expect: OPEN },
      { port: 80, expect: allExcept(PODS.filter((t) => t !== 'x/a').map((t) => ['x/a', t] as const)) },
    ],
  },
  {
    name: 'ipBlock with except matches pod addresses; a second block re-admits an excepted address',
    policies: [policy('x/a-to-cidr', {
      podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.2.0.0/24'] } }, { ipBlock: { cidr: '10.2.0.2/32' } }, { ipBlock: { cidr: 'fd00::/16', except: ['fd00:2::/32'] } }] }],
    })],
    tables: [
      { port: 80, expect: allExcept([['x/a', 'y/a'], ['x/a', 'y/c']]) },
      // Over IPv6 only the v6 block applies, and it has no second block for y/b.
      { port: 80, family: 6, expect: allExcept([['x/a', 'y/a'], ['x/a', 'y/b'], ['x/a', 'y/c']]) },
    ],
  },
  {
    name: 'a named port resolves on each destination pod (web: 80 on a, 81 on b, none on c)',
    policies: [policy('x/web', { podSelector: {}, ingress: [{ ports: [{ port: 'web' }] }] })],
    tables: [
      { port: 80, expect: allExcept(PODS.flatMap((p) => ['x/b', 'x/c'].filter((t) => t !== p).map((t) => [p, t] as const))) },
      { port: 81, expect: allExcept(PODS.flatMap((p) => ['x/a', 'x/c'].filter((t) => t !== p).map((t) => [p, t] as const))) },
      { port: 80, protocol: 'UDP', expect: allExcept(PODS.flatMap((p) => ['x/a', 'x/b', 'x/c'].filter((t) => t !== p).map((t) => [p, t] as const))) },
    ],
  },
  {
    name: 'an egress named port resolves on the destination pod',
    policies: [policy('y/a-web-out', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: {} }], ports: [{ port: 'web' }] }] })],
    tables: [
      { port: 80, expect: allExcept(PODS.filter((t) => !t.endsWith('/a')).map((t) => ['y/a', t] as const)) },
      { port: 81, expect: allExcept(PODS.filter((t) => !t.endsWith('/b') && t !== 'y/a').map((t) => ['y/a', t] as const)) },
    ],
  },
];

describe('reachability tables', () => {
  for (const c of cases) {
    test(c.name, () => {
      const model = cluster(c.policies, c.options);
      assert.deepEqual(model.problems, []);
      for (const t of c.tables) {
        assert.equal(matrix(model, t.port, t.protocol, t.family), t.expect, `${t.port}/${t.protocol ?? 'TCP'} IPv${t.family ?? 4}`);
      }
    });
  }
});
