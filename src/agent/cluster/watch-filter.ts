// Which events a filtered list/watch shows, with the API server's rules
// (the watch cache's cacheWatcher.convertToWatchEvent): an object is in view
// when its namespace, labels and selectable fields match; a MODIFIED that
// moves it into view is shown as ADDED, one that moves it out as DELETED
// carrying the previous state (the one that matched) at the event's version,
// so a consumer's cache holds exactly the objects in view. Pure: the store
// hands in the event and the object's previous state.
import { checkSupportedFields, FieldSelectorError, matchesFields, parseFieldSelector, type FieldRequirement } from '../../core/cluster/field-selector.js';
import { matchesLabels, parseLabelSelector, SelectorError, type LabelRequirement } from '../../core/cluster/label-selector.js';
import { badRequest } from './errors.js';
import { fieldLabelsOf, fieldsOf, KINDS } from './kinds.js';
import type { ClusterObject, KindName, Stored } from './types.js';

export interface ObjectFilter {
  readonly kind: KindName;
  readonly namespace: string | undefined;
  readonly labels: readonly LabelRequirement[];
  readonly fields: readonly FieldRequirement[];
}

/** Parses list/watch options into a filter; bad selectors are BadRequest, as from the API server. */
export function makeFilter(kind: KindName, options: { namespace?: string; labelSelector?: string; fieldSelector?: string }): ObjectFilter {
  const info = KINDS[kind];
  try {
    const fields = parseFieldSelector(options.fieldSelector ?? '');
    checkSupportedFields(fields, fieldLabelsOf(info));
    return {
      kind,
      namespace: info.namespaced && options.namespace ? options.namespace : undefined,
      labels: parseLabelSelector(options.labelSelector ?? ''),
      fields,
    };
  } catch (err) {
    if (err instanceof SelectorError || err instanceof FieldSelectorError) throw badRequest(`unable to parse requirement: ${err.message}`);
    throw err;
  }
}

export function inView(filter: ObjectFilter, obj: ClusterObject): boolean {
  if (obj.kind !== filter.kind) return false;
  if (filter.namespace !== undefined && obj.metadata.namespace !== filter.namespace) return false;
  if (!matchesLabels(filter.labels, obj.metadata.labels)) return false;
  return filter.fields.length === 0 || matchesFields(filter.fields, fieldsOf(KINDS[filter.kind], obj));
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  readonly type: ChangeType;
  readonly object: Stored<ClusterObject>;
  /** The state before a MODIFIED. */
  readonly prev?: Stored<ClusterObject> | undefined;
}

/** The event this watcher sees for a change, or undefined when it sees none. */
export function viewOf(filter: ObjectFilter, change: Change): Change | undefined {
  const now = inView(filter, change.object);
  if (change.type !== 'MODIFIED') return now ? { type: change.type, object: change.object } : undefined;
  const before = change.prev !== undefined && inView(filter, change.prev);
  if (now && before) return { type: 'MODIFIED', object: change.object };
  if (now) return { type: 'ADDED', object: change.object };
  if (before && change.prev) {
    const prev = change.prev;
    return { type: 'DELETED', object: { ...prev, metadata: { ...prev.metadata, resourceVersion: change.object.metadata.resourceVersion } } };
  }
  return undefined;
}
