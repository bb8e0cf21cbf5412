// podman 4 (CNI backend) on the plugin under test (E2E_PLUGIN, see
// conflists.ts), plus what a `podman run --rm` costs on that chain.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodmanHarness } from '../helpers/runtimes.js';
import { leasesIn } from './checks.js';
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
  },
});
