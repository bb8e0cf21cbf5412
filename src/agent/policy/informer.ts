// A minimal informer for one kind: list, then watch from the list's
// resourceVersion. It hands each object to its owner as it arrives (`apply`,
// keyed by namespace/name; undefined: deleted) and keeps only the keys it
// has seen: the owner (the policy controller's live table) keeps what it
// needs of each object, so the informer holding whole objects too would
// double a node's memory for every pod of the cluster, and objects handed on
// at once die young instead of waiting for the next sync. The keys are what
// a relist needs: a watch that fails with Gone relists at once, and keys
// missing from the new list are applied as deletions (objects deleted while
// the watch was down); any other failure relists after a capped backoff.
// relist() asks for the same when the owner lost track and starts afresh.
// `onChange` runs after every list and after every event the owner's
// `apply` did not call a no-op; the owner debounces.
// Same shape as NodeController's loop, kept separate because the policy
// controller needs four of them and no per-event peer logic.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterSource, ClusterWatch } from '../cluster/cluster-source.js';
import { isGone } from '../cluster/errors.js';
import type { KindMap, KindName, Stored } from '../cluster/types.js';
import type { AgentLog } from '../log.js';

const MAX_BACKOFF_MS = 30_000;

export interface InformerDeps<K extends KindName> {
  source: ClusterSource;
  log: AgentLog;
  /** An object as it is now (undefined: deleted); false: that changed nothing for the owner. */
  apply: (key: string, object: Stored<KindMap[K]> | undefined) => boolean;
  onChange: (why: string) => void;
}

export class Informer<K extends KindName> {
  /** Keys of the objects that exist, as of the last list and the events since. */
  private readonly known = new Set<string>();
  private watch: ClusterWatch<KindMap[K]> | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private listed = false;
  /** Bumped by relist(): a list started before it is stale. */
  private generation = 0;

  constructor(readonly kind: K, private readonly d: InformerDeps<K>) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.watch?.stop();
    await this.loop;
  }

  /** True once a list is in (false again from relist() until the next one is). */
  get synced(): boolean {
    return this.listed;
  }

  /** How many objects exist. */
  get size(): number {
    return this.known.size;
  }

  /** Lists again: every object is applied again, and `synced` is false until it has been. */
  relist(): void {
    this.generation += 1;
    this.listed = false;
    this.watch?.stop();
  }

  private key(o: Stored<KindMap[K]>): string {
    const ns = (o.metadata as { namespace?: string }).namespace;
    return ns ? `${ns}/${o.metadata.name}` : o.metadata.name;
  }

  /**
   * Lists and applies everything; returns the list's resourceVersion, or
   * undefined when a relist() made it stale. A function of its own so the
   * list's objects are not kept alive by the watch loop's frame.
   */
  private async list(): Promise<string | undefined> {
    const generation = this.generation;
    const list = await this.d.source.list(this.kind);
    if (generation !== this.generation) return undefined;
    // A relist replaces what is known: keys missing from it were deleted while the watch was down.
    const listed = new Set(list.items.map((o) => this.key(o)));
    for (const k of this.known) if (!listed.has(k)) this.d.apply(k, undefined);
    this.known.clear();
    for (const o of list.items) {
      this.known.add(this.key(o));
      this.d.apply(this.key(o), o);
    }
    this.listed = true;
    this.d.onChange(`list ${this.kind}`);
    return list.resourceVersion;
  }

  private async run(): Promise<void> {
    let backoff = 0;
    while (!this.stopped) {
      try {
        const generation = this.generation;
        const resourceVersion = await this.list();
        if (resourceVersion === undefined) continue;
        backoff = 0;
        this.watch = this.d.source.watch(this.kind, { resourceVersion, allowWatchBookmarks: true });
        if (this.stopped || generation !== this.generation) this.watch.stop();
        for await (const ev of this.watch) {
          if (ev.type === 'BOOKMARK') continue;
          const k = this.key(ev.object);
          if (ev.type === 'DELETED') this.known.delete(k);
          else this.known.add(k);
          if (this.d.apply(k, ev.type === 'DELETED' ? undefined : ev.object)) this.d.onChange(`${ev.type.toLowerCase()} ${this.kind} ${k}`);
        }
      } catch (err) {
        if (this.stopped) break;
        if (isGone(err)) {
          this.d.log('info', 'policy watch expired; relisting', { kind: this.kind, reason: (err as Error).message });
          continue;
        }
        backoff = Math.min(MAX_BACKOFF_MS, backoff === 0 ? 500 : backoff * 2);
        this.d.log('error', 'policy list/watch failed; retrying', { kind: this.kind, error: err, retryInMs: backoff });
        await sleep(backoff, undefined, { signal: this.stopping.signal }).catch(() => undefined);
      }
    }
  }
}
