// The agent's HTTP surface, one handler served twice:
//   TCP `listen` (default 127.0.0.1:9153 inside the node netns): /healthz,
//     /readyz, /metrics, for probes and Prometheus;
//   the unix socket `apiSocket` (api-socket.ts): /status, /healthz, /readyz,
//     for podwirectl and the tests (file permissions guard it, no TCP port).
// Handlers only read: they never change the datapath.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ListenAddress } from './config.js';

export interface Readiness {
  datapath: boolean;
  conflist: boolean;
  peersReconciled: boolean;
  /** The first NetworkPolicy table is in the kernel. */
  policySynced: boolean;
}

export interface AgentHttpDeps {
  readiness(): Readiness;
  /** Prometheus text. */
  metrics(): Promise<string>;
  /** The /status document. */
  status(): unknown;
}

export type Endpoint = 'healthz' | 'readyz' | 'metrics' | 'status';

export const TCP_ENDPOINTS: readonly Endpoint[] = ['healthz', 'readyz', 'metrics'];
export const SOCKET_ENDPOINTS: readonly Endpoint[] = ['healthz', 'readyz', 'status'];

export function isReady(r: Readiness): boolean {
  return r.datapath && r.conflist && r.peersReconciled && r.policySynced;
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}

export function createAgentHandler(deps: AgentHttpDeps, endpoints: readonly Endpoint[]): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]?.replace(/^\/+/, '') ?? '';
    if (!endpoints.includes(path as Endpoint)) return send(res, 404, 'text/plain', `not found; endpoints: ${endpoints.map((e) => `/${e}`).join(' ')}\n`);
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET\n');
    switch (path as Endpoint) {
      case 'healthz':
        return send(res, 200, 'text/plain', 'ok\n');
      case 'readyz': {
        const r = deps.readiness();
        if (isReady(r)) return send(res, 200, 'text/plain', 'ok\n');
        const missing = Object.entries(r).filter(([, ok]) => !ok).map(([k]) => k);
        return send(res, 503, 'text/plain', `not ready: ${missing.join(', ')}\n`);
      }
      case 'status':
        return send(res, 200, 'application/json', `${JSON.stringify(deps.status(), null, 2)}\n`);
      case 'metrics':
        deps.metrics().then(
          (text) => send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', text),
          (err: unknown) => send(res, 500, 'text/plain', `metrics failed: ${String(err)}\n`),
        );
        return;
    }
  };
}

/** Listens on host:port; resolves with the server once bound. */
export function listenTcp(addr: ListenAddress, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: addr.host, port: addr.port }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
