// NetworkPolicy changes on a live cluster, end to end (vxlan, 3 nodes, x/y/z ×
// a/b/c): a policy edited in place, a pod gaining and losing a label that a
// podSelector uses (as a peer and as the policy's subject), a namespace
// gaining and losing a label that a namespaceSelector uses, policies deleted.
// After each `lab apply`/`lab delete` returns, the full TCP 80 and UDP 81
// matrices must agree with evaluate() of the store's objects within one
// second (probed together, repeatedly, for up to 1 s; see inForce() in
// truth-lab.ts). Each step must also change what evaluate() expects, so a
// change that was silently not applied cannot pass.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { labUnavailable } from '../lab/lab-harness.js';
import { namespace, pod, policy, type Manifest, type Matrix } from './policy-lab.js';
import { assertPlacement, assertShape, cells, T, truthLab } from './truth-lab.js';

const skip = labUnavailable() ?? false;

/** v1: x/a and x/b isolated; peers: role=client pods in any namespace, pods of team=blue namespaces; TCP http only. */
const allowV1 = policy('x', 'allow', {
  podSelector: { matchExpressions: [{ key: 'pod', operator: 'NotIn', values: ['c'] }] },
  ingress: [{
    from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'client' } } }, { namespaceSelector: { matchLabels: { team: 'blue' } } }],
    ports: [{ protocol: 'TCP', port: 'http' }],
  }],
});
/** v2, same name: every pod of x, one more peer (x/a), UDP dns as well. */
const allowV2 = policy('x', 'allow', {
  podSelector: {},
  ingress: [{
    from: [
      { namespaceSelector: {}, podSelector: { matchLabels: { role: 'client' } } },
      { namespaceSelector: { matchLabels: { team: 'blue' } } },
      { podSelector: { matchLabels: { pod: 'a' } } },
    ],
    ports: [{ protocol: 'TCP', port: 'http' }, { protocol: 'UDP', port: 'dns' }],
  }],
});
/** Subject selected by label: role=client pods of y may talk only to namespace z. */
const clientEgress = policy('y', 'client-egress', {
  podSelector: { matchLabels: { role: 'client' } },
  policyTypes: ['Egress'],
  egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'z' } } }] }],
});

interface Step {
  name: string;
  run: (t: ReturnType<typeof truthLab>) => Promise<string>;
  /** Pairs this step must turn to the given value (in the TCP matrix), beyond agreeing with evaluate(). */
  expect?: [from: string, to: string, tcp: boolean][];
}

const apply = (...objects: Manifest[]) => (t: ReturnType<typeof truthLab>) => t.lab.apply(objects);
const remove = (...objects: Manifest[]) => (t: ReturnType<typeof truthLab>) => t.lab.delete(objects);

const STEPS: Step[] = [
  { name: 'policy created (v1: x/a, x/b isolated, TCP http from role=client or team=blue)', run: apply(allowV1), expect: [['y/a', 'x/a', false], ['y/a', 'x/c', true]] },
  { name: 'policy updated in place (v2: all of x, adds peer pod=a and UDP dns)', run: apply(allowV2), expect: [['y/a', 'x/c', false], ['x/a', 'x/b', true], ['x/b', 'x/a', false]] },
  { name: 'pod relabel: y/b gains role=client (peer podSelector)', run: apply(pod('y', 'b', { labels: { pod: 'b', role: 'client' } })), expect: [['y/b', 'x/a', true], ['y/b', 'x/c', true]] },
  { name: 'namespace relabel: z gains team=blue (namespaceSelector)', run: apply(namespace('z', { team: 'blue' })), expect: [['z/a', 'x/b', true], ['z/c', 'x/a', true]] },
  { name: 'policy created whose subject is y/b by label (egress to z only)', run: apply(clientEgress), expect: [['y/b', 'x/a', false], ['y/b', 'z/a', true], ['y/b', 'y/a', false]] },
  { name: 'policy deleted (the egress one): y/b reaches x again', run: remove(clientEgress), expect: [['y/b', 'x/a', true], ['y/b', 'y/a', true]] },
  { name: 'pod relabel: y/b loses role=client', run: apply(pod('y', 'b')), expect: [['y/b', 'x/a', false], ['y/b', 'x/c', false]] },
  { name: 'namespace relabel: z loses team=blue', run: apply(namespace('z')), expect: [['z/a', 'x/b', false]] },
  { name: 'policy deleted: no policies, everything allowed', run: remove(allowV2), expect: [['y/a', 'x/a', true], ['z/a', 'x/b', true]] },
];

describe('NetworkPolicy changes in force within 1 s: lab probe agrees with evaluate() after each', { skip }, () => {
  const t = truthLab('c', 'vxlan');
  let previous: Matrix[] | undefined;

  before(() => t.up());
  after(() => t.down());

  test('setup: 9 pods over 3 nodes, no policies, everything agrees', T, async () => {
    await assertPlacement(t);
    const r = await t.inForce(Date.now(), 5000);
    assert.ok(r.ok, r.results.flatMap((p) => p.wrong).join('\n'));
    for (const p of r.results) assert.ok(cells(p.matrix).every(([, , v]) => v), `${p.protocol}: everything allowed without policies`);
    previous = r.results.map((p) => p.expected);
  });

  for (const step of STEPS) {
    test(step.name, T, async () => {
      assert.ok(previous, 'the previous step ran');
      await step.run(t);
      const since = Date.now();
      const r = await t.inForce(since);
      const wrong = r.results.flatMap((p) => p.wrong.map((w) => `${p.protocol}/${p.port} ${w}`));
      assert.ok(r.ok, `not in force within 1 s (last probe started at ${r.ms} ms, ${r.probes} probe(s); ${r.late ?? ''}):\n${wrong.join('\n')}`);
      for (const p of r.results) assertShape(p.matrix);
      const changed = r.results.some((p, i) => JSON.stringify(p.expected) !== JSON.stringify(previous?.[i]));
      assert.ok(changed, `${step.name}: evaluate() expects the same matrices as before the step, so the step proves nothing`);
      const tcp = r.results.find((p) => p.protocol === 'TCP');
      for (const [from, to, want] of step.expect ?? []) assert.equal(tcp?.matrix[from]?.[to], want, `${from} → ${to} TCP 80`);
      previous = r.results.map((p) => p.expected);
      t.timings.push(`${step.name}: in force by the probe started ${r.ms} ms after the command (${r.probes} probe${r.probes > 1 ? 's' : ''}, the last taking ${r.probeMs} ms)`);
    });
  }
});
