// The lab's record of what it created: `<labDir>/state.json`. Written before
// each acquisition (a netns is recorded before `ip netns add`, a process
// right after spawn), so a crash at any point leaves a record at least as
// large as reality; `lab down` removes what the record names and then sweeps
// `ip netns list` for the prefix and the processes inside those namespaces,
// which covers the window between a spawn and its record.
//
// Updates are read-modify-write under a link lock (the cluster store's,
// which survives SIGKILLed holders), and the file is replaced atomically, so
// concurrent lab commands and crashed ones never leave half a file.
import { mkdirSync } from 'node:fs';
import { readIfPresent, writeFileAtomic } from '../agent/cluster/atomic-file.js';
import { withLinkLock } from '../agent/cluster/link-lock.js';
import { procProbe, type ProcessIdentity } from '../agent/cluster/process-probe.js';
import { labPaths } from './layout.js';

export type Backend = 'vxlan' | 'routed';

export interface PortSpec {
  port: number;
  protocol: 'TCP' | 'UDP';
}

export interface ProcRecord extends ProcessIdentity {
  /** What was started, for `lab status` and the logs. */
  readonly what: string;
}

export interface NodeRecord {
  name: string;
  slot: number;
  netns: string;
  underlayIP: string;
  fabricPort: string;
  agent?: ProcRecord;
  /** The node's own echo responder (probe target for pod → node). */
  server?: ProcRecord & { ports: PortSpec[] };
}

export interface PodRecord {
  namespace: string;
  name: string;
  uid: string;
  node: string;
  netns: string;
  /** Set once CNI ADD succeeded: DEL is due from then on. */
  attached: boolean;
  ips: string[];
  ports: PortSpec[];
  server?: ProcRecord;
}

export interface LabState {
  version: 1;
  prefix: string;
  labDir: string;
  backend: Backend;
  /** The lab programs the pod network itself (no agents): a debugging aid. */
  static: boolean;
  /** Every netns recorded before creation; removed from here once deleted. */
  netns: string[];
  nodes: Record<string, NodeRecord>;
  /** By `namespace/name`. */
  pods: Record<string, PodRecord>;
}

export class LabStateError extends Error {
  constructor(readonly code: 'NoLab' | 'Corrupt' | 'Exists', message: string) {
    super(message);
    this.name = 'LabStateError';
  }
}

function parseState(text: string, path: string): LabState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new LabStateError('Corrupt', `${path}: not JSON (${String(err)})`);
  }
  const s = value as Partial<LabState> | null;
  if (!s || s.version !== 1 || typeof s.prefix !== 'string' || typeof s.labDir !== 'string' || typeof s.nodes !== 'object' || typeof s.pods !== 'object' || !Array.isArray(s.netns)) {
    throw new LabStateError('Corrupt', `${path}: not a lab state file (version 1)`);
  }
  return s as LabState;
}

export interface StateFile {
  readonly path: string;
  /** The state, or undefined when there is no lab here. */
  read(): LabState | undefined;
  /** The state; throws NoLab when there is none. */
  load(): LabState;
  /** Applies `change` to the current state under the lock and persists it; returns the new state. */
  update(change: (s: LabState) => void): Promise<LabState>;
  /** Writes a new state (lab up); throws Exists when one is there. */
  create(initial: LabState): Promise<void>;
}

export function stateFile(labDir: string): StateFile {
  const paths = labPaths(labDir);
  const lock = { path: paths.lock, probe: procProbe(), timeoutMs: 30_000 };
  const read = (): LabState | undefined => {
    const text = readIfPresent(paths.state);
    return text === undefined ? undefined : parseState(text, paths.state);
  };
  const load = (): LabState => {
    const s = read();
    if (!s) throw new LabStateError('NoLab', `no lab at ${labDir} (run \`podwirectl lab up\`)`);
    return s;
  };
  return {
    path: paths.state,
    read,
    load,
    update: (change) => withLinkLock(lock, () => {
      const s = load();
      change(s);
      writeFileAtomic(paths.state, `${JSON.stringify(s, null, 2)}\n`);
      return s;
    }),
    create: async (initial) => {
      mkdirSync(labDir, { recursive: true });
      await withLinkLock(lock, () => {
        if (read()) throw new LabStateError('Exists', `a lab is already up at ${labDir} (run \`podwirectl lab down\` first)`);
        writeFileAtomic(paths.state, `${JSON.stringify(initial, null, 2)}\n`);
      });
    },
  };
}

export function emptyState(prefix: string, labDir: string, backend: Backend, isStatic: boolean): LabState {
  return { version: 1, prefix, labDir, backend, static: isStatic, netns: [], nodes: {}, pods: {} };
}
