// The echo servers of pods and nodes (pod-server.ts), as lab processes:
// `podwirectl lab serve --port P/PROTO ... --ready-fd 3` inside the netns,
// detached, awaited until it listens.
import { formatPortSpec } from './pod-server.js';
import { executable, type LabEnv } from './lab-env.js';
import type { PortSpec, ProcRecord } from './lab-state.js';
import { netnsPath } from './layout.js';
import { startInNetns } from './processes.js';

export function samePorts(a: readonly PortSpec[], b: readonly PortSpec[]): boolean {
  const key = (ps: readonly PortSpec[]) => ps.map(formatPortSpec).sort().join(',');
  return key(a) === key(b);
}

/** `a` ∪ `b`, without duplicates, sorted. */
export function unionPorts(a: readonly PortSpec[], b: readonly PortSpec[]): PortSpec[] {
  const seen = new Map<string, PortSpec>();
  for (const p of [...a, ...b]) seen.set(formatPortSpec(p), p);
  return [...seen.values()].sort((x, y) => x.port - y.port || x.protocol.localeCompare(y.protocol));
}

export function startServer(env: LabEnv, netns: string, ports: readonly PortSpec[], logPath: string, what: string): Promise<ProcRecord> {
  return startInNetns({
    netnsPath: netnsPath(netns),
    exe: executable(env, 'podwirectl'),
    args: ['lab', 'serve', '--ready-fd', '3', ...ports.flatMap((p) => ['--port', formatPortSpec(p)])],
    logPath,
    what,
    readyTimeoutMs: 15_000,
  });
}
