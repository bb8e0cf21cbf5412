// Incremental updates: the difference between two compiled rulesets as a
// plan (element adds/deletes, new and deleted sets, maps and chains, and
// chains whose rules changed), its nft script, and applyPlan() to move the
// in-memory picture the same way the kernel moves. A plan's script is one
// `nft -f` transaction; its order keeps every reference valid at each step:
//   1. add sets, maps, chains (new chains empty, so map verdicts may name them)
//   2. delete elements (before adds: a map key whose verdict changed is
//      deleted, then added again)
//   3. add elements
//   4. flush + re-add the rules of changed chains; rules of new chains
//   5. delete chains (no map entry names them any more)
//   6. delete sets and maps (no rule names them any more)
// Names are content-addressed (set-specs.ts), so the same name always has
// the same declaration; if one ever differs (a change of this code between
// versions), the plan falls back to the full ruleset. Identical objects are
// skipped without a look inside. (The agent's live table, live-policy.ts,
// produces the same plans from its own change logs; tests compare the two.)
import { POLICY_FAMILY, orderChains, sortElements, renderRule, type NftChain, type NftMap, type NftSet, type PolicyRuleset } from './ruleset.js';
import { mapElement, renderChainDeclaration, renderChainRules, renderElements, renderMapDeclaration, renderRuleset, renderSetDeclaration } from './render-nft.js';

export interface ElementChange {
  readonly set: string;
  readonly elements: readonly string[];
}

export interface EntryChange {
  readonly map: string;
  readonly entries: readonly (readonly [string, string])[];
}

export interface PolicyPlan {
  readonly table: string;
  /** Set when the change cannot be expressed incrementally: apply this whole ruleset instead. */
  readonly full: PolicyRuleset | null;
  readonly addSets: readonly NftSet[];
  readonly addMaps: readonly NftMap[];
  readonly addChains: readonly NftChain[];
  readonly deleteElements: readonly ElementChange[];
  /** Map entries to delete, by key (the verdict part is ignored). */
  readonly deleteEntries: readonly EntryChange[];
  readonly addElements: readonly ElementChange[];
  readonly addEntries: readonly EntryChange[];
  readonly replaceChains: readonly NftChain[];
  readonly deleteChains: readonly string[];
  readonly deleteSets: readonly string[];
  readonly deleteMaps: readonly string[];
}

const byName = <T extends { name: string }>(list: readonly T[]): Map<string, T> => new Map(list.map((x) => [x.name, x]));
const rulesText = (c: NftChain): string => c.rules.map(renderRule).join('\n');
const sameDeclaration = (a: Omit<NftSet, 'elements'>, b: Omit<NftSet, 'elements'>): boolean =>
  a.type === b.type && a.comment === b.comment && a.flags.join(',') === b.flags.join(',');

function emptyPlan(table: string, full: PolicyRuleset | null): PolicyPlan {
  return { table, full, addSets: [], addMaps: [], addChains: [], deleteElements: [], deleteEntries: [], addElements: [], addEntries: [], replaceChains: [], deleteChains: [], deleteSets: [], deleteMaps: [] };
}

export function diffRulesets(before: PolicyRuleset, after: PolicyRuleset): PolicyPlan {
  if (before.table !== after.table) return emptyPlan(after.table, after);
  const oldSets = byName(before.sets);
  const oldMaps = byName(before.maps);
  const oldChains = byName(before.chains);
  const newSets = byName(after.sets);
  const newMaps = byName(after.maps);
  const newChains = byName(after.chains);

  const addSets: NftSet[] = [];
  const addElements: ElementChange[] = [];
  const deleteElements: ElementChange[] = [];
  for (const s of after.sets) {
    const old = oldSets.get(s.name);
    if (!old) {
      addSets.push(s);
      if (s.elements.length > 0) addElements.push({ set: s.name, elements: s.elements });
      continue;
    }
    // The same object on both sides cannot differ.
    if (old === s) continue;
    if (!sameDeclaration(old, s)) return emptyPlan(after.table, after);
    const had = new Set(old.elements);
    const has = new Set(s.elements);
    const added = s.elements.filter((e) => !had.has(e));
    const removed = old.elements.filter((e) => !has.has(e));
    if (removed.length > 0) deleteElements.push({ set: s.name, elements: removed });
    if (added.length > 0) addElements.push({ set: s.name, elements: added });
  }

  const addMaps: NftMap[] = [];
  const addEntries: EntryChange[] = [];
  const deleteEntries: EntryChange[] = [];
  for (const m of after.maps) {
    const old = oldMaps.get(m.name);
    if (!old) {
      addMaps.push(m);
      if (m.entries.length > 0) addEntries.push({ map: m.name, entries: m.entries });
      continue;
    }
    if (old === m) continue;
    if (old.type !== m.type) return emptyPlan(after.table, after);
    const had = new Map(old.entries);
    const has = new Map(m.entries);
    const added = m.entries.filter(([k, v]) => had.get(k) !== v);
    const removed = old.entries.filter(([k, v]) => has.get(k) !== v);
    if (removed.length > 0) deleteEntries.push({ map: m.name, entries: removed });
    if (added.length > 0) addEntries.push({ map: m.name, entries: added });
  }

  const addChains: NftChain[] = [];
  const replaceChains: NftChain[] = [];
  for (const c of after.chains) {
    const old = oldChains.get(c.name);
    if (!old) addChains.push(c);
    else if (old === c) continue;
    else if (old.base !== c.base || old.comment !== c.comment) return emptyPlan(after.table, after);
    else if (rulesText(old) !== rulesText(c)) replaceChains.push(c);
  }

  return {
    table: after.table, full: null, addSets, addMaps, addChains, deleteElements, deleteEntries, addElements, addEntries, replaceChains,
    deleteChains: before.chains.filter((c) => !newChains.has(c.name)).map((c) => c.name),
    deleteSets: before.sets.filter((s) => !newSets.has(s.name)).map((s) => s.name),
    deleteMaps: before.maps.filter((m) => !newMaps.has(m.name)).map((m) => m.name),
  };
}

