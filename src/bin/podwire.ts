// podwire: entry point only. Reads the invocation from the process, builds
// the real dependencies (lazily: VERSION loads no FFI) and lets the skel do
// the protocol.
import { readFileSync } from 'node:fs';
import { runSkel } from '../cni/skel.js';
import { openNetlink } from '../kernel/netlink/index.js';
import { openNetns, withNetns } from '../kernel/netns.js';
import { ensureSysctl } from '../kernel/sysctl.js';
import type { PodwireDeps } from '../plugins/podwire/deps.js';
import { ipamDelegateFor } from '../plugins/podwire/ipam-delegate.js';
import { openNftState } from '../plugins/podwire/nft-state.js';
import { podwirePlugin } from '../plugins/podwire/plugin.js';

function readStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch {
    // No readable stdin: the skel reports the missing config.
    return Buffer.alloc(0);
  }
}

const deps: PodwireDeps = {
  openNetlink: (netns) => openNetlink(netns),
  openNetns,
  withNetns,
  ensureSysctl: (key, value) => ensureSysctl(key, value),
  ipam: ipamDelegateFor,
  openNft: openNftState,
};

runSkel({ env: process.env, stdin: readStdin(), stdout: (text) => process.stdout.write(text) }, podwirePlugin(deps)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`podwire: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
