// GET over the agent's unix socket (src/agent/api-socket.ts), for
// `podwirectl status`. A socket path is on the filesystem, so it is reached
// from any network namespace. Failures become AgentUnreachable with a stable
// code and a message that names the socket and the likely cause.
import { request } from 'node:http';

export type UnreachableCode = 'NoSocket' | 'Refused' | 'Denied' | 'Timeout' | 'HttpError' | 'Other';

export class AgentUnreachable extends Error {
  constructor(readonly code: UnreachableCode, readonly socket: string, why: string) {
    super(`cannot reach podwire-agent at ${socket}: ${why}`);
    this.name = 'AgentUnreachable';
  }
}

function explain(err: unknown, socket: string): AgentUnreachable {
  const code = (err as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return new AgentUnreachable('NoSocket', socket, 'no such socket (is podwire-agent running on this node? --socket PATH names another)');
    case 'ECONNREFUSED':
      return new AgentUnreachable('Refused', socket, 'connection refused (a socket left by an agent that stopped?)');
    case 'EACCES':
    case 'EPERM':
      return new AgentUnreachable('Denied', socket, 'permission denied (the socket is root-only)');
    case 'ENOTSOCK':
      return new AgentUnreachable('Other', socket, 'not a socket');
    default:
      return new AgentUnreachable('Other', socket, err instanceof Error ? err.message : String(err));
  }
}

/** The body of a 200 answer to GET `path`; anything else throws AgentUnreachable. */
export function getFromAgent(socket: string, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('error', (err) => reject(explain(err, socket)));
      res.on('end', () => {
        if (res.statusCode === 200) resolve(body);
        else reject(new AgentUnreachable('HttpError', socket, `GET ${path} answered HTTP ${String(res.statusCode)}: ${body.trim().slice(0, 200)}`));
      });
    });
    req.on('timeout', () => req.destroy(new AgentUnreachable('Timeout', socket, `no answer to GET ${path} in ${timeoutMs} ms`)));
    req.on('error', (err) => reject(err instanceof AgentUnreachable ? err : explain(err, socket)));
    req.end();
  });
}
