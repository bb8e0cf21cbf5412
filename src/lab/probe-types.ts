// The data `lab probe` passes to `lab probe-from` (targets, on the command
// line) and gets back (outcomes, one JSON object on stdout), with the parsers
// for both directions: each side is a separate process, so each reads the
// other's output as unknown.

export interface ProbeTarget {
  /** `ns/name` for a pod, `node/<name>` for a node's underlay address. */
  id: string;
  ip: string;
  port: number;
  protocol: 'TCP' | 'UDP';
}

export interface ProbeOutcome {
  ok: boolean;
  /** The source address the target saw (whoami). */
  peer?: string;
  ms?: number;
  error?: string;
  /** Continuous mode. */
  sent?: number;
  received?: number;
  broken?: number;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function parseTargets(text: string): ProbeTarget[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('--targets: not JSON');
  }
  if (!Array.isArray(value)) throw new Error('--targets: must be a list');
  return value.map((t: unknown, i) => {
    if (!isObj(t) || typeof t.id !== 'string' || typeof t.ip !== 'string' || typeof t.port !== 'number' || (t.protocol !== 'TCP' && t.protocol !== 'UDP')) {
      throw new Error(`--targets[${i}]: needs id, ip, port and protocol TCP or UDP`);
    }
    return { id: t.id, ip: t.ip, port: t.port, protocol: t.protocol };
  });
}

export function parseOutcomes(text: string): Record<string, ProbeOutcome> {
  const value: unknown = JSON.parse(text);
  if (!isObj(value)) throw new Error('probe-from: output is not an object');
  const out: Record<string, ProbeOutcome> = {};
  for (const [id, o] of Object.entries(value)) {
    if (!isObj(o) || typeof o.ok !== 'boolean') throw new Error(`probe-from: ${id}: no "ok"`);
    out[id] = o as unknown as ProbeOutcome;
  }
  return out;
}
