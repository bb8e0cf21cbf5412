// `podwirectl bench policy` at a tiny size: the report's shape and counts,
// and that its node netns (pwpb<pid>-node) and its agent process are gone
// afterwards. Timings are read from the report, never asserted (CI
// machines vary). Needs root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { DIST_BIN } from '../../helpers/plugin.js';

const pwpb = (): string[] => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith('pwpb'));

test('bench policy reports full sync, single changes and RSS, and cleans up', () => {
  const before = pwpb();
  const r = spawnSync(`${DIST_BIN}/podwirectl`, ['bench', 'policy', '--pods', '150', '--policies', '12', '--changes', '3', '--rounds', '2', '--json'], {
    encoding: 'utf8',
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    pods: number; policies: number; namespaces: number; localPods: number; netns: string; cleanedUp: boolean;
    ruleset: { chains: number; sets: number; elements: number };
    fullSync: { rounds: Record<string, number>[]; p50: Record<string, number> };
    changes: Record<string, { n: number; p50: number; p99: number; max: number; syncP50: number; nftP50: number }>;
    controller: { syncs: Record<string, number>; errors: number };
    rssMB: { now: number; peak: number };
    benchRssMB: { now: number; peak: number };
  };
  assert.deepEqual([report.pods, report.policies, report.namespaces, report.localPods], [150, 12, 2, 150]);
  assert.ok(report.ruleset.chains > 0 && report.ruleset.sets > 0 && report.ruleset.elements >= 150);
  assert.equal(report.fullSync.rounds.length, 2);
  for (const k of ['listMs', 'buildMs', 'compileMs', 'renderMs', 'applyMs', 'totalMs']) assert.ok((report.fullSync.p50[k] ?? -1) >= 0, k);
  assert.deepEqual(Object.keys(report.changes).sort(), ['label-changed', 'pod-added', 'policy-added']);
  for (const [kind, c] of Object.entries(report.changes)) {
    assert.equal(c.n, 3, kind);
    assert.ok(c.p50 > 0 && c.p99 >= c.p50 && c.max >= c.p99, `${kind}: ${JSON.stringify(c)}`);
  }
  assert.equal(report.controller.errors, 0);
  assert.ok((report.controller.syncs.incremental ?? 0) >= 9, 'every change went through an incremental sync');
  // Two processes: the agent (its own RSS) and the bench.
  assert.ok(report.rssMB.now > 0 && report.rssMB.peak >= report.rssMB.now);
  assert.ok(report.benchRssMB.now > 0 && report.benchRssMB.peak >= report.benchRssMB.now);
  assert.equal(report.cleanedUp, true);
  assert.match(report.netns, /^pwpb[0-9a-z]+-node$/);
  assert.ok(!pwpb().includes(report.netns), `${report.netns} is gone`);
  assert.deepEqual(pwpb(), before);
  assert.equal(spawnSync('pgrep', ['-f', 'bench policy --agent-child']).status, 1, 'no agent process left');
});

test('bench policy: text report is an aligned table; bad arguments exit 2', () => {
  const bad = spawnSync(`${DIST_BIN}/podwirectl`, ['bench', 'policy', '--pods', '0'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--pods: "0" is not an integer/);
  const r = spawnSync(`${DIST_BIN}/podwirectl`, ['bench', 'policy', '--pods', '50', '--policies', '5', '--changes', '2', '--rounds', '1'], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^change\s+n\s+p50 ms\s+p99 ms\s+max ms\s+sync p50\s+nft p50$/m);
  assert.match(r.stdout, /^pod-added\s+2\s/m);
  assert.match(r.stdout, /netns pwpb[0-9a-z]+-node: removed/);
});
