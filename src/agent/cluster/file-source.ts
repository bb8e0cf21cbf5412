// ClusterSource over a directory: the lab's cluster store, shared by several
// agent processes and lab tools on one machine. Design (details in
// docs/cluster-source.md and in the modules named):
// - objects are JSON files at <root>/<resource>/<namespace|_cluster>/<name>.json
//   (object-files.ts), replaced atomically (atomic-file.ts); users may also
//   drop YAML manifests anywhere in the tree (manifest-import.ts);
// - every read and write is a short synchronous transaction under one store
//   lock (link-lock.ts: link(2) + stale-owner detection, no flock), so list is
//   a consistent snapshot and writes are serialised across processes;
// - resourceVersion is the position in one append-only journal
//   (journal.ts): a single counter for all kinds, like etcd's revision, dense
//   and increasing; the journal is the commit point, the watch source and the
//   bounded history that makes resuming possible (older: Gone);
// - API semantics (defaults, preconditions, status subresource, finalizers,
//   no-op updates) are the pure functions of object-rules.ts.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { mergePatch } from '../../core/cluster/json.js';
import type { ClusterSource, ClusterWatch, DeleteOptions, ListOptions, MergePatch, ObjectList, ObjectRef, WatchOptions } from './cluster-source.js';
import { badRequest, notFound } from './errors.js';
import { FileStore, type Tx } from './file-store.js';
import { FileWatch, JournalNotifier } from './file-watch.js';
import { JournalCursor } from './journal.js';
import { KINDS, parseObject } from './kinds.js';
import { hasWork, importManifests, readManifestState, TreeScanner } from './manifest-import.js';
import { checkRef } from './object-files.js';
import { prepareCreate, prepareDelete, prepareStatusUpdate, prepareUpdate, randomNameSuffix } from './object-rules.js';
import { isObj } from './parse-fields.js';
import { procProbe, type ProcessProbe } from './process-probe.js';
import { inView, makeFilter, type ObjectFilter } from './watch-filter.js';
import type { ClusterObject, KindMap, KindName, Stored } from './types.js';

export interface FileClusterSourceOptions {
  root: string;
  /** Journal records kept at least; a watch from an older version gets Gone. */
  historyLimit: number;
  segmentRecords: number;
  /** Journal read interval when fs.watch stays silent. */
  pollMs: number;
  /** Manifest scan interval while watches are open (list scans too). */
  rescanMs: number;
  bookmarkIntervalMs: number;
  lockTimeoutMs: number;
  now: () => Date;
  newUid: () => string;
  random: () => number;
  probe: ProcessProbe;
  log: (line: string) => void;
}

/** Options with the real clock, uids, process probe and a stderr log, for composition roots and tests. */
export function fileSourceOptions(root: string, overrides: Partial<FileClusterSourceOptions> = {}): FileClusterSourceOptions {
  return {
    root,
    historyLimit: 10_000,
    segmentRecords: 1_000,
    pollMs: 250,
    rescanMs: 1_000,
    bookmarkIntervalMs: 10_000,
    lockTimeoutMs: 10_000,
    now: () => new Date(),
    newUid: randomUUID,
    random: Math.random,
    probe: procProbe(),
    log: (line) => process.stderr.write(`${line}\n`),
    ...overrides,
  };
}

type Obj<K extends KindName> = Stored<KindMap[K]>;

/** A resourceVersion parameter as a journal position; undefined means "current state first". */
function parseVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === '' || rv === '0') return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(rv)) throw badRequest(`resourceVersion: invalid value ${JSON.stringify(rv)}`);
  return Number(rv);
}

export class FileClusterSource implements ClusterSource {
  private readonly store: FileStore;
  private readonly scanner: TreeScanner;
  private readonly notifier: JournalNotifier;
  private readonly watches = new Set<FileWatch>();
  private rescanning = false;

  constructor(private readonly options: FileClusterSourceOptions) {
    this.store = new FileStore({ ...options, limits: { historyLimit: options.historyLimit, segmentRecords: options.segmentRecords } });
    this.scanner = new TreeScanner(options.root);
    this.notifier = new JournalNotifier(this.store.journalDir, { pollMs: options.pollMs, rescanMs: options.rescanMs }, () => this.rescanInBackground());
  }

  private get manifestState(): string {
    return join(this.store.stateDir, 'manifests.json');
  }

  /** Applies user manifests changed since the last scan; inside a transaction. */
  private importChanges(tx: Tx): void {
    const scan = this.scanner.scan();
    if (hasWork(scan, readManifestState(this.manifestState))) {
      this.scanner.giveUp(importManifests(tx, this.options.root, scan, this.manifestState, this.options.log));
    }
  }

  /** Picks up manifest changes now, taking the lock only if there are any. */
  async rescan(): Promise<void> {
    const scan = this.scanner.scan();
    if (!hasWork(scan, readManifestState(this.manifestState))) return;
    await this.store.transact((tx) => this.importChanges(tx));
  }

