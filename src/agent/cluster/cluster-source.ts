// The node agent's only view of the cluster. Implementations: the file
// source (the lab's store, file-source.ts) and, later, the API server through
// @kubernetes/client-node; both keep the API's semantics, so code written
// against one runs against the other:
// - resourceVersions are opaque strings: compare them for equality, never order;
// - list returns a consistent snapshot and the resourceVersion it was taken at;
// - watch from that version delivers every later change in order, exactly once;
//   from a version older than the kept history it fails with Gone (410): relist;
//   with no version it first replays the current objects as ADDED;
// - a selector-filtered watch sees an object leave the selection as DELETED and
//   enter it as ADDED; BOOKMARKs (when asked for) only advance the version;
// - update and updateStatus are compare-and-swap on metadata.resourceVersion
//   (Conflict on mismatch; no version means unconditional); an update that
//   changes nothing is a no-op (same version, no event);
// - delete of an object with finalizers only sets deletionTimestamp; the
//   object goes when its last finalizer is removed.
// Failures are ClusterErrors (errors.ts) matched on `reason`.
import type { ClusterObject, KindMap, KindName, Stored } from './types.js';

export interface ObjectRef {
  name: string;
  /** Required for namespaced kinds, ignored for cluster-scoped ones. */
  namespace?: string;
}

export interface ListOptions {
  namespace?: string;
  /** Query-string form: `app=web,tier!=db,env in (a,b),!legacy`. */
  labelSelector?: string;
  /** `metadata.name=x`, `spec.nodeName=node-1`, … (per-kind field labels, as the API server). */
  fieldSelector?: string;
}

export interface ObjectList<T extends ClusterObject> {
  items: Stored<T>[];
  /** Watch from here to see every change after this snapshot. */
  resourceVersion: string;
}

export interface WatchOptions extends ListOptions {
  /** Start after this version; undefined or "" (or "0"): replay current objects as ADDED first. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
}

export type WatchEvent<T extends ClusterObject> =
  | { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Stored<T> }
  | { type: 'BOOKMARK'; object: { apiVersion: string; kind: string; metadata: { resourceVersion: string } } };

/** Events in resourceVersion order; iteration throws a ClusterError (Gone) when the watch cannot continue. */
export interface ClusterWatch<T extends ClusterObject> extends AsyncIterable<WatchEvent<T>> {
  /** Ends the iteration after the events already delivered; safe to call twice. */
  stop(): void;
}

export interface DeleteOptions {
  /** Delete only this instance / only at this version (Conflict otherwise). */
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** JSON merge patch (RFC 7386); a metadata.resourceVersion in it is a precondition, as in the API. */
export type MergePatch = Record<string, unknown>;

export interface ClusterSource {
  list<K extends KindName>(kind: K, options?: ListOptions): Promise<ObjectList<KindMap[K]>>;
  watch<K extends KindName>(kind: K, options?: WatchOptions): ClusterWatch<KindMap[K]>;
  get<K extends KindName>(kind: K, ref: ObjectRef): Promise<Stored<KindMap[K]>>;
  /** AlreadyExists if taken; metadata.generateName gets a random suffix when name is empty. */
  create<K extends KindName>(kind: K, object: KindMap[K]): Promise<Stored<KindMap[K]>>;
  /** Replaces everything but status (for kinds with a status subresource) and the server-set metadata. */
  update<K extends KindName>(kind: K, object: KindMap[K]): Promise<Stored<KindMap[K]>>;
  /** Replaces only status (MethodNotAllowed for kinds without a status subresource). */
  updateStatus<K extends KindName>(kind: K, object: KindMap[K]): Promise<Stored<KindMap[K]>>;
  patch<K extends KindName>(kind: K, ref: ObjectRef, patch: MergePatch, options?: { subresource?: 'status' }): Promise<Stored<KindMap[K]>>;
  /** Returns the object as deleted (or as marked for deletion when finalizers remain). */
  delete<K extends KindName>(kind: K, ref: ObjectRef, options?: DeleteOptions): Promise<Stored<KindMap[K]>>;
}
