// Watches of the file source. Each watch owns a journal cursor and reads the
// records after its version; one notifier per source wakes every cursor when
// fs.watch reports a change in the journal directory, and on a timer
// regardless, because fs.watch can drop or coalesce events (inotify queue
// overflow, editors, some filesystems) and a record missed by the wake-up
// is then read on the next tick: events are late, never lost or reordered,
// since the cursor, not the notification, decides what is read.
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import type { ClusterWatch, WatchEvent } from './cluster-source.js';
import { KINDS } from './kinds.js';
import type { JournalCursor, JournalRecord } from './journal.js';
import { viewOf, type ObjectFilter } from './watch-filter.js';
import type { ClusterObject, KindName, Stored } from './types.js';

interface Pollable {
  poll(): void;
}

/**
 * fs.watch on the journal plus two timers, running only while something is
 * subscribed: a journal read every pollMs, and `onRescan` (the manifest scan)
 * every rescanMs.
 */
export class JournalNotifier {
  private readonly subscribers = new Set<Pollable>();
  private watcher: FSWatcher | undefined;
  private timers: NodeJS.Timeout[] = [];
  private scheduled = false;

  constructor(
    private readonly dir: string,
    private readonly intervals: { pollMs: number; rescanMs: number },
    private readonly onRescan: () => void,
  ) {}

  add(s: Pollable): void {
    this.subscribers.add(s);
    if (this.timers.length > 0) return;
    this.timers = [setInterval(() => this.pollAll(), this.intervals.pollMs), setInterval(this.onRescan, this.intervals.rescanMs)];
    try {
      this.watcher = fsWatch(this.dir, () => this.schedule());
      // An fs.watch failure (directory replaced, inotify limits) leaves the timer in charge.
      this.watcher.on('error', () => this.closeWatcher());
    } catch {
      this.watcher = undefined;
    }
  }

  remove(s: Pollable): void {
    this.subscribers.delete(s);
    if (this.subscribers.size > 0) return;
    this.timers.forEach((t) => clearInterval(t));
    this.timers = [];
    this.closeWatcher();
  }

  private closeWatcher(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** Coalesces a burst of fs.watch events into one read. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pollAll();
    });
  }

  private pollAll(): void {
    for (const s of [...this.subscribers]) s.poll();
  }
}

type Event = WatchEvent<ClusterObject>;

export class FileWatch implements ClusterWatch<ClusterObject>, Pollable {
  private readonly queue: Event[] = [];
  private waiter: { resolve: (r: IteratorResult<Event>) => void; reject: (e: unknown) => void } | undefined;
  private failure: unknown;
  private ended = false;
  private cursor: JournalCursor | undefined;
  private filter: ObjectFilter | undefined;
  private lastSentRv = 0;
  private lastSentAt = 0;

  constructor(
    private readonly kind: KindName,
    private readonly notifier: JournalNotifier,
    private readonly bookmarks: { enabled: boolean; intervalMs: number; now: () => number },
    private readonly onEnd: () => void,
  ) {}

  /**
   * Called by the source once the starting point is known: initial objects
   * (as ADDED), then the records after `startRv` the cursor already read.
   */
  begin(filter: ObjectFilter, initial: readonly Stored<ClusterObject>[], startRv: number, cursor: JournalCursor, backlog: readonly JournalRecord[]): void {
    if (this.ended) return;
    for (const object of initial) this.push({ type: 'ADDED', object });
    // The consumer knows the starting version: no bookmark for it.
    this.lastSentRv = startRv;
    this.filter = filter;
    this.cursor = cursor;
    this.deliver(backlog);
    this.notifier.add(this);
  }

  poll(): void {
    if (!this.cursor || this.ended) return;
    try {
      this.deliver(this.cursor.readNew());
    } catch (err) {
      this.fail(err);
    }
  }

  private deliver(records: readonly JournalRecord[]): void {
    const filter = this.filter;
    if (!filter) return;
    for (const rec of records) {
      if (rec.type === 'INIT' || !rec.object) continue;
      const view = viewOf(filter, { type: rec.type, object: rec.object, prev: rec.prev });
      if (view) this.push({ type: view.type, object: view.object });
    }
    const at = this.cursor?.lastRv ?? 0;
    const now = this.bookmarks.now();
    if (this.bookmarks.enabled && at > this.lastSentRv && now - this.lastSentAt >= this.bookmarks.intervalMs) {
      const info = KINDS[this.kind];
      this.push({ type: 'BOOKMARK', object: { apiVersion: info.apiVersion, kind: info.kind, metadata: { resourceVersion: String(at) } } });
    }
  }

  private push(event: Event): void {
    this.lastSentRv = Number(event.object.metadata.resourceVersion);
    this.lastSentAt = this.bookmarks.now();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve({ value: event, done: false });
    } else {
      this.queue.push(event);
    }
  }

  /** Ends the watch with an error, delivered after the events already queued. */
  fail(err: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.notifier.remove(this);
    this.onEnd();
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w.reject(err);
    } else {
      this.failure = err;
    }
  }

  stop(): void {
    if (this.ended) return;
    this.ended = true;
    this.notifier.remove(this);
    this.onEnd();
    this.queue.length = 0;
    const w = this.waiter;
    this.waiter = undefined;
    w?.resolve({ value: undefined, done: true });
  }

  next(): Promise<IteratorResult<Event>> {
    const event = this.queue.shift();
    if (event) return Promise.resolve({ value: event, done: false });
    if (this.failure !== undefined) {
      const err = this.failure;
      this.failure = undefined;
      return Promise.reject(err);
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<Event>> {
    this.stop();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<Event> {
    return this;
  }
}