  private rescanInBackground(): void {
    if (this.rescanning) return;
    this.rescanning = true;
    this.rescan()
      .catch((err: unknown) => this.options.log(`cluster store: manifest scan failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        this.rescanning = false;
      });
  }

  private snapshot(tx: Tx, filter: ObjectFilter): Stored<ClusterObject>[] {
    this.importChanges(tx);
    return tx.list(filter.kind, filter.namespace).filter((o) => inView(filter, o));
  }

  async list<K extends KindName>(kind: K, options: ListOptions = {}): Promise<ObjectList<KindMap[K]>> {
    const filter = makeFilter(kind, options);
    return this.store.transact((tx) => ({ items: this.snapshot(tx, filter) as Obj<K>[], resourceVersion: String(tx.head) }));
  }

  watch<K extends KindName>(kind: K, options: WatchOptions = {}): ClusterWatch<KindMap[K]> {
    const bookmarks = { enabled: options.allowWatchBookmarks === true, intervalMs: this.options.bookmarkIntervalMs, now: () => this.options.now().getTime() };
    const w: FileWatch = new FileWatch(kind, this.notifier, bookmarks, () => this.watches.delete(w));
    this.watches.add(w);
    // Bad options, Gone and I/O errors all end the iteration, as an API watch
    // reports them in its stream.
    const start = async (): Promise<void> => {
      const filter = makeFilter(kind, options);
      let after = parseVersion(options.resourceVersion);
      let initial: Stored<ClusterObject>[] = [];
      if (after === undefined) {
        const snap = await this.store.transact((tx) => ({ items: this.snapshot(tx, filter), head: tx.head }));
        initial = snap.items;
        after = snap.head;
      }
      const { cursor, backlog } = JournalCursor.after(this.store.journalDir, after);
      w.begin(filter, initial, after, cursor, backlog);
    };
    start().catch((err: unknown) => w.fail(err));
    return w as unknown as ClusterWatch<KindMap[K]>;
  }

  async get<K extends KindName>(kind: K, ref: ObjectRef): Promise<Obj<K>> {
    const r = checkRef(KINDS[kind], ref);
    return this.store.transact((tx) => {
      const obj = tx.get(kind, r);
      if (!obj) throw notFound(kind, r.name, r.namespace);
      return obj as Obj<K>;
    });
  }

  async create<K extends KindName>(kind: K, object: KindMap[K]): Promise<Obj<K>> {
    const input = structuredClone(object) as ClusterObject;
    const generate = !input.metadata?.name && input.metadata?.generateName;
    if (generate) input.metadata.name = `${input.metadata.generateName}${randomNameSuffix(this.options.random)}`;
    const ref = checkRef(KINDS[kind], parseObject(kind, input).metadata);
    return this.store.transact((tx) => {
      // A generated name that is taken gets another suffix, as the API server retries.
      for (let i = 0; generate && i < 8 && tx.get(kind, ref); i++) {
        ref.name = input.metadata.name = `${input.metadata.generateName}${randomNameSuffix(this.options.random)}`;
      }
      return tx.commit(prepareCreate(kind, input, tx.get(kind, ref), tx.context())) as Obj<K>;
    });
  }

  async update<K extends KindName>(kind: K, object: KindMap[K]): Promise<Obj<K>> {
    const ref = checkRef(KINDS[kind], parseObject(kind, object).metadata);
    return this.store.transact((tx) => tx.commit(prepareUpdate(kind, object, tx.get(kind, ref), tx.context())) as Obj<K>);
  }

  async updateStatus<K extends KindName>(kind: K, object: KindMap[K]): Promise<Obj<K>> {
    const meta = isObj(object) && isObj(object.metadata) ? object.metadata : { name: '' };
    const ref = checkRef(KINDS[kind], meta as ObjectRef);
    return this.store.transact((tx) => tx.commit(prepareStatusUpdate(kind, object, tx.get(kind, ref), tx.context())) as Obj<K>);
  }

  async patch<K extends KindName>(kind: K, ref: ObjectRef, patch: MergePatch, options: { subresource?: 'status' } = {}): Promise<Obj<K>> {
    const r = checkRef(KINDS[kind], ref);
    return this.store.transact((tx) => {
      const existing = tx.get(kind, r);
      if (!existing) throw notFound(kind, r.name, r.namespace);
      const merged = mergePatch(existing, patch);
      const outcome = options.subresource === 'status'
        ? prepareStatusUpdate(kind, merged, existing, tx.context())
        : prepareUpdate(kind, merged, existing, tx.context());
      return tx.commit(outcome) as Obj<K>;
    });
  }

  async delete<K extends KindName>(kind: K, ref: ObjectRef, options: DeleteOptions = {}): Promise<Obj<K>> {
    const r = checkRef(KINDS[kind], ref);
    return this.store.transact((tx) => tx.commit(prepareDelete(kind, tx.get(kind, r), r, options.preconditions ?? {}, tx.context())) as Obj<K>);
  }

  /** Stops every watch of this source (their iterations end). */
  close(): void {
    for (const w of [...this.watches]) w.stop();
  }
}
