// What the loopback plugin needs from the kernel layer, narrowed to the calls
// it makes so the verbs can be driven by a fake in unit tests; src/bin builds
// the real one from openNetlink.
import type { Address, Link, LinkRef } from '../../kernel/netlink/index.js';

export interface LoopbackNetlink {
  getLink(ref: LinkRef): Link;
  setLinkUp(ref: LinkRef): void;
  setLinkDown(ref: LinkRef): void;
  listAddresses(filter: { dev?: LinkRef; family?: 4 | 6 }): Address[];
  close(): void;
}

export interface LoopbackDeps {
  /** Opens rtnetlink inside the pod netns; KernelError NetnsNotFound when it is gone. */
  openNetlink(netns: string): LoopbackNetlink;
}

/** The reference plugin ignores CNI_IFNAME: this plugin only ever acts on lo. */
export const LOOPBACK_IFNAME = 'lo';
