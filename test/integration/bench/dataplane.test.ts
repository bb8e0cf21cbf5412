// `podwirectl bench dataplane` as a user runs it: the built binary builds a
// real lab (agents, CNI chain, echo servers), runs iperf3 and the ping-pong
// in its namespaces and removes it. Asserts the report's shape and that
// nothing is left behind (no namespace, lab dir or process of the run), also
// after Ctrl-C; never the figures themselves (speed is read from the report,
// not asserted in tests).
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { DataplaneReport } from '../../../src/core/bench/dataplane-report.js';
import { DIST_BIN } from '../../helpers/plugin.js';

const PODWIRECTL = join(DIST_BIN, 'podwirectl');
const PATH_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

function unavailable(): string | false {
  if (process.getuid?.() !== 0) return 'bench dataplane needs root (network namespaces)';
  if (spawnSync('iperf3', ['--version']).status !== 0) return 'bench dataplane needs iperf3 (apt-get install iperf3)';
  const missing = ['podwirectl', 'podwire-agent', 'podwire', 'podwire-ipam'].filter((b) => !existsSync(join(DIST_BIN, b)));
  return missing.length > 0 ? `missing ${missing.join(', ')} in dist/bin (npm run build)` : false;
}

/** What a run with this pid could have left: namespaces, lab dirs, processes naming them. */
function leftovers(pid: number): string[] {
  const prefix = `pwdp${pid.toString(36)}`;
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(prefix));
  const dirs = readdirSync(tmpdir()).filter((d) => d.startsWith(prefix)).map((d) => join(tmpdir(), d));
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(`${join(tmpdir(), prefix)}`);
    } catch {
      return false;
    }
  }).map((d) => `pid ${d}`);
  return [...netns, ...dirs, ...procs];
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('bench dataplane', { skip: unavailable() }, () => {
  test('a short vxlan run reports every path and leaves nothing behind', { timeout: 120_000 }, () => {
    const r = spawnSync(PODWIRECTL, ['bench', 'dataplane', '--backend', 'vxlan', '--duration', '1', '--rounds', '1', '--count', '200', '--json'], {
      encoding: 'utf8', env: PATH_ENV, timeout: 110_000,
    });
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as DataplaneReport;
    assert.equal(report.version, 1);
    assert.deepEqual(report.settings.backends, ['vxlan']);
    assert.deepEqual([report.settings.durationSeconds, report.settings.rounds, report.settings.pingPong.count], [1, 1, 200]);
    assert.match(report.settings.iperf3 ?? '', /^iperf 3\./);
    assert.ok(report.environment.cpus >= 1 && report.environment.cpuBusyBefore >= 0 && report.environment.cpuBusyBefore <= 1);
    assert.deepEqual(report.paths.map((p) => [p.id, p.backend]), [['underlay', null], ['same-node', 'vxlan'], ['cross-node-vxlan', 'vxlan']]);
    const [underlay, sameNode, cross] = report.paths;
    // The lab's underlay is 1500; the vxlan agent gives pods 50 bytes less.
    assert.deepEqual([underlay?.mtu, sameNode?.mtu, cross?.mtu], [1500, 1450, 1450]);
    assert.equal(underlay?.ratio, 1);
    assert.equal(cross?.aim, 0.85);
    for (const p of report.paths) {
      assert.equal(p.throughput.runsGbps.length, 1, p.id);
      assert.ok(p.throughput.gbps > 0 && p.ratio > 0, `${p.id}: ${JSON.stringify(p.throughput)}`);
      assert.equal(p.latency.n, 200, p.id);
      assert.ok(p.latency.p50 > 0 && p.latency.p99 >= p.latency.p50, `${p.id}: ${JSON.stringify(p.latency)}`);
      assert.equal(typeof p.aimMet === 'boolean' || p.aimMet === null, true);
    }
    assert.ok(Array.isArray(report.warnings));
    assert.ok(r.pid !== undefined);
    assert.deepEqual(leftovers(r.pid ?? 0), []);
  });

  test('Ctrl-C in the middle of a run removes the lab', { timeout: 120_000 }, async () => {
    const child = spawn(PODWIRECTL, ['bench', 'dataplane', '--backend', 'routed', '--duration', '30'], { env: PATH_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const prefix = `pwdp${(child.pid ?? 0).toString(36)}`;
    try {
      // Wait until the lab is up and a measurement runs (iperf3 inside one of its namespaces).
      const deadline = Date.now() + 60_000;
      const iperfInLab = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n')
        .filter((l) => l.startsWith(prefix))
        .some((l) => execFileSync('ip', ['netns', 'pids', l.split(' ')[0] ?? ''], { encoding: 'utf8' }).split('\n').some((pid) => {
          try {
            return pid !== '' && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'iperf3';
          } catch {
            return false;
          }
        }));
      while (!iperfInLab() && Date.now() < deadline) await sleep(100);
      assert.ok(iperfInLab(), 'the run reached a measurement');
      child.kill('SIGINT');
      assert.equal(await exited, 130);
      assert.deepEqual(leftovers(child.pid ?? 0), []);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      spawnSync(PODWIRECTL, ['lab', 'down', '--prefix', `${prefix}r`, '--lab-dir', join(tmpdir(), `${prefix}-none`)], { env: PATH_ENV });
    }
  });

  test('bad arguments: usage and exit 2, before anything is built', () => {
    const r = spawnSync(PODWIRECTL, ['bench', 'dataplane', '--backend', 'ipip'], { encoding: 'utf8', env: PATH_ENV });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--backend: "ipip" is not vxlan, routed or both/);
    const d = spawnSync(PODWIRECTL, ['bench', 'dataplane', '--duration', '0'], { encoding: 'utf8', env: PATH_ENV });
    assert.equal(d.status, 2);
    assert.match(d.stderr, /--duration: "0" is not an integer in 1-600/);
  });
});
