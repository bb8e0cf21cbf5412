// The agent's GET /status document (docs/agent.md) as typed data (pure).
// It comes from another process, possibly of another version, so it enters
// as unknown: what `podwirectl status` shows is checked and a wrong field is
// named; fields it does not show are kept only in the raw document (--json
// prints that one, untouched). Readiness is read as "name → boolean" rather
// than a fixed set, so a part a newer agent waits for (policySynced, ...)
// still appears among the reasons.

export interface AgentPeer {
  node: string;
  podCIDR: string;
  podCIDRv6?: string;
  underlayIP: string;
  vtepMAC: string | null;
  error?: string;
}

export interface AgentStatusDoc {
  node: string;
  backend: string;
  podCIDRs: string[];
  underlayInterface: string | null;
  underlayIP: string | null;
  vtepMAC: string | null;
  mtu: number | null;
  ready: boolean;
  readiness: Record<string, boolean>;
  peers: AgentPeer[];
  skipped: Array<{ node: string; reason: string }>;
  nodesKnown: number | null;
  conflist: string | null;
  /** The agent's CNI service (docs/cni-service.md); null when it runs none (or is older). */
  cniService: { socket: string; served: number; refused: number; restarts: number } | null;
  startedAt: string | null;
}

export class StatusDocError extends Error {
  constructor(message: string) {
    super(`/status: ${message}`);
    this.name = 'StatusDocError';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Record<string, unknown>, key: string, path: string): string {
  const v = o[key];
  if (typeof v !== 'string') throw new StatusDocError(`${path}${key}: not a string`);
  return v;
}

function strOrNull(o: Record<string, unknown>, key: string, path: string): string | null {
  const v = o[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new StatusDocError(`${path}${key}: not a string`);
  return v;
}

function list(o: Record<string, unknown>, key: string): unknown[] {
  const v = o[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new StatusDocError(`${key}: not a list`);
  return v;
}

function parsePeer(v: unknown, i: number): AgentPeer {
  const path = `peers[${i}].`;
  if (!isObj(v)) throw new StatusDocError(`peers[${i}]: not an object`);
  const v6 = strOrNull(v, 'podCIDRv6', path);
  const error = strOrNull(v, 'error', path);
  return {
    node: str(v, 'node', path),
    podCIDR: str(v, 'podCIDR', path),
    ...(v6 !== null ? { podCIDRv6: v6 } : {}),
    underlayIP: str(v, 'underlayIP', path),
    vtepMAC: strOrNull(v, 'vtepMAC', path),
    ...(error !== null ? { error } : {}),
  };
}

export function parseAgentStatus(value: unknown): AgentStatusDoc {
  if (!isObj(value)) throw new StatusDocError('not an object');
  if (typeof value.ready !== 'boolean') throw new StatusDocError('ready: not a boolean');
  const readiness: Record<string, boolean> = {};
  if (value.readiness !== undefined) {
    if (!isObj(value.readiness)) throw new StatusDocError('readiness: not an object');
    for (const [k, v] of Object.entries(value.readiness)) {
      if (typeof v !== 'boolean') throw new StatusDocError(`readiness.${k}: not a boolean`);
      readiness[k] = v;
    }
  }
  const mtu = value.mtu;
  if (mtu !== undefined && mtu !== null && (typeof mtu !== 'number' || !Number.isInteger(mtu))) throw new StatusDocError('mtu: not an integer');
  const known = value.nodesKnown;
  return {
    node: str(value, 'node', ''),
    backend: str(value, 'backend', ''),
    podCIDRs: list(value, 'podCIDRs').map((c, i) => {
      if (typeof c !== 'string') throw new StatusDocError(`podCIDRs[${i}]: not a string`);
      return c;
    }),
    underlayInterface: strOrNull(value, 'underlayInterface', ''),
    underlayIP: strOrNull(value, 'underlayIP', ''),
    vtepMAC: strOrNull(value, 'vtepMAC', ''),
    mtu: typeof mtu === 'number' ? mtu : null,
    ready: value.ready,
    readiness,
    peers: list(value, 'peers').map(parsePeer),
    skipped: list(value, 'skipped').map((s, i) => {
      if (!isObj(s)) throw new StatusDocError(`skipped[${i}]: not an object`);
      return { node: str(s, 'node', `skipped[${i}].`), reason: str(s, 'reason', `skipped[${i}].`) };
    }),
    nodesKnown: typeof known === 'number' ? known : null,
    conflist: strOrNull(value, 'conflist', ''),
    cniService: parseCniService(value.cniService),
    startedAt: strOrNull(value, 'startedAt', ''),
  };
}

function parseCniService(v: unknown): AgentStatusDoc['cniService'] {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) throw new StatusDocError('cniService: not an object');
  const count = (key: string): number => {
    const n = v[key] ?? 0;
    if (typeof n !== 'number') throw new StatusDocError(`cniService.${key}: not a number`);
    return n;
  };
  return { socket: str(v, 'socket', 'cniService.'), served: count('served'), refused: count('refused'), restarts: count('restarts') };
}

/** The readiness parts still missing, in the agent's order ([] when ready). */
export function missingParts(doc: AgentStatusDoc): string[] {
  return Object.entries(doc.readiness).filter(([, ok]) => !ok).map(([k]) => k);
}
