// HTTP over a unix socket: podwirectl's way into the agent (GET /status,
// /healthz, /readyz; see http.ts). The socket file doubles as the "one agent
// per node" guard (unix-socket-path.ts): two agents would fight over the same
// routes. On shutdown only the socket goes; the datapath stays so pods keep
// working.
import { chmodSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { claimSocketPath, unlinkSocketPath } from './unix-socket-path.js';

export async function listenApiSocket(path: string, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  await claimSocketPath(path, 'apiSocket', 'an agent');
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
      unlinkSocketPath(path);
      resolve();
    });
    server.closeAllConnections();
  });
}
