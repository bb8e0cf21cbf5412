import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { runSkel, MAX_STDIN_BYTES, type CmdArgs, type Plugin } from '../../../src/cni/skel.js';
import { CniError, ErrorCode } from '../../../src/cni/errors.js';
import { SUPPORTED_VERSIONS } from '../../../src/cni/version.js';
import type { CniResult } from '../../../src/cni/types.js';

/** A plugin fake that records the CmdArgs it was called with (pure interface fake). */
function recordingPlugin(overrides: Partial<Plugin> = {}): Plugin & { calls: Array<[string, CmdArgs]> } {
  const calls: Array<[string, CmdArgs]> = [];
  const result: CniResult = {
    cniVersion: '1.1.0',
    interfaces: [{ name: 'eth0', mac: '0a:58:0a:00:00:05', sandbox: '/run/netns/x' }],
    ips: [{ address: '10.0.0.5/24', gateway: '10.0.0.1', interface: 0 }],
  };
  return {
    calls,
    about: 'test plugin',
    add: async (c) => { calls.push(['add', c]); return result; },
    del: async (c) => { calls.push(['del', c]); },
    check: async (c) => { calls.push(['check', c]); },
    status: async (c) => { calls.push(['status', c]); },
    gc: async (c) => { calls.push(['gc', c]); },
    ...overrides,
  };
}

const baseEnv = { CNI_CONTAINERID: 'ctr-1', CNI_NETNS: '/run/netns/x', CNI_IFNAME: 'eth0', CNI_PATH: '/opt/cni/bin:/usr/lib/cni' };
const conf = (version: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ cniVersion: version, name: 'net1', type: 'test', ...extra });

async function run(env: Record<string, string | undefined>, stdin: string | Buffer, plugin: Plugin = recordingPlugin()): Promise<{ code: number; out: Record<string, unknown> | undefined; raw: string }> {
  let raw = '';
  const code = await runSkel({ env, stdin, stdout: (t) => { raw += t; } }, plugin);
  return { code, raw, out: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined };
}

describe('VERSION', () => {
  test('prints the current version and every supported version, without reading stdin', async () => {
    const r = await run({ CNI_COMMAND: 'VERSION' }, '');
    assert.equal(r.code, 0);
    assert.deepEqual(r.out, { cniVersion: '1.1.0', supportedVersions: [...SUPPORTED_VERSIONS] });
  });

  test('a plugin may narrow its versions', async () => {
    const r = await run({ CNI_COMMAND: 'VERSION' }, '', { ...recordingPlugin(), supportedVersions: ['1.0.0'] });
    assert.deepEqual(r.out?.supportedVersions, ['1.0.0']);
  });
});

describe('ADD prints the result in the config version', () => {
  for (const version of SUPPORTED_VERSIONS) {
    test(version, async () => {
      const plugin = recordingPlugin();
      const r = await run({ ...baseEnv, CNI_COMMAND: 'ADD', CNI_ARGS: 'IgnoreUnknown=1' }, conf(version), plugin);
      assert.equal(r.code, 0);
      assert.equal(r.out?.cniVersion, version);
      const ip = (r.out?.ips as Array<Record<string, unknown>>)[0];
      assert.equal(ip?.address, '10.0.0.5/24');
      assert.equal(ip?.version, version.startsWith('0.') ? '4' : undefined);
      const [verb, cmd] = plugin.calls[0] ?? [];
      assert.equal(verb, 'add');
      assert.equal(cmd?.containerId, 'ctr-1');
      assert.deepEqual(cmd?.path, ['/opt/cni/bin', '/usr/lib/cni']);
      assert.equal(cmd?.args, 'IgnoreUnknown=1');
      assert.equal(cmd?.config.name, 'net1');
    });
  }
});

