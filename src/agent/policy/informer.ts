// A minimal informer for one kind: list, then watch from the list's
// resourceVersion, keeping a cache keyed by namespace/name. A watch that
// fails with Gone relists at once (the cache is replaced by the new snapshot
// and the owner is told, so objects deleted while the watch was down
// disappear); any other failure relists after a capped backoff. `onChange`
// runs after every applied event and after every list; the owner debounces.
// Same shape as NodeController's loop, kept separate because the policy
// controller needs four of them and no per-event peer logic.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterSource, ClusterWatch } from '../cluster/cluster-source.js';
import { isGone } from '../cluster/errors.js';
import type { KindMap, KindName, Stored } from '../cluster/types.js';
import type { AgentLog } from '../log.js';

const MAX_BACKOFF_MS = 30_000;

export interface InformerDeps {
  source: ClusterSource;
  log: AgentLog;
  onChange: (why: string) => void;
}

export class Informer<K extends KindName> {
  private readonly cache = new Map<string, Stored<KindMap[K]>>();
  private watch: ClusterWatch<KindMap[K]> | undefined;
  private stopped = false;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private listedOnce = false;

  constructor(readonly kind: K, private readonly d: InformerDeps) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.watch?.stop();
    await this.loop;
  }

  /** True once the first list is in the cache. */
  get synced(): boolean {
    return this.listedOnce;
  }

  items(): Stored<KindMap[K]>[] {
    return [...this.cache.values()];
  }

  get size(): number {
    return this.cache.size;
  }

  private key(o: Stored<KindMap[K]>): string {
    const ns = (o.metadata as { namespace?: string }).namespace;
    return ns ? `${ns}/${o.metadata.name}` : o.metadata.name;
  }

  private async run(): Promise<void> {
    let backoff = 0;
    while (!this.stopped) {
      try {
        const list = await this.d.source.list(this.kind);
        this.cache.clear();
        for (const o of list.items) this.cache.set(this.key(o), o);
        this.listedOnce = true;
        this.d.onChange(`list ${this.kind}`);
        backoff = 0;
        this.watch = this.d.source.watch(this.kind, { resourceVersion: list.resourceVersion, allowWatchBookmarks: true });
        if (this.stopped) this.watch.stop();
        for await (const ev of this.watch) {
          if (ev.type === 'BOOKMARK') continue;
          const k = this.key(ev.object);
          if (ev.type === 'DELETED') this.cache.delete(k);
          else this.cache.set(k, ev.object);
          this.d.onChange(`${ev.type.toLowerCase()} ${this.kind} ${k}`);
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
