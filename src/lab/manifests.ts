// Manifests in, typed objects out: YAML (multi-document, or JSON which is
// YAML) parsed with the `yaml` package, each document checked with the
// cluster store's own parsers (kinds.ts) so a bad field is reported with its
// path before the lab touches anything. Namespaced objects without a
// namespace go to "default", as kubectl does. Kinds the store does not serve
// are refused by name.
import { parseAllDocuments } from 'yaml';
import { ClusterError } from '../agent/cluster/errors.js';
import { isKindName, KINDS, parseObject } from '../agent/cluster/kinds.js';
import type { ClusterObject, KindName } from '../agent/cluster/types.js';

export interface Manifest {
  kind: KindName;
  object: ClusterObject;
  /** `file#index` for messages. */
  source: string;
}

export class ManifestError extends Error {
  constructor(readonly source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'ManifestError';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function toManifest(doc: unknown, source: string): Manifest[] {
  if (doc === null || doc === undefined) return [];
  if (!isObj(doc)) throw new ManifestError(source, 'not an object');
  if (doc.kind === 'List' && Array.isArray(doc.items)) return doc.items.flatMap((item, i) => toManifest(item, `${source}.items[${i}]`));
  const kind = typeof doc.kind === 'string' ? doc.kind : '';
  if (!isKindName(kind)) {
    throw new ManifestError(source, `kind ${JSON.stringify(doc.kind ?? null)} is not served by the lab's cluster store (served: ${Object.keys(KINDS).join(', ')})`);
  }
  const input = structuredClone(doc);
  const meta = isObj(input.metadata) ? input.metadata : undefined;
  if (KINDS[kind].namespaced && meta && (meta.namespace === undefined || meta.namespace === '')) meta.namespace = 'default';
  try {
    return [{ kind, object: parseObject(kind, input) as ClusterObject, source }];
  } catch (err) {
    if (err instanceof ClusterError) throw new ManifestError(source, err.message);
    throw err;
  }
}

/** Every object in a YAML text; throws ManifestError naming the document and field. */
export function parseManifests(text: string, file: string): Manifest[] {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  return list.flatMap((doc, i) => {
    const source = `${file}#${i}`;
    if (doc.errors.length > 0) throw new ManifestError(source, doc.errors[0]?.message ?? 'YAML error');
    return toManifest(doc.toJS(), source);
  });
}

const APPLY_ORDER: readonly KindName[] = ['Namespace', 'Node', 'Lease', 'Service', 'EndpointSlice', 'NetworkPolicy', 'Pod'];

/** Namespaces first, pods last (delete: the reverse), stable within a kind. */
export function applyOrder(list: readonly Manifest[], reverse = false): Manifest[] {
  const rank = (m: Manifest) => APPLY_ORDER.indexOf(m.kind);
  const sorted = [...list].sort((a, b) => rank(a) - rank(b));
  return reverse ? sorted.reverse() : sorted;
}

export function refOf(m: Manifest): { name: string; namespace?: string } {
  const ns = m.object.metadata.namespace;
  return { name: m.object.metadata.name, ...(KINDS[m.kind].namespaced && ns ? { namespace: ns } : {}) };
}

/** `pod/x/a`, `namespace/x`: how apply and delete name what they did. */
export function describeRef(m: Manifest): string {
  const r = refOf(m);
  return `${m.kind.toLowerCase()}/${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}
