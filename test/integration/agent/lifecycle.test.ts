// The agent's lifecycle promises, with real processes in throwaway netns:
// - no conflist (and /readyz 503) until our Node exists and the datapath is
//   up; stale podwire conflists removed, other files untouched;
// - one agent per node: a second one refuses the busy API socket;
// - the periodic reconcile removes what is provably ours and stale (proto 87
//   routes in the cluster CIDR, entries on podwire.1) and nothing else;
// - our Node re-registered without what we published: published again;
// - SIGTERM: exit 0, socket removed, datapath and conflist left for the pods;
// - routed backend: a peer off the L2 segment is refused, visibly.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  apiGet, createLab, nodeObject, routesIn, status, waitFor, waitReady, type Lab, type LabNode,
} from './agent-lab.js';

describe('podwire-agent lifecycle (vxlan)', () => {
  let lab: Lab | undefined;
  let n1: LabNode;
  let n2: LabNode;

  before(async () => {
    lab = await createLab({ backend: 'vxlan', clusterCIDR: '10.248.0.0/16', nodes: 2, resyncSeconds: 1 });
    [n1, n2] = lab.nodes as [LabNode, LabNode];
  });
  after(async () => {
    await lab?.remove();
  });

  test('waits for its Node; no conflist before ready; stale podwire conflists go, others stay', async () => {
    await lab!.source.delete('Node', { name: n1.name });
    mkdirSync(n1.confDir, { recursive: true });
    writeFileSync(join(n1.confDir, '05-podwire-old.conflist'), '{}');
    writeFileSync(join(n1.confDir, '99-other.conflist'), '{}');
    const agent = lab!.startAgent(n1);
    await waitFor('waiting logged', () => agent.log().includes('waiting for the Node object to be registered') || undefined);
    const r = await apiGet(n1.socket, '/readyz');
    assert.equal(r.status, 503);
    assert.match(r.body, /not ready: datapath, conflist, peersReconciled/);
    assert.equal((await apiGet(n1.socket, '/healthz')).status, 200);
    assert.equal(existsSync(join(n1.confDir, '10-podwire.conflist')), false);
    await lab!.source.create('Node', nodeObject(n1.name));
    await waitReady(n1);
    assert.deepEqual(readdirSync(n1.confDir).sort(), ['10-podwire.conflist', '99-other.conflist']);
    lab!.startAgent(n2);
    await waitReady(n2);
  });

  test('a second agent on the node refuses to start', async () => {
    const second = lab!.startAgent({ ...n1 });
    assert.equal(await second.exited, 1);
    assert.match(second.log(), /an agent is already listening on .*agent\.sock/);
    assert.equal((await apiGet(n1.socket, '/readyz')).status, 200, 'the first one still serves');
  });

  test('the periodic reconcile removes stale objects that are provably ours, and only those', async () => {
    const staleMac = '0e:50:0a:ff:09:09';
    n1.ns.exec('ip', ['route', 'add', '10.248.200.0/24', 'via', '10.248.200.0', 'dev', 'podwire.1', 'onlink', 'proto', '87']);
    n1.ns.exec('ip', ['route', 'add', '10.248.201.0/24', 'via', '10.255.0.254', 'proto', 'static']);
    n1.ns.exec('ip', ['route', 'add', '10.99.0.0/24', 'via', '10.255.0.254', 'proto', '87']);
    n1.ns.exec('ip', ['neigh', 'add', '10.248.200.0', 'lladdr', staleMac, 'dev', 'podwire.1', 'nud', 'permanent']);
    n1.ns.exec('bridge', ['fdb', 'append', staleMac, 'dev', 'podwire.1', 'dst', '10.255.0.99']);
    const dsts = () => routesIn(n1.ns).map((r) => r.dst);
    await waitFor('stale route swept', () => !dsts().includes('10.248.200.0/24') || undefined, 5000);
    await waitFor('stale neighbour and FDB swept', () => {
      const fdb = JSON.parse(n1.ns.exec('bridge', ['-j', 'fdb', 'show', 'dev', 'podwire.1'])) as Array<{ mac: string }>;
      const neigh = JSON.parse(n1.ns.exec('ip', ['-j', 'neigh', 'show', 'dev', 'podwire.1'])) as Array<{ dst: string }>;
      return (!fdb.some((e) => e.mac === staleMac) && !neigh.some((e) => e.dst === '10.248.200.0')) || undefined;
    }, 5000);
    assert.ok(dsts().includes('10.248.201.0/24'), 'a route of another protocol stays');
    assert.ok(dsts().includes('10.99.0.0/24'), 'a route outside the cluster CIDR stays');
    const b2 = (await status(n2)).podCIDRs[0];
    assert.ok(dsts().includes(b2 ?? ''), 'the live peer route stays');
    assert.match(n1.agent?.log() ?? '', /remove-route 10\.248\.200\.0\/24/);
  });

  test('a peer route deleted behind the agent\'s back comes back at the next reconcile', async () => {
    const b2 = (await status(n2)).podCIDRs[0] ?? '';
    n1.ns.exec('ip', ['route', 'del', b2]);
    await waitFor('route restored', () => routesIn(n1.ns).some((r) => r.dst === b2) || undefined, 5000);
  });

  test('our Node deleted and re-registered bare: the agent publishes the same block again', async () => {
    const before = await lab!.source.get('Node', { name: n2.name });
    const block = before.spec?.podCIDRs?.[0] ?? '';
    await lab!.source.delete('Node', { name: n2.name });
    await waitFor('deletion noticed', () => n2.agent?.log().includes('this Node object was deleted') || undefined, 5000);
    await waitFor('peer route gone on node-1', () => !routesIn(n1.ns).some((r) => r.dst === block) || undefined, 5000);
    await lab!.source.create('Node', nodeObject(n2.name));
    const after = await waitFor('republished', async () => {
      const n = await lab!.source.get('Node', { name: n2.name });
      return n.metadata.annotations?.['podwire.io/backend'] === 'vxlan' ? n : undefined;
    }, 10_000);
    assert.deepEqual(after.spec?.podCIDRs, [block]);
    assert.equal(after.metadata.annotations?.['podwire.io/vtep-mac'], before.metadata.annotations?.['podwire.io/vtep-mac']);
    await waitFor('peer route back on node-1', () => routesIn(n1.ns).some((r) => r.dst === block) || undefined, 5000);
    assert.equal((await status(n2)).ready, true);
  });

  test('SIGTERM: exit 0, socket removed, datapath and conflist stay', async () => {
    const b2 = (await status(n2)).podCIDRs[0] ?? '';
    const agent = n1.agent!;
    agent.child.kill('SIGTERM');
    assert.equal(await agent.exited, 0);
    n1.agent = undefined;
    assert.match(agent.log(), /shutting down; the datapath and conflist stay in place/);
    assert.equal(existsSync(n1.socket), false);
    assert.ok(existsSync(join(n1.confDir, '10-podwire.conflist')));
    assert.ok(routesIn(n1.ns).some((r) => r.dst === b2 && r.dev === 'podwire.1'));
    assert.equal((JSON.parse(n1.ns.exec('ip', ['-j', 'link', 'show', 'podwire.1'])) as unknown[]).length, 1);
  });
});

