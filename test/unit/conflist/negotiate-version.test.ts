import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { compareVersions, SUPPORTED_VERSIONS } from '../../../src/cni/version.js';
import { negotiateVersion, supportsCheck, supportsGcAndStatus } from '../../../src/core/conflist/negotiate-version.js';

const versions = { supported: SUPPORTED_VERSIONS, compare: compareVersions };
const older = { supported: ['0.3.1', '0.4.0', '1.0.0'], compare: compareVersions };

describe('negotiateVersion (libcni ConfListFromBytes)', () => {
  const cases: Array<{ name: string; cniVersion?: string; cniVersions?: string[]; with?: typeof versions | typeof older; want: string }> = [
    { name: 'cniVersion alone', cniVersion: '1.0.0', want: '1.0.0' },
    { name: 'old cniVersion alone', cniVersion: '0.3.1', want: '0.3.1' },
    { name: 'highest of cniVersions', cniVersions: ['0.4.0', '1.1.0', '1.0.0'], want: '1.1.0' },
    { name: 'cniVersion joins the candidates', cniVersion: '1.1.0', cniVersions: ['0.4.0'], want: '1.1.0' },
    { name: 'cniVersions beat a lower cniVersion', cniVersion: '0.4.0', cniVersions: ['1.0.0'], want: '1.0.0' },
    { name: 'versions we do not implement are skipped', cniVersions: ['1.0.0', '1.1.0', '2.0.0'], with: older, want: '1.0.0' },
    { name: 'compared as numbers, not strings', cniVersions: ['0.10.0', '0.4.0'], with: { supported: ['0.4.0', '0.10.0'], compare: compareVersions }, want: '0.10.0' },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(negotiateVersion({ cniVersion: c.cniVersion, cniVersions: c.cniVersions ?? [] }, c.with ?? versions), c.want);
    });
  }

  const failures: Array<{ name: string; cniVersion?: string; cniVersions?: string[]; code: number; msg: RegExp }> = [
    { name: 'no version at all', code: ErrorCode.InvalidNetworkConfig, msg: /^cniVersion: required/ },
    { name: 'unsupported cniVersion', cniVersion: '0.2.0', code: ErrorCode.IncompatibleVersion, msg: /^cniVersion: unsupported version "0.2.0"$/ },
    { name: 'nothing in cniVersions is supported', cniVersions: ['2.0.0', '0.1.0'], code: ErrorCode.IncompatibleVersion, msg: /^cniVersions: none of 2.0.0, 0.1.0 is supported$/ },
  ];
  for (const c of failures) {
    test(`fails: ${c.name}`, () => {
      assert.throws(() => negotiateVersion({ cniVersion: c.cniVersion, cniVersions: c.cniVersions ?? [] }, versions), (e: unknown) => {
        assert.ok(e instanceof CniError);
        assert.equal(e.code, c.code);
        assert.match(e.msg, c.msg);
        return true;
      });
    });
  }
});

describe('version gates', () => {
  const cases: Array<[string, boolean, boolean]> = [
    ['0.3.1', false, false],
    ['0.4.0', true, false],
    ['1.0.0', true, false],
    ['1.1.0', true, true],
  ];
  for (const [v, check, gc] of cases) {
    test(`${v}: CHECK ${check}, GC/STATUS ${gc}`, () => {
      assert.equal(supportsCheck(v, versions), check);
      assert.equal(supportsGcAndStatus(v, versions), gc);
    });
  }
});
