// `podwirectl status` against real agents: a 2-node lab built with the lab
// library (its own prefix `pwst<pid>` and a temp lab dir, removed in after()),
// plus a third node whose Node object is never registered, so its agent
// serves /status but stays not ready, and node2's agent killed with SIGKILL,
// which leaves a dead socket behind. The built dist/bin/podwirectl is run as
// an operator would, with --socket naming each agent's socket.
// The text layout is checked on a canned document too (peer errors, dual
// stack, skipped nodes), which needs no lab.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseAgentStatus } from '../../../src/cli/status/agent-status.js';
import { getFromAgent } from '../../../src/cli/status/agent-client.js';
import { formatStatus } from '../../../src/cli/status/status-format.js';
import { startAgent, stopAgent, writeAgentConfig } from '../../../src/lab/agent.js';
import { createLabEnv, type LabEnv } from '../../../src/lab/lab-env.js';
import { labDown } from '../../../src/lab/lab-down.js';
import { labUp } from '../../../src/lab/lab-up.js';
import { nodePaths } from '../../../src/lab/layout.js';
import { createNode } from '../../../src/lab/topology.js';
import { DIST_BIN } from '../../helpers/plugin.js';

const PODWIRECTL = join(DIST_BIN, 'podwirectl');

function unavailable(): string | false {
  if (process.getuid?.() !== 0) return 'the lab needs root (network namespaces)';
  const missing = ['podwirectl', 'podwire-agent', 'podwire', 'podwire-ipam'].filter((b) => !existsSync(join(DIST_BIN, b)));
  return missing.length > 0 ? `missing ${missing.join(', ')} in dist/bin (npm run build)` : false;
}

function status(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(PODWIRECTL, ['status', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const netnsWith = (prefix: string): string[] =>
  execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(`${prefix}-`));

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('podwirectl status against lab agents', { skip: unavailable() }, () => {
  const prefix = `pwst${process.pid.toString(36)}`;
  const labDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let env: LabEnv;
  const socket = (node: string) => nodePaths(labDir, node).socket;

  before(async () => {
    env = createLabEnv({ labDir, binDir: DIST_BIN, progress: () => undefined, log: () => undefined });
    await labUp(env, { nodes: 2, backend: 'vxlan', prefix, noAgent: false, manifests: [], readyTimeoutMs: 60_000 });
  });

  after(async () => {
    env.close();
    await labDown(labDir, prefix, undefined, () => undefined);
    assert.deepEqual(netnsWith(prefix), [], 'lab namespaces left behind');
    assert.equal(existsSync(labDir), false, 'lab dir left behind');
  });

  test('a ready agent: summary, peers, exit 0', () => {
    const r = status('--socket', socket('node1'));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    const value = (key: string) => lines.find((l) => l.startsWith(`${key}  `))?.slice(key.length).trim();
    assert.equal(value('node        '), 'node1');
    assert.equal(value('backend     '), 'vxlan');
    assert.match(value('pod CIDRs   ') ?? '', /^10\.244\.\d+\.0\/24$/);
    assert.equal(value('underlay    '), 'eth0 10.255.0.11');
    assert.equal(value('VTEP MAC    '), '0e:50:0a:ff:00:0b');
    assert.equal(value('MTU         '), '1450');
    assert.equal(value('ready       '), 'yes');
    assert.equal(value('agent socket'), socket('node1'));
    assert.match(value('CNI service ') ?? '', /^\/\S+\/cni\.sock \(served \d+, refused 0\)$/);
    const peers = lines.indexOf('peers (1)');
    assert.ok(peers > 0, r.stdout);
    assert.match(lines[peers + 1] ?? '', /^node +podCIDR +underlayIP +error$/);
    assert.match(lines[peers + 3] ?? '', /^node2 +10\.244\.\d+\.0\/24 +10\.255\.0\.12 +-$/);
  });

  test('--json is the agent\'s document', () => {
    const r = status('--socket', socket('node2'), '--json');
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { node: string; ready: boolean; peers: Array<{ node: string }>; reconciles?: unknown };
    assert.equal(doc.node, 'node2');
    assert.equal(doc.ready, true);
    assert.deepEqual(doc.peers.map((p) => p.node), ['node1']);
    assert.ok(doc.reconciles !== undefined, 'fields the summary does not show are kept');
  });

  test('an agent waiting for its Node object: not ready, the reasons named, exit 1', async () => {
    // node3 is plugged in and runs an agent, but no Node object is registered for it.
    const node = await createNode(env.state, prefix, 'node3', 3);
    writeAgentConfig(env, 'node3', 'vxlan');
    await startAgent(env, node);
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await getFromAgent(socket('node3'), '/healthz', 1000);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(50);
      }
    }
    const r = status('--socket', socket('node3'));
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^node +node3$/m);
    assert.match(r.stdout, /^ready +no \(waiting for: datapath, conflist, peersReconciled[^)]*\)$/m);
    assert.match(r.stdout, /^peers \(0\)$/m);
    assert.match(r.stderr, new RegExp(`podwire-agent on node3 \\(${socket('node3')}\\) is not ready: waiting for datapath, conflist`));
    const j = status('--socket', socket('node3'), '--json');
    assert.equal(j.code, 1);
    assert.equal((JSON.parse(j.stdout) as { ready: boolean }).ready, false);
  });

  test('unreachable: no socket, or a dead agent\'s socket; exit 1 naming the socket', async () => {
    const missing = join(labDir, 'nowhere', 'agent.sock');
    const r = status('--socket', missing);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `podwirectl status: cannot reach podwire-agent at ${missing}: no such socket (is podwire-agent running on this node? --socket PATH names another)\n`);
    await stopAgent(env, 'node2', 'SIGKILL');
    assert.ok(existsSync(socket('node2')), 'a killed agent leaves its socket');
    const dead = status('--socket', socket('node2'), '--json');
    assert.equal(dead.code, 1);
    assert.match(dead.stderr, new RegExp(`cannot reach podwire-agent at ${socket('node2')}: connection refused`));
  });

  test('bad command line: usage, exit 2', () => {
    const r = status('--sockets', 'x');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /Unknown option '--sockets'[\s\S]*Usage:\n {2}podwirectl status \[--socket PATH\] \[--json\]/);
  });
});

