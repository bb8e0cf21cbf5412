// runtimeConfig goes only to plugins that declare the capability (libcni
// injectRuntimeConfig), prevResult flows down the chain and back up on DEL,
// and plugins see a controlled environment. The real portmap runs behind a
// recording wrapper so we can see exactly what it was given; the recorders
// after it stand in for plugins with and without capabilities.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createNetns, type TestNetns } from '../../helpers/netns.js';
import { clearCalls, dirArgs, makeDirs, PODWIRECTL, readCalls, REF_BIN, runCtl, writeConf, writeRecorder, type Dirs } from './runner-fixtures.js';

const NETWORK = 'pwr-caps';
const CID = 'pwr-caps-ctr';
const HOST_PORT = 18080;
const capabilityArgs = {
  portMappings: [{ hostPort: HOST_PORT, containerPort: 80, protocol: 'tcp' }],
  bandwidth: { ingressRate: 1000000, ingressBurst: 10000 },
  aliases: { [NETWORK]: ['web'] },
};

describe('podwirectl cni: capability injection and chaining', { skip: !existsSync(join(REF_BIN, 'portmap')) && 'reference plugins not installed' }, () => {
  let dirs: Dirs;
  let host: TestNetns | undefined;
  let ctr: TestNetns | undefined;
  const ctl = (verb: string, ...extra: string[]) =>
    runCtl(['cni', verb, NETWORK, ctr?.path ?? '', '--container-id', CID, ...dirArgs(dirs, dirs.bin, REF_BIN), ...extra], {
      hostNetns: host?.path ?? '',
      // Must not reach the plugins.
      env: { PWR_LEAK_CANARY: '1', NODE_OPTIONS: '--no-warnings' },
    });
  const dnatRules = (): string => host?.exec('iptables', ['-w', '-t', 'nat', '-S']) ?? '';

  before(() => {
    assert.ok(existsSync(PODWIRECTL), `${PODWIRECTL} missing: run npm run build`);
    dirs = makeDirs();
    host = createNetns('pwr');
    ctr = createNetns('pwr');
    // bin dir order: the wrapper named "portmap" shadows the real one, as a runtime's CNI_PATH would.
    writeRecorder(dirs, 'portmap', join(REF_BIN, 'portmap'));
    writeRecorder(dirs, 'rec-nocap');
    writeRecorder(dirs, 'rec-bw');
    writeConf(dirs, '10-pwr-caps.conflist', {
      cniVersion: '1.0.0',
      name: NETWORK,
      plugins: [
        { type: 'bridge', bridge: `pwrc${process.pid.toString(36)}`.slice(0, 15), isGateway: true, ipMasq: false, ipam: { type: 'host-local', dataDir: join(dirs.data, 'leases'), ranges: [[{ subnet: '10.213.8.0/24' }]] } },
        { type: 'portmap', capabilities: { portMappings: true }, snat: false },
        { type: 'rec-nocap' },
        { type: 'rec-bw', capabilities: { bandwidth: true, portMappings: false } },
      ],
    });
  });

  after(() => {
    ctr?.remove();
    host?.remove();
    rmSync(dirs.root, { recursive: true, force: true });
  });

  test('add: each plugin gets exactly the capability arguments it declared', () => {
    const r = ctl('add', '--capability-args', JSON.stringify(capabilityArgs));
    assert.equal(r.status, 0, r.stderr);
    const calls = readCalls(dirs);
    assert.deepEqual(calls.map((c) => [c.type, c.command]), [['portmap', 'ADD'], ['rec-nocap', 'ADD'], ['rec-bw', 'ADD']]);
    const [portmap, nocap, bw] = calls;
    assert.deepEqual(portmap?.config.runtimeConfig, { portMappings: capabilityArgs.portMappings });
    assert.equal('runtimeConfig' in (nocap?.config ?? {}), false);
    assert.deepEqual(bw?.config.runtimeConfig, { bandwidth: capabilityArgs.bandwidth });
    // libcni buildOneConfig: the list's name and version in every plugin config.
    for (const c of calls) assert.deepEqual([c.config.name, c.config.cniVersion], [NETWORK, '1.0.0']);
    // The real portmap acted on what it got: a DNAT for the host port in the host netns.
    assert.match(dnatRules(), new RegExp(`--dport ${HOST_PORT}\\b`));
  });

  test('add: prevResult flows down the chain and the last result is what add prints', () => {
    const calls = readCalls(dirs);
    const bridgeResult = calls[0]?.config.prevResult as { ips: Array<{ address: string }> };
    assert.ok(bridgeResult.ips[0]?.address.startsWith('10.213.8.'));
    // portmap passes its prevResult on; the recorders echo theirs.
    assert.deepEqual(calls[1]?.config.prevResult, bridgeResult);
    assert.deepEqual(calls[2]?.config.prevResult, bridgeResult);
  });

  test('plugins see CNI_* and PATH only', () => {
    for (const c of readCalls(dirs)) {
      assert.deepEqual(Object.keys(c.env).sort(), ['CNI_ARGS', 'CNI_COMMAND', 'CNI_CONTAINERID', 'CNI_IFNAME', 'CNI_NETNS', 'CNI_PATH', 'PATH']);
      assert.equal(c.env.CNI_PATH, `${dirs.bin}:${REF_BIN}`);
      assert.equal(c.env.CNI_CONTAINERID, CID);
      assert.equal(c.env.CNI_NETNS, ctr?.path);
    }
  });

  test('del: reverse order, cached result and cached capability arguments', () => {
    clearCalls(dirs);
    const r = ctl('del');
    assert.equal(r.status, 0, r.stderr);
    const calls = readCalls(dirs);
    assert.deepEqual(calls.map((c) => [c.type, c.command]), [['rec-bw', 'DEL'], ['rec-nocap', 'DEL'], ['portmap', 'DEL']]);
    for (const c of calls) assert.ok((c.config.prevResult as { ips?: unknown[] } | undefined)?.ips?.length, `${c.type} got no prevResult`);
    assert.deepEqual(calls[2]?.config.runtimeConfig, { portMappings: capabilityArgs.portMappings });
    assert.deepEqual(calls[0]?.config.runtimeConfig, { bandwidth: capabilityArgs.bandwidth });
    assert.doesNotMatch(dnatRules(), new RegExp(`--dport ${HOST_PORT}\\b`));
  });
});
