// The runner as a library, for the lab and tests that want it in-process:
//   const runner = createCniRunner({ binDirs, cacheDir });
//   const list = loadNetwork(confDir, 'pwr-net');   // or parseConfList(text)
//   const result = await runner.add(list, { containerId, netns, ifname: 'eth0' });
//   await runner.del(list, { containerId, netns, ifname: 'eth0' });
export { createCniRunner, type RunnerOptions } from './create-runner.js';
export { CniRunner, type Attachment, type CheckOutcome, type DelOutcome, type RunnerDeps } from './runner.js';
export type { GcOutcome, StatusOutcome } from './gc-status.js';
export { loadNetwork, readConfDir } from './conf-dir.js';
export { DiskResultCache, type CacheKey, type ResultCache } from './result-cache.js';
export { ProcessPluginExecutor, type PluginExecutor } from './plugin-executor.js';
export { parseConfList, parseSingleConf } from '../../core/conflist/parse-conflist.js';
export { PluginError, explainError } from '../../core/conflist/plugin-output.js';
export type { ConfList, GcAttachment, PluginConf } from '../../core/conflist/types.js';
