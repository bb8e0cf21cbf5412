// A node's pod blocks (one per cluster CIDR: IPv4 and/or IPv6), claimed
// through the ClusterSource so that agents starting together never share a
// block, and the node's overlay identity published next to them.
//
// Approach: Node.spec.podCIDRs is the answer once set (by us earlier, or by
// kube-controller-manager's allocator on a real cluster; the API refuses to
// change it afterwards). Otherwise the agent picks the lowest free block
// (core/cluster/pod-cidr.ts) and makes it its own by creating a Lease named
// after the block: create() is exclusive (AlreadyExists for the loser), so
// two nodes that picked the same block cannot both own it — the loser
// re-plans. Only then does it write podCIDRs (and the annotations) into its
// Node with an optimistic-concurrency update, re-reading on Conflict.
//
// Invariant: a block is in use if a Node lists it or a live claim holds it.
// A claim is live while its holder Node exists and either has no podCIDRs
// yet (mid-claim) or lists that block; any other claim is left over from a
// crash or a deleted node, and is removed (with uid and version
// preconditions, so a claim re-taken meanwhile survives) before its block is
// reused. An agent that restarts mid-claim finds its own claims and takes
// them up again with a compare-and-swap (renewClaim).
// Rejected: writing the Node first and re-checking for duplicates afterwards
// (two nodes can both see themselves first and back off forever, or neither).
import { tryParseIp } from '../../core/ip/address.js';
import { formatCidr, tryParseCidr, type Cidr } from '../../core/ip/cidr.js';
import { firstFreeBlock, isBlockOf, type BlockPool } from '../../core/cluster/pod-cidr.js';
import type { ClusterSource } from './cluster-source.js';
import { ClusterError, isAlreadyExists, isConflict, isNotFound } from './errors.js';
import { formatTime } from './object-rules.js';
import type { Lease, Node, Stored } from './types.js';

export const UNDERLAY_IP_ANNOTATION = 'podwire.io/underlay-ip';
export const VTEP_MAC_ANNOTATION = 'podwire.io/vtep-mac';
/** On a claim Lease: the block it holds. */
export const POD_CIDR_ANNOTATION = 'podwire.io/pod-cidr';
export const CLAIM_LABEL = 'podwire.io/pod-cidr-claim';

export interface ClaimOptions {
  nodeName: string;
  /** In podCIDRs order: the first is the node's primary family. */
  pools: readonly BlockPool[];
  underlayIp: string;
  vtepMac: string;
  /** Where claim Leases live. */
  claimNamespace: string;
  /** Rounds of re-planning after losing a race; each round re-reads the cluster. */
  maxAttempts: number;
  now: () => Date;
}

export interface NodeBlocks {
  podCIDRs: string[];
  node: Stored<Node>;
}

/** The claim Lease's name for a block: "podcidr-10-244-3-0-24", "podcidr-fd00-1---64". */
export function claimName(block: Cidr): string {
  return `podcidr-${formatCidr(block).replace(/[.:/]/g, '-')}`;
}

function blockOfClaim(lease: Lease): Cidr | undefined {
  const text = lease.metadata.annotations?.[POD_CIDR_ANNOTATION];
  const c = text === undefined ? undefined : tryParseCidr(text);
  return c && claimName(c) === lease.metadata.name ? c : undefined;
}

function checkIdentity(options: ClaimOptions): void {
  if (!tryParseIp(options.underlayIp)) throw new ClusterError('BadRequest', `underlayIp: ${JSON.stringify(options.underlayIp)} is not an IP address`);
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(options.vtepMac)) throw new ClusterError('BadRequest', `vtepMac: ${JSON.stringify(options.vtepMac)} is not a lower-case MAC address`);
}

interface ClusterView {
  nodes: Map<string, Stored<Node>>;
  claims: Stored<Lease>[];
}

/**
 * Claims first, then Nodes, in that order: a claim's holder registered its
 * Node before claiming, so any claim we see has its holder in the later Node
 * list unless that Node was really deleted. (Listing Nodes first, a claim
 * made in between would look orphaned and be taken away from a live node.)
 */
async function readView(source: ClusterSource, ns: string): Promise<ClusterView> {
  const leases = await source.list('Lease', { namespace: ns, labelSelector: CLAIM_LABEL });
  const nodes = await source.list('Node');
  return { nodes: new Map(nodes.items.map((n) => [n.metadata.name, n])), claims: leases.items };
}

function isLive(claim: Lease, block: Cidr, view: ClusterView): boolean {
  const holder = view.nodes.get(claim.spec?.holderIdentity ?? '');
  if (!holder) return false;
  const cidrs = holder.spec?.podCIDRs ?? [];
  return cidrs.length === 0 || cidrs.includes(formatCidr(block));
}

/**
 * Tries to claim a block of `pool`: the claim's block, or undefined when
 * another node won the race (the caller re-plans).
 */
