// The client side of `lab probe`, run inside one source pod's netns
// (`podwirectl lab probe-from`): connects to every target at once, each with
// its own timeout, so a row of the matrix costs one timeout at most.
//
// A target answers when the `whoami` exchange (pod-server.ts) comes back
// with our token; the address it reports is the source the target saw, so
// the lab can tell a preserved pod address from a NATed one.
//
// Continuous mode (`durationMs`): one TCP connection per target kept open
// for the whole run, a message every `intervalMs`, each expected back within
// the timeout; UDP sends a whoami every interval. Any missing echo or broken
// connection makes the target fail: this is how the lab shows that an agent
// restart does not disturb established traffic.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import type { ProbeOutcome, ProbeTarget } from './probe-types.js';

function token(): string {
  return randomBytes(6).toString('hex');
}

const errorName = (err: unknown): string => String((err as { code?: unknown }).code ?? (err as Error).message ?? err);

function probeTcp(t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const started = performance.now();
  const tok = token();
  return new Promise((resolve) => {
    let text = '';
    const sock = connect({ host: t.ip, port: t.port });
    const finish = (o: ProbeOutcome) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), timeoutMs);
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(`whoami ${tok}\n`));
    sock.on('data', (d: Buffer) => {
      text += d.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl < 0) return;
      const [got, peer] = text.slice(0, nl).split(' ');
      finish(got === tok ? { ok: true, peer: peer ?? '', ms: round(performance.now() - started) } : { ok: false, error: 'bad reply' });
    });
    sock.on('error', (err) => finish({ ok: false, error: errorName(err) }));
    sock.on('close', () => finish({ ok: false, error: 'closed' }));
  });
}

function probeUdp(t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const started = performance.now();
  const tok = token();
  return new Promise((resolve) => {
    const sock = createSocket(t.ip.includes(':') ? 'udp6' : 'udp4');
    const finish = (o: ProbeOutcome) => {
      clearTimeout(timer);
      clearInterval(resend);
      sock.close();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ ok: false, error: 'timeout' }), timeoutMs);
    sock.on('message', (msg) => {
      const [got, peer] = msg.toString('utf8').split(' ');
      if (got === tok) finish({ ok: true, peer: peer ?? '', ms: round(performance.now() - started) });
    });
    sock.on('error', (err) => finish({ ok: false, error: errorName(err) }));
    // No handshake on UDP: a first datagram can be lost to ARP resolution; resend.
    const send = () => sock.send(`whoami ${tok}`, t.port, t.ip);
    send();
    const resend = setInterval(send, Math.max(50, Math.floor(timeoutMs / 5)));
  });
}

const round = (ms: number): number => Math.round(ms * 10) / 10;

export function probeOnce(t: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  return t.protocol === 'TCP' ? probeTcp(t, timeoutMs) : probeUdp(t, timeoutMs);
}

export interface ContinuousOptions {
  durationMs: number;
  intervalMs: number;
  timeoutMs: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** UDP: a fresh whoami each interval, each answered in time. */
async function continuousUdp(t: ProbeTarget, o: ContinuousOptions): Promise<ProbeOutcome> {
  const end = Date.now() + o.durationMs;
  let sent = 0;
  let received = 0;
  let peer = '';
  let error: string | undefined;
  const pending: Array<Promise<void>> = [];
  while (Date.now() < end) {
    sent++;
    pending.push(probeUdp(t, o.timeoutMs).then((r) => {
      if (r.ok) {
        received++;
        peer = r.peer ?? peer;
      } else {
        error = r.error;
      }
    }));
    await sleep(o.intervalMs);
  }
  await Promise.all(pending);
  return { ok: received === sent, peer, sent, received, broken: 0, ...(error !== undefined ? { error } : {}) };
}

/** TCP: one connection for the whole run; a numbered line each interval, echoed in time. */
function continuousTcp(t: ProbeTarget, o: ContinuousOptions): Promise<ProbeOutcome> {
  const tok = token();
  const end = Date.now() + o.durationMs;
  return new Promise((resolve) => {
    let sent = 0;
    let received = 0;
    let broken = 0;
    let peer = '';
    let error: string | undefined;
    let buffer = '';
    let sock: Socket | undefined;
    const outstanding = new Map<number, NodeJS.Timeout>();
    const open = () => {
      const s = connect({ host: t.ip, port: t.port });
      sock = s;
      buffer = '';
      s.setNoDelay(true);
      s.on('connect', () => s.write(`whoami ${tok}\n`));
      s.on('data', (d: Buffer) => {
        buffer += d.toString('utf8');
        let nl;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          const [a, b] = line.split(' ');
          if (a === tok) peer = b ?? '';
          else if (a === 'seq' && b !== undefined && outstanding.has(Number(b))) {
            clearTimeout(outstanding.get(Number(b)));
            outstanding.delete(Number(b));
            received++;
          }
        }
      });
      s.on('error', (err) => { error = errorName(err); });
      s.on('close', () => {
        if (sock !== s) return;
        sock = undefined;
        if (Date.now() < end) {
          broken++;
          setTimeout(open, o.intervalMs);
        }
      });
    };
    const tick = () => {
      if (Date.now() >= end) {
        clearInterval(ticker);
        const wait = setInterval(() => {
          if (outstanding.size > 0) return;
          clearInterval(wait);
          const s = sock;
          sock = undefined;
          s?.destroy();
          resolve({ ok: received === sent && broken === 0, peer, sent, received, broken, ...(error !== undefined ? { error } : {}) });
        }, 10);
        return;
      }
      const n = ++sent;
      outstanding.set(n, setTimeout(() => { outstanding.delete(n); error = error ?? `seq ${n} not echoed in time`; }, o.timeoutMs));
      if (sock && !sock.connecting) sock.write(`seq ${n}\n`);
      else if (sock) sock.once('connect', () => sock?.write(`seq ${n}\n`));
    };
    open();
    const ticker = setInterval(tick, o.intervalMs);
  });
}

export function probeContinuously(t: ProbeTarget, o: ContinuousOptions): Promise<ProbeOutcome> {
  return t.protocol === 'TCP' ? continuousTcp(t, o) : continuousUdp(t, o);
}

/** Every target at once; results by target id. */
export async function probeAll(targets: readonly ProbeTarget[], run: (t: ProbeTarget) => Promise<ProbeOutcome>): Promise<Record<string, ProbeOutcome>> {
  const results = await Promise.all(targets.map(async (t) => [t.id, await run(t)] as const));
  return Object.fromEntries(results);
}
