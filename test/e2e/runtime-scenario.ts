// The end-to-end scenario every runtime runs on the plugin under test: two
// containers on one bridge network get addresses from the subnet, reach each
// other, the gateway and (masqueraded) a namespace beyond the host over TCP
// and ICMP, and once removed leave no veth, lease, firewall entry or runtime
// state behind. Tests in a suite run in order and share the two containers;
// the last one removes them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createNetns } from '../helpers/netns.js';
import type { CmdResult, E2eContainer, E2eNetwork, RuntimeHarness } from '../helpers/runtimes.js';
import { missingForRuntime } from '../helpers/runtimes.js';
import { firewallMentions, firewallText, leasesIn, vethsIn } from './checks.js';
import { E2E_PLUGIN, bridgeNetwork, missingPlugins } from './conflists.js';

export interface RuntimeSuite {
  runtime: 'podman' | 'ctr';
  /** Distinct per suite, so a leftover is attributable. */
  subnet: { prefix: string; bridge: string };
  start(network: E2eNetwork): Promise<RuntimeHarness>;
  /** Runtime-specific tests, run before the removal test. */
  extra?: (harness: () => RuntimeHarness, network: E2eNetwork) => void;
}

const TIMEOUT = { timeout: 120_000 };

function inSubnet(ip: string, prefix: string): boolean {
  return ip.startsWith(`${prefix}.`) && ip !== `${prefix}.0` && ip !== `${prefix}.255`;
}

