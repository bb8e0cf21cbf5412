// Instruments for `bench policy` around the agent's own PolicyController:
// - TrackingSource: the real ClusterSource, whose watches note the
//   resourceVersion of every event they hand to the controller's informers;
// - DeliveryLog: a controller sync that ends well covers every event
//   delivered before it started. The sync is synchronous from taking the
//   informers' changes to the nft transaction, and an informer applies a
//   delivered event in the same macrotask (microtasks), before any sync
//   timer fires; so when the controller publishes `policy-sync`, every
//   version delivered so far is in the kernel (or needed no change: noop);
// - AppliedWaiter: the bench side, resolving a wait for a version once a
//   sync covering it is reported (the agent runs in a child process,
//   policy-bench-agent.ts);
// - NetnsNftDataplane: the controller's PolicyDataplane, running each
//   script as one libnftables transaction inside the bench's node netns
//   (withNetns: synchronous, back in the original netns before returning).
import type { ClusterSource, ClusterWatch, WatchEvent, WatchOptions } from '../../agent/cluster/cluster-source.js';
import type { AgentEvents } from '../../agent/events.js';
import { releaseFreedCHeap } from '../../kernel/c-heap.js';
import type { PolicyDataplane } from '../../agent/policy/policy-controller.js';
import type { ClusterObject, KindMap, KindName } from '../../agent/cluster/types.js';
import { NftContext } from '../../kernel/nftables.js';
import { openNetns, withNetns, type NetnsFile } from '../../kernel/netns.js';

/** What the sync that applied a version took. */
export interface AppliedInfo {
  /** The controller's sync, ms. */
  readonly syncMs: number;
  /** Its nft transaction, ms. */
  readonly nftMs: number;
}

export class DeliveryLog {
  private readonly delivered: string[] = [];

  /** `applied`: called after each ok sync with the versions it covered. */
  constructor(events: AgentEvents, nftMs: () => number, applied: (rvs: string[], info: AppliedInfo) => void) {
    events.subscribe((e) => {
      if (e.type !== 'policy-sync' || !e.ok) return;
      applied(this.delivered.splice(0), { syncMs: e.durationSeconds * 1000, nftMs: nftMs() });
    });
  }

  noteDelivered(rv: string): void {
    this.delivered.push(rv);
  }
}

export class AppliedWaiter {
  private readonly applied = new Map<string, AppliedInfo>();
  private readonly waiters = new Map<string, (info: AppliedInfo) => void>();

  /** A sync covering these versions went through. */
  note(rvs: readonly string[], info: AppliedInfo): void {
    for (const rv of rvs) {
      const w = this.waiters.get(rv);
      this.waiters.delete(rv);
      if (w) w(info);
      else this.applied.set(rv, info);
    }
  }

  /** Resolves once a sync covering version `rv` has been applied; rejects after timeoutMs. */
  waitApplied(rv: string, timeoutMs: number): Promise<AppliedInfo> {
    const done = this.applied.get(rv);
    if (done) {
      this.applied.delete(rv);
      return Promise.resolve(done);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(rv);
        reject(new Error(`resourceVersion ${rv} not applied after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(rv, (info) => {
        clearTimeout(timer);
        resolve(info);
      });
    });
  }
}

function trackedWatch<T extends ClusterObject>(inner: ClusterWatch<T>, log: DeliveryLog): ClusterWatch<T> {
  return {
    stop: () => inner.stop(),
    async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent<T>> {
      for await (const ev of inner) {
        if (ev.type !== 'BOOKMARK') log.noteDelivered(ev.object.metadata.resourceVersion);
        yield ev;
      }
    },
  };
}

/** The source with tracked watches; every other call goes straight through. */
export function trackingSource(inner: ClusterSource, log: DeliveryLog): ClusterSource {
  return {
    list: (kind, options) => inner.list(kind, options),
    watch: <K extends KindName>(kind: K, options?: WatchOptions): ClusterWatch<KindMap[K]> => trackedWatch(inner.watch(kind, options), log),
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
    // The context's netlink socket opens on its first command: do that inside the netns too,
    // with a command that fetches no ruleset (`list tables` would dump a table already there).
    this.ctx = withNetns(this.ns, () => {
      const ctx = new NftContext();
      ctx.run('list flowtables');
      return ctx;
    });
  }

  run(script: string): string {
    const t0 = this.now();
    const out = withNetns(this.ns, () => this.ctx.run(script));
    this.lastRunMs = this.now() - t0;
    return out;
  }

  /** As the agent's dataplane does after a full load (src/kernel/c-heap.ts). */
  release(): void {
    releaseFreedCHeap();
  }

  close(): void {
    this.ctx.close();
    this.ns.close();
  }
}
