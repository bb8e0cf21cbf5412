// What the API server does to an object on create, update, status update,
// delete and apply, as pure functions of (request, current object, next
// resourceVersion): validation and defaults (the kind's parser), server-set
// metadata (uid, creationTimestamp, generation, resourceVersion), the
// resourceVersion and uid preconditions, the status subresource split,
// finalizers and deletionTimestamp, and the no-op rule (an update that changes
// nothing keeps its version and makes no event). The store only has to run
// these under its lock and persist the outcome.
import { jsonEqual } from '../../core/cluster/json.js';
import { badRequest, ClusterError, conflict, invalid, notFound, alreadyExists } from './errors.js';
import { KINDS, parseObject } from './kinds.js';
import { isObj } from './parse-fields.js';
import type { ClusterObject, KindName, ObjectMeta, Stored } from './types.js';

export type Outcome =
  | { op: 'write'; type: 'ADDED' | 'MODIFIED'; object: Stored<ClusterObject>; prev?: Stored<ClusterObject> }
  | { op: 'delete'; object: Stored<ClusterObject>; prev: Stored<ClusterObject> }
  | { op: 'none'; object: Stored<ClusterObject> };

export interface RuleContext {
  /** The version a write would get. */
  rv: string;
  now: Date;
  newUid: () => string;
}

/** metav1.Time: RFC 3339 with second precision. */
export function formatTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** The API server's generateName suffix: five characters without vowels or look-alikes. */
export function randomNameSuffix(random: () => number): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += SUFFIX_ALPHABET[Math.floor(random() * SUFFIX_ALPHABET.length)];
  return s;
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function metaOf(v: unknown): Partial<ObjectMeta> {
  return isObj(v) && isObj(v.metadata) ? (v.metadata as Partial<ObjectMeta>) : {};
}

/** Everything but metadata and status: what `generation` counts changes of. */
function desired(o: ClusterObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = o as ClusterObject & { status?: unknown };
  return rest;
}

function sameIgnoringVersion(a: Stored<ClusterObject>, b: Stored<ClusterObject>): boolean {
  const strip = (o: Stored<ClusterObject>) => ({ ...o, metadata: { ...o.metadata, resourceVersion: '' } });
  return jsonEqual(strip(a), strip(b));
}

function checkPreconditions(kind: KindName, existing: Stored<ClusterObject>, uid: string | undefined, rv: string | undefined): void {
  const name = existing.metadata.name;
  if (uid && uid !== existing.metadata.uid) {
    throw conflict(kind, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${existing.metadata.uid}`);
  }
  if (rv && rv !== existing.metadata.resourceVersion) {
    throw conflict(kind, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
}

export function prepareCreate(kind: KindName, input: unknown, existing: Stored<ClusterObject> | undefined, ctx: RuleContext): Outcome {
  if (metaOf(input).resourceVersion) throw badRequest('resourceVersion should not be set on objects to be created');
  const obj = parseObject(kind, input) as ClusterObject;
  if (existing) throw alreadyExists(kind, obj.metadata.name, obj.metadata.namespace);
  const { deletionTimestamp: _d, deletionGracePeriodSeconds: _g, ...meta } = obj.metadata;
  obj.metadata = { ...meta, uid: ctx.newUid(), creationTimestamp: formatTime(ctx.now), generation: 1, resourceVersion: ctx.rv };
  return { op: 'write', type: 'ADDED', object: obj as Stored<ClusterObject> };
}

/** Update rules of particular kinds (the API server's ValidateXUpdate). */
function checkUpdate(kind: KindName, next: ClusterObject, existing: ClusterObject): void {
  if (next.kind === 'Node' && existing.kind === 'Node') {
    const before = existing.spec?.podCIDRs ?? [];
    if (before.length > 0 && !jsonEqual(before, next.spec?.podCIDRs ?? [])) {
      throw invalid(kind, next.metadata.name, 'spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid');
    }
  }
}

/** Finishes an update: no-op detection, generation, version, and deletion once the last finalizer is gone. */
function finish(kind: KindName, next: Stored<ClusterObject>, existing: Stored<ClusterObject>, ctx: RuleContext): Outcome {
  checkUpdate(kind, next, existing);
  const added = (next.metadata.finalizers ?? []).filter((f) => !(existing.metadata.finalizers ?? []).includes(f));
  if (existing.metadata.deletionTimestamp && added.length > 0) {
    throw invalid(kind, next.metadata.name, 'metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`);
  }
  next.metadata.resourceVersion = existing.metadata.resourceVersion;
  if (sameIgnoringVersion(next, existing)) return { op: 'none', object: existing };
  if (!jsonEqual(desired(next), desired(existing))) next.metadata.generation = (existing.metadata.generation ?? 0) + 1;
  next.metadata.resourceVersion = ctx.rv;
  if (next.metadata.deletionTimestamp && (next.metadata.finalizers ?? []).length === 0) {
    return { op: 'delete', object: next, prev: existing };
  }
  return { op: 'write', type: 'MODIFIED', object: next, prev: existing };
}

