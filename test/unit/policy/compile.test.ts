// The compiled table: golden nft text, the dataplane agreeing with
// evaluate() packet by packet (simulate.ts), conntrack replies, the
// not-yet-synced drop, and a per-packet path that does not grow with the
// cluster.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { compilePolicy } from '../../../src/core/policy/compile.js';
import { evaluate, type Endpoint } from '../../../src/core/policy/evaluate.js';
import { PolicyError, type PolicyProtocol } from '../../../src/core/policy/inputs.js';
import { buildPolicyModel, type PolicyModel } from '../../../src/core/policy/model.js';
import { renderRuleset } from '../../../src/core/policy/render-nft.js';
import type { L4Protocol } from '../../../src/core/policy/ruleset.js';
import { cluster, clusterInputs, endpoint, EXTERNAL, ip4, ip6, NODE1, NODE2, PODS, policy, testPod } from './cluster.js';
import { COMPILE_OPTIONS, SCENARIOS } from './scenarios.js';
import { simulate } from './simulate.js';

const fixture = (name: string): URL => new URL(`../../../../test/fixtures/policy/${name}`, import.meta.url);

describe('golden nft', () => {
  for (const [name, policies] of Object.entries(SCENARIOS)) {
    test(`${name}.nft`, () => {
      const text = renderRuleset(compilePolicy(cluster(policies), COMPILE_OPTIONS));
      // PODWIRE_UPDATE_GOLDEN=1 rewrites the fixtures; review the diff before committing.
      if (process.env.PODWIRE_UPDATE_GOLDEN === '1') writeFileSync(fixture(`${name}.nft`), text);
      assert.equal(text, readFileSync(fixture(`${name}.nft`), 'utf8'));
    });
  }
});

interface End {
  label: string;
  endpoint: Endpoint;
  address: (family: 4 | 6) => string | undefined;
  /** This node itself (input/output path, never the forward hook). */
  ownNode?: boolean;
  pod?: boolean;
}

const ENDS: End[] = [
  ...PODS.map((k) => ({ label: k, endpoint: endpoint(k), address: (f: 4 | 6) => (f === 4 ? ip4(k) : ip6(k)), pod: true })),
  { label: 'node n1', endpoint: { ip: NODE1 }, address: (f) => (f === 4 ? NODE1 : undefined), ownNode: true },
  { label: 'host pod on n1', endpoint: endpoint('kube-system/agent-n1'), address: (f) => (f === 4 ? NODE1 : undefined), ownNode: true },
  { label: 'node n2', endpoint: { ip: NODE2 }, address: (f) => (f === 4 ? NODE2 : undefined) },
  { label: 'host pod on n2', endpoint: endpoint('kube-system/agent-n2'), address: (f) => (f === 4 ? NODE2 : undefined) },
  { label: 'external', endpoint: { ip: EXTERNAL }, address: (f) => (f === 4 ? EXTERNAL : undefined) },
];
const PROTOCOLS: [PolicyProtocol, L4Protocol][] = [['TCP', 'tcp'], ['UDP', 'udp'], ['SCTP', 'sctp']];

/** Every (from, to, port, protocol, family) through the compiled table against evaluate(); returns how many were compared. */
function crossCheck(model: PolicyModel): number {
  const rules = compilePolicy(model, COMPILE_OPTIONS);
  let compared = 0;
  for (const from of ENDS) {
    for (const to of ENDS) {
      if (!from.pod && !to.pod) continue; // not pod traffic; never forwarded to or from this node's pods
      for (const family of [4, 6] as const) {
        const saddr = from.address(family);
        const daddr = to.address(family);
        if (saddr === undefined || daddr === undefined) continue;
        for (const port of [80, 81, 1500]) {
          for (const [protocol, l4] of PROTOCOLS) {
            const expected = evaluate(model, { from: from.endpoint, to: to.endpoint, port, protocol, family });
            const what = `${from.label} -> ${to.label} ${port}/${protocol} IPv${family}`;
            if (from.ownNode || to.ownNode) {
              assert.equal(expected.allowed, true, `${what}: own node is exempt`);
              continue;
            }
            const got = simulate(rules, { family, saddr, daddr, protocol: l4, dport: port });
            assert.equal(got.verdict === 'accept', expected.allowed, `${what}: evaluate says ${expected.reason}; dataplane ${got.verdict} via ${got.trail.join(' > ')}`);
            compared++;
          }
        }
      }
    }
  }
  return compared;
}

describe('the compiled dataplane agrees with evaluate()', () => {
  for (const [name, policies] of Object.entries(SCENARIOS)) {
    test(name, (t) => {
      t.diagnostic(`${crossCheck(cluster(policies))} packets compared`);
    });
  }
  test('matchExpressions, policyTypes, egress and ingress together', (t) => {
    const model = cluster([
      policy('z/plain', { podSelector: { matchExpressions: [{ key: 'pod', operator: 'NotIn', values: ['c'] }] }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'ns', operator: 'In', values: ['x', 'y'] }] } }] }] }),
      policy('x/a-out', { podSelector: { matchLabels: { pod: 'a' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'z' } } }, { ipBlock: { cidr: '10.1.0.2/32' } }], ports: [{ port: 80, endPort: 81 }] }] }),
      policy('y/only-ingress', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: {} }] }], egress: [{ ports: [{ port: 9 }] }] }),
      policy('x/from-n2', { podSelector: { matchLabels: { pod: 'c' } }, ingress: [{ from: [{ ipBlock: { cidr: '192.168.1.0/24', except: ['192.168.1.1/32'] } }] }] }),
    ]);
    t.diagnostic(`${crossCheck(model)} packets compared`);
  });
});

