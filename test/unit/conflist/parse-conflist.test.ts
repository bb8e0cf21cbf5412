import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { parseConfList, parseSingleConf } from '../../../src/core/conflist/parse-conflist.js';

const bridge = { type: 'bridge', bridge: 'pwr0', ipam: { type: 'host-local', subnet: '10.1.0.0/24' } };
const list = (extra: Record<string, unknown>): string => JSON.stringify({ cniVersion: '1.0.0', name: 'net', plugins: [bridge], ...extra });

describe('parseConfList: valid lists', () => {
  const cases: Array<{ name: string; text: string; check: (l: ReturnType<typeof parseConfList>) => void }> = [
    {
      name: 'fields as written, plugin objects verbatim, bytes are the file text',
      text: list({}),
      check: (l) => {
        assert.equal(l.name, 'net');
        assert.equal(l.cniVersion, '1.0.0');
        assert.deepEqual(l.cniVersions, []);
        assert.equal(l.plugins.length, 1);
        assert.deepEqual(l.plugins[0]?.raw, bridge);
        assert.equal(l.plugins[0]?.type, 'bridge');
        assert.equal(l.bytes, list({}));
      },
    },
    {
      name: 'only capabilities set to true are kept',
      text: list({ plugins: [{ type: 'portmap', capabilities: { portMappings: true, bandwidth: false } }] }),
      check: (l) => assert.deepEqual(l.plugins[0]?.capabilities, ['portMappings']),
    },
    {
      name: 'disableCheck and disableGC accept booleans and "true"/"false" in any case (libcni readBool)',
      text: list({ disableCheck: 'TRUE', disableGC: true }),
      check: (l) => {
        assert.equal(l.disableCheck, true);
        assert.equal(l.disableGC, true);
      },
    },
    {
      name: 'flags default to false',
      text: list({ disableCheck: 'false' }),
      check: (l) => {
        assert.equal(l.disableCheck, false);
        assert.equal(l.disableGC, false);
      },
    },
    {
      name: 'cniVersions kept in order, cniVersion may be absent',
      text: JSON.stringify({ cniVersions: ['0.4.0', '1.1.0'], name: 'net', plugins: [bridge] }),
      check: (l) => {
        assert.deepEqual(l.cniVersions, ['0.4.0', '1.1.0']);
        assert.equal(l.cniVersion, undefined);
      },
    },
    {
      name: 'plugin indices follow the list',
      text: list({ plugins: [bridge, { type: 'tuning' }, { type: 'portmap' }] }),
      check: (l) => assert.deepEqual(l.plugins.map((p) => [p.index, p.type]), [[0, 'bridge'], [1, 'tuning'], [2, 'portmap']]),
    },
  ];
  for (const c of cases) test(c.name, () => c.check(parseConfList(c.text)));
});

