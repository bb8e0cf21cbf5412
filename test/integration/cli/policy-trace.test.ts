// `podwirectl policy trace` as a user runs it, offline (-f) on the fixture
// manifests in test/fixtures/policy-trace: y is default-deny for ingress and
// y/allow-x lets x/a in on 80/TCP and on the named port "http" (8080 on y/b).
// Needs the built dist/bin/podwirectl; touches no network namespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileClusterSource, fileSourceOptions } from '../../../src/agent/cluster/file-source.js';
import { DIST_BIN } from '../../helpers/plugin.js';

const FIXTURES = 'test/fixtures/policy-trace';

function trace(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(`${DIST_BIN}/podwirectl`, ['policy', 'trace', '-f', FIXTURES, ...args], {
    encoding: 'utf8',
    env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', PODWIRE_LAB_DIR: '/nonexistent-podwire-lab' },
    timeout: 30_000,
  });
}

test('allowed: names the allowing policy, rule, peer and port', () => {
  const r = trace('--from', 'x/a', '--to', 'y/b', '--port', '80');
  assert.equal(r.status, 0, r.stderr);
  const first = r.stdout.split('\n')[0] ?? '';
  assert.match(first, /^ALLOWED x\/a → y\/b :80\/TCP — /);
  assert.match(first, /egress at x\/a not isolated/);
  assert.match(first, /ingress at y\/b allowed by y\/allow-x rule 0 \(from\[0\] pods\(app=a\) in namespaces\(ns=x\), ports\[0\] 80\/TCP\)/);
  assert.match(r.stdout, /isolated by y\/allow-x, y\/default-deny/);
});

test('denied: exit 0, names the isolating policies and that no rule allows', () => {
  const r = trace('--from', 'x/b', '--to', 'y/b', '--port', '80');
  assert.equal(r.status, 0, r.stderr);
  const first = r.stdout.split('\n')[0] ?? '';
  assert.match(first, /^DENIED x\/b → y\/b :80\/TCP — /);
  assert.match(first, /ingress at y\/b isolated by y\/allow-x \(policyTypes Ingress\), y\/default-deny \(policyTypes Ingress\)/);
  assert.match(first, /no ingress rule of \[y\/allow-x, y\/default-deny\] allows from x\/b/);
});

test('named port: resolved on the destination pod', () => {
  const allowed = trace('--from', 'x/a', '--to', 'y/b', '--port', '8080');
  assert.equal(allowed.status, 0, allowed.stderr);
  assert.match(allowed.stdout, /^ALLOWED/);
  assert.match(allowed.stdout, /ports\[1\] named port "http"\/TCP = 8080 on y\/b/);
  const other = trace('--from', 'x/a', '--to', 'y/b', '--port', '8081');
  assert.equal(other.status, 0, other.stderr);
  assert.match(other.stdout, /^DENIED/);
  const udp = trace('--from', 'x/a', '--to', 'y/b', '--port', '8080', '--protocol', 'UDP');
  assert.match(udp.stdout, /^DENIED x\/a → y\/b :8080\/UDP/, 'the named port is declared for TCP only');
});

test('--json prints the evaluate() result', () => {
  const r = trace('--from', 'x/a', '--to', 'y/b', '--port', '80', '--json');
  assert.equal(r.status, 0, r.stderr);
  const v = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(v).sort(), ['allowed', 'egress', 'family', 'from', 'ingress', 'reason', 'to']);
  assert.equal(v.allowed, true);
  assert.deepEqual(v.egress, {
    pod: 'x/a', isolated: false, policies: [], allowed: true,
    reason: 'x/a is not isolated for egress: no policy with policyType Egress selects it',
  });
  const ingress = v.ingress as Record<string, unknown>;
  assert.deepEqual(ingress.policies, ['y/allow-x', 'y/default-deny']);
  assert.deepEqual(ingress.allowedBy, { policy: 'y/allow-x', ruleIndex: 0, peerIndex: 0, portIndex: 0 });
  const denied = JSON.parse(trace('--from', 'x/b', '--to', 'y/b', '--port', '80', '--json').stdout) as { allowed: boolean; ingress: { allowed: boolean; allowedBy?: unknown } };
  assert.equal(denied.allowed, false);
  assert.equal(denied.ingress.allowed, false);
  assert.equal(denied.ingress.allowedBy, undefined);
});

test('an unknown pod is an error (exit 1) naming it', () => {
  const r = trace('--from', 'x/a', '--to', 'y/nope', '--port', '80');
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /y\/nope/);
});

test('bad usage exits 2 with the usage', () => {
  for (const args of [['--from', 'x/a', '--port', '80'], ['--from', 'x/a', '--to', 'y/b', '--port', '0'], ['--from', 'x/a', '--to', 'y/b', '--port', '80', '--protocol', 'ICMP']]) {
    const r = trace(...args);
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, /Usage:/);
  }
});

test('without -f and without a lab: exit 1 saying where it looked', () => {
  const r = spawnSync(`${DIST_BIN}/podwirectl`, ['policy', 'trace', '--from', 'x/a', '--to', 'y/b', '--port', '80', '--lab-dir', '/nonexistent-podwire-lab'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no lab store at \/nonexistent-podwire-lab\/store/);
});

test('lab store, and manifests layered over it (what-if)', async (t) => {
  const labDir = mkdtempSync(join(tmpdir(), 'pwtrace-'));
  t.after(() => rmSync(labDir, { recursive: true, force: true }));
  const store = new FileClusterSource(fileSourceOptions(join(labDir, 'store'), { log: () => undefined }));
  try {
    for (const ns of ['x', 'y']) await store.create('Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { ns } } });
    for (const [ns, name, app, ip] of [['x', 'a', 'a', '10.244.1.2'], ['y', 'b', 'b', '10.244.2.2']] as const) {
      const pod = await store.create('Pod', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels: { app } }, spec: { containers: [{ name: 'main', ports: [{ containerPort: 80 }] }] } });
      await store.updateStatus('Pod', { ...pod, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } });
    }
  } finally {
    store.close();
  }
  const run = (...args: string[]) => spawnSync(`${DIST_BIN}/podwirectl`, ['policy', 'trace', '--lab-dir', labDir, ...args], { encoding: 'utf8', timeout: 30_000 });
  const live = run('--from', 'x/a', '--to', 'y/b', '--port', '81');
  assert.equal(live.status, 0, live.stderr);
  assert.match(live.stdout, /^ALLOWED x\/a → y\/b :81\/TCP — egress at x\/a not isolated; ingress at y\/b not isolated/);
  assert.match(live.stdout, /pod y\/b \(10\.244\.2\.2\)/, 'addresses come from the store');
  const whatIf = run('-f', `${FIXTURES}/policies.yaml`, '--from', 'x/a', '--to', 'y/b', '--port', '81');
  assert.equal(whatIf.status, 0, whatIf.stderr);
  assert.match(whatIf.stdout, /^DENIED x\/a → y\/b :81\/TCP/);
  assert.match(whatIf.stdout, /objects +test\/fixtures\/policy-trace\/policies\.yaml over lab store /);
  const byIp = run('-f', `${FIXTURES}/policies.yaml`, '--from', '10.244.1.2', '--to', '10.244.2.2', '--port', '80', '--json');
  assert.equal((JSON.parse(byIp.stdout) as { allowed: boolean }).allowed, true);
});