async function claimBlock(source: ClusterSource, pool: BlockPool, view: ClusterView, options: ClaimOptions): Promise<Cidr | undefined> {
  const inUse: Cidr[] = [];
  for (const node of view.nodes.values()) for (const t of node.spec?.podCIDRs ?? []) {
    const c = tryParseCidr(t);
    if (c) inUse.push(c);
  }
  const stale = new Map<string, Stored<Lease>>();
  for (const claim of view.claims) {
    const block = blockOfClaim(claim);
    if (block && isLive(claim, block, view)) inUse.push(block);
    else stale.set(claim.metadata.name, claim);
  }
  const free = firstFreeBlock(pool, inUse);
  if (!free) throw new ClusterError('InternalError', `pod blocks of ${formatCidr(pool.cidr)} (/${pool.blockPrefix}) are exhausted`);
  const name = claimName(free);
  const leftover = stale.get(name);
  try {
    if (leftover) {
      await source.delete('Lease', { name, namespace: options.claimNamespace }, { preconditions: { uid: leftover.metadata.uid, resourceVersion: leftover.metadata.resourceVersion } });
    }
    await source.create('Lease', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name, namespace: options.claimNamespace, labels: { [CLAIM_LABEL]: 'true' }, annotations: { [POD_CIDR_ANNOTATION]: formatCidr(free) } },
      spec: { holderIdentity: options.nodeName, acquireTime: formatTime(options.now()) },
    });
    return free;
  } catch (err) {
    if (isAlreadyExists(err) || isConflict(err) || isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Takes up a claim of ours from an earlier run (the agent restarted mid-claim).
 * Renewing is a compare-and-swap on the claim: if another agent judged it
 * orphaned meanwhile (our Node was deleted and re-registered) and removed
 * it, exactly one of the two wins. Undefined when we lost it.
 */
async function renewClaim(source: ClusterSource, claim: Stored<Lease>, options: ClaimOptions): Promise<Cidr | undefined> {
  try {
    // leaseTransitions counts take-ups, so the write always changes the claim
    // (an update that changes nothing would not be a compare-and-swap).
    const spec = { ...claim.spec, renewTime: formatTime(options.now()), leaseTransitions: (claim.spec?.leaseTransitions ?? 0) + 1 };
    await source.update('Lease', { ...claim, spec });
    return blockOfClaim(claim);
  } catch (err) {
    if (isConflict(err) || isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Ensures the node has a block from every pool and carries the overlay
 * annotations; safe to repeat (a node with podCIDRs keeps them). The Node must
 * exist (NotFound otherwise): registering nodes is not the agent's job.
 */
export async function claimNodeBlocks(source: ClusterSource, options: ClaimOptions): Promise<NodeBlocks> {
  checkIdentity(options);
  for (let attempt = 0; attempt < options.maxAttempts; attempt++) {
    const node = await source.get('Node', { name: options.nodeName });
    let cidrs = node.spec?.podCIDRs ?? [];
    let mine: Stored<Lease>[] = [];
    if (cidrs.length === 0) {
      const view = await readView(source, options.claimNamespace);
      mine = view.claims.filter((c) => c.spec?.holderIdentity === options.nodeName);
      const blocks: Cidr[] = [];
      for (const pool of options.pools) {
        const held = mine.find((c) => {
          const b = blockOfClaim(c);
          return b !== undefined && isBlockOf(pool, b);
        });
        const block = held ? await renewClaim(source, held, options) : await claimBlock(source, pool, view, options);
        if (!block) break;
        blocks.push(block);
      }
      if (blocks.length < options.pools.length) continue; // lost a race: re-read and re-plan
      cidrs = blocks.map(formatCidr);
    }
    const annotations = { ...node.metadata.annotations, [UNDERLAY_IP_ANNOTATION]: options.underlayIp, [VTEP_MAC_ANNOTATION]: options.vtepMac };
    try {
      const updated = await source.update('Node', {
        ...node,
        metadata: { ...node.metadata, annotations },
        spec: { ...node.spec, podCIDR: cidrs[0] as string, podCIDRs: cidrs },
      });
      await releaseUnused(source, options, mine, cidrs);
      return { podCIDRs: cidrs, node: updated };
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  }
  throw new ClusterError('Timeout', `node ${options.nodeName}: could not claim pod blocks in ${options.maxAttempts} attempts`);
}

/** Drops this node's claims that did not end up in its podCIDRs (it already had blocks). */
async function releaseUnused(source: ClusterSource, options: ClaimOptions, mine: readonly Stored<Lease>[], cidrs: readonly string[]): Promise<void> {
  for (const claim of mine) {
    const block = blockOfClaim(claim);
    if (block && cidrs.includes(formatCidr(block))) continue;
    try {
      await source.delete('Lease', { name: claim.metadata.name, namespace: options.claimNamespace }, { preconditions: { uid: claim.metadata.uid } });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }
}
