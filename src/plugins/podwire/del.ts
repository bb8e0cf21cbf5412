// DEL (spec: "Plugins should generally complete a DEL action without error
// even if some resources are missing"). Everything is found by name or tag,
// not by prevResult, so DEL works when the netns is gone, CNI_NETNS is
// empty (ctr), or prevResult is missing (containerd's second DEL): the host
// veth by its derived name (removing it removes the pod end too), nft
// elements by their attachment tag, the lease by (containerID, ifname)
// through IPAM. The reference leaves its masquerade chain behind when the
// netns is gone; we remove the elements whatever the netns state.
import type { CmdArgs } from '../../cni/skel.js';
import { namesOf } from './attachment.js';
import { parsePodwireConf } from './config.js';
import type { PodwireDeps } from './deps.js';

export async function del(cmd: CmdArgs, deps: PodwireDeps): Promise<void> {
  const conf = parsePodwireConf(cmd.config);
  const { hostVeth, tag } = namesOf(cmd);

  // Removing the veth and removing nft elements each end in a kernel wait
  // for an RCU grace period (~10-20 ms each). The link removal's send runs on
  // a worker thread while this thread removes the elements; the nft socket is
  // then released on another worker thread, so the waits overlap.
  const host = deps.openNetlink();
  try {
    const vethGone = host.removeLinkAsync(hostVeth);
    const nft = deps.openNft();
    let nftReleased: Promise<void> = Promise.resolve();
    try {
      nft.removeTagged((t) => t === tag);
    } finally {
      nftReleased = nft.closeAsync();
    }
    await Promise.all([vethGone, nftReleased]);
  } finally {
    host.close();
  }

  // The lease goes last: the address must not be handed to a new pod while a
  // veth or masquerade element of the old one may still exist. If a kernel
  // step failed, the runtime retries DEL and every step above is idempotent.
  if (conf.ipamType) await deps.ipam(conf.ipamType).del(cmd);
}
