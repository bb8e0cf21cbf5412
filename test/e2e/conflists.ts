// The one switch for what the runtime e2e suites exercise:
//   E2E_PLUGIN=reference            Debian's reference plugins in /usr/lib/cni
//   E2E_PLUGIN=podwire (default)    our built plugins in dist/bin
// Both chains are the same conflist with a different `type` for the main and
// IPAM plugins (podwire's config follows the reference bridge's field names);
// portmap stays the reference one. Loopback is not in the chain: podman and
// runc bring `lo` up themselves (shared/RUNTIMES.md).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { E2eNetwork } from '../helpers/runtimes.js';

export type E2ePluginId = 'reference' | 'podwire';

const REF_BIN = '/usr/lib/cni';
const DIST_BIN = resolve('dist/bin');

const CHAINS: Record<E2ePluginId, { main: string; ipam: string; dir: string }> = {
  reference: { main: 'bridge', ipam: 'host-local', dir: REF_BIN },
  podwire: { main: 'podwire', ipam: 'podwire-ipam', dir: DIST_BIN },
};

export function parsePluginId(raw: string | undefined): E2ePluginId {
  if (raw === undefined || raw === '') return 'podwire';
  if (raw === 'reference' || raw === 'podwire') return raw;
  throw new Error(`E2E_PLUGIN: "${raw}" is not one of reference, podwire`);
}

export const E2E_PLUGIN: E2ePluginId = parsePluginId(process.env.E2E_PLUGIN);

export interface BridgeNetworkParams {
  name: string; bridge: string; subnet: string; gateway: string;
  /** More fields of the main plugin's config (e.g. podwire's serviceSocket). */
  mainExtra?: Record<string, unknown>;
}

/** A bridge network on the plugin under test, with masquerade and a private IPAM dataDir. */
export function bridgeNetwork(p: BridgeNetworkParams, plugin: E2ePluginId = E2E_PLUGIN): E2eNetwork {
  const chain = CHAINS[plugin];
  return {
    name: p.name,
    pluginDirs: plugin === 'reference' ? [] : [chain.dir],
    conflist: (dataDir) => ({
      cniVersion: '1.0.0',
      name: p.name,
      plugins: [
        {
          type: chain.main,
          bridge: p.bridge,
          isGateway: true,
          ipMasq: true,
          hairpinMode: true,
          ipam: { type: chain.ipam, ranges: [[{ subnet: p.subnet, gateway: p.gateway }]], routes: [{ dst: '0.0.0.0/0' }], dataDir },
          ...p.mainExtra,
        },
        { type: 'portmap', capabilities: { portMappings: true } },
      ],
    }),
  };
}

/** Why the plugin under test cannot run (not built), or undefined. */
export function missingPlugins(plugin: E2ePluginId = E2E_PLUGIN): string | undefined {
  const chain = CHAINS[plugin];
  const needed = [join(chain.dir, chain.main), join(chain.dir, chain.ipam), join(REF_BIN, 'portmap')];
  const missing = needed.filter((f) => !existsSync(f));
  return missing.length > 0 ? `E2E_PLUGIN=${plugin}: missing ${missing.join(', ')}${plugin === 'podwire' ? ' (npm run build)' : ' (apt-get install containernetworking-plugins)'}` : undefined;
}
