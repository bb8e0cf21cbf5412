// Throwaway labs for `bench dataplane`: the real lab (src/lab: fabric, nodes
// with their podwire-agent, pods wired by the CNI chain the agent wrote, echo
// servers), built programmatically with a prefix of the run's own
// (`pwdp<pid><backend>`) and a lab dir under the temp dir, so a benchmark
// never touches a user's lab or another run's.
//
// Two nodes suffice: pods a and b on node1 (same-node path), c on node2
// (cross-node path); each pod and node serves TCP echo on port 80 for the
// latency probe.
//
// Teardown is the lab's own `lab down` (recorded processes stopped, every
// `<prefix>-*` netns emptied and deleted, lab dir removed): it also runs when
// bring-up failed half-way. A signal cannot wait for promises, so Ctrl-C
// uses sweepBenchLabSync, the same sweep done synchronously.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataplaneBackend } from '../../core/bench/dataplane-report.js';
import { createLabEnv, type LabEnv } from '../../lab/lab-env.js';
import { labDown } from '../../lab/lab-down.js';
import type { NodeRecord, PodRecord } from '../../lab/lab-state.js';
import { labUp } from '../../lab/lab-up.js';
import { ownsNetns } from '../../lab/layout.js';
import { parseManifests } from '../../lab/manifests.js';

export const BENCH_NAMESPACE = 'bench';
export const ECHO_PORT = 80;

/** Pod name → node: a and b share node1, c is on node2. */
const PODS: ReadonlyArray<readonly [string, string]> = [['a', 'node1'], ['b', 'node1'], ['c', 'node2']];

export interface BenchLab {
  readonly backend: DataplaneBackend;
  readonly prefix: string;
  readonly labDir: string;
  readonly env: LabEnv;
}

export interface BenchLabOptions {
  backend: DataplaneBackend;
  /** Directory of podwirectl, podwire-agent and the plugins. */
  binDir: string;
  progress(message: string): void;
  log(line: string): void;
}

export function benchPrefix(pid: number, backend: DataplaneBackend): string {
  return `pwdp${pid.toString(36)}${backend[0] ?? 'x'}`;
}

function podManifests(): string {
  const pods = PODS.map(([name, node]) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: BENCH_NAMESPACE, labels: { app: 'podwire-bench' } },
    spec: { nodeName: node, containers: [{ name: 'bench', ports: [{ containerPort: ECHO_PORT }] }] },
  }));
  return pods.map((p) => JSON.stringify(p)).join('\n---\n');
}

/** Names the lab before anything exists, so a sweep can find all of it whenever it runs. */
export function planBenchLab(opts: BenchLabOptions, pid: number): BenchLab {
  const prefix = benchPrefix(pid, opts.backend);
  const labDir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  return { backend: opts.backend, prefix, labDir, env: createLabEnv({ labDir, binDir: opts.binDir, progress: opts.progress, log: opts.log }) };
}

export async function upBenchLab(lab: BenchLab, readyTimeoutMs: number): Promise<void> {
  await labUp(lab.env, {
    nodes: 2,
    backend: lab.backend,
    prefix: lab.prefix,
    noAgent: false,
    manifests: parseManifests(podManifests(), 'bench dataplane'),
    readyTimeoutMs,
  });
}

export function labNode(lab: BenchLab, name: 'node1' | 'node2'): NodeRecord {
  const node = lab.env.state.load().nodes[name];
  if (!node) throw new Error(`bench lab ${lab.prefix}: no node ${name}`);
  return node;
}

export function labPod(lab: BenchLab, name: 'a' | 'b' | 'c'): PodRecord & { ip: string } {
  const pod = lab.env.state.load().pods[`${BENCH_NAMESPACE}/${name}`];
  const ip = pod?.ips.find((a) => !a.includes(':'));
  if (!pod || ip === undefined) throw new Error(`bench lab ${lab.prefix}: pod ${name} has no IPv4 address`);
  return { ...pod, ip };
}

/** `lab down` for this lab; never throws (a teardown must not hide the benchmark's own error). */
export async function downBenchLab(lab: BenchLab, progress: (m: string) => void): Promise<string[]> {
  lab.env.close();
  try {
    const report = await labDown(lab.labDir, lab.prefix, undefined, progress);
    return report.warnings;
  } catch (err) {
    sweepBenchLabSync(lab);
    return [`lab down ${lab.prefix} failed (${(err as Error).message}); swept instead`];
  }
}

function quiet(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  } catch {
    return '';
  }
}

/** The teardown for signal handlers: SIGKILL what runs in the lab's netns, delete them, remove the lab dir. */
export function sweepBenchLabSync(lab: Pick<BenchLab, 'prefix' | 'labDir'>): void {
  let names: string[] = [];
  try {
    const listed = quiet('ip', ['-j', 'netns', 'list']).trim();
    names = (listed === '' ? [] : (JSON.parse(listed) as Array<{ name: string }>)).map((n) => n.name).filter((n) => ownsNetns(lab.prefix, n));
  } catch {
    // nothing listed: only the lab dir is left to remove
  }
  for (const name of names) {
    for (const pid of quiet('ip', ['netns', 'pids', name]).split('\n').map(Number).filter((n) => Number.isInteger(n) && n > 0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const name of names) quiet('ip', ['netns', 'delete', name]);
  rmSync(lab.labDir, { recursive: true, force: true });
}
