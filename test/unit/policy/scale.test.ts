// Scale smoke test: 10,000 pods in 100 namespaces on 100 nodes, 1,000
// policies of ten kinds. Reports build, compile, render and diff times with
// t.diagnostic; asserts only shape (no timing asserts: CI machines vary),
// and that the live table (LivePolicy) holds the from-scratch table at this
// size too, before and after single changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { compilePolicy } from '../../../src/core/policy/compile.js';
import { diffRulesets, renderPlan } from '../../../src/core/policy/diff.js';
import { evaluate } from '../../../src/core/policy/evaluate.js';
import type { NetworkPolicyInput, PodInput, PolicyInputs } from '../../../src/core/policy/inputs.js';
import { buildPolicyModel } from '../../../src/core/policy/model.js';
import { renderRuleset } from '../../../src/core/policy/render-nft.js';
import { LivePolicy } from '../../../src/core/policy/live-policy.js';

const NAMESPACES = 100;
const PODS_PER_NAMESPACE = 100;
const NODES = 100;
const TIERS = ['web', 'api', 'db'];

function podAt(ns: number, j: number, labels?: Record<string, string>): PodInput {
  const k = ns * PODS_PER_NAMESPACE + j;
  return {
    metadata: { name: `p${j}`, namespace: `ns${ns}`, labels: labels ?? { app: `app${j % 20}`, tier: TIERS[j % 3] as string, version: `v${j % 5}` } },
    spec: { nodeName: `n${k % NODES}`, containers: [{ ports: [{ name: 'http', containerPort: 8080 + (j % 2) }, { name: 'metrics', containerPort: 9090 }] }] },
    status: { phase: 'Running', podIPs: [{ ip: `10.${1 + (k >> 16)}.${(k >> 8) & 255}.${k & 255}` }, { ip: `fd00::${k.toString(16)}` }] },
  };
}

function policiesOf(ns: number): NetworkPolicyInput[] {
  const meta = (name: string) => ({ name, namespace: `ns${ns}` });
  const sel = (labels: Record<string, string>) => ({ matchLabels: labels });
  return [
    { metadata: meta('default-deny'), spec: { podSelector: {} } },
    { metadata: meta('app-from-web'), spec: { podSelector: sel({ app: `app${ns % 20}` }), ingress: [{ from: [{ podSelector: sel({ tier: 'web' }) }], ports: [{ port: 'http' }] }] } },
    { metadata: meta('api-from-team'), spec: { podSelector: sel({ tier: 'api' }), ingress: [{ from: [{ namespaceSelector: sel({ team: `t${ns % 10}` }), podSelector: sel({ tier: 'web' }) }], ports: [{ port: 8080, endPort: 8090 }] }] } },
    { metadata: meta('db-from-api'), spec: { podSelector: sel({ tier: 'db' }), ingress: [{ from: [{ podSelector: sel({ tier: 'api' }) }], ports: [{ port: 5432 }] }] } },
    {
      metadata: meta('web-out'),
      spec: {
        podSelector: sel({ tier: 'web' }),
        egress: [
          { to: [{ namespaceSelector: {}, podSelector: sel({ app: `app${(ns + 1) % 20}` }) }], ports: [{ port: 80 }] },
          { to: [{ namespaceSelector: sel({ 'kubernetes.io/metadata.name': 'ns0' }), podSelector: sel({ app: 'app0' }) }], ports: [{ protocol: 'UDP', port: 53 }] },
        ],
      },
    },
    { metadata: meta('https-out'), spec: { podSelector: sel({ tier: 'api' }), policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '192.168.0.0/16'] } }], ports: [{ port: 443 }] }] } },
    { metadata: meta('metrics'), spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: sel({ team: 't0' }) }], ports: [{ port: 'metrics' }] }] } },
    { metadata: meta('prod'), spec: { podSelector: { matchExpressions: [{ key: 'version', operator: 'In', values: ['v1', 'v2'] }] }, ingress: [{ from: [{ namespaceSelector: sel({ env: 'prod' }) }] }] } },
    { metadata: meta('lb'), spec: { podSelector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }] }, ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/16' } }] }] } },
    { metadata: meta('udp-out'), spec: { podSelector: { matchExpressions: [{ key: 'app', operator: 'Exists' }] }, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'UDP' }] }] } },
  ];
}

function inputs(relabel?: { ns: number; j: number; labels: Record<string, string> }): PolicyInputs {
  const pods: PodInput[] = [];
  for (let ns = 0; ns < NAMESPACES; ns++) {
    for (let j = 0; j < PODS_PER_NAMESPACE; j++) pods.push(podAt(ns, j, relabel && relabel.ns === ns && relabel.j === j ? relabel.labels : undefined));
  }
  return {
    namespaces: Array.from({ length: NAMESPACES }, (_, ns) => ({ metadata: { name: `ns${ns}`, labels: { team: `t${ns % 10}`, env: ns % 2 === 0 ? 'prod' : 'dev' } } })),
    pods,
    policies: Array.from({ length: NAMESPACES }, (_, ns) => policiesOf(ns)).flat(),
    nodes: Array.from({ length: NODES }, (_, n) => ({ metadata: { name: `n${n}` }, status: { addresses: [{ type: 'InternalIP', address: `192.168.${n >> 8}.${n & 255}` }] } })),
  };
}

