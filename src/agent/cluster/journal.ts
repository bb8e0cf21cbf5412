// The store's change log: one JSON line per change, in resourceVersion order,
// in segment files `<dir>/<first rv, 16 digits>.jsonl`.
//
// It is the commit point and the source of every watch. A writer, holding the
// store lock, appends the record (one write(2) with O_APPEND) and only then
// replaces the object file; if it dies in between, the next lock holder
// re-applies the last record (openTail + the store's redo), so the files
// always catch up with the log. resourceVersions are dense (each record is
// the previous plus one), which lets readers detect any gap.
//
// Readers never lock. A cursor reads complete lines from its byte offset; a
// line still being written has no newline yet and is read next time. A
// segment is final once a newer one exists (writers append to the newest
// only), so a cursor reads its segment to the end once more before moving
// on. Trimming removes whole old segments, keeping at least `historyLimit`
// records; a cursor that needs a removed record gets Gone, like a watch on
// the API server after etcd compaction.
import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync, appendFileSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterError, gone } from './errors.js';
import type { ClusterObject, Stored } from './types.js';
import { errnoOf } from './atomic-file.js';

export interface JournalRecord {
  rv: number;
  /** INIT is the store's first record (rv 1); it is not shown to watchers. */
  type: 'INIT' | 'ADDED' | 'MODIFIED' | 'DELETED';
  /** The new state; for DELETED the last state, carrying the deletion's version. */
  object?: Stored<ClusterObject>;
  /** For MODIFIED: the state before, so filtered watchers see objects enter and leave their view. */
  prev?: Stored<ClusterObject>;
}

export interface JournalLimits {
  /** Records per segment file. */
  segmentRecords: number;
  /** Records kept at least (older whole segments are removed). */
  historyLimit: number;
}

const SEGMENT = /^(\d{16})\.jsonl$/;

function segmentPath(dir: string, first: number): string {
  return join(dir, `${String(first).padStart(16, '0')}.jsonl`);
}

/** First versions of the segments present, oldest first. */
export function listSegments(dir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return [];
    throw err;
  }
  return names.flatMap((n) => {
    const m = SEGMENT.exec(n);
    return m ? [Number(m[1])] : [];
  }).sort((a, b) => a - b);
}

function parseRecord(line: string, where: string): JournalRecord {
  let rec: unknown;
  try {
    rec = JSON.parse(line);
  } catch {
    throw new ClusterError('InternalError', `journal ${where}: a complete line is not JSON`);
  }
  const r = rec as Partial<JournalRecord>;
  if (typeof r.rv !== 'number' || !['INIT', 'ADDED', 'MODIFIED', 'DELETED'].includes(String(r.type))) {
    throw new ClusterError('InternalError', `journal ${where}: malformed record`);
  }
  return r as JournalRecord;
}

