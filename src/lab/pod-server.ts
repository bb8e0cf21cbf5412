// What runs "in" a lab pod (and on each node, as the probe target for pod →
// node): an echo server on every declared port, TCP and UDP, started with
// `podwirectl lab serve` inside the pod's netns.
//
// Echo, with one addition so the lab can check that pod addresses survive
// the trip across nodes (no NAT between pods): a UDP datagram
// `whoami <token>`, or a TCP connection whose first line is
// `whoami <token>\n`, is answered with `<token> <peer address>` (plus "\n"
// on TCP); anything else comes back as sent, and a TCP connection keeps
// echoing after its whoami. A TCP client that sends "who" and waits is the
// only one that notices the difference (its bytes are held until they can no
// longer be a whoami, at 256 bytes or a newline).
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { writeSync, closeSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { PortSpec } from './lab-state.js';

const MAGIC = 'whoami ';

export function plainAddress(a: string | undefined): string {
  return a?.startsWith('::ffff:') ? a.slice(7) : (a ?? '');
}

function serveTcpConnection(sock: Socket): void {
  const peer = plainAddress(sock.remoteAddress);
  let pending: Buffer | undefined = Buffer.alloc(0);
  sock.on('error', () => undefined);
  sock.on('data', (d: Buffer) => {
    if (!pending) {
      sock.write(d);
      return;
    }
    pending = Buffer.concat([pending, d]);
    const head = pending.subarray(0, MAGIC.length).toString('latin1');
    if (MAGIC.startsWith(head) && pending.length < MAGIC.length) return;
    if (head === MAGIC) {
      const nl = pending.indexOf(10);
      if (nl < 0 && pending.length < 256) return;
      if (nl >= 0) {
        const token = pending.subarray(MAGIC.length, nl).toString('utf8');
        const rest = pending.subarray(nl + 1);
        pending = undefined;
        sock.write(`${token} ${peer}\n`);
        if (rest.length > 0) sock.write(rest);
        return;
      }
    }
    sock.write(pending);
    pending = undefined;
  });
  sock.on('end', () => sock.end());
}

function udpReply(msg: Buffer, peer: string): Buffer {
  const text = msg.subarray(0, MAGIC.length).toString('latin1');
  return text === MAGIC ? Buffer.from(`${msg.subarray(MAGIC.length).toString('utf8')} ${peer}`) : msg;
}

function listenTcp(port: number): Promise<Server> {
  const server = createServer(serveTcpConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '::', ipv6Only: false }, () => resolve(server));
  });
}

function listenUdp(port: number): Promise<UdpSocket> {
  const sock = createSocket({ type: 'udp6', ipv6Only: false });
  sock.on('message', (msg, rinfo) => sock.send(udpReply(msg, plainAddress(rinfo.address)), rinfo.port, rinfo.address));
  return new Promise((resolve, reject) => {
    sock.once('error', reject);
    sock.bind({ port, address: '::' }, () => resolve(sock));
  });
}

export interface RunningServer {
  close(): void;
}

/** Listens on every port; resolves once all are bound. */
export async function startPodServer(ports: readonly PortSpec[]): Promise<RunningServer> {
  const closers: Array<() => void> = [];
  try {
    for (const p of ports) {
      if (p.protocol === 'TCP') {
        const s = await listenTcp(p.port);
        closers.push(() => s.close());
      } else {
        const s = await listenUdp(p.port);
        closers.push(() => s.close());
      }
    }
  } catch (err) {
    for (const c of closers) c();
    throw err;
  }
  return { close: () => closers.forEach((c) => c()) };
}

/** Tells the lab that started us that we listen (processes.ts: fd 3), then lets go of the pipe. */
export function signalReady(fd: number): void {
  writeSync(fd, 'ready\n');
  closeSync(fd);
}

export function parsePortSpec(text: string): PortSpec {
  const m = /^(\d{1,5})(?:\/(TCP|UDP|tcp|udp))?$/.exec(text);
  const port = m ? Number(m[1]) : NaN;
  if (!m || port < 1 || port > 65535) throw new Error(`"${text}" is not PORT[/TCP|UDP]`);
  return { port, protocol: (m[2] ?? 'TCP').toUpperCase() as PortSpec['protocol'] };
}

export function formatPortSpec(p: PortSpec): string {
  return `${p.port}/${p.protocol}`;
}
