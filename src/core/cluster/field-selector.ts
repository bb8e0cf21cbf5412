// Field selectors of list and watch (`spec.nodeName=node-1,status.phase!=Failed`),
// as apimachinery's fields.ParseSelector reads them: terms joined by ",",
// operators =, == and !=, and backslash escapes for "\", "," and "=" in values.
// Which fields a kind supports is the kind's business (the API answers 400
// "field label not supported"); checkSupportedFields does that check here.

export interface FieldRequirement {
  readonly field: string;
  readonly operator: 'Equals' | 'NotEquals';
  readonly value: string;
}

export class FieldSelectorError extends Error {
  readonly code = 'InvalidFieldSelector';
  constructor(readonly field: string, readonly problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'FieldSelectorError';
  }
}

/** Splits on unescaped `sep`, keeping escapes in the pieces. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + (text[i + 1] as string);
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function unescape(text: string, param: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[i + 1];
    if (next !== '\\' && next !== ',' && next !== '=') throw new FieldSelectorError(param, `invalid escape sequence in ${JSON.stringify(text)}`);
    out += next;
    i++;
  }
  return out;
}

/** Parses the query-string form; an empty string selects everything. */
export function parseFieldSelector(text: string, param = 'fieldSelector'): FieldRequirement[] {
  if (text.trim() === '') return [];
  return splitUnescaped(text, ',').map((term) => {
    // The first unescaped operator splits the term; "!=" is checked before "=".
    for (let i = 0; i < term.length; i++) {
      const c = term[i];
      if (c === '\\') {
        i++;
        continue;
      }
      let op: FieldRequirement['operator'] | undefined;
      let len = 0;
      if (term.startsWith('!=', i)) [op, len] = ['NotEquals', 2];
      else if (term.startsWith('==', i)) [op, len] = ['Equals', 2];
      else if (c === '=') [op, len] = ['Equals', 1];
      if (op) {
        const field = term.slice(0, i).trim();
        if (field === '') throw new FieldSelectorError(param, `missing field name in ${JSON.stringify(term)}`);
        return { field, operator: op, value: unescape(term.slice(i + len).trim(), param) };
      }
    }
    throw new FieldSelectorError(param, `invalid term ${JSON.stringify(term)}: expected field=value or field!=value`);
  });
}

/** Throws unless every requirement names a supported field. */
export function checkSupportedFields(requirements: readonly FieldRequirement[], supported: readonly string[], param = 'fieldSelector'): void {
  for (const r of requirements) {
    if (!supported.includes(r.field)) throw new FieldSelectorError(param, `field label not supported: ${r.field}`);
  }
}

/** Whether every requirement holds; a field missing from `fields` has the value "". */
export function matchesFields(requirements: readonly FieldRequirement[], fields: Readonly<Record<string, string>>): boolean {
  return requirements.every((r) => ((fields[r.field] ?? '') === r.value) === (r.operator === 'Equals'));
}
