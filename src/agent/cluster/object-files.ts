// Where objects live in the file store and how they are read:
//   <root>/<resource>/<namespace>/<name>.json   namespaced kinds (pods, services, …)
//   <root>/<resource>/_cluster/<name>.json      cluster-scoped kinds (nodes, namespaces)
// The resource is the API's plural (the URL segment), so the tree reads like
// the API's paths. Names and namespaces are checked before they become path
// components: a valid Kubernetes name cannot contain "/" or be "..".
// A JSON file without metadata.resourceVersion is not a live object yet (a
// user dropped it in; the importer adopts it), so reads skip it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dnsLabelProblem, dnsSubdomainProblem } from '../../core/cluster/names.js';
import { errnoOf, readIfPresent, TEMP_MARK } from './atomic-file.js';
import { badRequest, ClusterError } from './errors.js';
import type { KindInfo } from './kinds.js';
import type { ObjectRef } from './cluster-source.js';
import type { ClusterObject, Stored } from './types.js';

export const CLUSTER_SCOPE = '_cluster';

/** Checks a reference before it becomes a path; returns it normalised (no namespace for cluster-scoped kinds). */
export function checkRef(info: KindInfo, ref: ObjectRef): ObjectRef {
  const nameProblem = info.nameRule === 'label' ? dnsLabelProblem(ref.name) : dnsSubdomainProblem(ref.name);
  if (ref.name === '' || nameProblem) throw badRequest(`${info.resource}: invalid name ${JSON.stringify(ref.name)}: ${nameProblem ?? 'empty'}`);
  if (!info.namespaced) return { name: ref.name };
  const ns = ref.namespace ?? '';
  const nsProblem = ns === '' ? 'a namespace is required' : dnsLabelProblem(ns);
  if (nsProblem) throw badRequest(`${info.resource}: invalid namespace ${JSON.stringify(ns)}: ${nsProblem}`);
  return { name: ref.name, namespace: ns };
}

export function scopeDir(root: string, info: KindInfo, namespace?: string): string {
  return join(root, info.resource, info.namespaced ? (namespace as string) : CLUSTER_SCOPE);
}

export function objectPath(root: string, info: KindInfo, ref: ObjectRef): string {
  return join(scopeDir(root, info, ref.namespace), `${ref.name}.json`);
}

/** The stored object at `path`: undefined if absent or not yet adopted; throws if it is not JSON. */
export function readStored(path: string): Stored<ClusterObject> | undefined {
  const text = readIfPresent(path);
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ClusterError('InternalError', `${path}: not JSON (${(err as Error).message})`);
  }
  const rv = (value as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
  return typeof rv === 'string' && rv !== '' ? (value as Stored<ClusterObject>) : undefined;
}

function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT' || errnoOf(err) === 'ENOTDIR') return [];
    throw err;
  }
}

/**
 * Live objects of a kind, in the API's order (namespace, then name). A file
 * that cannot be read as an object is reported through `onBad` and skipped:
 * one hand-edited file must not hide the rest.
 */
export function listStored(root: string, info: KindInfo, namespace: string | undefined, onBad: (path: string, err: unknown) => void): Stored<ClusterObject>[] {
  const scopes = !info.namespaced ? [CLUSTER_SCOPE] : namespace ? [namespace] : names(join(root, info.resource)).filter((n) => !n.startsWith('.')).sort();
  const out: Stored<ClusterObject>[] = [];
  for (const scope of scopes) {
    const dir = join(root, info.resource, scope);
    for (const name of names(dir).sort()) {
      if (name.startsWith('.') || name.includes(TEMP_MARK) || !name.endsWith('.json')) continue;
      try {
        const obj = readStored(join(dir, name));
        if (obj && obj.kind === info.kind) out.push(obj);
      } catch (err) {
        onBad(join(dir, name), err);
      }
    }
  }
  return out;
}
