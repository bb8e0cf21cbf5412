// Label selectors in both of the API's forms, reduced to one list of
// requirements that must all hold:
// - the query-string form of list and watch (`app=web,tier!=db,env in (a,b),!legacy`),
//   with the grammar of apimachinery's labels.Parse: =, ==, !=, in, notin,
//   exists (`key`), does-not-exist (`!key`), and the numeric gt/lt (`key>3`);
// - the structured metav1.LabelSelector of NetworkPolicy and friends
//   (matchLabels + matchExpressions with In, NotIn, Exists, DoesNotExist).
// Semantics follow apimachinery: != and notin also match objects without the
// label; an empty selector matches everything.
import { labelValueProblem, qualifiedNameProblem } from './names.js';

export type SelectorOperator = 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'GreaterThan' | 'LessThan';

export interface LabelRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** metav1.LabelSelector. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** A selector that cannot be parsed; `field` names the parameter or field it came from. */
export class SelectorError extends Error {
  readonly code = 'InvalidSelector';
  constructor(readonly field: string, readonly problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'SelectorError';
  }
}

type Token = { kind: 'word'; text: string; at: number } | { kind: 'op'; text: string; at: number };

const OPERATORS = ['!=', '==', '=', '!', '(', ')', ',', '>', '<'];

function tokenize(text: string, field: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', text: op, at: i });
      i += op.length;
      continue;
    }
    let j = i;
    while (j < text.length && !/\s/.test(text[j] as string) && !OPERATORS.some((o) => text.startsWith(o, j))) j++;
    if (j === i) throw new SelectorError(field, `unexpected character ${JSON.stringify(c)} at position ${i}`);
    tokens.push({ kind: 'word', text: text.slice(i, j), at: i });
    i = j;
  }
  return tokens;
}

function checkKey(key: string, field: string): string {
  const p = qualifiedNameProblem(key);
  if (p) throw new SelectorError(field, `invalid label key ${JSON.stringify(key)}: ${p}`);
  return key;
}

function checkValue(value: string, field: string): string {
  const p = labelValueProblem(value);
  if (p) throw new SelectorError(field, `invalid label value ${JSON.stringify(value)}: ${p}`);
  return value;
}

/** Parses the query-string form. `field` names the parameter in errors ("labelSelector"). */
export function parseLabelSelector(text: string, field = 'labelSelector'): LabelRequirement[] {
  const tokens = tokenize(text, field);
  const out: LabelRequirement[] = [];
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const isOp = (t: Token | undefined, op: string): boolean => t?.kind === 'op' && t.text === op;
  const fail = (t: Token | undefined, expected: string): never => {
    throw new SelectorError(field, t ? `expected ${expected} at position ${t.at}, found ${JSON.stringify(t.text)}` : `expected ${expected} at the end`);
  };
  const word = (expected: string): string => {
    const t = peek();
    if (t?.kind !== 'word') return fail(t, expected);
    pos++;
    return t.text;
  };
  // A value may be empty: "a=" selects objects whose label a is "".
  const optionalValue = (): string => (peek()?.kind === 'word' ? word('a value') : '');
  while (pos < tokens.length) {
    if (isOp(peek(), '!')) {
      pos++;
      out.push({ key: checkKey(word('a label key'), field), operator: 'DoesNotExist', values: [] });
    } else {
      const key = checkKey(word('a label key'), field);
      const t = peek();
      if (t === undefined || isOp(t, ',')) {
        out.push({ key, operator: 'Exists', values: [] });
      } else if (isOp(t, '=') || isOp(t, '==') || isOp(t, '!=')) {
        pos++;
        out.push({ key, operator: t.text === '!=' ? 'NotEquals' : 'Equals', values: [checkValue(optionalValue(), field)] });
      } else if (isOp(t, '>') || isOp(t, '<')) {
        pos++;
        const v = word('an integer');
        if (!/^-?[0-9]+$/.test(v)) throw new SelectorError(field, `${JSON.stringify(v)} is not an integer`);
        out.push({ key, operator: t.text === '>' ? 'GreaterThan' : 'LessThan', values: [v] });
      } else if (t.kind === 'word' && (t.text === 'in' || t.text === 'notin')) {
        pos++;
        if (!isOp(peek(), '(')) fail(peek(), '"("');
        pos++;
        const values: string[] = [checkValue(optionalValue(), field)];
        while (isOp(peek(), ',')) {
          pos++;
          values.push(checkValue(optionalValue(), field));
        }
        if (!isOp(peek(), ')')) fail(peek(), '"," or ")"');
        pos++;
        out.push({ key, operator: t.text === 'in' ? 'In' : 'NotIn', values });
      } else {
        fail(t, 'an operator');
      }
    }
    if (pos < tokens.length) {
      if (!isOp(peek(), ',')) fail(peek(), '","');
      pos++;
      if (pos === tokens.length) fail(undefined, 'a requirement after ","');
    }
  }
  return out;
}

/**
 * The structured form as requirements. Its shape is checked by the object
 * parsers; here only the operator/values rules that decide the meaning.
 */
export function requirementsOf(selector: LabelSelector, field = 'selector'): LabelRequirement[] {
  const out: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    out.push({ key: checkKey(key, `${field}.matchLabels`), operator: 'Equals', values: [checkValue(value, `${field}.matchLabels`)] });
  }
  for (const [i, e] of (selector.matchExpressions ?? []).entries()) {
    const at = `${field}.matchExpressions[${i}]`;
    const values = e.values ?? [];
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) {
      throw new SelectorError(`${at}.values`, `must be specified when operator is ${e.operator}`);
    }
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) {
      throw new SelectorError(`${at}.values`, `may not be specified when operator is ${e.operator}`);
    }
    out.push({ key: checkKey(e.key, `${at}.key`), operator: e.operator, values: values.map((v) => checkValue(v, `${at}.values`)) });
  }
  return out;
}

function holds(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Equals':
    case 'In':
      return has && r.values.includes(value as string);
    case 'NotEquals':
    case 'NotIn':
      return !has || !r.values.includes(value as string);
    case 'GreaterThan':
    case 'LessThan': {
      if (!has || !/^-?[0-9]+$/.test(value as string)) return false;
      const a = BigInt(value as string);
      const b = BigInt(r.values[0] as string);
      return r.operator === 'GreaterThan' ? a > b : a < b;
    }
  }
}

/** Whether every requirement holds for the labels (undefined labels = none). */
export function matchesLabels(requirements: readonly LabelRequirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  return requirements.every((r) => holds(r, l));
}
