// A PolicyCache only saves work: building and compiling through one cache,
// change after change, gives exactly what a build and compile from scratch
// give, for every kind of change the agent sees. Unchanged parts come back
// as the same objects, which is what lets the diff skip them.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../../src/core/policy/compile.js';
import { applyPlan, diffRulesets } from '../../../src/core/policy/diff.js';
import type { NetworkPolicyInput, PodInput, PolicyInputs } from '../../../src/core/policy/inputs.js';
import { buildPolicyModel } from '../../../src/core/policy/model.js';
import { PolicyCache } from '../../../src/core/policy/policy-cache.js';
import { renderRuleset } from '../../../src/core/policy/render-nft.js';
import type { PolicyRuleset } from '../../../src/core/policy/ruleset.js';
import { clusterInputs, policy, testPod } from './cluster.js';
import { COMPILE_OPTIONS, SCENARIOS } from './scenarios.js';

const mixed = SCENARIOS.mixed ?? [];
const namedPorts = (SCENARIOS['named-ports'] ?? []).map((p) => policy(`${p.metadata.namespace ?? ''}/np-${p.metadata.name}`, p.spec));
const relabeled = (pods: readonly PodInput[], key: string, labels: Record<string, string>): PodInput[] =>
  pods.map((p) => (`${p.metadata.namespace ?? ''}/${p.metadata.name}` === key ? { ...p, metadata: { ...p.metadata, labels } } : p));

type Step = { name: string; change: (i: PolicyInputs) => PolicyInputs };
const steps: Step[] = [
  { name: 'policies added', change: (i) => ({ ...i, policies: [...mixed, ...namedPorts] }) },
  { name: 'pod added', change: (i) => ({ ...i, pods: [...i.pods, { ...testPod('x/a'), metadata: { name: 'd', namespace: 'x', labels: { pod: 'a' } }, status: { phase: 'Running', podIPs: [{ ip: '10.1.0.9' }, { ip: 'fd00:1::9' }] } }] }) },
  { name: 'pod relabeled', change: (i) => ({ ...i, pods: relabeled(i.pods, 'y/b', { pod: 'c' }) }) },
  { name: 'pod relabeled into a selector', change: (i) => ({ ...i, pods: relabeled(i.pods, 'z/c', { pod: 'a' }) }) },
  { name: 'pod removed', change: (i) => ({ ...i, pods: i.pods.filter((p) => !(p.metadata.namespace === 'x' && p.metadata.name === 'b')) }) },
  { name: 'pod terminated', change: (i) => ({ ...i, pods: i.pods.map((p) => (p.metadata.namespace === 'y' && p.metadata.name === 'a' ? { ...p, status: { ...p.status, phase: 'Succeeded' } } : p)) }) },
  { name: 'namespace relabeled', change: (i) => ({ ...i, namespaces: i.namespaces.map((n) => (n.metadata.name === 'y' ? { metadata: { name: 'y', labels: { ns: 'z' } } } : n)) }) },
  { name: 'policy changed', change: (i) => ({ ...i, policies: i.policies.map((p) => (p.metadata.name === 'web' ? policy('x/web', { ...p.spec, ingress: [{ ports: [{ port: 82 }, { port: 'web' }] }] }) : p)) }) },
  { name: 'policy removed', change: (i) => ({ ...i, policies: i.policies.filter((p) => p.metadata.name !== 'out') }) },
  { name: 'policy added', change: (i) => ({ ...i, policies: [...i.policies, policy('z/c-out', { podSelector: { matchLabels: { pod: 'c' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'x' } } }], ports: [{ port: 80 }] }] })] }) },
  { name: 'every policy removed', change: (i) => ({ ...i, policies: [] as NetworkPolicyInput[] }) },
  { name: 'policies back', change: (i) => ({ ...i, policies: mixed }) },
];

const fresh = (inputs: PolicyInputs): PolicyRuleset => compilePolicy(buildPolicyModel(inputs), COMPILE_OPTIONS);

describe('incremental (PolicyCache)', () => {
  test('every change kind: cached build + compile equals a from-scratch one, model and ruleset', () => {
    const cache = new PolicyCache();
    let inputs = clusterInputs([]);
    let applied = compilePolicy(buildPolicyModel(inputs, cache), COMPILE_OPTIONS, cache);
    assert.deepEqual(applied, fresh(inputs));
    for (const s of steps) {
      inputs = s.change(inputs);
      const model = buildPolicyModel(inputs, cache);
      assert.deepEqual(model, buildPolicyModel(inputs), `${s.name}: model`);
      const next = compilePolicy(model, COMPILE_OPTIONS, cache);
      const expected = fresh(inputs);
      assert.deepEqual(next, expected, `${s.name}: ruleset`);
      assert.equal(renderRuleset(next), renderRuleset(expected), s.name);
      // The plan from what the kernel holds lands on the same table.
      assert.deepEqual(applyPlan(applied, diffRulesets(applied, next)), expected, `${s.name}: plan`);
      applied = next;
    }
  });

  test('unchanged parts come back as the same objects; a relabel recompiles only the sets holding that pod', () => {
    const cache = new PolicyCache();
    const inputs = clusterInputs([...mixed, ...namedPorts]);
    const a = compilePolicy(buildPolicyModel(inputs, cache), COMPILE_OPTIONS, cache);
    const b = compilePolicy(buildPolicyModel(inputs, cache), COMPILE_OPTIONS, cache);
    // Named-port sets (np-…) depend on every pod's ports and are recompiled each time; everything else is reused.
    assert.deepEqual(a.sets.filter((s, i) => s !== b.sets[i]).map((s) => s.name.slice(0, 3)), a.sets.filter((s) => s.name.startsWith('np-')).map(() => 'np-'));
    assert.ok(a.maps.every((m, i) => m === b.maps[i]) && a.chains.every((c, i) => c === b.chains[i]));
    const c = compilePolicy(buildPolicyModel({ ...inputs, pods: relabeled(inputs.pods, 'y/b', { pod: 'c' }) }, cache), COMPILE_OPTIONS, cache);
    // Sets holding the relabeled pod object are recompiled (its facts are new); only those can carry element changes.
    const recompiled = new Set(c.sets.filter((s) => !b.sets.includes(s)).map((s) => s.name));
    const p = diffRulesets(b, c);
    assert.ok(recompiled.size > 0 && recompiled.size < c.sets.length / 2);
    assert.ok([...p.deleteElements, ...p.addElements].every((d) => recompiled.has(d.set)));
    assert.ok(c.chains.every((ch, i) => ch === b.chains[i]), 'no chain changes for a label change');
  });

  test('a cache used with different options still gives their from-scratch result', () => {
    const cache = new PolicyCache();
    const inputs = clusterInputs(mixed);
    for (const options of [COMPILE_OPTIONS, {}, { node: 'n2' }, COMPILE_OPTIONS]) {
      assert.deepEqual(compilePolicy(buildPolicyModel(inputs, cache), options, cache), compilePolicy(buildPolicyModel(inputs), options));
    }
  });
});
