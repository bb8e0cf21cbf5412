// What the agent reports about itself, as data. The controllers publish
// events on an injected bus; metrics (metrics.ts) subscribe, so counting and
// timing stay out of the dataplane code (STYLE §10). One bus per agent, built
// by main.ts: nothing is registered at import, and two agents in one test
// process do not see each other's events (the reason for not using named
// diagnostics_channel channels, which are process-global).

export type ReconcileKind = 'full' | 'incremental';

/** full: the whole table replaced; incremental: a diff plan; noop: nothing changed. */
export type PolicySyncKind = 'full' | 'incremental' | 'noop';

export type AgentEvent =
  | {
    type: 'reconcile';
    kind: ReconcileKind;
    durationSeconds: number;
    /** Kernel changes made. */
    applied: number;
    /** Actions or peers that failed. */
    errors: number;
  }
  | { type: 'nodes'; known: number; peers: number }
  | {
    type: 'policy-sync';
    kind: PolicySyncKind;
    ok: boolean;
    /** Compile + render + nft transaction. */
    durationSeconds: number;
    /** From the first cluster change the sync covers to the kernel applied (debounce included). */
    latencySeconds: number;
    /** Rules in the table after the sync. */
    rules: number;
  };

export type AgentListener = (event: AgentEvent) => void;

export interface AgentEvents {
  publish(event: AgentEvent): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: AgentListener): () => void;
}

export function createEventBus(): AgentEvents {
  const listeners = new Set<AgentListener>();
  return {
    publish(event) {
      for (const l of listeners) {
        try {
          l(event);
        } catch {
          // A broken subscriber must not break the dataplane path that published.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