describe('podwire-agent, routed backend, a peer off the L2 segment', () => {
  let lab: Lab | undefined;
  let n1: LabNode;

  before(async () => {
    lab = await createLab({ backend: 'routed', clusterCIDR: '10.249.0.0/16', nodes: 1, resyncSeconds: 1 });
    n1 = lab.nodes[0]!;
    await lab.source.create('Node', nodeObject('far-away', {
      metadata: { name: 'far-away', annotations: { 'podwire.io/backend': 'routed', 'podwire.io/underlay-ip': '192.0.2.10', 'podwire.io/vtep-mac': '02:00:00:00:00:01' } },
      spec: { podCIDR: '10.249.77.0/24', podCIDRs: ['10.249.77.0/24'] },
    }));
    lab.startAgent(n1);
    await waitReady(n1);
  });
  after(async () => {
    await lab?.remove();
  });

  test('is refused with a clear error, and no route is made', async () => {
    const s = await status(n1);
    const far = s.peers.find((p) => p.node === 'far-away');
    assert.match(far?.error ?? '', /192\.0\.2\.10 is not on eth0 \(10\.255\.0\.1\/24\).*one L2 segment/);
    assert.equal(routesIn(n1.ns).some((r) => r.dst === '10.249.77.0/24'), false);
    assert.match(n1.agent?.log() ?? '', /error podwire-agent node=node-1 datapath change failed what="peer far-away"/);
    assert.match(n1.ns.exec('curl', ['-sf', 'http://127.0.0.1:9153/metrics']), /^podwire_reconcile_errors_total\{kind="full"\} [1-9]/m);
  });
});
