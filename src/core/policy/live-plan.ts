// The plan from what the kernel took at the last commit to the live table
// now, read off the deltas the live structures keep (live-elements.ts,
// live-chains.ts) instead of comparing two whole rulesets. It has the shape
// and order diffRulesets() gives for the same two tables (tested): sets,
// maps and element changes by name, chains in table order, elements in
// canonical order, so renderPlan() writes the same script.
import type { ElementChange, EntryChange, PolicyPlan } from './diff.js';
import type { ChainDelta } from './live-chains.js';
import type { LiveVerdicts } from './live-elements.js';
import type { LiveSet } from './live-set.js';
import type { NftSet, PolicyRuleset } from './ruleset.js';

export interface SetView {
  readonly set: LiveSet;
  /** In the table now. */
  readonly present: boolean;
  /** In the kernel since the last commit. */
  readonly committed: boolean;
}

const byName = (a: SetView, b: SetView): number => (a.set.name < b.set.name ? -1 : a.set.name > b.set.name ? 1 : 0);

/** The whole table, for when the kernel's contents are unknown. */
export function fullPlan(r: PolicyRuleset): PolicyPlan {
  return { table: r.table, full: r, addSets: [], addMaps: [], addChains: [], deleteElements: [], deleteEntries: [], addElements: [], addEntries: [], replaceChains: [], deleteChains: [], deleteSets: [], deleteMaps: [] };
}

export function livePlan(table: string, sets: readonly SetView[], maps: readonly LiveVerdicts[], chains: ChainDelta, full: () => PolicyRuleset, materialize: (s: LiveSet) => NftSet): PolicyPlan {
  // Same name, other declaration: not expressible as a change (diff.ts does the same).
  if (chains.redeclared) return fullPlan(full());
  const addSets: NftSet[] = [];
  const addElements: ElementChange[] = [];
  const deleteElements: ElementChange[] = [];
  for (const v of sets.filter((x) => x.present && (!x.committed || x.set.dirty)).sort(byName)) {
    if (!v.committed) {
      const s = materialize(v.set);
      addSets.push(s);
      if (s.elements.length > 0) addElements.push({ set: s.name, elements: s.elements });
      continue;
    }
    const d = v.set.delta();
    if (d.removed.length > 0) deleteElements.push({ set: v.set.name, elements: d.removed });
    if (d.added.length > 0) addElements.push({ set: v.set.name, elements: d.added });
  }
  const deleteEntries: EntryChange[] = [];
  const addEntries: EntryChange[] = [];
  for (const m of maps) {
    if (!m.dirty) continue;
    const d = m.delta();
    if (d.removed.length > 0) deleteEntries.push({ map: m.name, entries: d.removed });
    if (d.added.length > 0) addEntries.push({ map: m.name, entries: d.added });
  }
  return {
    table, full: null,
    addSets, addMaps: [], addChains: chains.added,
    deleteElements, deleteEntries, addElements, addEntries,
    replaceChains: chains.replaced, deleteChains: chains.removed,
    deleteSets: sets.filter((x) => x.committed && !x.present).sort(byName).map((x) => x.set.name),
    deleteMaps: [],
  };
}
