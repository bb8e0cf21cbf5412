import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  buildRequest, namespaceMismatch, parseRequest, parseResponse, serviceSocketOf, ServiceProtocolError,
} from '../../../src/cni/service-protocol.js';

const ns = { net: '4:4026531840', mnt: '4:4026531841' };

test('a request carries only the CNI_* variables, stdin and the namespaces, and parses back', () => {
  const req = buildRequest({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0', HOME: '/root', NODE_OPTIONS: '--x' }, '{"a":1}', ns);
  assert.deepEqual(req, { v: 1, env: { CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_IFNAME: 'eth0' }, stdin: '{"a":1}', ns });
  assert.deepEqual(parseRequest(JSON.stringify(req)), req);
});

test('malformed requests are refused with what is wrong', () => {
  assert.throws(() => parseRequest('nope'), /request: not JSON/);
  assert.throws(() => parseRequest('[]'), /request: not a JSON object/);
  assert.throws(() => parseRequest(JSON.stringify({ v: 2, env: {}, stdin: '', ns })), /protocol version 2, expected 1/);
  assert.throws(() => parseRequest(JSON.stringify({ v: 1, env: { CNI_COMMAND: 3 }, stdin: '', ns })), /env\.CNI_COMMAND must be a string/);
  assert.throws(() => parseRequest(JSON.stringify({ v: 1, env: {}, stdin: 1, ns })), /stdin must be a string/);
  assert.throws(() => parseRequest(JSON.stringify({ v: 1, env: {}, stdin: '', ns: { net: 'x' } })), ServiceProtocolError);
  // Unknown variables are dropped, not passed on to the skel.
  assert.deepEqual(parseRequest(JSON.stringify({ v: 1, env: { LD_PRELOAD: '/x.so' }, stdin: '', ns })).env, {});
});

test('responses: an answer or a refusal', () => {
  assert.deepEqual(parseResponse('{"v":1,"exitCode":1,"stdout":"{}"}'), { v: 1, exitCode: 1, stdout: '{}' });
  assert.deepEqual(parseResponse('{"v":1,"refused":"shutting down"}'), { v: 1, refused: 'shutting down' });
  assert.throws(() => parseResponse('{"v":1,"exitCode":"0","stdout":""}'), /integer exitCode/);
  assert.throws(() => parseResponse('{"v":1,"exitCode":0.5,"stdout":""}'), /integer exitCode/);
});

test('a caller is served only in the service\'s own network and mount namespaces', () => {
  assert.equal(namespaceMismatch(ns, ns), undefined);
  assert.match(namespaceMismatch({ ...ns, net: '4:1' }, ns) ?? '', /another network namespace/);
  assert.match(namespaceMismatch({ ...ns, mnt: '4:1' }, ns) ?? '', /another mount namespace/);
});

test('serviceSocketOf reads an absolute path and ignores everything else (the full parse names bad values)', () => {
  assert.equal(serviceSocketOf('{"serviceSocket":"/run/podwire/cni.sock"}'), '/run/podwire/cni.sock');
  assert.equal(serviceSocketOf('{"serviceSocket":"cni.sock"}'), undefined);
  assert.equal(serviceSocketOf('{"serviceSocket":42}'), undefined);
  assert.equal(serviceSocketOf('{}'), undefined);
  assert.equal(serviceSocketOf('not json'), undefined);
});