/** Retries a TCP client until it reads the expected reply (the listener may still be starting). */
async function expectReply(client: () => Promise<CmdResult>, reply: string): Promise<void> {
  let last: CmdResult | undefined;
  for (let i = 0; i < 20; i++) {
    last = await client();
    if (last.stdout.includes(reply)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  assert.fail(`no "${reply}" after 20 tries; last exit ${String(last?.code)}: ${last?.stdout ?? ''}${last?.stderr ?? ''}`);
}

/** A busybox TCP responder in a namespace of ours; stop() kills it. */
function hostResponder(netnsPath: string, port: number, reply: string): { stop(): void } {
  const child = spawn('nsenter', [`--net=${netnsPath}`, 'busybox', 'nc', '-ll', '-p', String(port), '-e', 'busybox', 'echo', reply], { stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return { stop: () => { clearTimeout(timer); child.kill('SIGKILL'); } };
}

function ncTo(h: RuntimeHarness, from: string, ip: string, port: number): () => Promise<CmdResult> {
  return () => h.exec(from, ['sh', '-c', `echo hello | nc -w 3 ${ip} ${port}`]);
}

/**
 * A leak that is the reference plugin's, not the harness's: bridge returns
 * early from DEL when CNI_NETNS is empty (after IPAM DEL, before removing its
 * ipMasq rules), and an empty CNI_NETNS is what `ctr run --cni` sends.
 */
function knownFirewallLeak(runtime: RuntimeSuite['runtime']): string | undefined {
  return E2E_PLUGIN === 'reference' && runtime === 'ctr'
    ? 'reference bridge keeps its ipMasq rules when DEL has an empty CNI_NETNS (ctr sends one)'
    : undefined;
}

export function describeRuntimeE2e(suite: RuntimeSuite): void {
  const network = bridgeNetwork({ name: 'pwe-e2e', bridge: suite.subnet.bridge, subnet: `${suite.subnet.prefix}.0/24`, gateway: `${suite.subnet.prefix}.1` });
  const gateway = `${suite.subnet.prefix}.1`;
  const skip = missingForRuntime(suite.runtime) ?? missingPlugins();

  describe(`${suite.runtime} runs containers on the ${E2E_PLUGIN} plugin chain`, { skip: skip ?? false }, () => {
    let harness: RuntimeHarness | undefined;
    let a: E2eContainer;
    let b: E2eContainer;
    const h = (): RuntimeHarness => {
      assert.ok(harness, 'harness did not start');
      return harness;
    };

    before(async () => {
      harness = await suite.start(network);
      a = await harness.run('pwe-a');
      b = await harness.run('pwe-b');
    }, TIMEOUT);
    after(async () => {
      await harness?.close();
    }, TIMEOUT);

    test('both containers get distinct addresses from the subnet', () => {
      assert.ok(inSubnet(a.ip, suite.subnet.prefix), `${a.ip} not in ${suite.subnet.prefix}.0/24`);
      assert.ok(inSubnet(b.ip, suite.subnet.prefix), `${b.ip} not in ${suite.subnet.prefix}.0/24`);
      assert.notEqual(a.ip, b.ip);
      assert.notEqual(a.ip, gateway);
      assert.notEqual(b.ip, gateway);
    });

    test('TCP between the containers, both ways', TIMEOUT, async () => {
      await h().execDetached(a.name, ['nc', '-ll', '-p', '7000', '-e', 'echo', 'pong-a']);
      await h().execDetached(b.name, ['nc', '-ll', '-p', '7000', '-e', 'echo', 'pong-b']);
      await expectReply(ncTo(h(), b.name, a.ip, 7000), 'pong-a');
      await expectReply(ncTo(h(), a.name, b.ip, 7000), 'pong-b');
    });

    test('TCP from a container to the gateway in the host netns', TIMEOUT, async () => {
      const responder = hostResponder(h().hostNetns.path, 7001, 'pong-gw');
      try {
        await expectReply(ncTo(h(), a.name, gateway, 7001), 'pong-gw');
      } finally {
        responder.stop();
      }
    });

    test('ICMP between the containers and to the gateway', TIMEOUT, async () => {
      for (const [from, to] of [[a.name, b.ip], [b.name, a.ip], [a.name, gateway]] as const) {
        const r = await h().exec(from, ['ping', '-c', '1', '-W', '2', to]);
        assert.equal(r.code, 0, `ping ${from} -> ${to}: ${r.stdout}${r.stderr}`);
      }
    });

    test('egress beyond the host is masqueraded', TIMEOUT, async (t) => {
      // "outside" has a route only to the link between it and the host: a reply
      // reaches the container only if the host rewrote the source address.
      // Both ends are namespaces of ours with no uplink: nothing leaves them.
      // TEST-NET-2, as this machine's own uplink uses TEST-NET-1.
      const outside = createNetns('pwe');
      const link = `pweo${process.pid.toString(36)}`.slice(0, 15);
      const host = h().hostNetns;
      let responder: { stop(): void } | undefined;
      try {
        host.exec('ip', ['link', 'add', link, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', outside.name]);
        host.exec('ip', ['addr', 'add', '198.51.100.1/30', 'dev', link]);
        host.exec('ip', ['link', 'set', link, 'up']);
        outside.exec('ip', ['addr', 'add', '198.51.100.2/30', 'dev', 'eth0']);
        outside.exec('ip', ['link', 'set', 'eth0', 'up']);
        responder = hostResponder(outside.path, 7002, 'pong-outside');
        await expectReply(ncTo(h(), a.name, '198.51.100.2', 7002), 'pong-outside');
        t.diagnostic(`masquerade rules naming ${a.ip}: ${firewallMentions(firewallText(host), a.ip).length}`);
      } finally {
        responder?.stop();
        outside.remove();
      }
    });

    test('a start and remove cycle', TIMEOUT, async (t) => {
      const t0 = performance.now();
      const c = await h().run('pwe-c');
      const t1 = performance.now();
      await h().remove('pwe-c');
      const t2 = performance.now();
      t.diagnostic(`${suite.runtime}: start ${((t1 - t0) / 1000).toFixed(2)} s, remove ${((t2 - t1) / 1000).toFixed(2)} s`);
      assert.ok(inSubnet(c.ip, suite.subnet.prefix));
      assert.deepEqual(h().leftovers(c), []);
    });

    suite.extra?.(h, network);

    test('removal leaves no veth, lease or runtime state', TIMEOUT, async (t) => {
      const before = firewallText(h().hostNetns);
      t.diagnostic(`firewall lines naming the containers before removal: ${firewallMentions(before, a.ip).length + firewallMentions(before, b.ip).length}`);
      await h().remove(a.name);
      await h().remove(b.name);
      assert.deepEqual(vethsIn(h().hostNetns), [], 'veths left in the host netns');
      assert.deepEqual(leasesIn(h().ipamDataDir, network.name), [], 'leases left in the IPAM dataDir');
      assert.deepEqual([...h().leftovers(a), ...h().leftovers(b)], [], 'runtime state left');
    });

    test('removal leaves no firewall entry naming the containers', { ...TIMEOUT, todo: knownFirewallLeak(suite.runtime) ?? false }, () => {
      const text = firewallText(h().hostNetns);
      assert.deepEqual([...firewallMentions(text, a.ip), ...firewallMentions(text, b.ip)], [], 'firewall entries left');
    });
  });
}
