// The ping-pong latency probe's output (pure): `podwirectl bench dataplane
// ping-pong` runs inside the sender's netns and prints one JSON line,
// `{"rttUs":[...]}`, the round-trip time of every exchange in microseconds.
// iperf3 has no request/response mode (netperf's TCP_RR), hence our own.

export interface PingPongOutput {
  rttUs: number[];
}

export function formatPingPongOutput(out: PingPongOutput): string {
  return `${JSON.stringify({ rttUs: out.rttUs.map((v) => Math.round(v * 1000) / 1000) })}\n`;
}

export function parsePingPongOutput(text: string): PingPongOutput {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`ping-pong: output is not JSON (${text.trim().slice(0, 120) || 'empty'})`);
  }
  const rtt = typeof value === 'object' && value !== null ? (value as { rttUs?: unknown }).rttUs : undefined;
  if (!Array.isArray(rtt) || rtt.length === 0) throw new Error('ping-pong: rttUs: not a non-empty array');
  const rttUs = rtt.map((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new Error(`ping-pong: rttUs[${i}]: not a positive number`);
    return v;
  });
  return { rttUs };
}