describe('parseConfList: bad input names the field', () => {
  const cases: Array<{ name: string; text: string; code: number; msg: RegExp }> = [
    { name: 'not JSON', text: '{"name": ', code: ErrorCode.DecodeFailure, msg: /^not valid JSON$/ },
    { name: 'not an object', text: '[1]', code: ErrorCode.DecodeFailure, msg: /^not a JSON object$/ },
    { name: 'missing name', text: JSON.stringify({ cniVersion: '1.0.0', plugins: [bridge] }), code: ErrorCode.InvalidNetworkConfig, msg: /^name: required$/ },
    { name: 'name not a string', text: list({ name: 3 }), code: ErrorCode.InvalidNetworkConfig, msg: /^name: must be a string$/ },
    { name: 'empty name', text: list({ name: '' }), code: ErrorCode.InvalidNetworkConfig, msg: /^name: must not be empty$/ },
    { name: 'cniVersion not a version', text: list({ cniVersion: '1.0' }), code: ErrorCode.InvalidNetworkConfig, msg: /^cniVersion: "1.0" is not a version/ },
    { name: 'cniVersion not a string', text: list({ cniVersion: 1 }), code: ErrorCode.InvalidNetworkConfig, msg: /^cniVersion: must be a string$/ },
    { name: 'cniVersions not a list', text: list({ cniVersions: '1.0.0' }), code: ErrorCode.InvalidNetworkConfig, msg: /^cniVersions: must be a list/ },
    { name: 'cniVersions entry bad', text: list({ cniVersions: ['1.0.0', 'x'] }), code: ErrorCode.InvalidNetworkConfig, msg: /^cniVersions\[1\]: "x" is not a version/ },
    { name: 'disableCheck garbage', text: list({ disableCheck: 'yes' }), code: ErrorCode.InvalidNetworkConfig, msg: /^disableCheck: must be true or false$/ },
    { name: 'disableGC a number', text: list({ disableGC: 1 }), code: ErrorCode.InvalidNetworkConfig, msg: /^disableGC: must be true or false$/ },
    { name: 'no plugins key', text: JSON.stringify({ cniVersion: '1.0.0', name: 'n' }), code: ErrorCode.InvalidNetworkConfig, msg: /^plugins: required$/ },
    { name: 'plugins not a list', text: list({ plugins: {} }), code: ErrorCode.InvalidNetworkConfig, msg: /^plugins: must be a list$/ },
    { name: 'empty plugins', text: list({ plugins: [] }), code: ErrorCode.InvalidNetworkConfig, msg: /^plugins: must not be empty$/ },
    { name: 'plugin not an object', text: list({ plugins: [bridge, 'tuning'] }), code: ErrorCode.InvalidNetworkConfig, msg: /^plugins\[1\]: must be an object$/ },
    { name: 'plugin without type', text: list({ plugins: [bridge, { mtu: 1 }] }), code: ErrorCode.InvalidNetworkConfig, msg: /^plugins\[1\]\.type: required$/ },
    { name: 'plugin type not a string', text: list({ plugins: [{ type: 7 }] }), code: ErrorCode.InvalidNetworkConfig, msg: /^plugins\[0\]\.type: must be a string$/ },
    { name: 'plugin type is a path', text: list({ plugins: [{ type: '../../bin/sh' }] }), code: ErrorCode.InvalidNetworkConfig, msg: /^plugins\[0\]\.type: .* must be a plugin name, not a path$/ },
    { name: 'capabilities not an object', text: list({ plugins: [{ type: 'portmap', capabilities: ['portMappings'] }] }), code: ErrorCode.InvalidNetworkConfig, msg: /^plugins\[0\]\.capabilities: must be an object/ },
    { name: 'capability not a boolean', text: list({ plugins: [bridge, { type: 'portmap', capabilities: { portMappings: 'yes' } }] }), code: ErrorCode.InvalidNetworkConfig, msg: /^plugins\[1\]\.capabilities\.portMappings: must be a boolean$/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.throws(() => parseConfList(c.text), (e: unknown) => {
        assert.ok(e instanceof CniError, `expected CniError, got ${String(e)}`);
        assert.equal(e.code, c.code);
        assert.match(e.msg, c.msg);
        return true;
      });
    });
  }
});

describe('parseSingleConf: a .conf wrapped like libcni ConfListFromConf', () => {
  test('one plugin, name and version lifted, bytes are the Go-marshalled wrapper', () => {
    const conf = { cniVersion: '0.4.0', name: 'single', type: 'bridge', bridge: 'pwr1', disableCheck: true };
    const l = parseSingleConf(JSON.stringify(conf));
    assert.equal(l.name, 'single');
    assert.equal(l.cniVersion, '0.4.0');
    assert.equal(l.plugins.length, 1);
    assert.deepEqual(l.plugins[0]?.raw, conf);
    // disableCheck of a .conf is not lifted to the list, as in libcni.
    assert.equal(l.disableCheck, false);
    assert.equal(l.bytes, '{"cniVersion":"0.4.0","name":"single","plugins":[{"bridge":"pwr1","cniVersion":"0.4.0","disableCheck":true,"name":"single","type":"bridge"}]}');
    assert.deepEqual(parseConfList(l.bytes).plugins[0]?.raw, conf);
  });

  test('a .conf without type names the bare field', () => {
    assert.throws(() => parseSingleConf('{"cniVersion":"1.0.0","name":"x"}'), (e: unknown) => e instanceof CniError && e.code === ErrorCode.InvalidNetworkConfig && e.msg === 'type: required');
  });

  test('a .conf with a bad capability names the bare field', () => {
    assert.throws(() => parseSingleConf('{"cniVersion":"1.0.0","name":"x","type":"portmap","capabilities":{"portMappings":1}}'), (e: unknown) => e instanceof CniError && e.msg === 'capabilities.portMappings: must be a boolean');
  });
});
