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

/** nft element comments hold at most 128 bytes (NFT_USERDATA_MAXLEN 256 minus framing, as nft 1.0 enforces). */
export const MAX_TAG_BYTES = 127;
/** Network names longer than this cannot be tagged readably or hashed within MAX_TAG_BYTES. */
export const MAX_NETWORK_NAME = 100;

/**
 * The tag recorded on every kernel object of an attachment (nft element
 * comments, the host veth's ifalias), for DEL and GC. It names the network
 * too: networks share the nft sets and may share a bridge, and GC of one
 * network must not touch another's attachments. Readable when it fits in
 * an nft comment ("<network>/<containerID>/<ifname>"); otherwise
 * "<network>/~<hash of containerID/ifname>", still recomputable by GC from
 * the valid attachments. Callers validate the network name length and
 * that no part contains '"' or '\' first.
 */
export function attachmentTag(network: string, containerId: string, ifname: string): string {
  const full = `${network}/${containerId}/${ifname}`;
  if (new TextEncoder().encode(full).length <= MAX_TAG_BYTES) return full;
  return `${network}/~${fnv1a64(`${containerId}/${ifname}`).toString(16).padStart(16, '0')}`;
}

/** The network part of a tag; undefined for text that is not one. */
export function networkOfTag(tag: string): string | undefined {
  const slash = tag.indexOf('/');
  return slash > 0 ? tag.slice(0, slash) : undefined;
}

/** Whether `s` holds a character an nft comment cannot carry verbatim: '"', '\\' or a control character. */
export function hasUnquotable(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x22 || c === 0x5c) return true;
  }
  return false;
}
