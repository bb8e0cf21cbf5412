// Keeps the overlay backend's peers in step with the cluster's Nodes: an
// informer (list, then watch from the list's version) feeding a cache, and
// after every change the peer selection (peers.ts) is recomputed from the
// whole cache and diffed against what was applied:
//   new or changed peer → backend.ensurePeer   (converges, retires old objects)
//   peer gone           → backend.removePeer
// Every `resyncMs`, and after every (re)list, backend.reconcile(all peers)
// converges everything and sweeps what is ours and stale (e.g. a Node deleted
// while the watch was down). A watch that fails with Gone relists at once;
// any other failure relists after a capped backoff. The first full reconcile
// resolves `started`, which readiness waits for.
// Changes to our own Node go to `onSelf` (main.ts republishes what it lost).
// Everything the backend does is synchronous, so events are applied one at a
// time, in order, without locks.
import { setTimeout as sleep } from 'node:timers/promises';
import type { OverlayBackend, Peer, SyncReport } from './backends/overlay-backend.js';
import { samePeer } from './backends/overlay-backend.js';
import { describeAction } from './backends/datapath-plan.js';
import type { ClusterSource, ClusterWatch } from './cluster/cluster-source.js';
import { isGone } from './cluster/errors.js';
import type { Node, Stored } from './cluster/types.js';
import type { AgentEvents, ReconcileKind } from './events.js';
import type { AgentLog } from './log.js';
import { selectPeers, type PeerContext } from './peers.js';

export interface NodeControllerDeps {
  source: ClusterSource;
  backend: OverlayBackend;
  ctx: PeerContext;
  resyncMs: number;
  log: AgentLog;
  events: AgentEvents;
  /** Monotonic milliseconds (performance.now). */
  now: () => number;
  onSelf?: (node: Stored<Node> | undefined) => void;
}

export interface PeerStatus extends Peer {
  error?: string;
}

const MAX_BACKOFF_MS = 30_000;

export class NodeController {
  private readonly cache = new Map<string, Stored<Node>>();
  private applied = new Map<string, Peer>();
  private skipped = new Map<string, string>();
  private readonly peerErrors = new Map<string, string>();
  private watch: ClusterWatch<Node> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  private syncedOnce = false;
  private resolveStarted!: () => void;
  /** Resolves after the first full reconcile. */
  readonly started: Promise<void> = new Promise((resolve) => (this.resolveStarted = resolve));
  private loop: Promise<void> | undefined;

  constructor(private readonly d: NodeControllerDeps) {}

