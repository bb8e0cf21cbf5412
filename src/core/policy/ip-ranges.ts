// ipBlock arithmetic: a block is its CIDR minus its excepts, kept as sorted
// disjoint [lo, hi] address ranges of one family. Evaluation tests
// membership in those ranges and compilation renders the very same ranges
// as interval-set elements, so the two cannot disagree about an edge.
import { formatIp, type IpAddress, type IpFamily } from '../ip/address.js';
import { lastOf, networkOf, tryParseCidr } from '../ip/cidr.js';

export interface IpRange {
  readonly family: IpFamily;
  readonly lo: bigint;
  readonly hi: bigint;
}

/** The block as disjoint ranges; undefined if the cidr does not parse. Excepts that do not parse or lie outside are ignored. */
export function blockRanges(cidrText: string, exceptTexts: readonly string[]): IpRange[] | undefined {
  const cidr = tryParseCidr(cidrText);
  if (!cidr) return undefined;
  const family = cidr.address.family;
  let out: IpRange[] = [{ family, lo: networkOf(cidr).value, hi: lastOf(cidr).value }];
  const holes = exceptTexts
    .flatMap((t) => {
      const c = tryParseCidr(t);
      return c && c.address.family === family ? [{ lo: networkOf(c).value, hi: lastOf(c).value }] : [];
    });
  for (const hole of holes) {
    const next: IpRange[] = [];
    for (const r of out) {
      if (hole.hi < r.lo || hole.lo > r.hi) {
        next.push(r);
        continue;
      }
      if (hole.lo > r.lo) next.push({ family, lo: r.lo, hi: hole.lo - 1n });
      if (hole.hi < r.hi) next.push({ family, lo: hole.hi + 1n, hi: r.hi });
    }
    out = next;
  }
  return out;
}

/** Sorts and merges overlapping or adjacent ranges of one family: the canonical form of a union. */
export function mergeRanges(ranges: readonly IpRange[]): IpRange[] {
  const sorted = [...ranges].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  const out: IpRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.lo <= last.hi + 1n) {
      if (r.hi > last.hi) out[out.length - 1] = { family: last.family, lo: last.lo, hi: r.hi };
    } else {
      out.push(r);
    }
  }
  return out;
}

export function rangesContain(ranges: readonly IpRange[], ip: IpAddress): boolean {
  return ranges.some((r) => r.family === ip.family && r.lo <= ip.value && ip.value <= r.hi);
}

/** Prefix length when [lo, hi] is exactly one CIDR block. */
function prefixOf(r: IpRange): number | undefined {
  const size = r.hi - r.lo + 1n;
  if ((size & (size - 1n)) !== 0n || (r.lo & (size - 1n)) !== 0n) return undefined;
  const bits = r.family === 4 ? 32 : 128;
  return bits - (size.toString(2).length - 1);
}

/** nft interval element text: "a", "a/len" or "a-b". */
export function rangeElement(r: IpRange): string {
  const lo = formatIp({ family: r.family, value: r.lo });
  if (r.lo === r.hi) return lo;
  const prefix = prefixOf(r);
  if (prefix !== undefined) return `${lo}/${prefix}`;
  return `${lo}-${formatIp({ family: r.family, value: r.hi })}`;
}
