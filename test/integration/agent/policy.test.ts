// The agent's NetworkPolicy enforcement on a 2-node lab (built binaries,
// real agents, the lab's own `pwpl<pid>` prefix). Pods are pinned so both
// same-node (bridged, needs bridge-nf-call-iptables in the node netns) and
// cross-node (routed over vxlan) pairs are checked:
//   node1: x/a, y/a, y/c        node2: x/b, y/b
// Checked: default-deny ingress in x blocks y → x while x keeps egress (its
// replies come back through the deny); an allow by podSelector re-opens
// exactly one pair; a relabel moves reachability within 1 s; deleting the
// policies restores everything; connections established before a deny keep
// working; /status, /readyz and /metrics report the policy syncs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { labUnavailable, leftovers, pidsInLab, type Lab } from '../../e2e/lab/lab-harness.js';
import { namespace, pod, policy, policyLab, sleep, type Matrix } from '../../e2e/policy/policy-lab.js';

const skip = labUnavailable() ?? false;
const T = { timeout: 60_000 };

const PODS = [pod('x', 'a', { node: 'node1' }), pod('x', 'b', { node: 'node2' }), pod('y', 'a', { node: 'node1' }), pod('y', 'b', { node: 'node2' }), pod('y', 'c', { node: 'node1' })];
const denyX = policy('x', 'deny-ingress', { podSelector: {}, policyTypes: ['Ingress'] });
const allowClient = policy('x', 'allow-client', {
  podSelector: { matchLabels: { pod: 'a' } },
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns: 'y' } }, podSelector: { matchLabels: { role: 'client' } } }], ports: [{ port: 'http' }] }],
});