  start(): void {
    this.loop = this.run();
    this.timer = setInterval(() => this.reconcileAll('resync'), this.d.resyncMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    if (this.timer) clearInterval(this.timer);
    this.watch?.stop();
    await this.loop;
  }

  get synced(): boolean {
    return this.syncedOnce;
  }

  status(): { peers: PeerStatus[]; skipped: Array<{ node: string; reason: string }>; nodesKnown: number } {
    return {
      peers: [...this.applied.values()].map((p) => {
        const error = this.peerErrors.get(p.name);
        return error === undefined ? { ...p } : { ...p, error };
      }),
      skipped: [...this.skipped].map(([node, reason]) => ({ node, reason })),
      nodesKnown: this.cache.size,
    };
  }

  private async run(): Promise<void> {
    let backoff = 0;
    while (!this.stopped) {
      try {
        const list = await this.d.source.list('Node');
        this.cache.clear();
        for (const n of list.items) this.cache.set(n.metadata.name, n);
        this.reconcileAll(this.syncedOnce ? 'relist' : 'initial');
        this.notifySelf();
        if (!this.syncedOnce) {
          this.syncedOnce = true;
          this.resolveStarted();
        }
        backoff = 0;
        this.watch = this.d.source.watch('Node', { resourceVersion: list.resourceVersion, allowWatchBookmarks: true });
        if (this.stopped) this.watch.stop();
        for await (const ev of this.watch) {
          if (ev.type === 'BOOKMARK') continue;
          const name = ev.object.metadata.name;
          if (ev.type === 'DELETED') this.cache.delete(name);
          else this.cache.set(name, ev.object);
          if (name === this.d.ctx.self) this.notifySelf();
          this.applyChanges(`${ev.type.toLowerCase()} node ${name}`);
        }
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err)) {
          this.d.log('info', 'node watch expired; relisting', { reason: (err as Error).message });
          continue;
        }
        backoff = Math.min(MAX_BACKOFF_MS, backoff === 0 ? 500 : backoff * 2);
        this.d.log('error', 'node list/watch failed; retrying', { error: err, retryInMs: backoff });
        await sleep(backoff, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }

  private notifySelf(): void {
    this.d.onSelf?.(this.cache.get(this.d.ctx.self));
  }

  private select(): Map<string, Peer> {
    const sel = selectPeers(this.cache.values(), this.d.ctx);
    for (const [node, reason] of sel.skipped) {
      if (this.skipped.get(node) !== reason) this.d.log('info', 'node is not a peer', { peer: node, reason });
    }
    this.skipped = sel.skipped;
    this.d.events.publish({ type: 'nodes', known: this.cache.size, peers: sel.peers.size });
    return sel.peers;
  }

  /** Incremental: only the peers that changed. */
  private applyChanges(trigger: string): void {
    const next = this.select();
    const work: Array<() => SyncReport> = [];
    for (const [name, peer] of next) {
      const prev = this.applied.get(name);
      if (prev && samePeer(prev, peer)) continue;
      this.d.log('info', prev ? 'peer changed' : 'peer added', { peer: name, podCIDR: peer.podCIDR, underlayIP: peer.underlayIP, vtepMAC: peer.vtepMAC, trigger });
      this.peerErrors.delete(name);
      work.push(() => this.guard(name, () => this.d.backend.ensurePeer(peer)));
    }
    for (const [name, prev] of this.applied) {
      if (next.has(name)) continue;
      this.d.log('info', 'peer removed', { peer: name, podCIDR: prev.podCIDR, trigger });
      this.peerErrors.delete(name);
      work.push(() => this.guard(name, () => this.d.backend.removePeer(prev)));
    }
    this.applied = next;
    if (work.length === 0) return;
    const t0 = this.d.now();
    const reports = work.map((w) => w());
    this.record('incremental', t0, reports);
  }

  /** Full: every peer, plus the sweep of stale objects. */
  private reconcileAll(trigger: string): void {
    if (this.stopped || (trigger === 'resync' && !this.syncedOnce)) return;
    const next = this.select();
    const t0 = this.d.now();
    this.peerErrors.clear();
    const report = this.guard(undefined, () => this.d.backend.reconcile([...next.values()]));
    this.applied = next;
    this.record('full', t0, [report], trigger);
  }

  private guard(peer: string | undefined, fn: () => SyncReport): SyncReport {
    try {
      return fn();
    } catch (err) {
      return { applied: [], failed: [{ what: peer ? `peer ${peer}` : 'reconcile', peer, error: err instanceof Error ? err : new Error(String(err)) }] };
    }
  }

  private record(kind: ReconcileKind, t0: number, reports: SyncReport[], trigger?: string): void {
    const durationSeconds = (this.d.now() - t0) / 1000;
    let applied = 0;
    let errors = 0;
    for (const r of reports) {
      applied += r.applied.length;
      errors += r.failed.length;
      for (const a of r.applied) this.d.log('info', 'datapath', { action: describeAction(a) });
      for (const f of r.failed) {
        this.d.log('error', 'datapath change failed', { what: f.what, error: f.error });
        if (f.peer !== undefined) this.peerErrors.set(f.peer, f.error.message);
      }
    }
    if (kind === 'full' && (trigger !== 'resync' || applied > 0 || errors > 0)) {
      this.d.log('info', 'reconciled peers', { trigger, peers: this.applied.size, changes: applied, errors, ms: (durationSeconds * 1000).toFixed(2) });
    }
    this.d.events.publish({ type: 'reconcile', kind, durationSeconds, applied, errors });
  }
}
