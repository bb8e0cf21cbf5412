import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { cacheFileName, encodeCacheRecord, parseCacheRecord } from '../../../src/core/conflist/cache-record.js';

const config = '{"cniVersion":"1.0.0","name":"net","plugins":[{"type":"bridge"}]}';

describe('encodeCacheRecord: libcni cachedInfo bytes', () => {
  test('field order, base64 config, sorted result keys, as Go writes them', () => {
    const text = encodeCacheRecord({
      containerId: 'c1',
      ifName: 'eth0',
      networkName: 'net',
      config,
      netns: '/run/netns/x',
      cniArgs: [['K8S_POD_NAME', 'web'], ['IgnoreUnknown', '1']],
      capabilityArgs: { portMappings: [{ hostPort: 80, containerPort: 8080 }] },
      result: { cniVersion: '1.0.0', ips: [{ interface: 0, address: '10.0.0.2/24' }], interfaces: [{ name: 'eth0' }], dns: {} },
    });
    const b64 = Buffer.from(config).toString('base64');
    assert.equal(
      text,
      `{"kind":"cniCacheV1","containerId":"c1","config":"${b64}","ifName":"eth0","networkName":"net","netns":"/run/netns/x",` +
        '"cniArgs":[["K8S_POD_NAME","web"],["IgnoreUnknown","1"]],"capabilityArgs":{"portMappings":[{"containerPort":8080,"hostPort":80}]},' +
        '"result":{"cniVersion":"1.0.0","dns":{},"interfaces":[{"name":"eth0"}],"ips":[{"address":"10.0.0.2/24","interface":0}]}}',
    );
  });

  test('omitempty: empty netns, cniArgs, capabilityArgs and result are left out', () => {
    const text = encodeCacheRecord({ containerId: 'c1', ifName: 'eth0', networkName: 'net', config: '', netns: '', cniArgs: [], capabilityArgs: {}, result: {} });
    assert.equal(text, '{"kind":"cniCacheV1","containerId":"c1","config":"","ifName":"eth0","networkName":"net"}');
  });

  test('round trip', () => {
    const rec = { containerId: 'c1', ifName: 'eth0', networkName: 'net', config, netns: '/run/netns/x', cniArgs: [['A', 'b=c']] as Array<[string, string]>, capabilityArgs: { mac: 'x' }, result: { cniVersion: '1.0.0' } };
    assert.deepEqual(parseCacheRecord(encodeCacheRecord(rec)), rec);
  });

  test('file name is <network>-<containerID>-<ifname>', () => {
    assert.equal(cacheFileName('net', 'abc', 'eth0'), 'net-abc-eth0');
  });
});

describe('parseCacheRecord: what libcni itself wrote', () => {
  test('a record as written by libcni (containerd) parses', () => {
    const goWritten = '{"kind":"cniCacheV1","containerId":"k8s-abc","config":"eyJhIjoxfQ==","ifName":"eth0","networkName":"cbr0","netns":"/var/run/netns/cni-1","cniArgs":[["IgnoreUnknown","1"],["K8S_POD_NAMESPACE","default"]],"result":{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.88.0.5/16","gateway":"10.88.0.1","interface":2}]}}';
    const rec = parseCacheRecord(goWritten);
    assert.equal(rec.config, '{"a":1}');
    assert.equal(rec.containerId, 'k8s-abc');
    assert.equal(rec.networkName, 'cbr0');
    assert.deepEqual(rec.cniArgs, [['IgnoreUnknown', '1'], ['K8S_POD_NAMESPACE', 'default']]);
    assert.equal(rec.capabilityArgs, undefined);
    assert.equal((rec.result as { cniVersion: string }).cniVersion, '0.4.0');
  });

  const bad: Array<[string, string, RegExp]> = [
    ['not JSON', '{', /^cache record: not valid JSON/],
    ['another kind (legacy bare result)', '{"cniVersion":"0.3.1","ips":[]}', /^cache record: kind is undefined, not "cniCacheV1"$/],
    ['missing ifName', '{"kind":"cniCacheV1","containerId":"c","networkName":"n"}', /^cache record: ifName missing$/],
    ['bad cniArgs', '{"kind":"cniCacheV1","containerId":"c","ifName":"e","networkName":"n","cniArgs":[["a"]]}', /^cache record: cniArgs\[0\] must be a \[key, value\] pair$/],
    ['result not an object', '{"kind":"cniCacheV1","containerId":"c","ifName":"e","networkName":"n","result":[]}', /^cache record: result must be an object$/],
  ];
  for (const [name, text, msg] of bad) {
    test(`refuses ${name} with code 6`, () => {
      assert.throws(() => parseCacheRecord(text), (e: unknown) => e instanceof CniError && e.code === ErrorCode.DecodeFailure && msg.test(e.msg));
    });
  }
});
