// Instruments for `bench policy` around the agent's own PolicyController:
// - TrackingSource: the real ClusterSource, whose watches note the
//   resourceVersion of every event they hand to the controller's informers;
// - AppliedTracker: a controller sync that ends well covers every event
//   delivered before it started. The sync is synchronous from cache read to
//   nft transaction, and an informer applies a delivered event in the same
//   macrotask (microtasks), before any debounce timer fires; so when the
//   controller publishes `policy-sync`, every version delivered so far is in
//   the kernel (or needed no change: noop). waitApplied(rv) resolves then;
// - NetnsNftDataplane: the controller's PolicyDataplane, running each
//   script as one libnftables transaction inside the bench's node netns
//   (withNetns: synchronous, back in the original netns before returning).
import type { ClusterSource, ClusterWatch, WatchEvent, WatchOptions } from '../../agent/cluster/cluster-source.js';
import type { AgentEvents } from '../../agent/events.js';
import type { PolicyDataplane } from '../../agent/policy/policy-controller.js';
import type { ClusterObject, KindMap, KindName } from '../../agent/cluster/types.js';
import { NftContext } from '../../kernel/nftables.js';
import { openNetns, withNetns, type NetnsFile } from '../../kernel/netns.js';

export class AppliedTracker {
  private readonly delivered: string[] = [];
  private readonly applied = new Set<string>();
  private readonly waiters = new Map<string, () => void>();
  /** Duration of the last ok sync (ms), as the controller measured it. */
  lastSyncMs = 0;
  lastSyncKind = '';

  constructor(events: AgentEvents) {
    events.subscribe((e) => {
      if (e.type !== 'policy-sync' || !e.ok) return;
      this.lastSyncMs = e.durationSeconds * 1000;
      this.lastSyncKind = e.kind;
      for (const rv of this.delivered.splice(0)) {
        this.applied.add(rv);
        this.waiters.get(rv)?.();
        this.waiters.delete(rv);
      }
    });
  }

  noteDelivered(rv: string): void {
    this.delivered.push(rv);
  }

  /** Resolves once a sync covering version `rv` has been applied; rejects after timeoutMs. */
  waitApplied(rv: string, timeoutMs: number): Promise<void> {
    if (this.applied.has(rv)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(rv);
        reject(new Error(`resourceVersion ${rv} not applied after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(rv, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function trackedWatch<T extends ClusterObject>(inner: ClusterWatch<T>, tracker: AppliedTracker): ClusterWatch<T> {
  return {
    stop: () => inner.stop(),
    async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
      for await (const ev of inner) {
        if (ev.type !== 'BOOKMARK') tracker.noteDelivered(ev.object.metadata.resourceVersion);
        yield ev;
      }
    },
  };
}

/** The source with tracked watches; every other call goes straight through. */
export function trackingSource(inner: ClusterSource, tracker: AppliedTracker): ClusterSource {
  return {
    list: (kind, options) => inner.list(kind, options),
    watch: <K extends KindName>(kind: K, options?: WatchOptions): ClusterWatch<KindMap[K]> => trackedWatch(inner.watch(kind, options), tracker),
    get: (kind, ref) => inner.get(kind, ref),
    create: (kind, object) => inner.create(kind, object),
    update: (kind, object) => inner.update(kind, object),
    updateStatus: (kind, object) => inner.updateStatus(kind, object),
    patch: (kind, ref, patch, options) => inner.patch(kind, ref, patch, options),
    delete: (kind, ref, options) => inner.delete(kind, ref, options),
  };
}

/** One libnftables context used only inside the node netns. */
export class NetnsNftDataplane implements PolicyDataplane {
  private readonly ns: NetnsFile;
  private readonly ctx: NftContext;
  /** Milliseconds of the last nft transaction. */
  lastRunMs = 0;

  constructor(netnsPath: string, private readonly now: () => number) {
    this.ns = openNetns(netnsPath);
    // The context's netlink socket opens on its first command: do that inside the netns too.
    this.ctx = withNetns(this.ns, () => {
      const ctx = new NftContext();
      ctx.run('list tables');
      return ctx;
    });
  }

  run(script: string): void {
    const t0 = this.now();
    withNetns(this.ns, () => this.ctx.run(script));
    this.lastRunMs = this.now() - t0;
  }

  close(): void {
    this.ctx.close();
    this.ns.close();
  }
}
