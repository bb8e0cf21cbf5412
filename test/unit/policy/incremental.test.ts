// The live table (LivePolicy) only saves work: fed change after change, it
// holds exactly what a build and compile from scratch give, and its plan is
// exactly diffRulesets() between the two from-scratch tables, for every kind
// of change the agent sees, for each compile option shape, and along random
// sequences of changes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatIp } from '../../../src/core/ip/address.js';
import { compilePolicy, type CompileOptions } from '../../../src/core/policy/compile.js';
import { applyPlan, diffRulesets, planIsEmpty, renderPlan } from '../../../src/core/policy/diff.js';
import type { NetworkPolicyInput, PodInput, PolicyInputs } from '../../../src/core/policy/inputs.js';
import { buildPolicyModel } from '../../../src/core/policy/model.js';
import { renderRuleset } from '../../../src/core/policy/render-nft.js';
import type { PolicyRuleset } from '../../../src/core/policy/ruleset.js';
import { clusterInputs, ip4, ip6, NODE1, policy, testPod } from './cluster.js';
import { LiveFeed } from './live-feed.js';
import { randomSteps } from './random-cluster.js';
import { COMPILE_OPTIONS, SCENARIOS } from './scenarios.js';

const mixed = SCENARIOS.mixed ?? [];
const namedPorts = (SCENARIOS['named-ports'] ?? []).map((p) => policy(`${p.metadata.namespace ?? ''}/np-${p.metadata.name}`, p.spec));
const keyOf = (p: PodInput): string => `${p.metadata.namespace ?? ''}/${p.metadata.name}`;
const editPod = (pods: readonly PodInput[], key: string, edit: (p: PodInput) => PodInput): PodInput[] => pods.map((p) => (keyOf(p) === key ? edit(p) : p));
const relabeled = (pods: readonly PodInput[], key: string, labels: Record<string, string>): PodInput[] => editPod(pods, key, (p) => ({ ...p, metadata: { ...p.metadata, labels } }));
const withIps = (p: PodInput, ...ips: string[]): PodInput => ({ ...p, status: { ...p.status, phase: 'Running', podIPs: ips.map((ip) => ({ ip })) } });
const newPod = (key: string, labels: Record<string, string>, ...ips: string[]): PodInput => {
  const [namespace, name] = key.split('/') as [string, string];
  const base = testPod('x/a');
  return { ...base, metadata: { name, namespace, labels }, status: { phase: 'Running', podIPs: ips.map((ip) => ({ ip })) } };
};

