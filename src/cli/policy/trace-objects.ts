// Where `policy trace` gets its cluster: the running lab's store, manifest
// files, or the files layered over the store (a what-if). Either way the
// result is the PolicyInputs the dataplane's model is built from, so the
// trace and the compiled table can never disagree on what they read.
// - Files go through the lab's manifest loader (the store's own parsers),
//   so a bad field is named exactly as `lab apply` would name it.
// - Layering replaces an object of the same kind, namespace and name, and
//   adds the others; nothing in the store is written.
// - Offline pods usually have no status: they are taken as Running, and
//   their missing addresses are reported (only ipBlock peers need them;
//   selector peers match pods by identity), never invented.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ClusterSource } from '../../agent/cluster/cluster-source.js';
import type { Namespace, NetworkPolicy, Node, Pod } from '../../agent/cluster/types.js';
import type { PolicyInputs } from '../../core/policy/inputs.js';
import { loadManifestFiles } from '../../lab/manifest-files.js';

export interface TraceObjects {
  readonly inputs: PolicyInputs;
  /** Where the objects came from, for the explanation: "lab store DIR", "files", "files over lab store DIR". */
  readonly origin: string;
}

interface Collected {
  namespaces: Namespace[];
  nodes: Node[];
  pods: Pod[];
  policies: NetworkPolicy[];
}

const keyOf = (o: { metadata: { name: string; namespace?: string } }): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** `b` over `a`: same key replaced, order of `a` kept, new ones appended. */
function layer<T extends { metadata: { name: string; namespace?: string } }>(a: readonly T[], b: readonly T[]): T[] {
  const over = new Map(b.map((o) => [keyOf(o), o]));
  const out = a.map((o) => over.get(keyOf(o)) ?? o);
  const seen = new Set(a.map(keyOf));
  return [...out, ...b.filter((o) => !seen.has(keyOf(o)))];
}

function fromFiles(paths: readonly string[]): Collected {
  const out: Collected = { namespaces: [], nodes: [], pods: [], policies: [] };
  for (const m of loadManifestFiles(paths)) {
    switch (m.object.kind) {
      case 'Namespace': out.namespaces.push(m.object); break;
      case 'Node': out.nodes.push(m.object); break;
      case 'Pod': out.pods.push(m.object); break;
      case 'NetworkPolicy': out.policies.push(m.object); break;
      default: break; // Services, EndpointSlices, Leases carry no policy meaning
    }
  }
  // A manifest has no status: the pod is taken as running, as it will be once applied.
  out.pods = out.pods.map((p) => (p.status?.phase ? p : { ...p, status: { ...p.status, phase: 'Running' } }));
  return out;
}

async function fromStore(source: ClusterSource): Promise<Collected> {
  const [namespaces, nodes, pods, policies] = await Promise.all([
    source.list('Namespace'), source.list('Node'), source.list('Pod'), source.list('NetworkPolicy'),
  ]);
  return { namespaces: namespaces.items, nodes: nodes.items, pods: pods.items, policies: policies.items };
}

export interface LoadOptions {
  readonly files: readonly string[];
  /** Read the lab store too (always without files; with files only when asked for). */
  readonly useStore: boolean;
  readonly labDir: string;
  readonly openStore: (root: string) => ClusterSource & { close(): void };
}

export class NoLabStoreError extends Error {
  constructor(readonly labDir: string) {
    super(`no lab store at ${join(labDir, 'store')} (is the lab up? --lab-dir DIR, or -f FILE to trace manifests offline)`);
    this.name = 'NoLabStoreError';
  }
}

export async function loadTraceObjects(opts: LoadOptions): Promise<TraceObjects> {
  const files = opts.files.length > 0 ? fromFiles(opts.files) : undefined;
  let stored: Collected | undefined;
  if (opts.useStore) {
    const root = join(opts.labDir, 'store');
    if (!existsSync(root)) throw new NoLabStoreError(opts.labDir);
    const source = opts.openStore(root);
    try {
      stored = await fromStore(source);
    } finally {
      source.close();
    }
  }
  const base = stored ?? { namespaces: [], nodes: [], pods: [], policies: [] };
  const top = files ?? { namespaces: [], nodes: [], pods: [], policies: [] };
  const inputs: PolicyInputs = {
    namespaces: layer(base.namespaces, top.namespaces),
    nodes: layer(base.nodes, top.nodes),
    pods: layer(base.pods, top.pods),
    policies: layer(base.policies, top.policies),
  };
  const store = `lab store ${join(opts.labDir, 'store')}`;
  const origin = files && stored ? `${opts.files.join(', ')} over ${store}` : files ? opts.files.join(', ') : store;
  return { inputs, origin };
}
