// The lab's view of a podwire-agent: HTTP over its unix socket (a path on the
// shared filesystem, reachable from the root netns although the agent runs
// in the node's). /readyz gates `lab up`; /status feeds `lab status`.
import { request } from 'node:http';

export interface AgentStatus {
  node: string;
  backend: string;
  podCIDRs: string[];
  underlayIP: string;
  vtepMAC?: string;
  mtu?: number;
  ready: boolean;
  peers: unknown[];
}

export interface HttpReply {
  status: number;
  body: string;
}

export function getOverSocket(socketPath: string, path: string, timeoutMs: number): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} on ${socketPath}: no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export async function isAgentReady(socketPath: string): Promise<boolean> {
  try {
    return (await getOverSocket(socketPath, '/readyz', 1000)).status === 200;
  } catch {
    return false;
  }
}

function parseStatus(body: string): AgentStatus {
  const v = JSON.parse(body) as Partial<AgentStatus> | null;
  if (!v || typeof v !== 'object') throw new Error('/status: not an object');
  return {
    node: String(v.node ?? ''),
    backend: String(v.backend ?? ''),
    podCIDRs: Array.isArray(v.podCIDRs) ? v.podCIDRs.map(String) : [],
    underlayIP: String(v.underlayIP ?? ''),
    ...(typeof v.vtepMAC === 'string' ? { vtepMAC: v.vtepMAC } : {}),
    ...(typeof v.mtu === 'number' ? { mtu: v.mtu } : {}),
    ready: v.ready === true,
    peers: Array.isArray(v.peers) ? v.peers : [],
  };
}

/** The agent's /status, or the reason it could not be had. */
export async function agentStatus(socketPath: string): Promise<AgentStatus | { error: string }> {
  try {
    const reply = await getOverSocket(socketPath, '/status', 2000);
    if (reply.status !== 200) return { error: `HTTP ${reply.status}` };
    return parseStatus(reply.body);
  } catch (err) {
    return { error: (err as { code?: string }).code ?? (err as Error).message };
  }
}
