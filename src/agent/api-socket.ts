// HTTP over a unix socket: podwirectl's way into the agent (GET /status,
// /healthz, /readyz; see http.ts). The socket file doubles as the "one agent
// per node" guard: at start, a socket that accepts a connection belongs to a
// live agent and we refuse to start (two agents would fight over the same
// routes); one that refuses is left over from a killed agent and is replaced.
// A path holding anything but a socket is never deleted. On shutdown only the
// socket goes; the datapath stays so pods keep working.
import { mkdirSync, statSync, unlinkSync, chmodSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { dirname } from 'node:path';

export class ApiSocketError extends Error {
  constructor(readonly code: 'AgentRunning' | 'NotASocket', message: string) {
    super(message);
    this.name = 'ApiSocketError';
  }
}

function probe(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

export async function listenApiSocket(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  const st = statSync(path, { throwIfNoEntry: false });
  if (st) {
    if (!st.isSocket()) throw new ApiSocketError('NotASocket', `apiSocket: ${path} exists and is not a socket; not touching it`);
    if (await probe(path)) throw new ApiSocketError('AgentRunning', `apiSocket: an agent is already serving ${path}`);
    unlinkSync(path);
  }
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(path, 0o660);
  return server;
}

/** Stops serving and removes the socket file. */
export function closeApiSocket(server: Server, path: string): Promise<void> {
  return new Promise((resolve) => {
    // Node's server.close on a unix socket unlinks the path itself; make sure either way.
    server.close(() => {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
      resolve();
    });
    server.closeAllConnections();
  });
}
