// The node's CNI service (docs/cni-service.md): the podwire executable
// forwards ADD, DEL, CHECK, STATUS and GC here over a unix socket, and this
// long-lived process runs the same verb code through the same skel. What it
// saves per pod is everything a fresh process pays before and after the
// verb: koffi and libnftables loading, the nft socket's release (an RCU
// grace period after a deletion), and on DEL the kernel's grace-period wait
// for the removed veth's memory, which runs on after the answer once the
// link is gone (deps.background). Node's own start-up stays in the
// executable; it is the part no plugin written for Node can avoid.
//
// Requests run concurrently: each verb's kernel calls are synchronous, so two
// requests interleave only between whole steps, exactly as two plugin
// processes would, and the on-disk state (IPAM leases under flock, tagged nft
// elements, named links) is the same either way. The socket is root-only.
import { chmodSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { runSkel, type Plugin } from '../cni/skel.js';
import {
  MAX_REQUEST_BYTES, SERVICE_PROTOCOL, namespaceMismatch, parseRequest, type NamespaceIdentity, type ServiceResponse,
} from '../cni/service-protocol.js';
import { threadNamespaces } from '../kernel/netns.js';
import type { AgentLog } from './log.js';
import { claimSocketPath, unlinkSocketPath } from './unix-socket-path.js';

export interface CniServiceOptions {
  socketPath: string;
  /** The config field or flag that named the socket, for errors. */
  field: string;
  plugin: Plugin;
  log: AgentLog;
  /** Called after every answered or refused request (the worker thread reports its counts this way). */
  onStats?(stats: CniServiceStats): void;
}

export interface CniServiceStats {
  served: number;
  refused: number;
  inFlight: number;
}

export interface CniService {
  readonly socketPath: string;
  stats(): CniServiceStats;
  /** Stops accepting, lets running requests finish, removes the socket. */
  close(): Promise<void>;
}

export async function startCniService(opts: CniServiceOptions): Promise<CniService> {
  // Taken once at start, while this thread is in its own namespaces (verbs
  // enter pod namespaces only inside synchronous steps).
  const own: NamespaceIdentity = threadNamespaces();
  const stats = { served: 0, refused: 0, inFlight: 0 };
  const running = new Set<Promise<void>>();
  const idle = new Set<Socket>();
  let closing = false;

  const respond = (sock: Socket, response: ServiceResponse): void => {
    sock.end(`${JSON.stringify(response)}\n`);
  };
  const report = (): void => opts.onStats?.({ ...stats });
  const refuse = (sock: Socket, why: string): void => {
    stats.refused++;
    respond(sock, { v: SERVICE_PROTOCOL, refused: why });
    report();
  };

  const serve = async (sock: Socket, line: string): Promise<void> => {
    let request;
    try {
      request = parseRequest(line);
    } catch (err) {
      // Another protocol version (an upgrade in progress): the executable runs the verb itself.
      refuse(sock, err instanceof Error ? err.message : String(err));
      return;
    }
    const mismatch = namespaceMismatch(request.ns, own);
    if (mismatch !== undefined) {
      refuse(sock, mismatch);
      return;
    }
    if (closing) {
      refuse(sock, 'the service is shutting down');
      return;
    }
    let stdout = '';
    const exitCode = await runSkel({ env: request.env, stdin: request.stdin, stdout: (text) => { stdout += text; } }, opts.plugin);
    stats.served++;
    respond(sock, { v: SERVICE_PROTOCOL, exitCode, stdout });
    report();
  };

  const onConnection = (sock: Socket): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let started = false;
    idle.add(sock);
    sock.on('close', () => idle.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.on('data', (chunk: Buffer) => {
      if (started) return;
      idle.delete(sock);
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        started = true;
        refuse(sock, `request larger than ${MAX_REQUEST_BYTES} bytes`);
        return;
      }
      if (!chunk.includes(0x0a)) return;
      started = true;
      const text = Buffer.concat(chunks).toString('utf8');
      stats.inFlight++;
      const job = serve(sock, text.slice(0, text.indexOf('\n'))).catch((err: unknown) => {
        // runSkel turns every verb error into CNI JSON; this is a bug in the service itself.
        opts.log('error', 'CNI service request failed', { error: err });
        sock.destroy();
      }).finally(() => {
        stats.inFlight--;
        running.delete(job);
        report();
      });
      running.add(job);
    });
  };

  await claimSocketPath(opts.socketPath, opts.field, 'a CNI service');
  const server: Server = createServer({ allowHalfOpen: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ path: opts.socketPath }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // It runs privileged verbs for whoever connects: root only. (Connecting
  // needs write permission on the file, which the umask already withholds
  // from others until this chmod.)
  chmodSync(opts.socketPath, 0o600);

  return {
    socketPath: opts.socketPath,
    stats: () => ({ ...stats }),
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // A connection that has sent no request yet would hold close() forever.
      for (const sock of idle) sock.destroy();
      await Promise.all([...running]);
      await closed;
      unlinkSocketPath(opts.socketPath);
    },
  };
}
