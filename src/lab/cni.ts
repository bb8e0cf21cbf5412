// The lab's window on the conflist runner (src/cli/cni), plus the lookup DEL
// needs: the network from the conf dir, or else the config libcni's cache
// kept at ADD time (undefined when neither exists: nothing to tear down).
import { findNetwork } from '../core/conflist/select-network.js';
import { parseConfList, readConfDir, type CacheKey, type CniRunner, type ConfList } from '../cli/cni/index.js';

export { createCniRunner, loadNetwork, type CniRunner, type ConfList } from '../cli/cni/index.js';

export function findNetworkOrCached(confDir: string, runner: CniRunner, key: CacheKey): ConfList | undefined {
  const list = findNetwork(readConfDir(confDir), key.network);
  if (list !== undefined) return list;
  let cached;
  try {
    cached = runner.deps.cache.read(key);
  } catch {
    cached = undefined;
  }
  return cached !== undefined && cached.config !== '' ? parseConfList(cached.config) : undefined;
}