function agentGet(socket: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Pairs (pod targets only) whose reachability is `value`. */
const pairs = (m: Matrix, value: boolean): string[] =>
  Object.entries(m).flatMap(([from, row]) => Object.entries(row).filter(([to, ok]) => ok === value && !to.startsWith('node/') && to !== from).map(([to]) => `${from}>${to}`)).sort();

describe('agent NetworkPolicy enforcement, 2 nodes', { skip }, () => {
  const lab = policyLab('i');
  const seenPids: number[] = [];
  const notes: string[] = [];
  const probe = (args: readonly string[] = []): Promise<Matrix> => lab.json<Matrix>(['probe', '--timeout', '500', ...args]);

  before(async () => {
    await lab.ok(['up', '--nodes', '2', '--prefix', lab.prefix]);
    await lab.apply([namespace('x'), namespace('y'), ...PODS]);
  });
  after(async () => {
    seenPids.push(...pidsInLab(lab.prefix));
    const down = await lab.run(['down', '--prefix', lab.prefix]);
    lab.close();
    if (notes.length > 0) console.log(`# ${notes.join('; ')}`);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(leftovers({ prefix: lab.prefix, labDir: lab.labDir } as Lab, seenPids), []);
  });

  /** Ms from `t0` until the node's agent reports a kernel change applied after t0 (polls /status). */
  async function kernelApplied(node: string, t0: number): Promise<number> {
    const socket = join(lab.labDir, node, 'agent.sock');
    for (;;) {
      const st = (JSON.parse((await agentGet(socket, '/status')).body) as { policy: { lastChangeAt?: string } }).policy;
      const at = Date.parse(st.lastChangeAt ?? '');
      if (at >= t0) return at - t0;
      if (Date.now() - t0 > 3000) return Infinity;
      await sleep(5);
    }
  }

  /** Polls the probe until `check` holds; returns ms since `t0`. */
  async function until(t0: number, check: (m: Matrix) => boolean, limitMs: number, args: readonly string[] = []): Promise<{ ms: number; m: Matrix }> {
    for (;;) {
      const m = await probe(args);
      if (check(m)) return { ms: Date.now() - t0, m };
      if (Date.now() - t0 > limitMs) return { ms: -1, m };
    }
  }

  test('without policies every pod reaches every pod; the table is in place and readiness includes it', T, async () => {
    assert.deepEqual(pairs(await probe(), false), []);
    const socket = join(lab.labDir, 'node1', 'agent.sock');
    const ready = await agentGet(socket, '/readyz');
    assert.equal(ready.status, 200, ready.body);
    const status = JSON.parse((await agentGet(socket, '/status')).body) as { readiness: Record<string, boolean>; policy: Record<string, unknown> };
    assert.equal(status.readiness.policySynced, true);
    assert.equal(status.policy.synced, true);
    assert.equal(status.policy.enforcing, false);
    assert.equal(status.policy.sameNodeEnforced, true, String(status.policy.bridgeNetfilter));
    assert.equal(status.policy.podsKnown, 5);
    assert.equal(status.policy.localPods, 3);
    const list = spawnSync('ip', ['netns', 'exec', `${lab.prefix}-node1`, 'nft', 'list', 'table', 'inet', 'podwire-policy'], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /hook forward/);
    const bridgeNf = spawnSync('ip', ['netns', 'exec', `${lab.prefix}-node1`, 'cat', '/proc/sys/net/bridge/bridge-nf-call-iptables'], { encoding: 'utf8' });
    assert.equal(bridgeNf.stdout.trim(), '1');
  });

  test('connections established before a deny keep working; default deny blocks y → x, x keeps egress', T, async () => {
    // One TCP connection per pair from y/a, held open across the policy change.
    const held = lab.run(['probe', '--from', 'y/a', '--no-nodes', '--duration', '1500', '--interval', '100', '--json']);
    await sleep(400);
    const t0 = Date.now();
    await lab.apply([denyX]);
    const expectedDenied = ['x/a>x/b', 'x/b>x/a', 'y/a>x/a', 'y/a>x/b', 'y/b>x/a', 'y/b>x/b', 'y/c>x/a', 'y/c>x/b'];
    const { ms, m } = await until(t0, (mm) => pairs(mm, false).join() === expectedDenied.join(), 3000);
    assert.deepEqual(pairs(m, false), expectedDenied, 'same-node (y/a>x/a, y/c>x/a, y/b>x/b) and cross-node pairs denied');
    notes.push(`deny applied → probe agrees: ${ms} ms`);
    // x → y (egress, with replies through x's ingress deny) still works, same-node and cross-node.
    for (const p of ['x/a>y/a', 'x/a>y/b', 'x/b>y/b', 'x/b>y/c']) assert.ok(pairs(m, true).includes(p), p);
    const r = await held;
    assert.equal(r.code, 0, r.stderr);
    const heldMatrix = JSON.parse(r.stdout) as Matrix;
    assert.deepEqual(pairs(heldMatrix, false), [], 'established connections survived the deny');
  });

  test('an allow by podSelector re-opens exactly one pair; a relabel changes it within 1 s', T, async () => {
    const before = pairs(await probe(), true);
    await lab.apply([pod('y', 'b', { node: 'node2', labels: { pod: 'b', role: 'client' } }), allowClient]);
    const t0 = Date.now();
    const { m } = await until(t0, (mm) => pairs(mm, true).includes('y/b>x/a'), 3000);
    assert.deepEqual(pairs(m, true).filter((p) => !before.includes(p)), ['y/b>x/a']);
    // y/c (same node as x/a) becomes a client: y/c → x/a opens. x/a's ingress is enforced on node1:
    // its agent must have applied the change within 1 s of the relabel, and the next probe must see it.
    const t1 = Date.now();
    await lab.apply([pod('y', 'c', { node: 'node1', labels: { pod: 'c', role: 'client' } })]);
    const applyMs = Date.now() - t1;
    const openedMs = await kernelApplied('node1', t1);
    assert.ok(openedMs <= 1000, `relabel applied after ${openedMs} ms`);
    notes.push(`relabel: lab apply ran ${applyMs} ms; apply start → node1 kernel applied ${openedMs} ms`);
    assert.equal((await probe(['--from', 'y/c', '--no-nodes']))['y/c']?.['x/a'], true, 'y/c → x/a open after the relabel');
    // y/b stops being a client: y/b → x/a closes again.
    const t2 = Date.now();
    await lab.apply([pod('y', 'b', { node: 'node2', labels: { pod: 'b' } })]);
    const closedMs = await kernelApplied('node1', t2);
    assert.ok(closedMs <= 1000, `relabel applied after ${closedMs} ms`);
    notes.push(`un-label: apply start → node1 kernel applied ${closedMs} ms`);
    assert.equal((await probe(['--from', 'y/b', '--no-nodes']))['y/b']?.['x/a'], false, 'y/b → x/a closed after the relabel');
    // UDP 81 is not in the allow (port http): still denied.
    const udp = await probe(['--protocol', 'UDP', '--port', '81', '--from', 'y/c', '--no-nodes']);
    assert.equal(udp['y/c']?.['x/a'], false);
  });

  test('deleting the policies restores full reachability; /status and /metrics report the syncs', T, async () => {
    const t0 = Date.now();
    await lab.delete([denyX, allowClient]);
    const { ms, m } = await until(t0, (mm) => pairs(mm, false).length === 0, 3000);
    assert.deepEqual(pairs(m, false), []);
    notes.push(`delete → all open: ${ms} ms`);
    for (const node of ['node1', 'node2']) {
      const status = JSON.parse((await agentGet(join(lab.labDir, node, 'agent.sock'), '/status')).body) as { policy: { policies: number; errors: number; syncs: Record<string, number>; lastSyncAt?: string; lastSyncMs?: number } };
      assert.equal(status.policy.policies, 0);
      assert.equal(status.policy.errors, 0);
      assert.equal(status.policy.syncs.full, 1, 'one full render at start, incremental afterwards');
      assert.ok((status.policy.syncs.incremental ?? 0) >= 3);
      assert.ok(status.policy.lastSyncAt);
      notes.push(`${node}: ${JSON.stringify(status.policy.syncs)} last ${status.policy.lastSyncMs} ms`);
    }
    const metrics = spawnSync('ip', ['netns', 'exec', `${lab.prefix}-node1`, 'curl', '-s', 'http://127.0.0.1:9153/metrics'], { encoding: 'utf8' });
    if (metrics.status === 0) {
      assert.match(metrics.stdout, /podwire_policy_sync_duration_seconds_count\{kind="incremental"\} [1-9]/);
      assert.match(metrics.stdout, /podwire_policy_sync_errors_total 0/);
      const lat = /podwire_policy_sync_latency_seconds_sum ([\d.e-]+)\npodwire_policy_sync_latency_seconds_count (\d+)/.exec(metrics.stdout);
      if (lat) notes.push(`node1 mean change→kernel latency ${((Number(lat[1]) / Number(lat[2])) * 1000).toFixed(1)} ms over ${lat[2]} syncs`);
    }
  });
});
