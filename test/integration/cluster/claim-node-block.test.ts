// Pod block claims through a real file store, one process: the cases the
// concurrent test cannot force (an agent restarting mid-claim, claims left
// by deleted nodes, blocks assigned by someone else, exhaustion).
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { claimName, claimNodeBlocks, type ClaimOptions } from '../../../src/agent/cluster/claim-node-block.js';
import { ClusterError } from '../../../src/agent/cluster/errors.js';
import type { FileClusterSource } from '../../../src/agent/cluster/file-source.js';
import { parseBlockPool } from '../../../src/core/cluster/pod-cidr.js';
import { tryParseCidr } from '../../../src/core/ip/cidr.js';
import { makeRoot, openSource, type TempRoot } from './helpers.js';

const options = (nodeName: string, overrides: Partial<ClaimOptions> = {}): ClaimOptions => ({
  nodeName,
  pools: [parseBlockPool('10.244.0.0/22', 24, 'v4'), parseBlockPool('fd00:10::/62', 64, 'v6')],
  underlayIp: '192.168.50.11',
  vtepMac: '02:42:ac:11:00:02',
  claimNamespace: 'podwire-system',
  maxAttempts: 20,
  now: () => new Date('2030-01-01T00:00:00Z'),
  ...overrides,
});

async function node(source: FileClusterSource, name: string, podCIDRs?: string[]): Promise<void> {
  await source.create('Node', { apiVersion: 'v1', kind: 'Node', metadata: { name }, ...(podCIDRs ? { spec: { podCIDRs } } : {}) });
}

async function claimLease(source: FileClusterSource, block: string, holder: string): Promise<void> {
  const c = tryParseCidr(block);
  assert.ok(c);
  await source.create('Lease', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: claimName(c), namespace: 'podwire-system', labels: { 'podwire.io/pod-cidr-claim': 'true' }, annotations: { 'podwire.io/pod-cidr': block } },
    spec: { holderIdentity: holder },
  });
}

describe('claimNodeBlocks', () => {
  const roots: TempRoot[] = [];
  after(() => roots.forEach((r) => r.remove()));
  const fresh = () => {
    const r = makeRoot();
    roots.push(r);
    return openSource(r.path).source;
  };

  it('claims the lowest free blocks, publishes the overlay identity, and is idempotent', async () => {
    const source = fresh();
    await node(source, 'a');
    const first = await claimNodeBlocks(source, options('a'));
    assert.deepEqual(first.podCIDRs, ['10.244.0.0/24', 'fd00:10::/64']);
    assert.equal(first.node.metadata.annotations?.['podwire.io/underlay-ip'], '192.168.50.11');
    assert.equal(first.node.metadata.annotations?.['podwire.io/vtep-mac'], '02:42:ac:11:00:02');
    const again = await claimNodeBlocks(source, options('a'));
    assert.deepEqual(again.podCIDRs, first.podCIDRs);
    assert.equal(again.node.metadata.resourceVersion, first.node.metadata.resourceVersion, 'nothing to change: no write');
    const moved = await claimNodeBlocks(source, options('a', { underlayIp: '192.168.50.12' }));
    assert.deepEqual(moved.podCIDRs, first.podCIDRs, 'a new underlay address keeps the blocks');
    assert.equal(moved.node.metadata.annotations?.['podwire.io/underlay-ip'], '192.168.50.12');
  });

  it('keeps podCIDRs set by someone else, and skips them for other nodes', async () => {
    const source = fresh();
    await node(source, 'preset', ['10.244.0.0/24', 'fd00:10::/64']);
    await node(source, 'b');
    assert.deepEqual((await claimNodeBlocks(source, options('preset'))).podCIDRs, ['10.244.0.0/24', 'fd00:10::/64']);
    assert.deepEqual((await claimNodeBlocks(source, options('b'))).podCIDRs, ['10.244.1.0/24', 'fd00:10:0:1::/64']);
  });

  it('respects a live claim of a node mid-claim; an agent restarting mid-claim reuses its own', async () => {
    const source = fresh();
    await node(source, 'mid');
    await node(source, 'c');
    await claimLease(source, '10.244.0.0/24', 'mid'); // "mid" died after claiming, before writing its Node
    assert.deepEqual((await claimNodeBlocks(source, options('c'))).podCIDRs, ['10.244.1.0/24', 'fd00:10::/64']);
    assert.deepEqual((await claimNodeBlocks(source, options('mid'))).podCIDRs, ['10.244.0.0/24', 'fd00:10:0:1::/64']);
  });

  it('reclaims blocks whose claims outlived their node', async () => {
    const source = fresh();
    await claimLease(source, '10.244.0.0/24', 'deleted-node');
    await claimLease(source, 'fd00:10::/64', 'deleted-node');
    await node(source, 'd');
    assert.deepEqual((await claimNodeBlocks(source, options('d'))).podCIDRs, ['10.244.0.0/24', 'fd00:10::/64']);
    const leases = (await source.list('Lease', { namespace: 'podwire-system' })).items;
    assert.deepEqual(leases.map((l) => l.spec?.holderIdentity), ['d', 'd']);
  });

  it('fails clearly: unknown node, exhausted pool, bad identity', async () => {
    const source = fresh();
    await assert.rejects(claimNodeBlocks(source, options('ghost')), (e: unknown) => e instanceof ClusterError && e.reason === 'NotFound');
    for (let i = 0; i < 4; i++) {
      await node(source, `n${i}`);
      await claimNodeBlocks(source, options(`n${i}`));
    }
    await node(source, 'n4');
    await assert.rejects(claimNodeBlocks(source, options('n4')), /pod blocks of 10\.244\.0\.0\/22 \(\/24\) are exhausted/);
    await assert.rejects(claimNodeBlocks(source, options('n4', { vtepMac: '02:42:AC:11:00:02' })), /vtepMac/);
    await assert.rejects(claimNodeBlocks(source, options('n4', { underlayIp: 'eth0' })), /underlayIp/);
  });

  it('claim names are valid object names for both families', () => {
    assert.equal(claimName(tryParseCidr('10.244.3.0/24') as never), 'podcidr-10-244-3-0-24');
    assert.equal(claimName(tryParseCidr('fd00:10::/64') as never), 'podcidr-fd00-10---64');
  });
});
