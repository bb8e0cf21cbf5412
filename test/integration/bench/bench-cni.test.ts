// `podwirectl bench cni` as a user runs it: real plugins, throwaway
// namespaces. Asserts the report's shape and counts and that nothing is left
// behind; never the timings themselves (speed is read from the report, not
// asserted in tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { DIST_BIN } from '../../helpers/plugin.js';

interface Summary { n: number; p50: number; p99: number; mean: number }

test('bench cni runs podwire (with and without its CNI service) and the reference, and cleans up', () => {
  const serveCni = (): string[] => spawnSync('pgrep', ['-f', 'podwire-agent serve-cni'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort();
  const before = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const servicesBefore = serveCni();
  const r = spawnSync(`${DIST_BIN}/podwirectl`, ['bench', 'cni', '--pods', '2', '--rounds', '2', '--json'], {
    encoding: 'utf8',
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    pods: number; rounds: number; concurrency: number;
    results: Record<string, Record<string, Summary>>;
    ratio: Record<string, Record<string, number>>;
    service: { served: number; refused: number };
  };
  assert.deepEqual([report.pods, report.rounds, report.concurrency], [2, 2, 1]);
  for (const impl of ['podwire', 'standalone', 'reference']) {
    for (const op of ['add', 'del', 'cycle']) {
      const s = report.results[impl]?.[op];
      assert.ok(s, `${impl}.${op}`);
      assert.equal(s.n, 4, `${impl}.${op}: 2 pods x 2 rounds`);
      assert.ok(s.p50 > 0 && s.p99 >= s.p50, `${impl}.${op}: ${JSON.stringify(s)}`);
    }
  }
  for (const impl of ['podwire', 'standalone']) {
    for (const op of ['add', 'del', 'cycle']) assert.ok((report.ratio[impl]?.[op] ?? 0) > 0, `ratio.${impl}.${op}`);
  }
  // Every podwire ADD and DEL (warm-up cycle included) was answered by the service itself.
  assert.deepEqual(report.service, { served: 2 * (1 + 2 * 2), refused: 0 });
  const after = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  assert.deepEqual(after.split('\n').filter((l) => l.startsWith('pwbench')), before.split('\n').filter((l) => l.startsWith('pwbench')));
  assert.deepEqual(serveCni(), servicesBefore, 'no serve-cni process of the bench left');
});

test('bench refuses bad arguments with usage (exit 2)', () => {
  const r = spawnSync(`${DIST_BIN}/podwirectl`, ['bench', 'cni', '--pods', '0'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--pods: "0" is not a positive integer/);
});
