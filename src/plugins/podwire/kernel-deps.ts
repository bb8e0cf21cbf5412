// The real PodwireDeps: rtnetlink handles (host = the caller's own netns),
// netns files, sysctl, nft state and the IPAM delegate for ipam.type. The
// executable builds one set per invocation; the CNI service builds one set
// for its lifetime, with a shared nft context and background kernel waits.
import { openNetlink } from '../../kernel/netlink/index.js';
import { openNetns, withNetns } from '../../kernel/netns.js';
import { ensureSysctl } from '../../kernel/sysctl.js';
import type { PodwireDeps } from './deps.js';
import { ipamDelegateFor } from './ipam-delegate.js';
import { openNftState, sharedNftState } from './nft-state.js';

export function kernelDeps(): PodwireDeps {
  return {
    openNetlink: (netns) => openNetlink(netns),
    openNetns,
    withNetns,
    ensureSysctl: (key, value) => ensureSysctl(key, value),
    ipam: ipamDelegateFor,
    openNft: openNftState,
  };
}

export interface ServiceDeps {
  deps: PodwireDeps;
  /** Waits for the background kernel work still running, then releases the shared nft context. */
  dispose(): Promise<void>;
}

export function serviceDeps(onBackgroundError: (what: string, err: unknown) => void): ServiceDeps {
  const nft = sharedNftState();
  const pending = new Set<Promise<unknown>>();
  const deps: PodwireDeps = {
    ...kernelDeps(),
    openNft: () => nft,
    background(what, work) {
      const tracked = work.then(
        () => undefined,
        (err: unknown) => onBackgroundError(what, err),
      ).finally(() => pending.delete(tracked));
      pending.add(tracked);
    },
  };
  return {
    deps,
    async dispose() {
      await Promise.all([...pending]);
      await nft.dispose();
    },
  };
}