describe('dataplane properties', () => {
  const model = cluster(SCENARIOS['deny-all'] ?? []);
  const rules = compilePolicy(model, COMPILE_OPTIONS);

  test('replies of allowed connections pass whatever the policies say', () => {
    const reply = { family: 4 as const, saddr: ip4('x/a'), daddr: ip4('y/a'), protocol: 'tcp' as const, dport: 40000 };
    assert.equal(simulate(rules, { ...reply, ct: 'new' }).verdict, 'drop');
    assert.equal(simulate(rules, { ...reply, ct: 'established' }).verdict, 'accept');
    assert.equal(simulate(rules, { ...reply, ct: 'related' }).verdict, 'accept');
  });

  test('an address of the pod CIDR that no known pod holds is dropped as not yet synced', () => {
    const open = compilePolicy(cluster([]), COMPILE_OPTIONS);
    assert.equal(simulate(open, { family: 4, saddr: ip4('y/a'), daddr: ip4('x/a'), protocol: 'tcp', dport: 80 }).verdict, 'accept');
    assert.equal(simulate(open, { family: 4, saddr: '10.1.0.99', daddr: ip4('x/a'), protocol: 'tcp', dport: 80 }).verdict, 'drop');
    assert.equal(simulate(open, { family: 4, saddr: EXTERNAL, daddr: '10.1.0.99', protocol: 'tcp', dport: 80 }).verdict, 'drop');
    assert.equal(simulate(open, { family: 6, saddr: 'fd00:1::99', daddr: 'fd00:1::1', protocol: 'udp', dport: 53 }).verdict, 'drop');
    assert.equal(simulate(open, { family: 4, saddr: EXTERNAL, daddr: NODE2, protocol: 'tcp', dport: 80 }).verdict, 'accept', 'outside the pod CIDRs: not ours');
  });

  test('only the pods of this node get dispatch entries', () => {
    const inputs = clusterInputs(SCENARIOS['deny-all'] ?? []);
    const elsewhere = { ...testPod('x/remote'), spec: { ...testPod('x/remote').spec, nodeName: 'n2' }, status: { phase: 'Running', podIPs: [{ ip: '10.9.0.1' }] } };
    const r = compilePolicy(buildPolicyModel({ ...inputs, pods: [...inputs.pods, elsewhere] }), COMPILE_OPTIONS);
    const keys = r.maps.flatMap((m) => m.entries.map(([k]) => k));
    assert.ok(keys.includes(ip4('x/a')));
    assert.ok(!keys.includes('10.9.0.1'));
  });

  test('the per-packet path does not grow with pods or policies', () => {
    const small = compilePolicy(cluster([policy('x/p', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] })]), COMPILE_OPTIONS);
    const manyPolicies = Array.from({ length: 50 }, (_, i) => policy(`y/p${i}`, { podSelector: { matchLabels: { pod: 'c' } }, ingress: [{ from: [{ podSelector: { matchLabels: { pod: `p${i}` } } }] }] }));
    const extraPods = Array.from({ length: 200 }, (_, i) => testPod(`y/p${i}`));
    const big = compilePolicy(cluster([policy('x/p', { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b' } } }] }] }), ...manyPolicies], { extraPods }), COMPILE_OPTIONS);
    const path = (r: typeof small, chain: string): string[] => (r.chains.find((c) => c.name === chain)?.rules ?? []).map((x) => JSON.stringify(x));
    for (const chain of ['forward', 'egress', 'ingress']) assert.deepEqual(path(big, chain), path(small, chain), chain);
    const xa = (r: typeof small): string => r.maps.find((m) => m.name === 'ingress4')?.entries.find(([k]) => k === ip4('x/a'))?.[1] ?? '';
    assert.equal(xa(big), xa(small), 'x/a reaches the same class chain');
    assert.deepEqual(path(big, xa(big).replace('goto ', '')), path(small, xa(small).replace('goto ', '')));
  });

  test('pods with the same policies and named-port numbers share a class chain', () => {
    const r = compilePolicy(cluster(SCENARIOS['named-ports'] ?? []), COMPILE_OPTIONS);
    const ingress = new Map(r.maps.find((m) => m.name === 'ingress4')?.entries ?? []);
    // web is 80 on a, 81 on b, undeclared on c: three classes for three pods of x.
    assert.equal(new Set(['x/a', 'x/b', 'x/c'].map((k) => ingress.get(ip4(k)))).size, 3);
    assert.equal(ingress.get(ip4('y/a')), 'return');
  });

  test('malformed options are PolicyErrors', () => {
    assert.throws(() => compilePolicy(model, { podCidrs: ['10.0.0.0/33'] }), (e: unknown) => e instanceof PolicyError && e.code === 'InvalidOption');
    assert.throws(() => compilePolicy(model, { nodeAddresses: ['n1'] }), (e: unknown) => e instanceof PolicyError && e.code === 'InvalidOption');
  });
});
