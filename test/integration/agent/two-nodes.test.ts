// Two nodes, two real agents, real pods, for each backend: the agents claim
// distinct blocks and publish them, program the datapath (checked with ip -j
// and bridge -j), write a conflist that a runtime (podwirectl) uses to start
// pods, and pod-to-pod TCP crosses nodes with the pod source address kept.
// Then the operational promises: kill -9 and restart an agent while a TCP
// probe runs (no probe fails, the vxlan device is not recreated), a Node
// object removed takes its peer routes away on the other node and brings them
// back when re-added.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startEchoServer, tcpEcho, type EchoServer } from '../../helpers/echo.js';
import {
  createLab, nodeObject, routesIn, startProbe, status, waitFor, waitReady, type Lab, type LabNode, type LabPod,
} from './agent-lab.js';

const ROUTE_PROTOCOL = '87';

for (const backend of ['vxlan', 'routed'] as const) {
  const clusterCIDR = backend === 'vxlan' ? '10.246.0.0/16' : '10.247.0.0/16';

  describe(`podwire-agent, ${backend} backend, two nodes`, () => {
    let lab: Lab | undefined;
    let n1: LabNode;
    let n2: LabNode;
    const pods: LabPod[] = [];
    let server: EchoServer | undefined;

    before(async () => {
      lab = await createLab({ backend, clusterCIDR, nodes: 2 });
      [n1, n2] = lab.nodes as [LabNode, LabNode];
      lab.startAgent(n1);
      lab.startAgent(n2);
      await Promise.all([waitReady(n1), waitReady(n2)]);
    });
    after(async () => {
      server?.stop();
      await lab?.remove();
    });

    test('Node objects carry distinct blocks and the published identity', async () => {
      const got = await Promise.all([n1, n2].map((n) => lab!.source.get('Node', { name: n.name })));
      const blocks = got.map((n) => n.spec?.podCIDRs?.[0]);
      assert.ok(blocks.every((b) => b?.startsWith(clusterCIDR.split('.').slice(0, 2).join('.')) && b.endsWith('/24')), String(blocks));
      assert.notEqual(blocks[0], blocks[1]);
      for (const [i, n] of got.entries()) {
        const a = n.metadata.annotations ?? {};
        assert.equal(n.spec?.podCIDR, blocks[i]);
        assert.equal(a['podwire.io/backend'], backend);
        assert.equal(a['podwire.io/underlay-ip'], `10.255.0.${i + 1}`);
        assert.match(a['podwire.io/vtep-mac'] ?? '', /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      }
      const s = await status(n1);
      assert.equal(s.ready, true);
      assert.deepEqual(s.podCIDRs, [blocks[0]]);
      assert.deepEqual(s.peers.map((p) => [p.node, p.podCIDR, p.underlayIP]), [[n2.name, blocks[1], '10.255.0.2']]);
      assert.equal(s.mtu, backend === 'vxlan' ? 1450 : 1500);
    });

    test('the datapath reads back as the backend programs it', async () => {
      const [b1, b2] = (await status(n1)).podCIDRs.concat((await status(n2)).podCIDRs) as [string, string];
      const net2 = b2.split('/')[0] as string;
      const toB2 = routesIn(n1.ns).filter((r) => r.dst === b2);
      if (backend === 'vxlan') {
        const [link] = JSON.parse(n1.ns.exec('ip', ['-d', '-j', 'link', 'show', 'podwire.1'])) as Array<{ mtu: number; address: string; linkinfo: { info_kind: string; info_data: { id: number; local: string; learning: boolean; port: number } } }>;
        assert.equal(link?.linkinfo.info_kind, 'vxlan');
        assert.equal(link?.linkinfo.info_data.id, 1);
        assert.equal(link?.linkinfo.info_data.local, '10.255.0.1');
        assert.equal(link?.linkinfo.info_data.learning, false);
        assert.equal(link?.mtu, 1450);
        assert.deepEqual((JSON.parse(n1.ns.exec('ip', ['-4', '-j', 'addr', 'show', 'dev', 'podwire.1'])) as Array<{ addr_info: Array<{ local: string; prefixlen: number }> }>)[0]?.addr_info.map((a) => `${a.local}/${a.prefixlen}`), [`${b1.split('/')[0]}/32`]);
        const mac2 = (await status(n2)).vtepMAC;
        const fdb = JSON.parse(n1.ns.exec('bridge', ['-j', 'fdb', 'show', 'dev', 'podwire.1'])) as Array<{ mac: string; dst?: string }>;
        assert.deepEqual(fdb.filter((e) => e.dst).map((e) => [e.mac, e.dst]), [[mac2, '10.255.0.2']]);
        const neigh = JSON.parse(n1.ns.exec('ip', ['-j', 'neigh', 'show', 'dev', 'podwire.1'])) as Array<{ dst: string; lladdr: string; state: string[] }>;
        assert.deepEqual(neigh.map((e) => [e.dst, e.lladdr, e.state]), [[net2, mac2, ['PERMANENT']]]);
        assert.deepEqual(toB2.map((r) => [r.gateway, r.dev, r.protocol, r.flags]), [[net2, 'podwire.1', ROUTE_PROTOCOL, ['onlink']]]);
      } else {
        assert.deepEqual(toB2.map((r) => [r.gateway, r.dev, r.protocol]), [['10.255.0.2', 'eth0', ROUTE_PROTOCOL]]);
        assert.equal(JSON.parse(n1.ns.exec('ip', ['-j', 'link', 'show', 'type', 'vxlan'])).length, 0);
      }
      assert.equal(n1.ns.exec('cat', ['/proc/sys/net/ipv4/ip_forward']).trim(), '1');
    });

    test('the conflist is the one documented, and a runtime starts pods with it', async () => {
      const s = await status(n1);
      const conf = JSON.parse(readFileSync(s.conflist ?? '', 'utf8')) as { name: string; plugins: Array<Record<string, unknown>> };
      assert.equal(conf.name, 'podwire');
      // The whole cluster CIDR keeps pod sources; the plugin keeps only the outermost of nested networks.
      assert.deepEqual(conf.plugins[0]?.nonMasqueradeCIDRs, [clusterCIDR]);
      assert.equal(conf.plugins[0]?.mtu, s.mtu);
      assert.equal(conf.plugins[0]?.serviceSocket, s.cniService?.socket, 'the plugin is pointed at the agent\'s CNI service');
      const servedBefore = s.cniService?.served ?? 0;
      pods.push(lab!.addPod(n1), lab!.addPod(n2));
      // The runtime's ADD reached the agent's service (docs/cni-service.md), not an in-process fallback.
      assert.equal((await status(n1)).cniService?.served, servedBefore + 1, 'node 1\'s agent answered the ADD');
      const [p1, p2] = pods as [LabPod, LabPod];
      assert.ok(p1.ip.startsWith(s.podCIDRs[0]!.split('.').slice(0, 3).join('.')), `${p1.ip} in ${s.podCIDRs[0]}`);
      server = await startEchoServer(p2.ns.path);
    });

    test('TCP pod to pod across nodes keeps the pod source address', async () => {
      const [p1, p2] = pods as [LabPod, LabPod];
      const r = await tcpEcho(p1.ns.path, p2.ip);
      assert.equal(r.ok, true, r.error);
      assert.equal(r.local, p1.ip);
      assert.ok(server?.peers.includes(`tcp ${p1.ip}`), `server saw ${JSON.stringify(server?.peers)}`);
      // And back the other way.
      const back = await startEchoServer(p1.ns.path, { tcpPort: 7017, udpPort: 7018 });
      try {
        assert.equal((await tcpEcho(p2.ns.path, p1.ip, 7017)).ok, true);
        assert.ok(back.peers.includes(`tcp ${p2.ip}`));
      } finally {
        back.stop();
      }
    });

    test('kill -9 and restart of an agent: no probe fails, nothing recreated', async () => {
      const [p1, p2] = pods as [LabPod, LabPod];
      const ifindex = (n: LabNode, dev: string) => (JSON.parse(n.ns.exec('ip', ['-j', 'link', 'show', dev])) as Array<{ ifindex: number }>)[0]?.ifindex;
      const dev = backend === 'vxlan' ? 'podwire.1' : 'eth0';
      const before2 = ifindex(n2, dev);
      const probe = startProbe(p1.ns, p2.ip, server?.tcpPort ?? 0, 20);
      await new Promise((r) => setTimeout(r, 300));
      await lab!.killAgent(n2, 'SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      const agent = lab!.startAgent(n2);
      await waitReady(n2);
      await new Promise((r) => setTimeout(r, 500));
      const tally = await probe.stop();
      assert.equal(tally.failed, 0, `failed probes: ${JSON.stringify(tally)}`);
      assert.ok(tally.ok > 20, `only ${tally.ok} probes ran`);
      assert.equal(ifindex(n2, dev), before2, 'device not recreated');
      if (backend === 'vxlan') assert.match(agent.log(), /device_action=unchanged/);
      assert.match(agent.log(), /reconciled peers trigger=initial peers=1 changes=0 errors=0/);
      assert.match(agent.log(), /conflist up to date/);
    });

    test('a removed Node loses its peer routes on the other node; re-added, they come back', async () => {
      const stored = await lab!.source.get('Node', { name: n2.name });
      const b2 = stored.spec?.podCIDRs?.[0] ?? '';
      const hasRoute = () => routesIn(n1.ns).some((r) => r.dst === b2);
      assert.equal(hasRoute(), true);
      await lab!.source.delete('Node', { name: n2.name });
      await waitFor('route to node-2 removed', () => !hasRoute() || undefined, 10_000);
      if (backend === 'vxlan') {
        assert.equal((JSON.parse(n1.ns.exec('bridge', ['-j', 'fdb', 'show', 'dev', 'podwire.1'])) as Array<{ dst?: string }>).filter((e) => e.dst).length, 0);
        assert.equal((JSON.parse(n1.ns.exec('ip', ['-j', 'neigh', 'show', 'dev', 'podwire.1'])) as unknown[]).length, 0);
      }
      assert.deepEqual((await status(n1)).peers, []);
      await lab!.source.create('Node', nodeObject(n2.name, {
        metadata: { name: n2.name, ...(stored.metadata.labels ? { labels: stored.metadata.labels } : {}), ...(stored.metadata.annotations ? { annotations: stored.metadata.annotations } : {}) },
        spec: { podCIDR: b2, podCIDRs: [b2] },
      }));
      await waitFor('route to node-2 back', () => hasRoute() || undefined, 10_000);
      const [p1, p2] = pods as [LabPod, LabPod];
      assert.equal((await tcpEcho(p1.ns.path, p2.ip)).ok, true);
    });

    test('metrics on the TCP listener inside the node netns', () => {
      const text = n1.ns.exec('curl', ['-sf', 'http://127.0.0.1:9153/metrics']);
      assert.match(text, /^podwire_nodes_known 2$/m);
      assert.match(text, /^podwire_pods_local 0$/m);
      assert.match(text, /^podwire_reconcile_duration_seconds_count\{kind="full"\} [1-9]/m);
      assert.match(text, /^podwire_reconcile_errors_total\{kind="full"\} 0$/m);
      assert.equal(n1.ns.exec('curl', ['-sf', 'http://127.0.0.1:9153/readyz']), 'ok\n');
    });
  });
}
