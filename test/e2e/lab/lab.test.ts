// The whole lab, for each backend, with the real podwire-agent on every node:
// 3 nodes, the example pods (two per node), then every promise the lab makes
// checked through its own commands, in order (tests share one lab):
// - agents ready, distinct pod blocks, pods on every node with IPs in their
//   node's block;
// - TCP and UDP from every pod to every pod and every node (all true), with the
//   pod source address seen unchanged by every target pod;
// - exec runs in the pod's netns; a label change updates in place (same netns,
//   IP and server);
// - an agent SIGKILLed and restarted while continuous probes run: no lost echo,
//   no broken connection;
// - a node removed (its pods go) and re-added (pods come back on it);
// - a namespace deleted takes its pods; `lab down` leaves no netns, process or file.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ProbeReport } from '../../../src/lab/probe.js';
import type { LabStatus } from '../../../src/lab/status.js';
import { EXAMPLE_PODS, labUnavailable, leftovers, netnsInode, pidsInLab, sleep, testLab, type Lab } from './lab-harness.js';

type Matrix = Record<string, Record<string, boolean>>;

const skip = labUnavailable() ?? false;
const T = { timeout: 180_000 };

function allTrue(m: Matrix): string[] {
  return Object.entries(m).flatMap(([from, row]) => Object.entries(row).filter(([, ok]) => !ok).map(([to]) => `${from} → ${to}`));
}

function inBlock(ip: string, cidr: string): boolean {
  const [net] = cidr.split('/');
  return ip.split('.').slice(0, 3).join('.') === (net ?? '').split('.').slice(0, 3).join('.');
}

