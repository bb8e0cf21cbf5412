// `lab apply` and `lab delete`: manifests against the cluster store, with the
// lab playing kubelet for pods. Namespaces and other kinds are written as
// they are (a NetworkPolicy or Service is the agents' business); Pods go
// through the pod lifecycle (pods.ts). Apply converges: an object that
// exists is updated in place (for a pod: labels and annotations only, same
// netns, same address), one that does not is created. Pods are placed first
// (scheduler.ts), then created a few at a time.
import type { ClusterSource } from '../agent/cluster/cluster-source.js';
import { isAlreadyExists, isNotFound } from '../agent/cluster/errors.js';
import { KINDS } from '../agent/cluster/kinds.js';
import type { ClusterObject, KindName, Pod } from '../agent/cluster/types.js';
import { mapLimit } from './concurrency.js';
import type { LabEnv } from './lab-env.js';
import { podKey } from './layout.js';
import { applyOrder, describeRef, refOf, type Manifest } from './manifests.js';
import { createPod, deletePod, updatePod } from './pods.js';
import { placePods } from './scheduler.js';

export type Action = 'created' | 'configured' | 'unchanged' | 'deleted' | 'not found';

export interface ActionReport {
  ref: string;
  action: Action;
  /** For pods: node and addresses. */
  detail?: string;
}

const POD_CONCURRENCY = 6;

/** Server-set metadata dropped from a manifest (a dump of `lab status --json` applies cleanly). */
function asDesired(obj: ClusterObject): ClusterObject {
  const copy = structuredClone(obj);
  const m = copy.metadata;
  delete m.uid;
  delete m.resourceVersion;
  delete m.creationTimestamp;
  delete m.generation;
  return copy;
}

async function applyObject(store: ClusterSource, m: Manifest): Promise<Action> {
  const kind: KindName = m.kind;
  const desired = asDesired(m.object);
  try {
    await store.create(kind, desired as never);
    return 'created';
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
  const current = await store.get(kind, refOf(m));
  const next = { ...desired, metadata: { ...desired.metadata, uid: current.metadata.uid } } as ClusterObject;
  // Kinds with a status subresource keep their status on update; for the others
  // a manifest without status must not wipe one a controller wrote.
  if (!KINDS[kind].statusSubresource && (desired as { status?: unknown }).status === undefined && (current as { status?: unknown }).status !== undefined) {
    (next as { status?: unknown }).status = (current as { status?: unknown }).status;
  }
  const after = await store.update(kind, next as never);
  return after.metadata.resourceVersion === current.metadata.resourceVersion ? 'unchanged' : 'configured';
}

async function applyPods(env: LabEnv, pods: readonly Manifest[]): Promise<ActionReport[]> {
  const state = env.state.load();
  const fresh = pods.filter((m) => state.pods[podKey(m.object.metadata.namespace ?? 'default', m.object.metadata.name)] === undefined);
  const load: Record<string, number> = {};
  for (const p of Object.values(state.pods)) load[p.node] = (load[p.node] ?? 0) + 1;
  const placement = placePods(Object.keys(state.nodes), load, fresh.map((m) => ({ key: describeRef(m), nodeName: (m.object as Pod).spec.nodeName })));
  let done = 0;
  const reports = await mapLimit(pods, POD_CONCURRENCY, async (m): Promise<ActionReport> => {
    const pod = m.object as Pod;
    const key = podKey(pod.metadata.namespace ?? 'default', pod.metadata.name);
    const existing = env.state.load().pods[key];
    let report: ActionReport;
    if (existing) {
      const change = await updatePod(env, existing, pod);
      report = { ref: describeRef(m), action: change === 'updated' ? 'configured' : 'unchanged' };
    } else {
      const nodeName = placement.get(describeRef(m)) ?? '';
      const node = env.state.load().nodes[nodeName];
      if (!node) throw new Error(`pod ${key}: node ${nodeName} is gone`);
      const rec = await createPod(env, pod, node);
      report = { ref: describeRef(m), action: 'created', detail: `${rec.node} ${rec.ips.join(',')}` };
    }
    env.progress(`pods: ${++done}/${pods.length}`);
    return report;
  });
  return reports;
}

export async function applyManifests(env: LabEnv, manifests: readonly Manifest[]): Promise<ActionReport[]> {
  const ordered = applyOrder(manifests);
  const reports: ActionReport[] = [];
  for (const m of ordered.filter((x) => x.kind !== 'Pod')) {
    reports.push({ ref: describeRef(m), action: await applyObject(env.store(), m) });
  }
  reports.push(...await applyPods(env, ordered.filter((x) => x.kind === 'Pod')));
  return reports;
}

async function deleteObject(store: ClusterSource, kind: KindName, ref: { name: string; namespace?: string }): Promise<Action> {
  try {
    await store.delete(kind, ref);
    return 'deleted';
  } catch (err) {
    if (isNotFound(err)) return 'not found';
    throw err;
  }
}

/** A namespace takes its pods and other namespaced objects with it, as the namespace controller does. */
async function deleteNamespaceContents(env: LabEnv, namespace: string): Promise<void> {
  const pods = Object.values(env.state.load().pods).filter((p) => p.namespace === namespace);
  await mapLimit(pods, POD_CONCURRENCY, (p) => deletePod(env, p));
  const store = env.store();
  for (const kind of Object.keys(KINDS) as KindName[]) {
    if (!KINDS[kind].namespaced) continue;
    for (const o of (await store.list(kind, { namespace })).items) await deleteObject(store, kind, { name: o.metadata.name, namespace });
  }
}

export async function deleteManifests(env: LabEnv, manifests: readonly Manifest[]): Promise<ActionReport[]> {
  const ordered = applyOrder(manifests, true);
  const podManifests = ordered.filter((m) => m.kind === 'Pod');
  const podReports = await mapLimit(podManifests, POD_CONCURRENCY, async (m): Promise<ActionReport> => {
    const r = refOf(m);
    const rec = env.state.load().pods[podKey(r.namespace ?? 'default', r.name)];
    if (rec) {
      await deletePod(env, rec);
      return { ref: describeRef(m), action: 'deleted' };
    }
    return { ref: describeRef(m), action: await deleteObject(env.store(), 'Pod', r) };
  });
  const reports = [...podReports];
  for (const m of ordered.filter((x) => x.kind !== 'Pod')) {
    if (m.kind === 'Namespace') await deleteNamespaceContents(env, m.object.metadata.name);
    reports.push({ ref: describeRef(m), action: await deleteObject(env.store(), m.kind, refOf(m)) });
  }
  return reports;
}