/** Server-set metadata an update cannot change. */
function keepServerMeta(meta: ObjectMeta, existing: Stored<ClusterObject>): Stored<ClusterObject>['metadata'] {
  const { deletionTimestamp: _d, deletionGracePeriodSeconds: _g, ...rest } = meta;
  const e = existing.metadata;
  return {
    ...rest,
    uid: e.uid,
    creationTimestamp: e.creationTimestamp,
    resourceVersion: e.resourceVersion,
    ...(e.generation !== undefined ? { generation: e.generation } : {}),
    ...(e.deletionTimestamp !== undefined ? { deletionTimestamp: e.deletionTimestamp } : {}),
    ...(e.deletionGracePeriodSeconds !== undefined ? { deletionGracePeriodSeconds: e.deletionGracePeriodSeconds } : {}),
  };
}

function withStatusOf(obj: ClusterObject, source: ClusterObject): void {
  const o = obj as { status?: unknown };
  const s = (source as { status?: unknown }).status;
  if (s === undefined) delete o.status;
  else o.status = clone(s);
}

export function prepareUpdate(kind: KindName, input: unknown, existing: Stored<ClusterObject> | undefined, ctx: RuleContext): Outcome {
  const obj = parseObject(kind, input) as ClusterObject;
  if (!existing) throw notFound(kind, obj.metadata.name, obj.metadata.namespace);
  if (obj.metadata.name !== existing.metadata.name || obj.metadata.namespace !== existing.metadata.namespace) {
    throw badRequest(`the name of the object (${obj.metadata.namespace ?? ''}/${obj.metadata.name}) does not match the name on the URL (${existing.metadata.namespace ?? ''}/${existing.metadata.name})`);
  }
  checkPreconditions(kind, existing, obj.metadata.uid, obj.metadata.resourceVersion);
  const next = { ...obj, metadata: keepServerMeta(obj.metadata, existing) } as Stored<ClusterObject>;
  if (KINDS[kind].statusSubresource) withStatusOf(next, existing);
  return finish(kind, next, existing, ctx);
}

/** PUT …/status: only status changes (metadata included, as ResetObjectMetaForStatus does). */
export function prepareStatusUpdate(kind: KindName, input: unknown, existing: Stored<ClusterObject> | undefined, ctx: RuleContext): Outcome {
  if (!KINDS[kind].statusSubresource) throw new ClusterError('MethodNotAllowed', `${KINDS[kind].resource} have no status subresource`, { kind });
  const meta = metaOf(input);
  if (!existing) throw notFound(kind, String(meta.name ?? ''), meta.namespace);
  checkPreconditions(kind, existing, meta.uid, meta.resourceVersion);
  const candidate = clone(existing) as ClusterObject;
  withStatusOf(candidate, (isObj(input) ? input : {}) as unknown as ClusterObject);
  const next = parseObject(kind, candidate) as Stored<ClusterObject>;
  return finish(kind, next, existing, ctx);
}

export function prepareDelete(kind: KindName, existing: Stored<ClusterObject> | undefined, ref: { name: string; namespace?: string }, pre: { uid?: string; resourceVersion?: string }, ctx: RuleContext): Outcome {
  if (!existing) throw notFound(kind, ref.name, ref.namespace);
  checkPreconditions(kind, existing, pre.uid, pre.resourceVersion);
  const next = clone(existing);
  next.metadata.resourceVersion = ctx.rv;
  if ((existing.metadata.finalizers ?? []).length > 0) {
    if (existing.metadata.deletionTimestamp) return { op: 'none', object: existing };
    next.metadata.deletionTimestamp = formatTime(ctx.now);
    next.metadata.deletionGracePeriodSeconds = 0;
    return { op: 'write', type: 'MODIFIED', object: next, prev: existing };
  }
  return { op: 'delete', object: next, prev: existing };
}

/**
 * A user manifest applied over the live object (kubectl apply without field
 * ownership): the manifest's fields replace the live ones, status included
 * when the manifest has one (the lab has no kubelet to report it); server-set
 * metadata is kept. Versions and uids copied from a dump are ignored.
 */
export function prepareApply(kind: KindName, manifest: unknown, existing: Stored<ClusterObject> | undefined, ctx: RuleContext): Outcome {
  const input = clone(manifest) as { metadata?: Record<string, unknown> };
  if (isObj(input.metadata)) {
    for (const key of ['resourceVersion', 'uid', 'creationTimestamp', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds']) delete input.metadata[key];
  }
  if (!existing) return prepareCreate(kind, input, undefined, ctx);
  const obj = parseObject(kind, input) as ClusterObject;
  const next = { ...obj, metadata: keepServerMeta(obj.metadata, existing) } as Stored<ClusterObject>;
  if ((obj as { status?: unknown }).status === undefined) withStatusOf(next, existing);
  return finish(kind, next, existing, ctx);
}
