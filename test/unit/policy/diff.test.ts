// Incremental updates: a change touches only what it affects, and applying
// plans one after another lands exactly where a compile from scratch lands.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { compilePolicy } from '../../../src/core/policy/compile.js';
import { applyPlan, diffRulesets, planIsEmpty, renderPlan, type PolicyPlan } from '../../../src/core/policy/diff.js';
import type { NetworkPolicyInput } from '../../../src/core/policy/inputs.js';
import { renderRuleset } from '../../../src/core/policy/render-nft.js';
import type { PolicyRuleset } from '../../../src/core/policy/ruleset.js';
import { cluster, ip4, ip6, policy, type ClusterOptions } from './cluster.js';
import { COMPILE_OPTIONS, SCENARIOS } from './scenarios.js';

const compile = (policies: NetworkPolicyInput[], o: ClusterOptions = {}): PolicyRuleset => compilePolicy(cluster(policies, o), COMPILE_OPTIONS);
const mixed = SCENARIOS.mixed ?? [];
const fixture = (name: string): URL => new URL(`../../../../test/fixtures/policy/${name}`, import.meta.url);

/** What a plan touches, by kind, for compact assertions. */
function touched(p: PolicyPlan): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const put = (k: string, v: string[]): void => {
    if (v.length > 0) out[k] = v;
  };
  put('addSets', p.addSets.map((s) => s.name));
  put('addMaps', p.addMaps.map((m) => m.name));
  put('addChains', p.addChains.map((c) => c.name));
  put('replaceChains', p.replaceChains.map((c) => c.name));
  put('deleteChains', [...p.deleteChains]);
  put('deleteSets', [...p.deleteSets]);
  put('deleteMaps', [...p.deleteMaps]);
  put('deleteElements', p.deleteElements.flatMap((d) => d.elements.map((e) => `${d.set}: ${e}`)));
  put('addElements', p.addElements.flatMap((d) => d.elements.map((e) => `${d.set}: ${e}`)));
  put('deleteEntries', p.deleteEntries.flatMap((d) => d.entries.map(([k]) => `${d.map}: ${k}`)));
  put('addEntries', p.addEntries.flatMap((d) => d.entries.map(([k]) => `${d.map}: ${k}`)));
  return out;
}

