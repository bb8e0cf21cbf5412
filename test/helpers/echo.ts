// Real bytes through real namespaces. A thread in Node cannot stay in a
// foreign netns across awaits (STYLE §5), so both ends run as child processes
// entered into their netns with nsenter:
// - startEchoServer() starts a TCP and UDP echo server inside a netns, waits
//   for it to print "ready" and records every peer address it sees (the
//   masquerade tests need the source the server observed);
// - tcpEcho()/udpEcho() run a one-shot client inside another netns and report
//   whether the exact bytes came back.
// Everything has a short timeout, and a server exits as soon as its stdin
// closes, so a test process that dies cannot leave a server behind; stop() is
// still to be called from an `after` hook.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** Listens on every address (dual stack) and echoes; prints "<proto> <peer>" per peer. */
const SERVER_SCRIPT = `
const net = require('node:net');
const dgram = require('node:dgram');
const [tcpPort, udpPort] = process.argv.slice(1).map(Number);
const peer = (a) => a.startsWith('::ffff:') ? a.slice(7) : a;
const tcp = net.createServer((s) => {
  process.stdout.write('tcp ' + peer(s.remoteAddress || '') + '\\n');
  s.on('error', () => {});
  s.pipe(s);
});
const udp = dgram.createSocket({ type: 'udp6', ipv6Only: false });
udp.on('message', (msg, rinfo) => {
  process.stdout.write('udp ' + peer(rinfo.address) + '\\n');
  udp.send(msg, rinfo.port, rinfo.address);
});
let pending = 2;
const up = () => { if (--pending === 0) process.stdout.write('ready\\n'); };
tcp.listen({ port: tcpPort, host: '::', ipv6Only: false }, up);
udp.bind({ port: udpPort, address: '::' }, up);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
`;

/** Sends a payload and waits for it to come back; prints one JSON line. */
const CLIENT_SCRIPT = `
const net = require('node:net');
const dgram = require('node:dgram');
const [proto, host, port, hex, timeoutMs] = process.argv.slice(1);
const payload = Buffer.from(hex, 'hex');
const done = (r) => { process.stdout.write(JSON.stringify(r) + '\\n'); process.exit(0); };
setTimeout(() => done({ ok: false, error: 'timeout' }), Number(timeoutMs));
if (proto === 'tcp') {
  const chunks = [];
  let got = 0;
  const s = net.connect({ host, port: Number(port) }, () => s.write(payload));
  s.on('data', (d) => {
    chunks.push(d);
    got += d.length;
    if (got >= payload.length) {
      const back = Buffer.concat(chunks);
      done({ ok: back.equals(payload), local: s.localAddress, error: back.equals(payload) ? undefined : 'mismatch' });
    }
  });
  s.on('error', (e) => done({ ok: false, error: e.code || e.message }));
} else {
  const s = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
  s.on('message', (msg) => done({ ok: msg.equals(payload), error: msg.equals(payload) ? undefined : 'mismatch' }));
  s.on('error', (e) => done({ ok: false, error: e.code || e.message }));
  // UDP has no handshake: resend until the echo arrives or the timeout hits.
  const send = () => s.send(payload, Number(port), host);
  send();
  setInterval(send, 200);
}
`;

export interface EchoServer {
  readonly tcpPort: number;
  readonly udpPort: number;
  /** Peer addresses seen so far, e.g. ["tcp 10.91.0.3", "udp 10.91.0.3"]. */
  readonly peers: string[];
  stop(): void;
}

export const ECHO_TCP_PORT = 7007;
export const ECHO_UDP_PORT = 7008;

function inNetns(netnsPath: string, script: string, args: string[]): ChildProcess {
  // nsenter execs node, so the child pid is node's and kill() reaches it.
  return spawn('nsenter', [`--net=${netnsPath}`, process.execPath, '-e', script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** Starts an echo server inside the netns at `netnsPath`; resolves once it listens. */
export function startEchoServer(netnsPath: string, opts: { tcpPort?: number; udpPort?: number; timeoutMs?: number } = {}): Promise<EchoServer> {
  const tcpPort = opts.tcpPort ?? ECHO_TCP_PORT;
  const udpPort = opts.udpPort ?? ECHO_UDP_PORT;
  const child = inNetns(netnsPath, SERVER_SCRIPT, [String(tcpPort), String(udpPort)]);
  const peers: string[] = [];
  const server: EchoServer = {
    tcpPort,
    udpPort,
    peers,
    stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      child.stdin?.destroy();
    },
  };
  return new Promise((resolve, reject) => {
    let stderr = '';
    let buffered = '';
    const timer = setTimeout(() => {
      server.stop();
      reject(new Error(`echo server in ${netnsPath} not ready after ${opts.timeoutMs ?? 3000} ms: ${stderr}`));
    }, opts.timeoutMs ?? 3000);
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      buffered += d;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') {
          clearTimeout(timer);
          resolve(server);
        } else if (line !== '') {
          peers.push(line);
        }
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`echo server in ${netnsPath} exited (${code ?? signal ?? '?'}): ${stderr}`));
    });
  });
}

export interface EchoOutcome {
  ok: boolean;
  error?: string;
  /** TCP only: the client's local address. */
  local?: string;
}

function runClient(netnsPath: string, proto: 'tcp' | 'udp', host: string, port: number, timeoutMs: number): Promise<EchoOutcome> {
  const payload = randomBytes(64).toString('hex');
  const child = inNetns(netnsPath, CLIENT_SCRIPT, [proto, host, String(port), payload, String(timeoutMs)]);
  child.stdin?.end();
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  // The script times itself out; this guard only covers a client that hangs before it starts.
  const guard = setTimeout(() => child.kill('SIGKILL'), timeoutMs + 5000);
  return new Promise((resolve) => {
    child.on('close', () => {
      clearTimeout(guard);
      try {
        resolve(JSON.parse(stdout) as EchoOutcome);
      } catch {
        resolve({ ok: false, error: `client failed: ${stderr.trim() || stdout.trim() || 'no output'}` });
      }
    });
  });
}

/** Connects from the netns at `netnsPath` to host:port over TCP and checks the bytes come back. */
export function tcpEcho(netnsPath: string, host: string, port = ECHO_TCP_PORT, timeoutMs = 1500): Promise<EchoOutcome> {
  return runClient(netnsPath, 'tcp', host, port, timeoutMs);
}

/** Sends a datagram from the netns at `netnsPath` to host:port and checks it comes back. */
export function udpEcho(netnsPath: string, host: string, port = ECHO_UDP_PORT, timeoutMs = 1500): Promise<EchoOutcome> {
  return runClient(netnsPath, 'udp', host, port, timeoutMs);
}
