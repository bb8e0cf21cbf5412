// podwire: entry point only. Builds the real dependencies (lazily: VERSION
// loads no FFI) and lets the skel do the protocol.
import { openNetlink } from '../kernel/netlink/index.js';
import { openNetns, withNetns } from '../kernel/netns.js';
import { ensureSysctl } from '../kernel/sysctl.js';
import type { PodwireDeps } from '../plugins/podwire/deps.js';
import { ipamDelegateFor } from '../plugins/podwire/ipam-delegate.js';
import { openNftState } from '../plugins/podwire/nft-state.js';
import { podwirePlugin } from '../plugins/podwire/plugin.js';
import { runPluginMain } from './lib/run-plugin.js';

const deps: PodwireDeps = {
  openNetlink: (netns) => openNetlink(netns),
  openNetns,
  withNetns,
  ensureSysctl: (key, value) => ensureSysctl(key, value),
  ipam: ipamDelegateFor,
  openNft: openNftState,
};

runPluginMain('podwire', podwirePlugin(deps));
