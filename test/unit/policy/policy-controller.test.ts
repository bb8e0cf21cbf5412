// The agent's policy controller against a scripted ClusterSource (all four
// kinds) and a fake kernel that records every script: the first sync loads
// the table in steps and swaps it in; a change is one incremental
// transaction, a status update none; a failed plan falls back to a full
// load; what the controller holds matches a from-scratch compile of the
// objects; a Gone relist drops what was deleted meanwhile.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ClusterSource } from '../../../src/agent/cluster/cluster-source.js';
import { gone } from '../../../src/agent/cluster/errors.js';
import type { ClusterObject, KindName, Stored } from '../../../src/agent/cluster/types.js';
import { createEventBus, type AgentEvent } from '../../../src/agent/events.js';
import { PolicyController, type PolicyDataplane } from '../../../src/agent/policy/policy-controller.js';
import { compilePolicy } from '../../../src/core/policy/compile.js';
import type { PolicyInputs } from '../../../src/core/policy/inputs.js';
import { buildPolicyModel } from '../../../src/core/policy/model.js';
import type { PolicyRuleset } from '../../../src/core/policy/ruleset.js';
import { clusterInputs, policy, testPod } from './cluster.js';
import { SCENARIOS } from './scenarios.js';
import { ScriptedWatch } from '../../helpers/scripted-watch.js';


/** Objects by kind and namespace/name; events go to the latest watch of their kind. */
class ScriptedSource {
  readonly objects = new Map<KindName, Map<string, Stored<ClusterObject>>>();
  readonly watches = new Map<KindName, ScriptedWatch<ClusterObject>>();
  private rv = 1;

  constructor(inputs: PolicyInputs) {
    for (const n of inputs.namespaces) this.put('Namespace', n);
    for (const n of inputs.nodes ?? []) this.put('Node', n);
    for (const p of inputs.policies) this.put('NetworkPolicy', p);
    for (const p of inputs.pods) this.put('Pod', p);
  }

  private key(o: { metadata: { name: string; namespace?: string } }): string {
    return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
  }

  private put(kind: KindName, o: object): Stored<ClusterObject> {
    const stored = { ...o, metadata: { ...(o as { metadata: object }).metadata, resourceVersion: String(this.rv++) } } as Stored<ClusterObject>;
    let byKey = this.objects.get(kind);
    if (!byKey) this.objects.set(kind, (byKey = new Map()));
    byKey.set(this.key(stored), stored);
    return stored;
  }

  async list(kind: KindName): Promise<{ items: Stored<ClusterObject>[]; resourceVersion: string }> {
    return { items: [...(this.objects.get(kind)?.values() ?? [])], resourceVersion: String(this.rv) };
  }

  watch(kind: KindName): ScriptedWatch<ClusterObject> {
    const w = new ScriptedWatch<ClusterObject>();
    this.watches.set(kind, w);
    return w;
  }

  emit(kind: KindName, type: 'ADDED' | 'MODIFIED' | 'DELETED', o: object): void {
    if (type === 'DELETED') {
      const stored = this.objects.get(kind)?.get(this.key(o as { metadata: { name: string } }));
      this.objects.get(kind)?.delete(this.key(o as { metadata: { name: string } }));
      if (stored) this.watches.get(kind)?.push({ type, object: stored });
      return;
    }
    this.watches.get(kind)?.push({ type, object: this.put(kind, o) });
  }

  /** The store as policy inputs, for a from-scratch compile. */
  inputs(): PolicyInputs {
    const all = (k: KindName): unknown[] => [...(this.objects.get(k)?.values() ?? [])];
    return { namespaces: all('Namespace'), nodes: all('Node'), policies: all('NetworkPolicy'), pods: all('Pod') } as unknown as PolicyInputs;
  }
}

/** Records scripts; knows which tables are hooked, for `list chains inet`; can fail one script. */
class FakeKernel implements PolicyDataplane {
  readonly scripts: string[] = [];
  readonly hooked = new Set<string>();
  failNext: ((script: string) => boolean) | undefined;
  released = 0;

  run(script: string): string {
    if (script === 'list chains inet') return [...this.hooked].map((t) => `table inet ${t} {\n\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n\t}\n}\n`).join('');
    if (this.failNext?.(script)) {
      this.failNext = undefined;
      throw new Error('nft: injected failure');
    }
    this.scripts.push(script);
    for (const line of script.split('\n')) {
      const words = line.split(' ');
      if (words[0] === 'add' && words[1] === 'chain' && line.includes(' hook ')) this.hooked.add(words[3] as string);
      if (words[0] === 'delete' && words[1] === 'table') this.hooked.delete(words[3] as string);
    }
    return '';
  }

  release(): void {
    this.released += 1;
  }
}

const OPTIONS = { node: 'n1', podCidrs: ['10.0.0.0/8', 'fd00::/16'] };

function size(r: PolicyRuleset): { rules: number; elements: number } {
  return {
    rules: r.chains.reduce((n, c) => n + c.rules.length, 0),
    elements: r.sets.reduce((n, s) => n + s.elements.length, 0) + r.maps.reduce((n, m) => n + m.entries.length, 0),
  };
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  assert.fail(`never: ${what}`);
}

