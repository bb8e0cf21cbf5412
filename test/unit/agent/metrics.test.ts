import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEventBus } from '../../../src/agent/events.js';
import { formatLogLine } from '../../../src/agent/log.js';
import { AgentMetrics } from '../../../src/agent/metrics.js';

test('metrics follow the events, in Prometheus text format', async () => {
  const bus = createEventBus();
  const m = new AgentMetrics(bus, { podsLocal: async () => 3 });
  bus.publish({ type: 'nodes', known: 4, peers: 3 });
  bus.publish({ type: 'reconcile', kind: 'full', durationSeconds: 0.002, applied: 9, errors: 0 });
  bus.publish({ type: 'reconcile', kind: 'full', durationSeconds: 0.3, applied: 0, errors: 2 });
  bus.publish({ type: 'reconcile', kind: 'incremental', durationSeconds: 0.0005, applied: 3, errors: 1 });
  const text = await m.render();
  for (const line of [
    'podwire_nodes_known 4',
    'podwire_peers 3',
    'podwire_pods_local 3',
    '# TYPE podwire_reconcile_duration_seconds histogram',
    'podwire_reconcile_duration_seconds_bucket{le="0.001",kind="full"} 0',
    'podwire_reconcile_duration_seconds_bucket{le="0.0025",kind="full"} 1',
    'podwire_reconcile_duration_seconds_bucket{le="0.5",kind="full"} 2',
    'podwire_reconcile_duration_seconds_bucket{le="+Inf",kind="full"} 2',
    'podwire_reconcile_duration_seconds_sum{kind="full"} 0.302',
    'podwire_reconcile_duration_seconds_count{kind="full"} 2',
    'podwire_reconcile_duration_seconds_bucket{le="0.001",kind="incremental"} 1',
    '# TYPE podwire_reconcile_errors_total counter',
    'podwire_reconcile_errors_total{kind="full"} 2',
    'podwire_reconcile_errors_total{kind="incremental"} 1',
  ]) assert.ok(text.split('\n').includes(line), `missing: ${line}\n${text}`);
  assert.ok(text.endsWith('\n'));
  // Every sample line is "name{labels} value" or "name value".
  for (const l of text.split('\n').filter((x) => x && !x.startsWith('#'))) assert.match(l, /^[a-z_][a-z0-9_]*(\{[^}]*\})? [-+0-9.eInfNa]+$/);
  m.close();
  bus.publish({ type: 'nodes', known: 9, peers: 8 });
  assert.match(await m.render(), /^podwire_nodes_known 4$/m, 'closed metrics stop listening');
});

test('a failing pod count reads NaN, not an error', async () => {
  const m = new AgentMetrics(createEventBus(), { podsLocal: async () => { throw new Error('store down'); } });
  // prom-client prints NaN as "Nan"; Prometheus parses special values case-insensitively.
  assert.match(await m.render(), /^podwire_pods_local nan$/im);
});

test('log lines: one line, node name, quoted values', () => {
  const line = formatLogLine(new Date('2026-01-02T03:04:05.678Z'), 'node-1', 'info', 'peer added', { peer: 'node-2', reason: 'a b', error: new Error('x "y"'), skip: undefined });
  assert.equal(line, '2026-01-02T03:04:05.678Z info podwire-agent node=node-1 peer added peer=node-2 reason="a b" error="x \\"y\\""\n');
});