describe('diff', () => {
  test('the same model gives an empty plan and an empty script', () => {
    const p = diffRulesets(compile(mixed), compile(mixed));
    assert.ok(planIsEmpty(p));
    assert.equal(renderPlan(p), '');
  });

  test('a label change on one pod edits only the elements of the sets whose selectors it enters or leaves', () => {
    const before = compile(mixed);
    const after = compile(mixed, { podLabels: { 'y/b': { pod: 'c' } } });
    const p = diffRulesets(before, after);
    const inAorB = before.sets.filter((s) => s.comment === 'pods(pod in (a,b)) in namespaces({})').map((s) => s.name);
    const inXcOrY = before.sets.filter((s) => s.comment?.startsWith('pods(pod=c) in namespace x')).map((s) => s.name);
    assert.equal(inAorB.length, 2);
    // y/b leaves "pod in (a,b)"; "pod=c in x" stays a namespace-x selector, so y/b (already in via ns=y) is untouched.
    assert.deepEqual(touched(p), { deleteElements: [`${inAorB[0]}: ${ip4('y/b')}`, `${inAorB[1]}: ${ip6('y/b')}`] });
    assert.equal(inXcOrY.length, 2);
  });

  test('one added policy adds its chain and sets and repoints only the pods it selects', () => {
    const added = policy('z/c-out', { podSelector: { matchLabels: { pod: 'c' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'x' } } }], ports: [{ port: 80 }] }] });
    const before = compile(mixed);
    const after = compile([...mixed, added]);
    const p = diffRulesets(before, after);
    const t = touched(p);
    assert.equal(t.addChains?.length, 1);
    assert.match(t.addChains?.[0] ?? '', /^eg-/);
    assert.equal(t.addSets?.length, 2, 'pods(ns=x) for both families');
    assert.deepEqual(t.deleteEntries, [`egress4: ${ip4('z/c')}`, `egress6: ${ip6('z/c')}`]);
    assert.deepEqual(t.addEntries, [`egress4: ${ip4('z/c')}`, `egress6: ${ip6('z/c')}`]);
    assert.equal(t.replaceChains, undefined);
    assert.equal(t.deleteChains, undefined);
    assert.equal(t.deleteSets, undefined);
    // The script is golden: order and syntax are what nft -f gets (the nft-load integration test runs it).
    const script = renderPlan(p);
    if (process.env.PODWIRE_UPDATE_GOLDEN === '1') writeFileSync(fixture('mixed-add-policy.diff.nft'), script);
    assert.equal(script, readFileSync(fixture('mixed-add-policy.diff.nft'), 'utf8'));
  });

  test('a changed rule replaces the class chains of that policy only', () => {
    const edited = mixed.map((pol) => (pol.metadata.name === 'web' ? policy('x/web', { ...pol.spec, ingress: [{ ...pol.spec.ingress?.[0], ports: [{ port: 82 }, { port: 'web' }] }] }) : pol));
    const p = diffRulesets(compile(mixed), compile(edited));
    const t = touched(p);
    assert.equal(t.replaceChains?.length, 1);
    assert.deepEqual(compile(mixed).chains.find((c) => c.name === t.replaceChains?.[0])?.comment, 'ingress of pods isolated by x/deny-all, x/web');
    assert.equal(t.addChains, undefined);
    assert.equal(t.deleteElements, undefined);
  });

  test('a removed policy deletes its chains, unreferenced sets and repoints its pods', () => {
    const p = diffRulesets(compile(mixed), compile(mixed.filter((x) => x.metadata.name !== 'out')));
    const t = touched(p);
    assert.ok((t.deleteChains ?? []).length >= 2, 'egress and ingress class chains of y');
    assert.ok((t.deleteSets ?? []).length > 0);
    assert.ok((t.addEntries ?? []).every((e) => e.includes('10.2.0.') || e.includes('fd00:2::')));
    // Map entries are deleted before the chains they name, chains before the sets their rules name.
    const script = renderPlan(p).split('\n');
    const firstChainDelete = script.findIndex((l) => l.startsWith('delete chain'));
    const lastEntryDelete = script.findLastIndex((l) => l.startsWith('delete element') && l.includes('gress'));
    const firstSetDelete = script.findIndex((l) => l.startsWith('delete set'));
    assert.ok(lastEntryDelete < firstChainDelete && firstChainDelete < firstSetDelete);
  });
});

describe('determinism', () => {
  // A deterministic walk through cluster changes: labels, policies added, edited and removed.
  const steps: { policies: NetworkPolicyInput[]; options?: ClusterOptions }[] = [
    { policies: [] },
    { policies: mixed },
    { policies: mixed, options: { podLabels: { 'y/b': { pod: 'c' }, 'x/a': { pod: 'b' } } } },
    { policies: [...mixed, ...(SCENARIOS['named-ports'] ?? []).map((p) => policy(`${p.metadata.namespace ?? ''}/np-${p.metadata.name}`, p.spec))] },
    { policies: SCENARIOS['deny-all'] ?? [] },
    { policies: [...(SCENARIOS['deny-all'] ?? []), policy('x/open', { podSelector: {}, ingress: [{}], egress: [{}] })], options: { podLabels: { 'z/c': { pod: 'a' } } } },
    { policies: mixed },
    { policies: [] },
  ];

  test('render(compile(model)) equals render after applying every diff from any earlier state', () => {
    let state = compile([]);
    for (const [i, s] of steps.entries()) {
      const target = compile(s.policies, s.options ?? {});
      const plan = diffRulesets(state, target);
      assert.equal(plan.full, null, `step ${i} is incremental`);
      state = applyPlan(state, plan);
      assert.deepEqual(state, target, `step ${i}`);
      assert.equal(renderRuleset(state), renderRuleset(target), `step ${i}`);
    }
    // And skipping steps: from the first state straight to each.
    for (const [i, s] of steps.entries()) {
      const from = compile(mixed);
      const target = compile(s.policies, s.options ?? {});
      assert.equal(renderRuleset(applyPlan(from, diffRulesets(from, target))), renderRuleset(target), `jump to ${i}`);
    }
  });

  test('a declaration that changed under the same name falls back to the full ruleset', () => {
    const a = compile(mixed);
    const b = { ...a, sets: a.sets.map((s) => (s.name === 'node4' ? { ...s, comment: 'other' } : s)) };
    const p = diffRulesets(a, b);
    assert.equal(p.full, b);
    assert.equal(renderPlan(p), renderRuleset(b));
  });
});