/** Reads bytes [from, end of file); undefined if the file is gone. */
function readFrom(path: string, from: number): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.alloc(Math.max(0, size - from));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(fd, buf, got, buf.length - got, from + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** Writer side: every method must be called with the store lock held. */
export class JournalWriter {
  constructor(private readonly dir: string, private readonly limits: JournalLimits) {}

  /**
   * Cuts off a torn last line (a writer killed mid-append) and returns the
   * last record, or undefined for an empty journal.
   */
  openTail(): JournalRecord | undefined {
    const segments = listSegments(this.dir);
    for (let i = segments.length - 1; i >= 0; i--) {
      const path = segmentPath(this.dir, segments[i] as number);
      const size = statSync(path).size;
      // Records are at most a few hundred KiB; read back until the last full line is in view.
      let chunk = Math.min(size, 64 * 1024);
      for (;;) {
        const from = size - chunk;
        const tail = readFrom(path, from) ?? Buffer.alloc(0);
        const end = tail.lastIndexOf(0x0a);
        const start = end > 0 ? tail.lastIndexOf(0x0a, end - 1) : -1;
        if ((end < 0 || start < 0) && from > 0) {
          chunk = Math.min(size, chunk * 4);
          continue;
        }
        if (end + 1 < tail.length) truncateSync(path, from + end + 1);
        if (end < 0) break; // nothing complete in this segment: look at the one before
        return parseRecord(tail.subarray(start + 1, end).toString('utf8'), path);
      }
    }
    return undefined;
  }

  /** Appends the record, which must be the last record's rv + 1. */
  append(record: JournalRecord): void {
    const segments = listSegments(this.dir);
    const newest = segments.at(-1);
    const first = newest === undefined || record.rv - newest >= this.limits.segmentRecords ? record.rv : newest;
    appendFileSync(segmentPath(this.dir, first), `${JSON.stringify(record)}\n`);
  }

  /** Removes old segments, keeping every record newer than head - historyLimit. */
  trim(head: number): void {
    const segments = listSegments(this.dir);
    for (let i = 0; i + 1 < segments.length; i++) {
      const lastInSegment = (segments[i + 1] as number) - 1;
      if (lastInSegment > head - this.limits.historyLimit) break;
      try {
        unlinkSync(segmentPath(this.dir, segments[i] as number));
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT') throw err;
      }
    }
  }
}

function tooOld(rv: number, oldest: number): ClusterError {
  return gone(`too old resource version: ${rv} (${oldest - 1})`);
}

/** Reader side: the records after a version, without locking. */
export class JournalCursor {
  private offset = 0;
  /** Consecutive reads that stopped at an unparseable line (see readSegment). */
  private stalls = 0;

  private constructor(private readonly dir: string, private segment: number, public lastRv: number) {}

  /** A cursor positioned after `afterRv`; Gone if records after it were trimmed or it is beyond the journal. */
  static after(dir: string, afterRv: number): { cursor: JournalCursor; backlog: JournalRecord[] } {
    const segments = listSegments(dir);
    const oldest = segments[0];
    if (oldest === undefined || afterRv < oldest - 1) throw tooOld(afterRv, oldest ?? 1);
    const segment = segments.filter((s) => s <= afterRv + 1).at(-1) as number;
    // Start just before the segment and skip what the caller has seen.
    const cursor = new JournalCursor(dir, segment, segment - 1);
    const read = cursor.readNew();
    if (cursor.lastRv < afterRv) throw gone(`resource version ${afterRv} is newer than the store (${cursor.lastRv}): the store was reset`);
    return { cursor, backlog: read.filter((r) => r.rv > afterRv) };
  }

  private readSegment(out: JournalRecord[]): boolean {
    const path = segmentPath(this.dir, this.segment);
    const buf = readFrom(path, this.offset);
    if (!buf) return false;
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(0x0a, pos);
      if (nl < 0) break;
      let rec: JournalRecord;
      try {
        rec = parseRecord(buf.subarray(pos, nl).toString('utf8'), path);
      } catch (err) {
        // A read racing the repair of a torn tail (truncate, then append at the
        // same offset) can see old and new bytes mixed: read it again next
        // time; only a line that stays bad is corruption.
        if (++this.stalls > 3) throw err;
        break;
      }
      this.stalls = 0;
      pos = nl + 1;
      if (rec.rv <= this.lastRv) continue;
      if (rec.rv !== this.lastRv + 1) throw tooOld(this.lastRv, rec.rv);
      out.push(rec);
      this.lastRv = rec.rv;
    }
    this.offset += pos;
    return true;
  }

  /** Every complete record written since the last call, in order. Throws Gone if the cursor fell behind the kept history. */
  readNew(): JournalRecord[] {
    const out: JournalRecord[] = [];
    for (;;) {
      const present = this.readSegment(out);
      const next = listSegments(this.dir).find((s) => s > this.segment);
      if (present) {
        if (next === undefined) return out;
        // A newer segment exists, so this one is final: take its last lines.
        this.readSegment(out);
      }
      if (next !== this.lastRv + 1) throw tooOld(this.lastRv, next ?? this.lastRv + 2);
      this.segment = next;
      this.offset = 0;
    }
  }
}
