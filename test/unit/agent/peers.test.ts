import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Node } from '../../../src/agent/cluster/types.js';
import { ipv4PodCIDR, peerOfNode, selectPeers, type PeerContext } from '../../../src/agent/peers.js';
import { parseBlockPool } from '../../../src/core/cluster/pod-cidr.js';

const ctx: PeerContext = { self: 'node-1', backend: 'vxlan', pool: parseBlockPool('10.244.0.0/16', 24, 'clusterCIDR'), localPodCIDR: '10.244.1.0/24' };

function node(name: string, podCIDR: string | undefined, annotations: Record<string, string> | undefined, created = '2026-01-01T00:00:00Z'): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, creationTimestamp: created, ...(annotations ? { annotations } : {}) },
    ...(podCIDR ? { spec: { podCIDR, podCIDRs: [podCIDR] } } : {}),
  };
}

const ann = (i: number, over: Record<string, string> = {}) => ({
  'podwire.io/backend': 'vxlan', 'podwire.io/underlay-ip': `10.255.0.${i}`, 'podwire.io/vtep-mac': `0e:50:0a:ff:00:0${i}`, ...over,
});

test('a published node is a peer', () => {
  assert.deepEqual(peerOfNode(node('node-2', '10.244.2.0/24', ann(2)), ctx), { name: 'node-2', podCIDR: '10.244.2.0/24', podCIDRv6: undefined, underlayIP: '10.255.0.2', vtepMAC: '0e:50:0a:ff:00:02' });
});

const SKIPS: Array<[string, Node, RegExp]> = [
  ['ourselves', node('node-1', '10.244.1.0/24', ann(1)), /this node/],
  ['not published', node('node-2', '10.244.2.0/24', undefined), /not published a datapath/],
  ['other backend', node('node-2', '10.244.2.0/24', ann(2, { 'podwire.io/backend': 'routed' })), /backend "routed"/],
  ['no block', node('node-2', undefined, ann(2)), /no IPv4 podCIDR/],
  ['outside the cluster', node('node-2', '10.99.2.0/24', ann(2)), /outside the cluster CIDR/],
  ['bigger than the cluster', node('node-2', '10.0.0.0/8', ann(2)), /outside the cluster CIDR/],
  ['no underlay', node('node-2', '10.244.2.0/24', { 'podwire.io/backend': 'vxlan', 'podwire.io/vtep-mac': '0e:50:0a:ff:00:02' }), /underlay-ip/],
  ['bad MAC', node('node-2', '10.244.2.0/24', ann(2, { 'podwire.io/vtep-mac': 'nope' })), /vtep-mac/],
];
for (const [name, n, why] of SKIPS) {
  test(`not a peer: ${name}`, () => {
    const r = peerOfNode(n, ctx);
    assert.equal(typeof r, 'string');
    assert.match(r as string, why);
  });
}

test('the IPv4 block of a dual-stack node', () => {
  assert.equal(ipv4PodCIDR({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'x' }, spec: { podCIDRs: ['fd00:1::/64', '10.244.3.0/24'] } }), '10.244.3.0/24');
});

test('overlapping blocks: ours wins, then the older node; every agent picks the same', () => {
  const nodes = [
    node('node-4', '10.244.4.0/24', ann(4), '2026-01-03T00:00:00Z'),
    node('node-3', '10.244.4.0/23', ann(3), '2026-01-02T00:00:00Z'), // older, overlaps node-4
    node('node-5', '10.244.1.0/24', ann(5), '2026-01-01T00:00:00Z'), // overlaps ours
    node('node-2', '10.244.2.0/24', ann(2)),
  ];
  const sel = selectPeers(nodes, ctx);
  assert.deepEqual([...sel.peers.keys()].sort(), ['node-2', 'node-3']);
  assert.match(sel.skipped.get('node-4') ?? '', /overlaps node node-3/);
  assert.match(sel.skipped.get('node-5') ?? '', /overlaps this node/);
});

test('dual stack: the IPv6 block inside the IPv6 pool comes along; outside, the peer stays IPv4-only', () => {
  const ctx6: PeerContext = { ...ctx, poolV6: parseBlockPool('fd00:244::/48', 64, 'clusterCIDRv6'), localPodCIDRv6: 'fd00:244:0:1::/64' };
  const dual = (v6: string): Node => ({ ...node('node-2', '10.244.2.0/24', ann(2)), spec: { podCIDRs: ['10.244.2.0/24', v6] } });
  assert.equal((peerOfNode(dual('fd00:244:0:2::/64'), ctx6) as { podCIDRv6?: string }).podCIDRv6, 'fd00:244:0:2::/64');
  assert.equal((peerOfNode(dual('fd00:999::/64'), ctx6) as { podCIDRv6?: string }).podCIDRv6, undefined);
  assert.equal((peerOfNode(dual('fd00:244:0:2::/64'), ctx) as { podCIDRv6?: string }).podCIDRv6, undefined, 'not dual stack here');
  const sel = selectPeers([dual('fd00:244:0:1::/64')], ctx6);
  assert.match(sel.skipped.get('node-2') ?? '', /fd00:244:0:1::\/64 overlaps this node/);
});