function setup(inputs: PolicyInputs) {
  const source = new ScriptedSource(inputs);
  const kernel = new FakeKernel();
  const events: AgentEvent[] = [];
  const bus = createEventBus();
  bus.subscribe((e) => events.push(e));
  const logs: string[] = [];
  const c = new PolicyController({
    source: source as unknown as ClusterSource, dataplane: kernel, events: bus,
    log: (level, message) => logs.push(`${level} ${message}`),
    node: OPTIONS.node, podCidrs: OPTIONS.podCidrs, localAddresses: () => ['192.168.1.1'],
    bridge: { sameNodeEnforced: true, note: 'test' }, debounceMs: 5,
    now: () => performance.now(), wallClock: () => new Date(),
  });
  const syncs = (): string[] => events.flatMap((e) => (e.type === 'policy-sync' && e.ok ? [e.kind] : []));
  /** What the controller holds equals a from-scratch compile of the store. */
  const matchesStore = (): boolean => {
    const expected = size(compilePolicy(buildPolicyModel(source.inputs()), { ...OPTIONS, nodeAddresses: ['192.168.1.1'] }));
    const st = c.status();
    return st.rules === expected.rules && st.elements === expected.elements;
  };
  return { source, kernel, logs, c, syncs, matchesStore };
}

test('first sync: the table is built unhooked in steps and swapped in; status and release', async () => {
  const { kernel, c, syncs, matchesStore } = setup(clusterInputs(SCENARIOS.mixed ?? []));
  c.start();
  await c.started;
  assert.deepEqual(syncs(), ['full']);
  assert.deepEqual([...kernel.hooked], ['podwire-policy']);
  assert.match(kernel.scripts[0] as string, /^add table inet podwire-policy\ndelete table inet podwire-policy\nadd table inet podwire-policy\n/);
  assert.match(kernel.scripts.at(-1) as string, /^add chain inet podwire-policy forward \{ type filter hook forward/);
  assert.equal(kernel.released, 1);
  const st = c.status();
  assert.equal(st.synced, true);
  assert.equal(st.enforcing, true);
  assert.equal(st.podsKnown, 9);
  assert.equal(st.localPods, 9);
  assert.ok(matchesStore());
  await c.stop();
});

test('a relabel is one incremental transaction of element lines; the held table still matches the store', async () => {
  const { source, kernel, c, syncs, matchesStore } = setup(clusterInputs(SCENARIOS.mixed ?? []));
  c.start();
  await c.started;
  const before = kernel.scripts.length;
  source.emit('Pod', 'MODIFIED', testPod('y/b', { pod: 'c' }));
  await until('an incremental sync', () => syncs().includes('incremental'));
  assert.equal(kernel.scripts.length, before + 1);
  const script = kernel.scripts.at(-1) as string;
  assert.ok(script.trimEnd().split('\n').every((l) => /^(add|delete) element /.test(l)), script);
  assert.ok(matchesStore());
  // A status-only update changes nothing the table reads: no sync at all.
  const synced = syncs().length;
  source.emit('Pod', 'MODIFIED', { ...testPod('y/b', { pod: 'c' }), status: { phase: 'Running', podIPs: [{ ip: '10.2.0.2' }, { ip: 'fd00:2::2' }], hostIP: '192.168.1.1' } });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(syncs().length, synced);
  assert.equal(kernel.scripts.length, before + 1);
  await c.stop();
});

test('a failed plan falls back to a full load at once; a policy added afterwards is incremental again', async () => {
  const { source, kernel, logs, c, syncs, matchesStore } = setup(clusterInputs(SCENARIOS.mixed ?? []));
  c.start();
  await c.started;
  kernel.failNext = (s) => !s.startsWith('add table');
  source.emit('NetworkPolicy', 'ADDED', policy('z/c-out', { podSelector: { matchLabels: { pod: 'c' } }, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { ns: 'x' } } }], ports: [{ port: 80 }] }] }));
  await until('a full sync after the failure', () => syncs().length === 2);
  assert.deepEqual(syncs(), ['full', 'full']);
  assert.ok(logs.some((l) => l.startsWith('warn policy plan failed')));
  assert.deepEqual([...kernel.hooked], ['podwire-policy']);
  assert.ok(matchesStore());
  source.emit('NetworkPolicy', 'DELETED', policy('z/c-out', { podSelector: {} }));
  await until('an incremental sync', () => syncs().length === 3);
  assert.deepEqual(syncs(), ['full', 'full', 'incremental']);
  assert.ok(matchesStore());
  await c.stop();
});

test('Gone: the relist applies what changed while the watch was down, deletions included', async () => {
  const { source, c, syncs, matchesStore } = setup(clusterInputs(SCENARIOS.mixed ?? []));
  c.start();
  await c.started;
  // Behind the watch's back: a pod goes, a policy comes; then the watch expires.
  source.objects.get('Pod')?.delete('x/b');
  source.emit('NetworkPolicy', 'ADDED', policy('x/deny-egress', { podSelector: {}, policyTypes: ['Egress'] }));
  source.watches.get('Pod')?.push(gone('too old'));
  await until('synced after the relist', () => syncs().length >= 2 && c.status().podsKnown === 8);
  assert.ok(matchesStore());
  await c.stop();
});
