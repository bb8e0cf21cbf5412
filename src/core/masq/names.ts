// Stable names for what a pod attachment creates on the host. The host veth
// name is derived from (containerID, ifname), not random as in the
// reference, so DEL and GC can find the link even without prevResult, and a
// retried ADD collides with its own leftover instead of leaking a second one.
import { createHash } from 'node:crypto';

/** "pw" + 11 hex characters of sha256(containerID/ifname): 13 of the 15 allowed. */
export function hostVethName(containerId: string, ifname: string): string {
  return `pw${createHash('sha256').update(`${containerId}/${ifname}`).digest('hex').slice(0, 11)}`;
}

/** The tag recorded on every nft element of an attachment, for DEL and GC. */
export function attachmentTag(containerId: string, ifname: string): string {
  return `${containerId}/${ifname}`;
}
