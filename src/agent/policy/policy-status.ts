// The policy section of the agent's /status.
import type { PolicySyncKind } from '../events.js';

export interface PolicyStatus {
  /** The first table is in the kernel (part of readiness). */
  synced: boolean;
  /** At least one NetworkPolicy exists: unknown addresses of this node's pod CIDRs are dropped. */
  enforcing: boolean;
  /** Bridged (same-node) traffic reaches the table (br_netfilter, per-netns sysctls). */
  sameNodeEnforced: boolean;
  bridgeNetfilter: string;
  /** Pods in the model (every node), and those on this node. */
  podsKnown: number;
  localPods: number;
  policies: number;
  /** Malformed policy fields (they match nothing). */
  problems: number;
  /** Rules in the table's chains, and set elements plus map entries. */
  rules: number;
  elements: number;
  lastSyncAt?: string;
  /** The last sync that changed the kernel (full or incremental). */
  lastChangeAt?: string;
  lastSyncKind?: PolicySyncKind;
  lastSyncMs?: number;
  syncs: Record<PolicySyncKind, number>;
  errors: number;
  lastError?: string;
}
