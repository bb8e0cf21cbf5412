// Pods: what kubelet and the container runtime do, minus the containers.
// Create: the Pod object (scheduled to its node), the pod's netns, CNI ADD
// through the node's chain, the addresses in status (phase Running), and the
// echo server on every declared port. Delete runs the same in reverse and is
// idempotent, so it also unwinds a create that failed half-way: every piece
// is recorded in the state before it is acquired.
// Update (apply on an existing pod) changes only what Kubernetes lets change
// on a live pod (labels, annotations): no new netns, no new address. A
// changed port list restarts only the echo server.
import type { ClusterSource } from '../agent/cluster/cluster-source.js';
import { isAlreadyExists, isNotFound } from '../agent/cluster/errors.js';
import type { Namespace, Pod } from '../agent/cluster/types.js';
import { cniBinDirs, type LabEnv } from './lab-env.js';
import type { NodeRecord, PodRecord, PortSpec } from './lab-state.js';
import { podKey, podLog, podNetns } from './layout.js';
import { createNetns, removeNetns } from './netns.js';
import { attachPod, detachPod, nodeCni } from './pod-network.js';
import { stopProcess } from './processes.js';
import { samePorts, startServer } from './servers.js';
import { forgetNetns, recordNetns } from './topology.js';

/** The ports the echo server answers on: every container's TCP and UDP ports (SCTP is not served). */
export function podPorts(pod: Pod): PortSpec[] {
  const out: PortSpec[] = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      const protocol = p.protocol ?? 'TCP';
      if (protocol !== 'SCTP' && !out.some((o) => o.port === p.containerPort && o.protocol === protocol)) out.push({ port: p.containerPort, protocol });
    }
  }
  return out;
}

function metaTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** kubectl create namespace, for pods whose namespace nobody declared. */
export async function ensureNamespace(store: ClusterSource, name: string): Promise<void> {
  const ns: Namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
  try {
    await store.create('Namespace', ns);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

function withoutStatus(pod: Pod, nodeName: string): Pod {
  const { status: _status, ...rest } = pod;
  return { ...rest, spec: { ...pod.spec, nodeName } };
}

export async function createPod(env: LabEnv, pod: Pod, node: NodeRecord): Promise<PodRecord> {
  const store = env.store();
  const namespace = pod.metadata.namespace ?? 'default';
  const name = pod.metadata.name;
  await ensureNamespace(store, namespace);
  const created = await store.create('Pod', withoutStatus(pod, node.name));
  const rec: PodRecord = {
    namespace, name, uid: created.metadata.uid, node: node.name, netns: podNetns(env.state.load().prefix, namespace, name),
    attached: false, ips: [], ports: podPorts(pod),
  };
  await env.state.update((s) => {
    s.pods[podKey(namespace, name)] = rec;
  });
  try {
    await recordNetns(env.state, rec.netns);
    await createNetns(rec.netns);
    rec.attached = true;
    await env.state.update((s) => {
      const p = s.pods[podKey(namespace, name)];
      if (p) p.attached = true;
    });
    rec.ips = await attachPod(nodeCni(env.labDir, node.netns, node.name, cniBinDirs(env)), rec);
    const started = new Date();
    // Unconditional (no resourceVersion): the lab is this pod's kubelet, the status is ours to write.
    const { resourceVersion: _rv, ...metadata } = created.metadata;
    await store.updateStatus('Pod', {
      ...created,
      metadata,
      status: {
        phase: 'Running',
        hostIP: node.underlayIP,
        hostIPs: [{ ip: node.underlayIP }],
        ...(rec.ips[0] !== undefined ? { podIP: rec.ips[0] } : {}),
        podIPs: rec.ips.map((ip) => ({ ip })),
        conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map((type) => ({ type, status: 'True' as const, lastTransitionTime: metaTime(started) })),
      },
    });
    if (rec.ports.length > 0) {
      rec.server = await startServer(env, rec.netns, rec.ports, podLog(env.labDir, namespace, name), `server ${podKey(namespace, name)}`);
    }
    await env.state.update((s) => {
      s.pods[podKey(namespace, name)] = rec;
    });
    return rec;
  } catch (err) {
    await deletePod(env, rec).catch((undoErr: unknown) => env.log(`undo of ${podKey(namespace, name)} failed: ${String(undoErr)}`));
    throw err;
  }
}

/** Tears a pod down; every step treats "already gone" as done. */
export async function deletePod(env: LabEnv, rec: PodRecord): Promise<void> {
  const key = podKey(rec.namespace, rec.name);
  await stopProcess(rec.server, { graceMs: 1000 });
  const node = env.state.load().nodes[rec.node];
  if (rec.attached && node) await detachPod(nodeCni(env.labDir, node.netns, node.name, cniBinDirs(env)), rec);
  await removeNetns(rec.netns);
  await forgetNetns(env.state, rec.netns);
  try {
    await env.store().delete('Pod', { namespace: rec.namespace, name: rec.name }, { preconditions: { uid: rec.uid } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await env.state.update((s) => {
    if (s.pods[key]?.uid === rec.uid) delete s.pods[key];
  });
}

export type PodChange = 'unchanged' | 'updated';

/** Applies a manifest to a live pod: metadata in place, the server restarted if its ports changed. */
export async function updatePod(env: LabEnv, rec: PodRecord, pod: Pod): Promise<PodChange> {
  const key = podKey(rec.namespace, rec.name);
  const wanted = pod.spec.nodeName;
  if (wanted !== undefined && wanted !== rec.node) {
    throw new Error(`pod ${key}: spec.nodeName is immutable (runs on ${rec.node}); delete the pod first`);
  }
  const store = env.store();
  const current = await store.get('Pod', { namespace: rec.namespace, name: rec.name });
  const { resourceVersion: _rv, ...metadata } = current.metadata;
  const next: Pod = {
    ...current,
    metadata: { ...metadata, labels: pod.metadata.labels ?? {}, annotations: pod.metadata.annotations ?? {} },
    spec: { ...pod.spec, nodeName: rec.node },
  };
  if (!pod.metadata.annotations) delete next.metadata.annotations;
  const after = await store.update('Pod', next);
  let changed = after.metadata.resourceVersion !== current.metadata.resourceVersion;
  const ports = podPorts(pod);
  if (!samePorts(ports, rec.ports)) {
    changed = true;
    await stopProcess(rec.server, { graceMs: 1000 });
    const server = ports.length > 0 ? await startServer(env, rec.netns, ports, podLog(env.labDir, rec.namespace, rec.name), `server ${key}`) : undefined;
    await env.state.update((s) => {
      const p = s.pods[key];
      if (!p) return;
      p.ports = ports;
      if (server) p.server = server;
      else delete p.server;
    });
  }
  return changed ? 'updated' : 'unchanged';
}