export function planIsEmpty(p: PolicyPlan): boolean {
  return p.full === null && [p.addSets, p.addMaps, p.addChains, p.deleteElements, p.deleteEntries, p.addElements, p.addEntries, p.replaceChains, p.deleteChains, p.deleteSets, p.deleteMaps].every((l) => l.length === 0);
}

/** The plan as one `nft -f` script; '' when there is nothing to do. */
export function renderPlan(p: PolicyPlan): string {
  if (p.full) return renderRuleset(p.full);
  const t = p.table;
  const lines: string[] = [];
  for (const s of p.addSets) lines.push(renderSetDeclaration(t, s));
  for (const m of p.addMaps) lines.push(renderMapDeclaration(t, m));
  for (const c of p.addChains) lines.push(renderChainDeclaration(t, c));
  for (const d of p.deleteElements) lines.push(...renderElements('delete', t, d.set, d.elements));
  for (const d of p.deleteEntries) lines.push(...renderElements('delete', t, d.map, d.entries.map(([k]) => k)));
  for (const a of p.addElements) lines.push(...renderElements('add', t, a.set, a.elements));
  for (const a of p.addEntries) lines.push(...renderElements('add', t, a.map, a.entries.map(mapElement)));
  for (const c of p.replaceChains) lines.push(`flush chain ${POLICY_FAMILY} ${t} ${c.name}`, ...renderChainRules(t, c));
  for (const c of p.addChains) lines.push(...renderChainRules(t, c));
  for (const n of p.deleteChains) lines.push(`delete chain ${POLICY_FAMILY} ${t} ${n}`);
  for (const n of p.deleteSets) lines.push(`delete set ${POLICY_FAMILY} ${t} ${n}`);
  for (const n of p.deleteMaps) lines.push(`delete map ${POLICY_FAMILY} ${t} ${n}`);
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** The ruleset the kernel holds after the plan's script ran on `r`. */
export function applyPlan(r: PolicyRuleset, p: PolicyPlan): PolicyRuleset {
  if (p.full) return p.full;
  const sets = byName(r.sets);
  const maps = byName(r.maps);
  const chains = byName(r.chains);
  for (const s of p.addSets) sets.set(s.name, { ...s, elements: [] });
  for (const m of p.addMaps) maps.set(m.name, { ...m, entries: [] });
  for (const c of [...p.addChains, ...p.replaceChains]) chains.set(c.name, c);
  const editSet = (name: string, edit: (e: Set<string>) => void): void => {
    const s = sets.get(name);
    if (!s) throw new Error(`applyPlan: no set ${name}`);
    const e = new Set(s.elements);
    edit(e);
    sets.set(name, { ...s, elements: sortElements([...e], (x) => x) });
  };
  const editMap = (name: string, edit: (e: Map<string, string>) => void): void => {
    const m = maps.get(name);
    if (!m) throw new Error(`applyPlan: no map ${name}`);
    const e = new Map(m.entries);
    edit(e);
    maps.set(name, { ...m, entries: sortElements([...e], (x) => x[0]) });
  };
  for (const d of p.deleteElements) editSet(d.set, (e) => d.elements.forEach((x) => e.delete(x)));
  for (const d of p.deleteEntries) editMap(d.map, (e) => d.entries.forEach(([k]) => e.delete(k)));
  for (const a of p.addElements) editSet(a.set, (e) => a.elements.forEach((x) => e.add(x)));
  for (const a of p.addEntries) editMap(a.map, (e) => a.entries.forEach(([k, v]) => e.set(k, v)));
  for (const n of p.deleteChains) chains.delete(n);
  for (const n of p.deleteSets) sets.delete(n);
  for (const n of p.deleteMaps) maps.delete(n);
  const sorted = <T extends { name: string }>(m: Map<string, T>): T[] => [...m.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { table: r.table, sets: sorted(sets), maps: sorted(maps), chains: orderChains([...chains.values()]) };
}