test('status text: peer errors, dual stack, skipped nodes, missing fields', () => {
  const doc = parseAgentStatus({
    node: 'n1', backend: 'routed', podCIDRs: ['10.244.1.0/24', 'fd00:1::/64'], underlayInterface: 'eth0', underlayIP: '10.0.0.1',
    vtepMAC: null, mtu: 1500, ready: true, readiness: { datapath: true, conflist: true, peersReconciled: true },
    peers: [
      { node: 'n2', podCIDR: '10.244.2.0/24', podCIDRv6: 'fd00:2::/64', underlayIP: '10.0.0.2', vtepMAC: null },
      { node: 'far', podCIDR: '10.244.3.0/24', underlayIP: '192.168.9.9', vtepMAC: null, error: 'PeerNotOnLink: 192.168.9.9 is not on eth0' },
    ],
    skipped: [{ node: 'n4', reason: 'its agent has not published a datapath yet' }],
    nodesKnown: 4, conflist: null, startedAt: '2026-11-22T17:35:54.491Z', reconciles: {},
    cniService: { socket: '/run/cni.sock', served: 12, refused: 1, inFlight: 0, restarts: 1 },
  });
  assert.equal(formatStatus(doc, '/run/a.sock'), [
    'node          n1',
    'backend       routed',
    'pod CIDRs     10.244.1.0/24, fd00:1::/64',
    'underlay      eth0 10.0.0.1',
    'VTEP MAC      -',
    'MTU           1500',
    'ready         yes',
    'nodes known   4',
    'conflist      -',
    'CNI service   /run/cni.sock (served 12, refused 1, restarted 1x)',
    'started       2026-11-22T17:35:54.491Z',
    'agent socket  /run/a.sock',
    '',
    'peers (2)',
    'node  podCIDR        podCIDRv6    underlayIP   error',
    '----  -------------  -----------  -----------  -----------------------------------------',
    'n2    10.244.2.0/24  fd00:2::/64  10.0.0.2     -',
    'far   10.244.3.0/24  -            192.168.9.9  PeerNotOnLink: 192.168.9.9 is not on eth0',
    '',
    'skipped (1)',
    'node  reason',
    '----  ------------------------------------------',
    'n4    its agent has not published a datapath yet',
    '',
  ].join('\n'));
  assert.throws(() => parseAgentStatus({ node: 'x', backend: 'vxlan', ready: 'yes' }), /\/status: ready: not a boolean/);
  assert.throws(() => parseAgentStatus({ node: 'x', backend: 'vxlan', ready: true, peers: [{ node: 'y' }] }), /\/status: peers\[0\]\.podCIDR: not a string/);
  assert.throws(() => parseAgentStatus({ node: 'x', backend: 'vxlan', ready: false, readiness: { datapath: 'no' } }), /readiness\.datapath: not a boolean/);
});
