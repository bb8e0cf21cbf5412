// Several processes on one store at once: versions unique and increasing,
// no lost update under compare-and-swap, watchers see one total order; and
// agents claiming pod blocks together never share one.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Lease } from '../../../src/agent/cluster/types.js';
import { makeRoot, openSource, startWorker, take, type TempRoot } from './helpers.js';

const WRITERS = 8;
const ITERATIONS = 25;
const AGENTS = 10;

function journalVersions(root: string): number[] {
  const dir = join(root, '.podwire', 'journal');
  return readdirSync(dir).sort().flatMap((f) => readFileSync(join(dir, f), 'utf8').trimEnd().split('\n').map((l) => (JSON.parse(l) as { rv: number }).rv));
}

describe('many processes on one store', () => {
  const roots: TempRoot[] = [];
  after(() => roots.forEach((r) => r.remove()));

  it(`${WRITERS} processes creating and compare-and-swapping at once: unique increasing versions, no lost update`, async (t) => {
    const r = makeRoot();
    roots.push(r);
    const { source } = openSource(r.path);
    after(() => source.close());
    const counter = await source.create('Lease', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'counter', namespace: 'conc' }, spec: { leaseTransitions: 0 } });
    const w = source.watch('Lease', { namespace: 'conc', resourceVersion: counter.metadata.resourceVersion });
    const started = performance.now();
    const outs = await Promise.all(Array.from({ length: WRITERS }, (_, i) => startWorker(['increment', r.path, String(ITERATIONS), String(i)], 120_000).done));
    const elapsed = performance.now() - started;
    const results = outs.map((o, i) => {
      assert.equal(o.status, 0, `writer ${i}: ${o.stderr}`);
      return JSON.parse(o.stdout) as { rvs: number[]; conflicts: number };
    });
    for (const [i, res] of results.entries()) {
      assert.equal(res.rvs.length, 2 * ITERATIONS);
      assert.ok(res.rvs.every((v, k) => k === 0 || v > (res.rvs[k - 1] as number)), `writer ${i} saw its versions increase`);
    }
    const all = results.flatMap((res) => res.rvs);
    assert.equal(new Set(all).size, all.length, 'no version given twice');

    const final = await source.get('Lease', { name: 'counter', namespace: 'conc' });
    assert.equal(final.spec?.leaseTransitions, WRITERS * ITERATIONS, 'every increment survived');
    const versions = journalVersions(r.path);
    assert.deepEqual(versions, versions.map((_, k) => (versions[0] as number) + k), 'the journal is dense and ordered');
    assert.equal(versions.at(-1), Math.max(...all));

    const events = await take(w, all.length, 20_000);
    w.stop();
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    assert.ok(rvs.every((v, k) => k === 0 || v > (rvs[k - 1] as number)), 'the watcher saw one increasing order');
    assert.deepEqual([...rvs].sort((a, b) => a - b), [...all].sort((a, b) => a - b), 'and exactly the writes');
    const counts = events.filter((e) => e.type === 'MODIFIED').map((e) => (e.object as Lease).spec?.leaseTransitions);
    assert.deepEqual(counts, counts.map((_, k) => k + 1), 'each increment built on the previous one');
    const conflicts = results.reduce((n, res) => n + res.conflicts, 0);
    t.diagnostic(`${all.length} writes from ${WRITERS} processes in ${elapsed.toFixed(0)} ms; ${conflicts} Conflicts retried`);
  });

  it(`${AGENTS} agents claiming pod blocks at once get ${AGENTS} distinct blocks per family`, async (t) => {
    const r = makeRoot();
    roots.push(r);
    const pools = JSON.stringify([['10.244.0.0/16', 24], ['fd00:10::/48', 64]]);
    const started = performance.now();
    const outs = await Promise.all(Array.from({ length: AGENTS }, (_, i) => startWorker(['claim', r.path, `node-${i}`, pools], 120_000).done));
    const elapsed = performance.now() - started;
    const claimed = outs.map((o, i) => {
      assert.equal(o.status, 0, `agent ${i}: ${o.stderr}`);
      return (JSON.parse(o.stdout) as { podCIDRs: string[] }).podCIDRs;
    });
    const v4 = claimed.map((c) => c[0]);
    const v6 = claimed.map((c) => c[1]);
    assert.equal(new Set(v4).size, AGENTS, v4.join(' '));
    assert.equal(new Set(v6).size, AGENTS, v6.join(' '));
    // The lowest blocks, since every agent takes the lowest free one.
    assert.deepEqual([...v4].sort((a, b) => Number(a?.split('.')[2]) - Number(b?.split('.')[2])), Array.from({ length: AGENTS }, (_, i) => `10.244.${i}.0/24`));

    const { source } = openSource(r.path);
    const nodes = (await source.list('Node')).items;
    assert.equal(nodes.length, AGENTS);
    for (const [i, cidrs] of claimed.entries()) {
      const node = nodes.find((n) => n.metadata.name === `node-${i}`);
      assert.deepEqual(node?.spec?.podCIDRs, cidrs, `node-${i} records what it was told`);
      assert.equal(node?.spec?.podCIDR, cidrs[0]);
      assert.equal(node?.metadata.annotations?.['podwire.io/underlay-ip'], '192.168.50.1');
      assert.equal(node?.metadata.annotations?.['podwire.io/vtep-mac'], `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`);
    }
    const leases = (await source.list('Lease', { namespace: 'podwire-system' })).items;
    assert.equal(leases.length, 2 * AGENTS, 'one claim per block');
    for (const l of leases) {
      const holder = nodes.find((n) => n.metadata.name === l.spec?.holderIdentity);
      assert.ok(holder?.spec?.podCIDRs?.includes(l.metadata.annotations?.['podwire.io/pod-cidr'] ?? ''), `${l.metadata.name} held by the node using it`);
    }
    t.diagnostic(`${AGENTS} concurrent claims in ${elapsed.toFixed(0)} ms`);
  });
});
