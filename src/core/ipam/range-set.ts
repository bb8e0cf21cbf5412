// A range set is a pool for one address of the result: ADD takes exactly one
// address from each set, trying its ranges in order (host-local's RangeSet).
// All ranges of a set share a family and never overlap; different sets must
// not overlap either, or one address could satisfy two sets.
import { configError } from '../../cni/errors.js';
import type { IpAddress, IpFamily } from '../ip/address.js';
import { describe } from './json.js';
import { allocatableCount, formatRange, parseRange, rangeContains, type IpRange } from './range.js';

export interface RangeSet {
  /** Where the set came from, for messages: `ipam.ranges[1]`, `ipam` (legacy top-level range), `runtimeConfig.ipRanges[0]`. */
  readonly field: string;
  readonly family: IpFamily;
  readonly ranges: readonly IpRange[];
}

/** Intervals overlap: host-local compares rangeStart..rangeEnd, not the subnets. */
export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.rangeStart.family === b.rangeStart.family &&
    (rangeContains(a, b.rangeStart) || rangeContains(a, b.rangeEnd) || rangeContains(b, a.rangeStart) || rangeContains(b, a.rangeEnd));
}

/** Validates one set; `rangeField(i)` names its i-th range. */
export function buildRangeSet(field: string, rawRanges: readonly unknown[], rangeField: (i: number) => string): RangeSet {
  if (rawRanges.length === 0) throw configError(field, 'empty range set: give at least one range');
  const ranges = rawRanges.map((r, i) => parseRange(r, rangeField(i)));
  const first = ranges[0] as IpRange;
  const family = first.subnet.address.family;
  ranges.forEach((r, i) => {
    if (r.subnet.address.family !== family) {
      throw configError(`${rangeField(i)}.subnet`, `IPv${r.subnet.address.family} range in an IPv${family} range set (use one range set per family)`);
    }
    for (let j = 0; j < i; j++) {
      const other = ranges[j] as IpRange;
      if (rangesOverlap(r, other)) {
        throw configError(rangeField(i), `${formatRange(r)} overlaps ${rangeField(j)} (${formatRange(other)})`);
      }
    }
  });
  // host-local accepts such a set and fails every ADD; say so up front.
  if (ranges.every((r) => allocatableCount(r) === 0n)) {
    throw configError(field, 'no allocatable address: every address in range is a network, gateway or broadcast address');
  }
  return { field, family, ranges };
}

/** Parses `[range, ...]` found at `field`. */
export function parseRangeSet(raw: unknown, field: string): RangeSet {
  if (!Array.isArray(raw)) throw configError(field, `must be a list of ranges, got ${describe(raw)}`);
  return buildRangeSet(field, raw, (i) => `${field}[${i}]`);
}

/** The range of the set whose [rangeStart, rangeEnd] holds ip. */
export function rangeFor(set: RangeSet, ip: IpAddress): IpRange | undefined {
  return set.ranges.find((r) => rangeContains(r, ip));
}

export function rangeSetsOverlap(a: RangeSet, b: RangeSet): boolean {
  return a.ranges.some((ra) => b.ranges.some((rb) => rangesOverlap(ra, rb)));
}

/** "10.1.0.2-10.1.0.254,10.2.0.2-10.2.0.254", host-local's RangeSet.String. */
export function formatRangeSet(set: RangeSet): string {
  return set.ranges.map(formatRange).join(',');
}
