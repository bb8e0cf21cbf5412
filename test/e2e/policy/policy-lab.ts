// Helpers for the NetworkPolicy tests that run the real lab (built
// dist/bin/podwirectl, real agents): a lab with its own `pwpl<pid><tag>`
// prefix and /tmp dir, manifests written as YAML from plain objects, the
// policy model built from the lab's store (the same objects the agents
// watch), and `evaluate()` run over the probe matrix's pairs so a test can
// compare the kernel's answer with the engine's for every pair.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FileClusterSource, fileSourceOptions } from '../../../src/agent/cluster/file-source.js';
import { evaluate } from '../../../src/core/policy/evaluate.js';
import { buildPolicyModel, type PolicyModel } from '../../../src/core/policy/model.js';
import type { LabStatus } from '../../../src/lab/status.js';
import { runCli, type CliResult } from '../lab/lab-harness.js';

export type Matrix = Record<string, Record<string, boolean>>;
export type Manifest = Record<string, unknown>;

export interface PolicyLab {
  readonly prefix: string;
  readonly labDir: string;
  run(args: readonly string[]): Promise<CliResult>;
  ok(args: readonly string[]): Promise<string>;
  json<T>(args: readonly string[]): Promise<T>;
  /** Writes the objects as one YAML file and runs `lab apply -f` (or delete). */
  apply(objects: readonly Manifest[]): Promise<string>;
  delete(objects: readonly Manifest[]): Promise<string>;
  /** The model of what the store holds now. */
  model(): Promise<PolicyModel>;
  /** Node name → underlay address, from `lab status`. */
  nodeIPs(): Promise<Map<string, string>>;
  /** Removes the scratch dir (lab down is the caller's, so it can assert on it). */
  close(): void;
}

let labs = 0;

export function policyLab(tag: string): PolicyLab {
  const prefix = `pwpl${process.pid.toString(36)}${tag}${(labs++).toString(36)}`;
  const labDir = `/tmp/podwire-lab-test-${prefix}`;
  const scratch = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let files = 0;
  let source: FileClusterSource | undefined;
  const withDir = (args: readonly string[]): string[] => [...args, '--lab-dir', labDir];
  const lab: PolicyLab = {
    prefix,
    labDir,
    run: (args) => runCli(withDir(args)).done,
    async ok(args) {
      const r = await lab.run(args);
      if (r.code !== 0) throw new Error(`podwirectl lab ${args.join(' ')}: exit ${String(r.code)}\n${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    async json<T>(args: readonly string[]) {
      return JSON.parse(await lab.ok([...args, '--json'])) as T;
    },
    apply: (objects) => lab.ok(['apply', '-f', writeManifests(objects)]),
    delete: (objects) => lab.ok(['delete', '-f', writeManifests(objects)]),
    async model() {
      source ??= new FileClusterSource(fileSourceOptions(join(labDir, 'store'), { log: () => undefined }));
      const [namespaces, pods, policies, nodes] = await Promise.all([
        source.list('Namespace'), source.list('Pod'), source.list('NetworkPolicy'), source.list('Node'),
      ]);
      return buildPolicyModel({ namespaces: namespaces.items, pods: pods.items, policies: policies.items, nodes: nodes.items });
    },
    async nodeIPs() {
      const s = await lab.json<LabStatus>(['status']);
      return new Map(s.nodes.map((n) => [n.name, n.underlayIP]));
    },
    close() {
      source?.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
  function writeManifests(objects: readonly Manifest[]): string {
    const file = join(scratch, `m${files++}.yaml`);
    writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
    return file;
  }
  return lab;
}

export const namespace = (name: string, labels: Record<string, string> = {}): Manifest => ({
  apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ns: name, ...labels } },
});

/** A pod serving 80/TCP (named http) and 81/UDP (named dns). */
export function pod(ns: string, name: string, opts: { node?: string; labels?: Record<string, string> } = {}): Manifest {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: ns, labels: opts.labels ?? { pod: name } },
    spec: {
      ...(opts.node ? { nodeName: opts.node } : {}),
      containers: [{
        name: 'server', image: 'podwire-lab/echo',
        ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }, { name: 'dns', containerPort: 81, protocol: 'UDP' }],
      }],
    },
  };
}

export const policy = (ns: string, name: string, spec: Record<string, unknown>): Manifest => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace: ns }, spec,
});

/**
 * What evaluate() says for every pair of a probe matrix's shape: pod targets
 * by name, node targets (`node/<name>`) by their underlay address.
 */
export function expectedMatrix(model: PolicyModel, shape: Matrix, nodeIPs: ReadonlyMap<string, string>, port: number, protocol: 'TCP' | 'UDP'): Matrix {
  const out: Matrix = {};
  for (const [from, row] of Object.entries(shape)) {
    const [fns = '', fname = ''] = from.split('/');
    const r: Record<string, boolean> = {};
    for (const to of Object.keys(row)) {
      const [tns = '', tname = ''] = to.split('/');
      const target = tns === 'node' ? { ip: nodeIPs.get(tname) ?? '' } : { namespace: tns, pod: tname };
      r[to] = evaluate(model, { from: { namespace: fns, pod: fname }, to: target, port, protocol }).allowed;
    }
    out[from] = r;
  }
  return out;
}

/** Pairs whose values differ, as readable lines. */
export function disagreements(actual: Matrix, expected: Matrix): string[] {
  const out: string[] = [];
  for (const [from, row] of Object.entries(expected)) {
    for (const [to, want] of Object.entries(row)) {
      const got = actual[from]?.[to];
      if (got !== want) out.push(`${from} → ${to}: probe ${String(got)}, evaluate ${String(want)}`);
    }
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
