import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { pluginEnv } from '../../../src/core/conflist/plugin-env.js';
import {
  formatArgPairs,
  parseArgPairs,
  parseCapabilityArgs,
  parseValidAttachments,
  validateContainerId,
  validateIfname,
  validateNetworkName,
} from '../../../src/core/conflist/runtime-args.js';

function fails(fn: () => unknown, code: number, msg: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof CniError, String(e));
    assert.equal(e.code, code);
    assert.match(e.msg, msg);
    return true;
  });
}

describe('--args', () => {
  const cases: Array<[string, Array<[string, string]>]> = [
    ['', []],
    ['A=1', [['A', '1']]],
    ['IgnoreUnknown=1;K8S_POD_NAME=web-0', [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'web-0']]],
    ['MAC=a=b;;X=', [['MAC', 'a=b'], ['X', '']]],
  ];
  for (const [text, want] of cases) test(JSON.stringify(text), () => assert.deepEqual(parseArgPairs(text), want));
  test('round trip to CNI_ARGS', () => assert.equal(formatArgPairs(parseArgPairs('A=1;B=x=y')), 'A=1;B=x=y'));
  test('a pair without = is code 4 naming the option', () => fails(() => parseArgPairs('A=1;oops'), ErrorCode.InvalidEnvironment, /^--args: "oops" is not KEY=VALUE$/));
  test('an empty key is refused', () => fails(() => parseArgPairs('=v'), ErrorCode.InvalidEnvironment, /^--args:/));
});

describe('--capability-args', () => {
  test('an object passes through', () => assert.deepEqual(parseCapabilityArgs('{"portMappings":[{"hostPort":1}]}'), { portMappings: [{ hostPort: 1 }] }));
  test('not JSON is code 6', () => fails(() => parseCapabilityArgs('{portMappings'), ErrorCode.DecodeFailure, /^--capability-args: not valid JSON$/));
  test('a list is code 7', () => fails(() => parseCapabilityArgs('[]'), ErrorCode.InvalidNetworkConfig, /^--capability-args: must be a JSON object/));
});

describe('--valid-attachments', () => {
  test('a list of attachments', () => assert.deepEqual(parseValidAttachments('[{"containerID":"a","ifname":"eth0","extra":1}]'), [{ containerID: 'a', ifname: 'eth0' }]));
  test('not a list', () => fails(() => parseValidAttachments('{}'), ErrorCode.InvalidNetworkConfig, /^--valid-attachments: must be a JSON list/));
  test('entry without ifname names the entry', () => fails(() => parseValidAttachments('[{"containerID":"a","ifname":"e"},{"containerID":"b"}]'), ErrorCode.InvalidNetworkConfig, /^--valid-attachments\[1\]\.ifname: must be a non-empty string$/));
});

describe('identifier checks (libcni pkg/utils)', () => {
  const ok: Array<[string, () => void]> = [
    ['container ID', () => validateContainerId('podwirectl-0a1b_c.d-e')],
    ['network name', () => validateNetworkName('pwr-net.1_a')],
    ['ifname of 15 bytes', () => validateIfname('eth0123456789ab')],
  ];
  for (const [name, fn] of ok) test(`accepts ${name}`, () => assert.doesNotThrow(fn));

  const bad: Array<[string, () => void, number, RegExp]> = [
    ['empty container ID', () => validateContainerId(''), ErrorCode.UnknownContainer, /^container ID: missing$/],
    ['container ID with a slash', () => validateContainerId('../etc'), ErrorCode.InvalidEnvironment, /^container ID: invalid characters/],
    ['network name with a slash', () => validateNetworkName('a/b'), ErrorCode.InvalidNetworkConfig, /^name: invalid characters/],
    ['network name starting with a dot', () => validateNetworkName('.hidden'), ErrorCode.InvalidNetworkConfig, /^name:/],
    ['empty ifname', () => validateIfname(''), ErrorCode.InvalidEnvironment, /^interface name: empty$/],
    ['ifname of 16 bytes', () => validateIfname('eth0123456789abc'), ErrorCode.InvalidEnvironment, /longer than 15 bytes/],
    ['ifname ..', () => validateIfname('..'), ErrorCode.InvalidEnvironment, /must not be \. or \.\./],
    ['ifname with a colon', () => validateIfname('eth0:1'), ErrorCode.InvalidEnvironment, /contains \/ or : or whitespace/],
    ['ifname with a space', () => validateIfname('eth 0'), ErrorCode.InvalidEnvironment, /contains \/ or : or whitespace/],
  ];
  for (const [name, fn, code, msg] of bad) test(`refuses ${name}`, () => fails(fn, code, msg));
});

describe('pluginEnv', () => {
  test('the six CNI_* variables libcni sets, always, and PATH; nothing else', () => {
    const env = pluginEnv({ command: 'GC', containerId: '', netns: '', ifname: '', args: [], binDirs: ['/a', '/b'], path: '/usr/bin' });
    assert.deepEqual(env, { CNI_COMMAND: 'GC', CNI_CONTAINERID: '', CNI_NETNS: '', CNI_ARGS: '', CNI_IFNAME: '', CNI_PATH: '/a:/b', PATH: '/usr/bin' });
  });

  test('CNI_ARGS joined in order', () => {
    const env = pluginEnv({ command: 'ADD', containerId: 'c', netns: '/n', ifname: 'eth0', args: [['B', '2'], ['A', '1']], binDirs: ['/a'], path: '/bin' });
    assert.equal(env.CNI_ARGS, 'B=2;A=1');
    assert.equal(env.CNI_CONTAINERID, 'c');
  });
});
