// Stable names for what a pod attachment creates on the host. The host veth
// name is derived from (containerID, ifname), not random as in the
// reference, so DEL and GC can find the link even without prevResult, and a
// retried ADD collides with its own leftover instead of leaking a second one.
import { createHash } from 'node:crypto';

/** "pw" + 11 hex characters of sha256(containerID/ifname): 13 of the 15 allowed. */
export function hostVethName(containerId: string, ifname: string): string {
  return `pw${createHash('sha256').update(`${containerId}/${ifname}`).digest('hex').slice(0, 11)}`;
}

/**
 * The tag recorded on every kernel object of an attachment (nft element
 * comments, the host veth's ifalias), for DEL and GC. It names the network
 * too: networks share the nft sets and may share a bridge, and GC of one
 * network must not touch another's attachments.
 */
export function attachmentTag(network: string, containerId: string, ifname: string): string {
  return `${network}/${containerId}/${ifname}`;
}

/** Inverse of attachmentTag; undefined for text that is not a tag. */
export function parseAttachmentTag(tag: string): { network: string; containerId: string; ifname: string } | undefined {
  const parts = tag.split('/');
  if (parts.length !== 3 || parts.some((p) => p === '')) return undefined;
  const [network = '', containerId = '', ifname = ''] = parts;
  return { network, containerId, ifname };
}
