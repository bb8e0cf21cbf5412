// DEL (spec: "Plugins should generally complete a DEL action without error
// even if some resources are missing"). Everything is found by name or tag,
// not by prevResult, so DEL works when the netns is gone, CNI_NETNS is
// empty (ctr), or prevResult is missing (containerd's second DEL): the host
// veth by its derived name (removing it removes the pod end too), nft
// elements by their attachment tag, the lease by (containerID, ifname)
// through IPAM. The reference leaves its masquerade chain behind when the
// netns is gone; we remove the elements whatever the netns state.
import type { CmdArgs } from '../../cni/skel.js';
import type { NetlinkHandle } from '../../kernel/netlink/index.js';
import { namesOf } from './attachment.js';
import { parsePodwireConf } from './config.js';
import type { PodwireDeps } from './deps.js';

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Resolves once `name` is no longer listed, or when `removal` settles
 * (rejecting with its error). Removing a link returns only after an RCU
 * grace period (~15-25 ms), but the kernel unlists the link, its addresses
 * and its bridge port first, under the RTNL lock; the wait that follows only
 * frees memory. Until the link is unlisted, nothing after this may run.
 */
async function unlisted(probe: NetlinkHandle, name: string, removal: Promise<unknown>): Promise<void> {
  let done = false;
  const finished = removal.then(() => { done = true; });
  finished.catch(() => undefined); // rejection is seen by the race below or by the caller's await of removal
  for (let polls = 0; !done; polls++) {
    if (probe.findLink(name) === undefined) return;
    // The removal's send may not have reached the kernel yet: look again soon.
    await Promise.race([finished, polls < 20 ? nextTurn() : sleep(1)]);
  }
}

export async function del(cmd: CmdArgs, deps: PodwireDeps): Promise<void> {
  const conf = parsePodwireConf(cmd.config);
  const { hostVeth, tag } = namesOf(cmd);

  // The link removal is sent from a worker thread; this thread waits only
  // until the link is unlisted, then removes the nft elements and releases
  // the nft socket on another worker thread (after a deletion its release
  // waits for a grace period too), so the kernel's waits overlap each other
  // and the lease release.
  const remover = deps.openNetlink();
  const vethGone = remover.removeLinkAsync(hostVeth).finally(() => remover.close());
  const kernelWaits: Array<Promise<unknown>> = [vethGone];
  try {
    const probe = deps.openNetlink();
    try {
      await unlisted(probe, hostVeth, vethGone);
    } finally {
      probe.close();
    }
    const nft = deps.openNft();
    try {
      nft.removeTagged((t) => t === tag);
    } finally {
      kernelWaits.push(nft.closeAsync());
    }
    // The lease goes last: the address must not be handed to a new pod while
    // a veth or masquerade element of the old one may still exist. If a step
    // failed, the runtime retries DEL and every step is idempotent.
    if (conf.ipamType) await deps.ipam(conf.ipamType).del(cmd);
  } finally {
    const settled = Promise.all(kernelWaits);
    if (deps.background) deps.background(`DEL ${tag}: kernel release`, settled);
    else await settled;
  }
}
