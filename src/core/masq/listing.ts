// Reads tagged set elements back from `nft -j list table ...` output, for
// DEL and GC: every element Podwire adds carries its attachment tag as the
// element comment. Keys are rebuilt in nft script syntax so they can be fed
// to `delete element`; ifname atoms must be quoted there, addresses must not.

/** A set element with its attachment tag; `key` is in nft script syntax. */
export interface TaggedElement {
  family: string;
  table: string;
  set: string;
  key: string;
  tag: string;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function atom(val: unknown, type: unknown): string | undefined {
  if (typeof val === 'string') return type === 'ifname' ? `"${val}"` : val;
  if (typeof val === 'number') return String(val);
  if (isObj(val) && isObj(val.prefix)) return `${String(val.prefix.addr)}/${String(val.prefix.len)}`;
  if (isObj(val) && isObj(val.range) && Array.isArray(val.range.range)) return val.range.range.map(String).join('-');
  return undefined;
}

function keyOf(val: unknown, type: unknown): string | undefined {
  if (isObj(val) && Array.isArray(val.concat)) {
    const types: unknown[] = Array.isArray(type) ? type : [];
    const parts = val.concat.map((v, i) => atom(v, types[i]));
    return parts.every((p) => p !== undefined) ? parts.join(' . ') : undefined;
  }
  return atom(val, type);
}

/** Every commented element of every set in the listing. */
export function parseTaggedElements(json: unknown): TaggedElement[] {
  if (!isObj(json) || !Array.isArray(json.nftables)) return [];
  const out: TaggedElement[] = [];
  for (const item of json.nftables) {
    if (!isObj(item) || !isObj(item.set)) continue;
    const set = item.set;
    if (typeof set.name !== 'string' || typeof set.table !== 'string' || typeof set.family !== 'string') continue;
    for (const e of Array.isArray(set.elem) ? set.elem : []) {
      const elem = isObj(e) && isObj(e.elem) ? e.elem : undefined;
      const key = elem ? keyOf(elem.val, set.type) : undefined;
      if (elem && key !== undefined && typeof elem.comment === 'string') {
        out.push({ family: set.family, table: set.table, set: set.name, key, tag: elem.comment });
      }
    }
  }
  return out;
}

/** `delete element` lines for the given elements (one transaction when run together). */
export function renderElementDeletes(elements: readonly TaggedElement[]): string {
  return elements.map((e) => `delete element ${e.family} ${e.table} ${e.set} { ${e.key} }\n`).join('');
}
