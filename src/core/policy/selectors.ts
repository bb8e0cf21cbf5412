// Peer selectors for the policy model. Label selectors get a canonical form
// (so equal selectors share one key, one memoized answer and one nft set), a
// one-line description for traces and set comments, and an inverted label
// index that answers "which items match" without scanning every item.
// ipBlocks get the same treatment: canonical text, and address ranges.
//
// Matching itself is label-selector.ts (apimachinery semantics: NotIn and
// DoesNotExist also match items without the key; an empty selector matches
// everything). The index only narrows the candidates: it starts from the
// smallest posting list of an In/Equals/Exists requirement and filters that
// with the full selector, so the answer is the scan's answer.
import { matchesLabels, requirementsOf, type LabelRequirement, type LabelSelector } from '../cluster/label-selector.js';
import { formatCidr, networkOf, tryParseCidr } from '../ip/cidr.js';
import type { IpFamily } from '../ip/address.js';
import type { IpBlockInput, Labels } from './inputs.js';
import { blockRanges, mergeRanges, type IpRange } from './ip-ranges.js';

export interface Selector {
  /** Canonical text: equal selectors (matchLabels a=b or In [b]) have equal keys. */
  readonly key: string;
  readonly requirements: readonly LabelRequirement[];
  /** Empty selector: matches everything. */
  readonly all: boolean;
}

const OPERATOR_TEXT: Partial<Record<LabelRequirement['operator'], string>> = { In: 'in', NotIn: 'notin' };

function requirementText(r: LabelRequirement): string {
  switch (r.operator) {
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'In':
    case 'NotIn':
      if (r.values.length === 1 && r.operator === 'In') return `${r.key}=${r.values[0] as string}`;
      if (r.values.length === 1) return `${r.key}!=${r.values[0] as string}`;
      return `${r.key} ${OPERATOR_TEXT[r.operator] as string} (${r.values.join(',')})`;
    default:
      return `${r.key}?${r.values.join(',')}`;
  }
}

/** Canonical selector; throws SelectorError (from label-selector.ts) naming `field` when it is invalid. */
export function compileSelector(selector: LabelSelector, field: string): Selector {
  const seen = new Map<string, LabelRequirement>();
  for (const r of requirementsOf(selector, field)) {
    // Equals is In with one value; NotEquals never comes from the structured form.
    const operator = r.operator === 'Equals' ? 'In' : r.operator;
    const canonical: LabelRequirement = { key: r.key, operator, values: [...new Set(r.values)].sort() };
    const text = requirementText(canonical);
    seen.set(text, canonical);
  }
  const keys = [...seen.keys()].sort();
  return { key: keys.join(','), requirements: keys.map((k) => seen.get(k) as LabelRequirement), all: keys.length === 0 };
}

/** "app=web,tier in (a,b)", or "{}" for the empty selector. */
export function describeSelector(s: Selector): string {
  return s.all ? '{}' : s.key;
}

/**
 * Items with labels (pods of one namespace, all pods, namespaces), indexed
 * by label key and value. select() returns ascending item positions and
 * memoizes by selector key: the model asks the same question once per
 * distinct selector, however many policies repeat it.
 */
export class LabelIndex {
  private readonly byValue = new Map<string, Map<string, number[]>>();
  private readonly byKey = new Map<string, number[]>();
  private readonly everything: readonly number[];
  private readonly memo = new Map<string, readonly number[]>();

  constructor(private readonly labels: readonly Labels[]) {
    this.everything = labels.map((_, i) => i);
    labels.forEach((l, i) => {
      for (const [k, v] of Object.entries(l)) {
        let values = this.byValue.get(k);
        if (!values) this.byValue.set(k, (values = new Map()));
        let list = values.get(v);
        if (!list) values.set(v, (list = []));
        list.push(i);
        let withKey = this.byKey.get(k);
        if (!withKey) this.byKey.set(k, (withKey = []));
        withKey.push(i);
      }
    });
  }

  get size(): number {
    return this.labels.length;
  }

  private candidates(s: Selector): readonly number[] {
    let best: readonly number[] = this.everything;
    for (const r of s.requirements) {
      let list: readonly number[] | undefined;
      if (r.operator === 'In') {
        const values = this.byValue.get(r.key);
        const lists = r.values.map((v) => values?.get(v) ?? []);
        list = lists.length === 1 ? lists[0] : lists.flat().sort((a, b) => a - b);
      } else if (r.operator === 'Exists') {
        list = this.byKey.get(r.key) ?? [];
      }
      if (list && list.length < best.length) best = list;
    }
    return best;
  }

  select(s: Selector): readonly number[] {
    const cached = this.memo.get(s.key);
    if (cached) return cached;
    const out = s.all ? this.everything : this.candidates(s).filter((i) => matchesLabels(s.requirements, this.labels[i]));
    this.memo.set(s.key, out);
    return out;
  }
}

/** Whether the ascending list holds `value` (binary search). */
export function sortedHas(list: readonly number[], value: number): boolean {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = list[mid] as number;
    if (v === value) return true;
    if (v < value) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

/** "10.1.2.3/8" → "10.0.0.0/8"; undefined if not a CIDR. */
function canonicalCidr(text: string): string | undefined {
  const c = tryParseCidr(text);
  return c ? formatCidr({ address: networkOf(c), prefix: c.prefix }) : undefined;
}

export interface CompiledIpBlock {
  /** Canonical text ("ipBlock 10.0.0.0/8 except 10.1.0.0/16"), also the key: equal blocks share sets. */
  readonly key: string;
  readonly description: string;
  readonly family: IpFamily;
  /** cidr minus excepts, disjoint and sorted. */
  readonly ranges: readonly IpRange[];
}

/** An ipBlock as ranges; undefined (after `problem`) when its cidr is not one. Bad excepts are reported and skipped. */
export function compileIpBlock(block: IpBlockInput, field: string, problem: (field: string, message: string) => void): CompiledIpBlock | undefined {
  const cidr = canonicalCidr(block.cidr);
  if (cidr === undefined) {
    problem(`${field}.cidr`, `${JSON.stringify(block.cidr)} is not a valid CIDR`);
    return undefined;
  }
  const except: string[] = [];
  (block.except ?? []).forEach((text, i) => {
    const c = canonicalCidr(text);
    if (c === undefined || c.includes(':') !== cidr.includes(':')) problem(`${field}.except[${i}]`, `${JSON.stringify(text)} is not a CIDR of the family of ${cidr}`);
    else except.push(c);
  });
  except.sort();
  const description = `ipBlock ${cidr}${except.length ? ` except ${except.join(',')}` : ''}`;
  return { key: description, description, family: cidr.includes(':') ? 6 : 4, ranges: mergeRanges(blockRanges(cidr, except) ?? []) };
}
