// What the podwire verbs use from the outside world, injected so the verbs
// read as the CNI lifecycle and nothing else. src/bin/podwire.ts builds the
// real ones: rtnetlink handles (host = the plugin's own netns), netns files,
// sysctl, the nft state, and the IPAM delegate for ipam.type.
import type { NetnsFile } from '../../kernel/netns.js';
import type { NetlinkHandle } from '../../kernel/netlink/index.js';
import type { IpamDelegate } from './ipam-delegate.js';
import type { NftState } from './nft-state.js';

export interface PodwireDeps {
  /** rtnetlink in `netns`, or in the plugin's own (host) netns when undefined. */
  openNetlink(netns?: string | NetnsFile): NetlinkHandle;
  /** Opens a netns by path; KernelError with code 104 when it does not exist. */
  openNetns(path: string): NetnsFile;
  /** Runs fn with the calling thread inside netns (synchronous only). */
  withNetns<T>(netns: NetnsFile, fn: () => T): T;
  /** Sets a sysctl under /proc/sys/net if it differs; returns whether it changed. */
  ensureSysctl(key: string, value: string): boolean;
  ipam(type: string): IpamDelegate;
  openNft(): NftState;
  /**
   * Kernel work a verb need not wait for: memory the kernel frees after an
   * RCU grace period once a link is already gone. A long-lived caller (the
   * CNI service) takes it over and answers at once; when absent, the verb
   * awaits it (a process cannot exit before its kernel calls return anyway).
   */
  background?(what: string, work: Promise<unknown>): void;
}
