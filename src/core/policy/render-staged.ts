// A full load in bounded pieces, for when the table is large. libnftables
// parses a whole script into its own structures before the transaction: at
// 10,000 local pods (4,600 rules, 56,000 elements) one renderRuleset()
// script costs the loading process ~60 MB of C heap for its duration. Here
// the table is built unhooked, a few thousand elements or rules per
// transaction, and put in force by one small transaction that adds its base
// chain and deletes the table it replaces:
//   - an unhooked table (no base chain) sees no packet, so building it over
//     several transactions changes nothing on the wire;
//   - the swap adds the base chain and deletes the old table in ONE
//     transaction, so enforcement moves from the old table to the new one at
//     once: no packet sees neither, none sees both.
// Replacing a table that is in force needs a second name for the time of the
// build (table-loader.ts in the agent decides the steps); the result is the
// same table renderRuleset() loads.
import { POLICY_FAMILY, type NftChain, type PolicyRuleset } from './ruleset.js';
import { ELEMENTS_PER_LINE, mapElement, renderChainDeclaration, renderChainRules, renderElements, renderMapDeclaration, renderSetDeclaration } from './render-nft.js';

export interface StepLimits {
  /** Set elements and map entries per transaction. */
  readonly elements: number;
  /** Rules per transaction. */
  readonly rules: number;
}

export const STEP_LIMITS: StepLimits = { elements: 8192, rules: 1024 };

const isBase = (c: NftChain): boolean => c.base !== undefined;

/** Collects lines into scripts of at most `limit` units each. */
class Steps {
  readonly scripts: string[] = [];
  private lines: string[] = [];
  private units = 0;

  constructor(private readonly limit: number) {}

  add(line: string, units: number): void {
    if (this.units > 0 && this.units + units > this.limit) this.flush();
    this.lines.push(line);
    this.units += units;
  }

  flush(): void {
    if (this.lines.length > 0) this.scripts.push(`${this.lines.join('\n')}\n`);
    this.lines = [];
    this.units = 0;
  }
}

/**
 * Scripts that build `table` from scratch (replacing whatever unhooked table
 * of that name there is) with every set, map, chain and element of `r`
 * except its base chains: declarations first, then elements, then rules.
 */
export function renderUnhookedBuild(r: PolicyRuleset, table: string, limits: StepLimits = STEP_LIMITS): string[] {
  const t = `${POLICY_FAMILY} ${table}`;
  const head = [`add table ${t}`, `delete table ${t}`, `add table ${t}`];
  for (const s of r.sets) head.push(renderSetDeclaration(table, s));
  for (const m of r.maps) head.push(renderMapDeclaration(table, m));
  for (const c of r.chains) if (!isBase(c)) head.push(renderChainDeclaration(table, c));
  const elements = new Steps(limits.elements);
  const add = (name: string, items: readonly string[]): void => {
    const perLine = Math.min(ELEMENTS_PER_LINE, limits.elements);
    for (let i = 0; i < items.length; i += perLine) {
      const part = items.slice(i, i + perLine);
      elements.add(renderElements('add', table, name, part).join('\n'), part.length);
    }
  };
  for (const s of r.sets) add(s.name, s.elements);
  for (const m of r.maps) add(m.name, m.entries.map(mapElement));
  elements.flush();
  const rules = new Steps(limits.rules);
  for (const c of r.chains) if (!isBase(c)) for (const line of renderChainRules(table, c)) rules.add(line, 1);
  rules.flush();
  return [`${head.join('\n')}\n`, ...elements.scripts, ...rules.scripts];
}

/**
 * One transaction: `table` (built by renderUnhookedBuild) gets the base
 * chains of `r` and their rules, so it is in force, and the tables in
 * `replaced` are deleted (absent ones are fine).
 */
export function renderHookSwap(r: PolicyRuleset, table: string, replaced: readonly string[]): string {
  const lines: string[] = [];
  for (const c of r.chains) if (isBase(c)) lines.push(renderChainDeclaration(table, c), ...renderChainRules(table, c));
  for (const old of replaced) lines.push(`add table ${POLICY_FAMILY} ${old}`, `delete table ${POLICY_FAMILY} ${old}`);
  return `${lines.join('\n')}\n`;
}
