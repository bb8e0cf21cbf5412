// iperf3's JSON report (`iperf3 -c ... -J`) as typed data (pure).
//
// What is read, and why:
// - `end.sum_received.bits_per_second`: the rate the *receiver* got, the one
//   that matters for a dataplane (the sender's figure counts bytes still in
//   flight or later retransmitted);
// - `end.sum_sent.retransmits`: TCP retransmissions, a sign of drops on the
//   path (absent for UDP and on systems without TCP_INFO: then null);
// - `end.cpu_utilization_percent`: how busy both ends were, to tell a
//   CPU-bound run from a path-bound one;
// - a top-level `error` is what iperf3 writes instead of results (refused
//   connection, server busy): it becomes an Iperf3Error with that text.
// The report is untrusted input: each field is checked and named when wrong.

export interface Iperf3Result {
  bitsPerSecond: number;
  bytes: number;
  seconds: number;
  retransmits: number | null;
  cpu: { senderPercent: number; receiverPercent: number } | null;
  version: string | null;
}

export class Iperf3Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Iperf3Error';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function field(obj: Record<string, unknown>, key: string, path: string): Record<string, unknown> {
  const v = obj[key];
  if (!isObj(v)) throw new Iperf3Error(`iperf3 report: ${path}${key}: not an object`);
  return v;
}

function finite(obj: Record<string, unknown>, key: string, path: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new Iperf3Error(`iperf3 report: ${path}${key}: not a non-negative number`);
  return v;
}

/** Parses the text iperf3 -J printed; throws Iperf3Error naming the problem. */
export function parseIperf3Text(text: string): Iperf3Result {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const head = text.trim().slice(0, 120);
    throw new Iperf3Error(`iperf3 report: not JSON${head ? ` (${head})` : ' (empty output)'}`);
  }
  return parseIperf3Json(value);
}

export function parseIperf3Json(value: unknown): Iperf3Result {
  if (!isObj(value)) throw new Iperf3Error('iperf3 report: not an object');
  if (typeof value.error === 'string') throw new Iperf3Error(`iperf3: ${value.error}`);
  const end = field(value, 'end', '');
  const received = field(end, 'sum_received', 'end.');
  const sent = isObj(end.sum_sent) ? end.sum_sent : undefined;
  const cpu = isObj(end.cpu_utilization_percent) ? end.cpu_utilization_percent : undefined;
  const start = isObj(value.start) ? value.start : undefined;
  const retransmits = sent !== undefined && typeof sent.retransmits === 'number' ? sent.retransmits : null;
  return {
    bitsPerSecond: finite(received, 'bits_per_second', 'end.sum_received.'),
    bytes: finite(received, 'bytes', 'end.sum_received.'),
    seconds: finite(received, 'seconds', 'end.sum_received.'),
    retransmits,
    cpu: cpu !== undefined && typeof cpu.host_total === 'number' && typeof cpu.remote_total === 'number'
      ? { senderPercent: cpu.host_total, receiverPercent: cpu.remote_total }
      : null,
    version: start !== undefined && typeof start.version === 'string' ? start.version : null,
  };
}
