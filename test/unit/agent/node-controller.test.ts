// The node controller against a scripted ClusterSource (Nodes only) and a
// recording backend: what it asks the backend to do for each kind of event,
// and that it relists after Gone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OverlayBackend, Peer, SyncReport } from '../../../src/agent/backends/overlay-backend.js';
import type { ClusterSource } from '../../../src/agent/cluster/cluster-source.js';
import { gone } from '../../../src/agent/cluster/errors.js';
import type { Node, Stored } from '../../../src/agent/cluster/types.js';
import { createEventBus, type AgentEvent } from '../../../src/agent/events.js';
import { NodeController } from '../../../src/agent/node-controller.js';
import { parseBlockPool } from '../../../src/core/cluster/pod-cidr.js';
import { ScriptedWatch } from '../../helpers/scripted-watch.js';


class ScriptedSource {
  nodes = new Map<string, Stored<Node>>();
  lists = 0;
  watches: Array<ScriptedWatch<Node>> = [];
  private rv = 1;
  async list() {
    this.lists++;
    return { items: [...this.nodes.values()], resourceVersion: String(this.rv) };
  }
  watch() {
    const w = new ScriptedWatch<Node>();
    this.watches.push(w);
    return w;
  }
  /** Changes the store and tells the current watch. */
  emit(type: 'ADDED' | 'MODIFIED' | 'DELETED', n: Stored<Node>): void {
    this.rv++;
    if (type === 'DELETED') this.nodes.delete(n.metadata.name);
    else this.nodes.set(n.metadata.name, n);
    this.watches.at(-1)?.push({ type, object: n });
  }
}

function node(i: number, over: { ip?: string; labels?: Record<string, string> } = {}): Stored<Node> {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: {
      name: `node-${i}`, uid: `u${i}`, resourceVersion: '1', creationTimestamp: '2026-01-01T00:00:00Z',
      ...(over.labels ? { labels: over.labels } : {}),
      annotations: { 'podwire.io/backend': 'vxlan', 'podwire.io/underlay-ip': over.ip ?? `10.255.0.${i}`, 'podwire.io/vtep-mac': `0e:50:0a:ff:00:0${i}` },
    },
    spec: { podCIDR: `10.244.${i}.0/24`, podCIDRs: [`10.244.${i}.0/24`] },
  };
}

class RecordingBackend implements OverlayBackend {
  readonly name = 'vxlan' as const;
  calls: string[] = [];
  ensureLocal(): never { throw new Error('not used'); }
  private ok(): SyncReport { return { applied: [], failed: [] }; }
  ensurePeer(p: Peer): SyncReport { this.calls.push(`ensure ${p.name} ${p.underlayIP}`); return this.ok(); }
  removePeer(p: Peer): SyncReport { this.calls.push(`remove ${p.name}`); return this.ok(); }
  reconcile(peers: readonly Peer[]): SyncReport { this.calls.push(`reconcile ${peers.map((p) => p.name).sort().join(',')}`); return this.ok(); }
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (cond()) return;
    await new Promise((r) => setImmediate(r));
  }
  assert.fail(`never: ${what}`);
}

function setup() {
  const source = new ScriptedSource();
  source.nodes.set('node-1', node(1));
  source.nodes.set('node-2', node(2));
  const backend = new RecordingBackend();
  const events: AgentEvent[] = [];
  const bus = createEventBus();
  bus.subscribe((e) => events.push(e));
  const selves: Array<string | undefined> = [];
  const logs: string[] = [];
  const c = new NodeController({
    source: source as unknown as ClusterSource,
    backend,
    ctx: { self: 'node-1', backend: 'vxlan', pool: parseBlockPool('10.244.0.0/16', 24, 'clusterCIDR'), localPodCIDR: '10.244.1.0/24' },
    resyncMs: 3_600_000,
    log: (level, message, fields) => logs.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`),
    events: bus,
    now: () => performance.now(),
    onSelf: (n) => selves.push(n?.metadata.name),
  });
  return { source, backend, events, selves, logs, c };
}

test('first list: one full reconcile of the published peers, then started', async () => {
  const { backend, events, selves, c } = setup();
  c.start();
  await c.started;
  assert.deepEqual(backend.calls, ['reconcile node-2']);
  assert.equal(c.synced, true);
  assert.deepEqual(selves, ['node-1']);
  assert.deepEqual(c.status().peers.map((p) => p.name), ['node-2']);
  assert.deepEqual(events.filter((e) => e.type === 'reconcile').map((e) => e.type === 'reconcile' && e.kind), ['full']);
  await c.stop();
});

test('watch events: joins, real changes and departures reach the backend; no-op changes do not', async () => {
  const { source, backend, c } = setup();
  c.start();
  await c.started;
  backend.calls = [];
  source.emit('ADDED', node(3));
  await until('node-3 ensured', () => backend.calls.length === 1);
  source.emit('MODIFIED', node(3, { labels: { zone: 'a' } }));
  source.emit('MODIFIED', node(3, { ip: '10.255.0.33' }));
  await until('node-3 re-ensured', () => backend.calls.length === 2);
  source.emit('DELETED', node(2));
  await until('node-2 removed', () => backend.calls.length === 3);
  assert.deepEqual(backend.calls, ['ensure node-3 10.255.0.3', 'ensure node-3 10.255.0.33', 'remove node-2']);
  await c.stop();
});

test('Gone: relist, and a full reconcile without the nodes deleted meanwhile', async () => {
  const { source, backend, logs, c } = setup();
  c.start();
  await c.started;
  source.nodes.delete('node-2'); // deleted while the watch was down: no event
  source.nodes.set('node-4', node(4));
  source.watches.at(-1)?.push(gone('too old resource version'));
  await until('relisted', () => source.lists === 2 && backend.calls.length === 2);
  assert.deepEqual(backend.calls, ['reconcile node-2', 'reconcile node-4']);
  assert.ok(logs.some((l) => l.includes('relisting')));
  await c.stop();
});

test('another failure: retried after a backoff, not a crash', async () => {
  const { source, logs, c } = setup();
  c.start();
  await c.started;
  source.watches.at(-1)?.push(new Error('disk on fire'));
  await until('logged', () => logs.some((l) => l.startsWith('error node list/watch failed')));
  await c.stop();
});

test('our own Node: reported to onSelf, never a peer', async () => {
  const { source, backend, selves, c } = setup();
  c.start();
  await c.started;
  backend.calls = [];
  source.emit('DELETED', node(1));
  await until('self deleted seen', () => selves.length === 2);
  assert.deepEqual(selves, ['node-1', undefined]);
  assert.deepEqual(backend.calls, []);
  await c.stop();
});

test('stop() does not wait out a retry backoff', async () => {
  const { source, logs, c } = setup();
  c.start();
  await c.started;
  source.watches.at(-1)?.push(new Error('disk on fire'));
  await until('in backoff', () => logs.some((l) => l.startsWith('error node list/watch failed')));
  const t0 = performance.now();
  await c.stop();
  assert.ok(performance.now() - t0 < 200, 'stopped promptly');
});
