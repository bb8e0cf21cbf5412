// The kinds a ClusterSource serves: API group/version, the resource name used
// in URLs (and as the directory of the file source), scope, whether status is
// a subresource (then a main update keeps status and a status update keeps
// everything else, as the API server's strategies do), the name syntax, the
// field selectors the API server supports for it, and the parser.
// A constant table: nothing registers itself at import.
import { FieldProblem, isObj, type Obj } from './parse-fields.js';
import { checkMeta, type NameRule } from './parse-meta.js';
import { checkLease, checkNamespace, checkNode, checkPod } from './parse-core-kinds.js';
import { checkEndpointSlice, checkNetworkPolicy, checkService } from './parse-network-kinds.js';
import { invalid } from './errors.js';
import type { KindMap, KindName } from './types.js';

export interface KindInfo {
  readonly kind: KindName;
  readonly apiVersion: string;
  readonly resource: string;
  readonly namespaced: boolean;
  readonly statusSubresource: boolean;
  readonly nameRule: NameRule;
  /** Beyond metadata.name and metadata.namespace, which every kind supports. */
  readonly fieldLabels: readonly string[];
  readonly check: (root: Obj) => void;
}

export const KINDS: { readonly [K in KindName]: KindInfo & { readonly kind: K } } = {
  Namespace: { kind: 'Namespace', apiVersion: 'v1', resource: 'namespaces', namespaced: false, statusSubresource: true, nameRule: 'label', fieldLabels: ['status.phase'], check: checkNamespace },
  Node: { kind: 'Node', apiVersion: 'v1', resource: 'nodes', namespaced: false, statusSubresource: true, nameRule: 'subdomain', fieldLabels: ['spec.unschedulable'], check: checkNode },
  Pod: {
    kind: 'Pod', apiVersion: 'v1', resource: 'pods', namespaced: true, statusSubresource: true, nameRule: 'subdomain',
    fieldLabels: ['spec.nodeName', 'spec.hostNetwork', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
    check: checkPod,
  },
  Service: { kind: 'Service', apiVersion: 'v1', resource: 'services', namespaced: true, statusSubresource: true, nameRule: 'label', fieldLabels: ['spec.clusterIP', 'spec.type'], check: checkService },
  EndpointSlice: { kind: 'EndpointSlice', apiVersion: 'discovery.k8s.io/v1', resource: 'endpointslices', namespaced: true, statusSubresource: false, nameRule: 'subdomain', fieldLabels: [], check: checkEndpointSlice },
  NetworkPolicy: { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', resource: 'networkpolicies', namespaced: true, statusSubresource: false, nameRule: 'subdomain', fieldLabels: [], check: checkNetworkPolicy },
  Lease: { kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', resource: 'leases', namespaced: true, statusSubresource: false, nameRule: 'subdomain', fieldLabels: [], check: checkLease },
};

export function isKindName(text: string): text is KindName {
  return Object.hasOwn(KINDS, text);
}

/** Every field label the kind supports in a fieldSelector. */
export function fieldLabelsOf(info: KindInfo): string[] {
  return ['metadata.name', 'metadata.namespace', ...info.fieldLabels];
}

function lookup(root: unknown, path: string): unknown {
  let cur = root;
  for (const part of path.split('.')) cur = isObj(cur) ? cur[part] : undefined;
  return cur;
}

/** The values fieldSelectors compare against; unset fields read as "" as in the API server. */
export function fieldsOf(info: KindInfo, obj: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const label of fieldLabelsOf(info)) {
    const v = lookup(obj, label);
    out[label] = v === undefined || v === null ? (label === 'spec.hostNetwork' ? 'false' : '') : String(v);
  }
  return out;
}

/**
 * Validates `value` as an object of `kind` and returns a copy with the API
 * server's defaults applied. Throws an Invalid ClusterError naming the field.
 * apiVersion and kind may be absent (filled in) but not different; the
 * namespace is required for namespaced kinds and dropped for cluster-scoped
 * ones, as the API server does.
 */
export function parseObject<K extends KindName>(kind: K, value: unknown): KindMap[K] {
  const info = KINDS[kind];
  const name = isObj(value) && isObj(value.metadata) && typeof value.metadata.name === 'string' ? value.metadata.name : '';
  try {
    if (!isObj(value)) throw new FieldProblem('<root>', 'must be an object');
    const root = structuredClone(value);
    for (const [key, expected] of [['apiVersion', info.apiVersion], ['kind', info.kind]] as const) {
      const got = root[key] ?? expected;
      if (got !== expected) throw new FieldProblem(key, `must be ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`);
      root[key] = expected;
    }
    const meta = checkMeta(root, info.nameRule);
    if (!info.namespaced) delete meta.namespace;
    else if (!meta.namespace) throw new FieldProblem('metadata.namespace', 'Required value');
    info.check(root);
    return root as unknown as KindMap[K];
  } catch (err) {
    if (err instanceof FieldProblem) throw invalid(kind, name, err.field, err.problem);
    throw err;
  }
}

export const parseNamespace = (v: unknown): KindMap['Namespace'] => parseObject('Namespace', v);
export const parseNode = (v: unknown): KindMap['Node'] => parseObject('Node', v);
export const parsePod = (v: unknown): KindMap['Pod'] => parseObject('Pod', v);
export const parseService = (v: unknown): KindMap['Service'] => parseObject('Service', v);
export const parseEndpointSlice = (v: unknown): KindMap['EndpointSlice'] => parseObject('EndpointSlice', v);
export const parseNetworkPolicy = (v: unknown): KindMap['NetworkPolicy'] => parseObject('NetworkPolicy', v);
export const parseLease = (v: unknown): KindMap['Lease'] => parseObject('Lease', v);
