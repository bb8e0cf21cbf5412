// The file store's write path: everything that reads or changes objects runs
// as a synchronous transaction under the store lock (link-lock.ts), so a
// transaction sees the files exactly at the journal's head and its writes get
// consecutive versions. Layout under <root>/.podwire:
//   lock, lock.*           the store lock and its temporaries
//   journal/*.jsonl        the change log (journal.ts): commit point and watch source
//   manifests.json         what each user manifest last applied (manifest-import.ts)
//
// Commit order: journal record first, then the object file (temp + rename).
// A transaction starts by repairing the journal's tail and re-applying its
// last record, so a writer killed between the two steps is finished by the
// next one; a watcher may see the record before the file, and a get() then
// waits on the lock until the file is there.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { unlinkIfPresent, writeFileAtomic } from './atomic-file.js';
import { ClusterError } from './errors.js';
import { JournalWriter, type JournalLimits, type JournalRecord } from './journal.js';
import { KINDS, type KindInfo } from './kinds.js';
import { withLinkLock } from './link-lock.js';
import { listStored, objectPath, readStored } from './object-files.js';
import type { Outcome, RuleContext } from './object-rules.js';
import type { ProcessProbe } from './process-probe.js';
import type { ObjectRef } from './cluster-source.js';
import type { ClusterObject, KindName, Stored } from './types.js';

export interface FileStoreOptions {
  root: string;
  probe: ProcessProbe;
  lockTimeoutMs: number;
  limits: JournalLimits;
  now: () => Date;
  newUid: () => string;
  log: (line: string) => void;
}

/** A transaction's view; valid only inside the transaction function. */
export interface Tx {
  readonly head: number;
  get(kind: KindName, ref: ObjectRef): Stored<ClusterObject> | undefined;
  list(kind: KindName, namespace?: string): Stored<ClusterObject>[];
  /** Rule inputs for the next write (its version is head + 1). */
  context(): RuleContext;
  /** Persists an outcome; returns the object as the caller should see it. */
  commit(outcome: Outcome): Stored<ClusterObject>;
}

function refOf(obj: ClusterObject): ObjectRef {
  return obj.metadata.namespace ? { name: obj.metadata.name, namespace: obj.metadata.namespace } : { name: obj.metadata.name };
}

export class FileStore {
  readonly stateDir: string;
  readonly journalDir: string;
  private readonly journal: JournalWriter;

  constructor(private readonly options: FileStoreOptions) {
    this.stateDir = join(options.root, '.podwire');
    this.journalDir = join(this.stateDir, 'journal');
    this.journal = new JournalWriter(this.journalDir, options.limits);
  }

  get root(): string {
    return this.options.root;
  }

  logBadFile = (path: string, err: unknown): void => {
    this.options.log(`cluster store: skipping ${path}: ${err instanceof Error ? err.message : String(err)}`);
  };

  private pathOf(obj: ClusterObject): string {
    return objectPath(this.options.root, KINDS[obj.kind], refOf(obj));
  }

  private materialize(rec: JournalRecord): void {
    if (!rec.object) return;
    const path = this.pathOf(rec.object);
    if (rec.type === 'DELETED') unlinkIfPresent(path);
    else writeFileAtomic(path, `${JSON.stringify(rec.object, null, 2)}\n`);
  }

  /** Finishes a record its writer may have died before applying. */
  private redo(rec: JournalRecord): void {
    if (!rec.object) return;
    let current: Stored<ClusterObject> | undefined;
    try {
      current = readStored(this.pathOf(rec.object));
    } catch {
      current = undefined; // unreadable: the record is the truth
    }
    const currentRv = current ? Number(current.metadata.resourceVersion) : -1;
    if (currentRv < rec.rv && (rec.type !== 'DELETED' || current)) this.materialize(rec);
  }

  /** The first version of a new store: above any version already in files (a journal removed by hand). */
  private genesisVersion(): number {
    let max = 0;
    for (const info of Object.values(KINDS) as KindInfo[]) {
      for (const obj of listStored(this.options.root, info, undefined, () => undefined)) {
        const rv = Number(obj.metadata.resourceVersion);
        if (Number.isSafeInteger(rv)) max = Math.max(max, rv);
      }
    }
    return max + 1;
  }

  /** Runs `fn` under the store lock with the journal repaired; `fn` must be synchronous. */
  async transact<T>(fn: (tx: Tx) => T): Promise<T> {
    mkdirSync(this.journalDir, { recursive: true });
    return withLinkLock({ path: join(this.stateDir, 'lock'), probe: this.options.probe, timeoutMs: this.options.lockTimeoutMs }, () => fn(this.open()));
  }

  private open(): Tx {
    let head: number;
    const last = this.journal.openTail();
    if (last) {
      head = last.rv;
      this.redo(last);
    } else {
      head = this.genesisVersion();
      this.journal.append({ rv: head, type: 'INIT' });
    }
    const { root, now, newUid } = this.options;
    return {
      get head() {
        return head;
      },
      get: (kind, ref) => readStored(objectPath(root, KINDS[kind], ref)),
      list: (kind, namespace) => listStored(root, KINDS[kind], namespace, this.logBadFile),
      context: () => ({ rv: String(head + 1), now: now(), newUid }),
      commit: (outcome) => {
        if (outcome.op === 'none') return outcome.object;
        const rv = head + 1;
        if (outcome.object.metadata.resourceVersion !== String(rv)) {
          throw new ClusterError('InternalError', `outcome carries version ${outcome.object.metadata.resourceVersion}, expected ${rv}`);
        }
        const rec: JournalRecord = outcome.op === 'delete'
          ? { rv, type: 'DELETED', object: outcome.object }
          : { rv, type: outcome.type, object: outcome.object, ...(outcome.prev ? { prev: outcome.prev } : {}) };
        this.journal.append(rec);
        head = rv;
        this.materialize(rec);
        this.journal.trim(head);
        return outcome.object;
      },
    };
  }
}
