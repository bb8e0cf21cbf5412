// The CNI configuration the runtime uses for pods on this node, written only
// once the datapath is ready: a runtime that finds no conflist keeps the node
// NotReady and starts no pods, which is what we want until pods could reach
// other nodes (the kubelet's "cni config uninitialized").
//
// Rendering is pure (renderConflist); writing goes through a temporary and
// rename(2) in the same directory, so a runtime reading the directory sees
// the old file or the new one, never half of one; an identical file is left
// untouched (no rewrite on every restart). Other files with "podwire" in
// their name (an older name, a crashed writer's temporary) would make the
// runtime pick the wrong one (runtimes take the first file in lexical
// order), so they are removed; nothing else in the directory is touched.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readIfPresent, unlinkIfPresent, writeFileAtomic } from './cluster/atomic-file.js';

export const CONFLIST_NAME = '10-podwire.conflist';
export const NETWORK_NAME = 'podwire';
export const BRIDGE_NAME = 'pw0';

export interface ConflistInput {
  mtu: number;
  /** This node's pod blocks, one per family, as in Node.spec.podCIDRs. */
  podCIDRs: readonly string[];
  /** The cluster's pod networks: traffic to them keeps the pod source address. */
  clusterCIDRs: readonly string[];
  stateDir: string;
  /** The agent's CNI service; the plugin runs a verb itself when it does not answer (or when there is none). */
  serviceSocket?: string;
}

export function renderConflist(input: ConflistInput): string {
  const conflist = {
    cniVersion: '1.1.0',
    cniVersions: ['1.0.0', '1.1.0'],
    name: NETWORK_NAME,
    plugins: [
      {
        type: 'podwire',
        bridge: BRIDGE_NAME,
        isGateway: true,
        isDefaultGateway: true,
        ipMasq: true,
        mtu: input.mtu,
        // The plugin keeps only the outermost of nested networks (the node
        // block sits inside the cluster CIDR) in its interval set.
        nonMasqueradeCIDRs: [...input.clusterCIDRs],
        ...(input.serviceSocket !== undefined ? { serviceSocket: input.serviceSocket } : {}),
        ipam: {
          type: 'podwire-ipam',
          ranges: input.podCIDRs.map((subnet) => [{ subnet }]),
          dataDir: join(input.stateDir, 'ipam'),
        },
      },
    ],
  };
  return `${JSON.stringify(conflist, null, 2)}\n`;
}

export interface ConflistOutcome {
  path: string;
  written: boolean;
  removed: string[];
}

export function ensureConflist(dir: string, content: string): ConflistOutcome {
  const path = join(dir, CONFLIST_NAME);
  const removed: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  for (const name of names) {
    if (name === CONFLIST_NAME || !name.toLowerCase().includes('podwire')) continue;
    const full = join(dir, name);
    if (!statSync(full, { throwIfNoEntry: false })?.isFile()) continue;
    if (unlinkIfPresent(full)) removed.push(name);
  }
  if (readIfPresent(path) === content) return { path, written: false, removed };
  writeFileAtomic(path, content);
  return { path, written: true, removed };
}

/** The plugins the conflist names, missing from `binDir`. */
export function missingPlugins(binDir: string): string[] {
  return ['podwire', 'podwire-ipam'].filter((p) => {
    const st = statSync(join(binDir, p), { throwIfNoEntry: false });
    return !st || !st.isFile() || (st.mode & 0o111) === 0;
  });
}