describe('every verb reaches its handler', () => {
  for (const [verb, version] of [['DEL', '0.3.0'], ['CHECK', '0.4.0'], ['STATUS', '1.1.0'], ['GC', '1.1.0']] as const) {
    test(`${verb} at ${version}`, async () => {
      const plugin = recordingPlugin();
      const r = await run({ ...baseEnv, CNI_COMMAND: verb }, conf(version), plugin);
      assert.equal(r.code, 0);
      assert.equal(r.raw, '');
      assert.equal(plugin.calls[0]?.[0], verb.toLowerCase());
    });
  }

  test('DEL without CNI_NETNS is allowed (ctr sends it empty)', async () => {
    const plugin = recordingPlugin();
    const r = await run({ ...baseEnv, CNI_NETNS: '', CNI_COMMAND: 'DEL' }, conf('1.0.0'), plugin);
    assert.equal(r.code, 0);
    assert.equal(plugin.calls[0]?.[1].netns, '');
  });

  test('GC gets the valid attachments, under either key', async () => {
    const plugin = recordingPlugin();
    await run({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf('1.1.0', { 'cni.dev/valid-attachments': [{ containerID: 'a', ifname: 'eth0' }] }), plugin);
    await run({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf('1.1.0', { 'cni.dev/attachments': [{ containerID: 'b', ifname: 'eth1' }] }), plugin);
    assert.deepEqual(plugin.calls.map(([, c]) => c.config.validAttachments), [[{ containerID: 'a', ifname: 'eth0' }], [{ containerID: 'b', ifname: 'eth1' }]]);
  });

  test('prevResult of an older version is upconverted for the handler', async () => {
    const plugin = recordingPlugin();
    const prev = { cniVersion: '0.4.0', interfaces: [{ name: 'eth0' }], ips: [{ version: '4', interface: 0, address: '10.1.0.2/16' }] };
    await run({ ...baseEnv, CNI_COMMAND: 'CHECK' }, conf('0.4.0', { prevResult: prev }), plugin);
    assert.deepEqual(plugin.calls[0]?.[1].config.prevResult?.ips, [{ address: '10.1.0.2/16', interface: 0 }]);
  });

  test('Go-cased runtimeConfig reaches the handler in lowerCamel', async () => {
    const plugin = recordingPlugin();
    await run({ ...baseEnv, CNI_COMMAND: 'ADD' }, conf('1.0.0', { runtimeConfig: { bandwidth: { IngressRate: 5 } } }), plugin);
    assert.deepEqual(plugin.calls[0]?.[1].config.runtimeConfig, { bandwidth: { ingressRate: 5 } });
  });
});

/** Each case: env, stdin, expected code, expected message pattern, plugin not called. */
const errorCases: Array<[string, Record<string, string | undefined>, string | Buffer, number, RegExp]> = [
  ['CNI_COMMAND unset', { ...baseEnv }, conf('1.0.0'), ErrorCode.InvalidEnvironment, /^CNI_COMMAND: not set/],
  ['CNI_COMMAND unknown', { ...baseEnv, CNI_COMMAND: 'UPDATE' }, conf('1.0.0'), ErrorCode.InvalidEnvironment, /CNI_COMMAND: unknown command "UPDATE"/],
  ['CNI_CONTAINERID missing on ADD', { ...baseEnv, CNI_CONTAINERID: undefined, CNI_COMMAND: 'ADD' }, conf('1.0.0'), ErrorCode.InvalidEnvironment, /^CNI_CONTAINERID: required for ADD/],
  ['CNI_NETNS missing on ADD', { ...baseEnv, CNI_NETNS: undefined, CNI_COMMAND: 'ADD' }, conf('1.0.0'), ErrorCode.InvalidEnvironment, /^CNI_NETNS: required for ADD/],
  ['CNI_IFNAME missing on DEL', { ...baseEnv, CNI_IFNAME: '', CNI_COMMAND: 'DEL' }, conf('1.0.0'), ErrorCode.InvalidEnvironment, /^CNI_IFNAME: required for DEL/],
  ['CNI_PATH missing on CHECK', { ...baseEnv, CNI_PATH: undefined, CNI_COMMAND: 'CHECK' }, conf('1.0.0'), ErrorCode.InvalidEnvironment, /^CNI_PATH: required for CHECK/],
  ['ifname too long', { ...baseEnv, CNI_IFNAME: 'a-very-long-ifname0', CNI_COMMAND: 'ADD' }, conf('1.0.0'), ErrorCode.InvalidEnvironment, /^CNI_IFNAME: .* longer than 15/],
  ['ifname with a slash', { ...baseEnv, CNI_IFNAME: 'eth/0', CNI_COMMAND: 'ADD' }, conf('1.0.0'), ErrorCode.InvalidEnvironment, /^CNI_IFNAME:/],
  ['container id with bad characters', { ...baseEnv, CNI_CONTAINERID: '../etc', CNI_COMMAND: 'ADD' }, conf('1.0.0'), ErrorCode.InvalidEnvironment, /^CNI_CONTAINERID: .*invalid characters/],
  ['empty stdin', { ...baseEnv, CNI_COMMAND: 'ADD' }, '', ErrorCode.DecodeFailure, /^stdin: no network configuration/],
  ['malformed JSON', { ...baseEnv, CNI_COMMAND: 'ADD' }, '{"cniVersion": ', ErrorCode.DecodeFailure, /^stdin: not valid JSON/],
  ['JSON that is not an object', { ...baseEnv, CNI_COMMAND: 'ADD' }, '[1,2]', ErrorCode.DecodeFailure, /config must be a JSON object/],
  ['huge stdin', { ...baseEnv, CNI_COMMAND: 'ADD' }, Buffer.alloc(MAX_STDIN_BYTES + 1, 0x20), ErrorCode.DecodeFailure, /more than the \d+ accepted/],
  ['missing cniVersion', { ...baseEnv, CNI_COMMAND: 'ADD' }, JSON.stringify({ name: 'n', type: 't' }), ErrorCode.InvalidNetworkConfig, /^cniVersion: required/],
  ['unsupported cniVersion', { ...baseEnv, CNI_COMMAND: 'ADD' }, conf('0.2.0'), ErrorCode.IncompatibleVersion, /^cniVersion: unsupported version "0\.2\.0"/],
  ['name missing', { ...baseEnv, CNI_COMMAND: 'ADD' }, JSON.stringify({ cniVersion: '1.0.0', type: 't' }), ErrorCode.InvalidNetworkConfig, /^name: required/],
  ['name with a slash', { ...baseEnv, CNI_COMMAND: 'ADD' }, conf('1.0.0', { name: '../x' }), ErrorCode.InvalidNetworkConfig, /^name: /],
  ['type of the wrong type', { ...baseEnv, CNI_COMMAND: 'ADD' }, conf('1.0.0', { type: 5 }), ErrorCode.InvalidNetworkConfig, /^type: must be a string/],
  ['ipam not an object', { ...baseEnv, CNI_COMMAND: 'ADD' }, conf('1.0.0', { ipam: 'host-local' }), ErrorCode.InvalidNetworkConfig, /^ipam: must be an object/],
  ['dns.nameservers not a list', { ...baseEnv, CNI_COMMAND: 'ADD' }, conf('1.0.0', { dns: { nameservers: '1.1.1.1' } }), ErrorCode.InvalidNetworkConfig, /^dns\.nameservers/],
  ['runtimeConfig not an object', { ...baseEnv, CNI_COMMAND: 'ADD' }, conf('1.0.0', { runtimeConfig: [] }), ErrorCode.InvalidNetworkConfig, /^runtimeConfig: must be an object/],
  ['malformed prevResult', { ...baseEnv, CNI_COMMAND: 'CHECK' }, conf('1.0.0', { prevResult: { cniVersion: '1.0.0', ips: [{ address: 'nope' }] } }), ErrorCode.InvalidNetworkConfig, /^prevResult\.ips\[0\]\.address/],
  ['CHECK below 0.4.0', { ...baseEnv, CNI_COMMAND: 'CHECK' }, conf('0.3.1'), ErrorCode.IncompatibleVersion, /CHECK needs config version 0\.4\.0/],
  ['STATUS below 1.1.0', { ...baseEnv, CNI_COMMAND: 'STATUS' }, conf('1.0.0'), ErrorCode.IncompatibleVersion, /STATUS needs config version 1\.1\.0/],
  ['GC below 1.1.0', { ...baseEnv, CNI_COMMAND: 'GC' }, conf('0.4.0'), ErrorCode.IncompatibleVersion, /GC needs config version 1\.1\.0/],
  ['bad valid-attachments', { CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf('1.1.0', { 'cni.dev/valid-attachments': [{ containerID: 'a' }] }), ErrorCode.InvalidNetworkConfig, /valid-attachments\[0\]\.ifname/],
];

describe('errors: spec code, field named, handler not called', () => {
  for (const [name, env, stdin, code, msg] of errorCases) {
    test(name, async () => {
      const plugin = recordingPlugin();
      const r = await run(env, stdin, plugin);
      assert.equal(r.code, 1);
      assert.equal(r.out?.code, code, r.raw);
      assert.match(String(r.out?.msg), msg);
      assert.equal(plugin.calls.length, 0);
    });
  }

  test('errors carry the config version when it is known', async () => {
    const r = await run({ ...baseEnv, CNI_COMMAND: 'CHECK' }, conf('0.3.1'));
    assert.equal(r.out?.cniVersion, '0.3.1');
  });
});

describe('handler errors pass through with their codes', () => {
  const codes = [ErrorCode.UnsupportedField, ErrorCode.UnknownContainer, ErrorCode.IoFailure, ErrorCode.TryAgainLater,
    ErrorCode.PluginNotAvailable, ErrorCode.PluginNotAvailableLimited, ErrorCode.Internal, ErrorCode.IpamExhausted];
  for (const code of codes) {
    test(`code ${code}`, async () => {
      const plugin = recordingPlugin({ add: () => Promise.reject(new CniError(code, 'boom', 'why')) });
      const r = await run({ ...baseEnv, CNI_COMMAND: 'ADD' }, conf('1.1.0'), plugin);
      assert.equal(r.code, 1);
      assert.deepEqual(r.out, { cniVersion: '1.1.0', code, msg: 'boom', details: 'why' });
    });
  }

  test('a plain exception becomes 999 with its message in details', async () => {
    const plugin = recordingPlugin({ del: () => Promise.reject(new Error('kaput')) });
    const r = await run({ ...baseEnv, CNI_COMMAND: 'DEL' }, conf('1.0.0'), plugin);
    assert.deepEqual(r.out, { cniVersion: '1.0.0', code: 999, msg: 'internal error', details: 'kaput' });
  });

  test('an error with a cniCode (KernelError) keeps it', async () => {
    const err = Object.assign(new Error('setns: no such netns'), { cniCode: 104 });
    const r = await run({ ...baseEnv, CNI_COMMAND: 'ADD' }, conf('1.0.0'), recordingPlugin({ add: () => Promise.reject(err) }));
    assert.equal(r.out?.code, 104);
  });

  test('STATUS failure is reported with code 50', async () => {
    const plugin = recordingPlugin({ status: () => Promise.reject(new CniError(ErrorCode.PluginNotAvailable, 'all ranges exhausted')) });
    const r = await run({ CNI_COMMAND: 'STATUS', CNI_PATH: '/x' }, conf('1.1.0'), plugin);
    assert.equal(r.out?.code, 50);
  });
});