for (const backend of ['vxlan', 'routed'] as const) {
  describe(`lab, ${backend} backend, 3 nodes with real agents`, { skip }, () => {
    const lab: Lab = testLab(backend === 'vxlan' ? 'v' : 'r');
    const scratch = mkdtempSync(join(tmpdir(), 'pwlab-test-'));
    let status: LabStatus;
    const seenPids: number[] = [];

    before(async () => {
      await lab.ok(['up', '--nodes', '3', '--backend', backend, '--prefix', lab.prefix, '-f', EXAMPLE_PODS]);
      status = await lab.json<LabStatus>(['status']);
    });
    after(async () => {
      seenPids.push(...pidsInLab(lab.prefix));
      const down = await lab.run(['down', '--prefix', lab.prefix]);
      rmSync(scratch, { recursive: true, force: true });
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(leftovers(lab, seenPids), []);
    });

    test('agents are ready with distinct blocks; pods run on every node, addressed from their node\'s block', () => {
      assert.equal(status.backend, backend);
      assert.deepEqual(status.nodes.map((n) => [n.name, n.agent, n.pods]), [['node1', 'ready', 2], ['node2', 'ready', 2], ['node3', 'ready', 2]]);
      const blocks = status.nodes.map((n) => n.podCIDRs[0] ?? '');
      assert.equal(new Set(blocks).size, 3, String(blocks));
      for (const b of blocks) assert.match(b, /^10\.244\.\d+\.0\/24$/);
      assert.equal(status.pods.length, 6);
      for (const p of status.pods) {
        const node = status.nodes.find((n) => n.name === p.node);
        assert.ok(node && p.ips[0] && inBlock(p.ips[0], node.podCIDRs[0] ?? ''), `${p.namespace}/${p.name} ${String(p.ips)} on ${p.node}`);
        assert.equal(p.phase, 'Running');
        assert.equal(p.server, 'running');
      }
    });

    for (const [protocol, port] of [['TCP', '80'], ['UDP', '81']] as const) {
      test(`${protocol} from every pod to every pod and node, pod sources preserved`, async () => {
        const started = Date.now();
        const report = await lab.json<ProbeReport>(['probe', '--protocol', protocol, '--port', port, '--timeout', '2000', '--detail']);
        const elapsed = Date.now() - started;
        assert.equal(report.sources.length, 6);
        assert.equal(report.targets.length, 9);
        const failed = report.sources.flatMap((f) => report.targets.filter((t) => !report.results[f]?.[t]?.ok).map((t) => `${f} → ${t}: ${report.results[f]?.[t]?.error ?? ''}`));
        assert.deepEqual(failed, []);
        for (const from of report.sources) {
          for (const to of report.targets.filter((t) => !t.startsWith('node/'))) {
            assert.equal(report.results[from]?.[to]?.peer, report.sourceIPs[from]?.[0], `${from} → ${to} seen as`);
          }
        }
        assert.ok(elapsed < 10_000, `6x9 probe took ${elapsed} ms`);
        // The plain JSON form: {"ns/from": {"ns/to": true}}
        assert.deepEqual(allTrue(await lab.json<Matrix>(['probe', '--protocol', protocol, '--port', port, '--timeout', '2000'])), []);
      });
    }

    test('exec runs in the pod\'s network namespace', async () => {
      const pod = status.pods.find((p) => p.namespace === 'x' && p.name === 'a');
      const out = await lab.ok(['exec', 'x/a', '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
      assert.match(out, new RegExp(`inet ${(pod?.ips[0] ?? '').replaceAll('.', '\\.')}/24`));
      const ambiguous = await lab.run(['exec', 'a', '--', 'true']);
      assert.equal(ambiguous.code, 1);
      assert.match(ambiguous.stderr, /ambiguous/);
    });

    test('a label change updates pod and namespace in place (same netns, IP and server)', async () => {
      const before = status.pods.find((p) => p.namespace === 'x' && p.name === 'a');
      const inode = netnsInode(before?.netns ?? '');
      const state0 = JSON.parse(readFileSync(join(lab.labDir, 'state.json'), 'utf8')) as { pods: Record<string, { server?: { pid: number } }> };
      const text = readFileSync(EXAMPLE_PODS, 'utf8')
        .replace('name: a\n  namespace: x\n  labels:\n    pod: a', 'name: a\n  namespace: x\n  labels:\n    pod: a\n    role: web')
        .replace('name: y\n  labels:\n    ns: y', 'name: y\n  labels:\n    ns: y\n    team: blue');
      const file = join(scratch, 'relabel.yaml');
      writeFileSync(file, text);
      const out = await lab.ok(['apply', '-f', file]);
      assert.match(out, /^pod\/x\/a configured$/m);
      assert.match(out, /^namespace\/y configured$/m);
      assert.match(out, /^pod\/x\/b unchanged$/m);
      const after = (await lab.json<LabStatus>(['status'])).pods.find((p) => p.namespace === 'x' && p.name === 'a');
      assert.deepEqual(after?.labels, { pod: 'a', role: 'web' });
      assert.deepEqual(after?.ips, before?.ips);
      assert.equal(netnsInode(after?.netns ?? ''), inode);
      const state1 = JSON.parse(readFileSync(join(lab.labDir, 'state.json'), 'utf8')) as typeof state0;
      assert.equal(state1.pods['x/a']?.server?.pid, state0.pods['x/a']?.server?.pid);
    });

    test('an agent killed with SIGKILL and restarted: continuous TCP and UDP probes lose nothing', T, async () => {
      const args = ['probe', '--duration', '6000', '--interval', '100', '--timeout', '1500', '--detail', '--json'];
      const tcp = lab.start([...args, '--port', '80']);
      const udp = lab.start([...args, '--protocol', 'UDP', '--port', '81']);
      await sleep(1500);
      await lab.ok(['agent', 'stop', 'node1', '--signal', 'SIGKILL']);
      const st = await lab.json<LabStatus>(['status']);
      assert.equal(st.nodes.find((n) => n.name === 'node1')?.agent, 'stopped');
      await sleep(500);
      await lab.ok(['agent', 'start', 'node1']);
      for (const [name, run] of [['TCP', tcp], ['UDP', udp]] as const) {
        const r = await run.done;
        assert.equal(r.code, 0, r.stderr);
        const report = JSON.parse(r.stdout) as ProbeReport;
        const bad = report.sources.flatMap((f) => report.targets
          .filter((t) => { const o = report.results[f]?.[t]; return !o?.ok || o.broken !== 0 || o.received !== o.sent || (o.sent ?? 0) < 30; })
          .map((t) => `${f} → ${t}: ${JSON.stringify(report.results[f]?.[t])}`));
        assert.deepEqual(bad, [], `${name} continuous probe`);
      }
      assert.equal((await lab.json<LabStatus>(['status'])).nodes.find((n) => n.name === 'node1')?.agent, 'ready');
    });

    test('a node removed takes its pods; re-added, it gets pods again and everything reaches everything', T, async () => {
      seenPids.push(...pidsInLab(lab.prefix));
      await lab.ok(['node', 'remove', 'node3']);
      let st = await lab.json<LabStatus>(['status']);
      assert.deepEqual(st.nodes.map((n) => n.name), ['node1', 'node2']);
      assert.deepEqual(st.pods.filter((p) => p.node === 'node3'), []);
      assert.equal(st.pods.length, 4);
      assert.deepEqual(allTrue(await lab.json<Matrix>(['probe', '--timeout', '2000'])), []);

      await lab.ok(['node', 'add', 'node3']);
      const out = await lab.ok(['apply', '-f', EXAMPLE_PODS]);
      assert.match(out, /^pod\/x\/c created .*node3/m);
      assert.match(out, /^pod\/y\/c created .*node3/m);
      st = await lab.json<LabStatus>(['status']);
      assert.deepEqual(st.nodes.map((n) => [n.name, n.agent]), [['node1', 'ready'], ['node2', 'ready'], ['node3', 'ready']]);
      for (const [protocol, port] of [['TCP', '80'], ['UDP', '81']]) {
        assert.deepEqual(allTrue(await lab.json<Matrix>(['probe', '--protocol', protocol ?? '', '--port', port ?? '', '--timeout', '2000'])), [], protocol);
      }
    });

    test('deleting a namespace deletes its pods and their network namespaces', async () => {
      const yPods = (await lab.json<LabStatus>(['status'])).pods.filter((p) => p.namespace === 'y');
      const file = join(scratch, 'ns-y.yaml');
      writeFileSync(file, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: y\n');
      const out = await lab.ok(['delete', '-f', file]);
      assert.match(out, /^namespace\/y deleted$/m);
      const st = await lab.json<LabStatus>(['status']);
      assert.deepEqual(st.pods.map((p) => `${p.namespace}/${p.name}`), ['x/a', 'x/b', 'x/c']);
      for (const p of yPods) assert.throws(() => netnsInode(p.netns), /ENOENT/);
    });
  });
}
