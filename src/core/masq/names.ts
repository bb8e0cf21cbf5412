// Stable names for what a pod attachment creates on the host. The host veth
// name is derived from (containerID, ifname), not random as in the
// reference, so DEL and GC can find the link even without prevResult, and a
// retried ADD collides with its own leftover instead of leaking a second one.
// The hash is 64-bit FNV-1a, not node:crypto: loading crypto costs ~2 ms of
// start-up in every ADD and DEL, and a name needs spread, not secrecy.

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** 64-bit FNV-1a over the UTF-8 bytes of `text`. */
export function fnv1a64(text: string): bigint {
  let h = FNV_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK64;
  }
  return h;
}

/** "pw" + 11 hex characters (44 bits) of fnv1a64(containerID/ifname): 13 of the 15 allowed. */
export function hostVethName(containerId: string, ifname: string): string {
  return `pw${fnv1a64(`${containerId}/${ifname}`).toString(16).padStart(16, '0').slice(0, 11)}`;
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
