// podman 4 (CNI backend) on the plugin under test (E2E_PLUGIN, see
// conflists.ts), plus what a `podman run --rm` costs on that chain.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { startServeCni } from '../../src/cli/cni/serve-cni-process.js';
import { DIST_BIN } from '../helpers/plugin.js';
import { PodmanHarness } from '../helpers/runtimes.js';
import { leasesIn } from './checks.js';
import { E2E_PLUGIN, bridgeNetwork } from './conflists.js';
import { describeRuntimeE2e } from './runtime-scenario.js';

describeRuntimeE2e({
  runtime: 'podman',
  subnet: { prefix: '10.240.1', bridge: 'pwebr-podman' },
  start: (network) => PodmanHarness.start(network),
  extra: (harness, network) => {
    test('podman run --rm: time on the chain and with --network none', { timeout: 120_000 }, async (t) => {
      const h = harness();
      assert.ok(h instanceof PodmanHarness);
      const leasesBefore = leasesIn(h.ipamDataDir, network.name).length;
      const time = async (flags: string[]): Promise<string> => {
        const t0 = performance.now();
        await h.podman(['run', '--rm', ...flags, h.image.ref, 'true'], 60_000);
        return ((performance.now() - t0) / 1000).toFixed(2);
      };
      const onChain: string[] = [];
      for (let i = 0; i < 3; i++) onChain.push(await time(h.runFlags()));
      const none: string[] = [];
      for (let i = 0; i < 3; i++) none.push(await time([...h.baseFlags(), '--network', 'none']));
      t.diagnostic(`podman run --rm on ${network.name}: ${onChain.join(', ')} s; --network none: ${none.join(', ')} s`);
      assert.equal(leasesIn(h.ipamDataDir, network.name).length, leasesBefore, 'podman run --rm leaked a lease');
    });

    // The executable forwarding to the CNI service (docs/cni-service.md), which runs in podman's network and
    // mount namespaces, as the agent does on a node. Its own count proves podman's calls went through it.
    test('podman run --rm on a network whose plugin is answered by the CNI service', { timeout: 120_000, skip: E2E_PLUGIN !== 'podwire' }, async (t) => {
      const h = harness();
      assert.ok(h instanceof PodmanHarness);
      const service = await startServeCni(DIST_BIN, h.hostNetns.path, join(h.tempDir, 'cni.sock'));
      try {
        const viaService = bridgeNetwork({ name: 'pwe-svc', bridge: 'pwebr-psvc', subnet: '10.240.3.0/24', gateway: '10.240.3.1', mainExtra: { serviceSocket: service.socketPath } });
        h.addNetwork(viaService);
        const times: string[] = [];
        for (let i = 0; i < 3; i++) {
          const t0 = performance.now();
          const r = await h.podman(['run', '--rm', ...h.baseFlags(), '--network', viaService.name, h.image.ref, 'sh', '-c', 'ip -4 -o addr show eth0'], 60_000);
          times.push(((performance.now() - t0) / 1000).toFixed(2));
          assert.match(r.stdout, /inet 10\.240\.3\.\d+\/24/, 'the container got an address of the service network');
        }
        t.diagnostic(`podman run --rm through the CNI service: ${times.join(', ')} s`);
        assert.equal(leasesIn(h.ipamDataDir, viaService.name).length, 0, 'every lease released');
      } finally {
        const counts = await service.stop();
        // podman's ADD and DEL per run, at least; nothing refused (same namespaces).
        assert.ok(counts.served >= 6, `served ${counts.served}`);
        assert.equal(counts.refused, 0);
      }
    });
  },
});