type Step = { name: string; change: (i: PolicyInputs) => PolicyInputs };
const steps: Step[] = [
  { name: 'policies added', change: (i) => ({ ...i, policies: [...mixed, ...namedPorts] }) },
  { name: 'pod added', change: (i) => ({ ...i, pods: [...i.pods, newPod('x/d', { pod: 'a' }, '10.1.0.9', 'fd00:1::9')] }) },
  { name: 'pod relabeled', change: (i) => ({ ...i, pods: relabeled(i.pods, 'y/b', { pod: 'c' }) }) },
  { name: 'pod relabeled into a selector', change: (i) => ({ ...i, pods: relabeled(i.pods, 'z/c', { pod: 'a' }) }) },
  { name: 'status update that changes nothing the policy reads', change: (i) => ({ ...i, pods: i.pods.map((p) => ({ ...p, status: { ...p.status } })) }) },
  { name: 'pod removed', change: (i) => ({ ...i, pods: i.pods.filter((p) => keyOf(p) !== 'x/b') }) },
  { name: 'pod terminated', change: (i) => ({ ...i, pods: editPod(i.pods, 'y/a', (p) => ({ ...p, status: { ...p.status, phase: 'Succeeded' } })) }) },
  { name: 'pod created without an address', change: (i) => ({ ...i, pods: [...i.pods, newPod('z/e', { pod: 'b' })] }) },
  { name: 'the new pod gets its address', change: (i) => ({ ...i, pods: editPod(i.pods, 'z/e', (p) => withIps(p, '10.3.0.5', 'fd00:3::5')) }) },
  { name: 'a pod takes an address another pod has', change: (i) => ({ ...i, pods: [...i.pods, newPod('y/f', { pod: 'c' }, ip4('x/a'))] }) },
  { name: 'the first holder of the shared address goes', change: (i) => ({ ...i, pods: i.pods.filter((p) => keyOf(p) !== 'x/a') }) },
  { name: 'pod moves to another node', change: (i) => ({ ...i, pods: editPod(i.pods, 'x/c', (p) => ({ ...p, spec: { ...p.spec, nodeName: 'n2' } })) }) },
  { name: 'named port redeclared', change: (i) => ({ ...i, pods: editPod(i.pods, 'z/e', (p) => ({ ...p, spec: { ...p.spec, containers: [{ ports: [{ name: 'web', containerPort: 8080 }] }] } })) }) },
  { name: 'namespace relabeled', change: (i) => ({ ...i, namespaces: i.namespaces.map((n) => (n.metadata.name === 'y' ? { metadata: { name: 'y', labels: { ns: 'z' } } } : n)) }) },
  { name: 'namespace object deleted (its pods keep it)', change: (i) => ({ ...i, namespaces: i.namespaces.filter((n) => n.metadata.name !== 'z') }) },
  { name: 'pod in a namespace without a Namespace object', change: (i) => ({ ...i, pods: [...i.pods, newPod('w/a', { pod: 'a' }, '10.4.0.1')] }) },
  { name: 'namespace object created', change: (i) => ({ ...i, namespaces: [...i.namespaces, { metadata: { name: 'w', labels: { ns: 'x' } } }] }) },
  { name: 'host-network pod on this node', change: (i) => ({ ...i, pods: [...i.pods, { metadata: { name: 'h', namespace: 'x', labels: { pod: 'a' } }, spec: { nodeName: 'n1', hostNetwork: true, containers: [] }, status: { phase: 'Running', podIPs: [{ ip: '192.168.1.7' }], hostIP: '192.168.1.7' } }] }) },
  { name: 'node address added', change: (i) => ({ ...i, nodes: (i.nodes ?? []).map((n) => (n.metadata.name === 'n1' ? { metadata: n.metadata, status: { addresses: [{ type: 'InternalIP', address: NODE1 }, { type: 'ExternalIP', address: '203.0.113.1' }] } } : n)) }) },
  { name: 'policy changed', change: (i) => ({ ...i, policies: i.policies.map((p) => (p.metadata.name === 'web' ? policy('x/web', { ...p.spec, ingress: [{ ports: [{ port: 82 }, { port: 'web' }] }] }) : p)) }) },
  { name: 'policy removed', change: (i) => ({ ...i, policies: i.policies.filter((p) => p.metadata.name !== 'out') }) },
  { name: 'policy added', change: (i) => ({ ...i, policies: [...i.policies, policy('z/c-out', { podSelector: { matchLabels: { pod: 'c' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'x' } } }], ports: [{ port: 80 }] }] })] }) },
  { name: 'policy with an invalid selector', change: (i) => ({ ...i, policies: [...i.policies, policy('x/bad', { podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: [] }] }, ingress: [{}] })] }) },
  { name: 'every policy removed', change: (i) => ({ ...i, policies: [] as NetworkPolicyInput[] }) },
  { name: 'policies back', change: (i) => ({ ...i, policies: [...mixed, ...namedPorts] }) },
];

const fresh = (inputs: PolicyInputs, options: CompileOptions): PolicyRuleset => compilePolicy(buildPolicyModel(inputs), options);

/** Feeds `inputs` to the live table and checks it against a from-scratch compile; returns the new from-scratch table. */
function check(feed: LiveFeed, inputs: PolicyInputs, options: CompileOptions, before: PolicyRuleset | undefined, what: string): PolicyRuleset {
  feed.feed(inputs);
  const model = buildPolicyModel(inputs);
  const expected = compilePolicy(model, options);
  const got = feed.live.ruleset();
  assert.deepEqual(got, expected, `${what}: ruleset`);
  assert.equal(renderRuleset(got), renderRuleset(expected), what);
  assert.deepEqual(feed.live.problems(), model.problems, `${what}: problems`);
  for (const [node, ips] of model.nodeAddresses) assert.deepEqual(feed.live.nodeAddresses(node).map(formatIp).sort(), ips.map(formatIp).sort(), `${what}: addresses of ${node}`);
  const plan = feed.live.plan();
  if (before) {
    // The same plan a diff of the two whole tables gives, so the kernel lands on the same table.
    assert.deepEqual(plan, diffRulesets(before, expected), `${what}: plan`);
    assert.deepEqual(applyPlan(before, plan), expected, `${what}: plan applied`);
  } else {
    assert.deepEqual(plan.full, expected, `${what}: first plan is the full table`);
  }
  feed.live.commit();
  assert.ok(planIsEmpty(feed.live.plan()), `${what}: nothing left after commit`);
  return expected;
}