const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const out = f();
  return [out, performance.now() - t0];
};

test('N=10000 pods, M=1000 policies: build, compile, render, diff', (t) => {
  const input = inputs();
  assert.equal(input.pods.length, 10_000);
  assert.equal(input.policies.length, 1_000);
  const [model, buildMs] = time(() => buildPolicyModel(input));
  assert.deepEqual(model.problems, []);
  const [, evalMs] = time(() => {
    for (let i = 0; i < 1000; i++) evaluate(model, { from: { namespace: `ns${i % 100}`, pod: `p${i % 97}` }, to: { namespace: `ns${(i * 7) % 100}`, pod: `p${i % 89}` }, port: 8080 });
  });
  const options = { node: 'n7', podCidrs: ['10.1.0.0/16', 'fd00::/112'] };
  const [perNode, nodeMs] = time(() => compilePolicy(model, options));
  const [all, allMs] = time(() => compilePolicy(model, { podCidrs: options.podCidrs }));
  const [text, renderMs] = time(() => renderRuleset(all));
  const elements = (r: typeof all): number => r.sets.reduce((n, s) => n + s.elements.length, 0) + r.maps.reduce((n, m) => n + m.entries.length, 0);

  const [relabeled, rebuildMs] = time(() => buildPolicyModel(inputs({ ns: 3, j: 4, labels: { app: 'app9', tier: 'db', version: 'v0' } })));
  const [plan, diffMs] = time(() => diffRulesets(all, compilePolicy(relabeled, { podCidrs: options.podCidrs })));
  const script = renderPlan(plan);
  assert.equal(plan.full, null);
  assert.ok(script.split('\n').length < 200, 'one label change is a small script');

  t.diagnostic(`build model: ${buildMs.toFixed(0)} ms; 1000 evaluate() calls: ${evalMs.toFixed(1)} ms`);
  t.diagnostic(`compile for one node (${perNode.maps.reduce((n, m) => n + m.entries.length, 0) / 4} local pods): ${nodeMs.toFixed(0)} ms; ${perNode.chains.length} chains, ${perNode.sets.length} sets`);
  t.diagnostic(`compile with every pod local: ${allMs.toFixed(0)} ms; ${all.chains.length} chains, ${all.sets.length} sets, ${elements(all)} elements; render ${renderMs.toFixed(0)} ms, ${(text.length / 1e6).toFixed(1)} MB`);
  t.diagnostic(`one pod relabeled: rebuild ${rebuildMs.toFixed(0)} ms, compile + diff ${diffMs.toFixed(0)} ms, script ${script.split('\n').length - 1} lines`);
});

test('N=10000, M=1000, every pod local: the live table equals from-scratch compiles through single changes', (t) => {
  const options = { podCidrs: ['10.1.0.0/16', 'fd00::/112'] };
  const update = { nodeAddresses: [], podCidrs: options.podCidrs };
  const live = new LivePolicy({ families: [4, 6] });
  const feed = (i: PolicyInputs): void => {
    for (const n of i.namespaces) live.setNamespace(n.metadata.name, n);
    for (const p of i.policies) live.setPolicy(`${p.metadata.namespace ?? ''}/${p.metadata.name}`, p);
    for (const p of i.pods) live.setPod(`${p.metadata.namespace ?? ''}/${p.metadata.name}`, p);
  };
  const start = inputs();
  const [, buildMs] = time(() => {
    feed(start);
    live.update(update);
  });
  assert.deepEqual(live.ruleset(), compilePolicy(buildPolicyModel(start), options));
  live.commit();

  const labels = { app: 'app9', tier: 'db', version: 'v0' };
  const relabeled = inputs({ ns: 3, j: 4, labels });
  const [, relabelMs] = time(() => {
    live.setPod('ns3/p4', relabeled.pods[3 * 100 + 4]);
    live.update(update);
  });
  const plan = live.plan();
  assert.deepEqual(live.ruleset(), compilePolicy(buildPolicyModel(relabeled), options));
  live.commit();

  const added: NetworkPolicyInput = { metadata: { name: 'added', namespace: 'ns5' }, spec: { podSelector: { matchLabels: { tier: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 't2' } } }], ports: [{ port: 7000 }] }] } };
  const [, policyMs] = time(() => {
    live.setPolicy('ns5/added', added);
    live.update(update);
  });
  assert.deepEqual(live.ruleset(), compilePolicy(buildPolicyModel({ ...relabeled, policies: [...relabeled.policies, added] }), options));

  t.diagnostic(`live table: build ${buildMs.toFixed(0)} ms; one relabel ${relabelMs.toFixed(1)} ms (plan: ${renderPlan(plan).split('\n').length - 1} lines); one policy added ${policyMs.toFixed(1)} ms`);
});
