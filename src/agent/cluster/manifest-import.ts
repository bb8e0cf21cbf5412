// User-written manifests in the file store's tree. Two kinds of file count:
// - YAML (.yaml/.yml, multi-document allowed) anywhere under the root outside
//   dot-directories: the user's desired state. Each is applied like `kubectl
//   apply` (object.rules prepareApply) when its content hash changes; objects
//   it applied before and no longer declares (or all of them, when the file
//   is removed) are deleted. The store never writes these files.
// - JSON at an object's place (<resource>/<scope>/<file>.json) without
//   metadata.resourceVersion: an object dropped in by hand. It is adopted:
//   created through the normal path (uid, version, ADDED event) and
//   rewritten at its canonical name. JSON files belong to the store.
// A namespaced object without a namespace takes the directory's
// (<resource>/<namespace>/…) or "default", as kubectl does.
//
// Scanning is lock-free and cheap when nothing changed (a stat per file,
// remembered by inode, size and mtime); only when there is work does the
// caller take the lock and run importManifests, which re-reads everything
// it acts on. Per-file results (what was applied, errors) live in
// <root>/.podwire/manifests.json, so each process skips work already done.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { errnoOf, readIfPresent, TEMP_MARK, unlinkIfPresent, writeFileAtomic } from './atomic-file.js';
import { ClusterError } from './errors.js';
import type { Tx } from './file-store.js';
import { isKindName, KINDS } from './kinds.js';
import { checkRef, objectPath } from './object-files.js';
import { prepareApply, prepareDelete } from './object-rules.js';
import { isObj } from './parse-fields.js';
import type { KindName } from './types.js';

interface AppliedRef {
  kind: KindName;
  name: string;
  namespace?: string;
  uid: string;
}

export interface ManifestState {
  files: Record<string, { hash: string; objects: AppliedRef[]; errors?: string[] }>;
}

export interface ScanResult {
  /** Relative paths of YAML manifests, with the hash of their content. */
  manifests: Map<string, string>;
  /** Absolute paths of JSON files waiting for adoption. */
  unadopted: string[];
}

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex');

function isYaml(name: string): boolean {
  return name.endsWith('.yaml') || name.endsWith('.yml');
}

/** Remembers what each file looked like, so a scan reads only what changed. */
export class TreeScanner {
  private readonly seen = new Map<string, { fp: string; hash?: string; unadopted?: boolean }>();

  constructor(private readonly root: string) {}

  scan(): ScanResult {
    const result: ScanResult = { manifests: new Map(), unadopted: [] };
    const alive = new Set<string>();
    const walk = (dir: string, depth: number): void => {
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch (err) {
        if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return;
        throw err;
      }
      for (const name of names.sort()) {
        if (name.startsWith('.') || name.includes(TEMP_MARK)) continue;
        const path = join(dir, name);
        const st = statSync(path, { throwIfNoEntry: false });
        if (!st) continue;
        if (st.isDirectory()) {
          if (depth < 6) walk(path, depth + 1);
          continue;
        }
        const json = depth === 2 && name.endsWith('.json');
        if (!st.isFile() || !(json || isYaml(name))) continue;
        alive.add(path);
        const fp = `${st.ino}:${st.size}:${st.mtimeMs}`;
        let entry = this.seen.get(path);
        if (entry?.fp !== fp) {
          entry = { fp };
          const text = readIfPresent(path) ?? '';
          if (json) entry.unadopted = needsAdoption(text);
          else entry.hash = hashOf(text);
          this.seen.set(path, entry);
        }
        if (entry.hash !== undefined) result.manifests.set(relative(this.root, path), entry.hash);
        if (entry.unadopted) result.unadopted.push(path);
      }
    };
    walk(this.root, 0);
    for (const path of this.seen.keys()) if (!alive.has(path)) this.seen.delete(path);
    return result;
  }

  /** Stops offering these JSON files for adoption until they change. */
  giveUp(paths: readonly string[]): void {
    for (const path of paths) {
      const entry = this.seen.get(path);
      if (entry) entry.unadopted = false;
    }
  }
}

function needsAdoption(text: string): boolean {
  try {
    const v = JSON.parse(text) as { metadata?: { resourceVersion?: unknown } };
    return isObj(v) && !v.metadata?.resourceVersion;
  } catch {
    return false; // half-written by an editor, or not an object file: leave it
  }
}

/** The record of applied manifests; unreadable reads as empty (re-applying is harmless, a manifest's objects are only pruned from its own record). */
export function readManifestState(path: string): ManifestState {
  const text = readIfPresent(path);
  if (text === undefined) return { files: {} };
  try {
    const v = JSON.parse(text) as ManifestState;
    return isObj(v) && isObj(v.files) ? v : { files: {} };
  } catch {
    return { files: {} };
  }
}