describe('incremental (LivePolicy)', () => {
  test('every change kind: the live table equals a from-scratch compile, and its plan equals their diff', () => {
    const feed = new LiveFeed(COMPILE_OPTIONS);
    let inputs = clusterInputs([]);
    let applied = check(feed, inputs, COMPILE_OPTIONS, undefined, 'start');
    for (const s of steps) {
      inputs = s.change(inputs);
      applied = check(feed, inputs, COMPILE_OPTIONS, applied, s.name);
    }
    // A full resync (agent restart): a new table fed the same objects is the same table.
    const restarted = new LiveFeed(COMPILE_OPTIONS);
    restarted.feed(inputs);
    assert.equal(renderRuleset(restarted.live.ruleset()), renderRuleset(applied));
  });

  for (const [label, options] of [['every pod local, both families', {}], ['another node', { node: 'n2' }], ['IPv4 only, no pod CIDRs', { node: 'n1', families: [4] }]] as const) {
    test(`the same for ${label}`, () => {
      const opts: CompileOptions = options;
      const feed = new LiveFeed(opts);
      let inputs = clusterInputs([]);
      let applied = check(feed, inputs, opts, undefined, 'start');
      for (const s of steps) {
        inputs = s.change(inputs);
        applied = check(feed, inputs, opts, applied, s.name);
      }
    });
  }

  test('random sequences of changes stay equal to from-scratch compiles', () => {
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const options: CompileOptions = seed % 2 === 0 ? COMPILE_OPTIONS : { node: 'n1', podCidrs: ['10.0.0.0/8'] };
      const feed = new LiveFeed(options);
      let applied: PolicyRuleset | undefined;
      for (const { inputs, what } of randomSteps(seed, 60)) applied = check(feed, inputs, options, applied, `seed ${seed}: ${what}`);
    }
  });

  test('a relabel plans only element changes of the sets holding that pod; a status update plans nothing', () => {
    const feed = new LiveFeed(COMPILE_OPTIONS);
    const inputs = clusterInputs([...mixed, ...namedPorts]);
    feed.feed(inputs);
    feed.live.commit();
    const before = feed.live.ruleset();
    feed.feed({ ...inputs, pods: inputs.pods.map((p) => ({ ...p })) });
    assert.ok(planIsEmpty(feed.live.plan()));
    feed.feed({ ...inputs, pods: relabeled(inputs.pods, 'y/b', { pod: 'c' }) });
    const p = feed.live.plan();
    assert.deepEqual([p.addSets, p.addChains, p.replaceChains, p.deleteChains, p.deleteSets, p.addEntries, p.deleteEntries].map((l) => l.length), [0, 0, 0, 0, 0, 0, 0]);
    const holding = new Set(before.sets.filter((s) => s.elements.some((e) => [ip4('y/b'), ip6('y/b')].includes(e.split(' ')[0] as string))).map((s) => s.name));
    assert.ok([...p.addElements, ...p.deleteElements].length > 0);
    assert.ok(p.deleteElements.every((d) => holding.has(d.set)), 'only sets that held the pod lose it');
    assert.ok(renderPlan(p).split('\n').length < 10);
  });

  test('a table whose kernel state is unknown plans the full table', () => {
    const feed = new LiveFeed(COMPILE_OPTIONS);
    const inputs = clusterInputs(mixed);
    feed.feed(inputs);
    feed.live.commit();
    feed.live.forget();
    assert.deepEqual(feed.live.plan().full, fresh(inputs, COMPILE_OPTIONS));
  });
});
