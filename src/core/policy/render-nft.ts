// Text for `nft -f`: the whole table from scratch, as one transaction that
// replaces whatever the table held (add, delete, add: the add makes the
// delete safe on a host that has no table yet). The dataplane applies it at
// start-up and whenever it cannot trust its picture of the kernel; between
// those, diff.ts renders only what changed. Order inside the script:
// declarations (sets, maps, chains) before the elements that name chains
// (verdict maps) and the rules that name sets.
import { POLICY_FAMILY, quoteComment, renderRule, type NftChain, type NftMap, type NftSet, type PolicyRuleset } from './ruleset.js';

/** Elements per `add element` line: keeps lines readable and the netlink messages modest. */
export const ELEMENTS_PER_LINE = 512;

const prefix = (r: { table: string }): string => `${POLICY_FAMILY} ${r.table}`;

export function renderSetDeclaration(table: string, s: Omit<NftSet, 'elements'>): string {
  const body = [`type ${s.type};`];
  if (s.flags.length > 0) body.push(`flags ${s.flags.join(',')};`);
  if (s.comment !== undefined) body.push(`comment ${quoteComment(s.comment)};`);
  return `add set ${POLICY_FAMILY} ${table} ${s.name} { ${body.join(' ')} }`;
}

export function renderMapDeclaration(table: string, m: Omit<NftMap, 'entries'>): string {
  return `add map ${POLICY_FAMILY} ${table} ${m.name} { type ${m.type}; }`;
}

export function renderChainDeclaration(table: string, c: NftChain): string {
  const body: string[] = [];
  if (c.base !== undefined) body.push(c.base);
  if (c.comment !== undefined) body.push(`comment ${quoteComment(c.comment)};`);
  return `add chain ${POLICY_FAMILY} ${table} ${c.name}${body.length > 0 ? ` { ${body.join(' ')} }` : ''}`;
}

export function renderChainRules(table: string, c: NftChain): string[] {
  return c.rules.map((r) => `add rule ${POLICY_FAMILY} ${table} ${c.name} ${renderRule(r)}`);
}

/** `add element` / `delete element` lines, ELEMENTS_PER_LINE at a time. */
export function renderElements(verb: 'add' | 'delete', table: string, set: string, elements: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < elements.length; i += ELEMENTS_PER_LINE) {
    out.push(`${verb} element ${POLICY_FAMILY} ${table} ${set} { ${elements.slice(i, i + ELEMENTS_PER_LINE).join(', ')} }`);
  }
  return out;
}

export const mapElement = ([key, verdict]: readonly [string, string]): string => `${key} : ${verdict}`;

/** The whole table, replacing any previous contents in one transaction. */
export function renderRuleset(r: PolicyRuleset): string {
  const lines = [`add table ${prefix(r)}`, `delete table ${prefix(r)}`, `add table ${prefix(r)}`];
  for (const s of r.sets) lines.push(renderSetDeclaration(r.table, s));
  for (const m of r.maps) lines.push(renderMapDeclaration(r.table, m));
  for (const c of r.chains) lines.push(renderChainDeclaration(r.table, c));
  for (const s of r.sets) lines.push(...renderElements('add', r.table, s.name, s.elements));
  for (const m of r.maps) lines.push(...renderElements('add', r.table, m.name, m.entries.map(mapElement)));
  for (const c of r.chains) lines.push(...renderChainRules(r.table, c));
  return `${lines.join('\n')}\n`;
}
