// Node pod blocks carved out of a cluster CIDR, as kube-controller-manager's
// range allocator does with --cluster-cidr and --node-cidr-mask-size: block i
// is the i-th aligned /blockPrefix inside the cluster CIDR, and a new node
// gets the lowest block that overlaps nothing in use.
//
// Pure: the blocks in use come in as parameters (the caller reads them from
// Node.spec.podCIDRs and from claim objects). Blocks are never enumerated: we
// walk the in-use ranges sorted by start and jump the candidate past each one
// it overlaps, so a /64 per node out of a /32 costs the same as a /24 out of a
// /16. In-use ranges may be of any size and need not be aligned (a hand-set
// podCIDR, or a block of an earlier, different block size).
import { bitsOf, type IpFamily } from '../ip/address.js';
import { formatCidr, hasHostBits, lastOf, networkOf, sizeOf, tryParseCidr, type Cidr } from '../ip/cidr.js';

/** A cluster CIDR and the prefix length of each node's block in it. */
export interface BlockPool {
  readonly cidr: Cidr;
  readonly blockPrefix: number;
}

/** A pool setting that cannot be used, naming the field. */
export class BlockPoolError extends Error {
  readonly code = 'InvalidBlockPool';
  constructor(readonly field: string, readonly problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'BlockPoolError';
  }
}

/** Smallest useful block: a network, a gateway, one pod and (IPv4) a broadcast address. */
const MIN_HOST_BITS = 2;

/**
 * Validates a pool from config text. `field` names the setting in errors
 * (`clusterCIDRs[1]`). The CIDR must be a network address: a typo such as
 * 10.244.1.0/16 would otherwise silently carve blocks from 10.244.0.0.
 */
export function parseBlockPool(cidrText: unknown, blockPrefix: unknown, field: string): BlockPool {
  if (typeof cidrText !== 'string') throw new BlockPoolError(`${field}.cidr`, 'must be a string');
  const cidr = tryParseCidr(cidrText);
  if (!cidr) throw new BlockPoolError(`${field}.cidr`, `${JSON.stringify(cidrText)} is not a CIDR`);
  if (hasHostBits(cidr)) {
    throw new BlockPoolError(`${field}.cidr`, `${cidrText} has host bits set (network is ${formatCidr({ address: networkOf(cidr), prefix: cidr.prefix })})`);
  }
  const bits = bitsOf(cidr.address.family);
  if (typeof blockPrefix !== 'number' || !Number.isInteger(blockPrefix)) {
    throw new BlockPoolError(`${field}.blockPrefix`, 'must be an integer');
  }
  if (blockPrefix < cidr.prefix || blockPrefix > bits - MIN_HOST_BITS) {
    throw new BlockPoolError(`${field}.blockPrefix`, `must be between ${cidr.prefix} and ${bits - MIN_HOST_BITS} for ${cidrText}, got ${blockPrefix}`);
  }
  return { cidr: { address: networkOf(cidr), prefix: cidr.prefix }, blockPrefix };
}

export function familyOf(pool: BlockPool): IpFamily {
  return pool.cidr.address.family;
}

/** How many node blocks the pool holds. */
export function blockCount(pool: BlockPool): bigint {
  return 1n << BigInt(pool.blockPrefix - pool.cidr.prefix);
}

function blockSize(pool: BlockPool): bigint {
  return sizeOf({ address: pool.cidr.address, prefix: pool.blockPrefix });
}

/** The index-th block (0-based); undefined past the end. */
export function blockAt(pool: BlockPool, index: bigint): Cidr | undefined {
  if (index < 0n || index >= blockCount(pool)) return undefined;
  const value = networkOf(pool.cidr).value + index * blockSize(pool);
  return { address: { family: familyOf(pool), value }, prefix: pool.blockPrefix };
}

/** Whether c is exactly one of the pool's blocks (aligned, of the block size, inside the pool). */
export function isBlockOf(pool: BlockPool, c: Cidr): boolean {
  if (c.address.family !== familyOf(pool) || c.prefix !== pool.blockPrefix || hasHostBits(c)) return false;
  const start = networkOf(pool.cidr).value;
  return c.address.value >= start && c.address.value <= lastOf(pool.cidr).value;
}

/**
 * The lowest block of the pool overlapping none of `inUse`, or undefined when
 * the pool is exhausted. Entries of another family are ignored.
 */
export function firstFreeBlock(pool: BlockPool, inUse: readonly Cidr[]): Cidr | undefined {
  const family = familyOf(pool);
  const start = networkOf(pool.cidr).value;
  const end = lastOf(pool.cidr).value;
  const size = blockSize(pool);
  const ranges = inUse
    .filter((c) => c.address.family === family)
    .map((c) => ({ lo: networkOf(c).value, hi: lastOf(c).value }))
    .filter((r) => r.hi >= start && r.lo <= end)
    .sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  let candidate = start;
  for (const r of ranges) {
    if (candidate > end) break;
    if (r.hi < candidate) continue;
    // Sorted by start: a range beginning after the candidate block leaves it free.
    if (r.lo > candidate + size - 1n) break;
    // Overlap: the next candidate is the first aligned block after the range.
    candidate = start + ((r.hi + 1n - start + size - 1n) / size) * size;
  }
  if (candidate + size - 1n > end) return undefined;
  return { address: { family, value: candidate }, prefix: pool.blockPrefix };
}

export type NodeBlockPlan =
  | { readonly ok: true; readonly blocks: readonly Cidr[] }
  | { readonly ok: false; readonly exhausted: number };

/**
 * One free block per pool, in pool order (the order of Node.spec.podCIDRs:
 * one per family for dual stack). `exhausted` is the index of the first pool
 * without a free block.
 */
export function planNodeBlocks(pools: readonly BlockPool[], inUse: readonly Cidr[]): NodeBlockPlan {
  const blocks: Cidr[] = [];
  for (const [i, pool] of pools.entries()) {
    const block = firstFreeBlock(pool, inUse);
    if (!block) return { ok: false, exhausted: i };
    blocks.push(block);
  }
  return { ok: true, blocks };
}
