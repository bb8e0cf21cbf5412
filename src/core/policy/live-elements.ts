// Element lists of the live table and how they differ from what the kernel
// held at the last commit. The first change of an element after a commit
// records whether the kernel had it (ChangeLog), so a delta is exactly "now"
// against "then", however often the element flipped in between. Where an
// element's presence follows from other state (a pod set: some member pod
// has that address), the set keeps no element list of its own, only the
// log; where several sources add the same element independently (named-port
// sets, node addresses), LiveElements counts them.
import { sortElements } from './ruleset.js';

export interface ElementDelta {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** Keys whose presence changed since the last commit, with their presence then. */
export class ChangeLog {
  private readonly changed = new Map<string, boolean>();

  /** `key` is about to change; `was`: whether it is present now. */
  note(key: string, was: boolean): void {
    if (!this.changed.has(key)) this.changed.set(key, was);
  }

  get dirty(): boolean {
    return this.changed.size > 0;
  }

  /** Element texts to add and delete, in canonical order. */
  delta(present: (key: string) => boolean, element: (key: string) => string = (k) => k): ElementDelta {
    const added: string[] = [];
    const removed: string[] = [];
    for (const [key, was] of this.changed) {
      const now = present(key);
      if (now && !was) added.push(element(key));
      else if (!now && was) removed.push(element(key));
    }
    return { added: sortElements(added, (x) => x), removed: sortElements(removed, (x) => x) };
  }

  clear(): void {
    this.changed.clear();
  }
}

/** Counted elements: present while some source holds them. */
export class LiveElements {
  private readonly counts = new Map<string, number>();
  private readonly log = new ChangeLog();

  inc(e: string): void {
    const n = this.counts.get(e) ?? 0;
    if (n === 0) this.log.note(e, false);
    this.counts.set(e, n + 1);
  }

  dec(e: string): void {
    const n = this.counts.get(e);
    if (n === undefined) throw new Error(`live set: element ${e} removed more often than added`);
    if (n > 1) {
      this.counts.set(e, n - 1);
      return;
    }
    this.log.note(e, true);
    this.counts.delete(e);
  }

  has(e: string): boolean {
    return this.counts.has(e);
  }

  get size(): number {
    return this.counts.size;
  }

  keys(): IterableIterator<string> {
    return this.counts.keys();
  }

  get dirty(): boolean {
    return this.log.dirty;
  }

  delta(): ElementDelta {
    return this.log.delta((e) => this.counts.has(e));
  }

  /** The current elements in canonical order (parses each once). */
  sorted(): string[] {
    return sortElements([...this.counts.keys()], (x) => x);
  }

  commit(): void {
    this.log.clear();
  }
}

/** A verdict map: address text → verdict, with the committed verdict of every key changed since. */
export class LiveVerdicts {
  private readonly entries = new Map<string, string>();
  /** Key → its verdict at the last commit (undefined: absent); only keys changed since. */
  private readonly changed = new Map<string, string | undefined>();

  constructor(readonly name: string, readonly type: string) {}

  /** Sets (verdict) or deletes (undefined) one key. */
  set(key: string, verdict: string | undefined): void {
    const cur = this.entries.get(key);
    if (cur === verdict) return;
    if (!this.changed.has(key)) this.changed.set(key, cur);
    if (verdict === undefined) this.entries.delete(key);
    else this.entries.set(key, verdict);
  }

  get size(): number {
    return this.entries.size;
  }

  get dirty(): boolean {
    return this.changed.size > 0;
  }

  /** Entries to delete (with their old verdicts) and to add, in canonical key order. A changed verdict is both. */
  delta(): { added: (readonly [string, string])[]; removed: (readonly [string, string])[] } {
    const added: (readonly [string, string])[] = [];
    const removed: (readonly [string, string])[] = [];
    for (const [key, was] of this.changed) {
      const now = this.entries.get(key);
      if (now === was) continue;
      if (was !== undefined) removed.push([key, was]);
      if (now !== undefined) added.push([key, now]);
    }
    return { added: sortElements(added, (x) => x[0]), removed: sortElements(removed, (x) => x[0]) };
  }

  /** Every entry, ordered by `value` (the key's address value). */
  sorted(value: (key: string) => bigint): (readonly [string, string])[] {
    return [...this.entries].map((e) => ({ e, v: value(e[0]) })).sort((a, b) => (a.v < b.v ? -1 : a.v > b.v ? 1 : 0)).map((x) => x.e);
  }

  commit(): void {
    this.changed.clear();
  }
}
