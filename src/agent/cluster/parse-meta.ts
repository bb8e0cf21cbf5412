// ObjectMeta and metav1.LabelSelector: the parts every kind shares.
import { requirementsOf, SelectorError, type LabelSelector } from '../../core/cluster/label-selector.js';
import { dnsLabelProblem, dnsSubdomainProblem, labelValueProblem, qualifiedNameProblem } from '../../core/cluster/names.js';
import { asObj, at, eachOf, fail, optInt, optObj, optString, optStringArray, optStringMap, reqString, type Obj } from './parse-fields.js';

export type NameRule = 'subdomain' | 'label';

/** Checks metadata at `metadata`; `nameRule` is the kind's name syntax. */
export function checkMeta(root: Obj, nameRule: NameRule): Obj {
  const meta = asObj(root.metadata, 'metadata');
  const name = reqString(meta, 'name', 'metadata');
  const problem = nameRule === 'label' ? dnsLabelProblem(name) : dnsSubdomainProblem(name);
  if (problem) fail('metadata.name', `Invalid value: ${JSON.stringify(name)}: ${problem}`);
  const namespace = optString(meta, 'namespace', 'metadata');
  if (namespace !== undefined && namespace !== '') {
    const p = dnsLabelProblem(namespace);
    if (p) fail('metadata.namespace', `Invalid value: ${JSON.stringify(namespace)}: ${p}`);
  }
  for (const key of ['generateName', 'uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp']) optString(meta, key, 'metadata');
  optInt(meta, 'generation', 'metadata', 0, Number.MAX_SAFE_INTEGER);
  optInt(meta, 'deletionGracePeriodSeconds', 'metadata', 0, Number.MAX_SAFE_INTEGER);
  const labels = optStringMap(meta, 'labels', 'metadata') ?? {};
  for (const [k, v] of Object.entries(labels)) {
    const kp = qualifiedNameProblem(k);
    if (kp) fail(`metadata.labels`, `Invalid value: ${JSON.stringify(k)}: ${kp}`);
    const vp = labelValueProblem(v);
    if (vp) fail(`metadata.labels.${k}`, `Invalid value: ${JSON.stringify(v)}: ${vp}`);
  }
  const annotations = optStringMap(meta, 'annotations', 'metadata') ?? {};
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    const kp = qualifiedNameProblem(k.toLowerCase());
    if (kp) fail('metadata.annotations', `Invalid value: ${JSON.stringify(k)}: ${kp}`);
    size += k.length + v.length;
  }
  // The API server's limit on all annotations together.
  if (size > 256 * 1024) fail('metadata.annotations', 'Too long: must have at most 262144 bytes');
  optStringArray(meta, 'finalizers', 'metadata');
  eachOf(meta, 'ownerReferences', 'metadata', (v, field) => {
    const ref = asObj(v, field);
    for (const key of ['apiVersion', 'kind', 'name', 'uid']) reqString(ref, key, field);
  });
  return meta;
}

/** A metav1.LabelSelector at parent[key]; semantic rules (In needs values, …) included. */
export function checkLabelSelector(parent: Obj, key: string, base: string): LabelSelector | undefined {
  const sel = optObj(parent, key, base);
  if (!sel) return undefined;
  const field = at(base, key);
  optStringMap(sel, 'matchLabels', field);
  eachOf(sel, 'matchExpressions', field, (v, f) => {
    const e = asObj(v, f);
    reqString(e, 'key', f);
    const op = reqString(e, 'operator', f);
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(op)) {
      fail(`${f}.operator`, `Unsupported value: ${JSON.stringify(op)}: supported values: "In", "NotIn", "Exists", "DoesNotExist"`);
    }
    optStringArray(e, 'values', f);
  });
  const typed = sel as LabelSelector;
  try {
    requirementsOf(typed, field);
  } catch (err) {
    if (err instanceof SelectorError) fail(err.field, err.problem);
    throw err;
  }
  return typed;
}
