// containerd's `ctr run --cni` on the plugin under test (E2E_PLUGIN, see
// conflists.ts): ADD from `ctr run`, DEL (with an empty CNI_NETNS)
// when the task it waits on exits.
import { CtrHarness } from '../helpers/runtimes.js';
import { describeRuntimeE2e } from './runtime-scenario.js';

describeRuntimeE2e({
  runtime: 'ctr',
  subnet: { prefix: '10.240.2', bridge: 'pwebr-ctr' },
  start: (network) => CtrHarness.start(network),
});
