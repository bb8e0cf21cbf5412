import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { goJson, goJsonStruct } from '../../../src/core/conflist/go-json.js';

describe('goJson: encoding/json output', () => {
  const cases: Array<[string, unknown, string]> = [
    ['maps sorted at every level', { b: 1, a: { d: [{ z: 1, y: 2 }], c: null } }, '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}'],
    ['HTML-sensitive characters escaped', { s: '<a&b>' }, '{"s":"\\u003ca\\u0026b\\u003e"}'],
    ['line and paragraph separators escaped', '\u2028\u2029', '"\\u2028\\u2029"'],
    ['undefined members dropped', { a: undefined, b: 2 }, '{"b":2}'],
    ['scalars', [true, false, 1.5, 'x'], '[true,false,1.5,"x"]'],
  ];
  for (const [name, value, want] of cases) test(name, () => assert.equal(goJson(value), want));

  test('goJsonStruct keeps the given field order and sorts below it', () => {
    assert.equal(goJsonStruct([['z', 1], ['a', { y: 1, x: 2 }], ['skip', undefined]]), '{"z":1,"a":{"x":2,"y":1}}');
  });
});
