import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { findNetwork } from '../../../src/core/conflist/select-network.js';

const conflist = (name: string, type: string): string => JSON.stringify({ cniVersion: '1.0.0', name, plugins: [{ type }] });
const conf = (name: string, type: string): string => JSON.stringify({ cniVersion: '1.0.0', name, type });

describe('findNetwork (libcni LoadConfList)', () => {
  test('the first .conflist in lexical order wins over a later one with the same name', () => {
    const files = [
      { name: '20-b.conflist', text: conflist('net', 'second') },
      { name: '10-a.conflist', text: conflist('net', 'first') },
    ];
    assert.equal(findNetwork(files, 'net')?.plugins[0]?.type, 'first');
  });

  test('a .conflist wins over a .conf that sorts before it', () => {
    const files = [
      { name: '00-a.conf', text: conf('net', 'from-conf') },
      { name: '99-z.conflist', text: conflist('net', 'from-conflist') },
    ];
    assert.equal(findNetwork(files, 'net')?.plugins[0]?.type, 'from-conflist');
  });

  test('.conf and .json single plugins are wrapped into a one-plugin list', () => {
    const files = [
      { name: '10-x.conflist', text: conflist('other', 'bridge') },
      { name: '20-y.json', text: conf('json-net', 'ptp') },
      { name: '30-z.conf', text: conf('conf-net', 'macvlan') },
    ];
    const j = findNetwork(files, 'json-net');
    assert.equal(j?.plugins.length, 1);
    assert.equal(j?.plugins[0]?.type, 'ptp');
    assert.equal(findNetwork(files, 'conf-net')?.plugins[0]?.type, 'macvlan');
  });

  test('other extensions are ignored', () => {
    const files = [{ name: 'net.conflist.bak', text: conflist('net', 'bridge') }, { name: 'README', text: 'x' }];
    assert.equal(findNetwork(files, 'net'), undefined);
  });

  test('no match is undefined', () => {
    assert.equal(findNetwork([{ name: 'a.conflist', text: conflist('a', 'bridge') }], 'b'), undefined);
  });

  test('a broken file met before the match stops the search and names the file and field', () => {
    const files = [
      { name: '05-broken.conflist', text: JSON.stringify({ cniVersion: '1.0.0', name: 'x', plugins: [{}] }) },
      { name: '10-ok.conflist', text: conflist('net', 'bridge') },
    ];
    assert.throws(() => findNetwork(files, 'net'), (e: unknown) => e instanceof CniError && e.code === ErrorCode.InvalidNetworkConfig && e.msg === '05-broken.conflist: plugins[0].type: required');
  });

  test('invalid JSON names the file with code 6', () => {
    assert.throws(() => findNetwork([{ name: 'bad.conf', text: '{' }], 'net'), (e: unknown) => e instanceof CniError && e.code === ErrorCode.DecodeFailure && e.msg.startsWith('bad.conf: '));
  });
});
