// JSON the way Go's encoding/json writes it, so files we share with libcni
// (the result cache) are byte-for-byte what a Go runtime would write:
// map keys sorted, compact, and <, >, &, U+2028, U+2029 escaped as \uXXXX.
// Struct-shaped objects (whose field order Go takes from the type) are
// written with `goJsonStruct`, which keeps the caller's key order at the top
// level and sorts everything below it, as a map[string]interface{} would be.

type Json = Record<string, unknown>;

const GO_ESCAPES: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => GO_ESCAPES[c] ?? c);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Go's json.Marshal of a value decoded into interface{}: maps sorted by key. */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
  if (isObject(value)) {
    // sort.Strings compares bytes; for the ASCII keys of CNI documents that
    // is the same as comparing UTF-16 code units.
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
    return `{${keys.map((k) => `${goString(k)}:${goJson(value[k])}`).join(',')}}`;
  }
  return 'null';
}

/** A Go struct: fields in the given order (undefined ones left out), values as maps. */
export function goJsonStruct(fields: ReadonlyArray<readonly [string, unknown]>): string {
  const parts = fields.filter(([, v]) => v !== undefined).map(([k, v]) => `${goString(k)}:${goJson(v)}`);
  return `{${parts.join(',')}}`;
}
