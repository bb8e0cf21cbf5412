import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { convertResult, parseResult } from '../../../src/cni/result.js';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { SUPPORTED_VERSIONS } from '../../../src/cni/version.js';

const fixture = (name: string): string => readFileSync(new URL(`../../../../test/fixtures/results/${name}`, import.meta.url), 'utf8');
const input = parseResult(JSON.parse(fixture('full.input.json')));

describe('convertResult: golden output per version', () => {
  for (const version of SUPPORTED_VERSIONS) {
    test(version, () => {
      assert.equal(JSON.stringify(convertResult(input, version)), fixture(`full.${version}.json`).trim());
    });
  }
});

describe('parseResult: every version upconverts and round-trips', () => {
  for (const version of SUPPORTED_VERSIONS) {
    test(`${version} → newest → ${version}`, () => {
      const golden = fixture(`full.${version}.json`).trim();
      const parsed = parseResult(JSON.parse(golden));
      assert.equal(parsed.cniVersion, version);
      assert.equal(parsed.ips?.[0]?.address, '10.22.0.5/24');
      assert.equal(parsed.ips?.[1]?.interface, 2);
      assert.equal(JSON.stringify(convertResult(parsed, version)), golden);
    });
  }

  test('an empty result prints dns {} like the reference types', () => {
    assert.deepEqual(convertResult({ cniVersion: '1.0.0' }, '1.0.0'), { cniVersion: '1.0.0', dns: {} });
  });

  test('1.1-only fields are dropped for older versions', () => {
    const out = convertResult(input, '0.4.0') as { interfaces: Array<Record<string, unknown>> };
    assert.equal(out.interfaces[2]?.mtu, undefined);
    assert.equal(out.interfaces[2]?.socketPath, undefined);
  });
});

describe('parseResult: errors name the field', () => {
  const cases: Array<[string, unknown, number, RegExp]> = [
    ['not an object', 'x', ErrorCode.DecodeFailure, /^result: must be an object/],
    ['no version', { ips: [] }, ErrorCode.DecodeFailure, /result\.cniVersion: required/],
    ['unsupported version', { cniVersion: '0.2.0' }, ErrorCode.IncompatibleVersion, /unsupported version "0\.2\.0"/],
    ['address without prefix', { cniVersion: '1.0.0', ips: [{ address: '10.0.0.1' }] }, ErrorCode.DecodeFailure, /result\.ips\[0\]\.address/],
    ['interface index out of range', { cniVersion: '1.0.0', interfaces: [{ name: 'eth0' }], ips: [{ address: '10.0.0.1/24', interface: 1 }] }, ErrorCode.DecodeFailure, /result\.ips\[0\]\.interface: index 1 out of range/],
    ['interface without name', { cniVersion: '1.0.0', interfaces: [{ mac: 'x' }] }, ErrorCode.DecodeFailure, /result\.interfaces\[0\]\.name: required/],
    ['route mtu not a number', { cniVersion: '1.1.0', routes: [{ dst: '0.0.0.0/0', mtu: '1500' }] }, ErrorCode.DecodeFailure, /result\.routes\[0\]\.mtu: must be an integer/],
    ['dns nameservers not a list', { cniVersion: '1.0.0', dns: { nameservers: 'x' } }, ErrorCode.DecodeFailure, /result\.dns\.nameservers/],
  ];
  for (const [name, raw, code, msg] of cases) {
    test(name, () => {
      assert.throws(() => parseResult(raw), (err: unknown) => err instanceof CniError && err.code === code && msg.test(err.message));
    });
  }

  test('converting to an unsupported version is error 1', () => {
    assert.throws(() => convertResult(input, '0.2.0'), (err: unknown) => err instanceof CniError && err.code === ErrorCode.IncompatibleVersion);
  });
});
