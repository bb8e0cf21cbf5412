import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGcConfig, buildPluginConfig, buildStatusConfig, invocationOrder, runtimeConfigFor } from '../../../src/core/conflist/build-plugin-config.js';
import { parseConfList } from '../../../src/core/conflist/parse-conflist.js';
import type { PluginConf } from '../../../src/core/conflist/types.js';

function plugin(raw: Record<string, unknown>): PluginConf {
  const p = parseConfList(JSON.stringify({ cniVersion: '1.0.0', name: 'n', plugins: [raw] })).plugins[0];
  assert.ok(p);
  return p;
}

const capabilityArgs = {
  portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }],
  bandwidth: { ingressRate: 1000 },
  mac: 'c2:11:22:33:44:55',
};

describe('runtimeConfig injection (libcni injectRuntimeConfig)', () => {
  const cases: Array<{ name: string; raw: Record<string, unknown>; want: Record<string, unknown> | undefined }> = [
    { name: 'no capabilities declared: nothing injected', raw: { type: 'bridge' }, want: undefined },
    { name: 'declared and given: injected', raw: { type: 'portmap', capabilities: { portMappings: true } }, want: { portMappings: capabilityArgs.portMappings } },
    { name: 'declared false: not injected', raw: { type: 'portmap', capabilities: { portMappings: false } }, want: undefined },
    { name: 'declared but not given: not injected', raw: { type: 'x', capabilities: { ips: true } }, want: undefined },
    {
      name: 'only the declared subset of what was given',
      raw: { type: 'multi', capabilities: { bandwidth: true, mac: true, dns: true } },
      want: { bandwidth: capabilityArgs.bandwidth, mac: capabilityArgs.mac },
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.deepEqual(runtimeConfigFor(plugin(c.raw), capabilityArgs), c.want);
      const built = buildPluginConfig(plugin(c.raw), { name: 'net', cniVersion: '1.0.0', capabilityArgs });
      assert.deepEqual(built.runtimeConfig, c.want);
    });
  }

  test('an injected runtimeConfig replaces one written in the file (InjectConf sets the key)', () => {
    const p = plugin({ type: 'portmap', capabilities: { portMappings: true }, runtimeConfig: { portMappings: [], other: 1 } });
    assert.deepEqual(buildPluginConfig(p, { name: 'n', cniVersion: '1.0.0', capabilityArgs }).runtimeConfig, { portMappings: capabilityArgs.portMappings });
  });

  test('a runtimeConfig written in the file stays when nothing is injected', () => {
    const p = plugin({ type: 'portmap', capabilities: { portMappings: true }, runtimeConfig: { other: 1 } });
    assert.deepEqual(buildPluginConfig(p, { name: 'n', cniVersion: '1.0.0', capabilityArgs: {} }).runtimeConfig, { other: 1 });
  });
});

describe('buildPluginConfig (libcni buildOneConfig)', () => {
  const raw = { type: 'bridge', name: 'ignored', cniVersion: '0.3.1', bridge: 'pwr0' };
  const prevResult = { cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }], dns: {} };

  test('name and negotiated version override what the plugin object says', () => {
    const out = buildPluginConfig(plugin(raw), { name: 'net', cniVersion: '1.1.0', capabilityArgs: {} });
    assert.equal(out.name, 'net');
    assert.equal(out.cniVersion, '1.1.0');
    assert.equal(out.bridge, 'pwr0');
    assert.equal('prevResult' in out, false);
  });

  test('prevResult injected when given', () => {
    const out = buildPluginConfig(plugin(raw), { name: 'net', cniVersion: '1.0.0', prevResult, capabilityArgs: {} });
    assert.deepEqual(out.prevResult, prevResult);
  });

  test('the parsed plugin is not mutated', () => {
    const p = plugin(raw);
    buildPluginConfig(p, { name: 'net', cniVersion: '1.0.0', prevResult, capabilityArgs });
    assert.deepEqual(p.raw, raw);
  });

  test('GC gets name, version and the valid attachments, never prevResult or runtimeConfig', () => {
    const p = plugin({ type: 'portmap', capabilities: { portMappings: true } });
    const out = buildGcConfig(p, 'net', '1.1.0', [{ containerID: 'c1', ifname: 'eth0' }]);
    assert.deepEqual(out, { type: 'portmap', capabilities: { portMappings: true }, name: 'net', cniVersion: '1.1.0', 'cni.dev/valid-attachments': [{ containerID: 'c1', ifname: 'eth0' }] });
  });

  test('STATUS gets name and version only', () => {
    assert.deepEqual(buildStatusConfig(plugin({ type: 'bridge' }), 'net', '1.1.0'), { type: 'bridge', name: 'net', cniVersion: '1.1.0' });
  });
});

describe('invocationOrder', () => {
  const cases: Array<[Parameters<typeof invocationOrder>[0], number, number[]]> = [
    ['ADD', 3, [0, 1, 2]],
    ['CHECK', 3, [0, 1, 2]],
    ['DEL', 3, [2, 1, 0]],
    ['GC', 2, [0, 1]],
    ['STATUS', 2, [0, 1]],
    ['DEL', 1, [0]],
  ];
  for (const [command, n, want] of cases) test(`${command} x${n}`, () => assert.deepEqual(invocationOrder(command, n), want));
});