/** Whether importManifests would do anything (lock-free check). */
export function hasWork(scan: ScanResult, state: ManifestState): boolean {
  if (scan.unadopted.length > 0) return true;
  for (const [path, hash] of scan.manifests) if (state.files[path]?.hash !== hash) return true;
  return Object.keys(state.files).some((path) => !scan.manifests.has(path));
}

const refKey = (r: { kind: string; namespace?: string | undefined; name: string }): string => `${r.kind}/${r.namespace ?? ''}/${r.name}`;

/** Fills kind, namespace and name a document may leave out, from where it sits. */
function complete(doc: Record<string, unknown>, relPath: string, fileName?: string): KindName {
  const parts = relPath.split(sep);
  const dirKind = (Object.values(KINDS) as { resource: string; kind: KindName }[]).find((k) => k.resource === parts[0])?.kind;
  const kind = typeof doc.kind === 'string' ? doc.kind : dirKind;
  if (!kind || !isKindName(kind)) throw new ClusterError('BadRequest', `kind: ${JSON.stringify(doc.kind)} is not served by this store`);
  const meta = (isObj(doc.metadata) ? doc.metadata : (doc.metadata = {})) as Record<string, unknown>;
  if (KINDS[kind].namespaced && !meta.namespace) meta.namespace = dirKind === kind && parts.length >= 3 ? parts[1] : 'default';
  if (!meta.name && fileName) meta.name = fileName;
  return kind;
}

function applyDoc(tx: Tx, doc: unknown, relPath: string, fileName?: string): AppliedRef {
  if (!isObj(doc)) throw new ClusterError('BadRequest', 'a document must be an object');
  const kind = complete(doc, relPath, fileName);
  const meta = doc.metadata as { name?: unknown; namespace?: unknown };
  const ref = checkRef(KINDS[kind], { name: String(meta.name ?? ''), ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}) });
  const obj = tx.commit(prepareApply(kind, doc, tx.get(kind, ref), tx.context()));
  return { kind, ...ref, uid: obj.metadata.uid };
}

function prune(tx: Tx, refs: readonly AppliedRef[]): void {
  for (const r of refs) {
    const current = tx.get(r.kind, r);
    if (current?.metadata.uid === r.uid) tx.commit(prepareDelete(r.kind, current, r, { uid: r.uid }, tx.context()));
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Applies changed manifests and adopts dropped-in JSON; call under the store
 * lock. Returns the JSON files that could not be adopted (the scanner leaves
 * them alone until they change).
 */
export function importManifests(tx: Tx, root: string, scan: ScanResult, statePath: string, log: (line: string) => void): string[] {
  const state = readManifestState(statePath);
  let changed = false;
  for (const relPath of [...scan.manifests.keys()].sort()) {
    const text = readIfPresent(join(root, relPath));
    if (text === undefined) continue;
    const hash = hashOf(text);
    const before = state.files[relPath];
    if (before?.hash === hash) continue;
    changed = true;
    const errors: string[] = [];
    const objects: AppliedRef[] = [];
    const docs = parseAllDocuments(text);
    const broken = 'errors' in docs ? docs : docs.find((d) => d.errors.length > 0);
    if (broken) {
      // A half-saved file: keep what it applied last time, retry when it changes.
      errors.push(`YAML: ${broken.errors.map((e) => e.message).join('; ')}`);
      state.files[relPath] = { hash, objects: before?.objects ?? [], errors };
    } else {
      docs.forEach((d, i) => {
        const value: unknown = d.toJS();
        if (value === null || value === undefined) return;
        try {
          objects.push(applyDoc(tx, value, relPath));
        } catch (err) {
          errors.push(`document ${i}: ${describe(err)}`);
        }
      });
      const kept = new Set(objects.map(refKey));
      prune(tx, (before?.objects ?? []).filter((r) => !kept.has(refKey(r))));
      state.files[relPath] = { hash, objects, ...(errors.length ? { errors } : {}) };
    }
    for (const e of errors) log(`cluster store: manifest ${relPath}: ${e}`);
  }
  for (const relPath of Object.keys(state.files)) {
    if (scan.manifests.has(relPath)) continue;
    prune(tx, state.files[relPath]?.objects ?? []);
    delete state.files[relPath];
    changed = true;
  }
  const failed = scan.unadopted.filter((path) => !adopt(tx, root, path, log));
  if (changed) writeFileAtomic(statePath, `${JSON.stringify(state, null, 2)}\n`);
  return failed;
}

function adopt(tx: Tx, root: string, path: string, log: (line: string) => void): boolean {
  const text = readIfPresent(path);
  if (text === undefined || !needsAdoption(text)) return true;
  const relPath = relative(root, path);
  try {
    const ref = applyDoc(tx, JSON.parse(text), relPath, relPath.split(sep).at(-1)?.replace(/\.json$/, ''));
    const canonical = objectPath(root, KINDS[ref.kind], ref);
    if (canonical !== path) unlinkIfPresent(path);
    return true;
  } catch (err) {
    log(`cluster store: cannot adopt ${relPath}: ${describe(err)}`);
    return false;
  }
}
