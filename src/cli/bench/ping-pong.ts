// The latency probe of `bench dataplane`: one TCP connection (Nagle off) to
// an echo server, a fixed-size message sent, the whole echo awaited, the
// next one sent: netperf's TCP_RR with one transaction in flight. Runs in the
// sender's netns as `podwirectl bench dataplane ping-pong` (started there
// with nsenter: setns moves only a thread, and this must not share a thread
// with an event loop elsewhere).
//
// The target is the lab's own echo server (src/lab/pod-server.ts) on every
// pod and node, so both ends are Node.js processes: the figures include two
// event-loop turns per round trip, the same on every path, which is what
// comparing paths needs. The payload never starts with "whoami " (the echo
// server's one exception to echoing).
import { connect } from 'node:net';

export interface PingPongOptions {
  host: string;
  port: number;
  /** Measured exchanges. */
  count: number;
  /** Exchanges before measuring (connection warm-up, ARP, JIT). */
  warmup: number;
  payloadBytes: number;
  timeoutMs: number;
}

/** Round-trip times in microseconds, one per measured exchange. */
export function pingPong(opts: PingPongOptions): Promise<number[]> {
  const payload = Buffer.alloc(opts.payloadBytes, 'x');
  const samples: number[] = [];
  return new Promise((resolve, reject) => {
    const sock = connect({ host: opts.host, port: opts.port, noDelay: true });
    const timer = setTimeout(() => {
      sock.destroy(new Error(`ping-pong to ${opts.host}:${opts.port}: ${samples.length}/${opts.count} exchanges in ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    let done = 0;
    let pending = 0;
    let sentAt = 0n;
    const send = (): void => {
      pending = payload.length;
      sentAt = process.hrtime.bigint();
      sock.write(payload);
    };
    sock.on('connect', send);
    sock.on('data', (chunk: Buffer) => {
      pending -= chunk.length;
      if (pending > 0) return;
      const rtt = Number(process.hrtime.bigint() - sentAt) / 1000;
      if (++done > opts.warmup) samples.push(rtt);
      if (samples.length >= opts.count) {
        clearTimeout(timer);
        sock.end();
        resolve(samples);
        return;
      }
      send();
    });
    sock.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      if (samples.length < opts.count) reject(new Error(`ping-pong to ${opts.host}:${opts.port}: connection closed after ${samples.length} exchanges`));
    });
  });
}
