// GC (CNI 1.1): remove what belongs to attachments of this network that the
// runtime no longer lists in cni.dev/valid-attachments — host veths (found
// by the attachment tag in their ifalias), masquerade and macspoof elements
// (by element comment) — then let IPAM release the leases. Only objects
// tagged with this network's name are candidates, so networks sharing a
// bridge or the nft sets never collect each other's pods. The network's
// pod-nets elements are removed once no attachment of it is valid.
import { configError } from '../../cni/errors.js';
import type { CmdArgs } from '../../cni/skel.js';
import { attachmentTag, networkOfTag } from '../../core/masq/names.js';
import { networkComment } from '../../core/masq/render.js';
import { parsePodwireConf } from './config.js';
import type { PodwireDeps } from './deps.js';

export const ALIAS_PREFIX = 'podwire:';

export async function gc(cmd: CmdArgs, deps: PodwireDeps): Promise<void> {
  const conf = parsePodwireConf(cmd.config);
  if (!('cni.dev/valid-attachments' in cmd.config.raw) && !('cni.dev/attachments' in cmd.config.raw)) {
    // Without the list every attachment would look stale: refuse rather than cut every pod off.
    throw configError('cni.dev/valid-attachments', 'required for GC');
  }
  const network = cmd.config.name;
  const valid = new Set((cmd.config.validAttachments ?? []).map((a) => attachmentTag(network, a.containerID, a.ifname)));
  // The network's own elements (its subnets in pod-nets4/6) are shared by
  // its pods: they go when the runtime lists no attachment of it any more.
  const stale = (tag: string): boolean =>
    (networkOfTag(tag) === network && !valid.has(tag)) || (tag === networkComment(network) && valid.size === 0);

  const host = deps.openNetlink();
  try {
    for (const link of host.listLinks()) {
      if (link.kind === 'veth' && link.alias?.startsWith(ALIAS_PREFIX) && stale(link.alias.slice(ALIAS_PREFIX.length))) {
        host.removeLink(link.index);
      }
    }
  } finally {
    host.close();
  }
  const nft = deps.openNft();
  try {
    nft.removeTagged(stale);
  } finally {
    nft.close();
  }
  if (conf.ipamType) await deps.ipam(conf.ipamType).gc(cmd);
}
