import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AgentConfigError, parseAgentArgs, parseAgentConfig, parseListen, type AgentArgs } from '../../../src/agent/config.js';

const BASE = { nodeName: 'node-1', clusterCIDR: '10.244.0.0/16', source: { type: 'file', dir: '/var/lib/podwire/cluster' } };

function args(argv: string[]): AgentArgs {
  const a = parseAgentArgs(argv);
  assert.notEqual(a, 'help');
  return a as AgentArgs;
}

test('defaults', () => {
  const c = parseAgentConfig(BASE);
  assert.equal(c.nodeName, 'node-1');
  assert.deepEqual([c.pool.cidr.prefix, c.pool.blockPrefix], [16, 24]);
  assert.equal(c.poolV6, undefined);
  assert.equal(c.backend, 'vxlan');
  assert.equal(c.underlayInterface, undefined);
  assert.equal(c.mtu, undefined);
  assert.equal(c.vni, 1);
  assert.equal(c.cniConfDir, '/etc/cni/net.d');
  assert.equal(c.cniBinDir, '/opt/cni/bin');
  assert.equal(c.stateDir, '/var/lib/podwire');
  assert.deepEqual(c.listen, { host: '127.0.0.1', port: 9153 });
  assert.equal(c.apiSocket, '/var/lib/podwire/agent.sock');
  assert.equal(c.resyncSeconds, 60);
  assert.deepEqual(c.source, { type: 'file', dir: '/var/lib/podwire/cluster' });
});

test('apiSocket follows stateDir unless set', () => {
  assert.equal(parseAgentConfig({ ...BASE, stateDir: '/run/pw' }).apiSocket, '/run/pw/agent.sock');
  assert.equal(parseAgentConfig({ ...BASE, stateDir: '/run/pw', apiSocket: '/run/x.sock' }).apiSocket, '/run/x.sock');
});

test('flags override the file, field by field', () => {
  const c = parseAgentConfig({ ...BASE, backend: 'vxlan', mtu: 1400 }, args(['--backend', 'routed', '--block-size', '26', '--listen', '[::1]:9999', '--source-dir', '/srv/c', '--underlay-interface', 'eth1']));
  assert.equal(c.backend, 'routed');
  assert.equal(c.mtu, 1400);
  assert.equal(c.pool.blockPrefix, 26);
  assert.deepEqual(c.listen, { host: '::1', port: 9999 });
  assert.deepEqual(c.source, { type: 'file', dir: '/srv/c' });
  assert.equal(c.underlayInterface, 'eth1');
});

test('flags alone are a complete config', () => {
  const c = parseAgentConfig(undefined, args(['--node-name', 'n1', '--cluster-cidr', '10.9.0.0/16', '--source-dir', '/c', '--cluster-cidr-v6', 'fd00:9::/48']));
  assert.equal(c.nodeName, 'n1');
  assert.equal(c.poolV6?.blockPrefix, 64);
});

test('--help and --config', () => {
  assert.equal(parseAgentArgs(['-h']), 'help');
  assert.equal(args(['--config', '/etc/podwire/agent.json']).configPath, '/etc/podwire/agent.json');
});

const BAD: Array<[string, unknown, string[], string, RegExp]> = [
  ['nodeName required', { ...BASE, nodeName: undefined }, [], 'nodeName', /required/],
  ['nodeName syntax', { ...BASE, nodeName: 'Node_1' }, [], 'nodeName', /not a valid Node name/],
  ['clusterCIDR required', { ...BASE, clusterCIDR: undefined }, [], 'clusterCIDR', /required/],
  ['clusterCIDR host bits', { ...BASE, clusterCIDR: '10.244.1.0/16' }, [], 'clusterCIDR', /host bits/],
  ['clusterCIDR not a CIDR', { ...BASE, clusterCIDR: 'banana' }, [], 'clusterCIDR', /not a CIDR/],
  ['clusterCIDR family', { ...BASE, clusterCIDR: 'fd00::/48' }, [], 'clusterCIDR', /IPv4/],
  ['clusterCIDRv6 family', { ...BASE, clusterCIDRv6: '10.1.0.0/16' }, [], 'clusterCIDRv6', /IPv6/],
  ['blockSize too small', { ...BASE, blockSize: 8 }, [], 'blockSize', /between 16 and 30/],
  ['blockSize type', { ...BASE, blockSize: '24' }, [], 'blockSize', /integer/],
  ['blockSize flag named', BASE, ['--block-size', '31'], '--block-size', /out of range|between/],
  ['flag not an integer', BASE, ['--mtu', '1.5k'], '--mtu', /not an integer/],
  ['backend', { ...BASE, backend: 'ipip' }, [], 'backend', /not one of/],
  ['backend flag named', BASE, ['--backend', 'geneve'], '--backend', /not one of/],
  ['mtu range', { ...BASE, mtu: 100 }, [], 'mtu', /out of range/],
  ['vni range', { ...BASE, vni: 0 }, [], 'vni', /out of range/],
  ['underlayInterface', { ...BASE, underlayInterface: 'eth0:1' }, [], 'underlayInterface', /interface name/],
  ['relative path', { ...BASE, stateDir: 'state' }, [], 'stateDir', /absolute/],
  ['source required', { ...BASE, source: undefined }, [], 'source', /required/],
  ['source kubernetes not yet', { ...BASE, source: { type: 'kubernetes' } }, [], 'source.type', /not implemented yet/],
  ['source type', { ...BASE, source: { type: 'etcd' } }, [], 'source.type', /not one of/],
  ['source dir', { ...BASE, source: { type: 'file' } }, [], 'source.dir', /absolute/],
  ['source unknown key', { ...BASE, source: { type: 'file', dir: '/x', poll: 1 } }, [], 'source.poll', /unknown/],
  ['listen syntax', { ...BASE, listen: 'localhost' }, [], 'listen', /host:port/],
  ['listen host', { ...BASE, listen: 'localhost:80' }, [], 'listen', /not an IP/],
  ['listen port', { ...BASE, listen: '127.0.0.1:70000' }, [], 'listen', /out of range/],
  ['unknown field', { ...BASE, clustercidr: '10.0.0.0/8' }, [], 'clustercidr', /unknown field/],
  ['not an object', [1], [], '<config>', /JSON object/],
  ['resyncSeconds', { ...BASE, resyncSeconds: 0 }, [], 'resyncSeconds', /out of range/],
  ['routed is IPv4 only', { ...BASE, backend: 'routed', clusterCIDRv6: 'fd00::/48' }, [], 'clusterCIDRv6', /routed backend carries IPv4 only/],
];

for (const [name, file, argv, field, problem] of BAD) {
  test(`refused: ${name}`, () => {
    assert.throws(() => parseAgentConfig(file, args(argv)), (err: unknown) => {
      assert.ok(err instanceof AgentConfigError, String(err));
      assert.equal(err.code, 'InvalidAgentConfig');
      assert.equal(err.field, field);
      assert.match(err.problem, problem);
      return true;
    });
  });
}

test('unknown flags are refused with the argv field', () => {
  assert.throws(() => parseAgentArgs(['--nodename', 'x']), (err: unknown) => err instanceof AgentConfigError && err.field === 'argv');
});

test('parseListen', () => {
  assert.deepEqual(parseListen('0.0.0.0:1'), { host: '0.0.0.0', port: 1 });
  assert.deepEqual(parseListen('[fd00::1]:9153'), { host: 'fd00::1', port: 9153 });
  assert.throws(() => parseListen('[10.0.0.1]:80'), /brackets/);
  assert.throws(() => parseListen('fd00::1:80'), /host:port/);
});
